import { IDS, TOKEN } from './admin.js';

/** One malformed request and the refusal it must get. `field` is what the JSON answer must name, when one part is to blame. */
export type Case = {
  readonly group: string;
  readonly name: string;
  readonly method: string;
  readonly path: string;
  readonly headers?: readonly (readonly [string, string])[];
  readonly body?: string | Uint8Array;
  readonly status: number;
  readonly field?: string;
  /** Also sent to the app without a token (the `npm start` default), without the Authorization header. */
  readonly open?: boolean;
};

const AUTH = ['authorization', `Bearer ${TOKEN}`] as const;
const JSON_TYPE = ['content-type', 'application/json'] as const;
const SHOW = `/admin/delegations/${IDS.queued}`;
const RETRY = `/admin/delegations/${IDS.stuck}/retry`;
const CANCEL = `/admin/delegations/${IDS.queued}/cancel`;
const ROUTES: readonly (readonly [string, readonly string[]])[] = [
  ['/healthz', ['GET']],
  ['/metrics', ['GET']],
  ['/admin/stats', ['GET']],
  ['/admin/delegations', ['GET']],
  [SHOW, ['GET']],
  [RETRY, ['POST']],
  [CANCEL, ['POST']],
];

const post = (path: string, headers: readonly (readonly [string, string])[], body?: string | Uint8Array) =>
  ({ method: 'POST', path, headers: [AUTH, ...headers], ...(body === undefined ? {} : { body }) }) as const;

function methods(): Case[] {
  return ROUTES.flatMap(([path, allowed]) =>
    ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']
      .filter((method) => !allowed.includes(method))
      .map((method) => ({ group: 'method', name: `${method} ${path}`, method, path, headers: [AUTH], status: 405 })),
  );
}

function encodings(): Case[] {
  const ids = ['50%', '%QQ', '%', '%4', '%G0', '%C3%28', '%FF', '%E2%82', '%ED%A0%80', 'a%2', '%%', '%u0041'];
  return ids.flatMap((id) => [
    { group: 'path encoding', name: `GET ${id}`, method: 'GET', path: `/admin/delegations/${id}`, headers: [AUTH], status: 400, field: 'path' },
    { group: 'path encoding', name: `cancel ${id}`, ...post(`/admin/delegations/${id}/cancel`, []), status: 400, field: 'path', open: true },
    { group: 'path encoding', name: `retry ${id}`, ...post(`/admin/delegations/${id}/retry`, []), status: 400, field: 'path' },
  ]);
}

function paths(): Case[] {
  const unknown = [
    '/',
    '/admin',
    '/admin/',
    '/admin/delegations/',
    `${SHOW}/`,
    `${SHOW}/history`,
    `${RETRY}/now`,
    '/ADMIN/stats',
    '/healthz/',
    '/metrics.json',
    '/admin/delegations//cancel',
  ];
  const ids: [string, string][] = [
    [`/admin/delegations/${'x'.repeat(300)}`, 'delegationId'],
    [`/admin/delegations/${'%C3%A9'.repeat(130)}`, 'delegationId'],
    ['/admin/delegations/%20%20', 'delegationId'],
    ['/admin/delegations/%00', 'delegationId'],
    ['/admin/delegations/a%00b/cancel', 'delegationId'],
  ];
  return [
    ...unknown.map((path) => ({ group: 'path', name: `unknown ${path}`, method: 'GET', path, headers: [AUTH], status: 404 })),
    ...ids.map(([path, field]) => ({
      group: 'path',
      name: `bad id ${path.slice(0, 40)}`,
      method: path.endsWith('cancel') ? 'POST' : 'GET',
      path,
      headers: [AUTH],
      status: 400,
      field,
    })),
  ];
}

