export const TEST_ADMIN_PASSWORD = 'Admin12345';

/** A failed tracked job's first retry in tests: 1 s, not production's 5 s (what is tested is that it retries, not when). */
export const TEST_JOB_RETRY_DELAY_SECONDS = 1;
