import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/app/ports.js';
import { type AdminFixture, adminFixture, auth, IDS, send } from './support/admin.js';

// Issue 10 item 3: for ids with a `%` not followed by two hex digits the cancel was applied, then the logger threw: 500, and 500 on every retry.
describe('malformed percent-encoding in the path', () => {
  let fixture: AdminFixture;
  beforeAll(async () => {
    fixture = await adminFixture();
  });
  afterAll(() => fixture.close());

  it.each(['50%', '%QQ', '%', '%4', '%C3%28', '%FF', 'a%2'])('POST cancel of %j: 400 naming the path, before the handler, nothing written', async (id) => {
    const before = await fixture.snapshot();
    for (let attempt = 0; attempt < 2; attempt++) {
      const answer = await send(fixture.app, `/admin/delegations/${id}/cancel`, { method: 'POST', headers: auth });
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ error: 'bad_request', field: 'path', message: expect.stringContaining(id) });
    }
    expect(await fixture.snapshot()).toBe(before);
    expect(fixture.logs.filter((line) => line.level === 'error')).toEqual([]);
  });

  it('the well-encoded id (50%25) reaches delegation "50%", and its log line names it', async () => {
    const answer = await send(fixture.app, '/admin/delegations/50%25/cancel', { method: 'POST', headers: auth });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ outcome: 'applied', delegation: { delegationId: IDS.percent, status: 'cancelled' } });
    expect(fixture.logs.at(-1)).toMatchObject({ message: 'admin request', fields: { status: 200, delegationId: IDS.percent } });
  });
});

describe('a request logger that fails', () => {
  let fixture: AdminFixture;
  beforeAll(async () => {
    const broken = (): never => {
      throw new Error('log sink is down');
    };
    const logger: Logger = { debug: broken, info: broken, warn: broken, error: broken, child: () => logger };
    fixture = await adminFixture({ logger });
  });
  afterAll(() => fixture.close());

  it('never turns an applied cancel into a failure', async () => {
    const answer = await send(fixture.app, `/admin/delegations/${IDS.queued}/cancel`, { method: 'POST', headers: auth });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ outcome: 'applied' });
    expect((await send(fixture.app, `/admin/delegations/${IDS.queued}`, { headers: auth })).body).toMatchObject({ delegation: { status: 'cancelled' } });
  });
});
