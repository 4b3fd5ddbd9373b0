// External contacts, corp tags and customer transfers (API-FACTS §3, §4, §8).
import type { SimulatorCore } from '../core.ts';
import { fail } from '../errors.ts';
import type { CorpTag, CorpTagGroup, Customer, Employee, FollowRelation, GroupChat, MediaItem, Transfer } from '../model.ts';
import { cstDayStart } from './media.ts';
import { visibleEmployee } from './contacts.ts';
import {
  clampedLimit,
  decodeCursor,
  encodeCursor,
  optionalNumber,
  optionalString,
  optionalStringList,
  pageByOffset,
  requireString,
  type Json,
} from './input.ts';
import type { ApiRoute } from './router.ts';

/** follow_user entries per externalcontact/get page ("next_cursor returned when follow_user > 500"). */
const FOLLOW_USERS_PER_PAGE = 500;

export function customerView(customer: Customer): Json {
  const view: Json = {
    external_userid: customer.external_userid,
    name: customer.name,
    type: customer.type,
    avatar: customer.avatar,
    gender: customer.gender,
  };
  if (customer.unionid) view.unionid = customer.unionid;
  if (customer.type === 2) {
    view.position = customer.position ?? '';
    view.corp_name = customer.corp_name ?? '';
    view.corp_full_name = customer.corp_full_name ?? '';
    view.external_profile = { external_attr: [] };
  }
  return view;
}

function followUserView(core: SimulatorCore, relation: FollowRelation): Json {
  const tags = [];
  for (const id of relation.tag_ids) {
    const entry = core.state.tagIndex.get(id);
    if (entry) tags.push({ group_name: entry.group.group_name, tag_name: entry.tag.name, tag_id: id, type: 1 });
  }
  const view: Json = {
    userid: relation.userid,
    remark: relation.remark,
    description: relation.description,
    createtime: relation.createtime,
    tags,
    remark_corp_name: relation.remark_corp_name,
    remark_mobiles: relation.remark_mobiles,
    oper_userid: relation.oper_userid,
    add_way: relation.add_way,
  };
  if (relation.state) view.state = relation.state;
  return view;
}

function followInfoView(relation: FollowRelation): Json {
  const view: Json = {
    userid: relation.userid,
    remark: relation.remark,
    description: relation.description,
    createtime: relation.createtime,
    tag_id: relation.tag_ids,
    remark_corp_name: relation.remark_corp_name,
    remark_mobiles: relation.remark_mobiles,
    oper_userid: relation.oper_userid,
    add_way: relation.add_way,
  };
  if (relation.state) view.state = relation.state;
  return view;
}

/** A customer some employee still follows; 40096 for a malformed id, 84061 when there is no relation. */
export function followedCustomer(core: SimulatorCore, externalUserId: string): Customer {
  if (!/^w[mo][A-Za-z0-9_-]{10,}$/.test(externalUserId)) return fail(40096);
  const customer = core.state.customers.get(externalUserId);
  if (!customer || (core.state.relationsByCustomer.get(externalUserId)?.size ?? 0) === 0) return fail(84061);
  return customer;
}

export function requireRelation(core: SimulatorCore, userid: string, externalUserId: string): FollowRelation {
  visibleEmployee(core, userid, 40003);
  followedCustomer(core, externalUserId);
  return core.state.relation(userid, externalUserId) ?? fail(84061);
}

function sortByOrder<T extends { order: number }>(items: T[]): T[] {
  return items.slice().sort((left, right) => right.order - left.order);
}

function tagGroupView(group: CorpTagGroup, tags: CorpTag[] = group.tag): Json {
  return {
    group_id: group.group_id,
    group_name: group.group_name,
    create_time: group.create_time,
    order: group.order,
    tag: sortByOrder(tags).map((tag) => ({ ...tag })),
  };
}

function requireTagIds(core: SimulatorCore, ids: string[]): void {
  for (const id of ids) if (!core.state.tagIndex.has(id)) fail(40068, `invalid tagid: ${id}`);
}

