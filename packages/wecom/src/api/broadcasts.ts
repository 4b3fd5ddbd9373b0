import { ApiArea } from './api-area.ts';
import { iterateCursorPages } from '../paging.ts';
import type {
  AddMsgTemplateRequest,
  AddMsgTemplateResponse,
  GroupMsgListV2Request,
  GroupMsgListV2Response,
  GroupMsgSendResultRequest,
  GroupMsgSendResultResponse,
  GroupMsgTaskRequest,
  GroupMsgTaskResponse,
  WecomResponse,
} from '../types.ts';

/**
 * Mass messages to customers and customer groups (企业群发, API-FACTS-OPERATIONS §17); all POST.
 * Nothing reaches a customer when the task is created: each sender confirms it in the WeCom client, and
 * no callback says so — poll getGroupMsgTask / getGroupMsgSendResult.
 */
export class BroadcastsApi extends ApiArea {
  /** add_msg_template: one task for one sender (or the sender of each listed customer). */
  addMsgTemplate(request: AddMsgTemplateRequest): Promise<AddMsgTemplateResponse> {
    return this.requester.request('externalcontact/add_msg_template', { method: 'POST', body: request, mutating: true });
  }

  /** get_groupmsg_list_v2: corp-made and members' own mass messages within at most one month. */
  getGroupMsgListV2(request: GroupMsgListV2Request): Promise<GroupMsgListV2Response> {
    return this.requester.request('externalcontact/get_groupmsg_list_v2', { method: 'POST', body: request });
  }

  iterateGroupMsgListV2(request: Omit<GroupMsgListV2Request, 'cursor'>): AsyncGenerator<GroupMsgListV2Response, void, undefined> {
    return iterateCursorPages((cursor) => this.getGroupMsgListV2({ ...request, cursor }));
  }

  /** get_groupmsg_task: per sender, status 0 not sent / 2 sent. */
  getGroupMsgTask(request: GroupMsgTaskRequest): Promise<GroupMsgTaskResponse> {
    return this.requester.request('externalcontact/get_groupmsg_task', { method: 'POST', body: request });
  }

  iterateGroupMsgTask(msgid: string, limit?: number): AsyncGenerator<GroupMsgTaskResponse, void, undefined> {
    return iterateCursorPages((cursor) => this.getGroupMsgTask({ msgid, limit, cursor }));
  }

  /** get_groupmsg_send_result: per recipient of one sender, status 0 / 1 sent / 2 not a friend / 3 over the limit. */
  getGroupMsgSendResult(request: GroupMsgSendResultRequest): Promise<GroupMsgSendResultResponse> {
    return this.requester.request('externalcontact/get_groupmsg_send_result', { method: 'POST', body: request });
  }

  iterateGroupMsgSendResult(msgid: string, userid: string, limit?: number): AsyncGenerator<GroupMsgSendResultResponse, void, undefined> {
    return iterateCursorPages((cursor) => this.getGroupMsgSendResult({ msgid, userid, limit, cursor }));
  }

  /** remind_groupmsg_send: notifies the senders again; at most three times in 24 hours per message. */
  remindGroupMsgSend(request: { msgid: string }): Promise<WecomResponse> {
    return this.requester.request('externalcontact/remind_groupmsg_send', { method: 'POST', body: request, mutating: true });
  }

  /** cancel_groupmsg_send: senders who haven't sent can no longer; what was sent stays sent. */
  cancelGroupMsgSend(request: { msgid: string }): Promise<WecomResponse> {
    return this.requester.request('externalcontact/cancel_groupmsg_send', { method: 'POST', body: request, mutating: true });
  }
}
