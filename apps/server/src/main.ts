// `npm start` runs this (as the bundle, scripts/server-bundle.mjs). Without DATABASE_URL, the embedded
// database is started first, on a thread of its own, and comes up while the rest of the server loads
// (server.ts: its modules are imported only after that start has begun); the two had run one after the other.
import { ConfigError, loadConfig, type Config } from './config.ts';
import { DataDirLockedError, startEmbeddedPostgresThread, type EmbeddedPostgres } from './platform/db/embedded.ts';
import type pg from 'pg';

async function main() {
  const startedAt = Date.now();
  // `npm start` making the embedded database's template (scripts/database-template.mjs): migrate a new data dir, stop.
  if (process.env.SCRM_DATABASE_TEMPLATE_BUILD) {
    await makeDatabaseTemplate(process.env.SCRM_DATABASE_TEMPLATE_BUILD);
    return;
  }
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`SCRM cannot start: ${error.message}`);
    process.exit(1);
  }

  const embeddedStarting = config.DATABASE_URL
    ? undefined
    : startEmbeddedPostgresThread({
        dataDir: config.DATA_DIR,
        template: process.env.SCRM_DATABASE_TEMPLATE,
        onExit: (error) => {
          // Every query would fail from now on: stop, for the process manager to start SCRM again.
          console.error('SCRM stops: the embedded database stopped:', error);
          process.exit(1);
        },
      });
  embeddedStarting?.catch(() => {}); // awaited below, after the server's modules have loaded
  const { serve } = await import('./server.ts');

  let embedded: EmbeddedPostgres | undefined;
  let connection: pg.PoolConfig;
  if (embeddedStarting) {
    try {
      embedded = await embeddedStarting;
    } catch (error) {
      if (error instanceof DataDirLockedError) {
        console.error(`SCRM cannot start: ${error.message}`);
        process.exit(1);
      }
      throw error;
    }
    connection = embedded.connection;
  } else {
    connection = { connectionString: config.DATABASE_URL };
  }
  await serve(config, startedAt, connection, embedded);
}

async function makeDatabaseTemplate(dataDir: string) {
  const [{ startEmbeddedPostgres }, { runMigrations }] = await Promise.all([import('./platform/db/embedded.ts'), import('./platform/db/migrate.ts')]);
  const embedded = await startEmbeddedPostgres({ dataDir });
  try {
    await runMigrations(embedded.connection);
  } finally {
    await embedded.close();
  }
}

main().catch((error) => {
  console.error('SCRM failed to start:', error);
  process.exit(1);
});