function checkTagName(name: string): string {
  if (name.length === 0 || Array.from(name).length > 30) fail(40058, 'tag name must be 1 ~ 30 characters');
  return name;
}

// ---- transfers (API-FACTS §8, API-FACTS-OPERATIONS §20) ------------------------------------------

const DAY = 86_400;
const YEAR = 365 * DAY;
/** "90个自然日内，在职成员的每位客户 / 每个客户群仅可被转接2次". */
const ONJOB_WINDOW = 90 * DAY;
const ONJOB_TIMES = 2;
/** groupchat/transfer: "同一个人的群，限制每天最多分配300个给新群主". */
const RESIGNED_GROUPS_PER_DAY = 300;

/** lastLoginAt absent: the member logged in recently. */
function loggedInSince(employee: Employee, since: number): boolean {
  return employee.lastLoginAt === undefined || employee.lastLoginAt >= since;
}

/**
 * The one-year rules (40205): a resigned handover member left at most a year ago and logged in within the
 * year before leaving; an employed one logged in within the year.
 */
function handoverWithinYear(employee: Employee, now: number): boolean {
  if (employee.resignedAt !== undefined) return employee.resignedAt >= now - YEAR && loggedInSince(employee, employee.resignedAt - YEAR);
  return loggedInSince(employee, now - YEAR);
}

function requestTransfers(core: SimulatorCore, body: Json, kind: Transfer['kind']): Json {
  const { state } = core;
  const handover = requireString(body, 'handover_userid', 41009);
  const takeover = requireString(body, 'takeover_userid', 41009);
  const externalUserIds = optionalStringList(body, 'external_userid', 100) ?? fail(40058, 'external_userid missing');
  if (externalUserIds.length === 0) fail(40058, 'external_userid missing');
  const handoverEmployee = state.employees.get(handover) ?? fail(40003, `invalid handover_userid: ${handover}`);
  if (takeover === handover) fail(40130);
  if (kind === 'onjob' && handoverEmployee.resignedAt !== undefined) fail(40003, 'handover_userid has resigned, use resigned/transfer_customer');
  if (kind === 'resigned' && handoverEmployee.resignedAt === undefined) fail(40097);
  const takeoverEmployee = visibleEmployee(core, takeover, 40003);
  if (!takeoverEmployee.customerContact) fail(84074);
  const now = core.nowSeconds();
  if (!handoverWithinYear(handoverEmployee, now)) fail(40205, `handover_userid ${handover} has not logged in within a year (or left over a year ago)`);
  if (!loggedInSince(takeoverEmployee, now - YEAR)) fail(40205, `takeover_userid ${takeover} has not logged in within a year`);
  const message = optionalString(body, 'transfer_success_msg');
  if (message && Array.from(message).length > 200) fail(40058, 'transfer_success_msg exceeds 200 characters');
  const customer = externalUserIds.map((externalUserId) => {
    if (!state.customers.has(externalUserId)) return { external_userid: externalUserId, errcode: 40096 };
    if (!state.relation(handover, externalUserId)) return { external_userid: externalUserId, errcode: 40131 };
    const earlier = state.transfers.filter((transfer) => transfer.external_userid === externalUserId);
    if (earlier.some((transfer) => transfer.status === 2)) return { external_userid: externalUserId, errcode: 40129 };
    if (kind === 'onjob' && earlier.filter((transfer) => transfer.kind === 'onjob' && transfer.status !== 3 && transfer.status !== 4 && transfer.requested_at > now - ONJOB_WINDOW).length >= ONJOB_TIMES) {
      return { external_userid: externalUserId, errcode: 40128 };
    }
    state.transfers.push({
      kind,
      handover_userid: handover,
      takeover_userid: takeover,
      external_userid: externalUserId,
      requested_at: now,
      takeover_time: now + core.transferOptions.delaySeconds,
      status: 2,
      ...(message && kind === 'onjob' ? { transfer_success_msg: message } : {}),
    });
    return { external_userid: externalUserId, errcode: 0 };
  });
  return { customer };
}

