-- Subscriptions: once per INSERT statement on delegation_events, before its first row takes a position.
-- 1. pg_current_xact_id() makes sure the inserting transaction holds its transaction id before it takes
--    any position: the readers' fence (src/adapters/drizzle/settled-positions.ts) is proven on that.
-- 2. pg_notify wakes LISTENing subscribers when the transaction commits (nothing is sent on rollback).
-- Statement level, not row level: the sweep's 10,000-event statement pays for one call, not 10,000.
CREATE FUNCTION delegation_events_before_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_current_xact_id();
  PERFORM pg_notify('delegation_events', '');
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER delegation_events_before_insert BEFORE INSERT ON delegation_events
  FOR EACH STATEMENT EXECUTE FUNCTION delegation_events_before_insert();
