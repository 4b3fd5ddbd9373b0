// Reads over customer groups and their members (aliases: g group_chat, m group_member). Every query goes
// through `groupScope` (platform/auth/data-scope.ts): a group belongs to its owner, the owner to an SCRM user through sys_user.qw_userid,
// and members are seen through their group.
import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/database.ts';
import { contains, paginate, whereOf } from '../../platform/db/paging.ts';
import { bindViewer, groupScope, type Viewer } from '../../platform/auth/data-scope.ts';
import type { Page } from '../../platform/http/schemas.ts';
import { atOrAfter, atOrBefore } from './group-days.ts';
import { withStateNames, type StateNames } from '../acquisition/state-names.ts';
import type { GroupFilters, GroupPageQuery, GroupRecord, MemberFilters, MemberPageQuery, MemberRecord } from './groups.schemas.ts';

type Row = Record<string, unknown>;

const list = (values: readonly (string | number)[]) => sql.join(values.map((value) => sql`${value}`), sql`, `);

export { whereOf };

/**
 * The groups a viewer reaches: those in their scope (by owner), and with `asMember` also those their bound employee is
 * in now as an internal member — WeCom shows every member a chat's owner, members and figures (the sidebar opens in
 * any group chat the employee is in). Group alias `g`.
 */
export function groupAccess(viewer: Viewer, options: { asMember?: boolean } = {}): SQL | undefined {
  const scope = groupScope(viewer);
  if (!options.asMember || !scope || !viewer.user.qwUserid) return scope;
  return sql`(${scope} OR EXISTS (SELECT 1 FROM group_member own WHERE own.chat_id = g.chat_id AND own.type = 1
    AND own.userid = ${viewer.user.qwUserid} AND own.quit_time IS NULL))`;
}

export function groupConditions(filters: GroupFilters, timeZone: string): SQL[] {
  const conditions: SQL[] = [];
  if (filters.name) conditions.push(sql`g.name ILIKE ${contains(filters.name)}`);
  if (filters.chatId) conditions.push(sql`g.chat_id = ${filters.chatId}`);
  if (filters.owners?.length) conditions.push(sql`g.owner IN (${list(filters.owners)})`);
  if (filters.status !== undefined) conditions.push(sql`g.status = ${filters.status}`);
  if (filters.dismissed !== undefined) conditions.push(sql`g.dismissed = ${filters.dismissed}`);
  if (filters.createTimeStart) conditions.push(atOrAfter(sql`g.create_time`, filters.createTimeStart, timeZone));
  if (filters.createTimeEnd) conditions.push(atOrBefore(sql`g.create_time`, filters.createTimeEnd, timeZone));
  return conditions;
}

export function memberConditions(filters: MemberFilters, timeZone: string): SQL[] {
  const conditions: SQL[] = [];
  if (filters.chatId) conditions.push(sql`m.chat_id = ${filters.chatId}`);
  if (filters.state) conditions.push(sql`m.state = ${filters.state}`);
  if (filters.name) conditions.push(sql`(m.name ILIKE ${contains(filters.name)} OR m.group_nickname ILIKE ${contains(filters.name)})`);
  if (filters.userid) conditions.push(sql`m.userid = ${filters.userid}`);
  if (filters.type !== undefined) conditions.push(sql`m.type = ${filters.type}`);
  if (filters.joinScene !== undefined) conditions.push(sql`m.join_scene = ${filters.joinScene}`);
  if (filters.status === 'in') conditions.push(sql`m.quit_time IS NULL`);
  if (filters.status === 'quit') conditions.push(sql`m.quit_time IS NOT NULL`);
  if (filters.joinTimeStart) conditions.push(atOrAfter(sql`m.join_time`, filters.joinTimeStart, timeZone));
  if (filters.joinTimeEnd) conditions.push(atOrBefore(sql`m.join_time`, filters.joinTimeEnd, timeZone));
  if (filters.quitTimeStart) conditions.push(atOrAfter(sql`m.quit_time`, filters.quitTimeStart, timeZone));
  if (filters.quitTimeEnd) conditions.push(atOrBefore(sql`m.quit_time`, filters.quitTimeEnd, timeZone));
  return conditions;
}

/**
 * The owner's name and whether they have left, for a group_chat alias `g` joined to qw_emp as `e`: the
 * employee mirror's name, else the name WeCom gave the owner in the group's member list (an owner who left
 * before SCRM first synced the organisation is never in the mirror). Departed: WeCom says so of the group
 * (status 1 离职待继承, 2 继承中) or of the employee.
 */
