// 企业群发 (API-FACTS-OPERATIONS §17): add_msg_template creates a task per sender; nothing reaches a customer
// until the sender confirms it in the client (actions.confirmGroupMsg). Then each recipient is delivered (1),
// not a friend any more (2), or over the per-customer receive limit (3) — corp-made and members' own mass
// messages count together. No callback tells the corp: it polls get_groupmsg_task / get_groupmsg_send_result.
// WeCom documents no expiry for unconfirmed tasks (§26), so they stay pending until confirmed or cancelled.
import type { SimulatorCore } from '../core.ts';
import { fail } from '../errors.ts';
import type { GroupMsg, GroupMsgRecipient, GroupMsgTask, ReceiveLimitRule } from '../model.ts';
import type { SimState } from '../state.ts';
import { checkAttachment, cstDayStart } from './media.ts';
import { visibleEmployee } from './contacts.ts';
import { clampedLimit, optionalBoolean, optionalNumber, optionalObject, optionalString, optionalStringList, pageByOffset, type Json } from './input.ts';
import type { ApiRoute } from './router.ts';

const DAY = 86_400;
const CST = 8 * 3600;
export const GROUP_MSG_LIMITS = { externalUserids: 10_000, chatIds: 2_000, attachments: 9, textBytes: 4_000, tagsPerGroup: 100, remindsPerDay: 3 } as const;

// ---- receive limit --------------------------------------------------------------------------------

/** The current period of the rule (natural day / Monday-based week / month in China time) and its count. */
export function receivePeriod(rule: ReceiveLimitRule, now: number): { start: number; limit: number } {
  const dayStart = cstDayStart(now);
  if (rule.per === 'day') return { start: dayStart, limit: rule.count ?? 1 };
  if (rule.per === 'week') {
    const weekday = new Date((dayStart + CST) * 1000).getUTCDay();
    return { start: dayStart - ((weekday + 6) % 7) * DAY, limit: rule.count ?? 7 };
  }
  const date = new Date((now + CST) * 1000);
  const start = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1) / 1000 - CST;
  const daysInMonth = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
  return { start, limit: rule.count ?? daysInMonth };
}

function recipientKey(recipient: GroupMsgRecipient): string {
  return recipient.external_userid ?? `chat:${recipient.chat_id}`;
}

/** Mass messages delivered to a customer (or a group, `chat:<id>`) since `since`. */
function receivedSince(state: SimState, key: string, since: number): number {
  const times = state.receiveLog.get(key);
  if (!times) return 0;
  let count = 0;
  for (let index = times.length - 1; index >= 0 && times[index] >= since; index--) count++;
  return count;
}

/**
 * A sender sends their part of a task now: each chosen recipient becomes 1, 2 or 3. `only` limits it to
 * some recipients (allow_select); the others stay 0 (not sent).
 */
export function sendTask(core: SimulatorCore, msg: GroupMsg, task: GroupMsgTask, only?: Set<string>): void {
  const { state } = core;
  const now = core.nowSeconds();
  const period = receivePeriod(state.receiveLimit, now);
  for (const recipient of task.recipients) {
    if (recipient.status !== 0) continue;
    if (only && !only.has(recipient.external_userid ?? recipient.chat_id ?? '')) continue;
    if (msg.chat_type === 'single' && !state.relation(task.userid, recipient.external_userid as string)) {
      recipient.status = 2;
      continue;
    }
    if (msg.chat_type === 'group') {
      const chat = state.groupChats.get(recipient.chat_id as string);
      // A group dismissed or handed over meanwhile is not sent to (group results list sent rows only).
      if (!chat || chat.dismissed || chat.owner !== task.userid) continue;
    }
    const key = recipientKey(recipient);
    if (receivedSince(state, key, period.start) >= period.limit) {
      recipient.status = 3;
      continue;
    }
    recipient.status = 1;
    recipient.send_time = now;
    state.logReceipt(key, now);
  }
  task.status = 2;
  task.send_time = now;
}

// ---- add_msg_template -------------------------------------------------------------------------------

export interface MessageContent {
  text?: { content: string };
  attachments: Json[];
}

