export { delegations } from './delegations.js';
export { delegationEvents } from './delegation-events.js';
export { delegationSubscriptions } from './delegation-subscriptions.js';
export { delegationSweepState } from './delegation-sweep-state.js';
export { webhookEndpoints } from './webhook-endpoints.js';
export { webhookDeliveries } from './webhook-deliveries.js';
export { delegationStatusCounts } from './delegation-status-counts.js';