const OWNER_COLUMNS = sql`COALESCE(e.name, (SELECT NULLIF(om.name, '') FROM group_member om WHERE om.chat_id = g.chat_id AND om.userid = g.owner
    ORDER BY om.join_time DESC LIMIT 1)) AS owner_name,
  (g.status IN (1, 2) OR COALESCE(e.status = 5 OR e.left_at IS NOT NULL, false)) AS owner_departed`;

const GROUP_SELECT = sql`SELECT g.*, ${OWNER_COLUMNS} FROM group_chat g LEFT JOIN qw_emp e ON e.userid = g.owner`;

const MEMBER_SELECT = sql`SELECT m.*, g.name AS group_name, g.owner, ${OWNER_COLUMNS}, i.name AS invitor_name
  FROM group_member m JOIN group_chat g ON g.chat_id = m.chat_id LEFT JOIN qw_emp e ON e.userid = g.owner LEFT JOIN qw_emp i ON i.userid = m.invitor`;

const toDate = (value: unknown): Date => (value instanceof Date ? value : new Date(value as string));
const toDateOrNull = (value: unknown): Date | null => (value === null || value === undefined ? null : toDate(value));

export function toGroupRecord(row: Row): GroupRecord {
  return {
    id: Number(row.id),
    chatId: row.chat_id as string,
    name: row.name as string,
    owner: row.owner as string,
    ownerName: (row.owner_name as string | null) ?? null,
    ownerDeparted: Boolean(row.owner_departed),
    notice: row.notice as string,
    adminList: row.admin_list as string[],
    status: Number(row.status),
    dismissed: row.dismissed as boolean,
    dismissedAt: toDateOrNull(row.dismissed_at),
    createTime: toDate(row.create_time),
    memberVersion: row.member_version as string,
    memberCount: Number(row.member_count),
    customerCount: Number(row.customer_count),
    remark: row.remark as string,
    syncedAt: toDateOrNull(row.synced_at),
    ctime: toDate(row.ctime),
    mtime: toDate(row.mtime),
  };
}

export function toMemberRecord(row: Row): Omit<MemberRecord, keyof StateNames> {
  return {
    id: Number(row.id),
    chatId: row.chat_id as string,
    groupName: row.group_name as string,
    owner: row.owner as string,
    ownerName: (row.owner_name as string | null) ?? null,
    ownerDeparted: Boolean(row.owner_departed),
    userid: row.userid as string,
    type: Number(row.type),
    unionid: (row.unionid as string | null) ?? null,
    name: row.name as string,
    groupNickname: row.group_nickname as string,
    joinTime: toDate(row.join_time),
    joinScene: Number(row.join_scene),
    invitor: (row.invitor as string | null) ?? null,
    invitorName: (row.invitor_name as string | null) ?? null,
    state: row.state as string,
    quitTime: toDateOrNull(row.quit_time),
    quitScene: row.quit_scene === null || row.quit_scene === undefined ? null : Number(row.quit_scene),
    ctime: toDate(row.ctime),
    mtime: toDate(row.mtime),
  };
}

/** One keyset batch of a member export: rows after `after` in (join_time desc, id desc) order. */
export interface MemberCursor {
  joinTime: Date;
  id: number;
}

