// Customer groups: groupchat/list and groupchat/get (API-FACTS §7.1, §7.2).
import type { SimulatorCore } from '../core.ts';
import { fail } from '../errors.ts';
import type { GroupChat } from '../model.ts';
import { optionalNumber, optionalObject, optionalString, optionalStringList, pageByOffset, requireString, type Json } from './input.ts';
import type { ApiRoute } from './router.ts';

/** "if omitted: all owners in visible range; >1000 people → error 81017". */
const OWNERLESS_LIST_LIMIT = 1000;

export function liveChat(core: SimulatorCore, chatId: string): GroupChat {
  const chat = core.state.groupChats.get(chatId);
  if (!chat || chat.dismissed) return fail(86003, `chatid not exist: ${chatId}`);
  return chat;
}

/** Owners named by owner_filter, or every visible employee (81017 past 1000 people). */
export function ownerFilter(core: SimulatorCore, body: Json): Set<string> | undefined {
  const filter = optionalObject(body, 'owner_filter');
  const userids = filter ? optionalStringList(filter, 'userid_list', 100) : undefined;
  if (userids && userids.length > 0) return new Set(userids);
  let visible = 0;
  for (const employee of core.state.employees.values()) if (employee.resignedAt === undefined && core.state.isEmployeeVisible(employee)) visible++;
  if (visible > OWNERLESS_LIST_LIMIT) fail(81017);
  return undefined;
}

export function groupChatView(chat: GroupChat, needName: boolean): Json {
  return {
    chat_id: chat.chat_id,
    name: chat.name,
    owner: chat.owner,
    create_time: chat.create_time,
    notice: chat.notice,
    member_list: chat.member_list.map((member) => {
      const view: Json = { userid: member.userid, type: member.type };
      if (member.unionid) view.unionid = member.unionid;
      view.join_time = member.join_time;
      view.join_scene = member.join_scene;
      if (member.invitor) view.invitor = { userid: member.invitor.userid };
      view.group_nickname = member.group_nickname;
      if (needName) view.name = member.name;
      if (member.state) view.state = member.state;
      return view;
    }),
    admin_list: chat.admin_list.map((admin) => ({ userid: admin.userid })),
    member_version: chat.member_version,
  };
}

export const groupRoutes: ApiRoute[] = [
  {
    method: 'POST',
    path: 'externalcontact/groupchat/list',
    handler: ({ core, body }) => {
      const limit = optionalNumber(body, 'limit') ?? fail(40058, 'limit missing');
      if (limit < 1 || limit > 1000) fail(40058, 'limit must be 1 ~ 1000');
      const statusFilter = optionalNumber(body, 'status_filter') ?? 0;
      if (![0, 1, 2, 3].includes(statusFilter)) fail(40058, 'invalid status_filter');
      const owners = ownerFilter(core, body);
      const chats = [...core.state.groupChats.values()].filter(
        (chat) => !chat.dismissed && (statusFilter === 0 || chat.status === statusFilter) && (!owners || owners.has(chat.owner)),
      );
      const { page, next_cursor } = pageByOffset(chats, 'groupchat_list', optionalString(body, 'cursor'), Math.floor(limit));
      return { group_chat_list: page.map((chat) => ({ chat_id: chat.chat_id, status: chat.status })), next_cursor };
    },
  },
  {
    method: 'POST',
    path: 'externalcontact/groupchat/get',
    handler: ({ core, body }) => {
      const chat = liveChat(core, requireString(body, 'chat_id'));
      return { group_chat: groupChatView(chat, optionalNumber(body, 'need_name') === 1) };
    },
  },
];
