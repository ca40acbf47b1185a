import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdminFixture, adminFixture, listeningFixture, TOKEN } from './support/admin.js';
import { type Case, inProcessCorpus } from './support/corpus.js';
import { rawRequest } from './support/raw.js';
import { SOCKET_CORPUS } from './support/socket-corpus.js';

// Issue 10, "a fault suite that stays": every malformed request gets a clear 4xx in JSON, none a 500 or a hang, and nothing is written.
const LIMITS = { maxBytes: 64 * 1024, timeoutMs: 300 };
const HANG_MS = 5_000;

type Outcome = { readonly where: string; readonly name: string; readonly status: number | 'hang'; readonly problems: readonly string[] };
const outcomes: Outcome[] = [];

/** What is wrong with an answer: its status, a missing JSON error, the wrong field named, or a write. */
function judge(expected: { status: number; field?: string | undefined }, status: number, body: Record<string, unknown> | null, wrote: boolean): string[] {
  const problems: string[] = [];
  if (status !== expected.status) problems.push(`answered ${status}, expected ${expected.status}`);
  if (status >= 500 || status < 400) problems.push(`not a 4xx: ${status}`);
  if (typeof body?.error !== 'string' || typeof body.message !== 'string' || body.message === '')
    problems.push(`no JSON error naming the problem: ${JSON.stringify(body)}`);
  if (expected.field !== undefined && body?.field !== expected.field) problems.push(`names field ${JSON.stringify(body?.field)}, expected ${expected.field}`);
  if (JSON.stringify(body ?? '').includes(TOKEN)) problems.push('echoes the token');
  if (wrote) problems.push('the store changed');
  return problems;
}

function withinBound<T>(work: Promise<T>): Promise<T | 'hang'> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<'hang'>((resolve) => {
    timer = setTimeout(() => resolve('hang'), HANG_MS);
  });
  return Promise.race([work, hang]).finally(() => clearTimeout(timer));
}

async function runInProcess(fixture: AdminFixture, where: string, cases: readonly Case[]): Promise<Outcome[]> {
  const results: Outcome[] = [];
  for (const c of cases) {
    const before = await fixture.snapshot();
    const headers = new Headers();
    for (const [name, value] of c.headers ?? []) headers.append(name, value);
    const init: RequestInit = { method: c.method, headers, ...(c.body === undefined ? {} : { body: c.body }) };
    const answer = await withinBound(
      (async () => {
        const response = await fixture.app.request(`http://127.0.0.1:8080${c.path}`, init);
        const text = await response.text();
        return { status: response.status, body: parse(text) };
      })(),
    );
    if (answer === 'hang') results.push({ where, name: c.name, status: 'hang', problems: ['no answer'] });
    else
      results.push({
        where,
        name: `${c.group}: ${c.name}`,
        status: answer.status,
        problems: judge(c, answer.status, answer.body, (await fixture.snapshot()) !== before),
      });
  }
  return results;
}

function parse(text: string): Record<string, unknown> | null {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
}

function failures(results: readonly Outcome[]): string[] {
  return results.filter((r) => r.problems.length > 0).map((r) => `${r.where} ${r.name}: ${r.problems.join('; ')}`);
}

describe('the HTTP bad-input corpus', () => {
  afterAll(() => {
    const byStatus = new Map<string, number>();
    for (const { status } of outcomes) byStatus.set(String(status), (byStatus.get(String(status)) ?? 0) + 1);
    const counts = [...byStatus].sort(([a], [b]) => a.localeCompare(b)).map(([status, n]) => `${status}: ${n}`);
    const refused = outcomes.filter((o) => o.problems.length === 0).length;
    console.log(
      `HTTP bad-input corpus: ${outcomes.length} requests, ${refused} refused as expected, ${outcomes.length - refused} not; by status ${counts.join(', ')}`,
    );
  });

  describe('in-process, on the memory store', () => {
    let withToken: AdminFixture;
    let open: AdminFixture;
    beforeAll(async () => {
      [withToken, open] = await Promise.all([adminFixture({ bodyLimits: LIMITS }), adminFixture({ token: null, bodyLimits: LIMITS })]);
    });
    afterAll(() => Promise.all([withToken.close(), open.close()]));

    it('refuses every request with the expected 4xx and a JSON error, and writes nothing', async () => {
      const corpus = inProcessCorpus();
      expect(corpus.token.length + corpus.open.length).toBeGreaterThanOrEqual(250);
      const results = [...(await runInProcess(withToken, 'token', corpus.token)), ...(await runInProcess(open, 'open', corpus.open))];
      outcomes.push(...results);
      expect(failures(results)).toEqual([]);
    });
  });

  describe('over a real socket', () => {
    let fixture: Awaited<ReturnType<typeof listeningFixture>>;
    beforeAll(async () => {
      fixture = await listeningFixture({ bodyLimits: LIMITS });
    });
    afterAll(() => fixture.close());

    it('refuses every request Node or the app can read with the expected 4xx in JSON, and writes nothing', async () => {
      const results: Outcome[] = [];
      for (const c of SOCKET_CORPUS) {
        const before = await fixture.snapshot();
        const answer = await withinBound(rawRequest(fixture.server.port, c.head(fixture.server.port), c.feed));
        if (answer === 'hang') results.push({ where: 'socket', name: c.name, status: 'hang', problems: ['no answer'] });
        else
          results.push({
            where: 'socket',
            name: c.name,
            status: answer.status,
            problems: judge(c, answer.status, answer.body, (await fixture.snapshot()) !== before),
          });
      }
      outcomes.push(...results);
      expect(failures(results)).toEqual([]);
      // The server is still healthy after all of it.
      expect((await fetch(`${fixture.server.url}/healthz`)).status).toBe(200);
    });
  });
});
