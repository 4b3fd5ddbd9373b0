CREATE TABLE "customer_relation_tally" (
	"userid" text PRIMARY KEY NOT NULL,
	"relations" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
-- Kept by statement triggers: one upsert per employee a statement touches (a sync batch, a callback's insert), in
-- userid order so concurrent statements lock tally rows in the same order.
CREATE OR REPLACE FUNCTION scrm_tally_relations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO customer_relation_tally AS t (userid, relations)
    SELECT userid, count(*) FROM new_rows GROUP BY userid ORDER BY userid
    ON CONFLICT (userid) DO UPDATE SET relations = t.relations + EXCLUDED.relations;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO customer_relation_tally AS t (userid, relations)
    SELECT userid, -count(*) FROM old_rows GROUP BY userid ORDER BY userid
    ON CONFLICT (userid) DO UPDATE SET relations = t.relations + EXCLUDED.relations;
  ELSIF TG_OP = 'TRUNCATE' THEN
    DELETE FROM customer_relation_tally;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- A relation moved to another employee (rare: the row's userid changed) moves its count.
CREATE OR REPLACE FUNCTION scrm_tally_relation_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO customer_relation_tally AS t (userid, relations)
  SELECT userid, n FROM (VALUES (OLD.userid, -1), (NEW.userid, 1)) AS d (userid, n) ORDER BY userid
  ON CONFLICT (userid) DO UPDATE SET relations = t.relations + EXCLUDED.relations;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER customer_relation_tally_insert AFTER INSERT ON customer_relation REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION scrm_tally_relations();
--> statement-breakpoint
CREATE TRIGGER customer_relation_tally_delete AFTER DELETE ON customer_relation REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION scrm_tally_relations();
--> statement-breakpoint
CREATE TRIGGER customer_relation_tally_truncate AFTER TRUNCATE ON customer_relation FOR EACH STATEMENT EXECUTE FUNCTION scrm_tally_relations();
--> statement-breakpoint
CREATE TRIGGER customer_relation_tally_moved AFTER UPDATE OF userid ON customer_relation FOR EACH ROW WHEN (OLD.userid IS DISTINCT FROM NEW.userid) EXECUTE FUNCTION scrm_tally_relation_moved();
--> statement-breakpoint
INSERT INTO customer_relation_tally (userid, relations) SELECT userid, count(*) FROM customer_relation GROUP BY userid;
