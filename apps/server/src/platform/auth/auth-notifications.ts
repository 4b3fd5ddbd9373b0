// What every request's authentication depends on — the auth version (bumped by triggers on users, roles, menus,
// grants and departments) and the signed-out tokens — pushed by PostgreSQL on the channel `scrm_auth` (migration
// 0032) instead of read per request, which was one round trip of every authenticated request.
//
// Kept correct by construction:
// - A dedicated listening connection: while it is connected (LISTEN issued, then the state read), the state here
//   is current; when it drops, `current()` answers null and requests read the database as before until it is back.
// - Every pooled connection listens too (platform/db/database.ts): a change this process commits is applied here
//   before the code that made it goes on, so a disable, a grant or a logout holds at once on this replica, and on
//   the others as soon as the notice arrives (milliseconds; the bound is one second).
// Only on PostgreSQL reached by URL: the embedded database multiplexes every connection onto one session.
import pg from 'pg';
import type { Database } from '../db/database.ts';

const CHANNEL = 'scrm_auth';
/** The listening session's application_name (seen in pg_stat_activity). */
export const LISTENER_NAME = 'scrm-auth-listener';
const RETRY_MS = 1000;
/** The listener is asked this often whether it is there; the pushed state is trusted only while it answered lately. */
const PING_MS = 300;
const TRUSTED_MS = 1000;
const PRUNE_MS = 10 * 60_000;

export interface AuthState {
  version: string;
  revoked: boolean;
}

export interface AuthNotifications {
  /** The current auth version and whether this token is signed out; null: unknown here, read the database. */
  current(jti: string): AuthState | null;
  close(): Promise<void>;
}

/** Versions are increasing integers (text in sys_config); a late notice never moves the version back. */
const newer = (a: string, b: string) => (BigInt(a) >= BigInt(b) ? a : b);

export function createAuthNotifications(database: Pick<Database, 'connection' | 'notices'>, log: (message: string, error?: unknown) => void = () => {}): AuthNotifications {
  let version = '0';
  const revoked = new Map<string, number>(); // jti → when the token expires (ms)
  /** The listening connection, once it listens and the state is read: the pushed state is current while it is set. */
  let listener: pg.Client | undefined;
  // A connection can die without a word (a network partition): the state counts as current while pings answer.
  let answeredAt = 0;
  let pinging = false;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  function apply(payload: string | undefined): void {
    if (!payload) return;
    if (payload.startsWith('v:')) version = newer(payload.slice(2), version);
    else if (payload.startsWith('r:')) {
      const [expires, ...jti] = payload.slice(2).split(':');
      revoked.set(jti.join(':'), Number(expires));
    }
  }
  database.notices.on(CHANNEL, apply);

  async function connect(): Promise<void> {
    if (closed) return;
    const client = new pg.Client({ ...database.connection, application_name: LISTENER_NAME });
    let dropped = false;
    const drop = (error?: unknown) => {
      if (dropped) return;
      dropped = true;
      if (listener === client) listener = undefined;
      if (error && !closed) log('auth notifications: the listening connection dropped; requests read the database until it is back', error);
      client.end().catch(() => {});
      if (!closed) retry = setTimeout(() => void connect(), RETRY_MS).unref();
    };
    client.on('error', drop);
    client.on('end', () => drop());
    client.on('notification', (message) => {
      if (message.channel === CHANNEL) apply(message.payload);
    });
    try {
      await client.connect();
      // Listening first, then the state: nothing committed in between is missed.
      await client.query(`LISTEN ${CHANNEL}`);
      const { rows } = await client.query<{ value: string | null }>(`SELECT value FROM sys_config WHERE key = 'auth_version'`);
      const tokens = await client.query<{ jti: string; expires: string }>(
        `SELECT jti, (extract(epoch FROM expires_at) * 1000)::bigint::text AS expires FROM sys_revoked_token WHERE expires_at > now()`,
      );
      version = newer(rows[0]?.value ?? '0', version);
      for (const token of tokens.rows) revoked.set(token.jti, Number(token.expires));
      if (dropped) return;
      if (closed) {
        await client.end().catch(() => {});
        return;
      }
      listener = client;
      answeredAt = performance.now();
    } catch (error) {
      drop(error);
    }
  }

  // Tokens past their expiry are refused by their signature anyway: their revocations can go.
  const prune = setInterval(() => {
    const now = Date.now();
    for (const [jti, expires] of revoked) if (expires < now) revoked.delete(jti);
  }, PRUNE_MS).unref();

  const ping = setInterval(() => {
    const client = listener;
    if (!client || pinging) return;
    pinging = true;
    client
      .query('SELECT 1')
      .then(() => {
        if (listener === client) answeredAt = performance.now();
      })
      .catch(() => {}) // the connection's error event drops it
      .finally(() => (pinging = false));
  }, PING_MS).unref();

  void connect();

  return {
    current(jti) {
      return listener && performance.now() - answeredAt < TRUSTED_MS ? { version, revoked: revoked.has(jti) } : null;
    },
    async close() {
      closed = true;
      clearInterval(prune);
      clearInterval(ping);
      if (retry) clearTimeout(retry);
      database.notices.off(CHANNEL, apply);
      const client = listener;
      listener = undefined;
      await client?.end().catch(() => {});
    },
  };
}
