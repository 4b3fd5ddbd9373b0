// Lead import benchmark (run: `node --import tsx bench/lead-import/run.ts [postgres|embedded]`; not a test).
// Writes a BENCH_ROWS-row (default 100,000) xlsx with exceljs's streaming writer — Chinese headers in
// another order than the template, an extra column, every column filled, 1 % bad phones and 0.5 % phones
// repeated; inline strings, or with BENCH_SHARED_STRINGS=1 a shared-strings table as Excel writes —, starts a real server in a child process (server.ts; PostgreSQL on BENCH_DATABASE_URL, default
// postgres://postgres@127.0.0.1:5432/test, or embedded PGlite), uploads the file to
// POST /scrm/admin/clue/import from this process and waits for the leads.import job.
// Prints the time from upload to the job's end, rows/s, and the server process's RSS — sampled from
// /proc every 25 ms, and its kernel high-water mark (VmHWM) — apart from this generator/client process
// (BENCH_NODE_FLAGS: extra node flags for the server process, e.g. --trace-gc) (targets ≤ 20 s and ≤ 400 MB on PostgreSQL — embedded PGlite holds ~750 MB by itself).
import { fork } from 'node:child_process';
import { createWriteStream, mkdtempSync, openAsBlob, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';

// The server (server.ts) runs with the server's V8 flags, as `npm start` runs it.
const { SERVER_NODE_FLAGS } = (await import(new URL('../../scripts/server-bundle.mjs', import.meta.url).href)) as { SERVER_NODE_FLAGS: string[] };

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
// Excel itself writes every text into a shared-strings table; BENCH_SHARED_STRINGS=1 writes the file that way.
const SHARED_STRINGS = process.env.BENCH_SHARED_STRINGS === '1';
const mode = (process.argv[2] ?? 'postgres') as 'postgres' | 'embedded';
const format = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 1 });
const mb = (bytes: number) => `${format(bytes / 1024 / 1024)} MB`;

async function writeFile(path: string): Promise<{ valid: number; invalid: number; ms: number }> {
  const started = performance.now();
  const book = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: createWriteStream(path), useSharedStrings: SHARED_STRINGS, useStyles: false });
  const sheet = book.addWorksheet('线索');
  sheet.addRow(['手机号', '姓名', '公司', '职位', '性别', '来源渠道', '微信号', '邮箱', '内部编号', '备注']).commit();
  const seen = new Set<string>();
  let valid = 0;
  let invalid = 0;
  for (let i = 1; i <= ROWS; i++) {
    let phone = `135${String(i).padStart(8, '0')}`;
    if (i % 100 === 0) phone = `1${i}`; // bad
    else if (i % 200 === 1 && i > 1) phone = `135${String(i - 1).padStart(8, '0')}`; // repeats the row before
    sheet.addRow([phone, `客户${i}`, `公司${i % 500}`, '经理', i % 2 ? '男' : '女', `渠道${i % 7}`, `wx_${i}`, `c${i}@example.com`, `ID-${i}`, '备注']).commit();
    if (!/^1[3-9]\d{9}$/.test(phone) || seen.has(phone)) invalid++;
    else {
      seen.add(phone);
      valid++;
    }
  }
  sheet.commit();
  await book.commit();
  return { valid, invalid, ms: performance.now() - started };
}

/** VmRSS and VmHWM (peak) of a process, in bytes (Linux). */
function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: field('VmRSS'), hwm: field('VmHWM') };
}

const dir = mkdtempSync(join(tmpdir(), 'bench-lead-import-'));
const path = join(dir, 'leads.xlsx');
const file = await writeFile(path);
console.log(`lead import benchmark — ${format(ROWS)} rows, ${mode === 'postgres' ? 'PostgreSQL' : 'embedded PGlite'}; load average ${loadavg().map((n) => n.toFixed(2)).join(' ')}`);
console.log(`file: ${mb(statSync(path).size)}${SHARED_STRINGS ? ' with a shared-strings table' : ''} written in ${format(file.ms)} ms (streaming writer, this process); expected ${format(file.valid)} stored, ${format(file.invalid)} reported`);

