import { type BenchContext, rotate } from '../lib/context.js';
import { type Figure, figure, median, type Ratio } from '../lib/measure.js';
import { bullmqCompetitor, redisClientMissing } from './bullmq.js';
import { graphileCompetitor } from './graphile-worker.js';
import { ledgerCompetitor } from './ledger.js';
import { pgBossCompetitor } from './pg-boss.js';
import { type Competitor, percentile, ROWS, type RowKey, sizes } from './shared.js';

const SECTION = '9. side by side with the peers (each peer on a database of its own, same server, same run)';
const OURS = 'ledger';

type Runs = Record<string, Partial<Record<RowKey, number[]>>>;

/**
 * The same lifecycle on our ledger and on pg-boss, graphile-worker and BullMQ: each round
 * runs every competitor's rows 1-4, then every competitor's rescue, then every latency
 * sample, in an order rotated per round so that a neighbour's burst of load falls on each
 * alike. A figure is the median of its rounds; each of our figures carries its ratio to the
 * best peer of the same run.
 */
export async function peersSection(ctx: BenchContext): Promise<Figure[]> {
  const size = sizes(ctx.quick);
  const noRedis = redisClientMissing();
  if (noRedis !== undefined) ctx.progress(`peers: BullMQ on Redis not run: ${noRedis}`);
  const competitors: Competitor[] = [
    ledgerCompetitor(size),
    pgBossCompetitor(size),
    graphileCompetitor(size),
    ...(noRedis === undefined ? [bullmqCompetitor(size, 'redis')] : []),
    bullmqCompetitor(size, 'postgres'),
  ];
  const runs: Runs = Object.fromEntries(competitors.map((c) => [c.name, {}]));
  const push = (c: Competitor, key: RowKey, value: number | undefined) => {
    if (value === undefined || !Number.isFinite(value)) return;
    const row = runs[c.name] as Partial<Record<RowKey, number[]>>;
    row[key] = [...(row[key] ?? []), value];
  };
  const opened: Competitor[] = [];
  try {
    for (const c of competitors) {
      ctx.progress(`peers: opening ${c.name}`);
      await c.open();
      opened.push(c);
    }
    for (let round = 0; round < ctx.rounds; round += 1) {
      for (const c of rotate(competitors, round)) {
        ctx.progress(`peers: ${c.name}, rows 1-4, round ${round + 1}`);
        const figures = await c.lifecycle(round);
        for (const [key, value] of Object.entries(figures)) push(c, key as RowKey, value);
        // Claimed then completed back to back: comparable with a runner's claim-and-complete cycle.
        const complete = figures.completeBatch ?? figures.completeOne;
        if (figures.claim !== undefined && complete !== undefined) push(c, 'cycle', 1 / (1 / figures.claim + 1 / complete));
      }
      for (const c of rotate(competitors, round)) {
        ctx.progress(`peers: ${c.name}, rescue, round ${round + 1}`);
        push(c, 'rescue', await c.rescue(round));
      }
      for (const c of rotate(competitors, round)) {
        ctx.progress(`peers: ${c.name}, latency, round ${round + 1}`);
        const samples = await c.latency(round);
        if (samples !== undefined) {
          const fromCall = samples.map((s) => s.fromCall);
          push(c, 'latencyP50', percentile(fromCall, 0.5));
          push(c, 'latencyP99', percentile(fromCall, 0.99));
          push(
            c,
            'afterReturnP50',
            percentile(
              samples.map((s) => s.fromReturn),
              0.5,
            ),
          );
        }
      }
    }
  } finally {
    for (const c of opened.reverse()) await c.close();
  }
  for (const c of competitors) {
    for (const key of Object.keys(ROWS) as RowKey[]) {
      if (runs[c.name]?.[key] === undefined) ctx.progress(`peers: ${c.name}, ${ROWS[key].row}: ${c.how[key]}`);
    }
  }
  return report(competitors, runs);
}

function report(competitors: readonly Competitor[], runs: Runs): Figure[] {
  const figures: Figure[] = [];
  for (const key of Object.keys(ROWS) as RowKey[]) {
    const { row, unit, higherIsBetter } = ROWS[key];
    const measured = competitors.filter((c) => runs[c.name]?.[key] !== undefined);
    const peers = measured.filter((c) => c.name !== OURS);
    const of = (c: Competitor) => median(runs[c.name]?.[key] ?? []);
    const best = peers.reduce<Competitor | undefined>(
      (top, c) => (top === undefined || (higherIsBetter ? of(c) > of(top) : of(c) < of(top)) ? c : top),
      undefined,
    );
    for (const c of measured) {
      const derived = key === 'cycle' && c.how.cycle.startsWith('not measured');
      const label = `${row}: ${c.name}${derived ? ' (derived: row 2 then its best row 4)' : ''}`;
      const ratio = higherIsBetter ? `ledger / best peer (${best?.name})` : `ledger's time / best peer's (${best?.name})`;
      // The notification path alone can be negative (the caller knew first): a diagnostic of row 6, no ratio.
      const ratios: Ratio[] = c.name === OURS && best !== undefined && key !== 'afterReturnP50' ? [{ label: ratio, value: of(c) / of(best) }] : [];
      figures.push(figure(SECTION, label, unit, runs[c.name]?.[key] ?? [], ...ratios));
    }
  }
  return figures;
}
