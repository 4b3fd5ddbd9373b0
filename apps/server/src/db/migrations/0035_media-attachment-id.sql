ALTER TABLE "acq_media" ADD COLUMN "wecom_attachment_id" text;--> statement-breakpoint
ALTER TABLE "acq_media" ADD COLUMN "wecom_attachment_at" timestamp with time zone;