function hosts(): Case[] {
  const bad = [
    'evil.example:8080',
    'evil.example',
    '127.0.0.1:8081',
    'localhost',
    '127.0.0.1',
    '[::2]:8080',
    '127.0.0.1:8080.evil',
    'localhost.:8080',
    'a b',
    '127.0.0.1:8080, evil.example',
    'user@127.0.0.1:8080',
    '127.0.0.1:0',
  ];
  return bad.flatMap((host) => [
    { group: 'host', name: `GET Host ${host}`, method: 'GET', path: '/admin/stats', headers: [AUTH, ['host', host]], status: 421, field: 'host', open: true },
    { group: 'host', name: `cancel Host ${host}`, ...post(CANCEL, [['host', host]]), status: 421, field: 'host', open: true },
  ]);
}

function crossSite(): Case[] {
  const origins = [
    'http://evil.example',
    'null',
    'http://127.0.0.1:8081',
    'https://127.0.0.1:8081',
    'http://localhost.evil',
    'file://',
    'http://127.0.0.1:8080/path',
    'javascript:alert(1)',
  ];
  const sites = ['cross-site', 'same-site', 'CROSS-SITE', 'elsewhere'];
  return [
    ...origins.map((origin) => ({
      group: 'cross-site',
      name: `Origin ${origin}`,
      ...post(CANCEL, [['origin', origin]]),
      status: 403,
      field: 'origin',
      open: true,
    })),
    ...origins.slice(0, 3).map((origin) => ({
      group: 'cross-site',
      name: `text/plain from ${origin}`,
      ...post(
        CANCEL,
        [
          ['origin', origin],
          ['content-type', 'text/plain'],
        ],
        'x',
      ),
      status: 403,
      field: 'origin',
      open: true,
    })),
    ...sites.map((site) => ({
      group: 'cross-site',
      name: `Sec-Fetch-Site ${site}`,
      ...post(RETRY, [['sec-fetch-site', site]]),
      status: 403,
      field: 'sec-fetch-site',
      open: true,
    })),
    {
      group: 'cross-site',
      name: 'DELETE from another site',
      method: 'DELETE',
      path: SHOW,
      headers: [AUTH, ['origin', 'http://evil.example']],
      status: 403,
      field: 'origin',
      open: true,
    },
  ];
}

function authorization(): Case[] {
  const headers = [
    'Basic x',
    'Basic dXNlcjpwYXNz',
    'Bearer',
    'Bearer ',
    `Bearer  ${TOKEN}`,
    `Bearer ${TOKEN} x`,
    'Bearer a b',
    `Bearer ${TOKEN}, Bearer ${TOKEN}`,
    `Token ${TOKEN}`,
    TOKEN,
    'Bearer wrong',
    `Bearer ${TOKEN}=x`,
    'Bearer é',
    'Digest username="x"',
  ];
  const presented = headers.flatMap((value): Case[] => [
    { group: 'auth', name: `GET with ${JSON.stringify(value)}`, method: 'GET', path: '/admin/delegations', headers: [['authorization', value]], status: 401 },
    { group: 'auth', name: `cancel with ${JSON.stringify(value)}`, method: 'POST', path: CANCEL, headers: [['authorization', value]], status: 401 },
  ]);
  return [
    ...presented,
    { group: 'auth', name: 'no Authorization on /metrics', method: 'GET', path: '/metrics', status: 401 },
    { group: 'auth', name: 'no Authorization on retry', method: 'POST', path: RETRY, status: 401 },
  ];
}

function contentTypes(): Case[] {
  const types = [
    'text/plain',
    'text/plain;charset=UTF-8',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/xml',
    'application/json; charset=latin1',
    'application/json;',
    'application/jsonp',
    'application/ld+json',
    'json',
    '',
    'application/json, text/plain',
  ];
  return types.flatMap((type) => [
    {
      group: 'content-type',
      name: `cancel as ${JSON.stringify(type)}`,
      ...post(CANCEL, [['content-type', type]], '{"reason":"x"}'),
      status: 415,
      field: 'content-type',
      open: true,
    },
    { group: 'content-type', name: `retry as ${JSON.stringify(type)}`, ...post(RETRY, [['content-type', type]], '{}'), status: 415, field: 'content-type' },
  ]);
}

