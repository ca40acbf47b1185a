/** Empties both tables and restarts the global position, so each case starts from a fresh ledger. */
export const RESET_TABLES = 'TRUNCATE delegation_events, delegations RESTART IDENTITY CASCADE';
