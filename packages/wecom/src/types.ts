// Request and response shapes of the WeCom server API, with WeCom's own field names (API-FACTS §1–§12).
// Optional response fields are ones WeCom omits depending on the caller's permissions or the record.

/** Every WeCom response carries these; errors come back with HTTP 200 and a non-zero errcode. */
export interface WecomResponse {
  errcode: number;
  errmsg: string;
}

export interface CursorPage {
  /** Empty or absent when there is no further page. */
  next_cursor?: string;
}

// ---------------------------------------------------------------------------------------------
// Access token and tickets (§1.2, §12)

export interface AccessTokenResponse extends WecomResponse {
  access_token: string;
  expires_in: number;
}

export interface TicketResponse extends WecomResponse {
  ticket: string;
  expires_in: number;
}

// ---------------------------------------------------------------------------------------------
// Contacts (§2)

export interface Department {
  id: number;
  name: string;
  name_en?: string;
  department_leader?: string[];
  parentid: number;
  order: number;
}

export interface DepartmentListResponse extends WecomResponse {
  department: Department[];
}

export interface DepartmentSimple {
  id: number;
  parentid: number;
  order: number;
}

export interface DepartmentSimpleListResponse extends WecomResponse {
  department_id: DepartmentSimple[];
}

export interface DepartmentGetResponse extends WecomResponse {
  department: Department;
}

export interface ExtendedAttribute {
  type: number;
  name: string;
  text?: { value: string };
  web?: { url: string; title: string };
  miniprogram?: { appid: string; pagepath: string; title: string };
}

/** 1 activated, 2 disabled, 4 not activated, 5 left the corp. */
export type UserStatus = 1 | 2 | 4 | 5;

export interface User {
  userid: string;
  name: string;
  department: number[];
  order?: number[];
  position?: string;
  mobile?: string;
  /** A string: "0" unknown, "1" male, "2" female. */
  gender?: string;
  email?: string;
  biz_mail?: string;
  is_leader_in_dept?: number[];
  direct_leader?: string[];
  avatar?: string;
  thumb_avatar?: string;
  telephone?: string;
  alias?: string;
  status: UserStatus;
  address?: string;
  english_name?: string;
  open_userid?: string;
  main_department?: number;
  extattr?: { attrs: ExtendedAttribute[] };
  qr_code?: string;
  external_position?: string;
  external_profile?: {
    external_corp_name?: string;
    wechat_channels?: { nickname: string; status: number };
    external_attr?: ExtendedAttribute[];
  };
}

export interface UserGetResponse extends WecomResponse, User {}

export interface UserListResponse extends WecomResponse {
  userlist: User[];
}

export interface UserSimple {
  userid: string;
  name: string;
  department: number[];
  open_userid?: string;
}

export interface UserSimpleListResponse extends WecomResponse {
  userlist: UserSimple[];
}

export interface UserListIdRequest {
  cursor?: string;
  /** 1 – 10,000. */
  limit?: number;
}

export interface UserListIdResponse extends WecomResponse, CursorPage {
  dept_user: Array<{ userid: string; department: number }>;
}

// ---------------------------------------------------------------------------------------------
// External contacts (§3)

export interface FollowUserListResponse extends WecomResponse {
  follow_user: string[];
}

export interface ExternalContactListResponse extends WecomResponse {
  external_userid: string[];
}

/** 1 WeChat user, 2 WeCom user. */
export type ExternalContactType = 1 | 2;

export interface ExternalContact {
  external_userid: string;
  name: string;
  position?: string;
  avatar?: string;
  corp_name?: string;
  corp_full_name?: string;
  type: ExternalContactType;
  /** 0 unknown, 1 male, 2 female. */
  gender: number;
  unionid?: string;
  external_profile?: { external_attr: ExtendedAttribute[] };
}

export interface FollowUserTag {
  group_name: string;
  tag_name: string;
  tag_id?: string;
  /** 1 corp tag, 2 personal tag, 3 rule-group tag. */
  type: number;
}

/** The fields a follow relation (member ↔ customer) has in both externalcontact/get and batch/get_by_user. */
export interface FollowRelation {
  userid: string;
  remark: string;
  description: string;
  createtime: number;
  remark_corp_name?: string;
  remark_mobiles?: string[];
  oper_userid?: string;
  add_way: number;
  /** The contact way's `state` or the acquisition link's `customer_channel`. */
  state?: string;
  wechat_channels?: { nickname: string; source: number };
}

