// The simulator's records. Field names follow WeCom's API so handlers can copy them out directly;
// simulator-only fields are camelCase. Everything here is plain JSON (the state is saved as-is).
import type { RandomState } from './random.ts';
import type { GroupWelcomeTemplate, InterceptRuleRecord } from './api/operations-config.ts';

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
  /**
   * Simulator-only: when the member last logged in to WeCom (unix seconds); absent means recently. Transfers
   * need a login within the year (before leaving, for the handover member): else 40205 (API-FACTS-OPERATIONS §20.2).
   */
  lastLoginAt?: number;
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
  /** Set for media/upload_attachment (1 moments, 2 product album): only those ids work for moments, and only media/upload's for 群发. */
  attachment_type?: 1 | 2;
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

/** A group-chat transfer that happened (groupchat/transfer or onjob_transfer): the per-day and 90-day rules count these. */
export interface GroupTransferRecord {
  kind: 'onjob' | 'resigned';
  chat_id: string;
  old_owner: string;
  new_owner: string;
  time: number;
}

// ---- 企业群发 (API-FACTS-OPERATIONS §17) ----------------------------------------------------------

/**
 * How many mass messages one customer (or one customer group) may receive: WeCom's wording changed over
 * time (§17.2) — now "days of the month per month", which an admin may switch to 7 a week or 1 a day;
 * once 4 a month. `count` omitted: days in the month / 7 / 1. Periods are natural ones in China time.
 */
export interface ReceiveLimitRule {
  per: 'day' | 'week' | 'month';
  count?: number;
}

export interface GroupMsgRecipient {
  /** Single sends. */
  external_userid?: string;
  /** Group sends. */
  chat_id?: string;
  /** 0 not sent, 1 sent, 2 not a friend (any more), 3 over the receive limit. */
  status: 0 | 1 | 2 | 3;
  send_time?: number;
}

export interface GroupMsgTask {
  userid: string;
  /** 0 not sent, 2 sent (get_groupmsg_task's values). */
  status: 0 | 2;
  send_time?: number;
  /** Single: the customers chosen at creation. Group: the chats given in chat_id_list, else chosen when confirming. */
  recipients: GroupMsgRecipient[];
  /** Group sends without chat_id_list: the owner picks groups in the client. */
  choosesChats?: boolean;
}

export interface GroupMsg {
  msgid: string;
  chat_type: 'single' | 'group';
  /** 0 made by the corp (API), 1 a member's own. */
  create_type: 0 | 1;
  /** Only for a member's own; API-made messages have none. */
  creator?: string;
  create_time: number;
  text?: { content: string };
  attachments: Array<Record<string, unknown>>;
  allow_select: boolean;
  tasks: GroupMsgTask[];
  /** remind_groupmsg_send times (at most 3 within 24 h). */
  reminds: number[];
  cancelled_at?: number;
}

// ---- 客户朋友圈 (API-FACTS-OPERATIONS §18) --------------------------------------------------------

export interface MomentTask {
  userid: string;
  /** 0 not yet, 1 published. */
  publish_status: 0 | 1;
  publish_time?: number;
  /** Customers the moment is meant for (fixed at creation). */
  customers: string[];
  /** Customers who can see it (set when published: those still friends). */
  visible_to?: string[];
}

export interface Moment {
  /** add_moment_task's job; absent for a member's own moment. */
  jobid?: string;
  moment_id: string;
  create_type: 0 | 1;
  creator?: string;
  create_time: number;
  /** When the creation job finishes (get_moment_task_result status 3); the moment is listed from then on. */
  job_done_at: number;
  /** 0 partly visible (tags given), 1 public. */
  visible_type: 0 | 1;
  text?: { content: string };
  attachments: Array<Record<string, unknown>>;
  invalid_sender_list: { user_list: string[]; department_list: number[] };
  invalid_external_contact_list: { tag_list: string[] };
  tasks: MomentTask[];
  cancelled_at?: number;
}

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
  /** Absent in snapshots saved before 群发, moments and group-transfer records existed. */
  groupMsgs?: GroupMsg[];
  moments?: Moment[];
  groupTransfers?: GroupTransferRecord[];
  /** Absent: the current default, days of the month per month. */
  receiveLimit?: ReceiveLimitRule;
  /** Absent in snapshots saved before 入群欢迎语素材 and sensitive-word rules existed. */
  groupWelcomeTemplates?: GroupWelcomeTemplate[];
  interceptRules?: InterceptRuleRecord[];
  deletedInterceptRules?: string[];
  /** Absent in snapshots saved before the client's chat messages existed. */
  chatMessages?: ChatMessage[];
}

/**
 * A message a member sent into a conversation from a page in the chat toolbar (JS-SDK sendChatMessage, §23.5):
 * the simulated client's conversation log. `external_userid` for a single chat, `chat_id` for a group chat.
 */
export interface ChatMessage {
  msgid: string;
  userid: string;
  external_userid?: string;
  chat_id?: string;
  msgtype: 'text' | 'image' | 'video' | 'file' | 'news' | 'miniprogram';
  text?: { content: string };
  image?: { mediaid: string };
  video?: { mediaid: string };
  file?: { mediaid: string };
  news?: { link: string; title: string; desc: string; imgUrl: string };
  miniprogram?: { appid: string; title: string; imgUrl: string; page: string };
  sent_at: number;
}
