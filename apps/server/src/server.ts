// The server, once its database answers (main.ts starts the embedded one first, on its own thread, and loads
// this module meanwhile): migrations, the administrator, jobs, WeCom, the routes; listening; the first sync.
import type { Config } from './config.ts';
import { buildApp } from './app.ts';
import { openDatabase } from './platform/db/database.ts';
import type { EmbeddedPostgres } from './platform/db/embedded.ts';
import { runMigrations } from './platform/db/migrate.ts';
import { createTokenService, resolveJwtSecret } from './platform/auth/tokens.ts';
import { createJobService } from './platform/jobs/job-service.ts';
import { seedAdministrator } from './start-admin.ts';
import { startWecom } from './platform/wecom.ts';
import { ensureInitialWecomSync, startWecomSync } from './platform/jobs/wecom-sync.ts';
import { seedDemoContent } from './demo-content.ts';
import { sql } from 'drizzle-orm';
import type pg from 'pg';

export async function serve(config: Config, startedAt: number, connection: pg.PoolConfig, embedded: EmbeddedPostgres | undefined): Promise<void> {
  await runMigrations(connection);
  const database = openDatabase(connection);
  const admin = await seedAdministrator(database.db, config);
  const tokens = createTokenService(await resolveJwtSecret(database.db, config.JWT_SECRET), config.JWT_TTL_HOURS * 3600);
  const jobs = await createJobService({ db: database.db, pool: database.pool });
  // In demo mode the simulator plays WeCom, served by this server under /wecom-sim.
  const localUrl = `http://${['0.0.0.0', '::', ''].includes(config.HOST) ? '127.0.0.1' : config.HOST}:${config.PORT}`;
  const { wecom, demo } = await startWecom(config, { db: database.db, serverUrl: localUrl });
  const app = await buildApp({ config, database, tokens, jobs, wecom });
  await demo?.mount(app);

  let stopping = false;
  // The demo content, made in the background after the first sync: a stop gives up the wait for that sync (nothing is
  // claimed yet: a later start makes it) but lets content under way finish, before the database closes under it.
  const demoContentWait = new AbortController();
  let demoContent: Promise<void> = Promise.resolve();
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    demoContentWait.abort();
    await demoContent;
    // Stop accepting and finish in-flight requests, then let running jobs finish, then close the database.
    await app.close();
    await demo?.close(); // saves the demo corp
    await wecom.close();
    await jobs.stop();
    await database.close();
    await embedded?.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  const address = await app.listen({ port: config.PORT, host: config.HOST });
  // The first start against a corp syncs it (tags, departments, employees, customers, groups, in that order):
  // once across replicas, remembered in the database; its progress on the dashboard (platform/jobs/wecom-sync.ts).
  if (demo) {
    demo.connect(localUrl);
    // The demo corp is generated on its first start (a new DATA_DIR): synced then, whatever ran before.
    const mirrored = await database.db.execute<{ count: number }>(sql`SELECT count(*)::int AS count FROM qw_dept`);
    const sync = demo.firstStart || Number(mirrored.rows[0].count) === 0 ? await startWecomSync(jobs, wecom.corpId, 'initial', 'system') : undefined;
    // Then, once (remembered in sys_config), SCRM's own content so every module shows something (demo-content.ts).
    if (config.DEMO_CONTENT) demoContent = (async () => {
      if (sync && (await jobs.waitFor(sync.id, 30 * 60_000, demoContentWait.signal)).state !== 'completed') return;
      const made = await seedDemoContent({ app, db: database.db, tokens, sim: demo.sim });
      if (made) app.log.info(made, 'demo content made: channels, an acquisition link and a channel QR code, customers through them, tags, leads, sales users');
    })().catch((error) =>
      demoContentWait.signal.aborted && error === demoContentWait.signal.reason
        ? app.log.info('demo content not made: the server stopped before the first sync finished (a later start makes it)')
        : app.log.error({ err: error }, 'demo content could not be made'),
    );
  } else {
    const run = await ensureInitialWecomSync({ db: database.db, jobs }, wecom.corpId);
    if (run) app.log.info({ jobId: run.id }, 'first sync with WeCom started');
  }
  const url = address.replace('0.0.0.0', 'localhost').replace('[::]', 'localhost');
  const lines = [
    '',
    `SCRM is running at ${url}/  (API docs: ${url}/scrm/docs) — started in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`,
    `Database: ${config.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : `embedded PostgreSQL in ${config.DATA_DIR}`}`,
    `WeCom: ${config.demoMode ? 'demo mode (no WECOM_* settings)' : `corp ${config.WECOM_CORP_ID}`}`,
  ];
  if (admin.exposedDemo) {
    lines.push(`Demo mode is listening on ${config.HOST}, reachable from other machines (HOST); the demo simulator's actions need the administrator's sign-in.`);
  }
  if (admin.adminCreated) {
    lines.push(`Sign in as admin / ${admin.password}`);
    if (admin.mustChangePassword) lines.push('This password is shown only once; you will be asked to change it at first sign-in.');
    else if (config.demoMode && !config.ADMIN_PASSWORD) lines.push('WARNING: this is the well-known demo password; change it before real use.');
    else if (!config.ADMIN_PASSWORD) lines.push('This generated password is shown only once; you will be asked to keep it safe.');
  } else if (admin.replacedWellKnown) {
    lines.push(`The admin password was the well-known demo one; it is now: admin / ${admin.password}`);
    lines.push('This password is shown only once; you will be asked to change it at first sign-in.');
  } else {
    lines.push('Sign in with your existing administrator account.');
  }
  console.log(lines.join('\n') + '\n');
}
