-- What the status-count triggers cost a write, in the database alone (no client round trips):
-- 20,000 single-row heartbeat UPDATEs (no status change) and 20,000 single-row status changes,
-- each its own transaction (as the ledger's writes are), with the update trigger enabled and
-- disabled, twice in alternating order.
-- Run on the bench database only (it truncates delegations):
--   psql postgres://postgres@127.0.0.1:5432/delegations_bench_sweep -f bench/status-count-cost.sql
\set ON_ERROR_STOP on
-- Commits without waiting for the WAL flush: the figure is the trigger's CPU, not the disk's.
SET synchronous_commit = off;
TRUNCATE delegation_events, delegations;
INSERT INTO delegations (delegation_id, caller_id, callee_id, task_preview, status, attempt, version,
  last_heartbeat, active_since, deadline, created_at, updated_at)
SELECT 'f' || i, 'caller', 'agent', 'task', 'in_progress', 1, 3, now(), now(), now() + interval '6 hours', now(), now()
FROM generate_series(1, 100000) AS i;
VACUUM ANALYZE delegations;
CREATE OR REPLACE PROCEDURE bench_beats() LANGUAGE plpgsql AS $$
BEGIN FOR i IN 1..20000 LOOP UPDATE delegations SET last_heartbeat = now() WHERE delegation_id = 'f' || (i * 37 % 100000 + 1); COMMIT; END LOOP; END $$;
CREATE OR REPLACE PROCEDURE bench_moves() LANGUAGE plpgsql AS $$
BEGIN FOR i IN 1..20000 LOOP
  UPDATE delegations SET status = CASE WHEN status = 'in_progress' THEN 'stuck' ELSE 'in_progress' END, version = version + 1
  WHERE delegation_id = 'f' || (i * 37 % 100000 + 1);
  COMMIT;
END LOOP; END $$;
\timing on
\echo 'beats, trigger on'
CALL bench_beats();
ALTER TABLE delegations DISABLE TRIGGER delegation_status_counts_update;
\echo 'beats, trigger off'
CALL bench_beats();
\echo 'status changes, trigger off'
CALL bench_moves();
ALTER TABLE delegations ENABLE TRIGGER delegation_status_counts_update;
\echo 'status changes, trigger on'
CALL bench_moves();
\echo 'beats, trigger on'
CALL bench_beats();
ALTER TABLE delegations DISABLE TRIGGER delegation_status_counts_update;
\echo 'beats, trigger off'
CALL bench_beats();
\echo 'status changes, trigger off'
CALL bench_moves();
ALTER TABLE delegations ENABLE TRIGGER delegation_status_counts_update;
\echo 'status changes, trigger on'
CALL bench_moves();
\timing off
DROP PROCEDURE bench_beats();
DROP PROCEDURE bench_moves();
TRUNCATE delegation_events, delegations;
