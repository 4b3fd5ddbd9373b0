// Lead import benchmark (run: `node --expose-gc --import tsx bench/lead-import/run.ts [postgres|embedded]`; not a test).
// Writes a BENCH_ROWS-row (default 100,000) xlsx with exceljs's streaming writer — Chinese headers in
// another order than the template, an extra column, every column filled, 1 % bad phones and 0.5 % phones
// repeated — uploads it to POST /scrm/admin/clue/import on a real server (PostgreSQL on BENCH_DATABASE_URL,
// default postgres://postgres@127.0.0.1:5432/test; or embedded PGlite), and waits for the leads.import job.
// Prints the time from upload to the job's end, rows/s, and the process's peak RSS (server and client;
// targets ≤ 20 s and ≤ 400 MB on PostgreSQL — embedded PGlite holds ~750 MB by itself).
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { sql } from 'drizzle-orm';
import { startBenchServer } from '../lib/server.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const mode = (process.argv[2] ?? 'postgres') as 'postgres' | 'embedded';
const format = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 1 });

async function writeFile(path: string): Promise<{ valid: number; invalid: number; ms: number }> {
  const started = performance.now();
  const book = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: createWriteStream(path), useSharedStrings: false, useStyles: false });
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

const dir = mkdtempSync(join(tmpdir(), 'bench-lead-import-'));
const path = join(dir, 'leads.xlsx');
const file = await writeFile(path);
console.log(`lead import benchmark — ${format(ROWS)} rows, ${mode === 'postgres' ? 'PostgreSQL' : 'embedded PGlite'}`);
console.log(`file: ${format(statSync(path).size / 1024 / 1024)} MB written in ${format(file.ms)} ms (streaming writer); expected ${format(file.valid)} stored, ${format(file.invalid)} reported`);

const server = await startBenchServer(mode);
try {
  const token = await server.login();
  globalThis.gc?.();
  const baseline = process.memoryUsage().rss;
  let peakRss = baseline;
  let peakHeap = 0;
  const sampler = setInterval(() => {
    const memory = process.memoryUsage();
    peakRss = Math.max(peakRss, memory.rss);
    peakHeap = Math.max(peakHeap, memory.heapUsed);
  }, 25);
  const started = performance.now();
  const form = new FormData();
  form.append('file', new Blob([readFileSync(path)]), 'leads.xlsx');
  const response = await fetch(`${server.address}/scrm/admin/clue/import`, { method: 'POST', headers: { token }, body: form });
  const uploaded = (await response.json()) as { code: string; msg: string; date: { id: number; jobId: number } };
  if (uploaded.code !== '200') throw new Error(`upload failed: ${uploaded.msg}`);
  const accepted = performance.now() - started;
  const job = await server.jobs.waitFor(uploaded.date.jobId, 600_000);
  const elapsed = performance.now() - started;
  clearInterval(sampler);
  if (job.state !== 'completed') throw new Error(`job ${job.state}: ${job.error}`);
  const counts = await server.database.db.execute<{ inserted: number; invalid: number; total: number }>(
    sql`SELECT inserted_rows AS inserted, invalid_rows AS invalid, total_rows AS total FROM lead_import WHERE id = ${uploaded.date.id}`,
  );
  const { inserted, invalid, total } = counts.rows[0];
  const exact = Number(inserted) === file.valid && Number(invalid) === file.invalid && Number(total) === ROWS;
  console.log(`upload answered in ${format(accepted)} ms; job done ${format(elapsed / 1000)} s after the upload started (target ≤ 20 s)`);
  console.log(`${format(ROWS / (elapsed / 1000))} rows/s; stored ${format(Number(inserted))}, reported ${format(Number(invalid))} — ${exact ? 'exactly as expected' : 'NOT AS EXPECTED'}`);
  console.log(`RSS of the process (server and client): ${format(baseline / 1024 / 1024)} MB before, peak ${format(peakRss / 1024 / 1024)} MB during (+${format((peakRss - baseline) / 1024 / 1024)} MB) (target ≤ 400 MB); peak JS heap ${format(peakHeap / 1024 / 1024)} MB`);
  if (!exact) {
    const reasons = await server.database.db.execute<{ reason: string; n: number }>(
      sql`SELECT reason, count(*)::int AS n FROM lead_import_error WHERE import_id = ${uploaded.date.id} GROUP BY reason`,
    );
    console.log('reported by reason:', reasons.rows.map((row) => `${row.reason} ${row.n}`).join(', '), '— job:', JSON.stringify({ error: job.error, started: job.startedAt }));
    process.exitCode = 1;
  }
} finally {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
