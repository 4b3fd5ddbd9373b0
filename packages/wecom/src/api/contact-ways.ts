import { ApiArea } from './api-area.ts';
import { iterateCursorPages } from '../paging.ts';
import type {
  AddContactWayRequest,
  AddContactWayResponse,
  CloseTempChatRequest,
  ContactWayGetResponse,
  ContactWayListRequest,
  ContactWayListResponse,
  UpdateContactWayRequest,
  WecomResponse,
} from '../types.ts';

/** 「联系我」 contact ways, the QR codes that add a customer to members (API-FACTS §5); all POST. */
export class ContactWaysApi extends ApiArea {
  add(request: AddContactWayRequest): Promise<AddContactWayResponse> {
    return this.requester.request('externalcontact/add_contact_way', { method: 'POST', body: request, mutating: true });
  }

  get(configId: string): Promise<ContactWayGetResponse> {
    return this.requester.request('externalcontact/get_contact_way', { method: 'POST', body: { config_id: configId } });
  }

  list(request: ContactWayListRequest = {}): Promise<ContactWayListResponse> {
    return this.requester.request('externalcontact/list_contact_way', { method: 'POST', body: request });
  }

  iterate(request: Omit<ContactWayListRequest, 'cursor'> = {}): AsyncGenerator<ContactWayListResponse, void, undefined> {
    return iterateCursorPages((cursor) => this.list({ ...request, cursor }));
  }

  /** update_contact_way: user, party and remark overwrite the stored lists. */
  update(request: UpdateContactWayRequest): Promise<WecomResponse> {
    return this.requester.request('externalcontact/update_contact_way', { method: 'POST', body: request, mutating: true });
  }

  delete(configId: string): Promise<WecomResponse> {
    return this.requester.request('externalcontact/del_contact_way', {
      method: 'POST',
      body: { config_id: configId },
      mutating: true,
    });
  }

  /** Ends a temporary-session chat opened through an is_temp contact way. */
  closeTempChat(request: CloseTempChatRequest): Promise<WecomResponse> {
    return this.requester.request('externalcontact/close_temp_chat', { method: 'POST', body: request, mutating: true });
  }
}
