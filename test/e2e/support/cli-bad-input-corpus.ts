/** One command line that must be refused: exit `code` (2, a usage error, unless said) and one stderr line matching `line`. */
export type CliCase = { readonly args: readonly string[]; readonly env?: Readonly<Record<string, string>>; readonly code?: 1 | 2; readonly line: RegExp };

/** Paths the corpus points at, made by the test in a scratch directory. */
export type Places = {
  readonly ledger: string;
  readonly missing: string;
  readonly empty: string;
  readonly file: string;
  readonly cluttered: string;
  readonly busyPort: number;
};

const STORE_COMMANDS: readonly (readonly string[])[] = [
  ['migrate'],
  ['sweep', '--once'],
  ['list'],
  ['show', 'x'],
  ['events'],
  ['stats'],
  ['retry', 'x'],
  ['cancel', 'x'],
  ['verify'],
  ['prune', '--older-than', '30d'],
  ['create', '--caller', 'c', '--callee', 'a', '--task', 't'],
  ['resume', 'x'],
  ['claim', '--callee', 'a'],
  ['heartbeat', 'x'],
  ['ask', 'x', '--question', 'q'],
  ['complete', 'x'],
  ['fail', 'x', '--retryable'],
  ['reject', 'x'],
];
const READ_AND_OPERATE = STORE_COMMANDS.filter(([name]) => name !== 'migrate');
const EVERY_COMMAND = [
  'run',
  'migrate',
  'sweep',
  'list',
  'show',
  'events',
  'stats',
  'retry',
  'cancel',
  'verify',
  'prune',
  'create',
  'resume',
  'claim',
  'heartbeat',
  'ask',
  'complete',
  'fail',
  'reject',
  'demo',
  'simulate',
];
/** The commands that name one delegation by its id. */
const BY_ID = ['show', 'retry', 'cancel', 'resume', 'heartbeat', 'ask', 'complete', 'fail', 'reject'];
const WITH_ATTEMPT: readonly (readonly string[])[] = [
  ['heartbeat', 'x'],
  ['ask', 'x', '--question', 'q'],
  ['complete', 'x'],
  ['fail', 'x'],
  ['reject', 'x'],
];
const CREATE = ['create', '--caller', 'c', '--callee', 'a', '--task', 't'];
/** Commander checks required options first: a command line meant to fail on something else carries them. */
const REQUIRED: Readonly<Record<string, readonly string[]>> = {
  create: CREATE.slice(1),
  claim: ['--callee', 'a'],
  ask: ['--question', 'q'],
  prune: ['--older-than', '30d'],
};
const named = (name: string, ...args: string[]) => [name, ...(REQUIRED[name] ?? []), ...args];

const NO_LEDGER = /^error: no ledger in .+: pass --data-dir/;
const BAD_URL = /^error: DATABASE_URL: /;

function commander(): CliCase[] {
  return [
    ...['frobnicate', 'stat', 'RUN', '', '--data-dir'].map((name) => ({
      args: [name],
      line: /^error: (unknown command|unknown option|too many arguments|option '--data-dir <dir>' argument missing)/,
    })),
    ...EVERY_COMMAND.map((name) => ({ args: named(name, '--bogus'), line: /^error: unknown option '--bogus'$/ })),
    ...BY_ID.map((name) => ({ args: named(name), line: /^error: missing required argument 'id'$/ })),
    ...BY_ID.map((name) => ({ args: named(name, 'a', 'b'), line: /^error: too many arguments for '\w+'/ })),
    { args: ['fail', 'x', '--retryable', 'yes'], line: /^error: too many arguments for 'fail'/ },
    ...[
      [['create', '--callee', 'a', '--task', 't'], '--caller <id>'],
      [['create', '--caller', 'c', '--task', 't'], '--callee <id>'],
      [['create', '--caller', 'c', '--callee', 'a'], '--task <text>'],
      [['claim'], '--callee <id>'],
      [['claim', '--limit', '5'], '--callee <id>'],
      [['ask', 'x'], '--question <text>'],
      [['prune'], '--older-than <span>'],
      [['prune', '--dry-run', '--batch-size', '10'], '--older-than <span>'],
    ].map(([args, option]) => ({ args: args as string[], line: new RegExp(`^error: required option '${option}' not specified$`) })),
    ...[
      ['create', '--retry'],
      ['claim', '--callee'],
      ['heartbeat', 'x', '--attempt'],
      ['heartbeat', 'x', '--progress'],
      ['ask', 'x', '--question'],
      ['prune', '--older-than'],
      ['prune', '--older-than', '30d', '--batch-size'],
    ].map((args) => ({ args, line: /^error: option '.+' argument missing$/ })),
    ...STORE_COMMANDS.map((command) => ({ args: [...command, '--data-dir'], line: /^error: option '--data-dir <dir>' argument missing$/ })),
  ];
}

