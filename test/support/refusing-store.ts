import { DatabaseError, type SweepPolicy } from '../../src/domain/index.js';
import type { SweepScope, SweepTally } from '../../src/app/ports.js';
import { SweepPageRejectedError } from '../../src/app/sweep-pages.js';
import { MemoryDelegationStore, type MemoryStoreOptions } from '../../src/adapters/memory/memory-store.js';

/**
 * The memory store with the database's failure mode a trigger gives the SQL stores: a sweep page
 * that holds a refused delegation is refused whole (nothing of it written), naming the page's rows.
 */
export class RefusingMemoryStore extends MemoryDelegationStore {
  private readonly refused = new Set<string>();
  private readonly pageSize: number;

  constructor(options: MemoryStoreOptions = {}) {
    super(options);
    this.pageSize = options.sweepBatchSize ?? Number.POSITIVE_INFINITY;
  }

  refuse(delegationId: string): void {
    this.refused.add(delegationId);
  }

  accept(delegationId: string): void {
    this.refused.delete(delegationId);
  }

  override async sweep(now: Date, policy: SweepPolicy, actor: string, scope: SweepScope = {}): Promise<SweepTally> {
    const only = scope.only === undefined ? null : new Set(scope.only);
    const exclude = new Set(scope.exclude ?? []);
    const page = (await this.findDue(now, policy))
      .map((due) => due.delegationId)
      // The page the store's own sweep takes: the same rows, in the same order.
      .filter((id) => (only === null || only.has(id)) && !exclude.has(id))
      .slice(0, this.pageSize);
    if (page.some((id) => this.refused.has(id))) {
      throw new SweepPageRejectedError(page, new DatabaseError('rejected', 'P0001', 'the database refused the statement (SQLSTATE P0001)'));
    }
    return super.sweep(now, policy, actor, scope);
  }
}
