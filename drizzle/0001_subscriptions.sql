CREATE TABLE "delegation_subscriptions" (
	"name" text PRIMARY KEY NOT NULL,
	"position" bigint NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "delegation_subscriptions_position_check" CHECK ("delegation_subscriptions"."position" >= 0)
);