function optionValues(): CliCase[] {
  const cases: [string[], RegExp][] = [
    ...['0', '-1', '1.5', 'ten', '', '1001', '0x10', '1e3', '+5', ' 5'].map((v): [string[], RegExp] => [
      ['list', '--limit', v],
      /^error: --limit: must be (a whole number|between 1 and 1000)$/,
    ]),
    ...['sleeping', '', 'COMPLETED', '5', 'in-flight'].map((v): [string[], RegExp] => [['list', '--status', v], /^error: --status: unknown status /]),
    ...['0', '-1', '', 'abc', '0x10', '1e3', '1.5', ' 5', '9007199254740993'].map((v): [string[], RegExp] => [
      ['events', '--from', v],
      /^error: --from: expected a position/,
    ]),
    ...['0d', '-1d', '30', 'd', '1.5d', '30 d', '30D', '1y', '', '0x10d', '99999999999w', '36501d'].map((v): [string[], RegExp] => [
      ['prune', '--older-than', v],
      /^error: --older-than: must be a whole number and a unit \(s, m, h, d, w\)/,
    ]),
    ...['0', '-1', '1.5', 'ten', '', '10001', '0x10', '1e3', '+5', ' 5'].map((v): [string[], RegExp] => [
      ['prune', '--older-than', '30d', '--batch-size', v],
      /^error: --batch-size: must be (a whole number|between 1 and 10000)/,
    ]),
    [['sweep'], /^error: sweep needs --once/],
    [['sweep', '--no-grace'], /^error: sweep needs --once/],
    ...['0', '-1', '1.5', 'ten', '', '1001', '0x10', '1e3', '+5', ' 5'].map((v): [string[], RegExp] => [
      ['claim', '--callee', 'a', '--limit', v],
      /^error: --limit: must be (a whole number|between 1 and 1000)/,
    ]),
    ...WITH_ATTEMPT.flatMap((command) =>
      ['0', '-1', '1.5', 'two', '', '0x10', '1e3', ' 1', '2147483648', '99999999999999999999'].map((v): [string[], RegExp] => [
        [...command, '--attempt', v],
        /^error: --attempt: must be (a whole number|between 1 and 2147483647)/,
      ]),
    ),
    ...['-1', 'half', '', '1e3', 'NaN', 'Infinity', '0x10', '.5', '1.'].map((v): [string[], RegExp] => [
      ['heartbeat', 'x', '--progress', v],
      /^error: --progress: must be a number of 0 or more/,
    ]),
    ...[
      'yes',
      '',
      '{',
      '5',
      '[]',
      '"x"',
      'null',
      '{"maxAttempts":0}',
      '{"maxAttempts":1.5}',
      '{"maxAtempts":3}',
      '{"jitter":2}',
      '{"backoffFactor":0.5}',
      '{"initialDelayMs":2000,"maxDelayMs":1000}',
      '{"requeueStuckAfterMs":"soon"}',
      '{"initialDelayMs":-1}',
    ].map((v): [string[], RegExp] => [[...CREATE, '--retry', v], /^error: --retry: /]),
    ...['tomorrow', '', '2026-12-01', '2026-12-01T18:00:00', '2026-13-01T00:00:00Z', '1700000000000', 'now'].map((v): [string[], RegExp] => [
      [...CREATE, '--deadline', v],
      /^error: --deadline: must be an ISO 8601 time/,
    ]),
    ...['0', '-5', '1.5', 'ten', '', '1e3', '3153600000001'].map((v): [string[], RegExp] => [
      [...CREATE, '--heartbeat-timeout-ms', v],
      /^error: --heartbeat-timeout-ms: must be (a whole number|between 1 and \d+)/,
    ]),
    ...['', ' ', '99999', '-1', 'abc', '0x50', '1e3', '80.5', '65536', '8080x'].map((v): [string[], RegExp] => [
      ['run', '--port', v],
      /^error: invalid port .* \(--port or PORT\): must be 0-65535$/,
    ]),
    [['run', '--host', ''], /^error: invalid host "" \(--host or HOST\)/],
    [['run', '--host', '   '], /^error: invalid host "" \(--host or HOST\)/],
    ...['fast', '-1', '5001', '', '1.5'].map((v): [string[], RegExp] => [['demo', '--pace', v], /^error: --pace: must be a whole number of milliseconds/]),
    ...['0', 'abc', '', '-5', '1.5'].map((v): [string[], RegExp] => [['simulate', '--agents', v], /^error: --agents: must be an integer of at least 1/]),
    ...['0', '-1', 'x', ''].map((v): [string[], RegExp] => [['simulate', '--hours', v], /^error: --hours: must be a number greater than 0/]),
    [['simulate', '--seed', '-1'], /^error: --seed: must be an integer of at least 0/],
    ...['', '0', 'a,b', '1,,2', '60;120'].map((v): [string[], RegExp] => [
      ['simulate', '--thresholds', v],
      /^error: --thresholds: must be positive whole seconds/,
    ]),
    [['simulate', '--intervals', '1,,2'], /^error: --intervals: must be positive whole seconds/],
    ...['0', 'x', '-0.1'].map((v): [string[], RegExp] => [['simulate', '--max-false-positive-rate', v], /^error: --max-false-positive-rate: /]),
    [['simulate', '--jobs', '0'], /^error: --jobs: must be an integer of at least 1/],
    ...['maxAttempts=0', 'maxAttempts=1001', 'jitter=2', 'maxDelayMs=10,initialDelayMs=20'].map((v): [string[], RegExp] => [
      ['simulate', '--retry', v],
      /^error: --retry\.\w+: must /,
    ]),
    [['simulate', '--retry', 'maxAttempt=3'], /^error: --retry\.maxAttempt: is not a retry policy field/],
    ...['three', '', 'maxAttempts=3,', 'maxAttempts=3=4', 'jitter=x'].map((v): [string[], RegExp] => [['simulate', '--retry', v], /^error: --retry: /]),
    ...['0', 'x', '2'].map((v): [string[], RegExp] => [['simulate', '--max-duplicate-rate', v], /^error: --max-duplicate-rate: /]),
    [['simulate', '--profiles', '/nonexistent/profiles.json'], /^error: --profiles \/nonexistent\/profiles.json: /],
  ];
  return cases.map(([args, line]) => ({ args, line }));
}

