import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import pg from 'pg';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { sql } from 'drizzle-orm';
import * as schema from '../../db/schema/index.ts';

export type Db = NodePgDatabase<typeof schema>;
/** A transaction handle has the same query API as the database. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbOrTx = Db | Tx;

export interface Database {
  db: Db;
  pool: pg.Pool;
  /** The connection settings, for pg-boss and other clients that open their own pool. */
  connection: pg.PoolConfig;
  /** Notifications on LISTEN_CHANNELS received by any pooled connection (PostgreSQL by URL only), by channel. */
  notices: EventEmitter;
  close(): Promise<void>;
}

/**
 * Channels every pooled connection listens on from its start. PostgreSQL sends a session its own notifications
 * before the COMMIT returns, so what this process commits is known here before the code that committed goes on
 * (platform/auth/auth-notifications.ts). Not on the embedded database: one session serves every connection.
 */
export const LISTEN_CHANNELS = ['scrm_auth'] as const;

// bigint ids (int8) come back as numbers: every id we mint fits in 2^53.
pg.types.setTypeParser(20, (value) => Number(value));

/** Drizzle on one checked-out connection (the pool's settings), made once per connection. */
const onConnection = new WeakMap<pg.PoolClient, Db>();
export function dbOnConnection(client: pg.PoolClient): Db {
  let db = onConnection.get(client);
  if (!db) onConnection.set(client, (db = drizzle({ client, schema, casing: 'snake_case' }) as unknown as Db));
  return db;
}

/**
 * Prepared statements on PostgreSQL: every parameterised query and every read is named after its text, so each connection parses
 * and plans it once and then only binds and executes (the plan of a page query cost as much as running it). The
 * names are bounded (a text past the bound runs unnamed, as before). A statement whose result shape changed under it
 * (a column added by another replica's migration, under `SELECT *`) is run again unnamed and never named again.
 * Not named: a statement filtering by a pattern or containment (after five runs PostgreSQL may keep one generic plan,
 * which can't know how selective a keyword is: 1-character customer searches went from 53 to 168 ms at p50), a
 * bulk statement (a long text or many values: each batch size is another text, planned once, held in every connection),
 * and a write whose rows come from a batch value (a JSON array, an array): its generic plan, kept from its sixth run,
 * knows neither the batch's size nor how far the table has grown since. A first group sync's quit detection kept a
 * plan made while group_member was nearly empty — a scan of every current member for each batch of 57 groups,
 * 40 ms a batch instead of 14 (auto_explain, 400,000 members).
 */
