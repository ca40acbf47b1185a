import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdminFixture, adminFixture, IDS, ROLE_TOKENS, roleTable, send, TOKEN } from './support/admin.js';

describe('the request log', () => {
  let fixture: AdminFixture;
  beforeAll(async () => {
    fixture = await adminFixture({ tokens: roleTable() });
  });
  afterAll(() => fixture.close());

  it('names the principal and the delegation of each request, and never a credential, right or wrong', async () => {
    const secrets = [...Object.values(ROLE_TOKENS), TOKEN, 'a-wrong-secret-token'];
    for (const secret of secrets) {
      await send(fixture.app, `/v1/delegations/${IDS.running}`, { headers: { authorization: `Bearer ${secret}` } });
      await send(fixture.app, `/v1/delegations/${IDS.running}/heartbeat`, { method: 'POST', headers: { authorization: `Bearer ${secret}` } });
    }
    const text = JSON.stringify(fixture.logs);
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text.toLowerCase()).not.toContain('authorization');
    const lines = fixture.logs.filter((line) => line.message === 'admin request').map((line) => line.fields as Record<string, unknown>);
    expect(lines).toContainEqual(
      expect.objectContaining({ path: `/v1/delegations/${IDS.running}`, delegationId: IDS.running, principal: 'agent:own-agent', status: 200 }),
    );
    expect(lines).toContainEqual(expect.objectContaining({ path: `/v1/delegations/${IDS.running}`, status: 401, principal: undefined }));
  });
});
