import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';

export const TEST_ADMIN_PASSWORD = 'Admin12345';

/** A failed tracked job's first retry in tests: 1 s, not production's 5 s (what is tested is that it retries, not when). */
export const TEST_JOB_RETRY_DELAY_SECONDS = 1;

/**
 * Where the embedded test databases live: shared memory when the machine has it (tmpfs: PGlite's writes and syncs
 * never reach a disk, and a test's database is thrown away), else the temporary directory.
 */
export function testScratchRoot(): string {
  return existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
}