function transferResults(core: SimulatorCore, body: Json, kind: Transfer['kind']): Json {
  const handover = requireString(body, 'handover_userid', 41009);
  const takeover = requireString(body, 'takeover_userid', 41009);
  const records = core.state.transfers.filter(
    (transfer) => transfer.kind === kind && transfer.handover_userid === handover && transfer.takeover_userid === takeover,
  );
  const { page, next_cursor } = pageByOffset(records, `transfer_result:${kind}`, optionalString(body, 'cursor'), 1000);
  return {
    customer: page.map((transfer) => ({ external_userid: transfer.external_userid, status: transfer.status, takeover_time: transfer.takeover_time })),
    next_cursor,
  };
}

function transferGroups(core: SimulatorCore, body: Json, kind: 'onjob' | 'resigned'): Json {
  const { state } = core;
  const chatIds = optionalStringList(body, 'chat_id_list', 100) ?? fail(40058, 'chat_id_list missing');
  if (chatIds.length === 0) fail(40058, 'chat_id_list missing');
  const newOwner = visibleEmployee(core, requireString(body, 'new_owner', 41009), 40003);
  // The new owner: 客户联系 enabled, activated, logged in within the year.
  if (!newOwner.customerContact) fail(84074);
  if (newOwner.status !== 1) fail(40058, 'new_owner is not activated');
  const now = core.nowSeconds();
  if (!loggedInSince(newOwner, now - YEAR)) fail(40205, `new_owner ${newOwner.userid} has not logged in within a year`);
  const today = cstDayStart(now);
  const failed_chat_list: Json[] = [];
  const refuse = (chatId: string, errcode: number, errmsg: string) => failed_chat_list.push({ chat_id: chatId, errcode, errmsg });
  for (const chatId of chatIds) {
    const chat: GroupChat | undefined = state.groupChats.get(chatId);
    if (!chat || chat.dismissed) {
      refuse(chatId, 86003, 'chatid not exist');
      continue;
    }
    const oldOwner = state.employees.get(chat.owner);
    const ownerResigned = oldOwner?.resignedAt !== undefined;
    if (kind === 'resigned' && !ownerResigned) {
      refuse(chatId, 90500, 'the owner of this chat is not resigned');
      continue;
    }
    if (kind === 'onjob' && ownerResigned) {
      refuse(chatId, 90502, 'the owner of this chat is resigned');
      continue;
    }
    if (chat.owner === newOwner.userid) {
      refuse(chatId, 90504, 'the new owner is already the owner');
      continue;
    }
    if (oldOwner && !handoverWithinYear(oldOwner, now)) {
      refuse(chatId, 40205, 'the owner has not logged in within a year (or left over a year ago)');
      continue;
    }
    const history = state.groupTransfers.filter((record) => record.kind === kind);
    if (kind === 'resigned' && history.filter((record) => record.old_owner === chat.owner && record.time >= today).length >= RESIGNED_GROUPS_PER_DAY) {
      refuse(chatId, 45009, 'at most 300 groups of one member are assigned a day');
      continue;
    }
    if (kind === 'onjob' && history.filter((record) => record.chat_id === chatId && record.time > now - ONJOB_WINDOW).length >= ONJOB_TIMES) {
      refuse(chatId, 40128, 'a group is transferred at most twice in 90 days');
      continue;
    }
    state.groupTransfers.push({ kind, chat_id: chatId, old_owner: chat.owner, new_owner: newOwner.userid, time: now });
    chat.owner = newOwner.userid;
    chat.admin_list = chat.admin_list.filter((admin) => admin.userid !== newOwner.userid);
    if (!chat.member_list.some((member) => member.userid === newOwner.userid)) {
      chat.member_list.push({ userid: newOwner.userid, type: 1, join_time: now, join_scene: 1, group_nickname: '', name: newOwner.name });
      chat.memberChanges.push([now, 1]);
      chat.versionCounter++;
      chat.member_version = state.memberVersion(chat);
    }
    if (kind === 'resigned') chat.status = 3;
  }
  return { failed_chat_list };
}

