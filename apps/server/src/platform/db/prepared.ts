import { sql, type Placeholder, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';

/** A drizzle query that can be prepared: built to SQL once, then run with placeholder values. */
interface Preparable<R> {
  prepare(name: string): { execute(values?: Record<string, unknown>): Promise<R> };
}

/**
 * Queries built once per shape and run with each request's values. On the hot pages drizzle's query building
 * took more of the server's CPU than anything else (bench/http-baseline --profile): a page's query has few
 * shapes (which filters are present, the caller's kind of scope), so each is built once, with `p(name)`
 * placeholders for its values. Unnamed at the driver: the PostgreSQL client names statements itself
 * (db/database.ts), and PGlite's one session is shared by every pooled client.
 */
export function preparedByShape<R>(build: (shape: string, p: (name: string) => Placeholder) => Preparable<R>, maxShapes = 256) {
  const prepared = new Map<string, { execute(values?: Record<string, unknown>): Promise<R> }>();
  return (shape: string, values: Record<string, unknown>): Promise<R> => {
    let query = prepared.get(shape);
    if (!query) {
      if (prepared.size >= maxShapes) prepared.delete(prepared.keys().next().value!);
      query = build(shape, (name) => sql.placeholder(name)).prepare(undefined as unknown as string);
      prepared.set(shape, query);
    }
    return query.execute(values);
  };
}

/**
 * A page's query per shape and page size, the first page apart: the size is written into the statement, and so is
 * the first page's offset (none); a later page's offset stays a value (`p('offset')`). With `LIMIT $n` or `OFFSET $n`
 * PostgreSQL's generic plan assumes a tenth of the rows, costs more than a plan for 20, and so the statement was
 * planned anew on every run (pg_prepared_statements: custom plans only) — planning cost the database more than
 * running the page. Page sizes are few (1–500, the console's four); the first page is the one a list opens on.
 */
export function preparedPage<R>(
  build: (shape: string, p: (name: string) => Placeholder, page: { limit: SQL; offset: SQL | Placeholder }) => Preparable<R>,
  maxShapes = 256,
) {
  const byKey = preparedByShape((key, p) => {
    const [shape, limit, first] = key.split('|');
    return build(shape, p, { limit: literalLimit(Number(limit)), offset: first === 'first' ? sql.raw('0') : p('offset') });
  }, maxShapes);
  return (shape: string, values: Record<string, unknown> & { limit: number; offset: number }): Promise<R> =>
    byKey(`${shape}|${values.limit}|${values.offset === 0 ? 'first' : 'later'}`, values);
}

/** `LIMIT n [OFFSET $m]` for a raw page query, as preparedPage writes it. */
export const pageClause = (limit: number, offset: number): SQL =>
  offset === 0 ? sql`LIMIT ${literalLimit(limit)}` : sql`LIMIT ${literalLimit(limit)} OFFSET ${offset}`;

/** A page size written into a statement: a whole number, checked, never text from a caller. */
function literalLimit(limit: number): SQL {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new TypeError(`LIMIT ${limit}`);
  return sql.raw(String(limit));
}

/**
 * `is_del = 0` written into the statement, not as a value: the live rows' partial indexes (`WHERE is_del = 0`) can
 * serve a prepared statement's generic plan only when the condition is a literal, so with `is_del = $1` PostgreSQL
 * planned such statements anew on every run.
 */
export const notDeleted = (table: { isDel: AnyPgColumn }): SQL => sql`${table.isDel} = 0`;