export interface FollowUser extends FollowRelation {
  tags?: FollowUserTag[];
}

export interface ExternalContactGetResponse extends WecomResponse, CursorPage {
  external_contact: ExternalContact;
  follow_user: FollowUser[];
}

export interface BatchGetByUserRequest {
  /** At most 100 userids. */
  userid_list: string[];
  cursor?: string;
  /** At most 100; WeCom defaults to 50. */
  limit?: number;
}

/** The batch API reports the follow relation as one object with tag ids, unlike externalcontact/get. */
export interface FollowInfo extends FollowRelation {
  tag_id: string[];
}

export interface BatchGetByUserResponse extends WecomResponse, CursorPage {
  external_contact_list: Array<{ external_contact: ExternalContact; follow_info: FollowInfo }>;
}

export interface RemarkRequest {
  userid: string;
  external_userid: string;
  remark?: string;
  description?: string;
  remark_company?: string;
  remark_mobiles?: string[];
  remark_pic_mediaid?: string;
}

// ---------------------------------------------------------------------------------------------
// Corp tags (§4)

export interface CorpTag {
  id: string;
  name: string;
  create_time: number;
  order: number;
  deleted?: boolean;
}

export interface CorpTagGroup {
  group_id: string;
  group_name: string;
  create_time: number;
  order: number;
  deleted?: boolean;
  tag: CorpTag[];
}

export interface CorpTagListRequest {
  tag_id?: string[];
  group_id?: string[];
}

export interface CorpTagListResponse extends WecomResponse {
  tag_group: CorpTagGroup[];
}

export interface AddCorpTagRequest {
  group_id?: string;
  group_name?: string;
  order?: number;
  tag: Array<{ name: string; order?: number }>;
  agentid?: number;
}

export interface AddCorpTagResponse extends WecomResponse {
  /** An object here, unlike the list response. */
  tag_group: CorpTagGroup;
}

export interface EditCorpTagRequest {
  /** A tag id or a group id. */
  id: string;
  name?: string;
  order?: number;
  agentid?: number;
}

export interface DeleteCorpTagRequest {
  tag_id?: string[];
  group_id?: string[];
  agentid?: number;
}

export interface MarkTagRequest {
  userid: string;
  external_userid: string;
  add_tag?: string[];
  remove_tag?: string[];
}

// ---------------------------------------------------------------------------------------------
// Contact ways 「联系我」 (§5)

export interface Conclusions {
  text?: { content: string };
  image?: { media_id?: string; pic_url?: string };
  link?: { title: string; picurl?: string; desc?: string; url: string };
  miniprogram?: { title: string; pic_media_id: string; appid: string; page: string };
}

export interface ContactWaySettings {
  /** Mini-program widget style, only for scene 1. */
  style?: number;
  remark?: string;
  skip_verify?: boolean;
  state?: string;
  user?: string[];
  party?: number[];
  expires_in?: number;
  chat_expires_in?: number;
  unionid?: string;
  conclusions?: Conclusions;
}

export interface AddContactWayRequest extends ContactWaySettings {
  /** 1 single member, 2 several members. */
  type: 1 | 2;
  /** 1 in a mini program, 2 by QR code. */
  scene: 1 | 2;
  is_temp?: boolean;
  is_exclusive?: boolean;
  mark_source?: boolean;
}

export interface AddContactWayResponse extends WecomResponse {
  config_id: string;
  /** Only for scene 2. */
  qr_code?: string;
}

export interface ContactWay extends ContactWaySettings {
  config_id: string;
  type: 1 | 2;
  scene: 1 | 2;
  qr_code?: string;
  is_temp?: boolean;
  is_exclusive?: boolean;
}

export interface ContactWayGetResponse extends WecomResponse {
  contact_way: ContactWay;
}

export interface ContactWayListRequest {
  start_time?: number;
  end_time?: number;
  cursor?: string;
  /** At most 1,000; WeCom defaults to 100. */
  limit?: number;
}

export interface ContactWayListResponse extends WecomResponse, CursorPage {
  contact_way: Array<{ config_id: string }>;
}

export interface UpdateContactWayRequest extends ContactWaySettings {
  config_id: string;
}

export interface CloseTempChatRequest {
  userid: string;
  external_userid: string;
}

// ---------------------------------------------------------------------------------------------
// Customer acquisition links 获客助手 (§6)

