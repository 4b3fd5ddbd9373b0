// What customers, employees and admins do in the WeCom apps and console. Each action changes the state
// and emits the callback WeCom would send (API-FACTS §14); changes made through /cgi-bin never do.
import type { ContactPartyEvent, ContactUserEvent, ExternalChatUpdateDetail } from '@scrm/wecom';
import { sendTask } from './api/broadcasts.ts';
import { addCorpTags, deleteCorpTags } from './api/customers.ts';
import { publishMoment } from './api/moments.ts';
import { addGroupWelcomeTemplate, addInterceptRule } from './api/operations-config.ts';
import { WecomFailure } from './errors.ts';
import { truncateBytes } from './api/input.ts';
import type { SimulatorCore } from './core.ts';
import type { SimEvent } from './events.ts';
import { randomMobile } from './generator.ts';
import type { Customer, Department, Employee, FollowRelation, GroupChat, GroupMember, GroupMsg, GroupMsgTask, Moment, ReceiveLimitRule, TransferFailure } from './model.ts';
import { GIVEN_NAME_CHARACTERS, SURNAMES } from './names.ts';

export class SimActionError extends Error {
  constructor(
    message: string,
    readonly statusCode: 400 | 404 | 409 = 400,
  ) {
    super(message);
    this.name = 'SimActionError';
  }
}

export interface NewCustomer {
  name?: string;
  type?: 1 | 2;
  gender?: 0 | 1 | 2;
  unionid?: string;
  mobile?: string;
  corp_name?: string;
  corp_full_name?: string;
  position?: string;
}

/** Who the customer is: an existing external_userid, or a new customer (generated when `customer` is omitted). */
export interface CustomerInput {
  external_userid?: string;
  customer?: NewCustomer;
}

export interface AddCustomerResult {
  external_userid: string;
  userid: string;
  /** false when they were already friends (WeCom sends no callback then). */
  added: boolean;
  newCustomer: boolean;
  state: string;
  welcome_code?: string;
}

export interface EditCustomerInput {
  userid: string;
  external_userid: string;
  remark?: string;
  description?: string;
  remark_mobiles?: string[];
  remark_corp_name?: string;
  add_tags?: string[];
  remove_tags?: string[];
}

export interface EmployeeInput {
  userid?: string;
  name?: string;
  department?: number[];
  main_department?: number;
  position?: string;
  mobile?: string;
  gender?: '0' | '1' | '2';
  email?: string;
  status?: Employee['status'];
  /** 客户联系 enabled (default true). */
  customerContact?: boolean;
}

export interface EmployeeUpdate extends Omit<EmployeeInput, 'userid'> {
  userid: string;
  /** Renames the userid (update_user with NewUserID). */
  new_userid?: string;
}

export interface GroupMemberInput {
  chat_id: string;
  /** userids of employees and/or external_userids of customers. */
  members: string[];
  /** 1 invited directly (default), 2 invited by link, 3 scanned the group QR. */
  join_scene?: 1 | 2 | 3;
  invitor?: string;
  state?: string;
}

export interface ConfirmGroupMsgInput {
  msgid: string;
  userid: string;
  /** With allow_select: the customers the sender keeps (the others stay unsent). */
  external_userids?: string[];
  /** Group sends: the groups the owner picks (default: the chat_id_list given, else all the owner's groups). */
  chat_ids?: string[];
}

/** What a sender's confirmation did, per recipient status. */
export interface GroupMsgSendSummary {
  msgid: string;
  userid: string;
  sent: number;
  not_friend: number;
  over_limit: number;
  not_sent: number;
}

export interface EmployeeBroadcastInput {
  userid: string;
  chat_type?: 'single' | 'group';
  /** Default: all the employee's customers (single) or groups (group). */
  external_userids?: string[];
  chat_ids?: string[];
  text?: string;
  attachments?: Array<Record<string, unknown>>;
}

export interface ConfirmMomentInput {
  jobid?: string;
  moment_id?: string;
  userid: string;
}

const DAY = 86_400;

type Envelope = 'toUserName' | 'fromUserName' | 'createTime';

export class SimulatorActions {
  constructor(private readonly core: () => SimulatorCore) {}

  // ---- customers ---------------------------------------------------------------------------------

  /** A customer scans a 「联系我」 QR: one of the way's employees (round-robin) gets the customer. */
  scanContactWay(input: CustomerInput & { config_id: string; userid?: string; halfAdd?: boolean }): AddCustomerResult {
    const core = this.core();
    const way = core.state.contactWays.get(input.config_id) ?? notFound(`contact way ${input.config_id}`);
    if (way.usedUp) throw new SimActionError('this temporary contact way has already been used', 409);
    if (way.is_temp && way.createdAt + way.expires_in <= core.nowSeconds()) throw new SimActionError('this temporary contact way has expired', 409);
    const candidates = this.#available([...new Set([...way.user, ...core.state.employeesInDepartments(way.party).map((employee) => employee.userid)])]);
    if (candidates.length === 0) throw new SimActionError('no employee of this contact way can take customers', 409);
    const { customer, created } = this.#customer(input);
    let userid = input.userid;
    if (userid !== undefined && !candidates.includes(userid)) throw new SimActionError(`${userid} is not an employee of this contact way`);
    if (userid === undefined && way.is_exclusive && customer.corp_name) {
      // "同一个企业的客户会优先添加到同一个跟进人".
      userid = candidates.find((candidate) =>
        core.state.relationList(candidate).some((relation) => core.state.customers.get(relation.external_userid)?.corp_name === customer.corp_name),
      );
    }
    if (userid === undefined) userid = candidates[way.nextIndex++ % candidates.length];
    const result = this.#befriend(userid, customer, created, { add_way: 1, state: way.state, halfAdd: input.halfAdd });
    if (way.is_temp && result.added) way.usedUp = true;
    return result;
  }

