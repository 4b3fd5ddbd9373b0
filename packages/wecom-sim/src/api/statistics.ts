// Statistics (API-FACTS §11) and JS-SDK tickets (§12). Counts that the state knows (new contacts, new
// groups and members) are real; chat activity the simulator does not model is derived from a hash of
// (seed, owner, day) so answers are stable across calls and restarts.
import type { SimulatorCore } from '../core.ts';
import { fail } from '../errors.ts';
import type { GroupChat } from '../model.ts';
import { hashString } from '../random.ts';
import { visibleEmployee } from './contacts.ts';
import { ownerFilter } from './groups.ts';
import { optionalNumber, optionalNumberList, optionalStringList, requireNumber, type Json } from './input.ts';
import { cstDayStart } from './media.ts';
import type { ApiRoute } from './router.ts';

const DAY = 86_400;

function synthetic(core: SimulatorCore, key: string, max: number): number {
  return hashString(`${core.state.seed}:${key}`) % (max + 1);
}

function behaviorForDay(core: SimulatorCore, userids: string[], day: number): Json {
  let newContacts = 0;
  let chats = 0;
  let messages = 0;
  let negative = 0;
  let applies = 0;
  for (const userid of userids) {
    for (const relation of core.state.relationList(userid)) if (relation.createtime >= day && relation.createtime < day + DAY) newContacts++;
    const userChats = synthetic(core, `chat:${userid}:${day}`, 20);
    chats += userChats;
    messages += userChats * (1 + synthetic(core, `messages:${userid}:${day}`, 6));
    negative += synthetic(core, `negative:${userid}:${day}`, 30) === 0 ? 1 : 0;
    applies += synthetic(core, `apply:${userid}:${day}`, 2);
  }
  const data: Json = {
    stat_time: day,
    chat_cnt: chats,
    message_cnt: messages,
    negative_feedback_cnt: negative,
    new_apply_cnt: newContacts + applies,
    new_contact_cnt: newContacts,
  };
  // reply_percentage and avg_reply_time only when there were chats.
  if (chats > 0) {
    data.reply_percentage = 50 + (synthetic(core, `reply:${userids.join(',')}:${day}`, 5000) / 100);
    data.avg_reply_time = 1 + synthetic(core, `reply-time:${userids.join(',')}:${day}`, 30);
  }
  return data;
}

interface GroupStatisticData {
  new_chat_cnt: number;
  chat_total: number;
  chat_has_msg: number;
  new_member_cnt: number;
  member_total: number;
  member_has_msg: number;
  msg_total: number;
  migrate_trainee_chat_cnt: number;
}

function groupStatistic(core: SimulatorCore, chats: GroupChat[], begin: number, end: number): GroupStatisticData {
  const data: GroupStatisticData = { new_chat_cnt: 0, chat_total: 0, chat_has_msg: 0, new_member_cnt: 0, member_total: 0, member_has_msg: 0, msg_total: 0, migrate_trainee_chat_cnt: 0 };
  for (const chat of chats) {
    if (chat.create_time >= end) continue;
    data.chat_total++;
    if (chat.create_time >= begin) data.new_chat_cnt++;
    let members = 0;
    for (const [time, delta] of chat.memberChanges) {
      if (time >= end) continue;
      members += delta;
      if (time >= begin && delta > 0) data.new_member_cnt += delta;
    }
    data.member_total += Math.max(0, members);
    const messages = synthetic(core, `group:${chat.chat_id}:${begin}:${end}`, 40);
    if (messages > 10) {
      data.chat_has_msg++;
      data.msg_total += messages;
      data.member_has_msg += Math.min(Math.max(0, members), 1 + (messages % 7));
    }
  }
  return data;
}

/** day_begin_time/day_end_time rules: midnight-aligned, from 180 days back up to yesterday. */
function dayRange(core: SimulatorCore, body: Json): { begin: number; end: number } {
  const begin = cstDayStart(requireNumber(body, 'day_begin_time'));
  const end = cstDayStart(optionalNumber(body, 'day_end_time') ?? begin);
  const today = cstDayStart(core.nowSeconds());
  if (end < begin) fail(40058, 'day_end_time is before day_begin_time');
  if (begin < today - 180 * DAY) fail(40058, 'day_begin_time is more than 180 days ago');
  if (end >= today) fail(40058, 'day_end_time must be before today');
  return { begin, end: end + DAY };
}

