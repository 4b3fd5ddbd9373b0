import { Column, fillPlaceholders, is, noopDecoder, SQL, sql, type DriverValueDecoder, type Placeholder } from 'drizzle-orm';
import { PgDialect, type AnyPgColumn } from 'drizzle-orm/pg-core';
import pg from 'pg';
import type { DbOrTx } from './database.ts';
import type { PageRows } from './paging.ts';

/** A drizzle select over flat fields (columns and SQL), built to SQL once, then run with placeholder values. */
interface Preparable<R> {
  execute: (values?: Record<string, unknown>) => Promise<R>;
  toSQL(): { sql: string; params: unknown[] };
  _: { selectedFields: Record<string, unknown> };
}

/** Date and time values come back as text, for the columns' own decoders (as drizzle's node-postgres driver does). */
const RAW_TEXT_TYPES = new Set([1082, 1114, 1115, 1182, 1184, 1185, 1186, 1187, 1231]);
const raw = (value: string) => value;
const types = { getTypeParser: (oid: number, format?: string) => (RAW_TEXT_TYPES.has(oid) ? raw : pg.types.getTypeParser(oid, format as never)) };

/**
 * The statement of a select and a mapper from its rows (as arrays) to records: one object per row, filled field by
 * field. Drizzle's own mapper walks each field's path with iterators and type checks per value, which on the hot
 * pages cost more than building the records (bench/http-baseline --profile; 61 KB of garbage per clue/page).
 */
function compile<R>(query: Preparable<R>, carried: readonly string[] = []) {
  const fields = query._.selectedFields;
  const all = Object.keys(fields);
  // The record's keys and where each is in a row; `carried` fields (a page's total) ride on the rows but are no fields.
  const keys = all.filter((key) => !carried.includes(key));
  const positions = keys.map((key) => all.indexOf(key));
  const carriedAt = carried.map((key) => [key, all.indexOf(key)] as const);
  // Each field's decoder, bound once; none where it returns the value as it is (text, most SQL).
  const decoders = keys.map((key): ((value: unknown) => unknown) | null => {
    const field = fields[key];
    // SQL's decoder (mapWith's) is internal to drizzle's typings.
    const decoder: DriverValueDecoder<unknown, unknown> = is(field, Column)
      ? field
      : is(field, SQL)
        ? (field as unknown as { decoder: DriverValueDecoder<unknown, unknown> }).decoder
        : is(field, SQL.Aliased)
          ? (field.sql as unknown as { decoder: DriverValueDecoder<unknown, unknown> }).decoder
          : unsupported(key);
    return AS_IS.has(decoder.mapFromDriverValue) ? null : decoder.mapFromDriverValue.bind(decoder);
  });
  const { sql: text, params } = query.toSQL();
  const record = recordBuilder(keys, positions, decoders);
  const toRecords = (rows: unknown[][]) => rows.map((row) => record(row, decoders));
  const carriedOf = (rows: unknown[][]): Record<string, unknown> =>
    Object.fromEntries(carriedAt.map(([key, at]) => [key, rows.length === 0 ? undefined : rows[0][at]]));
  return { text, params, toRecords, carriedOf };
}

/**
 * A function that makes a row's record as one object literal with every key, written for the select's fields. Filled
 * key by key (`record[key] = value`), 20 records of clue/page's 31 fields took ~14 µs against under 1 µs, and past 19
 * keys such a record becomes a dictionary unless an object with the same keys was filled before (V8 adds no more fast
 * properties by keyed stores). The keys are the select's own field names, never a caller's text.
 */
function recordBuilder(keys: string[], positions: number[], decoders: (((value: unknown) => unknown) | null)[]) {
  const values = keys.map((key, i) => {
    // In a literal, `__proto__:` would set the prototype.
    if (key === '__proto__') throw new TypeError('a prepared select has no field named __proto__');
    const at = `row[${positions[i]}]`;
    return `${JSON.stringify(key)}: ${decoders[i] === null ? at : `${at} === null ? null : decoders[${i}](${at})`}`;
  });
  return new Function('row', 'decoders', `return { ${values.join(', ')} };`) as (row: unknown[], decoders: unknown[]) => Record<string, unknown>;
}

const AS_IS = new Set<unknown>([noopDecoder.mapFromDriverValue, Column.prototype.mapFromDriverValue]);
const unsupported = (key: string): never => {
  throw new TypeError(`prepared selects are flat: ${key} is neither a column nor SQL`);
};

/**
 * Queries built once per shape and run with each request's values. On the hot pages drizzle's query building
 * took more of the server's CPU than anything else (bench/http-baseline --profile): a page's query has few
 * shapes (which filters are present, the caller's kind of scope), so each is built once, with `p(name)`
 * placeholders for its values. Unnamed here: the PostgreSQL client names statements itself (db/database.ts),
 * and PGlite's one session is shared by every pooled client. They run on `db`'s pool (or its one connection).
 */
export function preparedByShape<R>(
  db: DbOrTx,
  build: (shape: string, p: (name: string) => Placeholder) => Preparable<R>,
  maxShapes = 256,
) {
  const run = runByShape(db, build, maxShapes);
  return async (shape: string, values: Record<string, unknown>): Promise<R> => (await run(shape, values)).records as R;
}

