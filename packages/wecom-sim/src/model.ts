// The simulator's records. Field names follow WeCom's API so handlers can copy them out directly;
// simulator-only fields are camelCase. Everything here is plain JSON (the state is saved as-is).
import type { RandomState } from './random.ts';

export interface Department {
  id: number;
  name: string;
  name_en: string;
  parentid: number;
  order: number;
  department_leader: string[];
}

/** 1 active, 2 disabled, 4 not activated, 5 left the corp. */
export type EmployeeStatus = 1 | 2 | 4 | 5;

export interface Employee {
  userid: string;
  name: string;
  department: number[];
  order: number[];
  position: string;
  mobile: string;
  gender: '0' | '1' | '2';
  email: string;
  biz_mail: string;
  is_leader_in_dept: number[];
  direct_leader: string[];
  avatar: string;
  thumb_avatar: string;
  telephone: string;
  alias: string;
  address: string;
  open_userid: string;
  main_department: number;
  status: EmployeeStatus;
  external_position: string;
  /** 客户联系 enabled: may have external contacts. */
  customerContact: boolean;
  /** Set when the employee was deleted from contacts (离职): invisible to contact APIs, customers await 离职继承. */
  resignedAt?: number;
}

export interface Customer {
  external_userid: string;
  name: string;
  /** 1 WeChat user, 2 WeCom user. */
  type: 1 | 2;
  gender: 0 | 1 | 2;
  avatar: string;
  unionid?: string;
  position?: string;
  corp_name?: string;
  corp_full_name?: string;
  /** Simulator-only: a mobile the customer "has", used to seed remark_mobiles. */
  mobile: string;
}

export interface FollowRelation {
  userid: string;
  external_userid: string;
  remark: string;
  description: string;
  createtime: number;
  tag_ids: string[];
  remark_corp_name: string;
  remark_mobiles: string[];
  oper_userid: string;
  add_way: number;
  state: string;
  /** Simulator-only: the customer has sent a message (welcome codes are void after that). */
  chatted: boolean;
}

export interface CorpTag {
  id: string;
  name: string;
  create_time: number;
  order: number;
}

export interface CorpTagGroup {
  group_id: string;
  group_name: string;
  create_time: number;
  order: number;
  tag: CorpTag[];
}

export interface ContactWay {
  config_id: string;
  type: 1 | 2;
  scene: 1 | 2;
  style?: number;
  remark: string;
  skip_verify: boolean;
  state: string;
  qr_code: string;
  user: string[];
  party: number[];
  is_temp: boolean;
  expires_in: number;
  chat_expires_in: number;
  unionid: string;
  is_exclusive: boolean;
  conclusions?: Record<string, unknown>;
  createdAt: number;
  /** Set when a temporary (is_temp) way has been used: it no longer works. */
  usedUp?: boolean;
  /** Round-robin position among the way's employees. */
  nextIndex: number;
}

export interface AcquisitionCustomer {
  external_userid: string;
  userid: string;
  chat_status: 0 | 1 | 2;
  state: string;
  time: number;
}

export interface AcquisitionLink {
  link_id: string;
  link_name: string;
  url: string;
  create_time: number;
  skip_verify: boolean;
  range: { user_list: string[]; department_list: number[] };
  priority_option?: { priority_type: 1 | 2; priority_userid_list: string[] };
  mark_source: boolean;
  deleted: boolean;
  customers: AcquisitionCustomer[];
  /** Times (seconds) at which the link was opened. */
  clicks: number[];
  nextIndex: number;
}

export interface AcquisitionQuota {
  total: number;
  balance: number;
  quota_list: Array<{ expire_date: number; balance: number }>;
  lowThreshold: number;
  lowNotified: boolean;
}

export interface JoinWay {
  config_id: string;
  scene: 1 | 2;
  remark: string;
  auto_create_room: 0 | 1;
  room_base_name: string;
  room_base_id: number;
  chat_id_list: string[];
  qr_code: string;
  state: string;
  createdAt: number;
}