  /**
   * A customer opens an acquisition link (optionally `?customer_channel=…`). WeCom routes the customer
   * to an employee who already has them as a friend when the link's priority option asks for it, else
   * round-robin over the link's range. The channel comes back as `state`.
   */
  openAcquisitionLink(input: CustomerInput & { link_id?: string; url?: string; customer_channel?: string }): AddCustomerResult {
    const core = this.core();
    const { state } = core;
    let linkId = input.link_id;
    let channel = input.customer_channel;
    if (input.url) {
      const url = new URL(input.url);
      linkId ??= url.pathname.split('/').pop();
      channel ??= url.searchParams.get('customer_channel') ?? undefined;
    }
    const link = (linkId && state.acquisitionLinks.get(linkId)) || notFound(`acquisition link ${linkId}`);
    if (link.deleted) throw new SimActionError('this acquisition link has been deleted', 409);
    const quota = state.acquisitionQuota;
    if (quota.balance <= 0) throw new SimActionError('the acquisition quota is exhausted', 409);
    const now = core.nowSeconds();
    link.clicks.push(now);
    const channelState = truncateBytes(channel ?? '', 64);
    const { customer, created } = this.#customer(input);
    const range = this.#available([...new Set([...link.range.user_list, ...state.employeesInDepartments(link.range.department_list).map((employee) => employee.userid)])]);
    const friends = state.customerRelations(customer.external_userid).map((relation) => relation.userid);
    let userid: string | undefined;
    if (link.priority_option?.priority_type === 1) userid = this.#available(friends)[0];
    else if (link.priority_option?.priority_type === 2) {
      const preferred = new Set(link.priority_option.priority_userid_list);
      userid = this.#available(friends).find((friend) => preferred.has(friend));
    }
    if (userid === undefined) {
      if (range.length === 0) throw new SimActionError('no employee in the link range can take customers', 409);
      userid = range[link.nextIndex++ % range.length];
    }
    if (!link.skip_verify) core.emit({ kind: 'customer_acquisition', changeType: 'friend_request', linkId: link.link_id, state: channelState || undefined });
    const result = this.#befriend(userid, customer, created, { add_way: 16, state: channelState });
    if (result.added) {
      link.customers.push({ external_userid: customer.external_userid, userid, chat_status: 0, state: channelState, time: now });
      quota.total++;
      quota.balance--;
      const bucket = quota.quota_list.find((entry) => entry.balance > 0);
      if (bucket) bucket.balance--;
      if (quota.balance === 0) core.emit({ kind: 'customer_acquisition', changeType: 'balance_exhausted' });
      else if (quota.balance <= quota.lowThreshold && !quota.lowNotified) {
        quota.lowNotified = true;
        core.emit({ kind: 'customer_acquisition', changeType: 'balance_low' });
      }
    }
    return result;
  }

  /** Any other way of becoming friends (search by mobile, business card…): add_way defaults to 2. */
  addCustomer(input: CustomerInput & { userid: string; add_way?: number; state?: string; halfAdd?: boolean }): AddCustomerResult {
    const employee = this.#employee(input.userid);
    if (!employee.customerContact) throw new SimActionError(`${input.userid} does not have 客户联系 enabled`, 409);
    const { customer, created } = this.#customer(input);
    return this.#befriend(employee.userid, customer, created, { add_way: input.add_way ?? 2, state: input.state ?? '', halfAdd: input.halfAdd });
  }

  /** The customer deletes the employee (被客户删除): del_follow_user. */
  customerDeletesEmployee(input: { userid: string; external_userid: string }): void {
    this.#removeRelation(input.userid, input.external_userid);
    this.core().emit({ kind: 'change_external_contact', changeType: 'del_follow_user', userId: input.userid, externalUserId: input.external_userid });
  }

  /** The employee deletes the customer: del_external_contact. */
  employeeDeletesCustomer(input: { userid: string; external_userid: string }): void {
    this.#removeRelation(input.userid, input.external_userid);
    this.core().emit({ kind: 'change_external_contact', changeType: 'del_external_contact', userId: input.userid, externalUserId: input.external_userid });
  }

  /** The employee edits remark, description or corp tags in the app: edit_external_contact (not for remark mobiles alone). */
  editCustomer(input: EditCustomerInput): void {
    const core = this.core();
    const relation = core.state.relation(input.userid, input.external_userid) ?? notFound(`relation ${input.userid} ↔ ${input.external_userid}`);
    for (const id of [...(input.add_tags ?? []), ...(input.remove_tags ?? [])]) {
      if (!core.state.tagIndex.has(id)) throw new SimActionError(`unknown corp tag ${id}`);
    }
    let notify = false;
    if (input.remark !== undefined && input.remark !== relation.remark) [relation.remark, notify] = [input.remark, true];
    if (input.description !== undefined && input.description !== relation.description) [relation.description, notify] = [input.description, true];
    if (input.remark_corp_name !== undefined && input.remark_corp_name !== relation.remark_corp_name) [relation.remark_corp_name, notify] = [input.remark_corp_name, true];
    if (input.remark_mobiles !== undefined) relation.remark_mobiles = input.remark_mobiles.slice();
    const removed = new Set(input.remove_tags ?? []);
    const tags = relation.tag_ids.filter((id) => !removed.has(id));
    for (const id of input.add_tags ?? []) if (!tags.includes(id)) tags.push(id);
    if (tags.join() !== relation.tag_ids.join()) [relation.tag_ids, notify] = [tags, true];
    if (notify) {
      core.emit({ kind: 'change_external_contact', changeType: 'edit_external_contact', userId: relation.userid, externalUserId: relation.external_userid });
    }
  }

