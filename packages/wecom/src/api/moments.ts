import { ApiArea } from './api-area.ts';
import { iterateCursorPages } from '../paging.ts';
import type {
  AddMomentTaskRequest,
  AddMomentTaskResponse,
  MomentCustomerListRequest,
  MomentCustomerListResponse,
  MomentListRequest,
  MomentListResponse,
  MomentSendResultResponse,
  MomentTaskRequest,
  MomentTaskResponse,
  MomentTaskResultResponse,
  WecomResponse,
} from '../types.ts';

/**
 * Customer moments (客户朋友圈, API-FACTS-OPERATIONS §18). Creation is asynchronous (a jobid), and each
 * executor publishes the moment in the WeCom client; media come from media.uploadAttachment.
 */
export class MomentsApi extends ApiArea {
  /** add_moment_task → jobid (valid 24 h); the corp may create 10 a minute. */
  addMomentTask(request: AddMomentTaskRequest): Promise<AddMomentTaskResponse> {
    return this.requester.request('externalcontact/add_moment_task', { method: 'POST', body: request, mutating: true });
  }

  /** get_moment_task_result is a GET; status 3 carries the moment_id and the invalid senders and tags. */
  getMomentTaskResult(jobid: string): Promise<MomentTaskResultResponse> {
    return this.requester.request('externalcontact/get_moment_task_result', { method: 'GET', query: { jobid } });
  }

  /** cancel_moment_task: stops executors who haven't published; published moments stay. */
  cancelMomentTask(request: { moment_id: string }): Promise<WecomResponse> {
    return this.requester.request('externalcontact/cancel_moment_task', { method: 'POST', body: request, mutating: true });
  }

  getMomentList(request: MomentListRequest): Promise<MomentListResponse> {
    return this.requester.request('externalcontact/get_moment_list', { method: 'POST', body: request });
  }

  iterateMomentList(request: Omit<MomentListRequest, 'cursor'>): AsyncGenerator<MomentListResponse, void, undefined> {
    return iterateCursorPages((cursor) => this.getMomentList({ ...request, cursor }));
  }

  /** get_moment_task: corp-made moments only; per executor publish_status 0 / 1. */
  getMomentTask(request: MomentTaskRequest): Promise<MomentTaskResponse> {
    return this.requester.request('externalcontact/get_moment_task', { method: 'POST', body: request });
  }

  iterateMomentTask(momentId: string, limit?: number): AsyncGenerator<MomentTaskResponse, void, undefined> {
    return iterateCursorPages((cursor) => this.getMomentTask({ moment_id: momentId, limit, cursor }));
  }

  /** get_moment_customer_list: the customers an executor's moment was meant for (fixed at creation). */
  getMomentCustomerList(request: MomentCustomerListRequest): Promise<MomentCustomerListResponse> {
    return this.requester.request('externalcontact/get_moment_customer_list', { method: 'POST', body: request });
  }

  iterateMomentCustomerList(momentId: string, userid: string, limit?: number): AsyncGenerator<MomentCustomerListResponse, void, undefined> {
    return iterateCursorPages((cursor) => this.getMomentCustomerList({ moment_id: momentId, userid, limit, cursor }));
  }

  /** get_moment_send_result: the customers who can see what the executor published. */
  getMomentSendResult(request: MomentCustomerListRequest): Promise<MomentSendResultResponse> {
    return this.requester.request('externalcontact/get_moment_send_result', { method: 'POST', body: request });
  }

  iterateMomentSendResult(momentId: string, userid: string, limit?: number): AsyncGenerator<MomentSendResultResponse, void, undefined> {
    return iterateCursorPages((cursor) => this.getMomentSendResult({ moment_id: momentId, userid, limit, cursor }));
  }
}
