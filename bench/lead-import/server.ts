// The server side of the lead import benchmark, in its own process so that its RSS is measured alone
// (started by run.ts through fork; not run by hand). It starts a real server (startBenchServer), sends
// { address, token, pid } to the parent, then answers the parent's requests over IPC: wait for a job,
// count what an import stored, close.
import { sql } from 'drizzle-orm';
import { startBenchServer } from '../lib/server.ts';

type Request = { id: number } & ({ type: 'wait'; jobId: number } | { type: 'counts'; importId: number } | { type: 'close' });

const send = (message: unknown) => new Promise<void>((resolve) => process.send!(message, () => resolve()));

const mode = (process.argv[2] ?? 'postgres') as 'postgres' | 'embedded';
const server = await startBenchServer(mode);
const token = await server.login();
globalThis.gc?.();
// The JS heap's peak while the import runs (reset when the parent starts waiting on a job).
let peakHeap = 0;
setInterval(() => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)), 25).unref();
await send({ type: 'ready', address: server.address, token, pid: process.pid });

process.on('message', async (request: Request) => {
  try {
    if (request.type === 'wait') peakHeap = 0;
    if (request.type === 'wait') {
      // Polled once a second: the server's work is what is measured, not the benchmark's polling.
      let job = await server.jobs.get(request.jobId);
      while (job.state !== 'completed' && job.state !== 'failed') {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        job = await server.jobs.get(request.jobId);
      }
      await send({ id: request.id, result: { state: job.state, error: job.error, peakHeap } });
    } else if (request.type === 'counts') {
      const counts = await server.database.db.execute<{ inserted: number; invalid: number; total: number }>(
        sql`SELECT inserted_rows AS inserted, invalid_rows AS invalid, total_rows AS total FROM lead_import WHERE id = ${request.importId}`,
      );
      const reasons = await server.database.db.execute<{ reason: string; n: number }>(
        sql`SELECT reason, count(*)::int AS n FROM lead_import_error WHERE import_id = ${request.importId} GROUP BY reason`,
      );
      const { inserted, invalid, total } = counts.rows[0];
      await send({ id: request.id, result: { inserted: Number(inserted), invalid: Number(invalid), total: Number(total), reasons: reasons.rows } });
    } else {
      await server.close();
      await send({ id: request.id, result: null });
      process.exit(0);
    }
  } catch (error) {
    await send({ id: request.id, error: error instanceof Error ? error.message : String(error) });
  }
});
