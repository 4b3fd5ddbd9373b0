// Tag groups and tags (corp and SCRM) and the mirror of WeCom's corp tags. Deleted groups and tags keep
// their rows (is_del = 1); deleting a tag removes it from every customer at once.
import { sql, type SQL } from 'drizzle-orm';
import type { CorpTagGroup } from '@scrm/wecom';
import type { DbOrTx } from '../../platform/db/database.ts';
import type { TagGroupRecord, TagRecord, TagType } from './tags.schemas.ts';

type Row = Record<string, unknown>;

const toDate = (value: unknown): Date => (value instanceof Date ? value : new Date(value as string));
const toDateOrNull = (value: unknown): Date | null => (value === null || value === undefined ? null : toDate(value));
const seconds = (value: number | undefined): string | null => (value ? new Date(value * 1000).toISOString() : null);

/** A JSON array parameter, as a text[] in SQL. */
export const textArray = (values: readonly string[]): SQL => sql`ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(values)}::jsonb))`;
/** A JSON array parameter, as a bigint[] in SQL. */
export const idArray = (values: readonly number[]): SQL => sql`ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(values)}::jsonb)::bigint)`;

const TAG_COLUMNS = sql`t.id, t.type, t.name, t.order_num, t.group_id, g.name AS group_name, t.wecom_tag_id, g.wecom_group_id,
  t.create_time, t.ctime, t.cuser, t.mtime, t.muser`;

function toTagRecord(row: Row): TagRecord {
  return {
    id: Number(row.id),
    type: row.type as TagType,
    name: row.name as string,
    order: Number(row.order_num),
    groupId: Number(row.group_id),
    groupName: row.group_name as string,
    wecomTagId: (row.wecom_tag_id as string | null) ?? null,
    wecomGroupId: (row.wecom_group_id as string | null) ?? null,
    createTime: toDateOrNull(row.create_time),
    ctime: toDate(row.ctime),
    cuser: (row.cuser as string | null) ?? null,
    mtime: toDate(row.mtime),
    muser: (row.muser as string | null) ?? null,
  };
}

function toGroupRecord(row: Row): TagGroupRecord {
  return {
    id: Number(row.id),
    type: row.type as TagType,
    groupName: row.name as string,
    order: Number(row.order_num),
    wecomGroupId: (row.wecom_group_id as string | null) ?? null,
    createTime: toDateOrNull(row.create_time),
    syncedAt: toDateOrNull(row.synced_at),
    tagCount: Number(row.tag_count ?? 0),
    ctime: toDate(row.ctime),
    cuser: (row.cuser as string | null) ?? null,
    mtime: toDate(row.mtime),
    muser: (row.muser as string | null) ?? null,
  };
}

/** A group as stored, with its live tags. */
export interface StoredGroup extends TagGroupRecord {
  isDel: boolean;
  tags: TagRecord[];
}

