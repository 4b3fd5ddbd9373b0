// Callback events: decrypted XML (API-FACTS §14, §6) to typed events and back. Unknown events and
// unknown change types are kept as `kind: 'unknown'` with every field, never dropped and never thrown.
import { createHash } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';

/** Fields every self-built-app callback carries. */
export interface EventEnvelope {
  /** The corp id. */
  toUserName: string;
  /** Always `sys` for these events. */
  fromUserName: string;
  /** Unix seconds. */
  createTime: number;
}

export const EXTERNAL_CONTACT_CHANGE_TYPES = [
  'add_external_contact',
  'edit_external_contact',
  'add_half_external_contact',
  'del_external_contact',
  'del_follow_user',
  'transfer_fail',
] as const;
export type ExternalContactChangeType = (typeof EXTERNAL_CONTACT_CHANGE_TYPES)[number];

/** A member ↔ customer relation changed (§14.1). */
export interface ExternalContactEvent extends EventEnvelope {
  kind: 'change_external_contact';
  changeType: ExternalContactChangeType;
  /** The member; for transfer_fail the takeover member. */
  userId: string;
  externalUserId: string;
  /** The contact way's state or the acquisition link's customer_channel (add / add_half / edit). */
  state?: string;
  /** Valid for 20 s, for send_welcome_msg (add / add_half). */
  welcomeCode?: string;
  /** del_external_contact: `DELETE_BY_TRANSFER` when removed by an on-the-job transfer. */
  source?: string;
  /** transfer_fail: `customer_refused` or `customer_limit_exceed`. */
  failReason?: 'customer_refused' | 'customer_limit_exceed' | (string & {});
}

export const EXTERNAL_CHAT_CHANGE_TYPES = ['create', 'update', 'dismiss'] as const;
export type ExternalChatChangeType = (typeof EXTERNAL_CHAT_CHANGE_TYPES)[number];
export type ExternalChatUpdateDetail = 'add_member' | 'del_member' | 'change_owner' | 'change_name' | 'change_notice';

/** A customer group changed (§14.2). */
export interface ExternalChatEvent extends EventEnvelope {
  kind: 'change_external_chat';
  changeType: ExternalChatChangeType;
  chatId: string;
  updateDetail?: ExternalChatUpdateDetail | (string & {});
  /** add_member: 0 invited by a member (directly or by link), 3 scanned the group QR code. */
  joinScene?: number;
  /** del_member: 0 left, 1 removed by the owner or an admin. */
  quitScene?: number;
  memChangeCnt?: number;
  memChangeList?: string[];
  lastMemVer?: string;
  curMemVer?: string;
}

export const EXTERNAL_TAG_CHANGE_TYPES = ['create', 'update', 'delete', 'shuffle'] as const;
export type ExternalTagChangeType = (typeof EXTERNAL_TAG_CHANGE_TYPES)[number];

/** A corp customer tag or tag group changed in the admin console (§14.3). */
export interface ExternalTagEvent extends EventEnvelope {
  kind: 'change_external_tag';
  changeType: ExternalTagChangeType;
  /** The tag id or tag group id. */
  id: string;
  /** Absent for shuffle. */
  tagType?: 'tag' | 'tag_group' | (string & {});
  /** shuffle of a rule group's tags: the rule group id. */
  strategyId?: number;
}

export interface ContactExtendedAttribute {
  name: string;
  type: number;
  text?: { value: string };
  web?: { title: string; url: string };
}

/** A member was created, updated or deleted (§14.4); update_user carries only the changed fields. */
export interface ContactUserEvent extends EventEnvelope {
  kind: 'change_contact';
  changeType: 'create_user' | 'update_user' | 'delete_user';
  userId: string;
  /** update_user when the userid itself changed. */
  newUserId?: string;
  name?: string;
  department?: number[];
  mainDepartment?: number;
  isLeaderInDept?: number[];
  directLeader?: string[];
  position?: string;
  mobile?: string;
  /** As user/get: "0" unknown, "1" male, "2" female. */
  gender?: string;
  email?: string;
  bizMail?: string;
  status?: number;
  avatar?: string;
  alias?: string;
  telephone?: string;
  address?: string;
  extAttr?: ContactExtendedAttribute[];
}