export interface AcquisitionRange {
  user_list?: string[];
  department_list?: number[];
}

export interface AcquisitionPriorityOption {
  /** 1 prefer existing friends corp-wide, 2 prefer existing friends among priority_userid_list. */
  priority_type: 1 | 2;
  priority_userid_list?: string[];
}

export interface CreateAcquisitionLinkRequest {
  link_name: string;
  range: AcquisitionRange;
  skip_verify?: boolean;
  priority_option?: AcquisitionPriorityOption;
  mark_source?: boolean;
}

export interface UpdateAcquisitionLinkRequest extends Partial<CreateAcquisitionLinkRequest> {
  link_id: string;
}

export interface AcquisitionLink {
  link_id: string;
  link_name: string;
  url: string;
  create_time: number;
  skip_verify?: boolean;
}

export interface CreateAcquisitionLinkResponse extends WecomResponse {
  link: AcquisitionLink;
}

export interface AcquisitionLinkGetResponse extends WecomResponse {
  link: Omit<AcquisitionLink, 'link_id'> & { link_id?: string };
  range: AcquisitionRange;
  priority_option?: AcquisitionPriorityOption;
}

export interface AcquisitionLinkListRequest {
  /** At most 100. */
  limit?: number;
  cursor?: string;
}

export interface AcquisitionLinkListResponse extends WecomResponse, CursorPage {
  link_id_list: string[];
}

export interface AcquisitionCustomerListRequest {
  link_id: string;
  /** At most 1,000. */
  limit?: number;
  cursor?: string;
}

export interface AcquisitionCustomer {
  external_userid: string;
  userid: string;
  /** 0 no message yet, 1 customer has sent a message, 2 unknown. */
  chat_status: 0 | 1 | 2;
  /** The customer_channel appended to the link. */
  state?: string;
}

export interface AcquisitionCustomerListResponse extends WecomResponse, CursorPage {
  customer_list: AcquisitionCustomer[];
}

export interface AcquisitionQuotaResponse extends WecomResponse {
  total: number;
  balance: number;
  quota_list?: Array<{ expire_date: number; balance: number }>;
}

export interface AcquisitionStatisticRequest {
  link_id: string;
  start_time: number;
  end_time: number;
}

export interface AcquisitionStatisticResponse extends WecomResponse {
  click_link_customer_cnt: number;
  new_customer_cnt: number;
}

// ---------------------------------------------------------------------------------------------
// Customer group chats and join ways (§7)

export interface GroupChatListRequest {
  /** 0 all, 1 owner resigned, 2 inheritance in progress, 3 inheritance done. */
  status_filter?: 0 | 1 | 2 | 3;
  owner_filter?: { userid_list: string[] };
  cursor?: string;
  /** Required by WeCom, 1 – 1,000. */
  limit: number;
}

export interface GroupChatListResponse extends WecomResponse, CursorPage {
  group_chat_list: Array<{ chat_id: string; status: 0 | 1 | 2 | 3 }>;
}

export interface GroupChatMember {
  userid: string;
  /** 1 corp member, 2 external contact. */
  type: 1 | 2;
  unionid?: string;
  join_time: number;
  /** 1 invited directly, 2 invited by link, 3 scanned the group QR code. */
  join_scene: number;
  invitor?: { userid: string };
  group_nickname?: string;
  name?: string;
  state?: string;
}

export interface GroupChat {
  chat_id: string;
  name: string;
  owner: string;
  create_time: number;
  notice?: string;
  member_list: GroupChatMember[];
  admin_list?: Array<{ userid: string }>;
  member_version?: string;
}

export interface GroupChatGetResponse extends WecomResponse {
  group_chat: GroupChat;
}

export interface JoinWaySettings {
  /** 1 mini-program plugin, 2 QR code plugin. */
  scene: 1 | 2;
  remark?: string;
  auto_create_room?: 0 | 1;
  room_base_name?: string;
  room_base_id?: number;
  /** At most 5 chat ids. */
  chat_id_list: string[];
  state?: string;
}

export type AddJoinWayRequest = JoinWaySettings;

export interface AddJoinWayResponse extends WecomResponse {
  config_id: string;
}

export interface JoinWay extends JoinWaySettings {
  config_id: string;
  qr_code?: string;
}

export interface JoinWayGetResponse extends WecomResponse {
  join_way: JoinWay;
}

