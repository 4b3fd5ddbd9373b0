ALTER TABLE "acq_add" ADD COLUMN "main_pending" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "acq_link" ADD COLUMN "main_userid" text;--> statement-breakpoint
ALTER TABLE "acq_round" ADD COLUMN "current" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "acq_round" ADD COLUMN "main_rule_id" bigint;--> statement-breakpoint
ALTER TABLE "acq_round" ADD COLUMN "main_day" text;--> statement-breakpoint
ALTER TABLE "acq_rule_day" ADD COLUMN "held" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "acq_add_main_pending_idx" ON "acq_add" USING btree ("acq_link_id") WHERE main_pending;