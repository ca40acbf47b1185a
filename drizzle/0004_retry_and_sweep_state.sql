CREATE TABLE "delegation_sweep_state" (
	"id" smallint PRIMARY KEY NOT NULL,
	"last_completed_at" timestamp (3) with time zone,
	"grace_from" timestamp (3) with time zone,
	CONSTRAINT "delegation_sweep_state_single_row" CHECK ("delegation_sweep_state"."id" = 1)
);
--> statement-breakpoint
ALTER TABLE "delegation_events" DROP CONSTRAINT "delegation_events_type_check";--> statement-breakpoint
ALTER TABLE "delegation_events" DROP CONSTRAINT "delegation_events_to_status_check";--> statement-breakpoint
ALTER TABLE "delegation_events" DROP CONSTRAINT "delegation_events_from_status_check";--> statement-breakpoint
ALTER TABLE "delegations" DROP CONSTRAINT "delegations_status_check";--> statement-breakpoint
DROP INDEX "delegations_in_flight_idx";--> statement-breakpoint
ALTER TABLE "delegations" ADD COLUMN "retry" jsonb;--> statement-breakpoint
ALTER TABLE "delegations" ADD COLUMN "available_at" timestamp (3) with time zone;--> statement-breakpoint
CREATE INDEX "delegations_claim_idx" ON "delegations" USING btree ("callee_id","created_at","delegation_id") WHERE "delegations"."status" = 'queued';--> statement-breakpoint
CREATE INDEX "delegations_in_flight_idx" ON "delegations" USING btree ("status","deadline") WHERE "delegations"."status" IN ('queued', 'dispatched', 'in_progress', 'input_required', 'stuck');--> statement-breakpoint
ALTER TABLE "delegation_events" ADD CONSTRAINT "delegation_events_type_check" CHECK ("delegation_events"."type" IN ('created', 'dispatched', 'started', 'marked_stuck', 'recovered', 'requeued', 'input_requested', 'resumed', 'completed', 'failed', 'cancelled', 'rejected', 'detail_recorded'));--> statement-breakpoint
ALTER TABLE "delegation_events" ADD CONSTRAINT "delegation_events_to_status_check" CHECK ("delegation_events"."to_status" IN ('queued', 'dispatched', 'in_progress', 'input_required', 'stuck', 'completed', 'failed', 'cancelled', 'rejected'));--> statement-breakpoint
ALTER TABLE "delegation_events" ADD CONSTRAINT "delegation_events_from_status_check" CHECK ("delegation_events"."from_status" IS NULL OR "delegation_events"."from_status" IN ('queued', 'dispatched', 'in_progress', 'input_required', 'stuck', 'completed', 'failed', 'cancelled', 'rejected'));--> statement-breakpoint
ALTER TABLE "delegations" ADD CONSTRAINT "delegations_status_check" CHECK ("delegations"."status" IN ('queued', 'dispatched', 'in_progress', 'input_required', 'stuck', 'completed', 'failed', 'cancelled', 'rejected'));