import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminApp } from '../../src/adapters/http/admin-app.js';
import { servedHosts } from '../../src/adapters/http/hosts.js';
import { hashToken, newToken, tokenTable } from '../../src/adapters/http/identity.js';
import { listen, type RunningServer } from '../../src/adapters/http/server.js';
import {
  AccessDeniedError,
  createClient,
  type Delegation,
  DelegationStoppedError,
  DelegationExistsError,
  type DelegationsClient,
  InvalidInputError,
  runDelegation,
  WaitTimeoutError,
} from '../../src/client.js';
import { openDelegations } from '../../src/delegations.js';
import { silentLogger } from '../../src/index.js';
import type { WiredDelegations } from '../../src/wiring.js';

const TOKENS = { admin: newToken(), callerA: newToken(), callerB: newToken(), agentA: newToken(), agentB: newToken() };
// Beats every 20 ms: the tests wait on the runner's beats, not on a clock.
const RUN = { intervalMs: 20, logger: silentLogger };

let lib: WiredDelegations;
let server: RunningServer;
let as: Record<keyof typeof TOKENS, DelegationsClient>;

beforeAll(async () => {
  lib = await openDelegations({ store: 'memory', logger: silentLogger, env: {} });
  const tokens = tokenTable([
    { role: 'admin', name: 'ops', sha256: hashToken(TOKENS.admin) },
    { role: 'caller', name: 'caller-a', sha256: hashToken(TOKENS.callerA), callerId: 'caller-a' },
    { role: 'caller', name: 'caller-b', sha256: hashToken(TOKENS.callerB), callerId: 'caller-b' },
    { role: 'agent', name: 'agent-a', sha256: hashToken(TOKENS.agentA), calleeId: 'agent-a' },
    { role: 'agent', name: 'agent-b', sha256: hashToken(TOKENS.agentB), calleeId: 'agent-b' },
  ]);
  let port = 0;
  const services = { ledger: lib.ledger, sweeper: lib.sweeper, clock: lib.clock };
  const app = createAdminApp({
    services: () => services,
    registry: new Registry(),
    logger: silentLogger,
    token: null,
    tokens,
    served: () => servedHosts('127.0.0.1', port, []),
  });
  server = await listen(app, { port: 0, host: '127.0.0.1' });
  port = server.port;
  as = Object.fromEntries(Object.entries(TOKENS).map(([who, token]) => [who, createClient({ baseUrl: server.url, token })])) as typeof as;
});
afterAll(async () => {
  await server?.close();
  await lib?.close();
});

/** A delegation of caller-a for agent-a, claimed by agent-a: what the runner is handed. */
async function claimedByAgentA(task: string): Promise<Delegation> {
  const created = await as.callerA.create({ calleeId: 'agent-a', task });
  const claimed = await as.agentA.claim({ limit: 1 });
  expect(claimed.map((d) => d.delegationId)).toEqual([created.delegationId]);
  return claimed[0] as Delegation;
}

