#!/usr/bin/env node
// `npm start`: builds the console when its assets are missing and the server's bundle when it is missing or
// stale (scripts/server-bundle.mjs), then runs the server.
//
// Stopping: a process manager stopping `npm start` signals npm, which passes the signal to the shell that
// runs this script (`sh -c "node scripts/start.mjs"`); that shell (dash, on Debian) dies at once without
// passing it on. So this script passes SIGINT/SIGTERM/SIGHUP on to the server, and also stops the server
// when its parent goes away (it is then orphaned: npm and the shell are gone), and exits with the server's
// code once the server has shut down gracefully.
import { spawnSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureServerBundle, SERVER_NODE_FLAGS } from './server-bundle.mjs';
import { ensureDatabaseTemplate } from './database-template.mjs';

const root = resolve(import.meta.dirname, '..');
const web = join(root, 'apps/web');
// SCRM_SKIP_CONSOLE_BUILD=1: start without building the console (the API only; used by tests).
if (process.env.SCRM_SKIP_CONSOLE_BUILD !== '1' && existsSync(join(web, 'package.json')) && !existsSync(join(web, 'dist/index.html'))) {
  console.log('Building the admin console (first start only)…');
  const built = spawnSync('npm', ['run', 'build', '-w', '@scrm/web'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
}

// Without --enable-source-maps (README): mapping costs the start 60–90 ms and every stack trace made; NODE_OPTIONS turns it on.
const bundle = await ensureServerBundle();
// The embedded database's template, for a start on a data dir without a database (as the server resolves DATA_DIR,
// from this directory): made or remade only then, so an upgraded install whose data dir has its database never waits
// for one. Not with DATABASE_URL.
const needsDatabase = !process.env.DATABASE_URL && !existsSync(join(resolve(root, process.env.DATA_DIR ?? './data'), 'pgdata'));
const template = needsDatabase ? ensureDatabaseTemplate(bundle) : undefined;
const server = spawn(process.execPath, [...SERVER_NODE_FLAGS, bundle], {
  cwd: root,
  stdio: 'inherit',
  env: template ? { ...process.env, SCRM_DATABASE_TEMPLATE: template } : process.env,
});
let stopping = false;
const stop = (signal) => {
  if (stopping || server.exitCode !== null || server.signalCode !== null) return;
  stopping = true;
  server.kill(signal);
};
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => stop(signal === 'SIGINT' ? 'SIGINT' : 'SIGTERM'));

// Orphaned (the parent that started us is gone): stop the server as if we had been sent SIGTERM.
const parent = process.ppid;
const watchParent = setInterval(() => {
  if (process.ppid !== parent) stop('SIGTERM');
}, 500);
watchParent.unref();

server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
