// Group figures: per group (now, joined today, quit today), per owner over a date range, per join state.
// Days are the corp's time zone's (Asia/Shanghai by default). Membership periods make every figure a count
// over group_member: joined = join_time in the range, quit = quit_time in the range, present at an instant =
// joined before it and not quit by it, in a group not dismissed by it.
import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/database.ts';
import { dayOfColumn, daysBetween, endOfDay, startOfDay } from './group-days.ts';
import { bindViewer, groupScope, type Viewer } from '../../platform/auth/data-scope.ts';
import { whereOf } from '../../platform/db/paging.ts';
import { groupAccess } from './groups.repository.ts';
import { NO_STATE_NAMES, namesOfStates } from '../acquisition/state-names.ts';
import type { ChannelStats, ChannelStatsBody, GroupStats, GroupStatsBody, OwnerFigures } from './groups.schemas.ts';

type Row = Record<string, unknown>;

const num = (value: unknown): number => Number(value ?? 0);
const list = (values: readonly string[]) => sql.join(values.map((value) => sql`${value}`), sql`, `);

const ownerFiguresOf = (row: Row | undefined): OwnerFigures => ({
  groups: num(row?.groups),
  newGroups: num(row?.new_groups),
  members: num(row?.members),
  newMembers: num(row?.new_members),
  quits: num(row?.quits),
});

