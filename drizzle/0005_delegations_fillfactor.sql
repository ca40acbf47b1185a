-- Heartbeats rewrite a delegation's row many times over its life. Such an update is HOT (no new
-- index entries, the old version pruned in place) only when no indexed column changes, which holds
-- (a beat writes last_heartbeat and progress, columns no index holds), and when the new version fits
-- on the same page. 80: a fifth of each page (about 1.6 kB) stays free for new versions, room for
-- several of a typical row between two prunes; see BENCHMARKS.md for the HOT share this gives.
-- It applies to pages written from now on: rows already packed into full pages keep their place
-- until something rewrites the table (VACUUM FULL, pg_repack), which this migration does not do.
ALTER TABLE delegations SET (fillfactor = 80);
