CREATE TABLE "lead_tally" (
	"owner_userid" text PRIMARY KEY NOT NULL,
	"leads" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
-- Kept by statement triggers: one upsert per owner whose count a statement changed (an import batch, an assignment,
-- a merge), in owner order so concurrent statements lock tally rows in the same order. An update that moves no lead
-- in or out of an owner's count (a follow-up, an edit) writes nothing.
CREATE OR REPLACE FUNCTION scrm_tally_leads() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM lead_tally;
  ELSIF TG_OP = 'INSERT' THEN
    INSERT INTO lead_tally AS t (owner_userid, leads)
    SELECT COALESCE(owner_userid, ''), count(*) FROM new_rows WHERE is_del = 0 AND merged_into_id IS NULL
    GROUP BY 1 ORDER BY 1
    ON CONFLICT (owner_userid) DO UPDATE SET leads = t.leads + EXCLUDED.leads;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO lead_tally AS t (owner_userid, leads)
    SELECT COALESCE(owner_userid, ''), -count(*) FROM old_rows WHERE is_del = 0 AND merged_into_id IS NULL
    GROUP BY 1 ORDER BY 1
    ON CONFLICT (owner_userid) DO UPDATE SET leads = t.leads + EXCLUDED.leads;
  ELSE
    INSERT INTO lead_tally AS t (owner_userid, leads)
    SELECT owner, sum(n) FROM (
      SELECT COALESCE(owner_userid, '') AS owner, 1 AS n FROM new_rows WHERE is_del = 0 AND merged_into_id IS NULL
      UNION ALL
      SELECT COALESCE(owner_userid, ''), -1 FROM old_rows WHERE is_del = 0 AND merged_into_id IS NULL
    ) d GROUP BY owner HAVING sum(n) <> 0 ORDER BY owner
    ON CONFLICT (owner_userid) DO UPDATE SET leads = t.leads + EXCLUDED.leads;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER lead_tally_insert AFTER INSERT ON lead REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION scrm_tally_leads();
--> statement-breakpoint
CREATE TRIGGER lead_tally_update AFTER UPDATE ON lead REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION scrm_tally_leads();
--> statement-breakpoint
CREATE TRIGGER lead_tally_delete AFTER DELETE ON lead REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION scrm_tally_leads();
--> statement-breakpoint
CREATE TRIGGER lead_tally_truncate AFTER TRUNCATE ON lead FOR EACH STATEMENT EXECUTE FUNCTION scrm_tally_leads();
--> statement-breakpoint
INSERT INTO lead_tally (owner_userid, leads)
SELECT COALESCE(owner_userid, ''), count(*) FROM lead WHERE is_del = 0 AND merged_into_id IS NULL GROUP BY 1;
