// `npm start` stopped by a process manager: SIGTERM to the npm process (npm → sh → scripts/start.mjs →
// server) stops the whole tree gracefully, and the port is closed, within a bound. Linux (reads /proc).
// `npm start` runs the server's bundle (scripts/server-bundle.mjs): before stopping it, the test uses what the
// bundle finds relative to its sources — the migrations (it started), the demo bridge, the lead import's worker.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../../..');

async function freePort(): Promise<number> {
  return new Promise((done, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/** The live processes of a process group (zombies excluded). */
function groupMembers(pgid: number): Array<{ pid: number; command: string }> {
  const members: Array<{ pid: number; command: string }> = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid pgrp …  — comm may contain spaces: split after the last ')'.
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) !== pgid || state === 'Z') continue;
      members.push({ pid: Number(name), command: readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ').trim() });
    } catch {
      // gone meanwhile
    }
  }
  return members;
}

/** The bundled server serves the sidebar's demo bridge and imports a lead file in its worker thread. */
async function usesItsOwnFiles(base: string) {
  const bridge = await fetch(`${base}/scrm/sidebar/demo/bridge.js`);
  assert.equal(bridge.status, 200);
  assert.match(await bridge.text(), /postMessage|fetch/);
  const login = await (await fetch(`${base}/scrm/admin/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'admin123' }) })).json();
  const token = login.date?.token as string;
  assert.ok(token, JSON.stringify(login));
  const template = await fetch(`${base}/scrm/admin/clue/importTemplate`, { headers: { token } });
  assert.equal(template.status, 200);
  const form = new FormData();
  form.set('file', new Blob([await template.arrayBuffer()]), 'template.xlsx');
  const started = await (await fetch(`${base}/scrm/admin/clue/import`, { method: 'POST', headers: { token }, body: form })).json();
  assert.equal(started.code, '200', JSON.stringify(started));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const record = (await (await fetch(`${base}/scrm/admin/clue/import/get?id=${started.date.id}`, { headers: { token } })).json()).date;
    if (record.status === 'completed' || record.status === 'failed') {
      assert.deepEqual({ status: record.status, inserted: record.insertedRows }, { status: 'completed', inserted: 1 }, JSON.stringify(record));
      return;
    }
    assert.ok(Date.now() < deadline, `the import did not finish: ${JSON.stringify(record)}`);
    await new Promise((wait) => setTimeout(wait, 250));
  }
}

const portOpen = (port: number) =>
  new Promise<boolean>((done) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), done(true)));
    socket.once('error', () => done(false));
  });

const dataDir = mkdtempSync(join(tmpdir(), 'scrm-npm-start-'));
let pgid: number | undefined;
after(() => {
  // Whatever happened, leave nothing running.
  if (pgid) for (const { pid } of groupMembers(pgid)) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  rmSync(dataDir, { recursive: true, force: true });
});

test('SIGTERM to the `npm start` process stops every process of its tree gracefully and closes the port', { skip: process.platform !== 'linux' }, async () => {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    // Demo mode on the embedded database in a temporary DATA_DIR, like a fresh `npm start`.
    if (key.startsWith('WECOM_') || key.startsWith('npm_') || ['DATABASE_URL', 'REDIS_URL', 'ADMIN_PASSWORD', 'NODE_TEST_CONTEXT', 'NODE_OPTIONS'].includes(key)) continue;
    env[key] = value;
  }
  Object.assign(env, { DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', SCRM_SKIP_CONSOLE_BUILD: '1', DEMO_ACTIVITY_PER_HOUR: '0' });
  // Its own process group (detached), so the test can find every process of the tree, orphans included.
  const npm = spawn('npm', ['start'], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  pgid = npm.pid!;
  let output = '';
  npm.stdout!.on('data', (chunk) => (output += chunk));
  npm.stderr!.on('data', (chunk) => (output += chunk));
  const npmExited = new Promise<void>((done) => npm.on('exit', () => done()));

  const startDeadline = Date.now() + 180_000;
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/scrm/health`)).ok) break;
    } catch {
      // not listening yet
    }
    assert.ok(Date.now() < startDeadline, `the server did not become healthy:\n${output}`);
    assert.equal(npm.exitCode, null, `npm start exited during start-up:\n${output}`);
    await new Promise((wait) => setTimeout(wait, 250));
  }
  const tree = groupMembers(pgid);
  assert.ok(tree.some((p) => p.command.includes('scripts/start.mjs')) && tree.some((p) => p.command.includes('apps/server/dist/main.js')), JSON.stringify(tree));
  await usesItsOwnFiles(`http://127.0.0.1:${port}`);

  const stoppedAt = Date.now();
  process.kill(npm.pid!, 'SIGTERM'); // the npm process only, as a process manager does
  await npmExited;
  const BOUND_MS = 30_000;
  while (groupMembers(pgid).length > 0 && Date.now() - stoppedAt < BOUND_MS) await new Promise((wait) => setTimeout(wait, 200));
  assert.deepEqual(groupMembers(pgid), [], `every process of the tree exited within ${BOUND_MS / 1000} s`);
  assert.equal(await portOpen(port), false, 'the port is closed');
  // Gracefully: the server ran its shutdown (the demo corp saved on stop, the embedded database closed).
  assert.match(output, /shutting down/, output);
  // Stopped while the demo content waited on the first sync (or was being made): given up or finished, never an
  // error logged — it used to fail against the closed pool ("demo content could not be made").
  assert.doesNotMatch(output, /"level":(50|60)/, output);
});