/**
 * get_unassigned_list rows: one per (resigned member, customer) still waiting for 离职继承, newest departure
 * first; customers whose resigned transfer is under way are assigned already.
 */
export function unassignedRows(core: SimulatorCore): Array<{ handover_userid: string; external_userid: string; dimission_time: number }> {
  const { state } = core;
  const resigned = [...state.employees.values()].filter((employee) => employee.resignedAt !== undefined).sort((left, right) => (right.resignedAt as number) - (left.resignedAt as number));
  const assigned = new Set(state.transfers.filter((transfer) => transfer.kind === 'resigned' && transfer.status === 2).map((transfer) => `${transfer.handover_userid}\n${transfer.external_userid}`));
  const rows = [];
  for (const employee of resigned) {
    for (const relation of state.relationList(employee.userid)) {
      if (assigned.has(`${employee.userid}\n${relation.external_userid}`)) continue;
      rows.push({ handover_userid: employee.userid, external_userid: relation.external_userid, dimission_time: employee.resignedAt as number });
    }
  }
  return rows;
}

function unassignedList(core: SimulatorCore, body: Json): Json {
  // page_size: default 1000, at most 1000.
  const requested = optionalNumber(body, 'page_size');
  const pageSize = requested === undefined || requested <= 0 ? 1000 : Math.min(Math.floor(requested), 1000);
  const cursor = optionalString(body, 'cursor');
  const pageId = optionalNumber(body, 'page_id');
  const rows = unassignedRows(core);
  if (pageId !== undefined && !cursor) {
    // The older paging, still accepted: "page_id*page_size < 50000", no next_cursor.
    if (!Number.isInteger(pageId) || pageId < 0) fail(40058, 'page_id must be a non-negative integer');
    if (pageId * pageSize >= 50_000) fail(40058, 'page_id * page_size must be below 50000, use cursor');
    const offset = pageId * pageSize;
    const info = rows.slice(offset, offset + pageSize);
    return { info, is_last: offset + info.length >= rows.length };
  }
  const { page, next_cursor } = pageByOffset(rows, 'unassigned', cursor, pageSize);
  return { info: page, is_last: next_cursor === '', next_cursor };
}

