import { message as staticMessage } from 'antd';
import type { MessageInstance } from 'antd/es/message/interface';

/** antd's context-aware message API, set by <FeedbackBridge> inside <App>; the static one until then. */
let messageApi: Pick<MessageInstance, 'error' | 'success' | 'warning' | 'info'> = staticMessage;

export function setMessageApi(api: MessageInstance): void {
  messageApi = api;
}

export function feedback() {
  return messageApi;
}