export interface GroupMember {
  userid: string;
  /** 1 employee, 2 external contact. */
  type: 1 | 2;
  unionid?: string;
  join_time: number;
  /** 1 invited directly, 2 invited by link, 3 scanned the group QR. */
  join_scene: 1 | 2 | 3;
  invitor?: { userid: string };
  group_nickname: string;
  name: string;
  state?: string;
}

export interface GroupChat {
  chat_id: string;
  name: string;
  owner: string;
  create_time: number;
  notice: string;
  member_list: GroupMember[];
  admin_list: Array<{ userid: string }>;
  member_version: string;
  /** 0 normal, 1 owner resigned, 2 being inherited, 3 inherited. */
  status: 0 | 1 | 2 | 3;
  dismissed: boolean;
  /** Simulator-only history used by groupchat/statistic: [time, delta] of member changes. */
  memberChanges: Array<[number, number]>;
  versionCounter: number;
}

export interface MediaItem {
  media_id: string;
  type: 'image' | 'voice' | 'video' | 'file';
  filename: string;
  size: number;
  created_at: number;
}

export interface Transfer {
  kind: 'onjob' | 'resigned';
  handover_userid: string;
  takeover_userid: string;
  external_userid: string;
  requested_at: number;
  /** When WeCom settles it (automatic takeover); also reported as takeover_time while waiting. */
  takeover_time: number;
  /** 1 done, 2 waiting, 3 customer refused, 4 takeover member over limit. */
  status: 1 | 2 | 3 | 4;
  transfer_success_msg?: string;
  /** Simulator-only: force this outcome when the transfer settles (see actions.refuseTransfer). */
  plannedFailure?: TransferFailure;
}

export type TransferFailure = 'customer_refused' | 'customer_limit_exceed';

export interface WelcomeCode {
  code: string;
  userid: string;
  external_userid: string;
  issued_at: number;
  /** pending: may be used; sent: delivered by us; distributing: another app is sending until `busyUntil`. */
  status: 'pending' | 'sent' | 'distributing';
  busyUntil?: number;
}

export interface WelcomeMessage {
  welcome_code: string;
  userid: string;
  external_userid: string;
  sent_at: number;
  text?: { content: string };
  attachments: Array<Record<string, unknown>>;
}

/**
 * An app message (message/send) as one member received it — or not: `dropped` says why WeCom did not
 * deliver it (over the member's 30 a minute / 1,000 an hour, silently), `duplicate` that it repeated a
 * message within the duplicate-check interval (delivered once).
 */
export interface AppMessageReceipt {
  msgid: string;
  userid: string;
  agentid: number;
  msgtype: string;
  /** text/markdown content, or the textcard's title and description. */
  title?: string;
  content: string;
  url?: string;
  sent_at: number;
  dropped?: 'rate_limit';
}

export interface CorpInfo {
  corpId: string;
  corpName: string;
  corpFullName: string;
  agentId: number;
  secret: string;
  /** Secrets that may call user/list_id (通讯录同步 secret). The main secret is allowed unless listed in restrictedSecrets. */
  contactSyncSecret: string;
  token: string;
  encodingAesKey: string;
  /** Departments (with descendants) and users inside the app's visible range; outside → 60011. */
  visibleDepartments: number[];
  visibleUsers: string[];
}

export interface Sequences {
  department: number;
  employee: number;
  media: number;
  welcome: number;
}

/** The whole simulated corp as saved by toJSON() and restored by fromJSON(). */
export interface SimulatorSnapshot {
  version: 1;
  seed: string;
  anchorTime: number;
  corp: CorpInfo;
  random: RandomState;
  sequences: Sequences;
  departments: Department[];
  employees: Employee[];
  customers: Customer[];
  relations: FollowRelation[];
  tagGroups: CorpTagGroup[];
  contactWays: ContactWay[];
  acquisitionLinks: AcquisitionLink[];
  acquisitionQuota: AcquisitionQuota;
  joinWays: JoinWay[];
  groupChats: GroupChat[];
  media: MediaItem[];
  uploadedImages: Array<{ url: string; created_at: number }>;
  transfers: Transfer[];
  welcomeCodes: WelcomeCode[];
  welcomeMessages: WelcomeMessage[];
  /** Absent in snapshots saved before app messages existed. */
  appMessages?: AppMessageReceipt[];
}