  /**
   * The customer sends a message: pending welcome codes die (41051), and for a customer who came through an
   * acquisition link chat_status becomes 1 and WeCom reports customer_start_chat.
   */
  customerStartsChat(input: { userid: string; external_userid: string }): void {
    const core = this.core();
    const relation = core.state.relation(input.userid, input.external_userid) ?? notFound(`relation ${input.userid} ↔ ${input.external_userid}`);
    relation.chatted = true;
    for (const link of core.state.acquisitionLinks.values()) {
      for (const entry of link.customers) {
        if (entry.userid !== input.userid || entry.external_userid !== input.external_userid || entry.chat_status === 1) continue;
        entry.chat_status = 1;
        core.emit({ kind: 'customer_acquisition', changeType: 'customer_start_chat', userId: input.userid, externalUserId: input.external_userid, linkId: link.link_id });
      }
    }
  }

  /** An admin deletes an acquisition link in the console: delete_link (deleting it through the API sends nothing). */
  deleteAcquisitionLink(input: { link_id: string }): void {
    const core = this.core();
    const link = core.state.acquisitionLinks.get(input.link_id);
    if (!link || link.deleted) notFound(`acquisition link ${input.link_id}`);
    link.deleted = true;
    core.emit({ kind: 'customer_acquisition', changeType: 'delete_link', linkId: link.link_id });
  }

  /** Another app is sending the welcome message for this code (41096 until it finishes, then 41051). */
  distributeWelcomeElsewhere(input: { welcome_code: string; seconds?: number }): void {
    const core = this.core();
    const code = core.state.welcomeCodes.get(input.welcome_code) ?? notFound(`welcome code ${input.welcome_code}`);
    code.status = 'distributing';
    code.busyUntil = core.nowSeconds() + (input.seconds ?? 5);
  }

  /** Decides ahead how a pending transfer of this customer ends (customer refuses, or takeover over limit). */
  refuseTransfer(input: { external_userid: string; reason?: TransferFailure }): number {
    const pending = this.core().state.transfers.filter((transfer) => transfer.external_userid === input.external_userid && transfer.status === 2);
    if (pending.length === 0) notFound(`pending transfer of ${input.external_userid}`);
    for (const transfer of pending) transfer.plannedFailure = input.reason ?? 'customer_refused';
    return pending.length;
  }

  // ---- 群发 and moments (the employee's side in the client) ----------------------------------------

  /** The sender confirms a pending 群发 task in the client: each recipient becomes sent, not a friend, or over the limit. */
  confirmGroupMsg(input: ConfirmGroupMsgInput): GroupMsgSendSummary {
    const core = this.core();
    const msg = core.state.groupMsgIndex.get(input.msgid) ?? notFound(`group message ${input.msgid}`);
    const task = msg.tasks.find((candidate) => candidate.userid === input.userid) ?? notFound(`task of ${input.userid} in ${input.msgid}`);
    if (msg.cancelled_at !== undefined) throw new SimActionError('this mass message was cancelled', 409);
    if (task.status === 2) throw new SimActionError(`${input.userid} has already sent this mass message`, 409);
    if (!core.state.activeEmployee(task.userid)) throw new SimActionError(`${input.userid} has left the corp`, 409);
    let only: Set<string> | undefined;
    if (msg.chat_type === 'single' && input.external_userids) {
      if (!msg.allow_select) throw new SimActionError('allow_select is off: the sender sends to the whole list', 409);
      const listed = new Set(task.recipients.map((recipient) => recipient.external_userid));
      for (const id of input.external_userids) if (!listed.has(id)) throw new SimActionError(`${id} is not a recipient of this task`);
      only = new Set(input.external_userids);
    }
    if (msg.chat_type === 'group') {
      const owned = [...core.state.groupChats.values()].filter((chat) => !chat.dismissed && chat.owner === task.userid).map((chat) => chat.chat_id);
      if (task.choosesChats) {
        const chosen = input.chat_ids ?? owned;
        for (const id of chosen) if (!owned.includes(id)) throw new SimActionError(`${id} is not a group of ${task.userid}`);
        task.recipients = [...new Set(chosen)].map((chatId) => ({ chat_id: chatId, status: 0 as const }));
      } else if (input.chat_ids) {
        const listed = new Set(task.recipients.map((recipient) => recipient.chat_id));
        for (const id of input.chat_ids) if (!listed.has(id)) throw new SimActionError(`${id} is not a group of this task`);
        only = new Set(input.chat_ids);
      }
    }
    sendTask(core, msg, task, only);
    return summarize(msg, task);
  }

  /** An employee's own mass message (create_type 1), sent at once; it counts toward the receive limit too. */
  employeeBroadcast(input: EmployeeBroadcastInput): GroupMsgSendSummary {
    const core = this.core();
    const { state } = core;
    const employee = this.#employee(input.userid);
    if (!employee.customerContact) throw new SimActionError(`${input.userid} does not have 客户联系 enabled`, 409);
    if (!input.text && !input.attachments?.length) throw new SimActionError('text and attachments cannot both be empty');
    const chatType = input.chat_type ?? 'single';
    const recipients =
      chatType === 'single'
        ? (input.external_userids ?? state.relationList(employee.userid).map((relation) => relation.external_userid)).map((id) => ({ external_userid: id, status: 0 as const }))
        : (input.chat_ids ?? [...state.groupChats.values()].filter((chat) => !chat.dismissed && chat.owner === employee.userid).map((chat) => chat.chat_id)).map((id) => ({ chat_id: id, status: 0 as const }));
    if (recipients.length === 0) throw new SimActionError('no recipients', 409);
    const task: GroupMsgTask = { userid: employee.userid, status: 0, recipients };
    const msg: GroupMsg = {
      msgid: state.newMsgId(),
      chat_type: chatType,
      create_type: 1,
      creator: employee.userid,
      create_time: core.nowSeconds(),
      ...(input.text ? { text: { content: input.text } } : {}),
      attachments: structuredClone(input.attachments ?? []),
      allow_select: false,
      tasks: [task],
      reminds: [],
    };
    state.addGroupMsg(msg);
    sendTask(core, msg, task);
    return summarize(msg, task);
  }

