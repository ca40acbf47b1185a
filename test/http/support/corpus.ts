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
  ];
  const open = token.filter((c) => c.open === true).map((c) => ({ ...c, headers: (c.headers ?? []).filter(([name]) => name !== 'authorization') }));
  return { token, open };
}