/** preparedByShape's runner: the records, and the values of the `carried` fields (on the first row; none without rows). */
function runByShape<R>(db: DbOrTx, build: (shape: string, p: (name: string) => Placeholder) => Preparable<R>, maxShapes: number, carried: readonly string[] = []) {
  const client = clientOf(db);
  const compiled = builtOncePerShape((shape) => compile(build(shape, (name) => sql.placeholder(name)), carried), maxShapes);
  return async (shape: string, values: Record<string, unknown>) => {
    const query = compiled(shape);
    const { rows } = await client.query<unknown[]>({ text: query.text, values: fillPlaceholders(query.params, values), rowMode: 'array', types });
    return { records: query.toRecords(rows), carried: query.carriedOf(rows) };
  };
}

/** The pool (or the one connection) a prepared query runs on. */
function clientOf(db: DbOrTx): pg.Pool | pg.PoolClient {
  const client = (db as { $client?: pg.Pool | pg.PoolClient }).$client;
  if (!client) throw new TypeError('prepared queries run on the database or a connection, not in a transaction');
  return client;
}

/** What `make` builds for a shape, made on its first use and kept (at most maxShapes, the oldest dropped first). */
function builtOncePerShape<T>(make: (shape: string) => T, maxShapes: number): (shape: string) => T {
  const built = new Map<string, T>();
  return (shape) => {
    let made = built.get(shape);
    if (made === undefined) {
      if (built.size >= maxShapes) built.delete(built.keys().next().value!);
      made = make(shape);
      built.set(shape, made);
    }
    return made;
  };
}

/** The key of a page's statement, and the shape, page size and first page it stands for (preparedPage's comment). */
const pageKey = (shape: string, values: { limit: number; offset: number }) => `${shape}|${values.limit}|${values.offset === 0 ? 'first' : 'later'}`;
function pageOfKey(key: string, p: (name: string) => Placeholder): { shape: string; page: { limit: SQL; offset: SQL | Placeholder } } {
  const [shape, limit, first] = key.split('|');
  return { shape, page: { limit: literalLimit(Number(limit)), offset: first === 'first' ? sql.raw('0') : p('offset') } };
}

/**
 * A page's query per shape and page size, the first page apart: the size is written into the statement, and so is
 * the first page's offset (none); a later page's offset stays a value (`p('offset')`). With `LIMIT $n` or `OFFSET $n`
 * PostgreSQL's generic plan assumes a tenth of the rows, costs more than a plan for 20, and so the statement was
 * planned anew on every run (pg_prepared_statements: custom plans only) — planning cost the database more than
 * running the page. Page sizes are few (1–500, the console's four); the first page is the one a list opens on.
 */
export function preparedPage<R extends readonly unknown[], C extends string = never>(
  db: DbOrTx,
  build: (shape: string, p: (name: string) => Placeholder, page: { limit: SQL; offset: SQL | Placeholder }) => Preparable<R>,
  options: { maxShapes?: number; carry?: readonly C[] } = {},
) {
  const carry = options.carry ?? [];
  const byKey = runByShape(
    db,
    (key, p) => {
      const { shape, page } = pageOfKey(key, p);
      return build(shape, p, page);
    },
    options.maxShapes ?? 256,
    ['pageTotal', ...carry],
  );
  /**
   * The page's records, its `pageTotal` field's value when it selects one (paginateInOne), and the values of the fields
   * in `carry` (on the first row; undefined without rows): never fields of a record.
   */
  return async (shape: string, values: Record<string, unknown> & { limit: number; offset: number }) => {
    const { records, carried } = await byKey(pageKey(shape, values), values);
    const { pageTotal, ...rest } = carried;
    return { records: records as Omit<R[number], 'pageTotal' | C>[], total: pageTotal, carried: rest as Record<C, unknown> };
  };
}

/**
 * preparedPage for a page written as SQL rather than a drizzle select (客户列表's, with its CTEs): built to its text
 * once per shape and page, its rows read as objects, with dates as text (as drizzle's driver reads them). Building it
 * per request (drizzle, the filters and the scope, then hashing its 4 KB text to find the statement's name) took
 * 18–33% of the page's server CPU (bench/http-baseline, before and after).
 */
export function preparedSqlPage<Row>(
  db: DbOrTx,
  build: (shape: string, p: (name: string) => Placeholder, page: { limit: SQL; offset: SQL | Placeholder }) => SQL,
  maxShapes = 256,
) {
  const client = clientOf(db);
  const rendered = builtOncePerShape((key) => {
    const p = (name: string) => sql.placeholder(name);
    const { shape, page } = pageOfKey(key, p);
    return dialect.sqlToQuery(build(shape, p, page));
  }, maxShapes);
  return async (shape: string, values: Record<string, unknown> & { limit: number; offset: number }): Promise<Row[]> => {
    const query = rendered(pageKey(shape, values));
    return (await client.query({ text: query.sql, values: fillPlaceholders(query.params, values), types })).rows as Row[];
  };
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

const dialect = new PgDialect({ casing: 'snake_case' });

/**
 * A fragment without values, written to its text once (sql.raw): drizzle walks every chunk of a fragment each time a
 * statement holding it is rendered, and 客户列表's page is built per request — its columns, channel names and tag list
 * took ~20 µs a request to render. Rendered as the app's drizzle renders (snake_case names).
 */
export function renderedOnce(fragment: SQL): SQL {
  const { sql: text, params } = dialect.sqlToQuery(fragment);
  if (params.length) throw new TypeError(`a fragment rendered once holds no values: ${text.slice(0, 200)}`);
  return sql.raw(text);
}
