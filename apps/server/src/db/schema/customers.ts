import { bigint, index, integer, jsonb, pgTable, smallint, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { audit, id, ref, time } from './columns.ts';

/** A WeCom external contact (客户), as WeCom last described it. Never deleted: relations keep history. */
export const customer = pgTable(
  'customer',
  {
    id: id(),
    externalUserid: text().notNull(),
    name: text().notNull().default(''),
    avatar: text(),
    /** 1 WeChat user, 2 WeCom user. */
    type: smallint().notNull().default(1),
    /** 0 unknown, 1 male, 2 female. */
    gender: smallint().notNull().default(0),
    unionid: text(),
    corpName: text(),
    corpFullName: text(),
    position: text(),
    /** external_profile.external_attr as WeCom sends it. */
    externalProfile: jsonb(),
    /** When the stored copy was last refreshed from WeCom. */
    syncedAt: time(),
    ...audit,
  },
  (t) => [
    uniqueIndex('customer_external_userid_uq').on(t.externalUserid),
    // Substring search (ILIKE '%keyword%') on the name; pg_trgm can use it for keywords of 3+ characters.
    index('customer_name_trgm_idx').using('gin', t.name.op('gin_trgm_ops')),
    // Its 1- and 2-character substrings (text_grams, migration 0011) for the shorter keywords trigrams cannot serve.
    // A small pending list: every search reads all of it, and at the default 4 MB that cost a few ms per lookup.
    index('customer_name_grams_idx').using('gin', sql`text_grams(${t.name})`).with({ gin_pending_list_limit: 64 }),
  ],
);

/**
 * A follow relation (客户员工关联关系): one employee (WeCom userid) serving one customer for one period.
 * A relation that ends stays as history with when and why it ended; a later re-add is a new row, so at most
 * one row per (customer, employee) is active.
 */
export const customerRelation = pgTable(
  'customer_relation',
  {
    id: id(),
    externalUserid: text().notNull(),
    /** The employee's WeCom userid. */
    userid: text().notNull(),
    remark: text().notNull().default(''),
    description: text().notNull().default(''),
    remarkCorpName: text().notNull().default(''),
    remarkMobiles: jsonb().$type<string[]>().notNull().default([]),
    /** WeCom's 来源 (0 unknown, 1 QR code, 2 mobile search, … 16 acquisition link, 201, 202). */
    addWay: integer().notNull().default(0),
    /** The contact way's state or the acquisition link's customer_channel; '' when none. */
    state: text().notNull().default(''),
    operUserid: text().notNull().default(''),
    /** When the employee added the customer (WeCom's createtime). */
    createtime: time().notNull(),
    /** Corp tag ids on this relation, as WeCom last reported them. */
    tagIds: jsonb().$type<string[]>().notNull().default([]),
    /** Tag names/groups/types as externalcontact/get reported them (null when only ids are known). */
    tags: jsonb().$type<Array<{ groupName: string; tagName: string; tagId?: string; type: number }>>(),
    wechatChannels: jsonb().$type<{ nickname: string; source: number }>(),
    /** active; lost (the relation ended); transferred (moved to another employee by an on-the-job transfer). */
    status: text().$type<'active' | 'lost' | 'transferred'>().notNull().default('active'),
    /** When the relation ended (lost or transferred). */
    lostAt: time(),
    /** Who ended it: customer (del_follow_user), employee (del_external_contact); null when found by a sync. */
    lostBy: text().$type<'customer' | 'employee'>(),
    /**
     * Awaiting 离职继承: the employee left the corp (change_contact delete_user, or the org mirror after a sync)
     * while the relation stays in WeCom until it is inherited (get_unassigned_list). Such a relation stays active,
     * never lost; null while the employee is in the corp.
     */
    unassignedSince: time(),
    /** Why an on-the-job transfer into this relation failed (transfer_fail), if it did. */
    transferFailReason: text(),
    /**
     * An on-the-job transfer SCRM asked WeCom for, not settled yet (WeCom settles it within 24 h): the takeover
     * employee's userid, shown as pending at once; cleared when it settles (result poll or callback).
     */
    transferTo: text(),
    transferRequestedAt: time(),
    // Acquisition attribution, filled by the acquisition module.
    channelId: ref(),
    channelLinkId: text(),
    channelQrId: ref(),
    ...audit,
  },
  (t) => [
    uniqueIndex('customer_relation_active_uq').on(t.externalUserid, t.userid).where(sql`status = 'active'`),
    index('customer_relation_external_userid_idx').on(t.externalUserid),
    // Scanned backwards for the pages' newest-first order (createtime DESC, id DESC) and export keysets.
    index('customer_relation_userid_createtime_idx').on(t.userid, t.createtime, t.id),
    index('customer_relation_createtime_idx').on(t.createtime, t.id),
    index('customer_relation_lost_at_idx').on(t.lostAt).where(sql`lost_at IS NOT NULL`),
    index('customer_relation_state_idx').on(t.state, t.createtime),
    // The page's keyword matches the remark as well as the customer's name (see customer_name_trgm_idx).
    index('customer_relation_remark_trgm_idx').using('gin', t.remark.op('gin_trgm_ops')),
    index('customer_relation_remark_grams_idx').using('gin', sql`text_grams(${t.remark})`).with({ gin_pending_list_limit: 64 }),
  ],
);

/**
 * How many relations each employee has (any status), kept by statement triggers on customer_relation (migration
 * 0034): 客户列表 opens with no filter, and its exact total over a million relations is then a sum over the
 * employees in the caller's scope instead of a count of every relation.
 */
export const customerRelationTally = pgTable('customer_relation_tally', {
  userid: text().primaryKey(),
  relations: integer().notNull().default(0),
});

/**
 * The number of relations in all, in 64 shards (migration 0039): an all-scope caller's 客户列表 total is a sum over
 * these instead of over every employee's tally (2,000 rows: 0.17 ms of the page's 0.75 ms in the database). Each
 * statement adds its change to its own connection's shard, so concurrent writers rarely wait on one another.
 */
export const customerRelationTotal = pgTable('customer_relation_total', {
  shard: smallint().primaryKey(),
  relations: bigint({ mode: 'number' }).notNull().default(0),
});
