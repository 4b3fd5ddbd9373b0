// Demo corp generator: seeded and deterministic (no wall clock, no Math.random), so the same seed and
// sizes give a byte-identical snapshot. Times are spread back from `anchorTime`.
import type { CorpInfo, Customer, Department, Employee, FollowRelation, GroupChat, GroupMember } from './model.ts';
import {
  CHANNEL_STATES,
  CITIES,
  COMPANY_KINDS,
  COMPANY_WORDS,
  CORP_NAMES,
  CUSTOMER_POSITIONS,
  DEPARTMENT_NAMES,
  GIVEN_NAME_CHARACTERS,
  GROUP_NAME_PATTERNS,
  GROUP_NOTICES,
  POSITIONS,
  PRODUCTS,
  SURNAMES,
  TAG_GROUPS,
  WECHAT_NICKNAMES,
} from './names.ts';
import { SeededRandom } from './random.ts';
import { SimState } from './state.ts';

export interface CorpSizes {
  departments: number;
  employees: number;
  customers: number;
  groups: number;
  tagGroups: number;
  contactWays: number;
  acquisitionLinks: number;
  joinWays: number;
  /** Upper bound of customers per generated group. */
  maxGroupMembers: number;
}

export const DEFAULT_SIZES: CorpSizes = {
  departments: 8,
  employees: 30,
  customers: 1000,
  groups: 40,
  tagGroups: 3,
  contactWays: 4,
  acquisitionLinks: 3,
  joinWays: 2,
  maxGroupMembers: 60,
};

export interface GenerateCorpOptions {
  seed?: string | number;
  sizes?: Partial<CorpSizes>;
  /**
   * Unix seconds the generated history ends at (default 2026-01-01 00:00 +08:00): every time in it (adds,
   * group creations and joins, tags, departures) falls in the HISTORY_DAYS before. A host generating a
   * demo corp passes the time of its first start, so the demo's charts show the last 90 days.
   */
  anchorTime?: number;
  corpId?: string;
  corpName?: string;
  secret?: string;
  contactSyncSecret?: string;
  agentId?: number;
  token?: string;
  encodingAesKey?: string;
}

export const DEFAULT_ANCHOR_TIME = 1_767_196_800;
/** How far back the generated history reaches from `anchorTime`. */
export const HISTORY_DAYS = 90;
const DAY = 86_400;
const MOBILE_PREFIXES = ['130', '131', '132', '133', '135', '136', '137', '138', '139', '150', '151', '152', '155', '156', '158', '159', '166', '176', '177', '180', '181', '185', '186', '187', '188', '189', '191', '199'];
const ADD_WAYS = [1, 2, 3, 4, 5, 6, 16, 201, 202];
const ADD_WAY_WEIGHTS = [40, 12, 8, 10, 5, 8, 12, 3, 2];

/**
 * The corp's identity and credentials: the first draws of the seeded sequence (options override each).
 * The seed's credentials are drawn even when given, so the rest of the corp is the same either way.
 */
function generateCorpInfo(random: SeededRandom, options: GenerateCorpOptions): CorpInfo {
  const corpName = options.corpName ?? random.pick(CORP_NAMES);
  const corpId = options.corpId ?? `ww${random.hex(16)}`;
  const corpFullName = `${random.pick(CITIES)}${corpName}有限公司`;
  const seeded = { secret: random.chars(43), contactSyncSecret: random.chars(43), token: random.chars(16), encodingAesKey: random.chars(43) };
  return {
    corpId,
    corpName,
    corpFullName,
    agentId: options.agentId ?? 1_000_002,
    secret: options.secret ?? seeded.secret,
    contactSyncSecret: options.contactSyncSecret ?? seeded.contactSyncSecret,
    token: options.token ?? seeded.token,
    encodingAesKey: options.encodingAesKey ?? seeded.encodingAesKey,
    visibleDepartments: [1],
    visibleUsers: [],
  };
}

/**
 * The credentials a seed derives when none are given: anyone who knows the seed knows them. A host that
 * restores a saved corp can compare against these to tell credentials that were never made secret.
 */
export function seededCredentials(seed: string | number = 'scrm-demo'): Pick<CorpInfo, 'secret' | 'contactSyncSecret' | 'token' | 'encodingAesKey'> {
  const { secret, contactSyncSecret, token, encodingAesKey } = generateCorpInfo(new SeededRandom(String(seed)), {});
  return { secret, contactSyncSecret, token, encodingAesKey };
}

