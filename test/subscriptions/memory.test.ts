import { describeSubscriptionContract } from './subscriptions.contract.js';
import { memoryTarget } from './support.js';

describeSubscriptionContract(memoryTarget());