export const customerRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: 'externalcontact/get_follow_user_list',
    handler: ({ core }) => {
      const follow_user: string[] = [];
      for (const employee of core.state.employees.values()) {
        if (employee.customerContact && employee.resignedAt === undefined && core.state.isEmployeeVisible(employee)) follow_user.push(employee.userid);
      }
      return { follow_user };
    },
  },
  {
    method: 'GET',
    path: 'externalcontact/list',
    handler: ({ core, query }) => {
      const userid = optionalString(query, 'userid') ?? fail(41009);
      const employee = visibleEmployee(core, userid, 40003);
      const relations = core.state.relationList(employee.userid);
      // Observed: a member with no customers gets 84061 with an empty list.
      if (relations.length === 0) fail(84061, undefined, { external_userid: [] });
      return { external_userid: relations.map((relation) => relation.external_userid) };
    },
  },
  {
    method: 'GET',
    path: 'externalcontact/get',
    handler: ({ core, query }) => {
      const externalUserId = optionalString(query, 'external_userid') ?? fail(40058, 'external_userid missing');
      const customer = followedCustomer(core, externalUserId);
      const relations = core.state.customerRelations(externalUserId);
      const { page, next_cursor } = pageByOffset(relations, 'get', optionalString(query, 'cursor'), FOLLOW_USERS_PER_PAGE);
      const result: Json = {
        external_contact: customerView(customer),
        follow_user: page.map((relation) => followUserView(core, relation)),
      };
      if (next_cursor) result.next_cursor = next_cursor;
      return result;
    },
  },
  {
    method: 'POST',
    path: 'externalcontact/batch/get_by_user',
    handler: ({ core, body }) => {
      const userids = optionalStringList(body, 'userid_list') ?? fail(40058, 'userid_list missing');
      if (userids.length === 0) fail(40058, 'userid_list missing');
      if (userids.length > 100) fail(40058, 'userid_list exceeds max size 100');
      for (const userid of userids) visibleEmployee(core, userid, 40003);
      // Clamped, not rejected: "max 100, default 50, values above max are clamped".
      const limit = clampedLimit(body, 50, 100);
      let [userIndex = 0, offset = 0] = decodeCursor('batch', optionalString(body, 'cursor')) ?? [];
      const external_contact_list: Json[] = [];
      while (userIndex < userids.length && external_contact_list.length < limit) {
        const relations = core.state.relationList(userids[userIndex]);
        const take = relations.slice(offset, offset + (limit - external_contact_list.length));
        for (const relation of take) {
          const customer = core.state.customers.get(relation.external_userid) as Customer;
          external_contact_list.push({ external_contact: customerView(customer), follow_info: followInfoView(relation) });
        }
        offset += take.length;
        if (offset >= relations.length) {
          userIndex++;
          offset = 0;
        }
      }
      return { external_contact_list, next_cursor: userIndex < userids.length ? encodeCursor('batch', [userIndex, offset]) : '' };
    },
  },
  {
    method: 'POST',
    path: 'externalcontact/remark',
    handler: ({ core, body }) => {
      const relation = requireRelation(core, requireString(body, 'userid', 41009), requireString(body, 'external_userid'));
      const remark = optionalString(body, 'remark');
      const description = optionalString(body, 'description');
      const company = optionalString(body, 'remark_company');
      const mobiles = optionalStringList(body, 'remark_mobiles', 5);
      const picture = optionalString(body, 'remark_pic_mediaid');
      if (remark !== undefined && Array.from(remark).length > 20) fail(40058, 'remark exceeds 20 characters');
      if (description !== undefined && Array.from(description).length > 150) fail(40058, 'description exceeds 150 characters');
      if (company !== undefined && Array.from(company).length > 20) fail(40058, 'remark_company exceeds 20 characters');
      if (picture !== undefined) requireMedia(core, picture);
      // Present-but-empty strings clear the field; absent ones leave it.
      if ('remark' in body) relation.remark = remark ?? '';
      if ('description' in body) relation.description = description ?? '';
      if ('remark_company' in body) relation.remark_corp_name = company ?? '';
      if (mobiles !== undefined) relation.remark_mobiles = mobiles.slice();
      return {};
    },
  },
  {
    method: 'POST',
    path: 'externalcontact/get_corp_tag_list',
    handler: ({ core, body }) => {
      const tagIds = optionalStringList(body, 'tag_id') ?? [];
      const groupIds = optionalStringList(body, 'group_id') ?? [];
      const { state } = core;
      if (tagIds.length === 0 && groupIds.length === 0) {
        return { tag_group: sortByOrder([...state.tagGroups.values()]).map((group) => tagGroupView(group)) };
      }
      // group_id returns whole groups; tag_id returns the groups holding those tags with just those tags.
      const selected = new Map<string, Set<string> | 'all'>();
      for (const groupId of groupIds) if (state.tagGroups.has(groupId)) selected.set(groupId, 'all');
      for (const tagId of tagIds) {
        const entry = state.tagIndex.get(tagId);
        if (!entry) continue;
        const current = selected.get(entry.group.group_id);
        if (current === 'all') continue;
        selected.set(entry.group.group_id, (current ?? new Set()).add(tagId));
      }
      const tag_group = sortByOrder([...selected.keys()].map((id) => state.tagGroups.get(id) as CorpTagGroup)).map((group) => {
        const wanted = selected.get(group.group_id);
        return tagGroupView(group, wanted === 'all' ? group.tag : group.tag.filter((tag) => wanted?.has(tag.id)));
      });
      return { tag_group };
    },
  },
  {
    method: 'POST',
    path: 'externalcontact/add_corp_tag',
    handler: ({ core, body }) => {
      const rawTags = body.tag;
      if (!Array.isArray(rawTags) || rawTags.length === 0) fail(40058, 'tag missing');
      const { group, added } = addCorpTags(core, {
        group_id: optionalString(body, 'group_id'),
        group_name: optionalString(body, 'group_name'),
        order: optionalNumber(body, 'order'),
        tags: (rawTags as Json[]).map((tag) => ({ name: requireString(tag, 'name'), order: optionalNumber(tag, 'order') })),
      });
      return { tag_group: tagGroupView(group, added) };
    },
  },
  {
    method: 'POST',
    path: 'externalcontact/edit_corp_tag',
    handler: ({ core, body }) => {
      const { state } = core;
      const id = requireString(body, 'id');
      const name = optionalString(body, 'name');
      const order = optionalNumber(body, 'order');
      const group = state.tagGroups.get(id);
      if (group) {
        if (name !== undefined) {
          checkTagName(name);
          if ([...state.tagGroups.values()].some((other) => other !== group && other.group_name === name)) fail(40071);
          group.group_name = name;
        }
        if (order !== undefined) group.order = order;
        return {};
      }
      const entry = state.tagIndex.get(id) ?? fail(40068, `invalid tagid: ${id}`);
      if (name !== undefined) {
        checkTagName(name);
        if (entry.group.tag.some((tag) => tag !== entry.tag && tag.name === name)) fail(40071);
        entry.tag.name = name;
      }
      if (order !== undefined) entry.tag.order = order;
      return {};
    },
  },
  {
    method: 'POST',
    path: 'externalcontact/del_corp_tag',
    handler: ({ core, body }) => {
      const tagIds = optionalStringList(body, 'tag_id') ?? [];
      const groupIds = optionalStringList(body, 'group_id') ?? [];
      if (tagIds.length === 0 && groupIds.length === 0) fail(40058, 'tag_id or group_id missing');
      deleteCorpTags(core, tagIds, groupIds);
      return {};
    },
  },
  {
    method: 'POST',
    path: 'externalcontact/mark_tag',
    handler: ({ core, body }) => {
      const relation = requireRelation(core, requireString(body, 'userid', 41009), requireString(body, 'external_userid'));
      const add = optionalStringList(body, 'add_tag') ?? [];
      const remove = optionalStringList(body, 'remove_tag') ?? [];
      if (add.length === 0 && remove.length === 0) fail(40058, 'add_tag or remove_tag missing');
      requireTagIds(core, [...add, ...remove]);
      const removed = new Set(remove);
      const next = relation.tag_ids.filter((id) => !removed.has(id));
      for (const id of add) if (!next.includes(id)) next.push(id);
      relation.tag_ids = next;
      return {};
    },
  },
  { method: 'POST', path: 'externalcontact/transfer_customer', handler: ({ core, body }) => requestTransfers(core, body, 'onjob') },
  { method: 'POST', path: 'externalcontact/transfer_result', handler: ({ core, body }) => transferResults(core, body, 'onjob') },
  { method: 'POST', path: 'externalcontact/resigned/transfer_customer', handler: ({ core, body }) => requestTransfers(core, body, 'resigned') },
  { method: 'POST', path: 'externalcontact/resigned/transfer_result', handler: ({ core, body }) => transferResults(core, body, 'resigned') },
  { method: 'POST', path: 'externalcontact/groupchat/transfer', handler: ({ core, body }) => transferGroups(core, body, 'resigned') },
  { method: 'POST', path: 'externalcontact/groupchat/onjob_transfer', handler: ({ core, body }) => transferGroups(core, body, 'onjob') },
  { method: 'POST', path: 'externalcontact/get_unassigned_list', handler: ({ core, body }) => unassignedList(core, body) },
];