  /** The admin changes 群发规则 (§17.2): how many mass messages a customer / group may receive per day, week or month. */
  setReceiveLimit(input: ReceiveLimitRule): ReceiveLimitRule {
    if (!['day', 'week', 'month'].includes(input.per)) throw new SimActionError('per must be day, week or month');
    if (input.count !== undefined && !(Number.isInteger(input.count) && input.count > 0)) throw new SimActionError('count must be a positive integer');
    const rule: ReceiveLimitRule = { per: input.per, ...(input.count !== undefined ? { count: input.count } : {}) };
    this.core().state.receiveLimit = rule;
    return rule;
  }

  /** An executor publishes a corp moment in the client (get_moment_task publish_status 0 → 1). */
  confirmMoment(input: ConfirmMomentInput): { moment_id: string; userid: string; visible_to: number } {
    const core = this.core();
    if (!input.jobid && !input.moment_id) throw new SimActionError('jobid or moment_id missing');
    const moment =
      core.state.moments.find((candidate) => (input.moment_id ? candidate.moment_id === input.moment_id : candidate.jobid === input.jobid)) ??
      notFound(`moment ${input.moment_id ?? input.jobid}`);
    if (moment.job_done_at > core.nowSeconds()) throw new SimActionError('the moment is still being created', 409);
    if (moment.cancelled_at !== undefined) throw new SimActionError('this moment task was cancelled', 409);
    const task = moment.tasks.find((candidate) => candidate.userid === input.userid) ?? notFound(`${input.userid} as an executor of ${moment.moment_id}`);
    if (task.publish_status === 1) throw new SimActionError(`${input.userid} has already published this moment`, 409);
    publishMoment(core, task);
    return { moment_id: moment.moment_id, userid: task.userid, visible_to: task.visible_to?.length ?? 0 };
  }

  /** An employee posts a moment of their own (create_type 1), public to all their customers. */
  employeePostMoment(input: { userid: string; text?: string; attachments?: Array<Record<string, unknown>> }): { moment_id: string } {
    const core = this.core();
    const employee = this.#employee(input.userid);
    if (!input.text && !input.attachments?.length) throw new SimActionError('text and attachments cannot both be empty');
    const now = core.nowSeconds();
    const customers = core.state.relationList(employee.userid).map((relation) => relation.external_userid);
    const moment: Moment = {
      moment_id: core.state.newMomentId(),
      create_type: 1,
      creator: employee.userid,
      create_time: now,
      job_done_at: now,
      visible_type: 1,
      ...(input.text ? { text: { content: input.text } } : {}),
      attachments: structuredClone(input.attachments ?? []),
      invalid_sender_list: { user_list: [], department_list: [] },
      invalid_external_contact_list: { tag_list: [] },
      tasks: [{ userid: employee.userid, publish_status: 1, publish_time: now, customers, visible_to: customers.slice() }],
    };
    core.state.moments.push(moment);
    return { moment_id: moment.moment_id };
  }

  /**
   * An administrator adds a chat sensitive-word rule in WeCom's admin console (the add_intercept_rule body and
   * limits); apps see it in get_intercept_rule_list but may not change it.
   */
  adminAddInterceptRule(input: Record<string, unknown>): { rule_id: string } {
    const core = this.core();
    return { rule_id: asAction(() => addInterceptRule(core, input, 'admin')) };
  }

  /** An administrator adds a 入群欢迎语素材 in WeCom's admin console (the group_welcome_template/add body). */
  adminAddGroupWelcomeTemplate(input: Record<string, unknown>): { template_id: string } {
    const core = this.core();
    return { template_id: asAction(() => addGroupWelcomeTemplate(core, input, 'admin')) };
  }

  /**
   * Sets what WeCom knows of a member's history for the one-year transfer rules (40205): when they last
   * logged in, and (for a resigned member) when they left. Works on resigned members too.
   */
  setEmployeeHistory(input: { userid: string; last_login_at?: number | null; resigned_at?: number }): Employee {
    const employee = this.core().state.employees.get(input.userid) ?? notFound(`employee ${input.userid}`);
    if (input.last_login_at === null) delete employee.lastLoginAt;
    else if (input.last_login_at !== undefined) employee.lastLoginAt = input.last_login_at;
    if (input.resigned_at !== undefined) {
      if (employee.resignedAt === undefined) throw new SimActionError(`${input.userid} has not left; use deleteEmployee`, 409);
      employee.resignedAt = input.resigned_at;
    }
    return structuredClone(employee);
  }

  // ---- corp tags (admin console) ----------------------------------------------------------------