/** A department was created, updated or deleted (§14.4). */
export interface ContactPartyEvent extends EventEnvelope {
  kind: 'change_contact';
  changeType: 'create_party' | 'update_party' | 'delete_party';
  id: number;
  name?: string;
  parentId?: number;
  order?: number;
}

/** Members or departments were added to or removed from a (contact, not customer) tag (§14.4). */
export interface ContactTagEvent extends EventEnvelope {
  kind: 'change_contact';
  changeType: 'update_tag';
  tagId: number;
  addUserItems?: string[];
  delUserItems?: string[];
  addPartyItems?: number[];
  delPartyItems?: number[];
}

export type ContactEvent = ContactUserEvent | ContactPartyEvent | ContactTagEvent;

export const CUSTOMER_ACQUISITION_CHANGE_TYPES = [
  'friend_request',
  'delete_link',
  'link_unavailable',
  'balance_low',
  'balance_exhausted',
  'customer_start_chat',
  'message_from_customer',
] as const;
export type CustomerAcquisitionChangeType = (typeof CUSTOMER_ACQUISITION_CHANGE_TYPES)[number];

/** Acquisition link events (§6). */
export interface CustomerAcquisitionEvent extends EventEnvelope {
  kind: 'customer_acquisition';
  changeType: CustomerAcquisitionChangeType;
  linkId?: string;
  /** friend_request: the customer_channel. */
  state?: string;
  userId?: string;
  externalUserId?: string;
  chatSeq?: string;
  chatKey?: string;
}

/** Anything else, kept whole. `raw` holds every element of the XML. */
export interface UnknownEvent extends EventEnvelope {
  kind: 'unknown';
  /** Event, or InfoType for third-party envelopes; '' for plain messages. */
  event: string;
  changeType: string | undefined;
  raw: Record<string, unknown>;
}

export type WecomEvent =
  | ExternalContactEvent
  | ExternalChatEvent
  | ExternalTagEvent
  | ContactEvent
  | CustomerAcquisitionEvent
  | UnknownEvent;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** What buildEventXml takes: an event whose FromUserName (default `sys`) and CreateTime (default now) may be left out. */
export type WecomEventInput = DistributiveOmit<WecomEvent, 'fromUserName' | 'createTime'> & {
  fromUserName?: string;
  createTime?: number;
};

export class EventParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EventParseError';
  }
}

// ---------------------------------------------------------------------------------------------
// Parsing

const LIST_ELEMENTS = new Set(['xml.MemChangeList.Item', 'xml.ExtAttr.Item']);
const parser = new XMLParser({
  parseTagValue: false,
  ignoreAttributes: true,
  trimValues: true,
  isArray: (_name, path) => LIST_ELEMENTS.has(String(path)),
});

type Fields = Record<string, unknown>;

/** Decrypted callback XML → a typed event. Throws EventParseError only when the text is not an `<xml>` document. */
export function parseCallbackEvent(xml: string): WecomEvent {
  let document: unknown;
  try {
    document = parser.parse(xml, true);
  } catch (error) {
    throw new EventParseError(`callback is not valid XML: ${(error as Error).message}`);
  }
  const fields = (document as { xml?: unknown } | undefined)?.xml;
  if (!fields || typeof fields !== 'object') throw new EventParseError('callback has no <xml> root element');
  return parseFields(fields as Fields) ?? unknownEvent(fields as Fields);
}

