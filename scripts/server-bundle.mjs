#!/usr/bin/env node
// The server as one JavaScript file (apps/server/dist/main.js), built by esbuild from apps/server/src/main.ts
// and the workspace packages it imports; npm packages stay external (node_modules). `npm start` runs it:
// loading ~330 TypeScript modules through tsx's loader hooks took 1.7–1.9 s of a 4 s start, the bundle loads
// in a fraction of that. Tests and the tools keep running the TypeScript through tsx.
//
// Rebuilt only when missing or stale: a source it was built from (the list is kept beside it) or this script
// is newer. Written to a temporary name and renamed, so a start never runs a half-written bundle and two
// starts building at once each leave a whole one.
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
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
    entryPoints: [join(root, 'apps/server/src/main.ts')],
    outdir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
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
  writeFileSync(inputsFile + suffix, JSON.stringify(Object.keys(result.metafile.inputs)));
  // The inputs list last: a bundle is never taken for fresh against another build's list.
  for (const file of result.outputFiles) renameSync(file.path + suffix, file.path);
  renameSync(inputsFile + suffix, inputsFile);
  return serverBundle;
}

/** The bundle's path, built first when missing or stale. */
export async function ensureServerBundle() {
  return stale() ? buildServerBundle() : serverBundle;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  await buildServerBundle();
  console.log(`${relative(root, serverBundle)} built in ${Math.round(performance.now() - started)} ms`);
}
