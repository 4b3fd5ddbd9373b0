#!/usr/bin/env node
// The server as JavaScript (apps/server/dist/: main.js, the embedded database's thread embedded-worker.js, and
// the chunks they share), built by esbuild from apps/server/src and the workspace packages it imports; npm
// packages stay external (node_modules). `npm start` runs it: loading ~330 TypeScript modules through tsx's
// loader hooks took 1.7–1.9 s of a 4 s start, the bundle loads in a fraction of that. Tests and the tools keep
// running the TypeScript through tsx.
//
// Rebuilt only when missing or stale: a source it was built from (the list is kept beside it) or this script
// is newer. Written to temporary names and renamed, so a start never runs a half-written bundle and two
// starts building at once each leave a whole one.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(import.meta.dirname, '..');
const outdir = join(root, 'apps/server/dist');
export const serverBundle = join(outdir, 'main.js');
const inputsFile = join(outdir, 'main.inputs.json');

function stale() {
  if (!existsSync(serverBundle) || !existsSync(inputsFile)) return true;
  const builtAt = statSync(serverBundle).mtimeMs;
  const inputs = [...JSON.parse(readFileSync(inputsFile, 'utf8')), relative(root, fileURLToPath(import.meta.url))];
  return inputs.some((input) => {
    try {
      return statSync(join(root, input)).mtimeMs > builtAt;
    } catch {
      return true; // deleted or moved since
    }
  });
}

export async function buildServerBundle() {
  const startedAt = new Date(); // the bundle's time: a source saved while it builds makes it stale
  const { build } = await import('esbuild'); // only when building: a start with a fresh bundle skips loading it
  const result = await build({
    // The embedded database's thread is an entry of its own (platform/db/embedded.ts finds it beside main.js).
    entryPoints: [join(root, 'apps/server/src/main.ts'), join(root, 'apps/server/src/platform/db/embedded-worker.ts')],
    entryNames: '[name]',
    // Split: what a module imports dynamically (server.ts, by main.ts) is a chunk of its own whose npm packages
    // load when it is imported, so the database's thread starts before they do. Chunks sit beside the entries,
    // which the import.meta.url rewrite below counts on.
    splitting: true,
    chunkNames: '[name]-[hash]',
    outdir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    define: { 'import.meta.SCRM_BUNDLE': 'true' },
    sourcemap: 'linked', // `--enable-source-maps` turns stack traces back into the TypeScript's lines
    metafile: true,
    write: false,
    logLevel: 'warning',
    absWorkingDir: root,
    plugins: [{
      name: 'scrm',
      setup(b) {
        // npm packages are loaded from node_modules as they are; only our workspace (@scrm/*) is bundled.
        b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@scrm/') ? undefined : { path: args.path, external: true }));
        // A module's own files (migrations, the console, a worker's script) are found relative to
        // import.meta.url: rewritten to the module's source location, seen from the bundle.
        b.onLoad({ filter: /\.ts$/ }, async (args) => {
          const text = await readFile(args.path, 'utf8');
          if (!text.includes('import.meta.url')) return undefined;
          const source = relative(outdir, args.path).split('\\').join('/');
          return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(source)}, import.meta.url).href`), loader: 'ts' };
        });
      },
    }],
  });
  mkdirSync(outdir, { recursive: true });
  const suffix = `.${process.pid}.tmp`;
  for (const file of result.outputFiles) {
    writeFileSync(file.path + suffix, file.contents);
    utimesSync(file.path + suffix, startedAt, startedAt);
  }
  // Chunks first (named by their content), the entries that import them next, the inputs list last: a start
  // never runs an entry whose chunks are missing, nor takes a bundle for fresh against another build's list.
  const entries = new Set([serverBundle, join(outdir, 'embedded-worker.js')]);
  const isEntry = (path) => entries.has(path.replace(/\.map$/, ''));
  for (const file of result.outputFiles.filter((f) => !isEntry(f.path))) renameSync(file.path + suffix, file.path);
  for (const file of result.outputFiles.filter((f) => isEntry(f.path))) renameSync(file.path + suffix, file.path);
  writeFileSync(inputsFile + suffix, JSON.stringify(Object.keys(result.metafile.inputs)));
  renameSync(inputsFile + suffix, inputsFile);
  // Earlier builds' chunks: a server imports its chunks while it starts, so one a minute old is no one's.
  const written = new Set(result.outputFiles.map((f) => basename(f.path)));
  for (const name of readdirSync(outdir)) {
    const path = join(outdir, name);
    if (!written.has(name) && name !== basename(inputsFile) && statSync(path).mtimeMs < Date.now() - 60_000) rmSync(path, { force: true });
  }
  return serverBundle;
}

/**
 * The server's V8 flags (`npm start` runs the bundle with them; the benchmarks run their server with them too). None:
 * V8's own 16 MB semi-spaces. 64 MB ones cut the hot pages' server CPU under load by about a tenth (bench/http-baseline,
 * 50 connections, alternating runs: clue/page 551 / 624 → 493 / 574 µs per request), but the young generation then
 * grows to ~130 MB under any steady allocation: a 100,000-row lead import peaked at 462–493 MB of RSS (its target
 * ≤ 400; 352 MB with 16) and took 16–18 s instead of 14, and the 100,000-row relation export peaked at 417–429 MB
 * instead of 275 (bench/lead-import, bench/customer-query).
 */
export const SERVER_NODE_FLAGS = [];

/** The bundle's path, built first when missing or stale. */
export async function ensureServerBundle() {
  return stale() ? buildServerBundle() : serverBundle;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  await buildServerBundle();
  console.log(`${relative(root, serverBundle)} built in ${Math.round(performance.now() - started)} ms`);
}
