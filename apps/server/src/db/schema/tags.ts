import { bigint, index, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { audit, id, isDel, ref, time } from './columns.ts';

/** corp: a WeCom corp customer tag (企业标签, WeCom is the authority); self: an SCRM tag (自建标签, stored only here). */
export type TagType = 'corp' | 'self';

/**
 * A tag group (标签组). Corp groups mirror WeCom's (`wecomGroupId`); a group deleted in WeCom or here keeps
 * its row, flagged deleted, so records that point at it still have a name.
 */
export const tagGroup = pgTable(
  'tag_group',
  {
    id: id(),
    type: text().$type<TagType>().notNull(),
    /** WeCom's group_id (corp groups). */
    wecomGroupId: text(),
    name: text().notNull(),
    /** WeCom's order: larger comes first, [0, 2^32). */
    orderNum: bigint({ mode: 'number' }).notNull().default(0),
    /** WeCom's create_time (corp groups). */
    createTime: time(),
    /**
     * Corp groups: the database time at which the WeCom state this copy reflects was read. A copy read
     * earlier never overwrites it (late or out-of-order callbacks, a slow sync).
     */
    syncedAt: time(),
    isDel: isDel(),
    ...audit,
  },
  (t) => [
    uniqueIndex('tag_group_wecom_group_id_uq').on(t.wecomGroupId),
    index('tag_group_type_idx').on(t.type, t.orderNum).where(sql`is_del = 0`),
  ],
);

/** A tag (标签) of a group; corp tags mirror WeCom's (`wecomTagId`). Deleted ones keep their row, flagged. */
export const tag = pgTable(
  'tag',
  {
    id: id(),
    groupId: ref().notNull(),
    type: text().$type<TagType>().notNull(),
    /** WeCom's tag id (corp tags). */
    wecomTagId: text(),
    name: text().notNull(),
    orderNum: bigint({ mode: 'number' }).notNull().default(0),
    createTime: time(),
    isDel: isDel(),
    ...audit,
  },
  (t) => [
    uniqueIndex('tag_wecom_tag_id_uq').on(t.wecomTagId),
    index('tag_group_id_idx').on(t.groupId).where(sql`is_del = 0`),
    index('tag_type_idx').on(t.type).where(sql`is_del = 0`),
  ],
);

/**
 * A tag on a customer (客户打标签): on one customer–employee relation (`userid` = the employee's WeCom
 * userid), or, for SCRM tags, on the customer as a whole (`userid` = ''). Corp tags follow WeCom's
 * follow_user tags; only live tags have rows.
 */
export const customerTag = pgTable(
  'customer_tag',
  {
    id: id(),
    externalUserid: text().notNull(),
    userid: text().notNull().default(''),
    tagId: ref().notNull(),
    tagType: text().$type<TagType>().notNull(),
    ctime: time().notNull().defaultNow(),
    cuser: text(),
  },
  (t) => [
    uniqueIndex('customer_tag_uq').on(t.externalUserid, t.userid, t.tagId),
    index('customer_tag_tag_id_idx').on(t.tagId, t.externalUserid),
  ],
);
