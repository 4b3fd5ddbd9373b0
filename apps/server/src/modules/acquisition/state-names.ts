// The one resolver of channel states to names. A relation's or group member's `state` is the state SCRM put
// on an acquisition link (customer_channel), a channel QR code or one of their per-employee rules, a group
// join way or a mini-program link; what an operator reads is that source's name and its channel (获客渠道),
// never the state. Other modules (customer lists, exports and statistics, group members) call
// `namesOfStates` with the states of the rows they show; a state SCRM did not make (a contact way created in
// WeCom's own admin, a source since removed from the database) is unknown and shown as 未知渠道 with the raw
// state beside it.
import { sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { DbOrTx } from '../../platform/db/database.ts';
import type { Locale } from '../../platform/http/i18n.ts';

export type StateSourceType = 'link' | 'qr' | 'joinWay' | 'miniLink';

export interface StateNames {
  /** The link, QR code, join way or mini-program link whose state it is; null when SCRM doesn't know the state. */
  sourceName: string | null;
  sourceType: StateSourceType | null;
  /** Its 获客渠道; null when it has none (or the state is unknown). */
  channelName: string | null;
}

/** The names fields of an answer row that carries a state (zod, for response schemas). */
export const stateNamesShape = {
  sourceName: z.string().nullable().describe("the acquisition link, channel QR code, join way or mini-program link that made the state; null when SCRM doesn't know it (or there is no state)"),
  sourceType: z.enum(['link', 'qr', 'joinWay', 'miniLink']).nullable().describe('what kind of source sourceName is'),
  channelName: z.string().nullable().describe('the source\'s 获客渠道 (channel) name; null when it has none'),
};

export const NO_STATE_NAMES: StateNames = { sourceName: null, sourceType: null, channelName: null };

/**
 * The names of the given states (deleted sources included: old relations still came through them). A state
 * missing from the answer is unknown; '' is never looked up.
 */
export async function namesOfStates(db: DbOrTx, states: Iterable<string>): Promise<Map<string, StateNames>> {
  const wanted = [...new Set(states)].filter((state) => state !== '');
  const names = new Map<string, StateNames>();
  if (wanted.length === 0) return names;
  const list = sql`ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(wanted)}::jsonb))`;
  const result = await db.execute<{ state: string; source_name: string; source_type: StateSourceType; channel_name: string | null; rank: number }>(sql`
    SELECT s.state, s.source_name, s.source_type, ch.name AS channel_name, s.rank FROM (${sourcesOf((column) => sql`${column} = ANY(${list})`)}) s
    LEFT JOIN acq_channel ch ON ch.id = s.channel_id
    ORDER BY s.rank`);
  for (const row of result.rows) {
    if (names.has(row.state)) continue;
    names.set(row.state, { sourceName: row.source_name, sourceType: row.source_type, channelName: row.channel_name ?? null });
  }
  return names;
}

/** The sources whose state `match`es (a condition on each arm's state column), with their rank: links first. */
const sourcesOf = (match: (state: SQL) => SQL) => sql`
  SELECT l.state, l.link_name AS source_name, l.get_type AS source_type, l.channel_id, 0 AS rank FROM acq_link l WHERE ${match(sql`l.state`)}
  UNION ALL
  SELECT r.state, l.link_name, l.get_type, l.channel_id, 1 FROM acq_rule r JOIN acq_link l ON l.id = r.acq_link_id WHERE ${match(sql`r.state`)}
  UNION ALL
  SELECT j.state, j.name, 'joinWay', j.channel_id, 2 FROM acq_join_way j WHERE ${match(sql`j.state`)}
  UNION ALL
  SELECT m.state, m.name, 'miniLink', m.channel_id, 3 FROM acq_mini_link m WHERE ${match(sql`m.state`)}`;

/**
 * namesOfStates inside a page's own query (one round trip): the body of a CTE giving state, source_name, source_type
 * and channel_name for each known state of the rows of CTE `page` (a state it lacks is unknown). Each source table is
 * read once for the page: a lookup per row rescanned the small tables row by row (in PostgreSQL each scan of a table
 * asks the kernel for its size, one system call each; 客户列表's page made about a hundred of them).
 */
export const stateNamesOfPage = (page: string): SQL => {
  const states = sql.raw(`SELECT ${page}.state FROM ${page} WHERE ${page}.state <> ''`);
  return sql`SELECT DISTINCT ON (s.state) s.state, s.source_name, s.source_type, ch.name AS channel_name
  FROM (${sourcesOf((column) => sql`${column} IN (${states})`)}) s
  LEFT JOIN acq_channel ch ON ch.id = s.channel_id ORDER BY s.state, s.rank`;
};

/** The names a row joined to stateNamesOfPage carries. */
export const stateNamesOfRow = (row: Record<string, unknown>): StateNames => ({
  sourceName: (row.source_name as string | null) ?? null,
  sourceType: (row.source_type as StateSourceType | null) ?? null,
  channelName: (row.channel_name as string | null) ?? null,
});

/** Rows with a state, each given its names (rows of an unknown or empty state get nulls). */
export async function withStateNames<T extends { state: string }>(db: DbOrTx, rows: T[]): Promise<Array<T & StateNames>> {
  const names = await namesOfStates(db, rows.map((row) => row.state));
  return rows.map((row) => ({ ...row, ...(names.get(row.state) ?? NO_STATE_NAMES) }));
}

const WORDS = {
  unknown: { zh: '未知渠道', en: 'Unknown channel' },
  none: { zh: '无渠道', en: 'No channel' },
} as const;

/**
 * What a state reads as in a file or chart: 渠道 / 来源 names when known, 未知渠道 when not, '' (or 无渠道 with
 * `emptyAsNone`) without a state. The raw state goes in a column of its own.
 */
export function stateLabel(state: string, names: StateNames | undefined, locale: Locale = 'zh', options: { emptyAsNone?: boolean } = {}): string {
  if (state === '') return options.emptyAsNone ? WORDS.none[locale] : '';
  if (!names?.sourceName) return WORDS.unknown[locale];
  return names.channelName ? `${names.channelName} / ${names.sourceName}` : names.sourceName;
}

/**
 * The other way round, for filters "came through this channel or link": the states SCRM made for these channels
 * (their links, QR codes and per-employee rules, join ways, mini-program links) and these links or QR codes, with
 * the names of the channels and links that exist (an id missing from the maps is unknown).
 */
export async function statesOfSources(db: DbOrTx, sources: { channelIds?: number[]; linkIds?: number[] }): Promise<{ states: string[]; channels: Map<number, string>; links: Map<number, string> }> {
  const channelIds = sources.channelIds ?? [];
  const linkIds = sources.linkIds ?? [];
  const ids = (values: number[]) => sql`ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(values)}::jsonb)::bigint)`;
  const channels = new Map<number, string>();
  const links = new Map<number, string>();
  if (channelIds.length) {
    for (const row of (await db.execute<{ id: number; name: string }>(sql`SELECT id, name FROM acq_channel WHERE is_del = 0 AND id = ANY(${ids(channelIds)})`)).rows) channels.set(Number(row.id), row.name);
  }
  if (linkIds.length) {
    for (const row of (await db.execute<{ id: number; name: string }>(sql`SELECT id, link_name AS name FROM acq_link WHERE is_del = 0 AND id = ANY(${ids(linkIds)})`)).rows) links.set(Number(row.id), row.name);
  }
  const channelList = ids([...channels.keys()]);
  const linkList = ids([...links.keys()]);
  const result = await db.execute<{ state: string }>(sql`
    SELECT l.state FROM acq_link l WHERE l.channel_id = ANY(${channelList}) OR l.id = ANY(${linkList})
    UNION SELECT r.state FROM acq_rule r JOIN acq_link l ON l.id = r.acq_link_id WHERE l.channel_id = ANY(${channelList}) OR l.id = ANY(${linkList})
    UNION SELECT j.state FROM acq_join_way j WHERE j.channel_id = ANY(${channelList})
    UNION SELECT m.state FROM acq_mini_link m WHERE m.channel_id = ANY(${channelList})`);
  return { states: result.rows.map((row) => row.state).filter((state) => state !== ''), channels, links };
}

/** Where a state came from, by id and name (for an event that outlives renames, e.g. the customer timeline's customer_added). */
export interface StateSource {
  sourceType: StateSourceType;
  sourceId: number;
  sourceName: string;
  /** The acquisition link or QR code (acq_link) when the state is one's or one of its rules'. */
  getType: 'link' | 'qr' | null;
  channelId: number | null;
  channelName: string | null;
}

/** The source of one state; null when SCRM did not make it (or it is ''). */
export async function sourceOfState(db: DbOrTx, state: string): Promise<StateSource | null> {
  if (state === '') return null;
  const result = await db.execute<{ source_type: StateSourceType; source_id: number; source_name: string; get_type: 'link' | 'qr' | null; channel_id: number | null; channel_name: string | null }>(sql`
    SELECT s.source_type, s.source_id, s.source_name, s.get_type, s.channel_id, ch.name AS channel_name FROM (
      SELECT l.get_type AS source_type, l.id AS source_id, l.link_name AS source_name, l.get_type, l.channel_id, 0 AS rank FROM acq_link l WHERE l.state = ${state}
      UNION ALL
      SELECT l.get_type, l.id, l.link_name, l.get_type, l.channel_id, 1 FROM acq_rule r JOIN acq_link l ON l.id = r.acq_link_id WHERE r.state = ${state}
      UNION ALL
      SELECT 'joinWay', j.id, j.name, NULL, j.channel_id, 2 FROM acq_join_way j WHERE j.state = ${state}
      UNION ALL
      SELECT 'miniLink', m.id, m.name, NULL, m.channel_id, 3 FROM acq_mini_link m WHERE m.state = ${state}
    ) s LEFT JOIN acq_channel ch ON ch.id = s.channel_id
    ORDER BY s.rank LIMIT 1`);
  const row = result.rows[0];
  if (!row) return null;
  return {
    sourceType: row.source_type,
    sourceId: Number(row.source_id),
    sourceName: row.source_name,
    getType: row.get_type ?? null,
    channelId: row.channel_id === null ? null : Number(row.channel_id),
    channelName: row.channel_name ?? null,
  };
}