function ownedChats(core: SimulatorCore, body: Json): Map<string, GroupChat[]> {
  const owners = ownerFilter(core, body);
  const byOwner = new Map<string, GroupChat[]>();
  for (const chat of core.state.groupChats.values()) {
    if (chat.dismissed || (owners && !owners.has(chat.owner))) continue;
    const list = byOwner.get(chat.owner) ?? [];
    list.push(chat);
    byOwner.set(chat.owner, list);
  }
  return byOwner;
}

const ORDER_FIELDS: Record<number, keyof GroupStatisticData> = { 1: 'new_chat_cnt', 2: 'chat_total', 3: 'new_member_cnt', 4: 'member_total' };

export const statisticRoutes: ApiRoute[] = [
  {
    method: 'POST',
    path: 'externalcontact/get_user_behavior_data',
    handler: ({ core, body }) => {
      const userids = optionalStringList(body, 'userid', 100) ?? [];
      const partyIds = optionalNumberList(body, 'partyid', 100) ?? [];
      if (userids.length === 0 && partyIds.length === 0) fail(40058, 'userid and partyid cannot both be empty');
      const start = cstDayStart(requireNumber(body, 'start_time'));
      const end = cstDayStart(requireNumber(body, 'end_time'));
      if (end < start) fail(40058, 'end_time is before start_time');
      if (end - start > 30 * DAY) fail(40058, 'the range exceeds 30 days');
      if (start < cstDayStart(core.nowSeconds()) - 180 * DAY) fail(40058, 'start_time is more than 180 days ago');
      for (const userid of userids) visibleEmployee(core, userid, 40003);
      for (const id of partyIds) {
        if (!core.state.departments.has(id)) fail(60123, `department not found: ${id}`);
        if (!core.state.isDepartmentVisible(id)) fail(60011);
      }
      const members = new Set(userids);
      for (const employee of core.state.employeesInDepartments(partyIds)) members.add(employee.userid);
      const behavior_data: Json[] = [];
      for (let day = start; day <= end; day += DAY) behavior_data.push(behaviorForDay(core, [...members], day));
      return { behavior_data };
    },
  },
  {
    method: 'POST',
    path: 'externalcontact/groupchat/statistic',
    handler: ({ core, body }) => {
      const { begin, end } = dayRange(core, body);
      const orderBy = optionalNumber(body, 'order_by') ?? 1;
      const field = ORDER_FIELDS[orderBy] ?? fail(40058, 'order_by must be 1 ~ 4');
      const ascending = optionalNumber(body, 'order_asc') === 1;
      const offset = Math.max(0, optionalNumber(body, 'offset') ?? 0);
      const limit = optionalNumber(body, 'limit') ?? 500;
      if (limit < 1 || limit > 1000) fail(40058, 'limit must be 1 ~ 1000');
      const items = [...ownedChats(core, body)].map(([owner, chats]) => ({ owner, data: groupStatistic(core, chats, begin, end) }));
      items.sort((left, right) => (ascending ? 1 : -1) * (left.data[field] - right.data[field]) || left.owner.localeCompare(right.owner));
      const page = items.slice(offset, offset + limit);
      return { total: items.length, next_offset: offset + page.length, items: page };
    },
  },
  {
    method: 'POST',
    path: 'externalcontact/groupchat/statistic_group_by_day',
    handler: ({ core, body }) => {
      const { begin, end } = dayRange(core, body);
      const chats = [...ownedChats(core, body).values()].flat();
      const items: Json[] = [];
      for (let day = begin; day < end; day += DAY) items.push({ stat_time: day, data: groupStatistic(core, chats, day, day + DAY) });
      return { items };
    },
  },
  {
    method: 'GET',
    path: 'get_jsapi_ticket',
    handler: ({ core }) => core.tokens.ticket('jsapi'),
  },
  {
    method: 'GET',
    path: 'ticket/get',
    handler: ({ core, query }) => {
      if (query.type !== 'agent_config') fail(91040);
      return core.tokens.ticket('agent_config');
    },
  },
];
