// Writes that mirror WeCom: batched upserts of customers and relations (sync and events), and ending
// relations. Each batch is one statement over a JSON array (jsonb_to_recordset), so a batch of thousands
// of rows is one round trip and needs no parameter-count juggling.
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/database.ts';
import type { CustomerRow, RelationRow } from './wecom-mapping.ts';
import { replaceRelationsCorpTags } from '../tags/customer-tag.repository.ts';

type Row = Record<string, unknown>;

function lastByKey<T>(items: T[], key: (item: T) => string): T[] {
  const map = new Map<string, T>();
  for (const item of items) map.set(key(item), item);
  // A stable order keeps concurrent batches from locking the same rows in opposite orders.
  return [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, item]) => item);
}

export function createCustomerWriteRepository(db: DbOrTx) {
  return {
    /** The database's clock, for comparisons with row times the database wrote. */
    async databaseNow(): Promise<Date> {
      const result = await db.execute<{ now: Date }>(sql`SELECT clock_timestamp() AS now`);
      return new Date(result.rows[0].now);
    },

    /** Inserts or refreshes customers (by external_userid). */
    async upsertCustomers(customers: CustomerRow[], syncedAt: Date, tx: DbOrTx = db): Promise<void> {
      if (customers.length === 0) return;
      const rows = lastByKey(customers, (row) => row.externalUserid).map((row) => ({
        external_userid: row.externalUserid,
        name: row.name,
        avatar: row.avatar,
        type: row.type,
        gender: row.gender,
        unionid: row.unionid,
        corp_name: row.corpName,
        corp_full_name: row.corpFullName,
        position: row.position,
        external_profile: row.externalProfile,
      }));
      await tx.execute(sql`
        INSERT INTO customer AS t (external_userid, name, avatar, type, gender, unionid, corp_name, corp_full_name, position, external_profile, synced_at, cuser, muser)
        SELECT x.external_userid, x.name, x.avatar, x.type, x.gender, x.unionid, x.corp_name, x.corp_full_name, x.position, x.external_profile,
               ${syncedAt.toISOString()}::timestamptz, 'wecom', 'wecom'
        FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(external_userid text, name text, avatar text, type smallint, gender smallint,
             unionid text, corp_name text, corp_full_name text, position text, external_profile jsonb)
        ON CONFLICT (external_userid) DO UPDATE SET
          name = EXCLUDED.name, avatar = EXCLUDED.avatar, type = EXCLUDED.type, gender = EXCLUDED.gender, unionid = EXCLUDED.unionid,
          corp_name = EXCLUDED.corp_name, corp_full_name = EXCLUDED.corp_full_name, position = EXCLUDED.position,
          external_profile = EXCLUDED.external_profile, synced_at = EXCLUDED.synced_at, mtime = now(), muser = 'wecom'`);
    },

    /**
     * Inserts or refreshes active relations (by customer and employee). A relation that had ended gets a new
     * row: the ended one stays as history. Every row written gets mtime = now(), which the full sync uses to
     * tell seen relations from gone ones. `current`: the full sync, which lists only employees in the corp, so a
     * relation it sees is no longer awaiting inheritance (an employee back in the corp); a callback's
     * externalcontact/get lists departed employees' relations too and leaves that as it was.
     */
    async upsertRelations(relations: RelationRow[], tx: DbOrTx = db, options: { current?: boolean } = {}): Promise<void> {
      if (relations.length === 0) return;
      const rows = lastByKey(relations, (row) => `${row.externalUserid}\u0000${row.userid}`).map((row) => ({
        external_userid: row.externalUserid,
        userid: row.userid,
        remark: row.remark,
        description: row.description,
        remark_corp_name: row.remarkCorpName,
        remark_mobiles: row.remarkMobiles,
        add_way: row.addWay,
        state: row.state,
        oper_userid: row.operUserid,
        createtime: row.createtime,
        tag_ids: row.tagIds,
        tags: row.tags,
        wechat_channels: row.wechatChannels,
      }));
      await tx.execute(sql`
        INSERT INTO customer_relation AS t (external_userid, userid, remark, description, remark_corp_name, remark_mobiles, add_way, state,
             oper_userid, createtime, tag_ids, tags, wechat_channels, status, cuser, muser)
        SELECT x.external_userid, x.userid, x.remark, x.description, x.remark_corp_name, x.remark_mobiles, x.add_way, x.state,
               x.oper_userid, to_timestamp(x.createtime), x.tag_ids, x.tags, x.wechat_channels, 'active', 'wecom', 'wecom'
        FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(external_userid text, userid text, remark text, description text,
             remark_corp_name text, remark_mobiles jsonb, add_way int, state text, oper_userid text, createtime bigint, tag_ids jsonb,
             tags jsonb, wechat_channels jsonb)
        ON CONFLICT (external_userid, userid) WHERE status = 'active' DO UPDATE SET
          remark = EXCLUDED.remark, description = EXCLUDED.description, remark_corp_name = EXCLUDED.remark_corp_name,
          remark_mobiles = EXCLUDED.remark_mobiles, add_way = EXCLUDED.add_way, state = EXCLUDED.state, oper_userid = EXCLUDED.oper_userid,
          createtime = EXCLUDED.createtime, tag_ids = EXCLUDED.tag_ids,
          tags = CASE WHEN EXCLUDED.tags IS NOT NULL THEN EXCLUDED.tags WHEN EXCLUDED.tag_ids = t.tag_ids THEN t.tags END,
          wechat_channels = EXCLUDED.wechat_channels, unassigned_since = ${options.current ? sql`NULL` : sql`t.unassigned_since`}, mtime = now(), muser = 'wecom'`);
      // Their corp tags, in the tags module's customer_tag (tag filters and counts, SCRM tags beside them).
      await replaceRelationsCorpTags(tx, rows.map((row) => ({ externalUserid: row.external_userid, userid: row.userid, tagIds: row.tag_ids })));
    },

    /** The active relation of a customer and an employee as stored (before a callback rewrites it: what changed). */
    async activeRelation(key: { externalUserid: string; userid: string }, tx: DbOrTx = db) {
      const result = await tx.execute<Row>(sql`
        SELECT remark, description, remark_mobiles, tag_ids, tags, createtime FROM customer_relation
        WHERE external_userid = ${key.externalUserid} AND userid = ${key.userid} AND status = 'active'`);
      const row = result.rows[0];
      if (!row) return undefined;
      return {
        remark: row.remark as string,
        description: row.description as string,
        remarkMobiles: (row.remark_mobiles as string[]) ?? [],
        tagIds: (row.tag_ids as string[]) ?? [],
        tags: row.tags as Array<{ groupName: string; tagName: string; tagId?: string; type: number }> | null,
        createtime: new Date(row.createtime as string),
      };
    },

    /**
     * Ends the active relation of a customer and an employee (idempotent: nothing happens when none is
     * active). The end time is never before the relation began.
     */
    async endRelation(
      key: { externalUserid: string; userid: string },
      end: { status: 'lost' | 'transferred'; lostBy: 'customer' | 'employee' | null; at: Date },
      tx: DbOrTx = db,
    ): Promise<number> {
      const result = await tx.execute<Row>(sql`
        UPDATE customer_relation SET status = ${end.status}, lost_at = GREATEST(${end.at.toISOString()}::timestamptz, createtime),
          lost_by = ${end.lostBy}, mtime = now(), muser = 'wecom'
        WHERE external_userid = ${key.externalUserid} AND userid = ${key.userid} AND status = 'active'
          AND createtime <= ${end.at.toISOString()}::timestamptz
        RETURNING id`);
      return result.rows.length;
    },

    /**
     * A loss a sync found first (side unknown) learns its side from the late callback; the event's time is
     * the better time of the loss too.
     */
    async attributeLoss(key: { externalUserid: string; userid: string }, lostBy: 'customer' | 'employee', at: Date, tx: DbOrTx = db): Promise<number> {
      const result = await tx.execute<Row>(sql`
        UPDATE customer_relation SET lost_by = ${lostBy}, lost_at = GREATEST(${at.toISOString()}::timestamptz, createtime), mtime = now(), muser = 'wecom'
        WHERE id = (SELECT id FROM customer_relation WHERE external_userid = ${key.externalUserid} AND userid = ${key.userid}
                    ORDER BY createtime DESC, id DESC LIMIT 1)
          AND status = 'lost' AND lost_by IS NULL
        RETURNING id`);
      return result.rows.length;
    },

    async recordTransferFailure(externalUserid: string, exceptUserid: string, reason: string, tx: DbOrTx = db): Promise<void> {
      await tx.execute(sql`UPDATE customer_relation SET transfer_fail_reason = ${reason}, mtime = now(), muser = 'wecom'
        WHERE external_userid = ${externalUserid} AND userid <> ${exceptUserid} AND status = 'active'`);
    },

    /**
     * The end of a full sync: active relations of the employees it listed (`followUserids`) that no write has
     * touched since the sync started are ones WeCom no longer has. They are marked lost (side unknown), never
     * deleted. Relations of employees the sync did not list (departed: awaiting inheritance, or without 客户联系)
     * still exist in WeCom and are left alone.
     */
    async markUnseenLost(syncStartedAt: Date, lostAt: Date, followUserids: string[], tx: DbOrTx = db): Promise<number> {
      const result = await tx.execute<Row>(sql`
        UPDATE customer_relation SET status = 'lost', lost_at = GREATEST(${lostAt.toISOString()}::timestamptz, createtime), lost_by = NULL,
          mtime = now(), muser = 'wecom-sync'
        WHERE status = 'active' AND mtime < ${syncStartedAt.toISOString()}::timestamptz
          AND userid IN (SELECT jsonb_array_elements_text(${JSON.stringify(followUserids)}::jsonb))`);
      return result.rowCount ?? 0;
    },

    /** Employees with active relations other than these (the ones a full sync did not list). */
    async activeUseridsExcept(userids: string[], tx: DbOrTx = db): Promise<string[]> {
      const result = await tx.execute<{ userid: string }>(sql`
        SELECT DISTINCT userid FROM customer_relation
        WHERE status = 'active' AND userid NOT IN (SELECT jsonb_array_elements_text(${JSON.stringify(userids)}::jsonb))`);
      return result.rows.map((row) => row.userid);
    },

    /** The active relations of employees who left the corp await inheritance from when they left (idempotent). */
    async markUnassigned(departures: Array<{ userid: string; at: Date }>, tx: DbOrTx = db): Promise<number> {
      if (departures.length === 0) return 0;
      const rows = departures.map((departure) => ({ userid: departure.userid, at: departure.at.toISOString() }));
      const result = await tx.execute<Row>(sql`
        UPDATE customer_relation AS r SET unassigned_since = x.at, mtime = now(), muser = 'wecom'
        FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(userid text, at timestamptz)
        WHERE r.userid = x.userid AND r.status = 'active' AND r.unassigned_since IS NULL`);
      return result.rowCount ?? 0;
    },
  };
}

export type CustomerWriteRepository = ReturnType<typeof createCustomerWriteRepository>;
