import { bigint, boolean, index, integer, jsonb, pgTable, primaryKey, smallint, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { audit, id, isDel, ref, time } from './columns.ts';

/** 获客渠道: where customers come from (an ad platform, a web page, an event…), to group links and QR codes. */
export const acqChannel = pgTable(
  'acq_channel',
  {
    id: id(),
    name: text().notNull(),
    channelType: text().notNull().default(''),
    remark: text().notNull().default(''),
    orderNum: integer().notNull().default(0),
    /** 0 enabled, 1 disabled. */
    status: smallint().notNull().default(0),
    isDel: isDel(),
    ...audit,
  },
  (t) => [index('acq_channel_type_idx').on(t.channelType).where(sql`is_del = 0`)],
);

export type GetType = 'link' | 'qr';

/**
 * An acquisition link (获客链接, WeCom customer_acquisition link) or a channel QR code (渠道活码, WeCom
 * 「联系我」 contact way): both have allocation rules, tags, a welcome message and counters, so they share one
 * table, told apart by `getType`. `linkId` is WeCom's link_id (links) or config_id (QR codes) of the main,
 * multi-person link / QR; `url` its URL (link URL with customer_channel, or the QR image URL).
 */
export const acqLink = pgTable(
  'acq_link',
  {
    id: id(),
    getType: text().$type<GetType>().notNull(),
    linkName: text().notNull().default(''),
    channelId: ref(),
    channelType: text(),
    /** weight | round | default (WeCom allocates through the main link). */
    allocationMethod: text().notNull().default('default'),
    userList: jsonb().$type<string[]>().notNull().default([]),
    departmentList: jsonb().$type<string[]>().notNull().default([]),
    /** Names and positions of userList, filled from the employee mirror on save. */
    userJson: jsonb().$type<Array<{ userid: string; name: string; position: string }>>().notNull().default([]),
    priorityType: integer(),
    priorityUseridList: jsonb().$type<string[]>().notNull().default([]),
    /** 'true' / 'false' as the seed sends it. */
    skipVerify: text().notNull().default('true'),
    /** Corp tag ids (WeCom tag ids) applied to every customer added. */
    cstTags: jsonb().$type<string[]>().notNull().default([]),
    isSendWelcome: integer().notNull().default(0),
    welcomeContent: text().notNull().default(''),
    /** Media library ids, at most 9: the welcome message's attachments. */
    mediaIds: jsonb().$type<number[]>().notNull().default([]),
    /** QR codes: 1 single employee, 2 several (WeCom contact way type). */
    qrType: integer(),
    /** Our state for the main link / QR (customer_channel / contact way state); unique. */
    state: text().notNull(),
    /** 0 draft, 1 published, 2 WeCom error (see statusReason). */
    status: integer().notNull().default(0),
    statusReason: text(),
    linkId: text(),
    url: text(),
    /** The bare WeCom link URL (without customer_channel). */
    wecomUrl: text(),
    createTime: time(),
    /**
     * Userids currently taken out of the main link's range on WeCom by range upkeep (at a limit or outside
     * working hours); the range on WeCom is userList minus these.
     */
    suspendedUsers: jsonb().$type<string[]>().notNull().default([]),
    /**
     * The one employee the main link / QR code leads to on WeCom while it follows a `weight` / `round` method
     * (the routing sequence's pick held for it, acq_round.mainRuleId); null when the range is userList minus
     * suspendedUsers.
     */
    mainUserid: text(),
    addFriendCount: integer().notNull().default(0),
    openProfileCount: integer().notNull().default(0),
    statsSyncedAt: time(),
    isDel: isDel(),
    ...audit,
  },
  (t) => [
    uniqueIndex('acq_link_state_uq').on(t.state),
    index('acq_link_type_idx').on(t.getType, t.id).where(sql`is_del = 0`),
    index('acq_link_link_id_idx').on(t.linkId),
  ],
);

/**
 * An allocation rule (QlCustGetAllocationRule): one employee of a link or QR code, with its own single-person
 * WeCom sub-link / contact way (`configLinkId`, `linkUrl` / `qrCode`) and its own `state`.
 */
export const acqRule = pgTable(
  'acq_rule',
  {
    id: id(),
    acqLinkId: ref().notNull(),
    orderNum: integer().notNull().default(0),
    getType: text().$type<GetType>().notNull(),
    userId: text().notNull().default(''),
    weight: integer().notNull().default(0),
    dailyLimit: integer().notNull().default(0),
    roundLimit: integer().notNull().default(0),
    workingHours: text().notNull().default(''),
    state: text().notNull(),
    configLinkId: text(),
    linkUrl: text(),
    qrCode: text(),
    isDel: isDel(),
    ...audit,
  },
  (t) => [uniqueIndex('acq_rule_state_uq').on(t.state), index('acq_rule_link_idx').on(t.acqLinkId).where(sql`is_del = 0`)],
);

/**
 * New customers of a rule per local day. `hits` are places handed out by /open/route/hit, `held` places the
 * main link / QR held for the rule (its pick shown on WeCom), `adds` the customers WeCom reported; the day's
 * count is greatest(hits + held, adds) (a place is reserved, the add it leads to fills it without counting
 * twice, adds the main link got beyond its held places count too).
 */
export const acqRuleDay = pgTable(
  'acq_rule_day',
  {
    ruleId: ref().notNull(),
    day: text().notNull(),
    hits: integer().notNull().default(0),
    held: integer().notNull().default(0),
    adds: integer().notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.ruleId, t.day] })],
);

