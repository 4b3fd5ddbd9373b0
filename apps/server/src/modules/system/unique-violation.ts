import type { AppError } from '../../platform/http/errors.ts';

/** PostgreSQL's unique_violation, however the driver or Drizzle wraps it. */
export function isUniqueViolation(error: unknown): boolean {
  for (let current = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; current && depth < 5; depth++) {
    if (current.code === '23505') return true;
    current = current.cause as typeof current;
  }
  return false;
}

/**
 * Runs `work`, turning a unique violation into the given conflict: the check before an insert cannot see
 * a concurrent insert of the same key, the unique index can.
 */
export async function conflictOnUnique<T>(work: () => Promise<T>, conflict: () => AppError): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict();
    throw error;
  }
}