function bodies(): Case[] {
  const bad: [string, string | Uint8Array, string][] = [
    ['truncated JSON', '{"reason":', 'body'],
    ['trailing garbage', '{"reason":"x"} x', 'body'],
    ['single quotes', "{'reason':'x'}", 'body'],
    ['a bare word', 'cancel', 'body'],
    ['an array', '["x"]', 'body'],
    ['a string', '"x"', 'body'],
    ['a number', '42', 'body'],
    ['null', 'null', 'body'],
    ['empty with a JSON type', '', 'body'],
    ['whitespace only', '   ', 'body'],
    ['a BOM', '\ufeff{}', 'body'],
    ['reason a number', '{"reason":42}', 'reason'],
    ['reason null', '{"reason":null}', 'reason'],
    ['reason an object', '{"reason":{"x":1}}', 'reason'],
    ['reason an array', '{"reason":["x"]}', 'reason'],
    ['an unknown field', '{"reson":"typo"}', 'reson'],
    ['__proto__', '{"__proto__":{"admin":true}}', '__proto__'],
    ['deep nesting', `${'['.repeat(5000)}${']'.repeat(5000)}`, 'body'],
    ['invalid UTF-8', new Uint8Array([0x7b, 0x22, 0x72, 0x65, 0x61, 0x73, 0x6f, 0x6e, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]), 'body'],
    ['UTF-16', new Uint8Array([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]), 'body'],
  ];
  return [
    ...bad.map(([name, body, field]) => ({ group: 'body', name: `cancel: ${name}`, ...post(CANCEL, [JSON_TYPE], body), status: 400, field })),
    { group: 'body', name: 'retry with a field', ...post(RETRY, [JSON_TYPE], '{"force":true}'), status: 400, field: 'force' },
    { group: 'body', name: 'retry with an array', ...post(RETRY, [JSON_TYPE], '[]'), status: 400, field: 'body' },
    { group: 'size', name: 'a reason of 70 KB', ...post(CANCEL, [JSON_TYPE], `{"reason":"${'x'.repeat(70_000)}"}`), status: 413, field: 'body' },
    { group: 'size', name: '1 MB of spaces', ...post(RETRY, [JSON_TYPE], ' '.repeat(1_000_000)), status: 413, field: 'body' },
    { group: 'size', name: 'Content-Length over the bound', ...post(CANCEL, [JSON_TYPE, ['content-length', '70000']], '{}'), status: 413, field: 'body' },
  ];
}

function queries(): Case[] {
  const limits = ['0x10', '1e3', '+5', '1.5', '%205', '5%20', '-1', '0', '1001', '', 'ten', '1_000', '99999999999999999999', 'Infinity', 'NaN', '٥'];
  // The A2A and MCP spellings of the new statuses are not ours, nor a list of them.
  const statuses = [
    'sleeping',
    'IN_FLIGHT',
    '',
    'queued,stuck',
    'in_flight%00',
    'input-required',
    'INPUT_REQUIRED',
    'inputRequired',
    'canceled',
    'rejected%20',
    'input_required,rejected',
  ];
  return [
    ...ROUTES.map(([path, allowed]) => ({
      group: 'query',
      name: `unknown field on ${path}`,
      method: allowed[0] as string,
      path: `${path}?verbose=1`,
      headers: [AUTH],
      status: 400,
      field: 'verbose',
    })),
    ...ROUTES.map(([path, allowed]) => ({
      group: 'query',
      name: `broken escape on ${path}`,
      method: allowed[0] as string,
      path: `${path}?x=%ZZ`,
      headers: [AUTH],
      status: 400,
      field: 'query',
    })),
    ...limits.map((limit) => ({
      group: 'query',
      name: `limit=${limit}`,
      method: 'GET',
      path: `/admin/delegations?limit=${limit}`,
      headers: [AUTH],
      status: 400,
      field: 'limit',
    })),
    ...statuses.map((status) => ({
      group: 'query',
      name: `status=${status}`,
      method: 'GET',
      path: `/admin/delegations?status=${status}`,
      headers: [AUTH],
      status: 400,
      field: 'status',
    })),
    { group: 'query', name: 'limit twice', method: 'GET', path: '/admin/delegations?limit=1&limit=2', headers: [AUTH], status: 400, field: 'limit' },
    { group: 'query', name: 'status twice', method: 'GET', path: '/admin/delegations?status=all&status=all', headers: [AUTH], status: 400, field: 'status' },
    { group: 'query', name: 'a nameless field', method: 'GET', path: '/admin/delegations?=1', headers: [AUTH], status: 400, field: 'query' },
    { group: 'query', name: 'a typo', method: 'GET', path: '/admin/delegations?stauts=stuck', headers: [AUTH], status: 400, field: 'stauts' },
    { group: 'query', name: '__proto__', method: 'GET', path: '/admin/delegations?__proto__=x', headers: [AUTH], status: 400, field: '__proto__' },
    { group: 'query', name: 'a query on cancel', ...post(`${CANCEL}?reason=x`, []), status: 400, field: 'reason' },
  ];
}