/** Overwrites the whole join way. */
export interface UpdateJoinWayRequest extends JoinWaySettings {
  config_id: string;
}

// ---------------------------------------------------------------------------------------------
// Transfers (§8)

export interface TransferCustomerRequest {
  handover_userid: string;
  takeover_userid: string;
  /** At most 100. */
  external_userid: string[];
  /** On-the-job transfers only, at most 200 characters. */
  transfer_success_msg?: string;
}

export type ResignedTransferCustomerRequest = Omit<TransferCustomerRequest, 'transfer_success_msg'>;

export interface TransferCustomerResponse extends WecomResponse {
  customer: Array<{ external_userid: string; errcode: number }>;
}

export interface TransferResultRequest {
  handover_userid: string;
  takeover_userid: string;
  cursor?: string;
}

/** 1 done, 2 waiting, 3 refused by the customer, 4 takeover member over the limit, 5 no record. */
export type TransferStatus = 1 | 2 | 3 | 4 | 5;

export interface TransferResultResponse extends WecomResponse, CursorPage {
  customer: Array<{ external_userid: string; status: TransferStatus; takeover_time: number }>;
}

export interface GroupChatTransferRequest {
  /** 1 – 100 chat ids. */
  chat_id_list: string[];
  new_owner: string;
}

export interface GroupChatTransferResponse extends WecomResponse {
  failed_chat_list: Array<{ chat_id: string; errcode: number; errmsg: string }>;
}

// ---------------------------------------------------------------------------------------------
// Media (§9)

export type MediaType = 'image' | 'voice' | 'video' | 'file';

export interface MediaFile {
  /** The displayed file name. */
  filename: string;
  data: Uint8Array;
  /** Defaults from the file extension, else application/octet-stream. */
  contentType?: string;
}

export interface MediaUploadResponse extends WecomResponse {
  type: MediaType;
  media_id: string;
  /** A string of unix seconds, as WeCom sends it. */
  created_at: string;
}

export interface UploadImageResponse extends WecomResponse {
  url: string;
}

// ---------------------------------------------------------------------------------------------
// Welcome message (§10)

export type WelcomeAttachment =
  | { msgtype: 'image'; image: { media_id?: string; pic_url?: string } }
  | { msgtype: 'link'; link: { title: string; picurl?: string; desc?: string; url: string } }
  | { msgtype: 'miniprogram'; miniprogram: { title: string; pic_media_id: string; appid: string; page: string } }
  | { msgtype: 'video'; video: { media_id: string } }
  | { msgtype: 'file'; file: { media_id: string } };

export interface SendWelcomeMessageRequest {
  welcome_code: string;
  text?: { content: string };
  /** At most 9. */
  attachments?: WelcomeAttachment[];
}

// ---------------------------------------------------------------------------------------------
// App messages (API-FACTS-OPERATIONS §22)

interface AppMessageEnvelope {
  /** Member userids joined by '|' (at most 1,000), or "@all". */
  touser?: string;
  toparty?: string;
  totag?: string;
  agentid: number;
  safe?: 0 | 1;
  enable_id_trans?: 0 | 1;
  enable_duplicate_check?: 0 | 1;
  /** Seconds, default 1800, at most 4 hours. */
  duplicate_check_interval?: number;
}

export type SendAppMessageRequest = AppMessageEnvelope &
  (
    | { msgtype: 'text'; text: { content: string } }
    | { msgtype: 'textcard'; textcard: { title: string; description: string; url: string; btntxt?: string } }
    | { msgtype: 'markdown'; markdown: { content: string } }
  );

export interface SendAppMessageResponse extends WecomResponse {
  invaliduser?: string;
  invalidparty?: string;
  invalidtag?: string;
  unlicenseduser?: string;
  msgid?: string;
  response_code?: string;
}

// ---------------------------------------------------------------------------------------------
// Statistics (§11)

export interface UserBehaviorDataRequest {
  userid?: string[];
  partyid?: number[];
  start_time: number;
  end_time: number;
}

export interface UserBehaviorData {
  stat_time: number;
  chat_cnt: number;
  message_cnt: number;
  reply_percentage?: number;
  avg_reply_time?: number;
  negative_feedback_cnt: number;
  new_apply_cnt: number;
  new_contact_cnt: number;
}

export interface UserBehaviorDataResponse extends WecomResponse {
  behavior_data: UserBehaviorData[];
}

