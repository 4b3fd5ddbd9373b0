// Acquisition channels: 「联系我」 contact ways, 获客助手 links and 「加入群聊」 join ways (API-FACTS §5, §6, §7.3).
import type { SimulatorCore } from '../core.ts';
import { fail } from '../errors.ts';
import type { AcquisitionLink, ContactWay, JoinWay } from '../model.ts';
import { visibleEmployee } from './contacts.ts';
import { requireMedia, requireRelation } from './customers.ts';
import {
  clampedLimit,
  optionalBoolean,
  optionalNumber,
  optionalNumberList,
  optionalObject,
  optionalString,
  optionalStringList,
  pageByOffset,
  requireNumber,
  requireString,
  truncate,
  type Json,
} from './input.ts';
import type { ApiRoute } from './router.ts';

const DAY = 86_400;

function maxLength(value: string | undefined, name: string, max: number): void {
  if (value !== undefined && Array.from(value).length > max) fail(40058, `${name} exceeds ${max} characters`);
}

/** Users of a channel must be active, visible and have 客户联系 enabled. */
function checkUsers(core: SimulatorCore, userids: string[]): void {
  for (const userid of userids) {
    const employee = visibleEmployee(core, userid, 40003);
    if (!employee.customerContact) fail(84074, `no external contact privilege: ${userid}`);
  }
}

function checkDepartments(core: SimulatorCore, ids: number[]): void {
  for (const id of ids) {
    if (!core.state.departments.has(id)) fail(60123, `department not found: ${id}`);
    if (!core.state.isDepartmentVisible(id)) fail(60011);
  }
}

/** Members a user list plus departments expand to (distinct). */
function expandedMembers(core: SimulatorCore, userids: string[], departments: number[]): Set<string> {
  const members = new Set(userids);
  for (const employee of core.state.employeesInDepartments(departments)) members.add(employee.userid);
  return members;
}

function checkConclusions(core: SimulatorCore, conclusions: Json | undefined): void {
  if (!conclusions) return;
  const image = conclusions.image as Json | undefined;
  if (image?.media_id) requireMedia(core, String(image.media_id));
  const miniprogram = conclusions.miniprogram as Json | undefined;
  if (miniprogram?.pic_media_id) requireMedia(core, String(miniprogram.pic_media_id));
}

/** Applies the optional, overwriting fields shared by add and update. */
function applyContactWayFields(core: SimulatorCore, way: ContactWay, body: Json): void {
  const remark = optionalString(body, 'remark');
  const state = optionalString(body, 'state');
  maxLength(remark, 'remark', 30);
  maxLength(state, 'state', 30);
  const users = optionalStringList(body, 'user');
  const party = optionalNumberList(body, 'party');
  if (users) checkUsers(core, users);
  if (party) checkDepartments(core, party);
  const style = optionalNumber(body, 'style');
  if (style !== undefined) {
    if (way.scene === 2) fail(41040, 'invalid contact way scene: style is only for scene 1');
    way.style = style;
  }
  if (remark !== undefined || 'remark' in body) way.remark = remark ?? '';
  if (state !== undefined || 'state' in body) way.state = state ?? '';
  way.skip_verify = optionalBoolean(body, 'skip_verify') ?? way.skip_verify;
  if (users) way.user = users.slice();
  if (party) way.party = party.slice();
  if (way.type === 1 && (way.user.length !== 1 || way.party.length > 0)) fail(40058, 'a single-user contact way needs exactly one user');
  if (way.type === 2 && way.user.length + way.party.length === 0) fail(40058, 'user or party missing');
  if (expandedMembers(core, way.user, way.party).size > 100) fail(40058, 'a contact way has at most 100 users');
  if (way.is_temp) {
    const expires = optionalNumber(body, 'expires_in');
    const chatExpires = optionalNumber(body, 'chat_expires_in');
    if (expires !== undefined && (expires <= 0 || expires > 14 * DAY)) fail(40058, 'expires_in must be at most 14 days');
    if (chatExpires !== undefined && (chatExpires <= 0 || chatExpires > 14 * DAY)) fail(40058, 'chat_expires_in must be at most 14 days');
    if (expires !== undefined) way.expires_in = expires;
    if (chatExpires !== undefined) way.chat_expires_in = chatExpires;
    const unionid = optionalString(body, 'unionid');
    if (unionid !== undefined) way.unionid = unionid;
    const conclusions = optionalObject(body, 'conclusions');
    checkConclusions(core, conclusions);
    if (conclusions) way.conclusions = conclusions;
  }
}