export function generateCorp(options: GenerateCorpOptions = {}): SimState {
  const seed = String(options.seed ?? 'scrm-demo');
  // Unset sizes (undefined) keep their defaults.
  const given = Object.entries(options.sizes ?? {}).filter(([, value]) => value !== undefined);
  const sizes: CorpSizes = { ...DEFAULT_SIZES, ...Object.fromEntries(given) };
  const anchor = options.anchorTime ?? DEFAULT_ANCHOR_TIME;
  const random = new SeededRandom(seed);
  const corp = generateCorpInfo(random, options);
  const state = new SimState({ seed, anchorTime: anchor, corp, random });
  const timeBefore = (maxDays: number) => anchor - random.int(0, Math.min(maxDays, HISTORY_DAYS) * DAY);

  generateDepartments(state, sizes.departments);
  const employees = generateEmployees(state, sizes.employees, timeBefore);
  const contactEmployees = employees.filter((employee) => employee.customerContact);
  generateTags(state, sizes.tagGroups, timeBefore);
  const customers = generateCustomers(state, sizes.customers);
  generateRelations(state, customers, contactEmployees, timeBefore);
  generateContactWays(state, sizes.contactWays, contactEmployees, timeBefore);
  generateAcquisitionLinks(state, sizes.acquisitionLinks, contactEmployees, timeBefore);
  generateGroups(state, sizes.groups, sizes.maxGroupMembers, contactEmployees, customers, timeBefore);
  generateJoinWays(state, sizes.joinWays, timeBefore);
  state.acquisitionQuota = {
    total: 0,
    balance: 10_000,
    quota_list: [{ expire_date: anchor + 365 * DAY, balance: 10_000 }],
    lowThreshold: 100,
    lowNotified: false,
  };
  for (const link of state.acquisitionLinks.values()) {
    const used = link.customers.length;
    state.acquisitionQuota.total += used;
  }
  return state;
}

function generateDepartments(state: SimState, count: number): void {
  const root: Department = { id: 1, name: state.corp.corpName, name_en: '', parentid: 0, order: 100_000_000, department_leader: [] };
  state.departments.set(1, root);
  const used = new Set<string>();
  for (let index = 1; index < Math.max(1, count); index++) {
    const id = ++state.sequences.department;
    // The first level holds the functions; sales regions nest under the sales department (id 2).
    let name = DEPARTMENT_NAMES[(index - 1) % DEPARTMENT_NAMES.length];
    const parentid = name.endsWith('销售组') && state.departments.has(2) ? 2 : 1;
    if (used.has(name)) name = `${state.random.pick(CITIES)}${name}`;
    if (used.has(name)) name = `${name}${index}`;
    used.add(name);
    state.departments.set(id, { id, name, name_en: '', parentid, order: 100_000_000 - index * 1000, department_leader: [] });
  }
}

function personName(random: SeededRandom): { name: string; pinyin: string } {
  const [surname, surnamePinyin] = random.pick(SURNAMES);
  const first = random.pick(GIVEN_NAME_CHARACTERS);
  if (random.chance(0.35)) return { name: surname + first[0], pinyin: surnamePinyin + first[1] };
  const second = random.pick(GIVEN_NAME_CHARACTERS);
  return { name: surname + first[0] + second[0], pinyin: surnamePinyin + first[1] + second[1] };
}

export function randomMobile(random: SeededRandom): string {
  return random.pick(MOBILE_PREFIXES) + random.digits(8);
}