/**
 * The routing sequence of a link, shared by /open/route/hit and the main link / QR code; its row is locked
 * for each step, so replicas take turns. `round`: the current round and per rule how many it received in it;
 * `weight`: the smooth weighted round robin's current weights. `mainRuleId`: the pick held for the main link
 * / QR (taken from the sequence, with a place on `mainDay`), used by the next customer added through it.
 */
export const acqRound = pgTable('acq_round', {
  acqLinkId: ref().primaryKey(),
  round: integer().notNull().default(1),
  /** rule id → customers in the current round. */
  counts: jsonb().$type<Record<string, number>>().notNull().default({}),
  /** rule id → current weight (smooth weighted round robin). */
  current: jsonb().$type<Record<string, number>>().notNull().default({}),
  mainRuleId: ref(),
  mainDay: text(),
});

/**
 * One customer added through a link, QR code or rule (from add_external_contact): counted once per event,
 * with what was done for them (tags, welcome message).
 */
export const acqAdd = pgTable(
  'acq_add',
  {
    id: id(),
    /** The wx_event row: a redelivered or retried event counts once. */
    eventId: ref().notNull(),
    acqLinkId: ref().notNull(),
    ruleId: ref(),
    externalUserid: text().notNull(),
    userid: text().notNull(),
    state: text().notNull(),
    day: text().notNull(),
    welcomeCode: text(),
    /** sent | skipped | failed | already_sent | none */
    welcomeStatus: text(),
    welcomeError: text(),
    /** marked | failed | none */
    tagStatus: text(),
    tagError: text(),
    /** Added through the main link / QR of a `weight` / `round` link, not yet taken into its routing sequence. */
    mainPending: boolean().notNull().default(false),
    ctime: time().notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('acq_add_event_uq').on(t.eventId),
    index('acq_add_link_idx').on(t.acqLinkId, t.ctime),
    index('acq_add_main_pending_idx').on(t.acqLinkId).where(sql`main_pending`),
  ],
);

/**
 * What was sent for a welcome code (send_welcome_msg may be called once): written before returning from the
 * event's fetch step, so a retried event does not send twice.
 */
export const acqWelcome = pgTable('acq_welcome', {
  welcomeCode: text().primaryKey(),
  status: text().notNull(),
  error: text(),
  ctime: time().notNull().defaultNow(),
});

