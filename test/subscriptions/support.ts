/** Kept for tests written against the old path: the subscription harness now lives in test/support/. */
export { createTestDatabase as createDatabase } from '../support/postgres.js';
export { RESET_WITH_CHECKPOINTS as RESET } from '../support/tables.js';
export * from '../support/subscriptions.js';
