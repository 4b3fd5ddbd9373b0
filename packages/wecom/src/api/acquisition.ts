import { ApiArea } from './api-area.ts';
import { iterateCursorPages } from '../paging.ts';
import type {
  AcquisitionCustomerListRequest,
  AcquisitionCustomerListResponse,
  AcquisitionLinkGetResponse,
  AcquisitionLinkListRequest,
  AcquisitionLinkListResponse,
  AcquisitionQuotaResponse,
  AcquisitionStatisticRequest,
  AcquisitionStatisticResponse,
  CreateAcquisitionLinkRequest,
  CreateAcquisitionLinkResponse,
  UpdateAcquisitionLinkRequest,
  WecomResponse,
} from '../types.ts';

const BASE = 'externalcontact/customer_acquisition';

/** Customer acquisition links 获客助手 (API-FACTS §6); all POST except the quota. */
export class AcquisitionApi extends ApiArea {
  /** list_link: ids of the links that are still valid. */
  listLinks(request: AcquisitionLinkListRequest = {}): Promise<AcquisitionLinkListResponse> {
    return this.requester.request(`${BASE}/list_link`, { method: 'POST', body: request });
  }

  iterateLinks(limit?: number): AsyncGenerator<AcquisitionLinkListResponse, void, undefined> {
    return iterateCursorPages((cursor) => this.listLinks({ limit, cursor }));
  }

  getLink(linkId: string): Promise<AcquisitionLinkGetResponse> {
    return this.requester.request(`${BASE}/get`, { method: 'POST', body: { link_id: linkId } });
  }

  createLink(request: CreateAcquisitionLinkRequest): Promise<CreateAcquisitionLinkResponse> {
    return this.requester.request(`${BASE}/create_link`, { method: 'POST', body: request, mutating: true });
  }

  updateLink(request: UpdateAcquisitionLinkRequest): Promise<WecomResponse> {
    return this.requester.request(`${BASE}/update_link`, { method: 'POST', body: request, mutating: true });
  }

  deleteLink(linkId: string): Promise<WecomResponse> {
    return this.requester.request(`${BASE}/delete_link`, { method: 'POST', body: { link_id: linkId }, mutating: true });
  }

  /** customer: who was added through a link, with the customer_channel as `state`. */
  listCustomers(request: AcquisitionCustomerListRequest): Promise<AcquisitionCustomerListResponse> {
    return this.requester.request(`${BASE}/customer`, { method: 'POST', body: request });
  }

  iterateCustomers(linkId: string, limit?: number): AsyncGenerator<AcquisitionCustomerListResponse, void, undefined> {
    return iterateCursorPages((cursor) => this.listCustomers({ link_id: linkId, limit, cursor }));
  }

  /** customer_acquisition_quota (GET): total used and remaining balance. */
  getQuota(): Promise<AcquisitionQuotaResponse> {
    return this.requester.request('externalcontact/customer_acquisition_quota', { method: 'GET' });
  }

  getStatistic(request: AcquisitionStatisticRequest): Promise<AcquisitionStatisticResponse> {
    return this.requester.request(`${BASE}/statistic`, { method: 'POST', body: request });
  }
}