export interface GroupChatStatisticRequest {
  day_begin_time: number;
  day_end_time?: number;
  owner_filter?: { userid_list: string[] };
  /** 1 new chats, 2 total chats, 3 new members, 4 total members. */
  order_by?: 1 | 2 | 3 | 4;
  order_asc?: 0 | 1;
  offset?: number;
  limit?: number;
}

export interface GroupChatStatisticData {
  new_chat_cnt: number;
  chat_total: number;
  chat_has_msg: number;
  new_member_cnt: number;
  member_total: number;
  member_has_msg: number;
  msg_total: number;
  migrate_trainee_chat_cnt?: number;
}

export interface GroupChatStatisticResponse extends WecomResponse {
  total: number;
  next_offset: number;
  items: Array<{ owner: string; data: GroupChatStatisticData }>;
}

export interface GroupChatStatisticByDayRequest {
  day_begin_time: number;
  day_end_time?: number;
  owner_filter: { userid_list: string[] };
}

export interface GroupChatStatisticByDayResponse extends WecomResponse {
  items: Array<{ stat_time: number; data: GroupChatStatisticData }>;
}

// ---------------------------------------------------------------------------------------------
// Mass messages 企业群发 (API-FACTS-OPERATIONS §17)

/** The same five shapes as the welcome message; video and file need a media/upload media_id. */
export type MsgTemplateAttachment = WelcomeAttachment;

export type GroupMsgChatType = 'single' | 'group';

export interface AddMsgTemplateRequest {
  /** Default single (customers); group sends to the sender's groups. */
  chat_type?: GroupMsgChatType;
  /** single only, at most 10,000; with only `sender`, all of the sender's customers. */
  external_userid?: string[];
  /** group only, at most 2,000. */
  chat_id_list?: string[];
  /** Tags OR within a group, AND across groups; at most 100 tags a group. */
  tag_filter?: { group_list: Array<{ tag_list: string[] }> };
  /** Required for chat_type group; external_userid and sender are not both empty. */
  sender?: string;
  allow_select?: boolean;
  /** At most 4,000 bytes; text and attachments are not both empty. */
  text?: { content: string };
  /** At most 9. */
  attachments?: MsgTemplateAttachment[];
}

export interface AddMsgTemplateResponse extends WecomResponse {
  msgid: string;
  /** Recipients that are invalid or cannot be sent to (e.g. not a friend of the sender). */
  fail_list?: string[];
}

export interface GroupMsgListV2Request {
  chat_type: GroupMsgChatType;
  /** Unix seconds; the span is at most one month. */
  start_time: number;
  end_time: number;
  creator?: string;
  /** 0 made by the corp, 1 by members themselves, 2 all (default). */
  filter_type?: 0 | 1 | 2;
  /** At most 100, default 50. */
  limit?: number;
  cursor?: string;
}

export interface GroupMsg {
  msgid: string;
  /** Absent for messages created through the API. */
  creator?: string;
  /** Documented as a string, parsed as a number by some SDKs: accept both. */
  create_time: number | string;
  /** 0 corp, 1 member's own. */
  create_type: 0 | 1;
  text?: { content: string };
  attachments?: MsgTemplateAttachment[];
}

export interface GroupMsgListV2Response extends WecomResponse, CursorPage {
  group_msg_list: GroupMsg[];
}

export interface GroupMsgTaskRequest {
  msgid: string;
  /** At most 1,000, default 500. */
  limit?: number;
  cursor?: string;
}

/** 0 not sent, 2 sent (a doc sample shows 1: treat any non-zero as sent). */
export type GroupMsgTaskStatus = 0 | 1 | 2;

export interface GroupMsgTaskResponse extends WecomResponse, CursorPage {
  task_list: Array<{ userid: string; status: GroupMsgTaskStatus; send_time?: number }>;
}

export interface GroupMsgSendResultRequest {
  msgid: string;
  userid: string;
  /** At most 1,000, default 500. */
  limit?: number;
  cursor?: string;
}

/** 0 not sent, 1 sent, 2 not a friend, 3 over the customer's receive limit. */
export type GroupMsgSendStatus = 0 | 1 | 2 | 3;

export interface GroupMsgSendResult {
  /** Single sends only. */
  external_userid?: string;
  /** Group sends only; they list sent rows only. */
  chat_id?: string;
  userid: string;
  status: GroupMsgSendStatus;
  /** Only when status is 1. */
  send_time?: number;
}

