// The embedded database's template (apps/server/.cache/pgdata-template/): an initialised data directory with every
// migration applied, made by the server's bundle in a process of its own. A start on an empty data dir copies it
// (a tenth of a second) instead of initialising PostgreSQL and migrating: on a slow host that was 5.5 s and 1.2 s of
// a 12 s start. Made again when the migrations or PGlite change (its key), by the next start that needs a database.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const cache = join(root, 'apps/server/.cache');
export const databaseTemplate = join(cache, 'pgdata-template');
const migrations = join(root, 'apps/server/src/db/migrations');

/** What the template was made from: the migrations the migrator applies (their SQL, the journal), and the PGlite that initialised it. */
function keyOf() {
  const hash = createHash('sha256');
  const files = [...readdirSync(migrations).filter((name) => name.endsWith('.sql')).sort(), 'meta/_journal.json'];
  for (const file of files) hash.update(`${file}\0`).update(readFileSync(join(migrations, file))).update('\0');
  hash.update(JSON.parse(readFileSync(join(root, 'node_modules/@electric-sql/pglite/package.json'), 'utf8')).version);
  return hash.digest('hex');
}

/**
 * The template's directory (holding `pgdata`), made first when missing or stale by running `bundle` with
 * SCRM_DATABASE_TEMPLATE_BUILD; undefined when it could not be made (a start then initialises its database itself).
 */
export function ensureDatabaseTemplate(bundle) {
  try {
    return makeTemplate(bundle);
  } catch (error) {
    // A read-only checkout, a full disk: the start goes on without one.
    console.warn(`The database template could not be made (${error.message}); this start initialises its database itself.`);
    return undefined;
  }
}

function makeTemplate(bundle) {
  const key = keyOf();
  const keyFile = join(databaseTemplate, 'key');
  const current = () => existsSync(keyFile) && readFileSync(keyFile, 'utf8') === key;
  if (current()) return databaseTemplate;
  mkdirSync(cache, { recursive: true });
  // Copies left by starts stopped while making one (each ~40 MB).
  for (const name of readdirSync(cache)) {
    const pid = /^pgdata-template\.(\d+)\.tmp$/.exec(name)?.[1];
    if (pid && !isAlive(Number(pid))) rmSync(join(cache, name), { recursive: true, force: true });
  }
  const building = join(cache, `pgdata-template.${process.pid}.tmp`);
  const made = spawnSync(process.execPath, [bundle], {
    cwd: root,
    env: { ...process.env, SCRM_DATABASE_TEMPLATE_BUILD: building },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (made.status !== 0) {
    rmSync(building, { recursive: true, force: true });
    throw new Error(`making it exited with ${made.status ?? made.signal}`);
  }
  // The key last: a directory without it is never taken for a template. Two starts making it at once each leave a
  // whole one (the second rename finds the first's and its own copy is dropped).
  writeFileSync(join(building, 'key'), key);
  if (!current()) rmSync(databaseTemplate, { recursive: true, force: true });
  try {
    renameSync(building, databaseTemplate);
  } catch {
    rmSync(building, { recursive: true, force: true });
  }
  return current() ? databaseTemplate : undefined;
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}
