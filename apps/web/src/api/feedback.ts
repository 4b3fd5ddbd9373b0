import { message as staticMessage } from 'antd';
import type { MessageInstance } from 'antd/es/message/interface';
import type { ReactNode } from 'react';

/** antd's context-aware message API, set by <FeedbackBridge> inside <App>; the static one until then. */
let messageApi: Pick<MessageInstance, 'error' | 'success' | 'warning' | 'info'> = staticMessage;

export function setMessageApi(api: MessageInstance): void {
  messageApi = api;
}

export function feedback() {
  return messageApi;
}

/**
 * A request refused for a missing permission (403): the server's message names the grant in words
 * (缺少「客户员工关系」权限，请联系管理员授予) with the code on the details line. Shown even for a silent request —
 * an empty picker would not tell the operator why — and once per missing permission, however many requests
 * were refused for it.
 */
export function showMissingGrant(content: ReactNode, permission: string): void {
  messageApi.error({ content, key: `missing-grant:${permission}` });
}
