#!/usr/bin/env node
// Runs every *.test.ts of the workspace with node:test (through tsx) and prints the runner's summary.
// `npm test -- <path>…` limits the run to test files under those paths.
// Database tests need a migrated template: prepared once here, cloned by each test file.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { availableParallelism } from 'node:os';

const root = resolve(import.meta.dirname, '..');
const roots = ['apps', 'packages', 'bench'];
const filters = process.argv.slice(2).map((p) => resolve(p));

function findTests(dir, found = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) findTests(path, found);
    else if (name.endsWith('.test.ts')) found.push(path);
  }
  return found;
}

const files = roots
  .map((r) => join(root, r))
  .filter(existsSync)
  .flatMap((r) => findTests(r))
  .filter((f) => filters.length === 0 || filters.some((p) => f.startsWith(p)))
  .sort();

if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}

// CHECK_RESPONSES: servers the tests start check each response's compiled serializer against its zod schema.
const env = { ...process.env, TZ: process.env.TZ ?? 'UTC', CHECK_RESPONSES: process.env.CHECK_RESPONSES ?? '1' };
const prepare = join(root, 'apps/server/src/testing/prepare-test-database.ts');
if (files.some((f) => f.includes('/apps/server/')) && existsSync(prepare)) {
  const prepared = spawnSync(process.execPath, ['--import', 'tsx', prepare], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (prepared.status !== 0) process.exit(prepared.status ?? 1);
  Object.assign(env, JSON.parse(prepared.stdout.trim().split('\n').pop()));
}

// One file more than cores: a file often waits (timers, Chromium in its own processes, a child server), and on
// 2 cores the whole run took 6% less time with 3 files at once than with 2.
const concurrency = Number(process.env.TEST_CONCURRENCY ?? availableParallelism() + 1);
// Longest first (scripts/test-durations.json, each file's seconds in a whole run): the short files fill in beside the
// long ones at the end, where in name order the browser suites (apps/web/tests, 1–4 minutes each) came last and the
// run waited on the last of them alone. A file not listed yet counts as a typical one of its kind.
const durationsFile = join(root, 'scripts/test-durations.json');
const durations = existsSync(durationsFile) ? JSON.parse(readFileSync(durationsFile, 'utf8')) : {};
const expected = (file) => durations[relative(root, file)] ?? (file.includes('/apps/web/tests/') ? 120 : 10);
const ordered = [...files].sort((a, b) => expected(b) - expected(a));
console.log(`running ${files.length} test files (concurrency ${concurrency}, longest first)`);
const result = spawnSync(
  process.execPath,
  // Each file's process gets these flags (scripts/test-run.mjs runs the files with node:test's run()).
  // Not --test-force-exit: on Node 20 it let a file's process exit while later suites of that file were still running,
  // and the runner counted only what had been reported. scripts/test-exit.mjs ends a file held open after its last test.
  // --liftoff-only: PGlite's WebAssembly stays in V8's baseline compiler. Its optimising tier recompiled the functions
  // each file's database start makes hot, about a second of CPU per file (logout.test.ts 4.1 → 3.2 s): more than
  // what the optimised code saves over a test file's few queries (the heaviest, lead-import, pays 4 s of its 21).
  ['--liftoff-only', '--import', 'tsx', '--import', './scripts/test-exit.mjs', 'scripts/test-run.mjs', String(concurrency), ...ordered],
  { cwd: root, env, stdio: 'inherit' },
);
if (env.SCRM_TEST_CLEANUP) spawnSync(process.execPath, ['--import', 'tsx', env.SCRM_TEST_CLEANUP], { env, stdio: 'inherit' });
process.exit(result.status ?? 1);