/** 临时素材: the media library. Files live under DATA_DIR (a link's file is its cover image); the WeCom media_ids are fetched when needed. */
export const acqMedia = pgTable(
  'acq_media',
  {
    id: id(),
    /** text | image | link | miniprogram | video | file */
    type: text().notNull(),
    /** 1 customer, 2 group chat, 3 app message. */
    scope: smallint().notNull().default(1),
    title: text().notNull().default(''),
    content: text().notNull().default(''),
    fileKey: text(),
    fileName: text(),
    fileSize: bigint({ mode: 'number' }),
    mime: text(),
    linkUrl: text(),
    linkDesc: text(),
    picUrl: text(),
    appid: text(),
    page: text(),
    wecomMediaId: text(),
    wecomMediaAt: time(),
    /**
     * The file uploaded with media/upload_attachment for customer moments (attachment_type 1; API-FACTS-OPERATIONS
     * §18.1): a media_id of its own, not media/upload's, valid 3 days from wecomAttachmentAt. A link's file is its cover.
     */
    wecomAttachmentId: text(),
    wecomAttachmentAt: time(),
    isDel: isDel(),
    ...audit,
  },
  (t) => [index('acq_media_type_idx').on(t.type, t.scope).where(sql`is_del = 0`)],
);

/** 加群二维码: a WeCom 「加入群聊」 join way. */
export const acqJoinWay = pgTable(
  'acq_join_way',
  {
    id: id(),
    name: text().notNull().default(''),
    remark: text().notNull().default(''),
    scene: smallint().notNull().default(2),
    autoCreateRoom: smallint().notNull().default(1),
    roomBaseName: text(),
    roomBaseId: integer(),
    chatIdList: jsonb().$type<string[]>().notNull().default([]),
    channelId: ref(),
    state: text().notNull(),
    configId: text(),
    qrCode: text(),
    status: integer().notNull().default(0),
    statusReason: text(),
    isDel: isDel(),
    ...audit,
  },
  (t) => [uniqueIndex('acq_join_way_state_uq').on(t.state)],
);

/** 小程序推广链接: a mini-program page with our state in its query, per channel. */
export const acqMiniLink = pgTable(
  'acq_mini_link',
  {
    id: id(),
    name: text().notNull(),
    channelType: text().notNull().default(''),
    channelId: ref(),
    appid: text().notNull(),
    page: text().notNull(),
    query: text().notNull().default(''),
    state: text().notNull(),
    remark: text().notNull().default(''),
    isDel: isDel(),
    ...audit,
  },
  (t) => [uniqueIndex('acq_mini_link_state_uq').on(t.state), index('acq_mini_link_channel_idx').on(t.channelType, t.channelId)],
);

/** A third-party app of the open API: key + secret (HMAC-SHA256 signatures), per-app rate limit. */
export const openApp = pgTable(
  'open_app',
  {
    id: id(),
    name: text().notNull(),
    appKey: text().notNull(),
    /** The signing secret itself (HMAC needs it); never returned except once when created or rotated. */
    secret: text().notNull(),
    /** Requests per minute. */
    rateLimit: integer().notNull().default(600),
    /** 0 enabled, 1 disabled. */
    status: smallint().notNull().default(0),
    remark: text().notNull().default(''),
    lastUsedAt: time(),
    isDel: isDel(),
    ...audit,
  },
  (t) => [uniqueIndex('open_app_key_uq').on(t.appKey)],
);

/** Nonces seen from open API callers, until their timestamp leaves the accepted window. */
export const openNonce = pgTable(
  'open_nonce',
  {
    appKey: text().notNull(),
    nonce: text().notNull(),
    expiresAt: time().notNull(),
  },
  (t) => [primaryKey({ columns: [t.appKey, t.nonce] }), index('open_nonce_expires_idx').on(t.expiresAt)],
);

/** Open API rate-limit counters (rate-limiter-flexible's Drizzle store) when no Redis is configured. */
export const openRateLimit = pgTable('open_rate_limit', {
  key: text().primaryKey(),
  points: integer().notNull(),
  expire: timestamp({ withTimezone: true, mode: 'date' }),
});