function generateEmployees(state: SimState, count: number, timeBefore: (days: number) => number): Employee[] {
  const { random } = state;
  const departmentIds = [...state.departments.keys()];
  const leafish = departmentIds.length > 1 ? departmentIds.slice(1) : departmentIds;
  const created: Employee[] = [];
  for (let index = 0; index < count; index++) {
    const person = personName(random);
    let userid = person.pinyin;
    for (let suffix = 2; state.employees.has(userid); suffix++) userid = `${person.pinyin}${suffix}`;
    const main = random.pick(leafish);
    const department = random.chance(0.1) && leafish.length > 1 ? [main, random.pick(leafish.filter((id) => id !== main))] : [main];
    const departmentRecord = state.departments.get(main) as Department;
    const isLeader = departmentRecord.department_leader.length === 0 && random.chance(0.4);
    if (isLeader) departmentRecord.department_leader.push(userid);
    const gender = random.chance(0.5) ? '1' : '2';
    const avatar = state.newAvatar('employee');
    // A few employees are not active, and one of every 15 has left (离职, awaiting inheritance).
    const status = random.weighted([1, 2, 4] as const, [92, 3, 5]);
    const resigned = index > 0 && index % 15 === 7;
    const employee: Employee = {
      userid,
      name: person.name,
      department,
      order: department.map(() => 0),
      position: random.pick(POSITIONS),
      mobile: randomMobile(random),
      gender,
      email: `${userid}@${state.corp.corpId.slice(2, 8)}.example.com`,
      biz_mail: `${userid}@${state.corp.corpId.slice(2, 8)}.wecom.work`,
      is_leader_in_dept: department.map((id) => (id === main && isLeader ? 1 : 0)),
      direct_leader: [],
      avatar,
      thumb_avatar: avatar.replace(/\/0$/, '/100'),
      telephone: random.chance(0.3) ? `021-${random.digits(8)}` : '',
      alias: '',
      address: random.chance(0.3) ? `${random.pick(CITIES)}市${random.pick(['浦东新区', '天河区', '南山区', '西湖区', '朝阳区'])}` : '',
      open_userid: state.newOpenUserId(),
      main_department: main,
      status: resigned ? 5 : status,
      external_position: '',
      customerContact: status === 1 && random.chance(0.85),
    };
    if (resigned) {
      employee.customerContact = true;
      employee.resignedAt = timeBefore(20);
    }
    state.sequences.employee++;
    state.employees.set(userid, employee);
    created.push(employee);
  }
  for (const employee of created) {
    const leader = state.departments.get(employee.main_department)?.department_leader[0];
    if (leader && leader !== employee.userid) employee.direct_leader = [leader];
  }
  // Keep at least one active employee with 客户联系 so every demo action has someone to pick.
  if (created.length > 0 && !created.some((employee) => employee.customerContact && employee.resignedAt === undefined)) {
    const first = created.find((employee) => employee.resignedAt === undefined) ?? created[0];
    first.customerContact = true;
    first.status = 1;
    delete first.resignedAt;
  }
  return created;
}

function generateTags(state: SimState, count: number, timeBefore: (days: number) => number): void {
  for (let index = 0; index < count; index++) {
    const template = TAG_GROUPS[index % TAG_GROUPS.length];
    const group_name = index < TAG_GROUPS.length ? template.name : `${template.name}${Math.floor(index / TAG_GROUPS.length) + 1}`;
    const create_time = timeBefore(700);
    state.addTagGroup({
      group_id: state.newTagId(),
      group_name,
      create_time,
      order: count - index,
      tag: template.tags.map((name, position) => ({ id: state.newTagId(), name, create_time, order: template.tags.length - position })),
    });
  }
}

function generateCustomers(state: SimState, count: number): Customer[] {
  const { random } = state;
  const customers: Customer[] = [];
  for (let index = 0; index < count; index++) {
    const type = random.chance(0.85) ? 1 : 2;
    const name = type === 1 && random.chance(0.2) ? random.pick(WECHAT_NICKNAMES) : personName(random).name;
    const customer: Customer = {
      external_userid: state.newExternalUserId(type),
      name,
      type,
      gender: random.weighted([0, 1, 2] as const, [10, 45, 45]),
      avatar: state.newAvatar('customer'),
      mobile: randomMobile(random),
    };
    if (type === 1) customer.unionid = state.newUnionId();
    else {
      const city = random.pick(CITIES);
      const word = random.pick(COMPANY_WORDS);
      customer.corp_name = word;
      customer.corp_full_name = `${city}${word}${random.pick(COMPANY_KINDS)}有限公司`;
      customer.position = random.pick(CUSTOMER_POSITIONS);
    }
    state.customers.set(customer.external_userid, customer);
    customers.push(customer);
  }
  return customers;
}

