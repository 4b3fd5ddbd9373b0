// Preloaded into every test file's process by scripts/test.mjs. Once all of the file's tests have finished (the root
// `after` hook), a process still alive after a grace period is held open by a handle its teardown left behind: name
// the handles and exit, so the run neither waits forever nor (as --test-force-exit did on Node 20) exits early.
import { after } from 'node:test';

const GRACE_MS = 10_000;

if (process.env.NODE_TEST_CONTEXT) {
  after(() => {
    const started = Date.now();
    setTimeout(() => {
      const held = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
      process.stderr.write(`LEAK ${process.argv[1]}: still running ${Date.now() - started} ms after its last test, held by ${held.join(', ')}\n`);
      process.exit(process.exitCode ?? 0);
    }, GRACE_MS).unref();
  });
}