function contactWayView(way: ContactWay): Json {
  const view: Json = {
    config_id: way.config_id,
    type: way.type,
    scene: way.scene,
    remark: way.remark,
    skip_verify: way.skip_verify,
    state: way.state,
    user: way.user,
    party: way.party,
    is_temp: way.is_temp,
    expires_in: way.expires_in,
    chat_expires_in: way.chat_expires_in,
    unionid: way.unionid,
    is_exclusive: way.is_exclusive,
  };
  if (way.style !== undefined) view.style = way.style;
  if (way.scene === 2) view.qr_code = way.qr_code;
  if (way.conclusions) {
    const conclusions = structuredClone(way.conclusions) as Json;
    // The GET answer carries the image as pic_url, not the media_id that was sent.
    const image = conclusions.image as Json | undefined;
    if (image?.media_id) conclusions.image = { pic_url: `https://wework.qpic.cn/wwpic/conclusion_${String(image.media_id).slice(0, 16)}/0` };
    view.conclusions = conclusions;
  }
  return view;
}

function requireContactWay(core: SimulatorCore, body: Json): ContactWay {
  const configId = requireString(body, 'config_id');
  return core.state.contactWays.get(configId) ?? fail(40058, `invalid config_id: ${configId}`);
}

// ---- acquisition links ---------------------------------------------------------------------------

function applyLinkFields(core: SimulatorCore, link: AcquisitionLink, body: Json): void {
  const name = optionalString(body, 'link_name');
  maxLength(name, 'link_name', 30);
  if (name !== undefined) link.link_name = name;
  const range = optionalObject(body, 'range');
  if (range) {
    const users = optionalStringList(range, 'user_list', 500) ?? [];
    const departments = optionalNumberList(range, 'department_list') ?? [];
    checkUsers(core, users);
    checkDepartments(core, departments);
    if (users.length + departments.length === 0) fail(40058, 'range missing');
    if (core.state.employeesInDepartments(departments).length > 500) fail(40058, 'department_list covers more than 500 members');
    link.range = { user_list: users.slice(), department_list: departments.slice() };
  }
  link.skip_verify = optionalBoolean(body, 'skip_verify') ?? link.skip_verify;
  link.mark_source = optionalBoolean(body, 'mark_source') ?? link.mark_source;
  const priority = optionalObject(body, 'priority_option');
  if (priority) {
    const type = optionalNumber(priority, 'priority_type');
    if (type !== 1 && type !== 2) fail(40058, 'priority_type must be 1 or 2');
    const list = optionalStringList(priority, 'priority_userid_list', 1000) ?? [];
    if (type === 2 && list.length === 0) fail(40058, 'priority_userid_list missing');
    checkUsers(core, list);
    link.priority_option = { priority_type: type, priority_userid_list: list.slice() };
  }
}

function requireLink(core: SimulatorCore, body: Json): AcquisitionLink {
  const linkId = requireString(body, 'link_id');
  const link = core.state.acquisitionLinks.get(linkId);
  if (!link || link.deleted) fail(40058, `invalid link_id: ${linkId}`);
  return link;
}

// ---- join ways -----------------------------------------------------------------------------------

function applyJoinWayFields(core: SimulatorCore, way: JoinWay, body: Json): void {
  const scene = optionalNumber(body, 'scene');
  if (scene !== undefined) {
    if (scene !== 1 && scene !== 2) fail(40058, 'scene must be 1 or 2');
    way.scene = scene;
  }
  const chatIds = optionalStringList(body, 'chat_id_list', 5);
  if (chatIds) {
    if (chatIds.length === 0) fail(40058, 'chat_id_list missing');
    for (const chatId of chatIds) {
      const chat = core.state.groupChats.get(chatId);
      if (!chat || chat.dismissed) fail(86003, `chatid not exist: ${chatId}`);
    }
    way.chat_id_list = chatIds.slice();
  }
  const remark = optionalString(body, 'remark');
  if (remark !== undefined) way.remark = truncate(remark, 30);
  const autoCreate = optionalNumber(body, 'auto_create_room');
  if (autoCreate !== undefined) way.auto_create_room = autoCreate ? 1 : 0;
  const baseName = optionalString(body, 'room_base_name');
  maxLength(baseName, 'room_base_name', 40);
  if (baseName !== undefined) way.room_base_name = baseName;
  const baseId = optionalNumber(body, 'room_base_id');
  if (baseId !== undefined) way.room_base_id = baseId;
  const state = optionalString(body, 'state');
  maxLength(state, 'state', 30);
  if (state !== undefined) way.state = state;
}