function generateRelations(state: SimState, customers: Customer[], employees: Employee[], timeBefore: (days: number) => number): void {
  if (employees.length === 0) return;
  const { random } = state;
  const tagsByGroup = [...state.tagGroups.values()].map((group) => group.tag.map((tag) => tag.id));
  for (const customer of customers) {
    // About 1.5 follow users per customer on average.
    const followCount = random.weighted([1, 2, 3], [65, 20, 15]);
    const followers = random.sample(employees, followCount);
    for (const employee of followers) {
      const add_way = random.weighted(ADD_WAYS, ADD_WAY_WEIGHTS);
      const tag_ids: string[] = [];
      for (const tags of tagsByGroup) if (tags.length > 0 && random.chance(0.3)) tag_ids.push(random.pick(tags));
      const relation: FollowRelation = {
        userid: employee.userid,
        external_userid: customer.external_userid,
        remark: random.chance(0.4) ? `${customer.name}${random.pick(['', '-老客户', '-意向', '(转介绍)'])}` : '',
        description: random.chance(0.15) ? `关注${random.pick(PRODUCTS)}` : '',
        createtime: Math.min(timeBefore(730), employee.resignedAt ?? Number.MAX_SAFE_INTEGER),
        tag_ids,
        remark_corp_name: customer.type === 2 && random.chance(0.5) ? (customer.corp_name ?? '') : '',
        remark_mobiles: random.chance(0.25) ? [customer.mobile] : [],
        oper_userid: add_way === 201 || add_way === 202 ? random.pick(employees).userid : add_way === 1 || add_way === 16 ? customer.external_userid : employee.userid,
        add_way,
        state: add_way === 1 || add_way === 16 ? (random.chance(0.6) ? random.pick(CHANNEL_STATES) : '') : '',
        chatted: random.chance(0.7),
      };
      state.addRelation(relation);
    }
  }
}

function generateContactWays(state: SimState, count: number, employees: Employee[], timeBefore: (days: number) => number): void {
  const active = employees.filter((employee) => employee.resignedAt === undefined);
  if (active.length === 0) return;
  for (let index = 0; index < count; index++) {
    const single = index % 2 === 0;
    const users = single ? [state.random.pick(active).userid] : state.random.sample(active, 3).map((employee) => employee.userid);
    const config_id = state.newConfigId();
    state.contactWays.set(config_id, {
      config_id,
      type: single ? 1 : 2,
      scene: 2,
      remark: `${state.random.pick(['门店海报', '展会', '官网', '宣传单页', '直播'])}活码${index + 1}`,
      skip_verify: true,
      state: CHANNEL_STATES[index % CHANNEL_STATES.length],
      qr_code: state.qrCodeUrl(),
      user: users,
      party: [],
      is_temp: false,
      expires_in: 0,
      chat_expires_in: 0,
      unionid: '',
      is_exclusive: false,
      createdAt: timeBefore(60),
      nextIndex: 0,
    });
  }
}

function generateAcquisitionLinks(state: SimState, count: number, employees: Employee[], timeBefore: (days: number) => number): void {
  const active = employees.filter((employee) => employee.resignedAt === undefined);
  if (active.length === 0) return;
  for (let index = 0; index < count; index++) {
    const link_id = state.newLinkId();
    const users = state.random.sample(active, Math.min(active.length, 3)).map((employee) => employee.userid);
    const create_time = timeBefore(90);
    const customers = [];
    const clicks: number[] = [];
    // Attribute some of the users' link-added customers to this link so statistics are not empty.
    for (const userid of users) {
      for (const relation of state.relationList(userid)) {
        if (relation.add_way === 16 && relation.createtime >= create_time && state.random.chance(0.5)) {
          customers.push({ external_userid: relation.external_userid, userid, chat_status: relation.chatted ? 1 : 0, state: relation.state, time: relation.createtime } as const);
          clicks.push(relation.createtime - state.random.int(5, 600));
        }
      }
    }
    customers.sort((left, right) => left.time - right.time);
    clicks.sort((left, right) => left - right);
    state.acquisitionLinks.set(link_id, {
      link_id,
      link_name: `${state.random.pick(['抖音投放', '公众号菜单', '短信营销', '小红书笔记', '朋友圈广告'])}获客链接${index + 1}`,
      url: `https://work.weixin.qq.com/ca/${link_id}`,
      create_time,
      skip_verify: true,
      range: { user_list: users, department_list: [] },
      priority_option: index === 0 ? { priority_type: 1, priority_userid_list: [] } : undefined,
      mark_source: true,
      deleted: false,
      customers: customers.map((customer) => ({ ...customer })),
      clicks,
      nextIndex: 0,
    });
  }
}