/** text ≤ 4000 bytes, ≤ 9 attachments of the five shapes with media/upload ids; not both empty. */
export function checkGroupMsgContent(core: SimulatorCore, body: Json): MessageContent {
  const text = optionalObject(body, 'text');
  const content = text ? optionalString(text, 'content') : undefined;
  const raw = body.attachments ?? [];
  if (!Array.isArray(raw)) return fail(40058, 'attachments must be a list');
  if (!content && raw.length === 0) return fail(44004, 'text and attachments cannot both be empty');
  if (content && Buffer.byteLength(content) > GROUP_MSG_LIMITS.textBytes) fail(45002, 'text.content exceeds 4000 bytes');
  if (raw.length > GROUP_MSG_LIMITS.attachments) fail(41064, 'at most 9 attachments');
  const attachments = (raw as Json[]).map((attachment) => checkAttachment(core, attachment, 41065));
  return { ...(content ? { text: { content } } : {}), attachments };
}

/** tag_filter.group_list: tags OR within a group, AND across groups; ≤ 100 tags a group; unknown tags 40068. */
function tagFilter(core: SimulatorCore, body: Json): string[][] | undefined {
  const filter = optionalObject(body, 'tag_filter');
  if (!filter) return undefined;
  const groups = filter.group_list;
  if (groups === undefined || groups === null) return undefined;
  if (!Array.isArray(groups)) return fail(40058, 'tag_filter.group_list must be a list');
  const result = (groups as Json[]).map((group) => {
    if (!group || typeof group !== 'object') return fail(40058, 'tag_filter.group_list items must be objects');
    const tags = optionalStringList(group, 'tag_list') ?? [];
    if (tags.length > GROUP_MSG_LIMITS.tagsPerGroup) fail(40058, 'tag_list exceeds 100 tags');
    for (const id of tags) if (!core.state.tagIndex.has(id)) fail(40068, `invalid tagid: ${id}`);
    return tags;
  });
  const nonEmpty = result.filter((tags) => tags.length > 0);
  return nonEmpty.length > 0 ? nonEmpty : undefined;
}

function matchesTags(tagIds: string[], filter: string[][] | undefined): boolean {
  return !filter || filter.every((group) => group.some((id) => tagIds.includes(id)));
}

/** A sender: an active member in the app's visible range (40003 otherwise) with 客户联系 (84074). */
function requireSender(core: SimulatorCore, userid: string) {
  const employee = visibleEmployee(core, userid, 40003);
  if (!employee.customerContact) fail(84074, `${userid} has no external contact privilege`);
  return employee;
}

/** "仅会推送给最后跟客户进行聊天互动的企业成员": the simulator takes the most recent relation of an eligible member. */
function lastMember(core: SimulatorCore, externalUserId: string): string | undefined {
  let best: { userid: string; createtime: number } | undefined;
  for (const relation of core.state.customerRelations(externalUserId)) {
    const employee = core.state.activeEmployee(relation.userid);
    if (!employee || !employee.customerContact || !core.state.isEmployeeVisible(employee)) continue;
    if (!best || relation.createtime > best.createtime) best = relation;
  }
  return best?.userid;
}

