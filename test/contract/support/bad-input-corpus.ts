import type { Ledger } from '../../../src/app/ledger-api.js';
import type { Subscriptions } from '../../../src/app/subscriptions-api.js';

/** What a case may reach: the ledger and the subscriptions of one container. */
export type Target = { readonly ledger: Ledger; readonly subscriptions: Subscriptions };

/** One malformed input: a call that must be refused with `error` (an InvalidInputError by default) naming `field`, or answered `outcome`. */
export type BadInput = {
  readonly label: string;
  readonly call: (t: Target) => unknown;
  readonly field?: string;
  readonly error?: string;
  readonly outcome?: 'refused';
};

// The seeded delegations every case runs against (see seedCorpus).
export const SEEDED = { queued: 'q-1', running: 'run-1', done: 'done-1' } as const;

const BAD_IDS: readonly unknown[] = ['', '   ', 5, null, undefined, {}, ['a'], 'x'.repeat(256), 'é'.repeat(128), 'nul\u0000', 'lone \uD800'];
const NOT_OPTIONS: readonly unknown[] = [null, 'abc', 5, true, ['a']];
const NOT_POSITIVE: readonly unknown[] = [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '1', null];
const NOT_TEXT: readonly unknown[] = [5, {}, ['x'], true];

// Loosely typed on purpose: these are the calls a JavaScript caller (or a bad cast) makes.
// biome-ignore lint/suspicious/noExplicitAny: the corpus passes what the types forbid
type Any = any;
const base = { callerId: 'c', calleeId: 'a', task: 't' };
const create = (input: Any) => (t: Target) => t.ledger.create(input);
const each = <T>(values: readonly T[], make: (value: T) => BadInput): BadInput[] => values.map(make);
const show = (value: unknown) => (typeof value === 'string' ? JSON.stringify(value.length > 20 ? `${value.slice(0, 12)}...` : value) : String(value));

function createCases(): BadInput[] {
  return [
    ...each([null, 'abc', 5, undefined, ['a']] as Any[], (input) => ({ label: `create(${show(input)})`, call: create(input), field: 'input' })),
    ...each(BAD_IDS, (v) => ({ label: `create callerId ${show(v)}`, call: create({ ...base, callerId: v }), field: 'callerId' })),
    ...each(BAD_IDS, (v) => ({ label: `create calleeId ${show(v)}`, call: create({ ...base, calleeId: v }), field: 'calleeId' })),
    ...each([undefined, 5, null, {}], (v) => ({ label: `create task ${show(v)}`, call: create({ ...base, task: v }), field: 'task' })),
    ...each(['tomorrow', Number.NaN, '2020-01-01', 0, {}, true, null, new Date('+010000-01-01'), 8.64e15], (v) => ({
      label: `create deadline ${show(v)}`,
      call: create({ ...base, deadline: v }),
      field: 'deadline',
    })),
    ...each([...NOT_POSITIVE, 9e15, 1e300], (v) => ({
      label: `create heartbeatTimeoutMs ${show(v)}`,
      call: create({ ...base, heartbeatTimeoutMs: v }),
      field: 'heartbeatTimeoutMs',
    })),
    ...each(['', 5, 'nul\u0000', 'x'.repeat(256)], (v) => ({
      label: `create idempotencyKey ${show(v)}`,
      call: create({ ...base, idempotencyKey: v }),
      field: 'idempotencyKey',
    })),
    ...each(['', 5, '  ', null], (v) => ({ label: `create delegationId ${show(v)}`, call: create({ ...base, delegationId: v }), field: 'delegationId' })),
    {
      label: 'create with the id of another delegation',
      call: create({ ...base, callerId: 'other', delegationId: SEEDED.done }),
      error: 'DelegationExistsError',
    },
  ];
}