function dataDirs(p: Places): CliCase[] {
  return [
    ...[['run', '--port', '0'], ...STORE_COMMANDS].map((command) => ({ args: [...command, '--data-dir', ''], line: /^error: --data-dir: must not be empty$/ })),
    ...STORE_COMMANDS.map((command) => ({ args: [...command, '--data-dir', 'a\u0000b'], line: /^error: --data-dir: must not contain NUL/ })),
    ...READ_AND_OPERATE.map((command) => ({ args: [...command, '--data-dir', p.missing], line: NO_LEDGER })),
    ...READ_AND_OPERATE.map((command) => ({ args: [...command, '--data-dir', p.empty], line: NO_LEDGER })),
    ...READ_AND_OPERATE.map((command) => ({ args: [...command, '--data-dir', p.cluttered], line: NO_LEDGER })),
    ...READ_AND_OPERATE.map((command) => ({ args: [...command, '--data-dir', '/proc/xyz'], line: NO_LEDGER })),
    ...[['migrate'], ['stats'], ['run', '--port', '0']].map((command) => ({
      args: [...command, '--data-dir', p.file],
      line: /^error: --data-dir: .* is not a directory$/,
    })),
    ...[['migrate'], ['run', '--port', '0']].map((command) => ({ args: [...command, '--data-dir', p.cluttered], line: /is not empty and holds no ledger/ })),
    { args: ['migrate', '--data-dir', '/proc/xyz'], line: /^error: --data-dir: cannot create data directory \/proc\/xyz/ },
    { args: ['migrate', '--data-dir', '/proc/xyz/deeper/still'], line: /^error: --data-dir: cannot create data directory/ },
    { args: ['run', '--port', '0', '--data-dir', '/proc/xyz'], line: /^error: --data-dir: cannot create data directory \/proc\/xyz/ },
    ...[
      ['show', ''],
      ['retry', ' '],
      ['cancel', ''],
      ['resume', ''],
      ['heartbeat', ' '],
      ['ask', '', '--question', 'q'],
      ['complete', ''],
      ['fail', '', '--retryable'],
      ['reject', ''],
      [...CREATE, '--id', ''],
    ].map((command) => ({ args: [...command, '--data-dir', p.ledger], line: /^error: invalid delegationId: must not be empty$/ })),
    ...ledgerRefusals(p),
  ];
}