const MAX_STATEMENTS = 2000;
const MAX_NAMED_TEXT = 16_384;
const MAX_NAMED_VALUES = 500;
const PLANNED_PER_VALUE = /\bI?LIKE\b|@>|<@|<%|%>|\bSIMILAR TO\b/i;
const BATCH_WRITE = /\bINSERT\s+INTO\b|\bDELETE\s+FROM\b|\bUPDATE\s+[\w."]+(\s+(AS\s+)?\w+)?\s+SET\b/i;
const FROM_BATCH = /\b(jsonb_to_recordset|jsonb_array_elements(_text)?|unnest)\s*\(/i;
const PLANNED_PER_RUN_MARK = '/* planned per run */';
/**
 * Written into a statement to keep it unnamed, planned for each run's values: a long read (an export batch) whose
 * planning is cheap beside its run, and whose generic plan can't use the values — a list of employees there is a list
 * of parameters, searched linearly for every row scanned instead of hashed (an export of 100,000 rows: 3.6–4.1 s of
 * queries instead of 3.1 s).
 */
export const PLANNED_PER_RUN = sql.raw(`${PLANNED_PER_RUN_MARK} `);
const statementNames = new Map<string, string | null>(); // text → name, null: never named
function statementName(text: string, values: number): string | undefined {
  const known = statementNames.get(text);
  if (known !== undefined) return known ?? undefined;
  if (statementNames.size >= MAX_STATEMENTS || text.length > MAX_NAMED_TEXT || values > MAX_NAMED_VALUES) return undefined;
  if (PLANNED_PER_VALUE.test(text) || text.includes(PLANNED_PER_RUN_MARK) || (BATCH_WRITE.test(text) && FROM_BATCH.test(text))) {
    statementNames.set(text, null);
    return undefined;
  }
  const name = `s${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
  statementNames.set(text, name);
  return name;
}
/** A read: named even without values (a page's first page has none for an all-scope caller; see db/prepared.ts). */
const READ = /^\s*(SELECT|WITH)\b/i;
const resultShapeChanged = (error: unknown) => (error as { code?: string; message?: string })?.code === '0A000' && /cached plan must not change result type/.test((error as Error).message);

/**
 * Rows read as arrays (drizzle's selects, db/prepared.ts) need only each field's parser. pg's addFields also builds,
 * for every result, an empty record keyed by the field names, used only for rows read as objects: a dictionary and
 * its copy per query, 4% of the server's time on clue/page and sys/user/page (bench/http-baseline --profile).
 */
interface PgResultInternals {
  rowAsArray: boolean;
  fields: { name: string; dataTypeID: number; format?: 'text' | 'binary' }[];
  _parsers: ((value: string) => unknown)[];
  _types?: { getTypeParser: (oid: number, format: 'text' | 'binary') => (value: string) => unknown };
  parseRow?: (values: (string | null)[]) => unknown;
}
const resultPrototype = pg.Result.prototype as unknown as PgResultInternals & { addFields: (this: PgResultInternals, fields: PgResultInternals['fields']) => void };
const addFieldsForObjects = resultPrototype.addFields;
resultPrototype.addFields = function (fields) {
  const builder = this.rowAsArray ? undefined : objectRowBuilder(fields);
  if (!this.rowAsArray && !builder) return addFieldsForObjects.call(this, fields);
  this.fields = fields;
  const types = this._types ?? pg.types;
  const parsers = (this._parsers = fields.map((field) => types.getTypeParser(field.dataTypeID, field.format || 'text') as (value: string) => unknown));
  if (builder) this.parseRow = (values) => builder(values, parsers);
};

/**
 * Rows read as objects (db.execute: 客户列表's page reads 44 columns so) are each one object literal, from a function
 * made once per list of field names. pg fills a copy of a null-prototype record key by key, and past 19 keys V8 keeps
 * such an object as a dictionary: every row was a hash table to build and then to read. As with pg, a later field of
 * the same name wins. Not for binary fields (pg copies their buffers) nor a field named __proto__ (a literal would
 * set the prototype); those, and field lists past the bound, are read as pg reads them.
 */
type ObjectRowBuilder = (values: (string | null)[], parsers: ((value: string) => unknown)[]) => Record<string, unknown>;
const MAX_OBJECT_ROW_SHAPES = 2000;
const builderOfFields = new WeakMap<object, ObjectRowBuilder | null>();
const builderOfNames = new Map<string, ObjectRowBuilder | null>();
function objectRowBuilder(fields: PgResultInternals['fields']): ObjectRowBuilder | undefined {
  // A named statement's fields are the same array on every run (the description kept below).
  let builder = builderOfFields.get(fields);
  if (builder !== undefined) return builder ?? undefined;
  const key = fields.map((field) => field.name).join('\u0000');
  builder = builderOfNames.get(key);
  if (builder === undefined) {
    if (builderOfNames.size >= MAX_OBJECT_ROW_SHAPES) return undefined;
    const plain = fields.every((field) => (field.format ?? 'text') === 'text' && field.name !== '__proto__');
    const values = fields.map((field, i) => `${JSON.stringify(field.name)}: values[${i}] === null ? null : parsers[${i}](values[${i}])`);
    builder = plain ? (new Function('values', 'parsers', `return { ${values.join(', ')} };`) as ObjectRowBuilder) : null;
    builderOfNames.set(key, builder);
  }
  builderOfFields.set(fields, builder);
  return builder ?? undefined;
}

/**
 * A named statement's rows are described once per connection. pg asks the server to describe the portal on every run
 * (Describe), so each run of a page's statement carried its RowDescription — every column's name and type — and the
 * client parsed it again (clue/page has 31 columns; alternating bench/http-baseline runs: the server's CPU per request
 * −4%, the database's −2%). A statement's result shape cannot change while it is prepared on that connection (the
 * server refuses the run: "cached plan must not change result type", and the statement is then run unnamed), so the
 * description read on its first run stands for the later ones.
 */
interface PgQueryInternals {
  name?: string;
  binary?: boolean;
  handleRowDescription(message: { fields: unknown[] }): void;
  prepare(connection: PgConnectionInternals): void;
}
interface PgConnectionInternals {
  describe(message: { type: 'P'; name: string }): void;
}
const described = new WeakMap<PgConnectionInternals, Map<string, unknown[]>>();
const queryPrototype = (pg as unknown as { Query: { prototype: PgQueryInternals } }).Query.prototype;
const prepareQuery = queryPrototype.prepare;
const describeRows = queryPrototype.handleRowDescription;
queryPrototype.prepare = function (connection) {
  const key = this.name && `${this.binary ? 'b' : 't'}${this.name}`;
  const known = key ? described.get(connection)?.get(key) : undefined;
  if (!key) return prepareQuery.call(this, connection);
  const describe = connection.describe;
  connection.describe = known
    ? () => describeRows.call(this, { fields: known })
    : (message) => {
        (this as PgQueryInternals & { describing?: [PgConnectionInternals, string] }).describing = [connection, key];
        describe.call(connection, message);
      };
  try {
    prepareQuery.call(this, connection);
  } finally {
    delete (connection as Partial<PgConnectionInternals>).describe; // the prototype's again
  }
};
queryPrototype.handleRowDescription = function (message) {
  const describing = (this as PgQueryInternals & { describing?: [PgConnectionInternals, string] }).describing;
  if (describing) {
    let names = described.get(describing[0]);
    if (!names) described.set(describing[0], (names = new Map()));
    names.set(describing[1], message.fields);
  }
  describeRows.call(this, message);
};

type QueryCallback = (error: Error | null, result?: unknown) => void;

/**
 * The pool's client on PostgreSQL: it listens before the pool hands it out (its connect resolves after the LISTEN)
 * and names its statements (above).
 */
function postgresClient(notices: EventEmitter): typeof pg.Client {
  class PostgresClient extends pg.Client {
    constructor(config?: string | pg.ClientConfig) {
      super(config);
      this.on('notification', (message) => notices.emit(message.channel, message.payload));
    }
  }
  const { connect, query } = pg.Client.prototype as unknown as { connect: (...args: unknown[]) => Promise<unknown>; query: (...args: unknown[]) => unknown };
  // pg-pool connects with a callback; others may await.
  PostgresClient.prototype.connect = function (this: pg.Client, callback?: (error: Error | null, client?: pg.Client) => void) {
    const ready = connect.call(this).then(async () => {
      for (const channel of LISTEN_CHANNELS) await this.query(`LISTEN ${channel}`);
      return this;
    });
    if (!callback) return ready;
    ready.then((client) => callback(null, client), (error: Error) => callback(error));
  } as typeof pg.Client.prototype.connect;
  (PostgresClient.prototype as unknown as { query: unknown }).query = function (this: pg.Client, config: unknown, values?: unknown, callback?: unknown) {
    if (typeof values === 'function') [callback, values] = [values, undefined];
    const plain = typeof config === 'string' ? { text: config } : (config as { text?: unknown; name?: unknown; submit?: unknown; values?: unknown[] } | null);
    const text = plain && typeof plain.text === 'string' && plain.name === undefined && typeof plain.submit !== 'function' ? plain.text : undefined;
    const params = Array.isArray(values) ? values : plain?.values;
    const name = text !== undefined && (params?.length || READ.test(text)) ? statementName(text, params?.length ?? 0) : undefined;
    if (!name) return query.call(this, config, values, callback);
    const named = { ...plain, values: params, name };
    const unnamed = () => (statementNames.set(text!, null), { ...plain, values: params });
    if (typeof callback === 'function') {
      query.call(this, named, (error: Error | null, result: unknown) =>
        error && resultShapeChanged(error) ? query.call(this, unnamed(), callback) : (callback as QueryCallback)(error, result),
      );
      return undefined;
    }
    return (query.call(this, named) as Promise<unknown>).catch((error: unknown) => {
      if (resultShapeChanged(error)) return query.call(this, unnamed());
      throw error;
    });
  };
  return PostgresClient;
}

export function openDatabase(connection: pg.PoolConfig): Database {
  const notices = new EventEmitter();
  const pool = new pg.Pool({ max: 10, idleTimeoutMillis: 30_000, ...connection, ...(connection.connectionString ? { Client: postgresClient(notices) } : {}) });
  // An idle client losing its server must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const db = drizzle({ client: pool, schema, casing: 'snake_case' });
  return { db, pool, connection, notices, close: () => pool.end() };
}
