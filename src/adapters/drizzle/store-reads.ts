import { and, asc, desc, eq, gt, lt, lte, or, type SQL, sql } from 'drizzle-orm';
import { STATUSES, type Delegation, type Status, type StoredEvent } from '../../domain/index.js';
import type { ListQuery, StreamSnapshot } from '../../app/ports.js';
import { preparedRead, query, type DrizzleDb, type Row } from './db.js';
import type { PreparedSwitch } from './pooler.js';
import { DELEGATION_COLUMNS, EVENT_COLUMNS, toDelegation, toStoredEvent } from './rows.js';
import type { LedgerTables } from './schema/tables.js';
import { arrayLiteral } from './sql-values.js';

const id = sql.placeholder('id');

/** The store's reads: single-table ones through the query builder, prepared once per store. */
export class StoreReads {
  private readonly byId;
  private readonly stream;
  private readonly byStatus;
  private readonly counts;
  private readonly byIdempotencyKey;

  constructor(
    private readonly db: DrizzleDb,
    private readonly tables: LedgerTables,
    prepared: PreparedSwitch,
  ) {
    const { delegations: d, delegationEvents: e } = tables;
    this.byId = preparedRead(db.select().from(d).where(eq(d.delegationId, id)), prepared);
    this.stream = preparedRead(db.select(eventFields(tables)).from(e).where(eq(e.delegationId, id)).orderBy(asc(e.version)), prepared);
    this.byStatus = preparedRead(
      db
        .select()
        .from(d)
        // An array literal with a cast: one statement text for any set of statuses.
        .where(sql`${d.status} = ANY(${sql.placeholder('statuses')}::text[])`)
        .orderBy(desc(d.createdAt), asc(d.delegationId))
        .limit(sql.placeholder('limit')),
      prepared,
    );
    // The triggers' counts (migration status_count_triggers), not a count of the table: a few
    // hundred rows at most, however long the history.
    const c = tables.delegationStatusCounts;
    this.counts = preparedRead(
      db
        .select({ status: c.status, n: sql<string>`sum(${c.rows})` })
        .from(c)
        .groupBy(c.status),
      prepared,
    );
    this.byIdempotencyKey = preparedRead(
      db
        .select()
        .from(d)
        .where(and(eq(d.callerId, sql.placeholder('caller')), eq(d.idempotencyKey, sql.placeholder('key')))),
      prepared,
    );
  }

  async load(delegationId: string): Promise<Delegation | null> {
    const [row] = await this.byId({ id: delegationId });
    return row === undefined ? null : toDelegation(row);
  }

  async history(delegationId: string): Promise<StoredEvent[]> {
    return (await this.stream({ id: delegationId })).map(toStoredEvent);
  }

  async list(q: ListQuery): Promise<Delegation[]> {
    if (q.statuses.length === 0) return [];
    if (q.callerId === undefined && q.calleeId === undefined && q.createdAfter === undefined && q.createdBefore === undefined && q.after === undefined) {
      return (await this.byStatus({ statuses: arrayLiteral(q.statuses), limit: q.limit })).map(toDelegation);
    }
    const d = this.tables.delegations;
    const rows = await this.db
      .select()
      .from(d)
      .where(and(sql`${d.status} = ANY(${arrayLiteral(q.statuses)}::text[])`, ...listFilters(d, q)))
      .orderBy(desc(d.createdAt), asc(d.delegationId))
      .limit(q.limit);
    return rows.map(toDelegation);
  }

  async countByStatus(): Promise<Record<Status, number>> {
    const counts = Object.fromEntries(STATUSES.map((status) => [status, 0])) as Record<Status, number>;
    for (const row of await this.counts()) counts[row.status as Status] = Number(row.n);
    return counts;
  }

  async withIdempotencyKey(callerId: string, key: string): Promise<Delegation | null> {
    const [row] = await this.byIdempotencyKey({ caller: callerId, key });
    return row === undefined ? null : toDelegation(row);
  }

  /**
   * A page of rows with their streams, hand-written as one statement so both come
   * from one snapshot: read in two, a write committing between them made verify()
   * report a healthy row as a mismatch.
   */
  async scan(afterId: string | null, limit: number): Promise<StreamSnapshot[]> {
    const { delegations: d, delegationEvents: e } = this.tables;
    const after = afterId === null ? sql`TRUE` : sql`delegation_id > ${afterId}`;
    const rows = await query(
      this.db,
      sql`WITH page AS (SELECT ${DELEGATION_COLUMNS} FROM ${d} WHERE ${after} ORDER BY delegation_id LIMIT ${limit})
        SELECT page.*, (SELECT coalesce(json_agg(ev ORDER BY ev.position), '[]'::json)
          FROM (SELECT ${EVENT_COLUMNS} FROM ${e} WHERE delegation_id = page."delegationId") AS ev) AS events
        FROM page ORDER BY page."delegationId"`,
    );
    return rows.map((row) => ({ delegation: toDelegation(row), events: (parsed(row.events) as Row[]).map(toStoredEvent) }));
  }
}

/** The log's columns under the domain's names (details is `data` there). */
function eventFields({ delegationEvents: e }: LedgerTables) {
  return {
    position: e.position,
    delegationId: e.delegationId,
    version: e.version,
    attempt: e.attempt,
    type: e.type,
    fromStatus: e.fromStatus,
    toStatus: e.toStatus,
    actor: e.actor,
    data: e.details,
    occurredAt: e.occurredAt,
  };
}

export function parsed(value: unknown): unknown {
  return typeof value === 'string' ? JSON.parse(value) : (value ?? []);
}

/** The filters beyond status, and the keyset: rows after `after` in the order created_at descending, id ascending. */
function listFilters(d: LedgerTables['delegations'], q: ListQuery): (SQL | undefined)[] {
  const { after } = q;
  return [
    q.callerId === undefined ? undefined : eq(d.callerId, q.callerId),
    q.calleeId === undefined ? undefined : eq(d.calleeId, q.calleeId),
    q.createdAfter === undefined ? undefined : gt(d.createdAt, q.createdAfter),
    q.createdBefore === undefined ? undefined : lt(d.createdAt, q.createdBefore),
    // The first conjunct is redundant but sargable: the (caller_id | callee_id, created_at) index then starts the scan at
    // the cursor instead of filtering out every earlier page's rows.
    after === undefined ? undefined : and(lte(d.createdAt, after.createdAt), or(lt(d.createdAt, after.createdAt), gt(d.delegationId, after.delegationId))),
  ];
}
