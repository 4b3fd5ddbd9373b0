#!/usr/bin/env node
// `npm start`: builds the console when its assets are missing, then runs the server (TypeScript via tsx).
import { spawnSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const web = join(root, 'apps/web');
if (existsSync(join(web, 'package.json')) && !existsSync(join(web, 'dist/index.html'))) {
  console.log('Building the admin console (first start only)…');
  const built = spawnSync('npm', ['run', 'build', '-w', '@scrm/web'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
}

const server = spawn(process.execPath, ['--import', 'tsx', join(root, 'apps/server/src/main.ts')], { cwd: root, stdio: 'inherit' });
// Pass signals on so the server shuts down gracefully.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