/** Operator writes the transition table refuses: a 409 naming the reason, the delegation untouched. */
function refusedTransitions(): Case[] {
  const cases: [string, string][] = [
    ['retry', IDS.waiting],
    ['retry', IDS.rejected],
    ['retry', IDS.running],
    ['retry', IDS.done],
    ['cancel', IDS.rejected],
    ['cancel', IDS.done],
  ];
  return cases.map(([verb, id]) => ({ group: 'refused', name: `${verb} ${id}`, ...post(`/admin/delegations/${id}/${verb}`, []), status: 409 }));
}

const V1_SHOW = `/v1/delegations/${IDS.queued}`;
/** The v1 routes, one concrete path each (the ids seeded), with their methods and a body each accepts. */
const V1_ROUTES: readonly (readonly [string, 'GET' | 'POST', string])[] = [
  ['/openapi.json', 'GET', ''],
  ['/v1/delegations', 'GET', ''],
  ['/v1/delegations', 'POST', '{"calleeId":"agent","task":"t","callerId":"http-test"}'],
  [V1_SHOW, 'GET', ''],
  [`${V1_SHOW}/wait`, 'GET', ''],
  [`${V1_SHOW}/cancel`, 'POST', '{}'],
  [`/v1/delegations/${IDS.waiting}/resume`, 'POST', '{}'],
  ['/v1/claims', 'POST', '{"calleeId":"agent","limit":1}'],
  [`/v1/delegations/${IDS.running}/heartbeat`, 'POST', '{}'],
  [`/v1/delegations/${IDS.running}/complete`, 'POST', '{}'],
  [`/v1/delegations/${IDS.running}/fail`, 'POST', '{}'],
  [`/v1/delegations/${IDS.running}/input-request`, 'POST', '{"question":"q"}'],
  [`/v1/delegations/${IDS.running}/reject`, 'POST', '{}'],
];
const V1_POSTS = V1_ROUTES.filter(([, method]) => method === 'POST');