function parseFields(fields: Fields): WecomEvent | undefined {
  const envelope = readEnvelope(fields);
  const changeType = text(fields.ChangeType);
  switch (text(fields.Event)) {
    case 'change_external_contact': {
      const userId = text(fields.UserID);
      const externalUserId = text(fields.ExternalUserID);
      if (!isOneOf(changeType, EXTERNAL_CONTACT_CHANGE_TYPES) || !userId || !externalUserId) return undefined;
      return compact<ExternalContactEvent>({
        kind: 'change_external_contact',
        ...envelope,
        changeType,
        userId,
        externalUserId,
        state: text(fields.State),
        welcomeCode: text(fields.WelcomeCode),
        source: text(fields.Source),
        failReason: text(fields.FailReason),
      });
    }
    case 'change_external_chat': {
      const chatId = text(fields.ChatId);
      if (!isOneOf(changeType, EXTERNAL_CHAT_CHANGE_TYPES) || !chatId) return undefined;
      return compact<ExternalChatEvent>({
        kind: 'change_external_chat',
        ...envelope,
        changeType,
        chatId,
        updateDetail: text(fields.UpdateDetail),
        joinScene: integer(fields.JoinScene),
        quitScene: integer(fields.QuitScene),
        memChangeCnt: integer(fields.MemChangeCnt),
        memChangeList: fields.MemChangeList === undefined ? undefined : items(fields.MemChangeList).map((item) => text(item) ?? ''),
        lastMemVer: text(fields.LastMemVer),
        curMemVer: text(fields.CurMemVer),
      });
    }
    case 'change_external_tag': {
      const id = text(fields.Id);
      if (!isOneOf(changeType, EXTERNAL_TAG_CHANGE_TYPES) || !id) return undefined;
      return compact<ExternalTagEvent>({
        kind: 'change_external_tag',
        ...envelope,
        changeType,
        id,
        tagType: text(fields.TagType),
        strategyId: integer(fields.StrategyId),
      });
    }
    case 'change_contact':
      return parseContactEvent(fields, envelope, changeType);
    case 'customer_acquisition':
      if (!isOneOf(changeType, CUSTOMER_ACQUISITION_CHANGE_TYPES)) return undefined;
      return compact<CustomerAcquisitionEvent>({
        kind: 'customer_acquisition',
        ...envelope,
        changeType,
        linkId: text(fields.LinkId),
        state: text(fields.State),
        userId: text(fields.UserID),
        externalUserId: text(fields.ExternalUserID),
        chatSeq: text(fields.ChatSeq),
        chatKey: text(fields.ChatKey),
      });
    default:
      return undefined;
  }
}

function parseContactEvent(fields: Fields, envelope: EventEnvelope, changeType: string | undefined): ContactEvent | undefined {
  switch (changeType) {
    case 'create_user':
    case 'update_user':
    case 'delete_user': {
      const userId = text(fields.UserID);
      if (!userId) return undefined;
      return compact<ContactUserEvent>({
        kind: 'change_contact',
        ...envelope,
        changeType,
        userId,
        newUserId: text(fields.NewUserID),
        name: text(fields.Name),
        department: integerList(fields.Department),
        mainDepartment: integer(fields.MainDepartment),
        isLeaderInDept: integerList(fields.IsLeaderInDept),
        directLeader: textList(fields.DirectLeader),
        position: text(fields.Position),
        mobile: text(fields.Mobile),
        gender: text(fields.Gender),
        email: text(fields.Email),
        bizMail: text(fields.BizMail),
        status: integer(fields.Status),
        avatar: text(fields.Avatar),
        alias: text(fields.Alias),
        telephone: text(fields.Telephone),
        address: text(fields.Address),
        extAttr: fields.ExtAttr === undefined ? undefined : items(fields.ExtAttr).map(parseExtendedAttribute),
      });
    }
    case 'create_party':
    case 'update_party':
    case 'delete_party': {
      const id = integer(fields.Id);
      if (id === undefined) return undefined;
      return compact<ContactPartyEvent>({
        kind: 'change_contact',
        ...envelope,
        changeType,
        id,
        name: text(fields.Name),
        parentId: integer(fields.ParentId),
        order: integer(fields.Order),
      });
    }
    case 'update_tag': {
      const tagId = integer(fields.TagId);
      if (tagId === undefined) return undefined;
      return compact<ContactTagEvent>({
        kind: 'change_contact',
        ...envelope,
        changeType,
        tagId,
        addUserItems: textList(fields.AddUserItems),
        delUserItems: textList(fields.DelUserItems),
        addPartyItems: integerList(fields.AddPartyItems),
        delPartyItems: integerList(fields.DelPartyItems),
      });
    }
    default:
      return undefined;
  }
}