function requireJoinWay(core: SimulatorCore, body: Json): JoinWay {
  const configId = requireString(body, 'config_id');
  return core.state.joinWays.get(configId) ?? fail(40058, `invalid config_id: ${configId}`);
}

export const channelRoutes: ApiRoute[] = [
  {
    method: 'POST',
    path: 'externalcontact/add_contact_way',
    handler: ({ core, body }) => {
      const type = optionalNumber(body, 'type') ?? fail(41037);
      const scene = optionalNumber(body, 'scene') ?? fail(41040);
      if (type !== 1 && type !== 2) fail(41037, 'invalid contact way type');
      if (scene !== 1 && scene !== 2) fail(41040);
      const isTemp = optionalBoolean(body, 'is_temp') ?? false;
      if (isTemp && type !== 1) fail(40058, 'a temporary contact way supports a single user only');
      if (!isTemp && 'conclusions' in body) fail(40058, 'conclusions are only for temporary contact ways');
      const { state } = core;
      const way: ContactWay = {
        config_id: state.newConfigId(),
        type,
        scene,
        remark: '',
        skip_verify: true,
        state: '',
        qr_code: scene === 2 ? state.qrCodeUrl() : '',
        user: [],
        party: [],
        is_temp: isTemp,
        expires_in: isTemp ? 7 * DAY : 0,
        chat_expires_in: isTemp ? DAY : 0,
        unionid: '',
        is_exclusive: optionalBoolean(body, 'is_exclusive') ?? false,
        createdAt: core.nowSeconds(),
        nextIndex: 0,
      };
      applyContactWayFields(core, way, body);
      state.contactWays.set(way.config_id, way);
      return scene === 2 ? { config_id: way.config_id, qr_code: way.qr_code } : { config_id: way.config_id };
    },
  },
  {
    method: 'POST',
    path: 'externalcontact/get_contact_way',
    handler: ({ core, body }) => ({ contact_way: contactWayView(requireContactWay(core, body)) }),
  },
  {
    method: 'POST',
    path: 'externalcontact/list_contact_way',
    handler: ({ core, body }) => {
      const now = core.nowSeconds();
      const start = optionalNumber(body, 'start_time') ?? now - 90 * DAY;
      const end = optionalNumber(body, 'end_time') ?? now;
      if (end < start) fail(40058, 'end_time is before start_time');
      const ways = [...core.state.contactWays.values()].filter((way) => way.createdAt >= start && way.createdAt <= end);
      const { page, next_cursor } = pageByOffset(ways, 'list_contact_way', optionalString(body, 'cursor'), clampedLimit(body, 100, 1000));
      return { contact_way: page.map((way) => ({ config_id: way.config_id })), next_cursor };
    },
  },
  {
    method: 'POST',
    path: 'externalcontact/update_contact_way',
    handler: ({ core, body }) => {
      const way = requireContactWay(core, body);
      // Validate on a copy so a rejected update leaves the way untouched.
      const updated = structuredClone(way);
      applyContactWayFields(core, updated, body);
      Object.assign(way, updated);
      return {};
    },
  },
  {
    method: 'POST',
    path: 'externalcontact/del_contact_way',
    handler: ({ core, body }) => {
      core.state.contactWays.delete(requireContactWay(core, body).config_id);
      return {};
    },
  },
  {
    method: 'POST',
    path: 'externalcontact/close_temp_chat',
    handler: ({ core, body }) => {
      requireRelation(core, requireString(body, 'userid', 41009), requireString(body, 'external_userid'));
      return {};
    },
  },
  {
    method: 'POST',
    path: 'externalcontact/customer_acquisition/create_link',
    handler: ({ core, body }) => {
      requireString(body, 'link_name');
      if (!optionalObject(body, 'range')) fail(40058, 'range missing');
      const linkId = core.state.newLinkId();
      const link: AcquisitionLink = {
        link_id: linkId,
        link_name: '',
        url: `https://work.weixin.qq.com/ca/${linkId}`,
        create_time: core.nowSeconds(),
        skip_verify: true,
        range: { user_list: [], department_list: [] },
        mark_source: true,
        deleted: false,
        customers: [],
        clicks: [],
        nextIndex: 0,
      };
      applyLinkFields(core, link, body);
      core.state.acquisitionLinks.set(linkId, link);
      return { link: { link_id: link.link_id, link_name: link.link_name, url: link.url, create_time: link.create_time } };
    },
  },
  {
    method: 'POST',
    path: 'externalcontact/customer_acquisition/update_link',
    handler: ({ core, body }) => {
      const link = requireLink(core, body);
      const updated = structuredClone(link);
      applyLinkFields(core, updated, body);
      Object.assign(link, updated);
      return {};
    },
  },
  {
    method: 'POST',
    path: 'externalcontact/customer_acquisition/delete_link',
    handler: ({ core, body }) => {
      requireLink(core, body).deleted = true;
      return {};
    },
  },
  {
    method: 'POST',
    path: 'externalcontact/customer_acquisition/list_link',
    handler: ({ core, body }) => {
      const links = [...core.state.acquisitionLinks.values()].filter((link) => !link.deleted);
      const { page, next_cursor } = pageByOffset(links, 'list_link', optionalString(body, 'cursor'), clampedLimit(body, 100, 100));
      return { link_id_list: page.map((link) => link.link_id), next_cursor };
    },
  },
  {
    method: 'POST',
    path: 'externalcontact/customer_acquisition/get',
    handler: ({ core, body }) => {
      const link = requireLink(core, body);
      const result: Json = {
        link: { link_name: link.link_name, url: link.url, create_time: link.create_time, skip_verify: link.skip_verify, mark_source: link.mark_source },
        range: { user_list: link.range.user_list, department_list: link.range.department_list },
      };
      if (link.priority_option) result.priority_option = link.priority_option;
      return result;
    },
  },
  {
    method: 'POST',
    path: 'externalcontact/customer_acquisition/customer',
    handler: ({ core, body }) => {
      const link = requireLink(core, body);
      const { page, next_cursor } = pageByOffset(link.customers, `acquisition_customer:${link.link_id}`, optionalString(body, 'cursor'), clampedLimit(body, 1000, 1000));
      return {
        customer_list: page.map(({ external_userid, userid, chat_status, state }) => ({ external_userid, userid, chat_status, state })),
        next_cursor,
      };
    },
  },
  {
    method: ['GET', 'POST'],
    path: 'externalcontact/customer_acquisition_quota',
    handler: ({ core }) => {
      const { total, balance, quota_list } = core.state.acquisitionQuota;
      return { total, balance, quota_list };
    },
  },
  {
    method: 'POST',
    path: 'externalcontact/customer_acquisition/statistic',
    handler: ({ core, body }) => {
      const link = requireLink(core, body);
      const start = requireNumber(body, 'start_time');
      const end = requireNumber(body, 'end_time');
      if (end < start) fail(40058, 'end_time is before start_time');
      const inRange = (time: number) => time >= start && time <= end;
      const clickers = link.clicks.filter(inRange).length;
      const added = link.customers.filter((customer) => inRange(customer.time) && customer.userid !== '').length;
      return { click_link_customer_cnt: clickers, new_customer_cnt: added };
    },
  },
  {
    method: 'POST',
    path: 'externalcontact/groupchat/add_join_way',
    handler: ({ core, body }) => {
      const scene = optionalNumber(body, 'scene') ?? fail(40058, 'scene missing');
      if (!optionalStringList(body, 'chat_id_list')) fail(40058, 'chat_id_list missing');
      const way: JoinWay = {
        config_id: core.state.newConfigId(),
        scene: scene === 1 ? 1 : 2,
        remark: '',
        auto_create_room: 1,
        room_base_name: '',
        room_base_id: 1,
        chat_id_list: [],
        qr_code: '',
        state: '',
        createdAt: core.nowSeconds(),
      };
      applyJoinWayFields(core, way, body);
      if (way.scene === 2) way.qr_code = core.state.qrCodeUrl();
      core.state.joinWays.set(way.config_id, way);
      return { config_id: way.config_id };
    },
  },
  {
    method: 'POST',
    path: 'externalcontact/groupchat/get_join_way',
    handler: ({ core, body }) => {
      const { createdAt: _createdAt, qr_code, ...way } = requireJoinWay(core, body);
      return { join_way: way.scene === 2 ? { ...way, qr_code } : way };
    },
  },
  {
    method: 'POST',
    path: 'externalcontact/groupchat/update_join_way',
    handler: ({ core, body }) => {
      const way = requireJoinWay(core, body);
      // "使用覆盖的方式更新": absent fields return to their defaults.
      const updated: JoinWay = { ...way, remark: '', auto_create_room: 1, room_base_name: '', room_base_id: 1, state: '' };
      applyJoinWayFields(core, updated, body);
      if (updated.scene === 2 && !updated.qr_code) updated.qr_code = core.state.qrCodeUrl();
      Object.assign(way, updated);
      return {};
    },
  },
  {
    method: 'POST',
    path: 'externalcontact/groupchat/del_join_way',
    handler: ({ core, body }) => {
      core.state.joinWays.delete(requireJoinWay(core, body).config_id);
      return {};
    },
  },
];
