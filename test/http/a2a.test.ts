import { type Client, ClientFactory, ClientFactoryOptions, JsonRpcTransportFactory } from '@a2a-js/sdk/client';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/logging/pino-logger.js';
import { openDelegations } from '../../src/delegations.js';
import type { WiredDelegations } from '../../src/wiring.js';
import { serveStreams, type StreamServer, TOKENS } from './support/streams.js';

const opened: { wired: WiredDelegations; server: StreamServer }[] = [];
afterEach(async () => {
  for (const { wired, server } of opened.splice(0)) {
    await server.close();
    await wired.close();
  }
});

async function open() {
  const wired = await openDelegations({ store: 'memory', logger: silentLogger, env: {} });
  const server = await serveStreams(wired, { keepaliveMs: 50 });
  opened.push({ wired, server });
  return { ledger: wired.ledger, url: server.url };
}

/** The SDK's own client, from the agent card, sending the token on every request. */
function client(url: string, token: string): Promise<Client> {
  const fetchImpl: typeof fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set('authorization', `Bearer ${token}`);
    return fetch(input, { ...init, headers });
  };
  const options = ClientFactoryOptions.createFrom(ClientFactoryOptions.default, { transports: [new JsonRpcTransportFactory({ fetchImpl })] });
  return new ClientFactory(options).createFromUrl(url);
}

// The SDK's TaskState enum values (A2A 1.0).
const STATE = { submitted: 1, working: 2, completed: 3, canceled: 5, inputRequired: 6 } as const;

