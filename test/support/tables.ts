/**
 * Empties the tables (the sweep history too) so each case starts from a fresh ledger. DELETE rather than
 * TRUNCATE: a case leaves a handful of rows, and TRUNCATE swaps and syncs relation
 * files (about 40 ms a call on the PostgreSQL server here, against well under 1 ms).
 * Positions keep counting up across cases; no test depends on where they start.
 */
export const RESET_TABLES = 'DELETE FROM delegation_events; DELETE FROM delegations; DELETE FROM delegation_sweep_state';

/** The subscription suites also empty the checkpoints, and start positions from 1 again. */
export const RESET_WITH_CHECKPOINTS = 'TRUNCATE delegation_events, delegations, delegation_subscriptions, delegation_sweep_state RESTART IDENTITY CASCADE';