function statusCases(): BadInput[] {
  const set = (id: Any, status: Any, options?: Any) => (t: Target) => t.ledger.setStatus(id, status, options);
  return [
    ...each(BAD_IDS, (id) => ({ label: `setStatus id ${show(id)}`, call: set(id, 'completed'), field: 'delegationId' })),
    ...each(['done', '', 5, null, 'COMPLETED', 'in-progress'], (s) => ({
      label: `setStatus status ${show(s)}`,
      call: set(SEEDED.running, s),
      field: 'status',
    })),
    ...each(NOT_OPTIONS, (o) => ({ label: `setStatus options ${show(o)}`, call: set(SEEDED.running, 'completed', o), field: 'options' })),
    ...each(['', 5, 'nul\u0000', 'x'.repeat(256)], (a) => ({
      label: `setStatus actor ${show(a)}`,
      call: set(SEEDED.running, 'completed', { actor: a }),
      field: 'actor',
    })),
    ...each(NOT_POSITIVE, (a) => ({ label: `setStatus attempt ${show(a)}`, call: set(SEEDED.running, 'completed', { attempt: a }), field: 'attempt' })),
    ...each(NOT_TEXT, (r) => ({
      label: `setStatus resultPreview ${show(r)}`,
      call: set(SEEDED.running, 'completed', { resultPreview: r }),
      field: 'resultPreview',
    })),
    ...each(NOT_TEXT, (e) => ({ label: `setStatus errorDetail ${show(e)}`, call: set(SEEDED.running, 'failed', { errorDetail: e }), field: 'errorDetail' })),
    { label: 'setStatus attempt 2^31', call: set(SEEDED.running, 'completed', { attempt: 2 ** 31 }), outcome: 'refused' },
    ...each(['yes', 1, null], (r) => ({ label: `setStatus retryable ${show(r)}`, call: set(SEEDED.running, 'failed', { retryable: r }), field: 'retryable' })),
    { label: 'setStatus retryable on a completion', call: set(SEEDED.running, 'completed', { retryable: true }), field: 'retryable' },
    { label: 'setStatus retryable false on a cancel', call: set(SEEDED.running, 'cancelled', { retryable: false }), field: 'retryable' },
  ];
}

function heartbeatCases(): BadInput[] {
  const beat = (id: Any, options?: Any) => (t: Target) => t.ledger.heartbeat(id, options);
  const many = (ids: Any) => (t: Target) => t.ledger.heartbeatMany(ids);
  return [
    ...each(BAD_IDS, (id) => ({ label: `heartbeat id ${show(id)}`, call: beat(id), field: 'delegationId' })),
    ...each(NOT_OPTIONS, (o) => ({ label: `heartbeat options ${show(o)}`, call: beat(SEEDED.running, o), field: 'options' })),
    ...each(NOT_POSITIVE, (a) => ({ label: `heartbeat attempt ${show(a)}`, call: beat(SEEDED.running, { attempt: a }), field: 'attempt' })),
    ...each([-1, Number.NaN, Number.POSITIVE_INFINITY, '5', null], (p) => ({
      label: `heartbeat progress ${show(p)}`,
      call: beat(SEEDED.running, { progress: p }),
      field: 'progress',
    })),
    { label: 'heartbeat attempt 2^31', call: beat(SEEDED.running, { attempt: 2 ** 31 }), outcome: 'refused' },
    { label: 'heartbeat attempt 2^53-1', call: beat(SEEDED.running, { attempt: Number.MAX_SAFE_INTEGER }), outcome: 'refused' },
    ...each(['abc', null, 5, {}, undefined, [5], [''], [SEEDED.running, null], Array.from({ length: 10_001 }, (_, i) => `id-${i}`)], (ids) => ({
      label: `heartbeatMany ${Array.isArray(ids) && ids.length > 100 ? `${ids.length} ids` : show(JSON.stringify(ids))}`,
      call: many(ids),
      field: 'delegationIds',
    })),
  ];
}

function operatorCases(): BadInput[] {
  const retry = (id: Any, options?: Any) => (t: Target) => t.ledger.retry(id, options);
  const cancel = (id: Any, options?: Any) => (t: Target) => t.ledger.cancel(id, options);
  const list = (options: Any) => (t: Target) => t.ledger.list(options);
  return [
    ...each(['', 5, null], (id) => ({ label: `retry id ${show(id)}`, call: retry(id), field: 'delegationId' })),
    ...each(NOT_OPTIONS, (o) => ({ label: `retry options ${show(o)}`, call: retry(SEEDED.queued, o), field: 'options' })),
    { label: 'retry actor ""', call: retry(SEEDED.queued, { actor: '' }), field: 'actor' },
    ...each(['', 5, null], (id) => ({ label: `cancel id ${show(id)}`, call: cancel(id), field: 'delegationId' })),
    ...each(NOT_OPTIONS, (o) => ({ label: `cancel options ${show(o)}`, call: cancel(SEEDED.queued, o), field: 'options' })),
    ...each(NOT_TEXT, (r) => ({ label: `cancel reason ${show(r)}`, call: cancel(SEEDED.queued, { reason: r }), field: 'reason' })),
    ...each(['', 5, 'nul\u0000'], (a) => ({ label: `cancel actor ${show(a)}`, call: cancel(SEEDED.queued, { actor: a }), field: 'actor' })),
    ...each(['', 5, null, 'x'.repeat(256)], (id) => ({ label: `get ${show(id)}`, call: (t: Target) => t.ledger.get(id as Any), field: 'delegationId' })),
    ...each(['', 5, null], (id) => ({ label: `history ${show(id)}`, call: (t: Target) => t.ledger.history(id as Any), field: 'delegationId' })),
    ...each(NOT_OPTIONS, (o) => ({ label: `list ${show(o)}`, call: list(o), field: 'options' })),
    ...each(['nope', 5, '', 'IN_FLIGHT', null], (s) => ({ label: `list status ${show(s)}`, call: list({ status: s }), field: 'status' })),
    ...each([...NOT_POSITIVE, 1001, 1e9], (l) => ({ label: `list limit ${show(l)}`, call: list({ limit: l }), field: 'limit' })),
  ];
}