export interface GroupMsgSendResultResponse extends WecomResponse, CursorPage {
  send_list: GroupMsgSendResult[];
}

// ---------------------------------------------------------------------------------------------
// Customer moments 客户朋友圈 (API-FACTS-OPERATIONS §18)

export interface UploadAttachmentOptions {
  /** Moments take image and video only. */
  media_type: 'image' | 'video' | 'file';
  /** 1 moments, 2 product album. */
  attachment_type: 1 | 2;
}

export interface UploadAttachmentResponse extends WecomResponse {
  type: 'image' | 'video' | 'file';
  media_id: string;
  /** An integer here, unlike media/upload. */
  created_at: number;
}

/** Up to 9 images, or 1 video, or 1 link — one kind per moment; media ids from media/upload_attachment. */
export type MomentAttachment =
  | { msgtype: 'image'; image: { media_id: string } }
  | { msgtype: 'video'; video: { media_id: string } }
  | { msgtype: 'link'; link: { title?: string; url: string; media_id: string } };

export interface MomentSenderList {
  user_list?: string[];
  department_list?: number[];
}

export interface AddMomentTaskRequest {
  /** At most 2,000 characters (4,000 bytes). */
  text?: { content: string };
  attachments?: MomentAttachment[];
  /** Omitted: every member in the app's visible range, public to all their customers. */
  visible_range?: {
    sender_list?: MomentSenderList;
    /** Corp tags only (not rule-group tags); makes the moment partly visible. */
    external_contact_list?: { tag_list?: string[] };
  };
}

export interface AddMomentTaskResponse extends WecomResponse {
  /** Valid 24 hours. */
  jobid: string;
}

export interface MomentTaskResultResponse extends WecomResponse {
  /** 1 started, 2 creating, 3 done (result only then). */
  status: 1 | 2 | 3;
  type: string;
  result?: WecomResponse & {
    moment_id?: string;
    invalid_sender_list?: MomentSenderList;
    invalid_external_contact_list?: { tag_list?: string[] };
  };
}

export interface MomentListRequest {
  /** Unix seconds, span at most 30 days, open interval. */
  start_time: number;
  end_time: number;
  creator?: string;
  /** 0 corp, 1 members' own, 2 all (default). */
  filter_type?: 0 | 1 | 2;
  cursor?: string;
  /** At most 20, default 20. */
  limit?: number;
}

export interface Moment {
  moment_id: string;
  /** Absent for moments created through the API. */
  creator?: string;
  create_time: number | string;
  create_type: 0 | 1;
  /** 0 partly visible, 1 public. */
  visible_type: 0 | 1;
  text?: { content: string };
  image?: Array<{ media_id: string }>;
  video?: { media_id: string; thumb_media_id?: string };
  link?: { title: string; url: string };
  location?: { latitude: string; longitude: string; name: string };
}

export interface MomentListResponse extends WecomResponse, CursorPage {
  moment_list: Moment[];
}

export interface MomentTaskRequest {
  moment_id: string;
  cursor?: string;
  /** At most 1,000, default 500. */
  limit?: number;
}

export interface MomentTaskResponse extends WecomResponse, CursorPage {
  /** publish_status 0 not yet, 1 published. */
  task_list: Array<{ userid: string; publish_status: 0 | 1 }>;
}

export interface MomentCustomerListRequest {
  moment_id: string;
  userid: string;
  cursor?: string;
  /** At most 1,000, default 500 (get_moment_send_result: at most 5,000, default 3,000). */
  limit?: number;
}

export interface MomentCustomerListResponse extends WecomResponse, CursorPage {
  customer_list: Array<{ userid: string; external_userid: string }>;
}

export interface MomentSendResultResponse extends WecomResponse, CursorPage {
  customer_list: Array<{ external_userid: string }>;
}

// ---------------------------------------------------------------------------------------------
// Unassigned customers of resigned members (API-FACTS-OPERATIONS §20.1)

export interface UnassignedListRequest {
  cursor?: string;
  /** At most 1,000, default 1,000. */
  page_size?: number;
  /** Older docs' paging, still accepted; no next_cursor comes back with it. */
  page_id?: number;
}

export interface UnassignedCustomer {
  handover_userid: string;
  external_userid: string;
  dimission_time: number;
}

export interface UnassignedListResponse extends WecomResponse, CursorPage {
  info: UnassignedCustomer[];
  is_last: boolean;
}