  createCorpTags(input: { group_id?: string; group_name?: string; group_order?: number; tags: Array<{ name: string; order?: number }> }): { group_id: string; tag_ids: string[] } {
    const core = this.core();
    if (!input.tags?.length) throw new SimActionError('tags missing');
    const { group, added, created } = asAction(() => addCorpTags(core, { group_id: input.group_id, group_name: input.group_name, order: input.group_order, tags: input.tags }));
    // A new group is one tag_group event; tags added to an existing group are one tag event each.
    if (created) core.emit({ kind: 'change_external_tag', changeType: 'create', id: group.group_id, tagType: 'tag_group' });
    else for (const tag of added) core.emit({ kind: 'change_external_tag', changeType: 'create', id: tag.id, tagType: 'tag' });
    return { group_id: group.group_id, tag_ids: added.map((tag) => tag.id) };
  }

  editCorpTag(input: { id: string; name?: string; order?: number }): void {
    const core = this.core();
    const group = core.state.tagGroups.get(input.id);
    const entry = core.state.tagIndex.get(input.id);
    const target = group ?? entry?.tag ?? notFound(`corp tag ${input.id}`);
    if (input.name !== undefined) {
      if ('group_name' in target) target.group_name = input.name;
      else target.name = input.name;
    }
    if (input.order !== undefined) target.order = input.order;
    core.emit({ kind: 'change_external_tag', changeType: 'update', id: input.id, tagType: group ? 'tag_group' : 'tag' });
  }

  deleteCorpTags(input: { tag_id?: string[]; group_id?: string[] }): void {
    const core = this.core();
    const tagIds = input.tag_id ?? [];
    const groupIds = input.group_id ?? [];
    for (const id of groupIds) if (!core.state.tagGroups.has(id)) notFound(`tag group ${id}`);
    for (const id of tagIds) if (!core.state.tagIndex.has(id)) notFound(`corp tag ${id}`);
    const deleted = deleteCorpTags(core, tagIds, groupIds);
    const explicitTags = new Set(tagIds);
    for (const id of deleted.tags) if (explicitTags.has(id)) core.emit({ kind: 'change_external_tag', changeType: 'delete', id, tagType: 'tag' });
    for (const id of deleted.groups) core.emit({ kind: 'change_external_tag', changeType: 'delete', id, tagType: 'tag_group' });
  }

  /** The admin reorders the tags of a group: change_external_tag shuffle with the group's Id. */
  shuffleCorpTags(input: { group_id: string }): void {
    const core = this.core();
    const items = (core.state.tagGroups.get(input.group_id) ?? notFound(`tag group ${input.group_id}`)).tag;
    const orders = core.state.random.sample(items.map((item) => item.order), items.length);
    items.forEach((item, index) => (item.order = orders[index]));
    core.emit({ kind: 'change_external_tag', changeType: 'shuffle', id: input.group_id });
  }

  // ---- customer groups ---------------------------------------------------------------------------