export function createTagRepository(db: DbOrTx) {
  const rows = async (query: SQL, tx: DbOrTx = db): Promise<Row[]> => (await tx.execute<Row>(query)).rows;

  /**
   * Soft-deletes the tags matching `where` (over `tag`), takes them off every customer; returns what was
   * deleted. Relation rows are written before customer_tag rows, the order the customers module's writes
   * take too (no lock cycles).
   */
  async function deleteTagsWhere(tx: DbOrTx, where: SQL, actor: string): Promise<Array<{ id: number; wecomTagId: string | null }>> {
    const doomed = (await rows(sql`SELECT id, wecom_tag_id FROM tag WHERE is_del = 0 AND ${where} ORDER BY id FOR UPDATE`, tx)).map((row) => ({
      id: Number(row.id),
      wecomTagId: (row.wecom_tag_id as string | null) ?? null,
    }));
    if (doomed.length === 0) return [];
    const wecomIds = doomed.map((tag) => tag.wecomTagId).filter((id): id is string => id !== null);
    // Customer relations carry WeCom's tag ids too (customers module): a deleted corp tag leaves them as well,
    // as it leaves the relations in WeCom. Their mtime stays: the customer sync reads it.
    if (wecomIds.length) {
      await tx.execute(sql`UPDATE customer_relation SET
          tag_ids = (SELECT COALESCE(jsonb_agg(e), '[]'::jsonb) FROM jsonb_array_elements(tag_ids) e WHERE NOT (e #>> '{}') = ANY(${textArray(wecomIds)})),
          tags = CASE WHEN tags IS NULL THEN NULL ELSE
            (SELECT COALESCE(jsonb_agg(e), '[]'::jsonb) FROM jsonb_array_elements(tags) e WHERE NOT COALESCE(e ->> 'tagId', '') = ANY(${textArray(wecomIds)})) END
        WHERE tag_ids ?| ${textArray(wecomIds)}`);
    }
    const ids = idArray(doomed.map((tag) => tag.id));
    await tx.execute(sql`DELETE FROM customer_tag WHERE tag_id = ANY(${ids})`);
    // Leads carry SCRM tags from this same storage (leads module).
    await tx.execute(sql`DELETE FROM lead_tag WHERE tag_id = ANY(${ids})`);
    await tx.execute(sql`UPDATE tag SET is_del = 1, mtime = now(), muser = ${actor} WHERE id = ANY(${ids})`);
    return doomed;
  }

  /** Corp tags just (re)created locally: put them on the relations WeCom already reported them on. */
  async function backfillCorpTags(tx: DbOrTx, wecomTagIds: string[]): Promise<void> {
    if (wecomTagIds.length === 0) return;
    await tx.execute(sql`
      INSERT INTO customer_tag (external_userid, userid, tag_id, tag_type, cuser)
      SELECT r.external_userid, r.userid, t.id, 'corp', 'wecom'
      FROM customer_relation r
      CROSS JOIN LATERAL jsonb_array_elements_text(r.tag_ids) AS w(wecom_tag_id)
      JOIN tag t ON t.wecom_tag_id = w.wecom_tag_id AND t.is_del = 0
      WHERE r.status = 'active' AND r.tag_ids ?| ${textArray(wecomTagIds)} AND w.wecom_tag_id = ANY(${textArray(wecomTagIds)})
      ORDER BY r.external_userid, r.userid, t.id
      ON CONFLICT DO NOTHING`);
  }

  return {
    /** Which of these WeCom tag ids are live corp tags here. */
    async existingCorpTags(tagIds: string[]): Promise<Set<string>> {
      if (!tagIds.length) return new Set();
      const result = await db.execute<{ wecom_tag_id: string }>(
        sql`SELECT wecom_tag_id FROM tag WHERE wecom_tag_id = ANY(${textArray(tagIds)}) AND type = 'corp' AND is_del = 0`,
      );
      return new Set(result.rows.map((row) => row.wecom_tag_id));
    },

    deleteTagsWhere,

    // ---- reads ---------------------------------------------------------------------------------

    /** Live tags of a type (optionally of one group), in display order. */
    async listTags(type: TagType, groupId?: number): Promise<TagRecord[]> {
      return (
        await rows(sql`SELECT ${TAG_COLUMNS} FROM tag t JOIN tag_group g ON g.id = t.group_id
          WHERE t.type = ${type} AND t.is_del = 0 AND g.is_del = 0 ${groupId === undefined ? sql`` : sql`AND t.group_id = ${groupId}`}
          ORDER BY g.order_num DESC, g.id, t.order_num DESC, t.id`)
      ).map(toTagRecord);
    },

    /** Live groups of a type with their live tag counts, in display order. */
    async listGroups(type: TagType): Promise<TagGroupRecord[]> {
      return (
        await rows(sql`SELECT g.*, (SELECT count(*) FROM tag t WHERE t.group_id = g.id AND t.is_del = 0)::int AS tag_count
          FROM tag_group g WHERE g.type = ${type} AND g.is_del = 0 ORDER BY g.order_num DESC, g.id`)
      ).map(toGroupRecord);
    },

    /** A group (deleted ones too) with its live tags; `lock` takes the row lock (FOR UPDATE). */
    async findGroup(id: number, tx: DbOrTx = db, options: { lock?: boolean } = {}): Promise<StoredGroup | undefined> {
      const [row] = await rows(sql`SELECT g.* FROM tag_group g WHERE g.id = ${id} ${options.lock ? sql`FOR UPDATE` : sql``}`, tx);
      if (!row) return undefined;
      const tags = (
        await rows(sql`SELECT ${TAG_COLUMNS} FROM tag t JOIN tag_group g ON g.id = t.group_id WHERE t.group_id = ${id} AND t.is_del = 0
          ORDER BY t.order_num DESC, t.id`, tx)
      ).map(toTagRecord);
      return { ...toGroupRecord({ ...row, tag_count: tags.length }), isDel: Number(row.is_del) === 1, tags };
    },

    /** Live tags by id (with their group), whatever their type. */
    async findTags(ids: readonly number[], tx: DbOrTx = db): Promise<TagRecord[]> {
      if (ids.length === 0) return [];
      return (
        await rows(sql`SELECT ${TAG_COLUMNS} FROM tag t JOIN tag_group g ON g.id = t.group_id
          WHERE t.id = ANY(${idArray(ids)}) AND t.is_del = 0 AND g.is_del = 0`, tx)
      ).map(toTagRecord);
    },

    /** Live corp tags by WeCom tag id (with their group); ids not known here are left out. */
    async findCorpTagsByWecomIds(wecomTagIds: readonly string[], tx: DbOrTx = db): Promise<TagRecord[]> {
      if (wecomTagIds.length === 0) return [];
      return (
        await rows(sql`SELECT ${TAG_COLUMNS} FROM tag t JOIN tag_group g ON g.id = t.group_id
          WHERE t.wecom_tag_id = ANY(${textArray(wecomTagIds)}) AND t.type = 'corp' AND t.is_del = 0 AND g.is_del = 0`, tx)
      ).map(toTagRecord);
    },

    /** Live group names of a type, other than `exceptId`, equal to `name`. */
    async groupNameTaken(type: TagType, name: string, exceptId?: number, tx: DbOrTx = db): Promise<boolean> {
      return (await rows(sql`SELECT 1 FROM tag_group WHERE type = ${type} AND is_del = 0 AND name = ${name}
        ${exceptId === undefined ? sql`` : sql`AND id <> ${exceptId}`} LIMIT 1`, tx)).length > 0;
    },

    /** The WeCom group id a WeCom tag or group id belongs to, as stored (deleted ones too). */
    async storedWecomGroupOf(wecomId: string): Promise<string | null> {
      const [row] = await rows(sql`SELECT wecom_group_id FROM tag_group WHERE wecom_group_id = ${wecomId}
        UNION ALL SELECT g.wecom_group_id FROM tag t JOIN tag_group g ON g.id = t.group_id WHERE t.wecom_tag_id = ${wecomId} LIMIT 1`);
      return (row?.wecom_group_id as string | undefined) ?? null;
    },

    async findTagGroupIdByWecomId(wecomGroupId: string): Promise<number | undefined> {
      const [row] = await rows(sql`SELECT id FROM tag_group WHERE wecom_group_id = ${wecomGroupId} AND is_del = 0`);
      return row ? Number(row.id) : undefined;
    },

    /** The database clock: WeCom reads are stamped with it, so every replica compares the same times. */
    async databaseNow(): Promise<Date> {
      const [row] = await rows(sql`SELECT clock_timestamp() AS now`);
      return toDate(row.now);
    },

    // ---- writes (SCRM tags, and corp tags WeCom accepted) ---------------------------------------

    async insertGroup(tx: DbOrTx, values: { type: TagType; name: string; order: number; actor: string }): Promise<number> {
      const [row] = await rows(sql`INSERT INTO tag_group (type, name, order_num, cuser, muser)
        VALUES (${values.type}, ${values.name}, ${values.order}, ${values.actor}, ${values.actor}) RETURNING id`, tx);
      return Number(row.id);
    },

    async updateGroup(tx: DbOrTx, id: number, values: { name?: string; order?: number; actor: string }): Promise<void> {
      const sets: SQL[] = [sql`mtime = now()`, sql`muser = ${values.actor}`];
      if (values.name !== undefined) sets.push(sql`name = ${values.name}`);
      if (values.order !== undefined) sets.push(sql`order_num = ${values.order}`);
      await tx.execute(sql`UPDATE tag_group SET ${sql.join(sets, sql`, `)} WHERE id = ${id}`);
    },

    async insertTags(tx: DbOrTx, groupId: number, type: TagType, tags: Array<{ name: string; order: number }>, actor: string): Promise<void> {
      if (tags.length === 0) return;
      await tx.execute(sql`INSERT INTO tag (group_id, type, name, order_num, cuser, muser)
        SELECT ${groupId}, ${type}, x.name, x.order_num, ${actor}, ${actor}
        FROM jsonb_to_recordset(${JSON.stringify(tags.map((tag) => ({ name: tag.name, order_num: tag.order })))}::jsonb) AS x(name text, order_num bigint)`);
    },

    async updateTag(tx: DbOrTx, id: number, values: { name?: string; order?: number; actor: string }): Promise<void> {
      const sets: SQL[] = [sql`mtime = now()`, sql`muser = ${values.actor}`];
      if (values.name !== undefined) sets.push(sql`name = ${values.name}`);
      if (values.order !== undefined) sets.push(sql`order_num = ${values.order}`);
      await tx.execute(sql`UPDATE tag SET ${sql.join(sets, sql`, `)} WHERE id = ${id}`);
    },

    async deleteTags(tx: DbOrTx, ids: number[], actor: string) {
      return deleteTagsWhere(tx, sql`id = ANY(${idArray(ids)})`, actor);
    },

    /** Deletes groups, their tags with them. */
    async deleteGroups(tx: DbOrTx, ids: number[], actor: string): Promise<void> {
      await tx.execute(sql`UPDATE tag_group SET is_del = 1, mtime = now(), muser = ${actor} WHERE id = ANY(${idArray(ids)}) AND is_del = 0`);
      await deleteTagsWhere(tx, sql`group_id = ANY(${idArray(ids)})`, actor);
    },

    /** Groups (of live tags' groups) left without live tags are deleted too, as WeCom does. */
    async deleteEmptyGroups(tx: DbOrTx, ids: number[], actor: string): Promise<void> {
      await tx.execute(sql`UPDATE tag_group g SET is_del = 1, mtime = now(), muser = ${actor}
        WHERE g.id = ANY(${idArray(ids)}) AND g.is_del = 0 AND NOT EXISTS (SELECT 1 FROM tag t WHERE t.group_id = g.id AND t.is_del = 0)`);
    },

    // ---- the corp mirror ------------------------------------------------------------------------

    /**
     * Makes the stored copy of one WeCom group what WeCom said at `readAt` (null: WeCom no longer has it).
     * A copy read later than `readAt` is kept (returns false). Tags WeCom no longer lists are deleted (and
     * leave every customer); new ones are put on the relations that already carry them.
     */
    async applyCorpGroup(tx: DbOrTx, wecomGroupId: string, group: CorpTagGroup | null, readAt: Date, actor: string): Promise<boolean> {
      const [stored] = await rows(sql`SELECT id, synced_at FROM tag_group WHERE wecom_group_id = ${wecomGroupId} FOR UPDATE`, tx);
      if (stored?.synced_at && toDate(stored.synced_at) > readAt) return false;
      const live = group && !group.deleted ? group : null;
      if (!live) {
        if (!stored) return true;
        await tx.execute(sql`UPDATE tag_group SET is_del = 1, synced_at = ${readAt.toISOString()}::timestamptz,
          mtime = CASE WHEN is_del = 0 THEN now() ELSE mtime END, muser = CASE WHEN is_del = 0 THEN ${actor} ELSE muser END WHERE id = ${stored.id}`);
        await deleteTagsWhere(tx, sql`group_id = ${stored.id}`, actor);
        return true;
      }
      const [saved] = await rows(
        sql`INSERT INTO tag_group AS g (type, wecom_group_id, name, order_num, create_time, synced_at, cuser, muser)
          VALUES ('corp', ${wecomGroupId}, ${live.group_name}, ${live.order ?? 0}, ${seconds(live.create_time)}::timestamptz,
                  ${readAt.toISOString()}::timestamptz, ${actor}, ${actor})
          ON CONFLICT (wecom_group_id) DO UPDATE SET name = EXCLUDED.name, order_num = EXCLUDED.order_num, create_time = EXCLUDED.create_time,
            synced_at = EXCLUDED.synced_at, is_del = 0,
            mtime = CASE WHEN (g.name, g.order_num, g.is_del) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.order_num, 0::smallint) THEN now() ELSE g.mtime END,
            muser = CASE WHEN (g.name, g.order_num, g.is_del) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.order_num, 0::smallint) THEN EXCLUDED.muser ELSE g.muser END
          RETURNING id`,
        tx,
      );
      const groupId = Number(saved.id);
      const tags = live.tag.filter((tag) => !tag.deleted);
      const before = new Set((await rows(sql`SELECT wecom_tag_id FROM tag WHERE group_id = ${groupId} AND is_del = 0`, tx)).map((row) => row.wecom_tag_id as string));
      if (tags.length) {
        const input = tags.map((tag) => ({ wecom_tag_id: tag.id, name: tag.name, order_num: tag.order ?? 0, create_time: seconds(tag.create_time) }));
        await tx.execute(sql`INSERT INTO tag AS t (group_id, type, wecom_tag_id, name, order_num, create_time, cuser, muser)
          SELECT ${groupId}, 'corp', x.wecom_tag_id, x.name, x.order_num, x.create_time, ${actor}, ${actor}
          FROM jsonb_to_recordset(${JSON.stringify(input)}::jsonb) AS x(wecom_tag_id text, name text, order_num bigint, create_time timestamptz)
          ORDER BY x.wecom_tag_id
          ON CONFLICT (wecom_tag_id) DO UPDATE SET group_id = EXCLUDED.group_id, name = EXCLUDED.name, order_num = EXCLUDED.order_num,
            create_time = EXCLUDED.create_time, is_del = 0,
            mtime = CASE WHEN (t.group_id, t.name, t.order_num, t.is_del) IS DISTINCT FROM (EXCLUDED.group_id, EXCLUDED.name, EXCLUDED.order_num, 0::smallint)
              THEN now() ELSE t.mtime END,
            muser = CASE WHEN (t.group_id, t.name, t.order_num, t.is_del) IS DISTINCT FROM (EXCLUDED.group_id, EXCLUDED.name, EXCLUDED.order_num, 0::smallint)
              THEN EXCLUDED.muser ELSE t.muser END`);
      }
      await deleteTagsWhere(tx, sql`group_id = ${groupId} AND NOT (wecom_tag_id = ANY(${textArray(tags.map((tag) => tag.id))}))`, actor);
      await backfillCorpTags(
        tx,
        tags.map((tag) => tag.id).filter((id) => !before.has(id)),
      );
      return true;
    },

    /**
     * Makes customers' corp tags match the tag ids stored on their active relations (the customers module's
     * copy of WeCom's follow_user tags); returns how many rows were added and removed.
     */
    async reconcileCorpCustomerTags(tx: DbOrTx): Promise<{ added: number; removed: number }> {
      const wanted = sql`SELECT DISTINCT r.external_userid, r.userid, t.id AS tag_id
        FROM customer_relation r CROSS JOIN LATERAL jsonb_array_elements_text(r.tag_ids) AS w(wecom_tag_id)
        JOIN tag t ON t.wecom_tag_id = w.wecom_tag_id AND t.is_del = 0 AND t.type = 'corp'
        WHERE r.status = 'active'`;
      const removed = await tx.execute(sql`DELETE FROM customer_tag ct WHERE ct.tag_type = 'corp'
        AND EXISTS (SELECT 1 FROM customer_relation r WHERE r.external_userid = ct.external_userid AND r.userid = ct.userid AND r.status = 'active')
        AND NOT EXISTS (SELECT 1 FROM (${wanted}) w WHERE w.external_userid = ct.external_userid AND w.userid = ct.userid AND w.tag_id = ct.tag_id)`);
      const added = await tx.execute(sql`INSERT INTO customer_tag (external_userid, userid, tag_id, tag_type, cuser)
        SELECT external_userid, userid, tag_id, 'corp', 'wecom' FROM (${wanted}) w ORDER BY external_userid, userid, tag_id ON CONFLICT DO NOTHING`);
      return { added: added.rowCount ?? 0, removed: removed.rowCount ?? 0 };
    },

    /** The end of a full sync: corp groups WeCom did not list, and that no later read confirmed, are deleted. */
    async deleteCorpGroupsNotListed(tx: DbOrTx, listed: string[], readAt: Date, actor: string): Promise<number> {
      const gone = await rows(
        sql`SELECT id FROM tag_group WHERE type = 'corp' AND is_del = 0 AND NOT (wecom_group_id = ANY(${textArray(listed)}))
          AND (synced_at IS NULL OR synced_at <= ${readAt.toISOString()}::timestamptz) FOR UPDATE`,
        tx,
      );
      const ids = gone.map((row) => Number(row.id));
      if (ids.length === 0) return 0;
      await tx.execute(sql`UPDATE tag_group SET is_del = 1, synced_at = ${readAt.toISOString()}::timestamptz, mtime = now(), muser = ${actor}
        WHERE id = ANY(${idArray(ids)})`);
      await deleteTagsWhere(tx, sql`group_id = ANY(${idArray(ids)})`, actor);
      return ids.length;
    },
  };
}

export type TagRepository = ReturnType<typeof createTagRepository>;