/** Adds tags to a group found by id or name, creating the group when the name is new (add_corp_tag rules). */
export function addCorpTags(
  core: SimulatorCore,
  input: { group_id?: string; group_name?: string; order?: number; tags: Array<{ name: string; order?: number }> },
): { group: CorpTagGroup; added: CorpTag[]; created: boolean } {
  const { state } = core;
  for (const tag of input.tags) checkTagName(tag.name);
  const now = core.nowSeconds();
  let group: CorpTagGroup | undefined;
  if (input.group_id) group = state.tagGroups.get(input.group_id) ?? fail(40068, `invalid group_id: ${input.group_id}`);
  else if (input.group_name) group = [...state.tagGroups.values()].find((candidate) => candidate.group_name === input.group_name);
  else fail(40058, 'group_id or group_name missing');
  const created = !group;
  if (!group) {
    const groupName = input.group_name as string;
    if (Array.from(groupName).length > 30) fail(40058, 'group_name exceeds 30 characters');
    group = { group_id: state.newTagId(), group_name: groupName, create_time: now, order: input.order ?? 0, tag: [] };
  }
  const names = new Set(group.tag.map((tag) => tag.name));
  for (const tag of input.tags) {
    if (names.has(tag.name)) fail(40071, `tag name already exists: ${tag.name}`);
    names.add(tag.name);
  }
  const added = input.tags.map((tag) => ({ id: state.newTagId(), name: tag.name, create_time: now, order: tag.order ?? 0 }));
  group.tag.push(...added);
  if (created) state.addTagGroup(group);
  else for (const tag of added) state.tagIndex.set(tag.id, { tag, group });
  return { group, added, created };
}