export function createGroupStatsRepository(db: DbOrTx, options: { timeZone: string }) {
  const { timeZone } = options;
  const rows = async (query: SQL): Promise<Row[]> => (await db.execute<Row>(query)).rows;

  const scoped = {
    /** Members now, and joins and quits on `day`, of one group in scope; undefined when not found. */
    async groupDay(viewer: Viewer, chatId: string, day: string, options: { asMember?: boolean } = {}) {
      const start = startOfDay(day, timeZone);
      const end = endOfDay(day, timeZone);
      const [row] = await rows(sql`
        SELECT g.dismissed,
          (SELECT count(*) FROM group_member m WHERE m.chat_id = g.chat_id AND m.quit_time IS NULL)::int AS members,
          (SELECT count(*) FROM group_member m WHERE m.chat_id = g.chat_id AND m.quit_time IS NULL AND m.type = 2)::int AS customers,
          (SELECT count(*) FROM group_member m WHERE m.chat_id = g.chat_id AND m.join_time >= ${start} AND m.join_time < ${end})::int AS joined,
          (SELECT count(*) FROM group_member m WHERE m.chat_id = g.chat_id AND m.quit_time >= ${start} AND m.quit_time < ${end})::int AS quit
        FROM group_chat g ${whereOf([sql`g.chat_id = ${chatId}`, groupAccess(viewer, options)])}`);
      if (!row) return undefined;
      const dismissed = row.dismissed as boolean;
      return {
        memberCount: dismissed ? 0 : num(row.members),
        customerCount: dismissed ? 0 : num(row.customers),
        joinedToday: num(row.joined),
        quitToday: num(row.quit),
      };
    },

    /** Per owner over [startDate, endDate]: groups and members at the end, groups created, joins and quits. */
    async byOwner(viewer: Viewer, body: GroupStatsBody): Promise<Omit<GroupStats, 'startDate' | 'endDate'>> {
      const start = startOfDay(body.startDate, timeZone);
      const end = endOfDay(body.endDate, timeZone);
      const where = whereOf([body.owners?.length ? sql`g.owner IN (${list(body.owners)})` : undefined, groupScope(viewer)]);
      const liveAtEnd = sql`g.create_time < b.e AND (NOT g.dismissed OR g.dismissed_at >= b.e)`;
      const result = await rows(sql`
        WITH b AS (SELECT ${start} AS s, ${end} AS e),
        owned AS (SELECT g.chat_id, g.owner, g.status, g.create_time, g.dismissed, g.dismissed_at FROM group_chat g ${where}),
        by_group AS (
          SELECT g.owner,
            count(*) FILTER (WHERE ${liveAtEnd})::int AS groups,
            count(*) FILTER (WHERE g.create_time >= b.s AND g.create_time < b.e)::int AS new_groups,
            bool_or(g.status IN (1, 2)) AS departed
          FROM owned g, b GROUP BY g.owner),
        by_member AS (
          SELECT g.owner,
            count(*) FILTER (WHERE ${liveAtEnd} AND m.join_time < b.e AND (m.quit_time IS NULL OR m.quit_time >= b.e))::int AS members,
            count(*) FILTER (WHERE m.join_time >= b.s AND m.join_time < b.e)::int AS new_members,
            count(*) FILTER (WHERE m.quit_time >= b.s AND m.quit_time < b.e)::int AS quits
          FROM owned g JOIN group_member m ON m.chat_id = g.chat_id, b GROUP BY g.owner)
        SELECT o.owner, COALESCE(e.name, (SELECT NULLIF(om.name, '') FROM group_member om JOIN owned og ON og.chat_id = om.chat_id
            WHERE om.userid = o.owner AND og.owner = o.owner ORDER BY om.join_time DESC LIMIT 1)) AS owner_name,
          (o.departed OR COALESCE(e.status = 5 OR e.left_at IS NOT NULL, false)) AS owner_departed,
          o.groups, o.new_groups, mm.members, mm.new_members, mm.quits
        FROM by_group o LEFT JOIN by_member mm ON mm.owner = o.owner LEFT JOIN qw_emp e ON e.userid = o.owner
        ORDER BY o.groups DESC, mm.members DESC NULLS LAST, o.owner`);
      const owners = result.map((row) => ({
        owner: row.owner as string,
        ownerName: (row.owner_name as string | null) ?? null,
        ownerDeparted: Boolean(row.owner_departed),
        ...ownerFiguresOf(row),
      }));
      const total = owners.reduce<OwnerFigures>(
        (sum, row) => ({
          groups: sum.groups + row.groups,
          newGroups: sum.newGroups + row.newGroups,
          members: sum.members + row.members,
          newMembers: sum.newMembers + row.newMembers,
          quits: sum.quits + row.quits,
        }),
        ownerFiguresOf(undefined),
      );
      return { total, owners };
    },

    /** Members who came through a join state: joined (in the range), since left, still in; per group and per day. */
    async byState(viewer: Viewer, body: ChannelStatsBody): Promise<ChannelStats> {
      const range = body.startDate && body.endDate ? { start: startOfDay(body.startDate, timeZone), end: endOfDay(body.endDate, timeZone) } : undefined;
      const joinedInRange = range ? sql`m.join_time >= ${range.start} AND m.join_time < ${range.end}` : undefined;
      const from = sql`FROM group_member m JOIN group_chat g ON g.chat_id = m.chat_id`;
      const base = [sql`m.state = ${body.state}`, groupScope(viewer)];
      const groups = await rows(sql`
        SELECT m.chat_id, g.name, g.dismissed, count(*)::int AS joined,
          count(*) FILTER (WHERE m.quit_time IS NOT NULL)::int AS quit,
          count(*) FILTER (WHERE m.quit_time IS NULL AND NOT g.dismissed)::int AS current
        ${from} ${whereOf([...base, joinedInRange])}
        GROUP BY m.chat_id, g.name, g.dismissed ORDER BY joined DESC, m.chat_id`);
      let days: ChannelStats['days'] = [];
      if (range && body.startDate && body.endDate) {
        const [joins, quits] = await Promise.all([
          rows(sql`SELECT ${dayOfColumn(sql`m.join_time`, timeZone)} AS day, count(*)::int AS n ${from} ${whereOf([...base, joinedInRange])} GROUP BY 1`),
          rows(sql`SELECT ${dayOfColumn(sql`m.quit_time`, timeZone)} AS day, count(*)::int AS n ${from}
            ${whereOf([...base, sql`m.quit_time >= ${range.start} AND m.quit_time < ${range.end}`])} GROUP BY 1`),
        ]);
        const joinedOn = new Map(joins.map((row) => [row.day as string, num(row.n)]));
        const quitOn = new Map(quits.map((row) => [row.day as string, num(row.n)]));
        days = daysBetween(body.startDate, body.endDate).map((date) => ({ date, joined: joinedOn.get(date) ?? 0, quit: quitOn.get(date) ?? 0 }));
      }
      const perGroup = groups.map((row) => ({
        chatId: row.chat_id as string,
        name: row.name as string,
        dismissed: row.dismissed as boolean,
        joined: num(row.joined),
        quit: num(row.quit),
        current: num(row.current),
      }));
      return {
        state: body.state,
        ...((await namesOfStates(db, [body.state])).get(body.state) ?? NO_STATE_NAMES),
        joined: perGroup.reduce((sum, row) => sum + row.joined, 0),
        quit: perGroup.reduce((sum, row) => sum + row.quit, 0),
        current: perGroup.reduce((sum, row) => sum + row.current, 0),
        groups: perGroup,
        days,
      };
    },
  };
  return {
    /** The figures one caller may see: every count applies their data scope. */
    forViewer: (viewer: Viewer) => bindViewer(viewer, scoped),
  };
}

export type GroupStatsRepository = ReturnType<typeof createGroupStatsRepository>;
