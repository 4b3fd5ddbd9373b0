import { ApiArea } from './api-area.ts';
import type { SendAppMessageRequest, SendAppMessageResponse } from '../types.ts';

/** App messages to employees (API-FACTS-OPERATIONS §22). */
export class MessagesApi extends ApiArea {
  /**
   * message/send. WeCom drops, silently, what goes over 30 messages a minute or 1,000 an hour to one member;
   * partly invalid recipients are listed in `invaliduser`, all invalid is 81013. With enable_duplicate_check,
   * the same JSON again within duplicate_check_interval is delivered once — what makes a retry of an
   * uncertain send safe.
   */
  send(request: SendAppMessageRequest): Promise<SendAppMessageResponse> {
    return this.requester.request('message/send', { method: 'POST', body: request, mutating: true });
  }
}
