import { ApiArea } from './api-area.ts';
import { iterateCursorPages } from '../paging.ts';
import type {
  GroupChatTransferRequest,
  GroupChatTransferResponse,
  ResignedTransferCustomerRequest,
  TransferCustomerRequest,
  TransferCustomerResponse,
  TransferResultRequest,
  TransferResultResponse,
  UnassignedListRequest,
  UnassignedListResponse,
} from '../types.ts';

/** Customer and group inheritance, on the job (在职) and after resignation (离职) (API-FACTS §8); all POST. */
export class TransfersApi extends ApiArea {
  /** transfer_customer: per-customer errcode 0 only means the 24-hour takeover has started. */
  transferCustomers(request: TransferCustomerRequest): Promise<TransferCustomerResponse> {
    return this.requester.request('externalcontact/transfer_customer', { method: 'POST', body: request, mutating: true });
  }

  getTransferResult(request: TransferResultRequest): Promise<TransferResultResponse> {
    return this.requester.request('externalcontact/transfer_result', { method: 'POST', body: request });
  }

  iterateTransferResult(handoverUserid: string, takeoverUserid: string): AsyncGenerator<TransferResultResponse, void, undefined> {
    return iterateCursorPages((cursor) =>
      this.getTransferResult({ handover_userid: handoverUserid, takeover_userid: takeoverUserid, cursor }),
    );
  }

  transferResignedCustomers(request: ResignedTransferCustomerRequest): Promise<TransferCustomerResponse> {
    return this.requester.request('externalcontact/resigned/transfer_customer', { method: 'POST', body: request, mutating: true });
  }

  getResignedTransferResult(request: TransferResultRequest): Promise<TransferResultResponse> {
    return this.requester.request('externalcontact/resigned/transfer_result', { method: 'POST', body: request });
  }

  iterateResignedTransferResult(handoverUserid: string, takeoverUserid: string): AsyncGenerator<TransferResultResponse, void, undefined> {
    return iterateCursorPages((cursor) =>
      this.getResignedTransferResult({ handover_userid: handoverUserid, takeover_userid: takeoverUserid, cursor }),
    );
  }

  /** groupchat/transfer: groups whose owner has resigned. */
  transferGroupChats(request: GroupChatTransferRequest): Promise<GroupChatTransferResponse> {
    return this.requester.request('externalcontact/groupchat/transfer', { method: 'POST', body: request, mutating: true });
  }

  /** groupchat/onjob_transfer: groups of a member who is still employed. */
  transferOnJobGroupChats(request: GroupChatTransferRequest): Promise<GroupChatTransferResponse> {
    return this.requester.request('externalcontact/groupchat/onjob_transfer', { method: 'POST', body: request, mutating: true });
  }

  /** get_unassigned_list: one row per (resigned member, customer) awaiting a resigned transfer. */
  getUnassignedList(request: UnassignedListRequest = {}): Promise<UnassignedListResponse> {
    return this.requester.request('externalcontact/get_unassigned_list', { method: 'POST', body: request });
  }

  iterateUnassignedList(pageSize?: number): AsyncGenerator<UnassignedListResponse, void, undefined> {
    return iterateCursorPages((cursor) => this.getUnassignedList({ cursor, page_size: pageSize }));
  }
}
