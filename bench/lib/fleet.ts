import { createDelegations, silentLogger, VirtualClock } from '../../src/index.js';

const MINUTE = 60_000;
const TICK_MS = 10_000;
const BEAT_MS = 30_000;
const SWEEP_MS = 5 * MINUTE;

type Agent = { id: string; arrive: number; finish: number; fate: 'completes' | 'crashes' | 'wedges'; nextBeat: number; ended: boolean };

/** A small deterministic generator (mulberry32), so every run drives the same fleet. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A fleet on the memory store and a virtual clock, driven through the real ledger
 * and sweeper: agents arrive over the first hour, beat every 30 s, and most
 * complete after 10 minutes to 2 hours; 5% crash (the sweeper marks them stuck,
 * then the 6-hour deadline fails them) and 2% wedge (beat until the deadline).
 * Returns the agent-hours simulated (time from create to terminal, summed).
 */
export async function driveFleet(agents: number, seed = 1): Promise<{ agentHours: number; calls: number }> {
  const clock = new VirtualClock();
  const d = await createDelegations({ store: 'memory', clock, logger: silentLogger, env: {}, bootGraceMs: 0 });
  const next = random(seed);
  const fleet: Agent[] = Array.from({ length: agents }, (_, i) => {
    const arrive = Math.floor(next() * 360) * TICK_MS;
    const roll = next();
    const fate = roll < 0.05 ? 'crashes' : roll < 0.07 ? 'wedges' : 'completes';
    return { id: `a${i}`, arrive, finish: arrive + (10 + Math.floor(next() * 110)) * MINUTE, fate, nextBeat: arrive, ended: false };
  });
  const origin = clock.now().getTime();
  let calls = 0;
  let agentMs = 0;
  let open = agents;
  const end = (agent: Agent, t: number) => {
    agent.ended = true;
    agentMs += t - agent.arrive;
    open -= 1;
  };
  for (let t = 0; open > 0; t += TICK_MS) {
    clock.set(new Date(origin + t));
    for (const agent of fleet) {
      if (agent.ended || agent.arrive > t) continue;
      if (agent.arrive === t) {
        await d.ledger.create({ delegationId: agent.id, callerId: 'fleet', calleeId: agent.id, task: 'simulated work' });
        await d.ledger.setStatus(agent.id, 'dispatched');
        calls += 2;
      }
      if (agent.fate === 'completes' && t >= agent.finish) {
        await d.ledger.setStatus(agent.id, 'completed', { resultPreview: 'ok' });
        calls += 1;
        end(agent, t);
      } else if (!(agent.fate === 'crashes' && t >= agent.finish) && t >= agent.nextBeat) {
        const beat = await d.ledger.heartbeat(agent.id);
        agent.nextBeat = t + BEAT_MS;
        calls += 1;
        if (beat.stop) end(agent, t);
      }
    }
    if (t % SWEEP_MS !== 0) continue;
    await d.sweeper.sweep();
    calls += 1;
    // A crashed agent says nothing more: the ledger tells when the sweeper has failed it.
    for (const agent of fleet) {
      if (agent.ended || agent.fate !== 'crashes' || t < agent.finish) continue;
      const row = await d.ledger.get(agent.id);
      if (row !== null && row.status === 'failed') end(agent, t);
    }
  }
  await d.close();
  return { agentHours: agentMs / 3_600_000, calls };
}
