// Writes that mirror WeCom's customer groups: a group as groupchat/get returned it (the group row and its
// current members), quits, dismissals. Each batch is one statement per table over a JSON array
// (jsonb_to_recordset), so thousands of members are one round trip. Rows are rewritten only when something
// changed, so applying the same snapshot again changes nothing.
import { sql } from 'drizzle-orm';
import type { GroupChat } from '@scrm/wecom';
import type { DbOrTx } from '../../platform/db/database.ts';

type Row = Record<string, unknown>;

/** A group as fetched from WeCom, with its list status when the list said it (events do not know it). */
export interface GroupSnapshot {
  chat: GroupChat;
  status?: number;
}

const memberRowsOf = (snapshots: GroupSnapshot[]) =>
  snapshots.flatMap(({ chat }) =>
    chat.member_list.map((member) => ({
      chat_id: chat.chat_id,
      userid: member.userid,
      type: member.type,
      unionid: member.unionid ?? null,
      join_time: member.join_time,
      join_scene: member.join_scene ?? 0,
      invitor: member.invitor?.userid || null,
      group_nickname: member.group_nickname ?? '',
      name: member.name ?? '',
      state: member.state ?? '',
    })),
  );

/** One snapshot per chat (the last wins), in a stable order so concurrent writers lock rows alike. */
function latestPerChat(snapshots: GroupSnapshot[]): GroupSnapshot[] {
  const map = new Map<string, GroupSnapshot>();
  for (const snapshot of snapshots) map.set(snapshot.chat.chat_id, snapshot);
  return [...map.values()].sort((a, b) => (a.chat.chat_id < b.chat.chat_id ? -1 : a.chat.chat_id > b.chat.chat_id ? 1 : 0));
}

/** A group WeCom now shows with another owner than the one stored (changed in WeCom, or found by a sync). */
export interface GroupOwnerChange {
  chatId: string;
  from: string;
  to: string;
}

/**
 * `ownerChanged`: told, in the writing transaction, of groups whose stored owner changed (the group's open SOP
 * tasks follow the owner, whoever moved the group).
 */