function subscribeCases(): BadInput[] {
  const handler = () => undefined;
  const sub = (options: Any) => (t: Target) => t.subscriptions.subscribe(options);
  const with_ = (extra: Any) => sub({ name: 'corpus', handler, ...extra });
  return [
    ...each(NOT_OPTIONS, (o) => ({ label: `subscribe(${show(o)})`, call: sub(o), field: 'options' })),
    ...each([undefined, 'handler', 5, {}], (h) => ({ label: `subscribe handler ${show(h)}`, call: sub({ name: 'corpus', handler: h }), field: 'handler' })),
    ...each(['', 5, null, 'x'.repeat(256)], (n) => ({ label: `subscribe name ${show(n)}`, call: sub({ name: n, handler }), field: 'name' })),
    ...each([0, -1, 1.5, 'middle', null, Number.NaN], (f) => ({ label: `subscribe from ${show(f)}`, call: with_({ from: f }), field: 'from' })),
    ...each([[], ['nope'], 'created', [5]], (ty) => ({ label: `subscribe types ${show(JSON.stringify(ty))}`, call: with_({ types: ty }), field: 'types' })),
    ...each([0, -1, 1.5, 10_001, '100'], (b) => ({ label: `subscribe batchSize ${show(b)}`, call: with_({ batchSize: b }), field: 'batchSize' })),
    ...each([0, 1.5, 1001], (m) => ({ label: `subscribe maxAttempts ${show(m)}`, call: with_({ maxAttempts: m }), field: 'maxAttempts' })),
    ...each([0, 2 ** 31, Number.NaN], (r) => ({ label: `subscribe retryDelayMs ${show(r)}`, call: with_({ retryDelayMs: r }), field: 'retryDelayMs' })),
    ...each([0, 2 ** 31, 1e12, -5], (p) => ({ label: `subscribe pollIntervalMs ${show(p)}`, call: with_({ pollIntervalMs: p }), field: 'pollIntervalMs' })),
    { label: 'subscribe transactional "yes"', call: with_({ transactional: 'yes' }), field: 'transactional' },
    { label: 'subscribe checkpoint "false"', call: with_({ checkpoint: 'false' }), field: 'checkpoint' },
  ];
}

/** Every call of the ledger and the subscriptions that must be refused, whatever the store. */
function agentCases(): BadInput[] {
  const claim = (options: Any) => (t: Target) => t.ledger.claim(options);
  const ask = (id: Any, options: Any) => (t: Target) => t.ledger.requestInput(id, options);
  const resume = (id: Any, options?: Any) => (t: Target) => t.ledger.resume(id, options);
  const reject = (id: Any, options?: Any) => (t: Target) => t.ledger.reject(id, options);
  const many = (ids: Any) => (t: Target) => t.ledger.heartbeatMany(ids);
  return [
    ...each(NOT_OPTIONS, (o) => ({ label: `claim options ${show(o)}`, call: claim(o), field: 'options' })),
    ...each(BAD_IDS, (v) => ({ label: `claim calleeId ${show(v)}`, call: claim({ calleeId: v }), field: 'calleeId' })),
    ...each(['', 5], (v) => ({ label: `claim actor ${show(v)}`, call: claim({ calleeId: 'a', actor: v }), field: 'actor' })),
    ...each([0, 1001, 1.5], (v) => ({ label: `claim limit ${show(v)}`, call: claim({ calleeId: 'a', limit: v }), field: 'limit' })),
    ...each(NOT_OPTIONS, (o) => ({ label: `requestInput options ${show(o)}`, call: ask(SEEDED.running, o), field: 'options' })),
    ...each([undefined, 5, null], (q) => ({ label: `requestInput question ${show(q)}`, call: ask(SEEDED.running, { question: q }), field: 'question' })),
    ...each(['', 5], (id) => ({ label: `resume id ${show(id)}`, call: resume(id), field: 'delegationId' })),
    ...each(NOT_OPTIONS, (o) => ({ label: `resume options ${show(o)}`, call: resume(SEEDED.running, o), field: 'options' })),
    ...each(NOT_OPTIONS, (o) => ({ label: `reject options ${show(o)}`, call: reject(SEEDED.queued, o), field: 'options' })),
    ...each(NOT_TEXT, (r) => ({ label: `reject reason ${show(r)}`, call: reject(SEEDED.queued, { reason: r }), field: 'reason' })),
    { label: 'heartbeatMany entry without an id', call: many([{ delegationId: '' }]), field: 'delegationId' },
    { label: 'heartbeatMany entry with attempt 0', call: many([{ delegationId: SEEDED.running, attempt: 0 }]), field: 'attempt' },
  ];
}

