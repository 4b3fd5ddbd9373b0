// The live state: maps keyed by WeCom ids plus indexes (relations by employee and by customer) so that
// handlers never scan the whole corp. toJSON() gives the snapshot; SimState.fromJSON() rebuilds indexes.
import { createHash } from 'node:crypto';
import type {
  AcquisitionLink,
  AppMessageReceipt,
  ChatMessage,
  AcquisitionQuota,
  ContactWay,
  CorpInfo,
  CorpTag,
  CorpTagGroup,
  Customer,
  Department,
  Employee,
  FollowRelation,
  GroupChat,
  GroupMsg,
  GroupTransferRecord,
  JoinWay,
  MediaItem,
  Moment,
  ReceiveLimitRule,
  Sequences,
  SimulatorSnapshot,
  Transfer,
  WelcomeCode,
  WelcomeMessage,
} from './model.ts';
import { SeededRandom } from './random.ts';
import type { GroupWelcomeTemplate, InterceptRuleRecord } from './api/operations-config.ts';

export class SimState {
  readonly seed: string;
  readonly anchorTime: number;
  corp: CorpInfo;
  readonly random: SeededRandom;
  readonly sequences: Sequences;
  readonly departments = new Map<number, Department>();
  readonly employees = new Map<string, Employee>();
  readonly customers = new Map<string, Customer>();
  readonly relationsByUser = new Map<string, Map<string, FollowRelation>>();
  readonly relationsByCustomer = new Map<string, Map<string, FollowRelation>>();
  readonly tagGroups = new Map<string, CorpTagGroup>();
  readonly tagIndex = new Map<string, { tag: CorpTag; group: CorpTagGroup }>();
  readonly contactWays = new Map<string, ContactWay>();
  readonly acquisitionLinks = new Map<string, AcquisitionLink>();
  acquisitionQuota: AcquisitionQuota;
  readonly joinWays = new Map<string, JoinWay>();
  readonly groupChats = new Map<string, GroupChat>();
  readonly media = new Map<string, MediaItem>();
  readonly uploadedImages = new Map<string, { url: string; created_at: number }>();
  transfers: Transfer[] = [];
  readonly welcomeCodes = new Map<string, WelcomeCode>();
  welcomeMessages: WelcomeMessage[] = [];
  /** App messages per member as received (message/send), oldest first. */
  appMessages: AppMessageReceipt[] = [];
  /** Messages members sent into conversations from the chat toolbar (sendChatMessage), oldest first. */
  chatMessages: ChatMessage[] = [];
  /** OAuth2 codes issued by connect/oauth2/authorize (single use, 5 minutes; not saved). */
  readonly oauthCodes = new Map<string, { userid: string; issuedAt: number; used: boolean }>();
  /** 企业群发 tasks, corp-made and members' own, oldest first. */
  groupMsgs: GroupMsg[] = [];
  readonly groupMsgIndex = new Map<string, GroupMsg>();
  /** Moments (corp-made and members' own), oldest first. */
  moments: Moment[] = [];
  groupTransfers: GroupTransferRecord[] = [];
  /** 入群欢迎语素材 (≤100 per corp) and chat sensitive-word rules (≤100), by id. */
  readonly groupWelcomeTemplates = new Map<string, GroupWelcomeTemplate>();
  readonly interceptRules = new Map<string, InterceptRuleRecord>();
  /** Ids of deleted rules (41071 rather than 41070). */
  readonly deletedInterceptRules = new Set<string>();
  /** Delivery times of mass messages per customer / `chat:<id>`, for the receive limit (rebuilt from groupMsgs, not saved). */
  readonly receiveLog = new Map<string, number[]>();
  /** The per-customer / per-group receive limit of mass messages (§17.2). */
  receiveLimit: ReceiveLimitRule = { per: 'month' };
  /** message/send's duplicate check: a request's JSON → when it was delivered and its msgid (not saved). */
  readonly appMessageDuplicates = new Map<string, { sentAt: number; msgid: string }>();
  /** Per-employee relation arrays for offset paging; dropped whenever that employee's relations change. */
  readonly #relationListCache = new Map<string, FollowRelation[]>();
  #visibleCache: { key: string; departments: Set<number> } | undefined;

