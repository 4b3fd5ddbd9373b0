import { ApiArea } from './api-area.ts';
import type { SendWelcomeMessageRequest, WecomResponse } from '../types.ts';

/** Welcome messages (API-FACTS §10). */
export class WelcomeApi extends ApiArea {
  /** send_welcome_msg: once per welcome_code, within 20 s of the add event. 41051 means already sent. */
  send(request: SendWelcomeMessageRequest): Promise<WecomResponse> {
    return this.requester.request('externalcontact/send_welcome_msg', { method: 'POST', body: request, mutating: true });
  }
}