describe('the client against the service (memory store)', () => {
  it('a caller creates (an Idempotency-Key replay answers the same delegation), shows, lists page by page and waits', async () => {
    const first = await as.callerA.create({ calleeId: 'agent-b', task: 'index the archive', idempotencyKey: 'archive-1' });
    const replay = await as.callerA.create({ calleeId: 'agent-b', task: 'index the archive', idempotencyKey: 'archive-1' });
    expect(replay.delegationId).toBe(first.delegationId);
    expect(first).toMatchObject({ callerId: 'caller-a', calleeId: 'agent-b', status: 'queued', idempotencyKey: 'archive-1' });
    expect(first.deadline).toBeInstanceOf(Date);
    expect(await as.callerA.get(first.delegationId)).toEqual(await lib.ledger.get(first.delegationId));
    expect((await as.callerA.history(first.delegationId)).map((e) => e.type)).toEqual(['created']);
    expect(await as.callerA.get('no-such-delegation')).toBeNull();

    for (let i = 0; i < 3; i += 1) await as.callerA.create({ calleeId: 'agent-b', task: `page ${i}` });
    const page = await as.callerA.list({ calleeId: 'agent-b', limit: 2 });
    expect(page.delegations).toHaveLength(2);
    expect(page.nextCursor).not.toBeNull();
    const all: string[] = [];
    for await (const d of as.callerA.listAll({ calleeId: 'agent-b', limit: 2 })) all.push(d.delegationId);
    expect(new Set(all).size).toBe(4);
    expect(all).toContain(first.delegationId);

    await expect(as.callerA.waitFor(first.delegationId, { timeoutMs: 50 })).rejects.toBeInstanceOf(WaitTimeoutError);
    expect(await as.callerA.cancel(first.delegationId, { reason: 'not needed' })).toMatchObject({ outcome: 'applied', delegation: { status: 'cancelled' } });
    expect(await as.callerA.waitFor(first.delegationId)).toMatchObject({ status: 'cancelled', errorDetail: 'not needed' });
  });

  it('runDelegation on the client: the agent claims, beats, and its result reaches the caller', async () => {
    const claimed = await claimedByAgentA('summarise the report');
    const done = as.callerA.waitFor(claimed.delegationId);
    const outcome = await runDelegation(
      as.agentA,
      claimed,
      async ({ progress, delegation }) => {
        progress(0.5);
        return `summary of ${delegation.taskPreview}`;
      },
      RUN,
    );
    expect(outcome).toMatchObject({ status: 'completed', result: 'summary of summarise the report', delegation: { status: 'completed' } });
    expect(await done).toMatchObject({ status: 'completed', resultPreview: 'summary of summarise the report' });
    expect((await as.callerA.history(claimed.delegationId)).map((e) => e.type)).toEqual(['created', 'dispatched', 'started', 'completed']);
  });

  it('a cancel through the API stops the runner’s work: the next beat answers stop and the signal aborts', async () => {
    const claimed = await claimedByAgentA('crawl until told to stop');
    let reason: unknown;
    const run = runDelegation(
      as.agentA,
      claimed,
      ({ signal }) =>
        new Promise<never>((_resolve, reject) => {
          signal.addEventListener('abort', () => {
            reason = signal.reason;
            reject(signal.reason);
          });
        }),
      RUN,
    );
    // Started: the first beat moved it to in_progress; then the caller cancels.
    await as.callerA.waitFor(claimed.delegationId, { until: ['in_progress'] });
    expect(await as.callerA.cancel(claimed.delegationId, { reason: 'changed my mind' })).toMatchObject({ outcome: 'applied' });
    const outcome = await run;
    expect(outcome).toMatchObject({ status: 'stopped', reason: 'cancelled', delegation: { status: 'cancelled' } });
    expect(reason).toBeInstanceOf(DelegationStoppedError);
    expect(reason).toMatchObject({ delegationId: claimed.delegationId, attempt: 1, reason: 'cancelled' });
    // The runner reported nothing after the stop: cancelled is the last word.
    expect((await as.callerA.history(claimed.delegationId)).at(-1)).toMatchObject({ type: 'cancelled' });
  });

  it('requestInput over HTTP: the agent asks, the caller resumes with an answer, the work goes on with it', async () => {
    const claimed = await claimedByAgentA('paint the fence');
    const run = runDelegation(as.agentA, claimed, async ({ requestInput }) => `painted ${await requestInput('which colour?')}`, RUN);
    const asked = await as.callerA.waitFor(claimed.delegationId, { until: ['input_required'] });
    expect(asked).toMatchObject({ status: 'input_required', errorDetail: 'which colour?' });
    expect(await as.callerA.resume(claimed.delegationId, { answer: 'blue' })).toMatchObject({ outcome: 'applied', delegation: { status: 'in_progress' } });
    expect(await run).toMatchObject({ status: 'completed', result: 'painted blue' });
  });

  it('a failure the work calls retryable is requeued under the delegation’s retry policy', async () => {
    const created = await as.callerA.create({ calleeId: 'agent-a', task: 'flaky', retry: { maxAttempts: 2, initialDelayMs: 0, jitter: 0 } });
    const [claimed] = await as.agentA.claim();
    expect(claimed?.delegationId).toBe(created.delegationId);
    const outcome = await runDelegation(
      as.agentA,
      claimed as Delegation,
      () => Promise.reject(Object.assign(new Error('upstream 502'), { retryable: true })),
      RUN,
    );
    expect(outcome).toMatchObject({ status: 'failed', error: 'upstream 502', retryable: true });
    expect(await as.callerA.get(created.delegationId)).toMatchObject({ status: 'queued', attempt: 2 });
    // Attempt 1's late beat is told to stop: attempt 2 superseded it.
    expect(await as.agentA.heartbeat(created.delegationId, { attempt: 1 })).toMatchObject({ stop: true, reason: 'superseded' });
    // Out of the queue, so later claims of agent-a take only their own.
    expect(await as.callerA.cancel(created.delegationId)).toMatchObject({ outcome: 'applied' });
  });

  it('refusals are the ledger’s outcomes; a finished delegation’s beat is told to stop', async () => {
    const claimed = await claimedByAgentA('short');
    expect(await as.agentA.complete(claimed.delegationId, { attempt: 1, result: 'ok' })).toMatchObject({ outcome: 'applied' });
    expect(await as.agentA.complete(claimed.delegationId, { attempt: 1, result: 'ok' })).toMatchObject({ outcome: 'unchanged' });
    expect(await as.callerA.cancel(claimed.delegationId)).toMatchObject({ outcome: 'refused', reason: 'terminal', delegation: { status: 'completed' } });
    expect(await as.agentA.heartbeat(claimed.delegationId, { attempt: 1 })).toMatchObject({ stop: true, reason: 'completed' });
    expect(await as.agentA.heartbeat('no-such-delegation')).toMatchObject({ outcome: 'not_found', stop: true, reason: 'not_found' });
    expect(await as.callerA.cancel('no-such-delegation')).toEqual({ outcome: 'not_found', delegationId: 'no-such-delegation' });
  });

  it('roles: another caller’s delegation, another callee’s work and a wrong token are AccessDeniedError, and nothing changes', async () => {
    const created = await as.callerA.create({ calleeId: 'agent-a', task: 'private' });
    const before = await lib.ledger.history(created.delegationId);
    await expect(as.callerB.get(created.delegationId)).rejects.toMatchObject({ name: 'AccessDeniedError', status: 403 });
    await expect(as.callerB.cancel(created.delegationId)).rejects.toMatchObject({ status: 403 });
    await expect(as.agentB.heartbeat(created.delegationId)).rejects.toMatchObject({ status: 403 });
    await expect(as.agentA.create({ calleeId: 'agent-a', task: 'agents do not create' })).rejects.toMatchObject({ status: 403 });
    const stranger = createClient({ baseUrl: server.url, token: newToken() });
    const unknown = await stranger.get(created.delegationId).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(AccessDeniedError);
    expect(unknown).toMatchObject({ status: 401 });
    expect(await lib.ledger.history(created.delegationId)).toEqual(before);
  });

  it('the service’s 400 is InvalidInputError naming the field', async () => {
    const error = await as.callerA.create({ calleeId: 'agent-a', task: 'x', heartbeatTimeoutMs: -5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ field: 'heartbeatTimeoutMs' });
    await expect(as.admin.create({ calleeId: 'agent-a', task: 'admin names the caller' })).rejects.toMatchObject({
      name: 'InvalidInputError',
      field: 'callerId',
    });
    expect(await as.admin.create({ calleeId: 'agent-a', task: 'admin names the caller', callerId: 'caller-z' })).toMatchObject({ callerId: 'caller-z' });
  });

  it('create answers as ledger.create does: a taken delegationId is DelegationExistsError, a key reused for another request InvalidInputError', async () => {
    const taken = await as.callerA.create({ calleeId: 'agent-b', task: 'mine', delegationId: 'taken-id' });
    const exists = await as.callerA.create({ calleeId: 'agent-b', task: 'another', delegationId: taken.delegationId }).catch((e: unknown) => e);
    expect(exists).toBeInstanceOf(DelegationExistsError);
    expect(exists).toMatchObject({ delegationId: 'taken-id' });
    await as.callerA.create({ calleeId: 'agent-b', task: 'first use', idempotencyKey: 'key-9' });
    await expect(as.callerA.create({ calleeId: 'agent-b', task: 'second use', idempotencyKey: 'key-9' })).rejects.toMatchObject({
      name: 'InvalidInputError',
      field: 'task',
    });
  });
});