export function createGroupMsg(core: SimulatorCore, body: Json): { msgid: string; fail_list: string[] } {
  const { state } = core;
  const chatType = optionalString(body, 'chat_type') ?? 'single';
  if (chatType !== 'single' && chatType !== 'group') return fail(86214, `invalid chat_type: ${chatType}`);
  const senderId = optionalString(body, 'sender');
  const allowSelect = optionalBoolean(body, 'allow_select') ?? false;
  const content = checkGroupMsgContent(core, body);
  const filter = tagFilter(core, body);
  const tasks = new Map<string, GroupMsgTask>();
  const failList: string[] = [];
  const taskOf = (userid: string, choosesChats = false) => {
    let task = tasks.get(userid);
    if (!task) tasks.set(userid, (task = { userid, status: 0, recipients: [], ...(choosesChats ? { choosesChats } : {}) }));
    return task;
  };

  if (chatType === 'single') {
    const externalUserIds = optionalStringList(body, 'external_userid');
    if (externalUserIds && externalUserIds.length > GROUP_MSG_LIMITS.externalUserids) fail(40058, 'external_userid exceeds 10000');
    const listed = externalUserIds && externalUserIds.length > 0 ? [...new Set(externalUserIds)] : undefined;
    if (!listed && !senderId) return fail(40058, 'external_userid and sender cannot both be empty');
    const sender = senderId ? requireSender(core, senderId) : undefined;
    if (sender && !listed) {
      // Only the sender: all of the sender's customers (those the tag filter keeps).
      for (const relation of state.relationList(sender.userid)) {
        if (matchesTags(relation.tag_ids, filter)) taskOf(sender.userid).recipients.push({ external_userid: relation.external_userid, status: 0 });
      }
    } else {
      for (const externalUserId of listed ?? []) {
        const userid = sender ? sender.userid : lastMember(core, externalUserId);
        const relation = userid ? state.relation(userid, externalUserId) : undefined;
        if (!userid || !relation) {
          failList.push(externalUserId);
          continue;
        }
        if (matchesTags(relation.tag_ids, filter)) taskOf(userid).recipients.push({ external_userid: externalUserId, status: 0 });
      }
    }
  } else {
    if (!senderId) return fail(40058, 'sender is required for chat_type group');
    const sender = requireSender(core, senderId);
    const chatIds = optionalStringList(body, 'chat_id_list');
    if (chatIds && chatIds.length > GROUP_MSG_LIMITS.chatIds) fail(40058, 'chat_id_list exceeds 2000');
    if (chatIds && chatIds.length > 0) {
      for (const chatId of new Set(chatIds)) {
        const chat = state.groupChats.get(chatId);
        if (!chat || chat.dismissed || chat.owner !== sender.userid) failList.push(chatId);
        else taskOf(sender.userid).recipients.push({ chat_id: chatId, status: 0 });
      }
    } else {
      // The owner picks the groups in the client when sending.
      const owned = [...state.groupChats.values()].some((chat) => !chat.dismissed && chat.owner === sender.userid);
      if (owned) taskOf(sender.userid, true);
    }
  }
  if (![...tasks.values()].some((task) => task.recipients.length > 0 || task.choosesChats)) return fail(41048);

  const msg: GroupMsg = {
    msgid: state.newMsgId(),
    chat_type: chatType,
    create_type: 0,
    create_time: core.nowSeconds(),
    ...(content.text ? { text: content.text } : {}),
    attachments: content.attachments,
    allow_select: allowSelect,
    tasks: [...tasks.values()],
    reminds: [],
  };
  state.addGroupMsg(msg);
  return { msgid: msg.msgid, fail_list: failList };
}

// ---- reading ----------------------------------------------------------------------------------------

function requireMsg(core: SimulatorCore, body: Json, dispatching = false): GroupMsg {
  const msgid = optionalString(body, 'msgid') ?? fail(41046);
  const msg = core.state.groupMsgIndex.get(msgid) ?? fail(41047, `invalid msgid: ${msgid}`);
  // "创建企业群发后，立刻调用…相关接口，将可能出现该错误" — for as long as the simulator is told it dispatches.
  if (dispatching && core.nowSeconds() < msg.create_time + core.groupMsgOptions.dispatchSeconds) fail(41063);
  return msg;
}

function timeRange(body: Json, maxSpan: number, what: string): { start: number; end: number } {
  const start = optionalNumber(body, 'start_time') ?? fail(40058, 'start_time missing');
  const end = optionalNumber(body, 'end_time') ?? fail(40058, 'end_time missing');
  if (end < start) fail(40058, 'end_time is before start_time');
  if (end - start > maxSpan) fail(40058, `the time range exceeds ${what}`);
  return { start, end };
}

export function groupMsgView(msg: GroupMsg): Json {
  const view: Json = { msgid: msg.msgid };
  if (msg.creator) view.creator = msg.creator;
  // The doc sample shows a string; the simulator sends the documented string form.
  view.create_time = String(msg.create_time);
  view.create_type = msg.create_type;
  if (msg.text) view.text = msg.text;
  if (msg.attachments.length > 0) {
    // "与图片的media_id不能共存优先吐出media_id".
    view.attachments = msg.attachments.map((attachment) => {
      const image = attachment.image as Json | undefined;
      if (attachment.msgtype !== 'image' || !image?.media_id || !image.pic_url) return attachment;
      return { msgtype: 'image', image: { media_id: image.media_id } };
    });
  }
  return view;
}

