import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';

export interface EmbeddedPostgres {
  connection: pg.PoolConfig;
  close(): Promise<void>;
}

export class DataDirLockedError extends Error {}

declare global {
  interface ImportMeta {
    /** true in the server's bundle (scripts/server-bundle.mjs), undefined when run as TypeScript. */
    SCRM_BUNDLE?: boolean;
  }
}

/**
 * PostgreSQL in-process (PGlite), served on a Unix socket so the app uses the same `pg` driver as in
 * production. `dataDir` undefined means in memory.
 */
export async function startEmbeddedPostgres(options: {
  dataDir?: string;
  maxConnections?: number;
}): Promise<EmbeddedPostgres & { pglite: PGlite }> {
  const { pgdata, releaseLock } = options.dataDir ? lockDataDir(options.dataDir) : { pgdata: undefined, releaseLock: () => {} };
  try {
    const served = await servePgliteOnSocket({ pgdata, maxConnections: options.maxConnections });
    return {
      pglite: served.pglite,
      connection: connectionTo(served.socketDir),
      async close() {
        await served.close();
        releaseLock();
      },
    };
  } catch (error) {
    releaseLock();
    throw error;
  }
}

// Where the embedded database's thread runs from: its own TypeScript, or beside the bundle that `npm start` runs
// (scripts/server-bundle.mjs defines import.meta.SCRM_BUNDLE and makes import.meta.url this source's location).
// As TypeScript, the thread registers tsx's loader first (a worker does not inherit this thread's hooks).
function databaseThread(workerData: unknown): Worker {
  if (import.meta.SCRM_BUNDLE) return new Worker(new URL('../../../dist/embedded-worker.js', import.meta.url), { workerData });
  const tsx = import.meta.resolve('tsx/esm/api');
  const script = new URL('./embedded-worker.ts', import.meta.url).href;
  return new Worker(`import(${JSON.stringify(tsx)}).then((tsx) => tsx.register()).then(() => import(${JSON.stringify(script)}))`, { eval: true, workerData });
}

/**
 * The same database on a thread of its own (embedded-worker.ts), for the server: it starts while the server's
 * modules load, and its queries run beside the server's event loop instead of on it. `onExit` is told when
 * the thread ends other than by `close()`.
 */
export async function startEmbeddedPostgresThread(options: { dataDir: string; template?: string; onExit: (error: Error) => void }): Promise<EmbeddedPostgres> {
  const { pgdata, releaseLock } = lockDataDir(options.dataDir);
  if (options.template) fromTemplate(pgdata, options.template);
  const worker = databaseThread({ pgdata });
  let closing = false;
  try {
    const socketDir = await new Promise<string>((ready, fail) => {
      const exited = (code: number) => fail(new Error(`the embedded database's thread exited (${code}) while starting`));
      worker.once('message', (message: { socketDir?: string; error?: string }) => {
        worker.off('error', fail).off('exit', exited);
        if (message.socketDir) ready(message.socketDir);
        else fail(new Error(message.error));
      });
      worker.once('error', fail).once('exit', exited);
    });
    worker.on('error', (error) => closing || options.onExit(error));
    worker.on('exit', (code) => closing || options.onExit(new Error(`the embedded database's thread exited (${code})`)));
    return {
      connection: connectionTo(socketDir),
      async close() {
        closing = true;
        // Its answer, or its end if it had already ended (close() must not wait forever then).
        const closed = new Promise((done) => worker.once('message', done).once('exit', done));
        worker.postMessage('close');
        await closed;
        await worker.terminate();
        releaseLock();
      },
    };
  } catch (error) {
    await worker.terminate();
    releaseLock();
    throw error;
  }
}

/** PGlite on a Unix socket, in this thread: by startEmbeddedPostgres, and by the thread of startEmbeddedPostgresThread. */
export async function servePgliteOnSocket(options: { pgdata?: string; maxConnections?: number }) {
  // Loaded here, not with this module: the server's thread, which only starts the database's, never loads them.
  const [{ PGlite }, { pg_trgm }, { servePglite }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite/contrib/pg_trgm'),
    import('./pglite-session-queue.ts'),
  ]);
  // The migrations create pg_trgm (keyword search indexes); PGlite can only load extensions it is given here.
  const pglite = await PGlite.create(options.pgdata ?? 'memory://', { extensions: { pg_trgm } });
  try {
    // Unix socket paths are limited to ~107 bytes: use a short private directory.
    const socketDir = mkdtempSync(join(tmpdir(), 'scrm-pg-'));
    const server = await servePglite(pglite, join(socketDir, '.s.PGSQL.5432'), options.maxConnections ?? 32);
    return {
      pglite,
      socketDir,
      async close() {
        await server.close();
        await pglite.close();
        rmSync(socketDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await pglite.close();
    throw error;
  }
}

function connectionTo(socketDir: string): pg.PoolConfig {
  return {
    host: socketDir,
    port: 5432,
    user: 'postgres',
    database: 'postgres',
    // A query waiting behind a stuck transaction fails instead of hanging forever.
    connectionTimeoutMillis: 60_000,
  };
}

/** The data dir's lock, taken, and where its database lives. */
function lockDataDir(dataDir: string): { pgdata: string; releaseLock: () => void } {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  return { pgdata: join(dir, 'pgdata'), releaseLock: acquirePidLock(join(dir, 'scrm.pid')) };
}

/**
 * A data dir without a database gets a copy of the template's (scripts/database-template.mjs: initialised and migrated),
 * copied beside it and renamed, so a start stopped while copying leaves no half database. Without a usable template,
 * PGlite initialises one as before.
 */
function fromTemplate(pgdata: string, template: string) {
  if (existsSync(pgdata) || !existsSync(join(template, 'key'))) return;
  const copying = `${pgdata}.${process.pid}.tmp`;
  try {
    cpSync(join(template, 'pgdata'), copying, { recursive: true });
    renameSync(copying, pgdata);
  } catch {
    rmSync(copying, { recursive: true, force: true });
  }
}

/** One process per data dir: PGlite has no locking of its own and two writers would corrupt it. */
function acquirePidLock(path: string): () => void {
  if (existsSync(path)) {
    const pid = Number(readFileSync(path, 'utf8').trim());
    if (pid && pid !== process.pid && isAlive(pid)) {
      throw new DataDirLockedError(
        `the data directory is in use by process ${pid} (${path}); stop it first or set DATA_DIR to another directory`,
      );
    }
  }
  writeFileSync(path, String(process.pid));
  return () => {
    try {
      if (readFileSync(path, 'utf8').trim() === String(process.pid)) rmSync(path);
    } catch {
      // already gone
    }
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