function parseExtendedAttribute(item: unknown): ContactExtendedAttribute {
  const fields = (item && typeof item === 'object' ? item : {}) as Fields;
  const textValue = fields.Text as Fields | undefined;
  const web = fields.Web as Fields | undefined;
  return compact<ContactExtendedAttribute>({
    name: text(fields.Name) ?? '',
    type: integer(fields.Type) ?? 0,
    text: textValue && typeof textValue === 'object' ? { value: text(textValue.Value) ?? '' } : undefined,
    web: web && typeof web === 'object' ? { title: text(web.Title) ?? '', url: text(web.Url) ?? '' } : undefined,
  });
}

function unknownEvent(fields: Fields): UnknownEvent {
  return {
    kind: 'unknown',
    ...readEnvelope(fields),
    event: text(fields.Event) ?? text(fields.InfoType) ?? '',
    changeType: text(fields.ChangeType),
    raw: fields,
  };
}

function readEnvelope(fields: Fields): EventEnvelope {
  return {
    toUserName: text(fields.ToUserName) ?? '',
    fromUserName: text(fields.FromUserName) ?? '',
    createTime: integer(fields.CreateTime) ?? 0,
  };
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function integer(value: unknown): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : undefined;
}

/** Department, IsLeaderInDept and the update_tag items are comma-separated strings. */
function textList(value: unknown): string[] | undefined {
  const joined = text(value);
  if (joined === undefined) return undefined;
  return joined === '' ? [] : joined.split(',').map((part) => part.trim());
}

function integerList(value: unknown): number[] | undefined {
  return textList(value)?.map(Number).filter(Number.isFinite);
}

function items(value: unknown): unknown[] {
  const item = value && typeof value === 'object' ? (value as Fields).Item : undefined;
  return Array.isArray(item) ? item : [];
}

function isOneOf<Value extends string>(value: string | undefined, allowed: readonly Value[]): value is Value {
  return value !== undefined && (allowed as readonly string[]).includes(value);
}

/** Drops undefined properties, so absent XML elements are absent keys (and round trips compare equal). */
function compact<Shape>(value: { [Key in keyof Shape]: Shape[Key] | undefined }): Shape {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Shape;
}

// ---------------------------------------------------------------------------------------------
// Idempotency key

/**
 * A stable key for deduplicating redeliveries: WeCom retries send the same event, so the key combines
 * the corp, event, change type, main ids and CreateTime with a digest of every field. The welcome code is
 * left out of the digest because a redelivery must not count as a new event if it ever differed.
 */
export function eventKey(event: WecomEvent): string {
  const { welcomeCode: _welcomeCode, ...content } = event as WecomEvent & { welcomeCode?: string };
  const digest = createHash('sha256').update(canonicalJson(content)).digest('hex').slice(0, 16);
  const name = event.kind === 'unknown' ? event.event : event.kind;
  return [event.toUserName, name, event.changeType ?? '', ...primaryIds(event), event.createTime, digest].join(':');
}