function renderGroupName(random: SeededRandom, index: number): string {
  return random
    .pick(GROUP_NAME_PATTERNS)
    .replace('{product}', random.pick(PRODUCTS))
    .replace('{city}', random.pick(CITIES))
    .replace('{n}', String(index + 1));
}

function generateGroups(
  state: SimState,
  count: number,
  maxMembers: number,
  employees: Employee[],
  customers: Customer[],
  timeBefore: (days: number) => number,
): void {
  if (employees.length === 0) return;
  const { random } = state;
  for (let index = 0; index < count; index++) {
    const owner = random.pick(employees);
    const create_time = Math.min(timeBefore(365), owner.resignedAt ?? Number.MAX_SAFE_INTEGER);
    const chat_id = state.newChatId();
    const members: GroupMember[] = [
      { userid: owner.userid, type: 1, join_time: create_time, join_scene: 1, group_nickname: '', name: owner.name },
    ];
    const present = new Set([owner.userid]);
    for (const colleague of random.sample(employees, random.int(0, 2))) {
      if (present.has(colleague.userid)) continue;
      present.add(colleague.userid);
      members.push({ userid: colleague.userid, type: 1, join_time: Math.min(state.anchorTime, create_time + random.int(0, 3600)), join_scene: 1, invitor: { userid: owner.userid }, group_nickname: '', name: colleague.name });
    }
    // Mostly the owner's own customers, topped up with others.
    const ownCustomers = state.relationList(owner.userid).map((relation) => relation.external_userid);
    const wanted = random.int(2, Math.max(2, maxMembers));
    const picked = random.sample(ownCustomers, Math.ceil(wanted * 0.7));
    while (picked.length < wanted && customers.length > picked.length) picked.push(random.pick(customers).external_userid);
    for (const externalUserId of picked) {
      if (present.has(externalUserId)) continue;
      present.add(externalUserId);
      const customer = state.customers.get(externalUserId) as Customer;
      const join_scene = random.weighted([1, 2, 3] as const, [50, 20, 30]);
      const member: GroupMember = {
        userid: externalUserId,
        type: 2,
        join_time: Math.min(state.anchorTime, create_time + random.int(60, 200 * DAY)),
        join_scene,
        group_nickname: random.chance(0.2) ? `${random.pick(CITIES)}-${customer.name}` : '',
        name: customer.name,
      };
      if (customer.unionid) member.unionid = customer.unionid;
      if (join_scene !== 3) member.invitor = { userid: owner.userid };
      if (join_scene === 3 && random.chance(0.5)) member.state = random.pick(CHANNEL_STATES);
      members.push(member);
    }
    const chat: GroupChat = {
      chat_id,
      name: renderGroupName(random, index),
      owner: owner.userid,
      create_time,
      notice: random.pick(GROUP_NOTICES),
      member_list: members,
      admin_list: members.filter((member) => member.type === 1 && member.userid !== owner.userid).slice(0, 1).map((member) => ({ userid: member.userid })),
      member_version: '',
      status: owner.resignedAt === undefined ? 0 : 1,
      dismissed: false,
      memberChanges: members.map((member) => [member.join_time, 1] as [number, number]),
      versionCounter: members.length,
    };
    chat.member_version = state.memberVersion(chat);
    state.groupChats.set(chat_id, chat);
  }
}

function generateJoinWays(state: SimState, count: number, timeBefore: (days: number) => number): void {
  const chats = [...state.groupChats.values()].filter((chat) => chat.status === 0);
  if (chats.length === 0) return;
  for (let index = 0; index < count; index++) {
    const config_id = state.newConfigId();
    const chatIds = state.random.sample(chats, Math.min(2, chats.length)).map((chat) => chat.chat_id);
    state.joinWays.set(config_id, {
      config_id,
      scene: 2,
      remark: `入群活码${index + 1}`,
      auto_create_room: 1,
      room_base_name: state.groupChats.get(chatIds[0])?.name.replace(/\d+群$/, '') ?? '客户群',
      room_base_id: 10 + index * 10,
      chat_id_list: chatIds,
      qr_code: state.qrCodeUrl(),
      state: `group_${CHANNEL_STATES[index % CHANNEL_STATES.length]}`,
      createdAt: timeBefore(60),
    });
  }
}
