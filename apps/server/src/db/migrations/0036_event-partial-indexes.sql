DROP INDEX "customer_event_customer_idx";--> statement-breakpoint
DROP INDEX "customer_event_lead_idx";--> statement-breakpoint
DROP INDEX "customer_event_chat_idx";--> statement-breakpoint
DROP INDEX "customer_event_dedupe_key";--> statement-breakpoint
CREATE INDEX "customer_event_customer_idx" ON "customer_event" USING btree ("external_userid","occurred_at","id") WHERE "customer_event"."external_userid" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "customer_event_lead_idx" ON "customer_event" USING btree ("lead_id","occurred_at","id") WHERE "customer_event"."lead_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "customer_event_chat_idx" ON "customer_event" USING btree ("chat_id","occurred_at","id") WHERE "customer_event"."chat_id" IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "customer_event_dedupe_key" ON "customer_event" USING btree ("dedupe_key") WHERE "customer_event"."dedupe_key" IS NOT NULL;