/** Deletes tags and groups (a group left without tags goes too); returns what was deleted. */
export function deleteCorpTags(core: SimulatorCore, tagIds: string[], groupIds: string[]): { tags: string[]; groups: string[] } {
  const { state } = core;
  for (const id of groupIds) if (!state.tagGroups.has(id)) fail(40068, `invalid group_id: ${id}`);
  requireTagIds(core, tagIds);
  const deletedTags = new Set<string>();
  const deletedGroups: string[] = [];
  for (const id of groupIds) {
    const group = state.tagGroups.get(id) as CorpTagGroup;
    for (const tag of group.tag) deletedTags.add(tag.id);
    state.tagGroups.delete(id);
    deletedGroups.push(id);
  }
  for (const id of tagIds) {
    const entry = state.tagIndex.get(id);
    if (!entry || !state.tagGroups.has(entry.group.group_id)) continue;
    entry.group.tag = entry.group.tag.filter((tag) => tag.id !== id);
    deletedTags.add(id);
    if (entry.group.tag.length === 0) {
      state.tagGroups.delete(entry.group.group_id);
      deletedGroups.push(entry.group.group_id);
    }
  }
  for (const id of deletedTags) state.tagIndex.delete(id);
  state.stripTags(deletedTags);
  return { tags: [...deletedTags], groups: deletedGroups };
}

/**
 * A media_id that exists and has not passed its 3-day validity; 40007 otherwise. `kind` 'temp' wants
 * media/upload's ids (群发, welcome), 'moment' media/upload_attachment's for moments (attachment_type 1).
 */
export function requireMedia(core: SimulatorCore, mediaId: string, kind: 'temp' | 'moment' = 'temp'): MediaItem {
  const item = core.state.media.get(mediaId);
  if (!item || item.created_at + core.mediaTtlSeconds <= core.nowSeconds()) return fail(40007, `invalid media_id: ${mediaId}`);
  if (kind === 'temp' && item.attachment_type !== undefined) return fail(40007, `invalid media_id: ${mediaId}, use media/upload`);
  if (kind === 'moment' && item.attachment_type !== 1) return fail(40007, `invalid media_id: ${mediaId}, use media/upload_attachment`);
  return item;
}