export const broadcastRoutes: ApiRoute[] = [
  { method: 'POST', path: 'externalcontact/add_msg_template', handler: ({ core, body }) => createGroupMsg(core, body) },
  {
    method: 'POST',
    path: 'externalcontact/get_groupmsg_list_v2',
    handler: ({ core, body }) => {
      const chatType = optionalString(body, 'chat_type') ?? fail(40058, 'chat_type missing');
      if (chatType !== 'single' && chatType !== 'group') fail(86214, `invalid chat_type: ${chatType}`);
      // "span ≤ 1 month": 31 days.
      const { start, end } = timeRange(body, 31 * DAY, 'one month');
      const creator = optionalString(body, 'creator');
      const filterType = optionalNumber(body, 'filter_type') ?? 2;
      if (![0, 1, 2].includes(filterType)) fail(40058, 'filter_type must be 0, 1 or 2');
      // "limit max 100, default 50 (超过最大值时取默认值)".
      const requested = optionalNumber(body, 'limit');
      const limit = requested === undefined || requested <= 0 || requested > 100 ? 50 : Math.floor(requested);
      const found = core.state.groupMsgs.filter(
        (msg) =>
          msg.chat_type === chatType &&
          msg.create_time >= start &&
          msg.create_time <= end &&
          (filterType === 2 || msg.create_type === filterType) &&
          (creator === undefined || msg.creator === creator),
      );
      const { page, next_cursor } = pageByOffset(found, `groupmsg_list:${chatType}:${start}:${end}`, optionalString(body, 'cursor'), limit);
      return { next_cursor, group_msg_list: page.map(groupMsgView) };
    },
  },
  {
    method: 'POST',
    path: 'externalcontact/get_groupmsg_task',
    handler: ({ core, body }) => {
      const msg = requireMsg(core, body, true);
      const { page, next_cursor } = pageByOffset(msg.tasks, `groupmsg_task:${msg.msgid}`, optionalString(body, 'cursor'), clampedLimit(body, 500, 1000));
      return {
        next_cursor,
        task_list: page.map((task) => ({ userid: task.userid, status: task.status, ...(task.send_time !== undefined ? { send_time: task.send_time } : {}) })),
      };
    },
  },
  {
    method: 'POST',
    path: 'externalcontact/get_groupmsg_send_result',
    handler: ({ core, body }) => {
      const msg = requireMsg(core, body, true);
      const userid = optionalString(body, 'userid') ?? fail(41009);
      const task = msg.tasks.find((candidate) => candidate.userid === userid);
      // Group sends list only what was sent ("用户还未选择群，所以不返回未发送记录").
      const rows = (task?.recipients ?? []).filter((recipient) => msg.chat_type === 'single' || recipient.status !== 0);
      const { page, next_cursor } = pageByOffset(rows, `groupmsg_result:${msg.msgid}:${userid}`, optionalString(body, 'cursor'), clampedLimit(body, 500, 1000));
      return {
        next_cursor,
        send_list: page.map((recipient) => ({
          ...(recipient.external_userid ? { external_userid: recipient.external_userid } : {}),
          ...(recipient.chat_id ? { chat_id: recipient.chat_id } : {}),
          userid,
          status: recipient.status,
          ...(recipient.status === 1 ? { send_time: recipient.send_time } : {}),
        })),
      };
    },
  },
  {
    method: 'POST',
    path: 'externalcontact/remind_groupmsg_send',
    handler: ({ core, body }) => {
      const msg = requireMsg(core, body);
      if (msg.cancelled_at !== undefined) fail(41093);
      const now = core.nowSeconds();
      // "24小时内每个群发最多触发三次提醒".
      if (msg.reminds.filter((time) => time > now - DAY).length >= GROUP_MSG_LIMITS.remindsPerDay) fail(41094);
      msg.reminds.push(now);
      return {};
    },
  },
  {
    method: 'POST',
    path: 'externalcontact/cancel_groupmsg_send',
    handler: ({ core, body }) => {
      const msg = requireMsg(core, body);
      if (msg.cancelled_at !== undefined) fail(41093);
      // Senders who haven't sent can no longer; what was sent stays sent ("无法撤回已经群发给客户的消息").
      msg.cancelled_at = core.nowSeconds();
      return {};
    },
  },
];
