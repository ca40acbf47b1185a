CREATE TABLE "delegation_events" (
	"position" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "delegation_events_position_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"delegation_id" text NOT NULL,
	"version" integer NOT NULL,
	"attempt" integer NOT NULL,
	"type" text NOT NULL,
	"from_status" text,
	"to_status" text NOT NULL,
	"actor" text NOT NULL,
	"details" jsonb NOT NULL,
	"occurred_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "delegation_events_stream_version" UNIQUE("delegation_id","version"),
	CONSTRAINT "delegation_events_type_check" CHECK ("delegation_events"."type" IN ('created', 'dispatched', 'started', 'marked_stuck', 'recovered', 'requeued', 'completed', 'failed', 'cancelled', 'detail_recorded')),
	CONSTRAINT "delegation_events_to_status_check" CHECK ("delegation_events"."to_status" IN ('queued', 'dispatched', 'in_progress', 'stuck', 'completed', 'failed', 'cancelled')),
	CONSTRAINT "delegation_events_from_status_check" CHECK ("delegation_events"."from_status" IS NULL OR "delegation_events"."from_status" IN ('queued', 'dispatched', 'in_progress', 'stuck', 'completed', 'failed', 'cancelled'))
);
--> statement-breakpoint
CREATE TABLE "delegations" (
	"delegation_id" text PRIMARY KEY NOT NULL,
	"caller_id" text NOT NULL,
	"callee_id" text NOT NULL,
	"task_preview" text NOT NULL,
	"status" text NOT NULL,
	"attempt" integer NOT NULL,
	"version" integer NOT NULL,
	"last_heartbeat" timestamp (3) with time zone,
	"active_since" timestamp (3) with time zone,
	"deadline" timestamp (3) with time zone NOT NULL,
	"heartbeat_timeout_ms" bigint,
	"progress" double precision,
	"result_preview" text,
	"error_detail" text,
	"idempotency_key" text,
	"created_at" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "delegations_status_check" CHECK ("delegations"."status" IN ('queued', 'dispatched', 'in_progress', 'stuck', 'completed', 'failed', 'cancelled')),
	CONSTRAINT "delegations_attempt_check" CHECK ("delegations"."attempt" >= 1),
	CONSTRAINT "delegations_heartbeat_timeout_check" CHECK ("delegations"."heartbeat_timeout_ms" IS NULL OR "delegations"."heartbeat_timeout_ms" > 0)
);
--> statement-breakpoint
ALTER TABLE "delegation_events" ADD CONSTRAINT "delegation_events_delegation_id_delegations_delegation_id_fk" FOREIGN KEY ("delegation_id") REFERENCES "public"."delegations"("delegation_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "delegations_in_flight_idx" ON "delegations" USING btree ("status","deadline") WHERE "delegations"."status" IN ('queued', 'dispatched', 'in_progress', 'stuck');--> statement-breakpoint
CREATE INDEX "delegations_caller_idx" ON "delegations" USING btree ("caller_id","created_at");--> statement-breakpoint
CREATE INDEX "delegations_callee_idx" ON "delegations" USING btree ("callee_id","created_at");--> statement-breakpoint
CREATE INDEX "delegations_created_idx" ON "delegations" USING btree ("created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "delegations_idempotency_idx" ON "delegations" USING btree ("caller_id","idempotency_key") WHERE "delegations"."idempotency_key" IS NOT NULL;