DROP INDEX "lead_owner_idx";--> statement-breakpoint
ALTER TABLE "lead" DROP COLUMN "owner_id";--> statement-breakpoint
ALTER TABLE "lead_import" DROP COLUMN "owner_id";