import { sql } from 'drizzle-orm';
import type { Db } from '../platform/db/database.ts';

/** How far apart the tables' ids start in a test database. */
export const ID_SPACING = 100_000;

/**
 * Starts each table's ids in a range of its own (the n-th sequence of the schema, by name, at n × ID_SPACING + 1;
 * rows already there keep theirs): in a fresh database every table numbers its rows 1, 2, 3…, so a statement that
 * compares one table's id with another's (a lead's id with its tag row's) could pass every test by coincidence.
 */
export async function spreadIds(db: Db): Promise<void> {
  await db.execute(sql.raw(`DO $$
    DECLARE s record; n int := 0;
    BEGIN
      FOR s IN SELECT format('%I.%I', schemaname, sequencename) AS seq, last_value FROM pg_sequences
               WHERE schemaname = 'public' ORDER BY sequencename LOOP
        n := n + 1;
        PERFORM setval(s.seq, GREATEST(COALESCE(s.last_value, 0), n * ${ID_SPACING}), true);
      END LOOP;
    END $$`));
}
