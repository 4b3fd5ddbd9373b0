import { ApiArea } from './api-area.ts';
import { iterateCursorPages } from '../paging.ts';
import type {
  BatchGetByUserRequest,
  BatchGetByUserResponse,
  ExternalContactGetResponse,
  ExternalContactListResponse,
  FollowUserListResponse,
  RemarkRequest,
  WecomResponse,
} from '../types.ts';

/** batch/get_by_user takes at most 100 userids per call. */
const BATCH_USERID_LIMIT = 100;

/** Customers and their follow relations (API-FACTS §3). */
export class ExternalContactApi extends ApiArea {
  /** Members who have the customer-contact feature enabled. */
  getFollowUserList(): Promise<FollowUserListResponse> {
    return this.requester.request('externalcontact/get_follow_user_list', { method: 'GET' });
  }

  /** external_userids of one member's customers. */
  list(userid: string): Promise<ExternalContactListResponse> {
    return this.requester.request('externalcontact/list', { method: 'GET', query: { userid } });
  }

  /** One customer; follow_user is paged by `cursor` when there are more than 500. */
  get(externalUserid: string, cursor?: string): Promise<ExternalContactGetResponse> {
    return this.requester.request('externalcontact/get', {
      method: 'GET',
      query: { external_userid: externalUserid, cursor: cursor || undefined },
    });
  }

  /** One customer with every follow user, following next_cursor. */
  async getWithAllFollowUsers(externalUserid: string): Promise<ExternalContactGetResponse> {
    const first = await this.get(externalUserid);
    const followUsers = [...first.follow_user];
    if (first.next_cursor) {
      const rest = iterateCursorPages((cursor) => this.get(externalUserid, cursor), first.next_cursor);
      for await (const page of rest) followUsers.push(...page.follow_user);
    }
    return { ...first, follow_user: followUsers, next_cursor: '' };
  }

  batchGetByUser(request: BatchGetByUserRequest): Promise<BatchGetByUserResponse> {
    return this.requester.request('externalcontact/batch/get_by_user', { method: 'POST', body: request });
  }

  /** Every page of batch/get_by_user for any number of userids, 100 userids per call. */
  async *iterateBatchByUser(userids: string[], options: { limit?: number } = {}): AsyncGenerator<BatchGetByUserResponse, void, undefined> {
    for (let start = 0; start < userids.length; start += BATCH_USERID_LIMIT) {
      const chunk = userids.slice(start, start + BATCH_USERID_LIMIT);
      yield* iterateCursorPages((cursor) => this.batchGetByUser({ userid_list: chunk, cursor, limit: options.limit }));
    }
  }

  remark(request: RemarkRequest): Promise<WecomResponse> {
    return this.requester.request('externalcontact/remark', { method: 'POST', body: request, mutating: true });
  }
}