  createGroupChat(input: { owner: string; name?: string; members?: string[]; notice?: string }): { chat_id: string } {
    const core = this.core();
    const owner = this.#employee(input.owner);
    const now = core.nowSeconds();
    const chat: GroupChat = {
      chat_id: core.state.newChatId(),
      name: input.name ?? '',
      owner: owner.userid,
      create_time: now,
      notice: input.notice ?? '',
      member_list: [{ userid: owner.userid, type: 1, join_time: now, join_scene: 1, group_nickname: '', name: owner.name }],
      admin_list: [],
      member_version: '',
      status: 0,
      dismissed: false,
      memberChanges: [[now, 1]],
      versionCounter: 1,
    };
    for (const id of input.members ?? []) {
      if (id === owner.userid) continue;
      chat.member_list.push(this.#member(id, now, 1, owner.userid));
      chat.memberChanges.push([now, 1]);
      chat.versionCounter++;
    }
    chat.member_version = core.state.memberVersion(chat);
    core.state.groupChats.set(chat.chat_id, chat);
    core.emit({ kind: 'change_external_chat', changeType: 'create', chatId: chat.chat_id });
    return { chat_id: chat.chat_id };
  }

  renameGroupChat(input: { chat_id: string; name: string }): void {
    const chat = this.#chat(input.chat_id);
    chat.name = input.name;
    this.#emitChatUpdate(chat, 'change_name');
  }

  changeGroupNotice(input: { chat_id: string; notice: string }): void {
    const chat = this.#chat(input.chat_id);
    chat.notice = input.notice;
    this.#emitChatUpdate(chat, 'change_notice');
  }

  changeGroupOwner(input: { chat_id: string; new_owner: string }): void {
    const core = this.core();
    const chat = this.#chat(input.chat_id);
    const owner = this.#employee(input.new_owner);
    if (!chat.member_list.some((member) => member.userid === owner.userid)) {
      chat.member_list.push(this.#member(owner.userid, core.nowSeconds(), 1, chat.owner));
      this.#bumpMembers(chat, 1);
    }
    chat.owner = owner.userid;
    chat.admin_list = chat.admin_list.filter((admin) => admin.userid !== owner.userid);
    chat.status = 0;
    this.#emitChatUpdate(chat, 'change_owner');
  }

  dismissGroupChat(input: { chat_id: string }): void {
    const chat = this.#chat(input.chat_id);
    chat.dismissed = true;
    this.core().emit({ kind: 'change_external_chat', changeType: 'dismiss', chatId: chat.chat_id });
  }

  joinGroupChat(input: GroupMemberInput): { added: string[] } {
    const core = this.core();
    const chat = this.#chat(input.chat_id);
    const scene = input.join_scene ?? 1;
    const invitor = scene === 3 ? undefined : (input.invitor ?? chat.owner);
    const now = core.nowSeconds();
    const added: string[] = [];
    for (const id of input.members) {
      if (chat.member_list.some((member) => member.userid === id)) continue;
      const member = this.#member(id, now, scene, invitor);
      if (input.state) member.state = input.state;
      chat.member_list.push(member);
      added.push(id);
    }
    if (added.length === 0) throw new SimActionError('every member is already in the group', 409);
    const lastVersion = chat.member_version;
    this.#bumpMembers(chat, added.length);
    // Callback JoinScene: 0 invited (directly or by link), 3 scanned the group QR.
    this.#emitChatUpdate(chat, 'add_member', { joinScene: scene === 3 ? 3 : 0, memChangeCnt: added.length, memChangeList: added, lastMemVer: lastVersion, curMemVer: chat.member_version });
    return { added };
  }

  quitGroupChat(input: { chat_id: string; members: string[]; quit_scene?: 0 | 1 }): { removed: string[] } {
    const chat = this.#chat(input.chat_id);
    if (input.members.includes(chat.owner)) throw new SimActionError('the owner cannot leave; change the owner first', 409);
    const leaving = new Set(input.members);
    const removed = chat.member_list.filter((member) => leaving.has(member.userid)).map((member) => member.userid);
    if (removed.length === 0) throw new SimActionError('none of these members is in the group', 409);
    chat.member_list = chat.member_list.filter((member) => !leaving.has(member.userid));
    chat.admin_list = chat.admin_list.filter((admin) => !leaving.has(admin.userid));
    const lastVersion = chat.member_version;
    this.#bumpMembers(chat, -removed.length);
    this.#emitChatUpdate(chat, 'del_member', { quitScene: input.quit_scene ?? 0, memChangeCnt: removed.length, memChangeList: removed, lastMemVer: lastVersion, curMemVer: chat.member_version });
    return { removed };
  }

  /** A customer scans a 「加入群聊」 QR: joins the first group with room (200 by QR), or a new auto-created one. */
  scanJoinWay(input: CustomerInput & { config_id: string }): { chat_id: string; external_userid: string; createdChat: boolean } {
    const core = this.core();
    const way = core.state.joinWays.get(input.config_id) ?? notFound(`join way ${input.config_id}`);
    const { customer } = this.#customer(input);
    const chats = way.chat_id_list.map((id) => core.state.groupChats.get(id)).filter((chat): chat is GroupChat => !!chat && !chat.dismissed);
    let chat = chats.find((candidate) => candidate.member_list.length < 200);
    let createdChat = false;
    if (!chat) {
      if (!way.auto_create_room || chats.length === 0) throw new SimActionError('every group of this join way is full', 409);
      const { chat_id } = this.createGroupChat({ owner: chats[0].owner, name: `${way.room_base_name}${way.room_base_id++}` });
      chat = core.state.groupChats.get(chat_id) as GroupChat;
      if (way.chat_id_list.length < 5) way.chat_id_list.push(chat_id);
      createdChat = true;
    }
    this.joinGroupChat({ chat_id: chat.chat_id, members: [customer.external_userid], join_scene: 3, state: way.state || undefined });
    return { chat_id: chat.chat_id, external_userid: customer.external_userid, createdChat };
  }

  // ---- contacts (admin console) -----------------------------------------------------------------

  createEmployee(input: EmployeeInput): Employee {
    const core = this.core();
    const { state } = core;
    const random = state.random;
    const surname = random.pick(SURNAMES);
    const given = random.pick(GIVEN_NAME_CHARACTERS);
    const name = input.name ?? surname[0] + given[0];
    let userid = input.userid ?? surname[1] + given[1];
    if (input.userid && state.employees.has(input.userid)) throw new SimActionError(`userid ${input.userid} already exists`, 409);
    for (let suffix = 2; state.employees.has(userid); suffix++) userid = `${surname[1]}${given[1]}${suffix}`;
    const department = input.department ?? [1];
    for (const id of department) if (!state.departments.has(id)) notFound(`department ${id}`);
    const avatar = state.newAvatar('employee');
    const employee: Employee = {
      userid,
      name,
      department,
      order: department.map(() => 0),
      position: input.position ?? '',
      mobile: input.mobile ?? randomMobile(random),
      gender: input.gender ?? '0',
      email: input.email ?? '',
      biz_mail: '',
      is_leader_in_dept: department.map(() => 0),
      direct_leader: [],
      avatar,
      thumb_avatar: avatar.replace(/\/0$/, '/100'),
      telephone: '',
      alias: '',
      address: '',
      open_userid: state.newOpenUserId(),
      main_department: input.main_department ?? department[0],
      status: input.status ?? 1,
      external_position: '',
      customerContact: input.customerContact ?? true,
    };
    state.employees.set(userid, employee);
    state.sequences.employee++;
    core.emit({
      kind: 'change_contact',
      changeType: 'create_user',
      userId: userid,
      name: employee.name,
      department: employee.department,
      mainDepartment: employee.main_department,
      isLeaderInDept: employee.is_leader_in_dept,
      position: employee.position,
      mobile: employee.mobile,
      gender: employee.gender,
      email: employee.email,
      status: employee.status,
      avatar: employee.avatar,
      alias: employee.alias,
      telephone: employee.telephone,
    });
    return structuredClone(employee);
  }

  /** Updates an employee; pushes only the changed fields, plus NewUserID when the userid changes. */
  updateEmployee(input: EmployeeUpdate): Employee {
    const core = this.core();
    const { state } = core;
    const employee = this.#employee(input.userid);
    const fields: Omit<ContactUserEvent, Envelope> = { kind: 'change_contact', changeType: 'update_user', userId: input.userid };
    if (input.new_userid !== undefined && input.new_userid !== input.userid) {
      if (state.employees.has(input.new_userid)) throw new SimActionError(`userid ${input.new_userid} already exists`, 409);
      state.renameUserId(input.userid, input.new_userid);
      fields.newUserId = input.new_userid;
    }
    if (input.name !== undefined && input.name !== employee.name) fields.name = employee.name = input.name;
    if (input.department !== undefined) {
      for (const id of input.department) if (!state.departments.has(id)) notFound(`department ${id}`);
      employee.department = input.department.slice();
      employee.order = input.department.map(() => 0);
      employee.is_leader_in_dept = input.department.map(() => 0);
      employee.main_department = input.main_department ?? (input.department.includes(employee.main_department) ? employee.main_department : input.department[0]);
      fields.department = employee.department;
      fields.mainDepartment = employee.main_department;
      fields.isLeaderInDept = employee.is_leader_in_dept;
    } else if (input.main_department !== undefined && input.main_department !== employee.main_department) {
      if (!employee.department.includes(input.main_department)) throw new SimActionError('main_department must be one of the departments');
      fields.mainDepartment = employee.main_department = input.main_department;
    }
    if (input.position !== undefined && input.position !== employee.position) fields.position = employee.position = input.position;
    if (input.mobile !== undefined && input.mobile !== employee.mobile) fields.mobile = employee.mobile = input.mobile;
    if (input.gender !== undefined && input.gender !== employee.gender) fields.gender = employee.gender = input.gender;
    if (input.email !== undefined && input.email !== employee.email) fields.email = employee.email = input.email;
    if (input.status !== undefined && input.status !== employee.status) fields.status = employee.status = input.status;
    if (input.customerContact !== undefined) employee.customerContact = input.customerContact;
    core.emit(fields);
    return structuredClone(employee);
  }

  /** Moves an employee to other departments (update_user with Department). */
  moveEmployee(input: { userid: string; department: number[]; main_department?: number }): Employee {
    return this.updateEmployee(input);
  }

  /** Deletes the employee from contacts (离职): customers and groups stay, awaiting 离职继承. */
  deleteEmployee(input: { userid: string }): void {
    const core = this.core();
    const employee = this.#employee(input.userid);
    employee.resignedAt = core.nowSeconds();
    employee.status = 5;
    for (const department of core.state.departments.values()) department.department_leader = department.department_leader.filter((id) => id !== employee.userid);
    for (const chat of core.state.groupChats.values()) if (chat.owner === employee.userid && !chat.dismissed) chat.status = 1;
    core.emit({ kind: 'change_contact', changeType: 'delete_user', userId: employee.userid });
    // A link whose whole range has left can no longer route anyone.
    for (const link of core.state.acquisitionLinks.values()) {
      const inRange = link.range.user_list.includes(employee.userid) || employee.department.some((id) => link.range.department_list.some((root) => core.state.departmentSubtree(root).includes(id)));
      if (link.deleted || !inRange) continue;
      const remaining = this.#available([...link.range.user_list, ...core.state.employeesInDepartments(link.range.department_list).map((member) => member.userid)]);
      if (remaining.length === 0) core.emit({ kind: 'customer_acquisition', changeType: 'link_unavailable', linkId: link.link_id });
    }
  }

  createDepartment(input: { name: string; parentid: number; order?: number; id?: number }): Department {
    const core = this.core();
    const { state } = core;
    if (!input.name) throw new SimActionError('name missing');
    if (!state.departments.has(input.parentid)) notFound(`department ${input.parentid}`);
    if (input.id !== undefined && state.departments.has(input.id)) throw new SimActionError(`department ${input.id} already exists`, 409);
    const id = input.id ?? ++state.sequences.department;
    state.sequences.department = Math.max(state.sequences.department, id);
    const department: Department = { id, name: input.name, name_en: '', parentid: input.parentid, order: input.order ?? 0, department_leader: [] };
    state.departments.set(id, department);
    state.invalidateVisibility();
    core.emit({ kind: 'change_contact', changeType: 'create_party', id, name: department.name, parentId: department.parentid, order: department.order });
    return { ...department };
  }

  updateDepartment(input: { id: number; name?: string; parentid?: number; order?: number }): Department {
    const core = this.core();
    const { state } = core;
    const department = state.departments.get(input.id) ?? notFound(`department ${input.id}`);
    const fields: Omit<ContactPartyEvent, Envelope> = { kind: 'change_contact', changeType: 'update_party', id: department.id };
    if (input.name !== undefined && input.name !== department.name) fields.name = department.name = input.name;
    if (input.parentid !== undefined && input.parentid !== department.parentid) {
      if (!state.departments.has(input.parentid)) notFound(`department ${input.parentid}`);
      if (state.departmentSubtree(department.id).includes(input.parentid)) throw new SimActionError('a department cannot move under itself');
      department.parentid = input.parentid;
      fields.parentId = input.parentid;
      state.invalidateVisibility();
    }
    if (input.order !== undefined) department.order = input.order;
    core.emit(fields);
    return { ...department };
  }

  deleteDepartment(input: { id: number }): void {
    const core = this.core();
    const { state } = core;
    if (input.id === 1) throw new SimActionError('the root department cannot be deleted', 409);
    if (!state.departments.has(input.id)) notFound(`department ${input.id}`);
    if ([...state.departments.values()].some((department) => department.parentid === input.id)) throw new SimActionError('the department has sub-departments', 409);
    if ([...state.employees.values()].some((employee) => employee.resignedAt === undefined && employee.department.includes(input.id))) {
      throw new SimActionError('the department has members', 409);
    }
    state.departments.delete(input.id);
    state.invalidateVisibility();
    core.emit({ kind: 'change_contact', changeType: 'delete_party', id: input.id });
  }

  // ---- helpers -----------------------------------------------------------------------------------

  #employee(userid: string): Employee {
    return this.core().state.activeEmployee(userid) ?? notFound(`employee ${userid}`);
  }

  /** Active employees with 客户联系, in the given order. */
  #available(userids: string[]): string[] {
    const { state } = this.core();
    return userids.filter((userid) => {
      const employee = state.activeEmployee(userid);
      return !!employee && employee.customerContact && employee.status === 1;
    });
  }