export function createGroupRepository(db: DbOrTx, options: { timeZone: string }) {
  const { timeZone } = options;
  const rows = async (query: SQL): Promise<Row[]> => (await db.execute<Row>(query)).rows;
  const count = async (query: SQL): Promise<number> => Number((await rows(query))[0].count);

  /** Everything read or changed for a viewer (each method takes the viewer first; exposed bound, by forViewer). */
  const scoped = {
    async pageGroups(viewer: Viewer, query: GroupPageQuery): Promise<Page<GroupRecord>> {
      const where = whereOf([...groupConditions(query, timeZone), groupScope(viewer)]);
      return paginate(
        query,
        () => count(sql`SELECT count(*)::int AS count FROM group_chat g ${where}`),
        async (limit, offset) => (await rows(sql`${GROUP_SELECT} ${where} ORDER BY g.create_time DESC, g.id DESC LIMIT ${limit} OFFSET ${offset}`)).map(toGroupRecord),
      );
    },

    /** Every live group in scope, newest first. */
    async liveGroups(viewer: Viewer): Promise<GroupRecord[]> {
      const where = whereOf([sql`NOT g.dismissed`, groupScope(viewer)]);
      return (await rows(sql`${GROUP_SELECT} ${where} ORDER BY g.create_time DESC, g.id DESC`)).map(toGroupRecord);
    },

    async groupBy(viewer: Viewer, key: { id: number } | { chatId: string }, options: { asMember?: boolean } = {}): Promise<GroupRecord | undefined> {
      const where = whereOf(['id' in key ? sql`g.id = ${key.id}` : sql`g.chat_id = ${key.chatId}`, groupAccess(viewer, options)]);
      const [row] = await rows(sql`${GROUP_SELECT} ${where}`);
      return row && toGroupRecord(row);
    },

    /** Whether the viewer would see a group owned by this WeCom userid. */
    async ownerInScope(viewer: Viewer, owner: string): Promise<boolean> {
      const scope = groupScope(viewer, sql`${owner}::text`);
      return !scope || (await rows(sql`SELECT 1 WHERE ${scope}`)).length > 0;
    },

    /** Changes the remark of a group in scope; false when the viewer cannot see it. */
    async updateRemark(viewer: Viewer, id: number, remark: string, actor: string): Promise<boolean> {
      const updated = await db.execute(sql`UPDATE group_chat g SET remark = ${remark}, mtime = now(), muser = ${actor} ${whereOf([sql`g.id = ${id}`, groupScope(viewer)])}`);
      return (updated.rowCount ?? 0) > 0;
    },

    async pageMembers(viewer: Viewer, query: MemberPageQuery): Promise<Page<MemberRecord>> {
      const where = whereOf([...memberConditions(query, timeZone), groupScope(viewer)]);
      return paginate(
        query,
        () => count(sql`SELECT count(*)::int AS count FROM group_member m JOIN group_chat g ON g.chat_id = m.chat_id ${where}`),
        async (limit, offset) =>
          withStateNames(db, (await rows(sql`${MEMBER_SELECT} ${where} ORDER BY m.join_time DESC, m.id DESC LIMIT ${limit} OFFSET ${offset}`)).map(toMemberRecord)),
      );
    },

    /** A batch of the export, in page order, after the cursor. */
    async memberBatch(viewer: Viewer, filters: MemberFilters, after: MemberCursor | null, limit: number): Promise<MemberRecord[]> {
      const keyset = after ? sql`(m.join_time, m.id) < (${after.joinTime.toISOString()}::timestamptz, ${after.id})` : undefined;
      const where = whereOf([...memberConditions(filters, timeZone), groupScope(viewer), keyset]);
      return withStateNames(db, (await rows(sql`${MEMBER_SELECT} ${where} ORDER BY m.join_time DESC, m.id DESC LIMIT ${limit}`)).map(toMemberRecord));
    },

    /** The members in a group (in scope) now, in joining order. */
    async currentMembers(viewer: Viewer, chatId: string, options: { asMember?: boolean } = {}): Promise<MemberRecord[]> {
      const where = whereOf([sql`m.chat_id = ${chatId}`, sql`m.quit_time IS NULL`, groupAccess(viewer, options)]);
      return withStateNames(db, (await rows(sql`${MEMBER_SELECT} ${where} ORDER BY m.join_time, m.id`)).map(toMemberRecord));
    },

    async memberById(viewer: Viewer, id: number): Promise<MemberRecord | undefined> {
      const [row] = await rows(sql`${MEMBER_SELECT} ${whereOf([sql`m.id = ${id}`, groupScope(viewer)])}`);
      return row && (await withStateNames(db, [toMemberRecord(row)]))[0];
    },
  };

  return {
    /** The repository for one caller: every read and write below applies their data scope. */
    forViewer: (viewer: Viewer) => bindViewer(viewer, scoped),

    /** Whether a group with this chat id is stored at all (its key is unique whoever can see it). */
    async groupExists(chatId: string): Promise<boolean> {
      return (await rows(sql`SELECT 1 FROM group_chat WHERE chat_id = ${chatId}`)).length > 0;
    },
  };
}


export type GroupRepository = ReturnType<typeof createGroupRepository>;
/** The group repository as one caller has it. */
export type ViewerGroupRepository = ReturnType<GroupRepository['forViewer']>;