export function serviceCorpus(): BadInput[] {
  return [...createCases(), ...statusCases(), ...heartbeatCases(), ...agentCases(), ...operatorCases(), ...subscribeCases()];
}

/** Options of createDelegations (and so of resolveConfig) that must be refused before anything opens. */
export function optionCorpus(dataDir: string): { readonly label: string; readonly options: unknown; readonly field: string }[] {
  const memory = { store: 'memory', env: {} };
  const pglite = { store: 'pglite', dataDir, env: {} };
  const postgres = { store: 'postgres', connectionString: 'postgres://nobody@127.0.0.1:1/never', env: {} };
  const cases: [string, unknown, string][] = [
    ['options null', null, 'options'],
    ['options "memory"', 'memory', 'options'],
    ['store "mysql"', { store: 'mysql' }, 'store'],
    ['store missing', {}, 'store'],
    ['clock {}', { ...memory, clock: {} }, 'clock'],
    ['clock "now"', { ...memory, clock: 'now' }, 'clock'],
    ['clock null', { ...memory, clock: null }, 'clock'],
    ['random {}', { ...memory, random: {} }, 'random'],
    ['random null', { ...memory, random: null }, 'random'],
    ['decorateStore 5', { ...memory, decorateStore: 5 }, 'decorateStore'],
    ['preparedStatements "yes"', { ...pglite, preparedStatements: 'yes' }, 'preparedStatements'],
    ['logger {}', { ...memory, logger: {} }, 'logger'],
    ['logger console.log', { ...memory, logger: () => undefined }, 'logger'],
    ['env "x"', { store: 'memory', env: 'x' }, 'env'],
    ['env null', { store: 'memory', env: null }, 'env'],
    ...[0, -1, 1.5, Number.NaN, '60000', 9e15].map((v): [string, unknown, string] => [
      `stuckThresholdMs ${show(v)}`,
      { ...memory, stuckThresholdMs: v },
      'stuckThresholdMs',
    ]),
    ...[0, 2 ** 31, 1e12, -1].map((v): [string, unknown, string] => [`sweepIntervalMs ${show(v)}`, { ...memory, sweepIntervalMs: v }, 'sweepIntervalMs']),
    ...[-1, 9e15, 0.5].map((v): [string, unknown, string] => [`bootGraceMs ${show(v)}`, { ...memory, bootGraceMs: v }, 'bootGraceMs']),
    ...[0, -1, 1.5, 9e15, '60000'].map((v): [string, unknown, string] => [`outageGapMs ${show(v)}`, { ...memory, outageGapMs: v }, 'outageGapMs']),
    ...[9e15, 0, Number.NaN, -1, '1h'].map((v): [string, unknown, string] => [
      `defaultDeadlineMs ${show(v)}`,
      { ...memory, defaultDeadlineMs: v },
      'defaultDeadlineMs',
    ]),
    ...[-1, Number.NaN, 1.5, 0, '10', 1e7].map((v): [string, unknown, string] => [
      `sweepBatchSize ${show(v)}`,
      { ...pglite, sweepBatchSize: v },
      'sweepBatchSize',
    ]),
    ['migrate "yes"', { ...pglite, migrate: 'yes' }, 'migrate'],
    ['dataDir ""', { ...pglite, dataDir: '' }, 'dataDir'],
    ['dataDir 5', { ...pglite, dataDir: 5 }, 'dataDir'],
    ['dataDir with NUL', { ...pglite, dataDir: `${dataDir}\u0000x` }, 'dataDir'],
    ['connectionString ""', { ...postgres, connectionString: '' }, 'connectionString'],
    ['connectionString 5', { ...postgres, connectionString: 5 }, 'connectionString'],
    ['postgres with neither connectionString nor pool', { store: 'postgres' }, 'connectionString'],
    ['pool {}', { store: 'postgres', pool: {} }, 'pool'],
    ...[0, 1.5, -3, 1e6].map((v): [string, unknown, string] => [`poolSize ${show(v)}`, { ...postgres, poolSize: v }, 'poolSize']),
    ['sweepBatchSize 0 on postgres', { ...postgres, sweepBatchSize: 0 }, 'sweepBatchSize'],
  ];
  return cases.map(([label, options, field]) => ({ label, options, field }));
}
