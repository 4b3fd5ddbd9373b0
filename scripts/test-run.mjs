// Runs test files with node:test's run(), in the order scripts/test.mjs gives them (the CLI's `--test` sorts them by
// name). Started by scripts/test.mjs with the flags each file's process needs: run() gives its own flags to every file.
// Usage: node <flags> scripts/test-run.mjs <concurrency> <file>…
import { run } from 'node:test';
import { spec, tap } from 'node:test/reporters';
import summary from './test-summary.mjs';

const [concurrency, ...files] = process.argv.slice(2);
// 600 s per file, the browser suites' own limit (SUITE_TIMEOUT): on a slow CI host a whole file at 300 s was cut off as
// it finished (console.test.ts, 300.1 s, with three files sharing two cores).
const stream = run({ files, concurrency: Number(concurrency), timeout: 600_000 });
stream.on('test:fail', () => {
  process.exitCode = 1;
});
// The runner's own reporter (spec on a terminal, TAP otherwise), then scripts/test-summary.mjs's tail.
stream.compose(process.stdout.isTTY ? new spec() : tap).pipe(process.stdout);
stream.compose(summary).pipe(process.stdout);