export function createGroupWriteRepository(db: DbOrTx, hooks: { ownerChanged?: (tx: DbOrTx, changes: GroupOwnerChange[]) => Promise<void> } = {}) {
  /** Upserts group rows; `keepStatus` (events: groupchat/get does not say it) leaves a stored status as it is. */
  async function upsertGroups(snapshots: GroupSnapshot[], keepStatus: boolean, tx: DbOrTx): Promise<GroupOwnerChange[]> {
    if (snapshots.length === 0) return [];
    const rows = snapshots.map(({ chat, status }) => ({
      chat_id: chat.chat_id,
      name: chat.name ?? '',
      owner: chat.owner ?? '',
      notice: chat.notice ?? '',
      admin_list: (chat.admin_list ?? []).map((admin) => admin.userid),
      status: status ?? 0,
      create_time: chat.create_time,
      member_version: chat.member_version ?? '',
      member_count: chat.member_list.length,
      customer_count: chat.member_list.filter((member) => member.type === 2).length,
    }));
    // The stored owners as this statement found them (its snapshot), beside what it wrote.
    const written = await tx.execute<{ chat_id: string; before: string | null; owner: string }>(sql`
      WITH before AS (
        SELECT chat_id, owner FROM group_chat WHERE chat_id IN (SELECT jsonb_array_elements_text(${JSON.stringify(rows.map((row) => row.chat_id))}::jsonb))
      ), up AS (
      INSERT INTO group_chat AS t (chat_id, name, owner, notice, admin_list, status, create_time, member_version, member_count, customer_count,
           synced_at, cuser, muser)
      SELECT x.chat_id, x.name, x.owner, x.notice, x.admin_list, x.status, to_timestamp(x.create_time), x.member_version,
             x.member_count, x.customer_count, clock_timestamp(), 'wecom', 'wecom'
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(chat_id text, name text, owner text, notice text, admin_list jsonb,
           status smallint, create_time bigint, member_version text, member_count int, customer_count int)
      ON CONFLICT (chat_id) DO UPDATE SET
        name = EXCLUDED.name, owner = EXCLUDED.owner, notice = EXCLUDED.notice, admin_list = EXCLUDED.admin_list,
        status = CASE WHEN ${keepStatus}::boolean THEN t.status ELSE EXCLUDED.status END,
        create_time = EXCLUDED.create_time, member_version = EXCLUDED.member_version, member_count = EXCLUDED.member_count,
        customer_count = EXCLUDED.customer_count, dismissed = false, dismissed_at = NULL, synced_at = clock_timestamp(), mtime = now(), muser = 'wecom'
      WHERE (t.name, t.owner, t.notice, t.admin_list, t.create_time, t.member_version, t.member_count, t.customer_count, t.dismissed)
            IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.owner, EXCLUDED.notice, EXCLUDED.admin_list, EXCLUDED.create_time, EXCLUDED.member_version,
                              EXCLUDED.member_count, EXCLUDED.customer_count, false)
         OR (NOT ${keepStatus}::boolean AND t.status <> EXCLUDED.status)
      RETURNING t.chat_id, t.owner
      ) SELECT up.chat_id, before.owner AS before, up.owner FROM up JOIN before ON before.chat_id = up.chat_id WHERE before.owner <> up.owner`);
    return written.rows.filter((row) => row.before && row.owner).map((row) => ({ chatId: row.chat_id, from: row.before!, to: row.owner }));
  }

  return {
    /** The database's clock, for comparisons with times the database wrote. */
    async databaseNow(tx: DbOrTx = db): Promise<Date> {
      const result = await tx.execute<Row>(sql`SELECT clock_timestamp() AS now`);
      return new Date(result.rows[0].now as string);
    },

    /** The stored member version of a group (null when the group is not stored). */
    async groupVersion(chatId: string, tx: DbOrTx = db): Promise<{ memberVersion: string; dismissed: boolean } | null> {
      const result = await tx.execute<Row>(sql`SELECT member_version, dismissed FROM group_chat WHERE chat_id = ${chatId}`);
      const row = result.rows[0];
      return row ? { memberVersion: row.member_version as string, dismissed: row.dismissed as boolean } : null;
    },

    /**
     * Stores groups as WeCom returned them: the group rows, and their members (one batch statement each).
     * A member whose stored period began before WeCom's join time left and came back: that period ends and a
     * new one begins. Current members WeCom no longer lists have quit: their period ends at `quitAt`
     * (the quit scene stays unknown unless an event tells it). Returns how many quits were recorded.
     *
     * With `unchangedSince` (a full sync's start, database time), groups an event rewrote after that are
     * left alone: the event may have fetched after the sync did, and the events after it will fetch again.
     * The batch's group rows are locked first, so an event cannot slip in between the check and the writes.
     */
    async storeGroups(
      snapshots: GroupSnapshot[],
      quitAt: Date,
      options: { unchangedSince?: Date } = {},
      tx: DbOrTx = db,
    ): Promise<{ quits: number; skipped: number }> {
      let latest = latestPerChat(snapshots);
      let skipped = 0;
      if (options.unchangedSince && latest.length > 0) {
        const changed = await tx.execute<Row>(sql`
          SELECT chat_id, synced_at > ${options.unchangedSince.toISOString()}::timestamptz AS changed FROM group_chat
          WHERE chat_id IN (SELECT jsonb_array_elements_text(${JSON.stringify(latest.map(({ chat }) => chat.chat_id))}::jsonb))
          ORDER BY chat_id FOR UPDATE`);
        const rewritten = new Set(changed.rows.filter((row) => row.changed === true).map((row) => row.chat_id as string));
        skipped = rewritten.size;
        latest = latest.filter(({ chat }) => !rewritten.has(chat.chat_id));
      }
      if (latest.length === 0) return { quits: 0, skipped };
      const members = memberRowsOf(latest);
      const membersJson = JSON.stringify(members);
      const quitIso = quitAt.toISOString();
      const ownerChanges = [
        ...(await upsertGroups(latest.filter((snapshot) => snapshot.status !== undefined), false, tx)),
        ...(await upsertGroups(latest.filter((snapshot) => snapshot.status === undefined), true, tx)),
      ];
      if (ownerChanges.length && hooks.ownerChanged) await hooks.ownerChanged(tx, ownerChanges);
      // Left and came back since we last looked: the old period ended (at the latest when the new one began).
      await tx.execute(sql`
        UPDATE group_member t SET quit_time = LEAST(to_timestamp(x.join_time), GREATEST(${quitIso}::timestamptz, t.join_time)),
          mtime = now(), muser = 'wecom'
        FROM jsonb_to_recordset(${membersJson}::jsonb) AS x(chat_id text, userid text, join_time bigint)
        WHERE t.chat_id = x.chat_id AND t.userid = x.userid AND t.quit_time IS NULL AND t.join_time < to_timestamp(x.join_time)`);
      await tx.execute(sql`
        INSERT INTO group_member AS t (chat_id, userid, type, unionid, join_time, join_scene, invitor, group_nickname, name, state, cuser, muser)
        SELECT x.chat_id, x.userid, x.type, x.unionid, to_timestamp(x.join_time), x.join_scene, x.invitor, x.group_nickname, x.name, x.state,
               'wecom', 'wecom'
        FROM jsonb_to_recordset(${membersJson}::jsonb) AS x(chat_id text, userid text, type smallint, unionid text, join_time bigint,
             join_scene smallint, invitor text, group_nickname text, name text, state text)
        ON CONFLICT (chat_id, userid) WHERE quit_time IS NULL DO UPDATE SET
          type = EXCLUDED.type, unionid = EXCLUDED.unionid, join_time = EXCLUDED.join_time, join_scene = EXCLUDED.join_scene,
          invitor = EXCLUDED.invitor, group_nickname = EXCLUDED.group_nickname, name = EXCLUDED.name, state = EXCLUDED.state,
          mtime = now(), muser = 'wecom'
        WHERE (t.type, t.unionid, t.join_time, t.join_scene, t.invitor, t.group_nickname, t.name, t.state)
              IS DISTINCT FROM (EXCLUDED.type, EXCLUDED.unionid, EXCLUDED.join_time, EXCLUDED.join_scene, EXCLUDED.invitor,
                                EXCLUDED.group_nickname, EXCLUDED.name, EXCLUDED.state)`);
      const current = latest.map(({ chat }) => ({ chat_id: chat.chat_id, userids: chat.member_list.map((member) => member.userid) }));
      // Each group's current members through the index, group by group (OFFSET 0 keeps the subquery apart): PostgreSQL
      // takes any JSON batch for 100 rows and, the table grown past its statistics during a first sync, would rather
      // scan every current member of every group for each batch (auto_explain: 60–180 ms a batch at 400,000 members).
      const quits = await tx.execute<Row>(sql`
        UPDATE group_member t SET quit_time = GREATEST(${quitIso}::timestamptz, t.join_time), mtime = now(), muser = 'wecom'
        FROM jsonb_to_recordset(${JSON.stringify(current)}::jsonb) AS g(chat_id text, userids jsonb)
        CROSS JOIN LATERAL (SELECT m.id, m.userid FROM group_member m WHERE m.chat_id = g.chat_id AND m.quit_time IS NULL OFFSET 0) AS m
        WHERE t.id = m.id AND NOT (g.userids ? m.userid)
        RETURNING t.id`);
      return { quits: quits.rows.length, skipped };
    },

    /**
     * A del_member event tells who left, how and when: the latest period of each, once ended, gets the
     * event's quit scene and time (never before the period began). Applying it again changes nothing.
     */
    async attributeQuits(chatId: string, userids: string[], quitScene: number | null, at: Date, tx: DbOrTx = db): Promise<number> {
      if (userids.length === 0) return 0;
      const atIso = at.toISOString();
      const result = await tx.execute<Row>(sql`
        UPDATE group_member t SET quit_scene = ${quitScene}::smallint, quit_time = GREATEST(${atIso}::timestamptz, t.join_time), mtime = now(), muser = 'wecom'
        WHERE t.id IN (SELECT DISTINCT ON (m.userid) m.id FROM group_member m
                       WHERE m.chat_id = ${chatId} AND m.userid IN (SELECT jsonb_array_elements_text(${JSON.stringify(userids)}::jsonb))
                       ORDER BY m.userid, m.join_time DESC, m.id DESC)
          AND t.quit_time IS NOT NULL AND t.quit_scene IS NULL AND t.join_time <= ${atIso}::timestamptz
          AND (${quitScene}::smallint IS NOT NULL OR t.quit_time <> GREATEST(${atIso}::timestamptz, t.join_time))
        RETURNING t.id`);
      return result.rows.length;
    },

    /**
     * The group and the latest membership period of each of these members, or of every current member (for the
     * customer timeline: who joined or left, when and how); undefined when the group is not stored.
     */
    async memberPeriods(chatId: string, userids: string[] | 'current', tx: DbOrTx = db) {
      const [group] = (await tx.execute<Row>(sql`SELECT name, owner, create_time FROM group_chat WHERE chat_id = ${chatId}`)).rows;
      if (!group) return undefined;
      const which =
        userids === 'current' ? sql`m.quit_time IS NULL` : sql`m.userid IN (SELECT jsonb_array_elements_text(${JSON.stringify(userids)}::jsonb))`;
      const members =
        userids.length > 0
          ? (
              await tx.execute<Row>(sql`
                SELECT DISTINCT ON (m.userid) m.userid, m.type, m.join_time, m.join_scene, m.quit_time, m.quit_scene FROM group_member m
                WHERE m.chat_id = ${chatId} AND ${which}
                ORDER BY m.userid, m.join_time DESC, m.id DESC`)
            ).rows
          : [];
      return {
        name: group.name as string,
        owner: group.owner as string,
        createTime: new Date(group.create_time as string),
        members: members.map((row) => ({
          userid: row.userid as string,
          type: Number(row.type),
          joinTime: new Date(row.join_time as string),
          joinScene: Number(row.join_scene),
          quitTime: row.quit_time ? new Date(row.quit_time as string) : null,
          quitScene: row.quit_scene === null ? null : Number(row.quit_scene),
        })),
      };
    },

    /** Marks groups dismissed (kept, with their members as they were). Already dismissed ones keep their time. */
    async markDismissed(chatIds: string[], at: Date, tx: DbOrTx = db): Promise<number> {
      if (chatIds.length === 0) return 0;
      const result = await tx.execute<Row>(sql`
        UPDATE group_chat SET dismissed = true, dismissed_at = GREATEST(${at.toISOString()}::timestamptz, create_time), mtime = now(), muser = 'wecom'
        WHERE chat_id IN (SELECT jsonb_array_elements_text(${JSON.stringify(chatIds)}::jsonb)) AND NOT dismissed
        RETURNING id`);
      return result.rows.length;
    },

    /** Live stored groups whose chat id is not among `seen` (a full sync's list). */
    async liveGroupsNotIn(seen: Set<string>, tx: DbOrTx = db): Promise<string[]> {
      const result = await tx.execute<Row>(sql`SELECT chat_id FROM group_chat WHERE NOT dismissed ORDER BY chat_id`);
      return result.rows.map((row) => row.chat_id as string).filter((chatId) => !seen.has(chatId));
    },
  };
}

export type GroupWriteRepository = ReturnType<typeof createGroupWriteRepository>;
