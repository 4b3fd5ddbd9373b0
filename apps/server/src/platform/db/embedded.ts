import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { servePglite } from './pglite-session-queue.ts';
import type pg from 'pg';

export interface EmbeddedPostgres {
  connection: pg.PoolConfig;
  pglite: PGlite;
  close(): Promise<void>;
}

export class DataDirLockedError extends Error {}

/**
 * PostgreSQL in-process (PGlite), served on a Unix socket so the app uses the same `pg` driver as in
 * production. `dataDir` undefined means in memory; `loadDataDir` starts from a dump (tests).
 */
export async function startEmbeddedPostgres(options: {
  dataDir?: string;
  loadDataDir?: Blob;
  maxConnections?: number;
}): Promise<EmbeddedPostgres> {
  let releaseLock = () => {};
  let pgdata: string | undefined;
  if (options.dataDir) {
    const dir = resolve(options.dataDir);
    mkdirSync(dir, { recursive: true });
    releaseLock = acquirePidLock(join(dir, 'scrm.pid'));
    pgdata = join(dir, 'pgdata');
  }
  let pglite: PGlite;
  try {
    // The migrations create pg_trgm (keyword search indexes); PGlite can only load extensions it is given here.
    pglite = await PGlite.create(pgdata ?? 'memory://', { loadDataDir: options.loadDataDir, extensions: { pg_trgm } });
  } catch (error) {
    releaseLock();
    throw error;
  }
  // Unix socket paths are limited to ~107 bytes: use a short private directory.
  const socketDir = mkdtempSync(join(tmpdir(), 'scrm-pg-'));
  const server = await servePglite(pglite, join(socketDir, '.s.PGSQL.5432'), options.maxConnections ?? 32);
  return {
    pglite,
    connection: {
      host: socketDir,
      port: 5432,
      user: 'postgres',
      database: 'postgres',
      // A query waiting behind a stuck transaction fails instead of hanging forever.
      connectionTimeoutMillis: 60_000,
    },
    async close() {
      await server.close();
      await pglite.close();
      rmSync(socketDir, { recursive: true, force: true });
      releaseLock();
    },
  };
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