const child = fork(join(import.meta.dirname, 'server.ts'), [mode], { execArgv: ['--import', 'tsx', '--expose-gc', ...SERVER_NODE_FLAGS, ...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [])], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
let nextId = 1;
const pending = new Map<number, { resolve: (value: never) => void; reject: (error: Error) => void }>();
const ready = new Promise<{ address: string; token: string; pid: number }>((resolve, reject) => {
  child.on('message', (message: { type?: string; id?: number; result?: unknown; error?: string } & { address: string; token: string; pid: number }) => {
    if (message.type === 'ready') return resolve(message);
    const waiting = pending.get(message.id!);
    pending.delete(message.id!);
    if (message.error) waiting?.reject(new Error(message.error));
    else waiting?.resolve(message.result as never);
  });
  child.on('exit', (code) => reject(new Error(`server process exited (${code})`)));
});
const ask = <T>(request: object) =>
  new Promise<T>((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    child.send({ id, ...request });
  });

try {
  const server = await ready;
  const before = memoryOf(server.pid);
  let peakRss = before.rss;
  const sampler = setInterval(() => {
    try {
      peakRss = Math.max(peakRss, memoryOf(server.pid).rss);
    } catch {
      // the process is gone
    }
  }, 25);
  const started = performance.now();
  const form = new FormData();
  form.append('file', await openAsBlob(path), 'leads.xlsx');
  const response = await fetch(`${server.address}/scrm/admin/clue/import`, { method: 'POST', headers: { token: server.token }, body: form });
  const uploaded = (await response.json()) as { code: string; msg: string; date: { id: number; jobId: number } };
  if (uploaded.code !== '200') throw new Error(`upload failed: ${uploaded.msg}`);
  const accepted = performance.now() - started;
  const job = await ask<{ state: string; error: string | null; peakHeap: number }>({ type: 'wait', jobId: uploaded.date.jobId });
  const elapsed = performance.now() - started;
  clearInterval(sampler);
  const after = memoryOf(server.pid);
  if (job.state !== 'completed') throw new Error(`job ${job.state}: ${job.error}`);
  const counts = await ask<{ inserted: number; invalid: number; total: number; reasons: Array<{ reason: string; n: number }> }>({ type: 'counts', importId: uploaded.date.id });
  const exact = counts.inserted === file.valid && counts.invalid === file.invalid && counts.total === ROWS;
  console.log(`upload answered in ${format(accepted)} ms; job done ${format(elapsed / 1000)} s after the upload started (target ≤ 20 s); load average now ${loadavg().map((n) => n.toFixed(2)).join(' ')}`);
  console.log(`${format(ROWS / (elapsed / 1000))} rows/s; stored ${format(counts.inserted)}, reported ${format(counts.invalid)} — ${exact ? 'exactly as expected' : 'NOT AS EXPECTED'}`);
  console.log(
    `server process RSS: ${mb(before.rss)} before, peak ${mb(Math.max(peakRss, after.hwm))} during (sampled ${mb(peakRss)}, high-water mark ${mb(after.hwm)}; +${mb(Math.max(peakRss, after.hwm) - before.rss)}) (target ≤ 400 MB); peak JS heap ${mb(job.peakHeap)}`,
  );
  if (after.hwm > peakRss && before.hwm === after.hwm) console.log('(the high-water mark was reached before the upload, while the server started)');
  if (!exact) {
    console.log('reported by reason:', counts.reasons.map((row) => `${row.reason} ${row.n}`).join(', '));
    process.exitCode = 1;
  }
} finally {
  if (child.connected) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await ask({ type: 'close' }).catch(() => {});
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  }
  if (child.exitCode === null) child.kill();
  rmSync(dir, { recursive: true, force: true });
}
