CREATE TABLE "customer_relation_total" (
	"shard" smallint PRIMARY KEY NOT NULL,
	"relations" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
-- The relation tally's statement trigger (0034) also adds a statement's change in the number of relations to the
-- shard of its connection (pg_backend_pid() % 64), after the employees' rows: every statement takes its locks in the
-- same order, and a connection always writes the same shard. A relation moved to another employee changes no total.
CREATE OR REPLACE FUNCTION scrm_tally_relations() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changed bigint := 0;
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO customer_relation_tally AS t (userid, relations)
    SELECT userid, count(*) FROM new_rows GROUP BY userid ORDER BY userid
    ON CONFLICT (userid) DO UPDATE SET relations = t.relations + EXCLUDED.relations;
    SELECT count(*) INTO changed FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO customer_relation_tally AS t (userid, relations)
    SELECT userid, -count(*) FROM old_rows GROUP BY userid ORDER BY userid
    ON CONFLICT (userid) DO UPDATE SET relations = t.relations + EXCLUDED.relations;
    SELECT -count(*) INTO changed FROM old_rows;
  ELSIF TG_OP = 'TRUNCATE' THEN
    DELETE FROM customer_relation_tally;
    DELETE FROM customer_relation_total;
  END IF;
  IF changed <> 0 THEN
    INSERT INTO customer_relation_total AS t (shard, relations) VALUES (pg_backend_pid() % 64, changed)
    ON CONFLICT (shard) DO UPDATE SET relations = t.relations + EXCLUDED.relations;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
INSERT INTO customer_relation_total (shard, relations) SELECT 0, count(*) FROM customer_relation;
