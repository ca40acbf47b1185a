-- Hand-written (drizzle-kit generate --custom): the counts stats() reads, kept by statement-level
-- triggers in the transaction of every write to delegations. Statement-level with transition
-- tables: a sweep page of 25,000 rows costs one grouped upsert, not 25,000; a heartbeat (no
-- status change) writes nothing. Each session adds to its own shard (backend pid modulo 32) so
-- concurrent transitions do not queue on one row; the upsert takes its rows in (status, shard)
-- order, so two statements never lock them in opposite orders.
-- The function names its table "public"."delegation_status_counts", which the migrator rewrites to
-- the ledger's schema, so it resolves there whatever the search_path of the session writing (a SET
-- search_path clause would do the same at about 20 µs a call, on every UPDATE of the table).
CREATE FUNCTION delegation_status_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO "public"."delegation_status_counts" AS c (status, shard, rows)
    SELECT status, pg_backend_pid() % 32, count(*) FROM new_rows GROUP BY status ORDER BY status
    ON CONFLICT (status, shard) DO UPDATE SET rows = c.rows + EXCLUDED.rows;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO "public"."delegation_status_counts" AS c (status, shard, rows)
    SELECT status, pg_backend_pid() % 32, -count(*) FROM old_rows GROUP BY status ORDER BY status
    ON CONFLICT (status, shard) DO UPDATE SET rows = c.rows + EXCLUDED.rows;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO "public"."delegation_status_counts" AS c (status, shard, rows)
    SELECT status, pg_backend_pid() % 32, sum(delta) FROM (
      SELECT status, 1 AS delta FROM new_rows UNION ALL SELECT status, -1 FROM old_rows
    ) AS moved GROUP BY status HAVING sum(delta) <> 0 ORDER BY status
    ON CONFLICT (status, shard) DO UPDATE SET rows = c.rows + EXCLUDED.rows;
  ELSE
    DELETE FROM "public"."delegation_status_counts";
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- The triggers and the first count in one transaction: CREATE TRIGGER holds writers off until
-- the migration commits, so no write falls between the count and the triggers.
CREATE TRIGGER delegation_status_counts_insert AFTER INSERT ON delegations REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION delegation_status_counts_apply();
--> statement-breakpoint
CREATE TRIGGER delegation_status_counts_update AFTER UPDATE ON delegations REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION delegation_status_counts_apply();
--> statement-breakpoint
CREATE TRIGGER delegation_status_counts_delete AFTER DELETE ON delegations REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION delegation_status_counts_apply();
--> statement-breakpoint
CREATE TRIGGER delegation_status_counts_truncate AFTER TRUNCATE ON delegations
  FOR EACH STATEMENT EXECUTE FUNCTION delegation_status_counts_apply();
--> statement-breakpoint
INSERT INTO delegation_status_counts (status, shard, rows) SELECT status, 0, count(*) FROM delegations GROUP BY status;