  constructor(init: { seed: string; anchorTime: number; corp: CorpInfo; random: SeededRandom; sequences?: Sequences; quota?: AcquisitionQuota }) {
    this.seed = init.seed;
    this.anchorTime = init.anchorTime;
    this.corp = init.corp;
    this.random = init.random;
    this.sequences = init.sequences ?? { department: 1, employee: 0, media: 0, welcome: 0 };
    this.acquisitionQuota = init.quota ?? { total: 0, balance: 10_000, quota_list: [], lowThreshold: 100, lowNotified: false };
  }

  // ---- ids ----------------------------------------------------------------------------------------

  /** Corp-specific infix, as real ids share a per-corp segment (`woAJ2GCAAA…`). */
  get #corpInfix(): string {
    return this.corp.corpId.slice(2, 10).replace(/[^A-Za-z0-9]/g, 'A');
  }

  newExternalUserId(type: 1 | 2): string {
    let id: string;
    do id = `${type === 1 ? 'wm' : 'wo'}${this.#corpInfix}${this.random.idChars(18)}AAAA`;
    while (this.customers.has(id));
    return id;
  }

  newChatId(): string {
    let id: string;
    do id = `wr${this.#corpInfix}${this.random.idChars(18)}AAAA`;
    while (this.groupChats.has(id));
    return id;
  }

  newTagId(): string {
    let id: string;
    do id = `et${this.#corpInfix}${this.random.idChars(18)}AAAA`;
    while (this.tagIndex.has(id) || this.tagGroups.has(id));
    return id;
  }

  newConfigId(): string {
    let id: string;
    do id = this.random.hex(32);
    while (this.contactWays.has(id) || this.joinWays.has(id));
    return id;
  }

  newLinkId(): string {
    let id: string;
    do id = `caw${this.random.hex(14)}`;
    while (this.acquisitionLinks.has(id));
    return id;
  }

  newUnionId(): string {
    return `o${this.random.idChars(26)}AAA`;
  }

  newOpenUserId(): string {
    return `wo${this.#corpInfix}${this.random.idChars(18)}AAAA`;
  }

  newMediaId(): string {
    return `${this.random.int(1, 3)}${this.random.idChars(43)}`;
  }

  newWelcomeCode(): string {
    return this.random.idChars(43);
  }

  newAvatar(kind: 'employee' | 'customer'): string {
    return kind === 'employee'
      ? `https://wework.qpic.cn/wwhead/duc2TvpEgST9hicuyypLEKR${this.random.idChars(24)}/0`
      : `http://wx.qlogo.cn/mmhead/${this.random.idChars(40)}/0`;
  }

  qrCodeUrl(): string {
    return `https://wework.qpic.cn/wwpic/${this.random.digits(6)}_${this.random.idChars(22)}_${this.random.digits(10)}/0`;
  }

  memberVersion(chat: GroupChat): string {
    return createHash('md5').update(`${chat.chat_id}:${chat.versionCounter}`).digest('hex');
  }

  // ---- departments and visibility -----------------------------------------------------------------

  /** The department and all its descendants. */
  departmentSubtree(rootId: number): number[] {
    const children = new Map<number, number[]>();
    for (const department of this.departments.values()) {
      const siblings = children.get(department.parentid) ?? [];
      siblings.push(department.id);
      children.set(department.parentid, siblings);
    }
    const result: number[] = [];
    const pending = [rootId];
    while (pending.length > 0) {
      const id = pending.shift() as number;
      if (!this.departments.has(id)) continue;
      result.push(id);
      pending.push(...(children.get(id) ?? []));
    }
    return result;
  }

  #visibleDepartmentSet(): Set<number> {
    const key = `${this.corp.visibleDepartments.join(',')}|${this.departments.size}`;
    if (this.#visibleCache?.key !== key) {
      const departments = new Set<number>();
      for (const root of this.corp.visibleDepartments) for (const id of this.departmentSubtree(root)) departments.add(id);
      this.#visibleCache = { key, departments };
    }
    return this.#visibleCache.departments;
  }

  /** Drops the cached visible-department set (call after moving departments). */
  invalidateVisibility(): void {
    this.#visibleCache = undefined;
  }

  isDepartmentVisible(id: number): boolean {
    return this.#visibleDepartmentSet().has(id);
  }

  isEmployeeVisible(employee: Employee): boolean {
    if (this.corp.visibleUsers.includes(employee.userid)) return true;
    const visible = this.#visibleDepartmentSet();
    return employee.department.some((id) => visible.has(id));
  }

  /** Active (not resigned) employees of these departments, descendants included. */
  employeesInDepartments(departmentIds: number[]): Employee[] {
    const wanted = new Set<number>();
    for (const id of departmentIds) for (const child of this.departmentSubtree(id)) wanted.add(child);
    const found: Employee[] = [];
    for (const employee of this.employees.values()) {
      if (employee.resignedAt === undefined && employee.department.some((id) => wanted.has(id))) found.push(employee);
    }
    return found;
  }

  activeEmployee(userid: string): Employee | undefined {
    const employee = this.employees.get(userid);
    return employee && employee.resignedAt === undefined ? employee : undefined;
  }

  // ---- follow relations ---------------------------------------------------------------------------

  relation(userid: string, externalUserId: string): FollowRelation | undefined {
    return this.relationsByUser.get(userid)?.get(externalUserId);
  }

  addRelation(relation: FollowRelation): void {
    let byUser = this.relationsByUser.get(relation.userid);
    if (!byUser) this.relationsByUser.set(relation.userid, (byUser = new Map()));
    byUser.set(relation.external_userid, relation);
    let byCustomer = this.relationsByCustomer.get(relation.external_userid);
    if (!byCustomer) this.relationsByCustomer.set(relation.external_userid, (byCustomer = new Map()));
    byCustomer.set(relation.userid, relation);
    this.#relationListCache.delete(relation.userid);
  }

  removeRelation(userid: string, externalUserId: string): FollowRelation | undefined {
    const relation = this.relation(userid, externalUserId);
    if (!relation) return undefined;
    this.relationsByUser.get(userid)?.delete(externalUserId);
    this.relationsByCustomer.get(externalUserId)?.delete(userid);
    this.#relationListCache.delete(userid);
    return relation;
  }

  /** The employee's relations in insertion order, cached for cursor paging. */
  relationList(userid: string): FollowRelation[] {
    let list = this.#relationListCache.get(userid);
    if (!list) {
      list = Array.from(this.relationsByUser.get(userid)?.values() ?? []);
      this.#relationListCache.set(userid, list);
    }
    return list;
  }

  customerRelations(externalUserId: string): FollowRelation[] {
    return Array.from(this.relationsByCustomer.get(externalUserId)?.values() ?? []);
  }

  // ---- tags ----------------------------------------------------------------------------------------

  addTagGroup(group: CorpTagGroup): void {
    this.tagGroups.set(group.group_id, group);
    for (const tag of group.tag) this.tagIndex.set(tag.id, { tag, group });
  }

  /** Removes tag ids from every relation (a deleted tag disappears from customers). */
  stripTags(tagIds: Set<string>): void {
    if (tagIds.size === 0) return;
    for (const byUser of this.relationsByUser.values()) {
      for (const relation of byUser.values()) {
        if (relation.tag_ids.some((id) => tagIds.has(id))) relation.tag_ids = relation.tag_ids.filter((id) => !tagIds.has(id));
      }
    }
  }

  // ---- renames -------------------------------------------------------------------------------------

  /** A userid rename (change_contact update_user with NewUserID) rewrites every reference. */
  renameUserId(oldUserId: string, newUserId: string): void {
    const employee = this.employees.get(oldUserId);
    if (!employee) return;
    const entries = Array.from(this.employees.entries()).map(([key, value]) => (key === oldUserId ? ([newUserId, value] as const) : ([key, value] as const)));
    this.employees.clear();
    for (const [key, value] of entries) this.employees.set(key, value);
    employee.userid = newUserId;
    const replace = (id: string) => (id === oldUserId ? newUserId : id);
    for (const other of this.employees.values()) other.direct_leader = other.direct_leader.map(replace);
    for (const department of this.departments.values()) department.department_leader = department.department_leader.map(replace);
    const relations = this.relationsByUser.get(oldUserId);
    if (relations) {
      this.relationsByUser.delete(oldUserId);
      this.relationsByUser.set(newUserId, relations);
      for (const relation of relations.values()) {
        relation.userid = newUserId;
        const byCustomer = this.relationsByCustomer.get(relation.external_userid);
        byCustomer?.delete(oldUserId);
        byCustomer?.set(newUserId, relation);
      }
      this.#relationListCache.delete(oldUserId);
    }
    for (const byUser of this.relationsByUser.values()) {
      for (const relation of byUser.values()) if (relation.oper_userid === oldUserId) relation.oper_userid = newUserId;
    }
    for (const way of this.contactWays.values()) way.user = way.user.map(replace);
    for (const link of this.acquisitionLinks.values()) {
      link.range.user_list = link.range.user_list.map(replace);
      if (link.priority_option) link.priority_option.priority_userid_list = link.priority_option.priority_userid_list.map(replace);
      for (const customer of link.customers) customer.userid = replace(customer.userid);
    }
    for (const chat of this.groupChats.values()) {
      chat.owner = replace(chat.owner);
      for (const member of chat.member_list) {
        if (member.type === 1) member.userid = replace(member.userid);
        if (member.invitor) member.invitor.userid = replace(member.invitor.userid);
      }
      for (const admin of chat.admin_list) admin.userid = replace(admin.userid);
    }
    for (const transfer of this.transfers) {
      transfer.handover_userid = replace(transfer.handover_userid);
      transfer.takeover_userid = replace(transfer.takeover_userid);
    }
    for (const code of this.welcomeCodes.values()) code.userid = replace(code.userid);
    for (const msg of this.groupMsgs) {
      if (msg.creator) msg.creator = replace(msg.creator);
      for (const task of msg.tasks) task.userid = replace(task.userid);
    }
    for (const moment of this.moments) {
      if (moment.creator) moment.creator = replace(moment.creator);
      for (const task of moment.tasks) task.userid = replace(task.userid);
    }
    for (const record of this.groupTransfers) {
      record.old_owner = replace(record.old_owner);
      record.new_owner = replace(record.new_owner);
    }
    this.corp.visibleUsers = this.corp.visibleUsers.map(replace);
  }

  // ---- 群发 and moments ---------------------------------------------------------------------------

  addGroupMsg(msg: GroupMsg): void {
    this.groupMsgs.push(msg);
    this.groupMsgIndex.set(msg.msgid, msg);
    for (const task of msg.tasks) {
      for (const recipient of task.recipients) {
        if (recipient.status === 1 && recipient.send_time !== undefined) this.logReceipt(recipient.external_userid ?? `chat:${recipient.chat_id}`, recipient.send_time);
      }
    }
  }

  /** Records a mass message delivered to a customer (or `chat:<id>`), keeping each list in time order. */
  logReceipt(key: string, time: number): void {
    let times = this.receiveLog.get(key);
    if (!times) this.receiveLog.set(key, (times = []));
    let index = times.length;
    while (index > 0 && times[index - 1] > time) index--;
    times.splice(index, 0, time);
  }

  newMsgId(): string {
    let id: string;
    do id = `msg${this.#corpInfix}${this.random.idChars(18)}AAAA`;
    while (this.groupMsgIndex.has(id));
    return id;
  }

  newMomentId(): string {
    return `mom${this.random.idChars(24)}`;
  }

  newGroupWelcomeTemplateId(): string {
    let id: string;
    do id = `msg${this.random.idChars(24)}`;
    while (this.groupWelcomeTemplates.has(id));
    return id;
  }

  newInterceptRuleId(): string {
    let id: string;
    do id = this.random.idChars(32);
    while (this.interceptRules.has(id) || this.deletedInterceptRules.has(id));
    return id;
  }

  newJobId(): string {
    return this.random.idChars(48);
  }

  // ---- snapshot ------------------------------------------------------------------------------------

  toJSON(): SimulatorSnapshot {
    const relations: FollowRelation[] = [];
    for (const byUser of this.relationsByUser.values()) for (const relation of byUser.values()) relations.push(relation);
    return {
      version: 1,
      seed: this.seed,
      anchorTime: this.anchorTime,
      corp: this.corp,
      random: this.random.state,
      sequences: this.sequences,
      departments: [...this.departments.values()],
      employees: [...this.employees.values()],
      customers: [...this.customers.values()],
      relations,
      tagGroups: [...this.tagGroups.values()],
      contactWays: [...this.contactWays.values()],
      acquisitionLinks: [...this.acquisitionLinks.values()],
      acquisitionQuota: this.acquisitionQuota,
      joinWays: [...this.joinWays.values()],
      groupChats: [...this.groupChats.values()],
      media: [...this.media.values()],
      uploadedImages: [...this.uploadedImages.values()],
      transfers: this.transfers,
      welcomeCodes: [...this.welcomeCodes.values()],
      welcomeMessages: this.welcomeMessages,
      appMessages: this.appMessages,
      chatMessages: this.chatMessages,
      groupMsgs: this.groupMsgs,
      moments: this.moments,
      groupTransfers: this.groupTransfers,
      receiveLimit: this.receiveLimit,
      groupWelcomeTemplates: [...this.groupWelcomeTemplates.values()],
      interceptRules: [...this.interceptRules.values()],
      deletedInterceptRules: [...this.deletedInterceptRules],
    };
  }

  static fromJSON(snapshot: SimulatorSnapshot): SimState {
    if (snapshot?.version !== 1) throw new Error('unsupported simulator snapshot version');
    // Deep copy so the caller's object and the live state never share records.
    const data = structuredClone(snapshot);
    const state = new SimState({
      seed: data.seed,
      anchorTime: data.anchorTime,
      corp: data.corp,
      random: new SeededRandom(data.random),
      sequences: data.sequences,
      quota: data.acquisitionQuota,
    });
    for (const department of data.departments) state.departments.set(department.id, department);
    for (const employee of data.employees) state.employees.set(employee.userid, employee);
    for (const customer of data.customers) state.customers.set(customer.external_userid, customer);
    for (const relation of data.relations) state.addRelation(relation);
    for (const group of data.tagGroups) state.addTagGroup(group);
    for (const way of data.contactWays) state.contactWays.set(way.config_id, way);
    for (const link of data.acquisitionLinks) state.acquisitionLinks.set(link.link_id, link);
    for (const way of data.joinWays) state.joinWays.set(way.config_id, way);
    for (const chat of data.groupChats) state.groupChats.set(chat.chat_id, chat);
    for (const item of data.media) state.media.set(item.media_id, item);
    for (const image of data.uploadedImages) state.uploadedImages.set(image.url, image);
    state.transfers = data.transfers;
    for (const code of data.welcomeCodes) state.welcomeCodes.set(code.code, code);
    state.welcomeMessages = data.welcomeMessages;
    state.appMessages = data.appMessages ?? [];
    state.chatMessages = data.chatMessages ?? [];
    for (const msg of data.groupMsgs ?? []) state.addGroupMsg(msg);
    state.moments = data.moments ?? [];
    state.groupTransfers = data.groupTransfers ?? [];
    state.receiveLimit = data.receiveLimit ?? { per: 'month' };
    for (const template of data.groupWelcomeTemplates ?? []) state.groupWelcomeTemplates.set(template.template_id, template);
    for (const rule of data.interceptRules ?? []) state.interceptRules.set(rule.rule_id, rule);
    for (const id of data.deletedInterceptRules ?? []) state.deletedInterceptRules.add(id);
    return state;
  }
}
