// A node:test reporter run beside TAP by scripts/test.mjs. CI keeps only the tail of what a run prints, and TAP
// reports a failure where it happens, hundreds of lines before the end: this repeats each failure (file, test,
// error) after the runner's summary, and names the slowest files, so the tail says what failed and what CI waits on.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';

const SLOWEST = Number(process.env.TEST_SLOWEST ?? 8);

export default async function* summary(source) {
  const failures = [];
  let cancelled = 0;
  const files = new Map(); // file → [its process started, it ended], ms into the run
  const began = Date.now();
  for await (const event of source) {
    const { file } = event.data ?? {};
    // Only the file's own wrapper test is reported as it happens (dequeued when its process starts, complete when it
    // ends); the events of the tests inside arrive together once it is the file's turn in the report.
    const live = (event.type === 'test:dequeue' || event.type === 'test:complete') && event.data.name === file;
    if (file && live) {
      const at = Date.now() - began;
      const span = files.get(file);
      if (span) span[1] = at;
      else files.set(file, [at, at]);
    }
    // Listed: the tests that failed, the suites whose hooks failed, and the files. A suite failing only because a test
    // inside it did is that test's report; the tests a failed suite cancelled are counted, not listed.
    const failureType = event.data?.details?.error?.failureType;
    if (event.type === 'test:fail' && failureType === 'cancelledByParent') cancelled++;
    else if (event.type === 'test:fail' && failureType !== 'subtestsFailed') {
      const { name, details } = event.data;
      failures.push({ file: file ? relative(process.cwd(), file) : '?', name, error: details.error });
    }
  }
  // TEST_DURATIONS_OUT=scripts/test-durations.json: the seconds of each file run, merged into that file (scripts/test.mjs
  // runs the longest first); a file no longer there is dropped.
  const out = process.env.TEST_DURATIONS_OUT;
  if (out && files.size > 0) {
    const known = existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')) : {};
    for (const [file, [from, to]] of files) known[relative(process.cwd(), file)] = Math.round((to - from) / 100) / 10;
    const kept = Object.entries(known).filter(([file]) => existsSync(file)).sort(([a], [b]) => a.localeCompare(b));
    writeFileSync(out, `${JSON.stringify(Object.fromEntries(kept), null, 1)}\n`);
  }
  if (files.size > 0) {
    const slowest = [...files].sort((a, b) => b[1][1] - b[1][0] - (a[1][1] - a[1][0])).slice(0, SLOWEST);
    yield `# slowest files (seconds; from → to, seconds into the run):\n`;
    for (const [file, [from, to]] of slowest) {
      yield `#   ${((to - from) / 1000).toFixed(1).padStart(6)} s  ${relative(process.cwd(), file)}  (${(from / 1000).toFixed(0)} → ${(to / 1000).toFixed(0)})\n`;
    }
  }
  if (failures.length === 0) return;
  yield `# failing tests (${failures.length}${cancelled ? `; ${cancelled} more cancelled by their suite` : ''}):\n`;
  for (const { file, name, error } of failures) {
    const cause = error?.cause ?? error;
    const lines = String(cause?.message ?? cause ?? '').split('\n').slice(0, 6);
    const message = lines.map((line) => (line.length > 300 ? `${line.slice(0, 300)}…` : line)).join('\n#       ');
    yield `#   ${file} › ${name}\n#       ${message}\n`;
  }
}