/** The hardening of issue 10 on every v1 route: methods, encodings, queries, types, bodies, sizes, credentials, other sites. */
function v1(): Case[] {
  const allowed = new Map<string, string[]>();
  for (const [path, method] of V1_ROUTES) allowed.set(path, [...(allowed.get(path) ?? []), method]);
  const wrongMethods = [...allowed].flatMap(([path, methods]) =>
    ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']
      .filter((method) => !methods.includes(method))
      .map((method) => ({ group: 'v1 method', name: `${method} ${path}`, method, path, headers: [AUTH], status: 405 })),
  );
  const verbs = ['cancel', 'resume', 'heartbeat', 'complete', 'fail', 'input-request', 'reject', 'wait'];
  const encodings = ['%QQ', '%C3%28', '%E2%82', '%'].flatMap((id) =>
    verbs.map((verb) => ({
      group: 'v1 path encoding',
      name: `${verb} ${id}`,
      method: verb === 'wait' ? 'GET' : 'POST',
      path: `/v1/delegations/${id}/${verb}`,
      headers: [AUTH],
      status: 400,
      field: 'path',
      open: true,
    })),
  );
  const badIds = ['x'.repeat(300), '%20%20', '%00'].flatMap((id) =>
    verbs.map((verb) => ({
      group: 'v1 path',
      name: `bad id ${id.slice(0, 12)} ${verb}`,
      method: verb === 'wait' ? 'GET' : 'POST',
      path: `/v1/delegations/${id}/${verb}`,
      // A body the route accepts: the id is what is wrong.
      ...(verb === 'wait' ? { headers: [AUTH] } : { headers: [AUTH, JSON_TYPE], body: verb === 'input-request' ? '{"question":"q"}' : '{}' }),
      status: 400,
      field: 'delegationId',
    })),
  );
  const unknownPaths = [
    '/v1',
    '/v1/',
    '/v1/delegations/',
    `${V1_SHOW}/`,
    `${V1_SHOW}/history`,
    '/V1/delegations',
    '/v2/delegations',
    '/v1/claims/x',
    '/openapi.yaml',
  ].map((path) => ({
    group: 'v1 path',
    name: `unknown ${path}`,
    method: 'GET',
    path,
    headers: [AUTH],
    status: 404,
  }));
  const queries = V1_ROUTES.map(([path, method]) => ({
    group: 'v1 query',
    name: `unknown field on ${method} ${path}`,
    ...(method === 'POST' ? post(`${path}?verbose=1`, []) : { method, path: `${path}?verbose=1`, headers: [AUTH] }),
    status: 400,
    field: 'verbose',
  }));
  const types = V1_POSTS.flatMap(([path, , body]) =>
    ['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'multipart/form-data; boundary=x'].map((type) => ({
      group: 'v1 content-type',
      name: `${path} as ${type}`,
      ...post(path, [['content-type', type]], body),
      status: 415,
      field: 'content-type',
      open: true,
    })),
  );
  const bodies = V1_POSTS.flatMap(([path]) => [
    { group: 'v1 body', name: `${path}: truncated`, ...post(path, [JSON_TYPE], '{"a":'), status: 400, field: 'body' },
    { group: 'v1 body', name: `${path}: an array`, ...post(path, [JSON_TYPE], '[]'), status: 400, field: 'body' },
    { group: 'v1 body', name: `${path}: unknown field`, ...post(path, [JSON_TYPE], '{"__proto__":{"x":1}}'), status: 400, field: '__proto__' },
    { group: 'v1 size', name: `${path}: 70 KB`, ...post(path, [JSON_TYPE], `{"reason":"${'x'.repeat(70_000)}"}`), status: 413, field: 'body' },
  ]);
  const credentials = V1_ROUTES.filter(([path]) => path !== '/openapi.json').flatMap(([path, method, body]) =>
    ['Bearer', 'Basic dXNlcjpwYXNz', 'Bearer wrong', `Bearer ${TOKEN} x`].map((value) => ({
      group: 'v1 auth',
      name: `${method} ${path} with ${JSON.stringify(value)}`,
      method,
      path,
      headers: [['authorization', value] as const, ...(method === 'POST' ? [JSON_TYPE] : [])],
      ...(method === 'POST' ? { body } : {}),
      status: 401,
    })),
  );
  const crossSite = V1_POSTS.map(([path, , body]) => ({
    group: 'v1 cross-site',
    name: `${path} from another origin`,
    ...post(path, [JSON_TYPE, ['origin', 'http://evil.example']], body),
    status: 403,
    field: 'origin',
    open: true,
  }));
  const values = [
    {
      group: 'v1 value',
      name: 'create: task a number',
      ...post('/v1/delegations', [JSON_TYPE], '{"calleeId":"a","task":1,"callerId":"c"}'),
      status: 400,
      field: 'task',
    },
    { group: 'v1 value', name: 'create: no calleeId', ...post('/v1/delegations', [JSON_TYPE], '{"task":"t","callerId":"c"}'), status: 400, field: 'calleeId' },
    {
      group: 'v1 value',
      name: 'create: deadline not a date',
      ...post('/v1/delegations', [JSON_TYPE], '{"calleeId":"a","task":"t","callerId":"c","deadline":"soon"}'),
      status: 400,
      field: 'deadline',
    },
    {
      group: 'v1 value',
      name: 'create: heartbeatTimeoutMs -1',
      ...post('/v1/delegations', [JSON_TYPE], '{"calleeId":"a","task":"t","callerId":"c","heartbeatTimeoutMs":-1}'),
      status: 400,
      field: 'heartbeatTimeoutMs',
    },
    {
      group: 'v1 value',
      name: 'create: retry a string',
      ...post('/v1/delegations', [JSON_TYPE], '{"calleeId":"a","task":"t","callerId":"c","retry":"yes"}'),
      status: 400,
      field: 'retry',
    },
    {
      group: 'v1 value',
      name: 'create: a bad Idempotency-Key',
      ...post('/v1/delegations', [JSON_TYPE, ['idempotency-key', 'two words']], '{"calleeId":"a","task":"t","callerId":"c"}'),
      status: 400,
      field: 'idempotency-key',
    },
    { group: 'v1 value', name: 'claim: limit 0', ...post('/v1/claims', [JSON_TYPE], '{"calleeId":"agent","limit":0}'), status: 400, field: 'limit' },
    { group: 'v1 value', name: 'claim: limit 1001', ...post('/v1/claims', [JSON_TYPE], '{"calleeId":"agent","limit":1001}'), status: 400, field: 'limit' },
    {
      group: 'v1 value',
      name: 'heartbeat: progress NaN text',
      ...post(`/v1/delegations/${IDS.running}/heartbeat`, [JSON_TYPE], '{"progress":"half"}'),
      status: 400,
      field: 'progress',
    },
    {
      group: 'v1 value',
      name: 'fail: attempt -1',
      ...post(`/v1/delegations/${IDS.running}/fail`, [JSON_TYPE], '{"attempt":-1}'),
      status: 400,
      field: 'attempt',
    },
    { group: 'v1 value', name: 'list: cursor garbage', method: 'GET', path: '/v1/delegations?cursor=%7B%7D', headers: [AUTH], status: 400, field: 'cursor' },
    { group: 'v1 value', name: 'list: limit twice', method: 'GET', path: '/v1/delegations?limit=1&limit=2', headers: [AUTH], status: 400, field: 'limit' },
    {
      group: 'v1 value',
      name: 'wait: timeoutMs 99999999',
      method: 'GET',
      path: `${V1_SHOW}/wait?timeoutMs=99999999`,
      headers: [AUTH],
      status: 400,
      field: 'timeoutMs',
    },
    { group: 'v1 refused', name: 'complete a rejected one', ...post(`/v1/delegations/${IDS.rejected}/complete`, []), status: 409 },
    { group: 'v1 refused', name: 'resume a queued one', ...post(`/v1/delegations/${IDS.queued}/resume`, []), status: 409 },
    { group: 'v1 missing', name: 'heartbeat nobody', ...post('/v1/delegations/nobody/heartbeat', []), status: 404 },
    { group: 'v1 missing', name: 'show nobody', method: 'GET', path: '/v1/delegations/nobody', headers: [AUTH], status: 404 },
  ];
  return [...wrongMethods, ...encodings, ...badIds, ...unknownPaths, ...queries, ...types, ...bodies, ...credentials, ...crossSite, ...values];
}

/** The in-process corpus: every case above, plus the no-token variants of those a browser could send to the default daemon. */
export function inProcessCorpus(): { token: Case[]; open: Case[] } {
  const token = [
    ...methods(),
    ...encodings(),
    ...paths(),
    ...hosts(),
    ...crossSite(),
    ...authorization(),
    ...contentTypes(),
    ...bodies(),
    ...queries(),
    ...refusedTransitions(),
    ...v1(),
  ];
  const open = token.filter((c) => c.open === true).map((c) => ({ ...c, headers: (c.headers ?? []).filter(([name]) => name !== 'authorization') }));
  return { token, open };
}
