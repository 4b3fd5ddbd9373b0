ALTER TABLE "customer_relation" ADD COLUMN "transfer_to" text;--> statement-breakpoint
ALTER TABLE "customer_relation" ADD COLUMN "transfer_requested_at" timestamp with time zone;