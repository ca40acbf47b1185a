-- The subscription fence moved from transaction ids to the write locks on delegation_events
-- (src/adapters/drizzle/settled-positions.ts): writers no longer need an id before their first
-- position, so the statement trigger of 0002 has no work left. Wake-ups never came from it.
DROP TRIGGER IF EXISTS delegation_events_before_insert ON delegation_events;
--> statement-breakpoint
DROP FUNCTION IF EXISTS delegation_events_before_insert();