  #customer(input: CustomerInput): { customer: Customer; created: boolean } {
    const { state } = this.core();
    if (input.external_userid) return { customer: state.customers.get(input.external_userid) ?? notFound(`customer ${input.external_userid}`), created: false };
    const fields = input.customer ?? {};
    const random = state.random;
    const type = fields.type ?? 1;
    const surname = random.pick(SURNAMES);
    const given = random.pick(GIVEN_NAME_CHARACTERS);
    const customer: Customer = {
      external_userid: state.newExternalUserId(type),
      name: fields.name ?? surname[0] + given[0],
      type,
      gender: fields.gender ?? (random.chance(0.5) ? 1 : 2),
      avatar: state.newAvatar('customer'),
      mobile: fields.mobile ?? randomMobile(random),
    };
    if (type === 1) customer.unionid = fields.unionid ?? state.newUnionId();
    else {
      customer.corp_name = fields.corp_name ?? '';
      customer.corp_full_name = fields.corp_full_name ?? customer.corp_name;
      customer.position = fields.position ?? '';
    }
    state.customers.set(customer.external_userid, customer);
    return { customer, created: true };
  }

  #befriend(userid: string, customer: Customer, created: boolean, how: { add_way: number; state: string; halfAdd?: boolean }): AddCustomerResult {
    const core = this.core();
    const { state } = core;
    const base = { external_userid: customer.external_userid, userid, newCustomer: created, state: how.state };
    if (state.relation(userid, customer.external_userid)) return { ...base, added: false };
    const now = core.nowSeconds();
    const relation: FollowRelation = {
      userid,
      external_userid: customer.external_userid,
      remark: '',
      description: '',
      createtime: now,
      tag_ids: [],
      remark_corp_name: '',
      remark_mobiles: [],
      oper_userid: how.add_way === 1 || how.add_way === 16 ? customer.external_userid : userid,
      add_way: how.add_way,
      state: how.state,
      chatted: false,
    };
    state.addRelation(relation);
    const welcome_code = state.newWelcomeCode();
    state.welcomeCodes.set(welcome_code, { code: welcome_code, userid, external_userid: customer.external_userid, issued_at: now, status: 'pending' });
    state.sequences.welcome++;
    // Expired welcome codes are useless; keep the table small.
    for (const [code, entry] of state.welcomeCodes) if (entry.issued_at < now - DAY) state.welcomeCodes.delete(code);
    core.emit({
      kind: 'change_external_contact',
      changeType: how.halfAdd ? 'add_half_external_contact' : 'add_external_contact',
      userId: userid,
      externalUserId: customer.external_userid,
      state: how.state || undefined,
      welcomeCode: welcome_code,
    });
    return { ...base, added: true, welcome_code };
  }

  #removeRelation(userid: string, externalUserId: string): void {
    if (!this.core().state.removeRelation(userid, externalUserId)) notFound(`relation ${userid} ↔ ${externalUserId}`);
  }

  #chat(chatId: string): GroupChat {
    const chat = this.core().state.groupChats.get(chatId);
    if (!chat || chat.dismissed) notFound(`group chat ${chatId}`);
    return chat;
  }

  #member(id: string, now: number, scene: 1 | 2 | 3, invitor: string | undefined): GroupMember {
    const { state } = this.core();
    const employee = state.activeEmployee(id);
    if (employee) return { userid: id, type: 1, join_time: now, join_scene: scene, ...(invitor ? { invitor: { userid: invitor } } : {}), group_nickname: '', name: employee.name };
    const customer = state.customers.get(id) ?? notFound(`employee or customer ${id}`);
    const member: GroupMember = { userid: id, type: 2, join_time: now, join_scene: scene, group_nickname: '', name: customer.name };
    if (customer.unionid) member.unionid = customer.unionid;
    if (invitor) member.invitor = { userid: invitor };
    return member;
  }

  #bumpMembers(chat: GroupChat, delta: number): void {
    const { state } = this.core();
    chat.memberChanges.push([this.core().nowSeconds(), delta]);
    chat.versionCounter++;
    chat.member_version = state.memberVersion(chat);
  }

  #emitChatUpdate(chat: GroupChat, detail: ExternalChatUpdateDetail, extra: Partial<Extract<SimEvent, { kind: 'change_external_chat' }>> = {}): void {
    this.core().emit({ kind: 'change_external_chat', changeType: 'update', chatId: chat.chat_id, updateDetail: detail, ...extra });
  }
}

/** Runs API-side logic for an action: WeCom errcodes become action errors (40068 unknown id → 404, else 409). */
function asAction<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof WecomFailure) throw new SimActionError(error.message, error.errcode === 40068 ? 404 : 409);
    throw error;
  }
}

function summarize(msg: GroupMsg, task: GroupMsgTask): GroupMsgSendSummary {
  const count = (status: number) => task.recipients.filter((recipient) => recipient.status === status).length;
  return { msgid: msg.msgid, userid: task.userid, sent: count(1), not_friend: count(2), over_limit: count(3), not_sent: count(0) };
}

function notFound(what: string): never {
  throw new SimActionError(`${what} not found`, 404);
}
