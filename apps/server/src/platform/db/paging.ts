import { sql, type SQL } from 'drizzle-orm';
import type { Page, PageQuery } from '../http/schemas.ts';

/** LIKE pattern for a user's text: wildcards in it are matched literally. */
export const contains = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * Whether a pg_trgm index can serve `ILIKE contains(text)`: pg_trgm indexes only the trigrams of words (runs of
 * letters and digits), so a keyword without 3 word characters in a row gives it nothing to look up.
 */
export const trigramSearchable = (text: string): boolean => /[\p{L}\p{N}]{3}/u.test(text);

/**
 * `column ILIKE contains(keyword)`, index-served at any keyword length on a column that has both a pg_trgm index and a
 * GIN index over text_grams(column) (customer.name, customer_relation.remark): a keyword trigrams cannot serve also asks
 * for its grams (migration 0011), which the latter index answers; the ILIKE stays as the exact check.
 */
export function containsKeyword(column: SQL, keyword: string): SQL {
  const like = sql`${column} ILIKE ${contains(keyword)}`;
  return trigramSearchable(keyword) ? like : sql`(${like} AND text_grams(${column}) @> keyword_grams(${keyword}))`;
}

/** Runs the count and the page query side by side and assembles the contract's page payload. */
export async function paginate<T>(
  query: PageQuery,
  count: () => Promise<number>,
  rows: (limit: number, offset: number) => Promise<T[]>,
): Promise<Page<T>> {
  const [total, records] = await Promise.all([count(), rows(query.pageSize, (query.pageNum - 1) * query.pageSize)]);
  return { records, total, pageNum: query.pageNum, pageSize: query.pageSize };
}

/** A page's records and the total its statement carried (`pageTotal` on its rows; undefined when it has none). */
export interface PageRows<T> {
  records: T[];
  total: unknown;
}

/**
 * The page and its total in one statement: each row carries `pageTotal`, the count as an uncorrelated scalar
 * subquery (PostgreSQL computes it once, with its own plan), so a page costs one round trip instead of two — on
 * a busy server the writes to the database cost more than the queries. A page past the end has no row to carry
 * it: then the count alone. `rows` gives the records without it (preparedPage reads it aside).
 */
export async function paginateInOne<T>(
  query: PageQuery,
  rows: (limit: number, offset: number) => Promise<PageRows<T>>,
  count: () => Promise<number>,
): Promise<Page<T>> {
  const found = await rows(query.pageSize, (query.pageNum - 1) * query.pageSize);
  const total = found.records.length ? Number(found.total) : query.pageNum === 1 ? 0 : await count();
  return { records: found.records, total, pageNum: query.pageNum, pageSize: query.pageSize };
}

export const countAll = sql<number>`count(*)::int`;

export const and_ = (parts: (SQL | undefined)[]): SQL | undefined => {
  const present = parts.filter((p): p is SQL => p !== undefined);
  return present.length ? sql.join(present, sql` AND `) : undefined;
};

/** `WHERE a AND b …` over the conditions given (nothing when none is). */
export const whereOf = (parts: (SQL | undefined)[]): SQL => {
  const all = and_(parts);
  return all ? sql`WHERE ${all}` : sql``;
};
