// The one resolver of channel states to names. A relation's or group member's `state` is the state SCRM put
// on an acquisition link (customer_channel), a channel QR code or one of their per-employee rules, a group
// join way or a mini-program link; what an operator reads is that source's name and its channel (获客渠道),
// never the state. Other modules (customer lists, exports and statistics, group members) call
// `namesOfStates` with the states of the rows they show; a state SCRM did not make (a contact way created in
// WeCom's own admin, a source since removed from the database) is unknown and shown as 未知渠道 with the raw
// state beside it.
import { sql } from 'drizzle-orm';
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
    SELECT s.state, s.source_name, s.source_type, ch.name AS channel_name, s.rank FROM (
      SELECT l.state, l.link_name AS source_name, l.get_type AS source_type, l.channel_id, 0 AS rank FROM acq_link l WHERE l.state = ANY(${list})
      UNION ALL
      SELECT r.state, l.link_name, l.get_type, l.channel_id, 1 FROM acq_rule r JOIN acq_link l ON l.id = r.acq_link_id WHERE r.state = ANY(${list})
      UNION ALL
      SELECT j.state, j.name, 'joinWay', j.channel_id, 2 FROM acq_join_way j WHERE j.state = ANY(${list})
      UNION ALL
      SELECT m.state, m.name, 'miniLink', m.channel_id, 3 FROM acq_mini_link m WHERE m.state = ANY(${list})
    ) s LEFT JOIN acq_channel ch ON ch.id = s.channel_id
    ORDER BY s.rank`);
  for (const row of result.rows) {
    if (names.has(row.state)) continue;
    names.set(row.state, { sourceName: row.source_name, sourceType: row.source_type, channelName: row.channel_name ?? null });
  }
  return names;
}

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