describe('the A2A face, driven by @a2a-js/sdk', () => {
  it('serves a public agent card naming the JSON-RPC interface, streaming and the bearer scheme', async () => {
    const { url } = await open();
    const response = await fetch(`${url}/.well-known/agent-card.json`);
    expect(response.status).toBe(200);
    const card = await response.json();
    expect(card).toMatchObject({
      supportedInterfaces: [{ url: `${url}/a2a`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }],
      capabilities: { streaming: true, pushNotifications: false },
      securitySchemes: { bearer: { httpAuthSecurityScheme: { scheme: 'Bearer' } } },
    });
    const a2a = await client(url, TOKENS.caller1);
    expect(a2a.protocolVersion).toBe('1.0');
  });

  it('gets a task with its history, cancels it, and a cancelled task stays cancelled', async () => {
    const { ledger, url } = await open();
    const d = await ledger.create({ callerId: 'caller-1', calleeId: 'agent-1', task: 'summarise the report' });
    await ledger.heartbeat(d.delegationId);
    await ledger.requestInput(d.delegationId, { question: 'which quarter?' });
    const a2a = await client(url, TOKENS.caller1);
    const task = await a2a.getTask({ tenant: '', id: d.delegationId });
    expect(task.id).toBe(d.delegationId);
    expect(task.status?.state).toBe(STATE.inputRequired);
    const texts = task.history.map((message) => (message.parts[0]?.content?.$case === 'text' ? message.parts[0].content.value : null));
    expect(texts[0]).toBe('summarise the report');
    expect(texts.at(-1)).toBe('which quarter?');
    expect(task.history.map((message) => message.metadata?.event)).toEqual([undefined, 'created', 'started', 'input_requested']);
    expect((await a2a.getTask({ tenant: '', id: d.delegationId, historyLength: 1 })).history).toHaveLength(1);

    const cancelled = await a2a.cancelTask({ tenant: '', id: d.delegationId, metadata: undefined });
    expect(cancelled.status?.state).toBe(STATE.canceled);
    expect((await ledger.get(d.delegationId))?.status).toBe('cancelled');
    await expect(a2a.cancelTask({ tenant: '', id: d.delegationId, metadata: undefined })).resolves.toMatchObject({ status: { state: STATE.canceled } });
  });

  it('resubscribes to a task: first the task, then a status update per event, ending at the terminal state', async () => {
    const { ledger, url } = await open();
    const d = await ledger.create({ callerId: 'caller-1', calleeId: 'agent-1', task: 'build it' });
    const a2a = await client(url, TOKENS.agent1);
    const stream = a2a.resubscribeTask({ tenant: '', id: d.delegationId });
    const first = await stream.next();
    expect(first.value?.payload?.$case).toBe('task');
    const [claimed] = await ledger.claim({ calleeId: 'agent-1' });
    expect(claimed?.delegationId).toBe(d.delegationId);
    await ledger.heartbeat(d.delegationId);
    await ledger.setStatus(d.delegationId, 'completed', { resultPreview: 'built' });
    const updates = [];
    for await (const item of { [Symbol.asyncIterator]: () => stream }) updates.push(item.payload);
    expect(updates.map((payload) => payload?.$case)).toEqual(['statusUpdate', 'statusUpdate', 'statusUpdate']);
    expect(updates.map((payload) => (payload?.$case === 'statusUpdate' ? payload.value.status?.state : null))).toEqual([
      STATE.submitted,
      STATE.working,
      STATE.completed,
    ]);
    const done = await a2a.getTask({ tenant: '', id: d.delegationId });
    expect(done.artifacts[0]?.parts[0]?.content).toEqual({ $case: 'text', value: 'built' });
  });

  it('answers unknown tasks, terminal subscriptions, message sending and bad params with the A2A errors', async () => {
    const { ledger, url } = await open();
    const a2a = await client(url, TOKENS.admin);
    await expect(a2a.getTask({ tenant: '', id: 'nobody' })).rejects.toMatchObject({ name: 'TaskNotFoundError' });
    await expect(a2a.cancelTask({ tenant: '', id: 'nobody', metadata: undefined })).rejects.toMatchObject({ name: 'TaskNotFoundError' });
    const d = await ledger.create({ callerId: 'caller-1', calleeId: 'agent-1', task: 'x' });
    await ledger.setStatus(d.delegationId, 'completed', { resultPreview: 'ok' });
    await expect(a2a.resubscribeTask({ tenant: '', id: d.delegationId }).next()).rejects.toMatchObject({ name: 'UnsupportedOperationError' });
    await expect(a2a.cancelTask({ tenant: '', id: d.delegationId, metadata: undefined })).rejects.toMatchObject({ name: 'TaskNotCancelableError' });
    const message = { messageId: 'm1', contextId: '', taskId: '', role: 1, parts: [], extensions: [], referenceTaskIds: [] };
    await expect(a2a.sendMessage({ tenant: '', message, metadata: undefined } as never)).rejects.toMatchObject({ name: 'UnsupportedOperationError' });

    const raw = async (body: unknown, headers: Record<string, string> = {}) => {
      const response = await fetch(`${url}/a2a`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKENS.admin}`, 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: await response.json() };
    };
    expect((await raw({ jsonrpc: '2.0', id: 1, method: 'GetTask', params: { id: 5 } })).body).toMatchObject({ id: 1, error: { code: -32602 } });
    expect((await raw({ jsonrpc: '2.0', id: 2, method: 'tasks/get', params: { id: 'x' } })).body).toMatchObject({ error: { code: -32601 } });
    expect((await raw({ jsonrpc: '2.0', id: 3, method: 'message/send', params: {} })).body).toMatchObject({ error: { code: -32004 } });
    expect((await raw({ id: 4, method: 'GetTask' })).body).toMatchObject({ id: 4, error: { code: -32600 } });
    expect((await raw({ jsonrpc: '2.0', id: 5, method: 'GetTask', params: { id: 'x' } }, { 'a2a-version': '0.3' })).body).toMatchObject({
      error: { code: -32009 },
    });
    const garbled = await fetch(`${url}/a2a`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKENS.admin}`, 'content-type': 'application/json' },
      body: '{"jsonrpc": "2.0",',
    });
    expect(await garbled.json()).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });
    const text = await fetch(`${url}/a2a`, { method: 'POST', headers: { authorization: `Bearer ${TOKENS.admin}`, 'content-type': 'text/plain' }, body: 'x' });
    expect(text.status).toBe(415);
  });

  it('needs a token for the JSON-RPC endpoint, and a token that may read (get, follow) or direct (cancel) the task', async () => {
    const { ledger, url } = await open();
    const d = await ledger.create({ callerId: 'caller-1', calleeId: 'agent-1', task: 'x' });
    const unauthenticated = await fetch(`${url}/a2a`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(unauthenticated.status).toBe(401);
    await expect((await client(url, TOKENS.caller2)).getTask({ tenant: '', id: d.delegationId })).rejects.toThrow(/403/);
    // The agent may read the task addressed to it, but only its caller (or admin) may cancel it.
    const agent = await client(url, TOKENS.agent1);
    await expect(agent.getTask({ tenant: '', id: d.delegationId })).resolves.toMatchObject({ id: d.delegationId });
    await expect(agent.cancelTask({ tenant: '', id: d.delegationId, metadata: undefined })).rejects.toThrow(/403/);
    expect((await ledger.get(d.delegationId))?.status).toBe('queued');
  });
});
