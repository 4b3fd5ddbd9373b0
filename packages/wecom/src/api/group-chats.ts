import { ApiArea } from './api-area.ts';
import { iterateCursorPages } from '../paging.ts';
import type {
  AddJoinWayRequest,
  AddJoinWayResponse,
  GroupChatGetResponse,
  GroupChatListRequest,
  GroupChatListResponse,
  JoinWayGetResponse,
  UpdateJoinWayRequest,
  WecomResponse,
} from '../types.ts';

/** Customer group chats (API-FACTS §7.1–7.2); all POST. */
export class GroupChatsApi extends ApiArea {
  list(request: GroupChatListRequest): Promise<GroupChatListResponse> {
    return this.requester.request('externalcontact/groupchat/list', { method: 'POST', body: request });
  }

  iterate(request: Omit<GroupChatListRequest, 'cursor'>): AsyncGenerator<GroupChatListResponse, void, undefined> {
    return iterateCursorPages((cursor) => this.list({ ...request, cursor }));
  }

  /** groupchat/get; member names only come back with needName. */
  get(chatId: string, needName = false): Promise<GroupChatGetResponse> {
    return this.requester.request('externalcontact/groupchat/get', {
      method: 'POST',
      body: { chat_id: chatId, need_name: needName ? 1 : 0 },
    });
  }
}

/** 「加入群聊」 join ways, the QR codes that bring customers into groups (API-FACTS §7.3); all POST. */
export class JoinWaysApi extends ApiArea {
  add(request: AddJoinWayRequest): Promise<AddJoinWayResponse> {
    return this.requester.request('externalcontact/groupchat/add_join_way', { method: 'POST', body: request, mutating: true });
  }

  get(configId: string): Promise<JoinWayGetResponse> {
    return this.requester.request('externalcontact/groupchat/get_join_way', { method: 'POST', body: { config_id: configId } });
  }

  /** Overwrites the whole join way. */
  update(request: UpdateJoinWayRequest): Promise<WecomResponse> {
    return this.requester.request('externalcontact/groupchat/update_join_way', { method: 'POST', body: request, mutating: true });
  }

  delete(configId: string): Promise<WecomResponse> {
    return this.requester.request('externalcontact/groupchat/del_join_way', {
      method: 'POST',
      body: { config_id: configId },
      mutating: true,
    });
  }
}
