// Test helpers for SOPs: one evaluation run through its pg-boss queue (whichever app on the database takes it), waited for.
import type { JobService } from '../../platform/jobs/job-service.ts';
import { SOP_EVALUATE_QUEUE } from './sop.module.ts';

/** Sends one evaluation run to the queue and waits until a worker (any replica) has completed it. */
export async function runSopEvaluation(jobs: Pick<JobService, 'boss'>, timeoutMs = 30_000): Promise<void> {
  const id = await jobs.boss.send(SOP_EVALUATE_QUEUE, {});
  if (!id) throw new Error('the evaluation run was not queued');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await jobs.boss.getJobById(SOP_EVALUATE_QUEUE, id, { includeArchive: true });
    if (job?.state === 'completed') return;
    if (job?.state === 'failed') throw new Error(`SOP evaluation failed: ${JSON.stringify(job.output)}`);
    if (Date.now() > deadline) throw new Error(`SOP evaluation still ${job?.state} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