function primaryIds(event: WecomEvent): Array<string | number> {
  switch (event.kind) {
    case 'change_external_contact':
      return [event.userId, event.externalUserId];
    case 'change_external_chat':
      return [event.chatId];
    case 'change_external_tag':
      return [event.id];
    case 'change_contact':
      return event.changeType === 'update_tag' ? [event.tagId] : 'userId' in event ? [event.userId] : [event.id];
    case 'customer_acquisition':
      return [event.linkId ?? '', event.externalUserId ?? ''];
    case 'unknown':
      return [];
  }
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Fields).sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
    return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${canonicalJson(entry)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

// ---------------------------------------------------------------------------------------------
// Building (the simulator emits callbacks with this)

type XmlValue = string | number | XmlValue[] | { [element: string]: XmlValue } | undefined;

/** Serialises an event into WeCom's callback XML, so that parseCallbackEvent(buildEventXml(e)) equals e. */
export function buildEventXml(input: WecomEventInput): string {
  const envelope: Array<[string, XmlValue]> = [
    ['ToUserName', input.toUserName],
    ['FromUserName', input.fromUserName ?? 'sys'],
    ['CreateTime', input.createTime ?? Math.floor(Date.now() / 1000)],
  ];
  if (input.kind === 'unknown') {
    const raw = input.raw;
    const rest = Object.entries(raw).filter(([name]) => !['ToUserName', 'FromUserName', 'CreateTime'].includes(name));
    return `<xml>${serialize([...envelope, ...rest] as Array<[string, XmlValue]>)}</xml>`;
  }
  const head: Array<[string, XmlValue]> = [...envelope, ['MsgType', 'event'], ['Event', input.kind], ['ChangeType', input.changeType]];
  return `<xml>${serialize([...head, ...bodyElements(input)])}</xml>`;
}

function bodyElements(input: Exclude<WecomEventInput, { kind: 'unknown' }>): Array<[string, XmlValue]> {
  switch (input.kind) {
    case 'change_external_contact':
      return [
        ['FailReason', input.failReason],
        ['UserID', input.userId],
        ['ExternalUserID', input.externalUserId],
        ['State', input.state],
        ['WelcomeCode', input.welcomeCode],
        ['Source', input.source],
      ];
    case 'change_external_chat':
      return [
        ['ChatId', input.chatId],
        ['UpdateDetail', input.updateDetail],
        ['JoinScene', input.joinScene],
        ['QuitScene', input.quitScene],
        ['MemChangeCnt', input.memChangeCnt],
        ['MemChangeList', input.memChangeList && { Item: input.memChangeList }],
        ['LastMemVer', input.lastMemVer],
        ['CurMemVer', input.curMemVer],
      ];
    case 'change_external_tag':
      return [
        ['Id', input.id],
        ['TagType', input.tagType],
        ['StrategyId', input.strategyId],
      ];
    case 'change_contact':
      return contactElements(input);
    case 'customer_acquisition':
      return [
        ['UserID', input.userId],
        ['ExternalUserID', input.externalUserId],
        ['LinkId', input.linkId],
        ['State', input.state],
        ['ChatSeq', input.chatSeq],
        ['ChatKey', input.chatKey],
      ];
  }
}

function contactElements(input: DistributiveOmit<ContactEvent, 'fromUserName' | 'createTime'>): Array<[string, XmlValue]> {
  switch (input.changeType) {
    case 'create_user':
    case 'update_user':
    case 'delete_user':
      return [
        ['UserID', input.userId],
        ['NewUserID', input.newUserId],
        ['Name', input.name],
        ['Department', input.department?.join(',')],
        ['MainDepartment', input.mainDepartment],
        ['IsLeaderInDept', input.isLeaderInDept?.join(',')],
        ['DirectLeader', input.directLeader?.join(',')],
        ['Position', input.position],
        ['Mobile', input.mobile],
        ['Gender', input.gender],
        ['Email', input.email],
        ['BizMail', input.bizMail],
        ['Status', input.status],
        ['Avatar', input.avatar],
        ['Alias', input.alias],
        ['Telephone', input.telephone],
        ['Address', input.address],
        [
          'ExtAttr',
          input.extAttr && {
            Item: input.extAttr.map((attribute) => ({
              Name: attribute.name,
              Type: attribute.type,
              Text: attribute.text && { Value: attribute.text.value },
              Web: attribute.web && { Title: attribute.web.title, Url: attribute.web.url },
            })),
          },
        ],
      ];
    case 'create_party':
    case 'update_party':
    case 'delete_party':
      return [
        ['Id', input.id],
        ['Name', input.name],
        ['ParentId', input.parentId],
        ['Order', input.order],
      ];
    case 'update_tag':
      return [
        ['TagId', input.tagId],
        ['AddUserItems', input.addUserItems?.join(',')],
        ['DelUserItems', input.delUserItems?.join(',')],
        ['AddPartyItems', input.addPartyItems?.join(',')],
        ['DelPartyItems', input.delPartyItems?.join(',')],
      ];
  }
}

function serialize(elements: Array<[string, XmlValue]>): string {
  return elements.map(([name, value]) => element(name, value)).join('');
}

function element(name: string, value: XmlValue): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.map((entry) => element(name, entry)).join('');
  if (typeof value === 'number') return `<${name}>${value}</${name}>`;
  if (typeof value === 'object') return `<${name}>${serialize(Object.entries(value))}</${name}>`;
  return `<${name}>${cdata(value)}</${name}>`;
}

/** `]]>` cannot appear inside CDATA: split it across two sections. */
function cdata(value: string): string {
  return `<![CDATA[${value.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
}
