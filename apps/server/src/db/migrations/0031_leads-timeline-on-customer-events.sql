-- The lead timeline moves onto the one customer timeline: each lead_event becomes a customer_event of type 'lead'
-- (data.leadType the old type, data.mergedFromId where it was recorded on a lead since merged), on the lead's WeCom
-- customer when the lead has one, in the same order. Nothing else reads lead_event, so it goes.
INSERT INTO "customer_event" ("lead_id", "external_userid", "type", "occurred_at", "actor", "data", "ctime")
SELECT e."lead_id", l."external_userid", 'lead', e."occurred_at", e."actor",
  e."data" || jsonb_build_object('leadType', e."type") || CASE WHEN e."merged_from_id" IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('mergedFromId', e."merged_from_id") END,
  e."ctime"
FROM "lead_event" e LEFT JOIN "lead" l ON l."id" = e."lead_id"
ORDER BY e."id";
--> statement-breakpoint
DROP TABLE "lead_event";