/** What only the ledger can judge: exit 2 for invalid input, 1 for a refusal; the queued `x` is left as it was. */
function ledgerRefusals(p: Places): CliCase[] {
  const at = (args: string[], code: 1 | 2, line: RegExp): CliCase => ({ args: [...args, '--data-dir', p.ledger], code, line });
  return [
    at(['create', '--caller', '', '--callee', 'a', '--task', 't'], 2, /^error: invalid callerId: must not be empty$/),
    at(['create', '--caller', 'c', '--callee', ' ', '--task', 't'], 2, /^error: invalid calleeId: must not be empty$/),
    at([...CREATE, '--idempotency-key', 'k'.repeat(300)], 2, /^error: invalid idempotencyKey: must be at most 255 bytes$/),
    at([...CREATE, '--deadline', '2000-01-01T00:00:00Z'], 2, /^error: invalid deadline: must be in the future$/),
    at([...CREATE, '--deadline', '9999-12-31T23:59:59+00:00', '--id', 'x'], 1, /^error: delegation x already exists$/),
    at(['claim', '--callee', ''], 2, /^error: invalid calleeId: must not be empty$/),
    at(['resume', 'x', '--answer', 'Q3'], 1, /^error: resume refused \(not_allowed\): /),
    at(['ask', 'x', '--question', 'which?'], 1, /^error: ask refused \(not_allowed\): /),
    at(['reject', 'x', '--reason', 'not mine'], 1, /^error: reject refused \(not_allowed\): /),
    at(['complete', 'x', '--attempt', '2'], 1, /^error: complete refused \(unknown_attempt\): /),
    at(['fail', 'x', '--retryable', '--attempt', '3'], 1, /^error: fail refused \(unknown_attempt\): /),
    at(['heartbeat', 'x', '--attempt', '2'], 1, /^error: stop \(unknown_attempt\): attempt 2 does not exist/),
    at(['heartbeat', 'nobody'], 1, /^error: delegation nobody not found$/),
    at(['resume', 'nobody'], 1, /^error: delegation nobody not found$/),
  ];
}

function databaseUrls(p: Places): CliCase[] {
  const urls = [
    'not-a-url',
    'mysql://root@127.0.0.1:3306/app',
    'http://127.0.0.1:5432/app',
    'redis://127.0.0.1:6379',
    'sqlite:app.db',
    'file:///tmp/app.db',
    'postgres://',
    'postgresql:///app',
    'localhost:5432/app',
    'postgres://u@h/%E0%A4%A',
  ];
  const missingDb = 'postgres://postgres@127.0.0.1:5432/delegations_corpus_no_such_db';
  return [
    ...urls.flatMap((url) => [['stats'], ['migrate']].map((command) => ({ args: command, env: { DATABASE_URL: url }, line: BAD_URL }))),
    { args: ['run', '--port', '0'], env: { DATABASE_URL: 'mysql://root@127.0.0.1/app' }, line: BAD_URL },
    { args: ['stats', '--data-dir', p.ledger], env: { DATABASE_URL: missingDb }, line: /--data-dir and DATABASE_URL both given/ },
    ...[['stats'], ['migrate'], ['list']].map((command) => ({
      args: command,
      env: { DATABASE_URL: missingDb },
      code: 1 as const,
      line: /^error: cannot (open|migrate) PostgreSQL at 127\.0\.0\.1:5432\/delegations_corpus_no_such_db: the database does not exist; create it \(createdb NAME\)/,
    })),
    { args: ['stats'], env: { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/app' }, code: 1, line: /nothing answers at that address; is PostgreSQL running/ },
    {
      args: ['run', '--port', String(p.busyPort), '--data-dir', p.missing],
      code: 1,
      line: /^error: port \d+ on 127\.0\.0\.1 is in use \(another daemon\?\); choose another with --port or PORT$/,
    },
    { args: ['run', '--data-dir', p.missing], env: { PORT: '' }, line: /^error: invalid port "" \(--port or PORT\)/ },
    { args: ['run', '--data-dir', p.missing], env: { PORT: 'http' }, line: /^error: invalid port "http" \(--port or PORT\)/ },
  ];
}

export function cliCorpus(places: Places): CliCase[] {
  return [...commander(), ...optionValues(), ...dataDirs(places), ...databaseUrls(places)];
}
