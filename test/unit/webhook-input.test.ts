import { Container } from 'inversify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TOKENS } from '../../src/app/tokens.js';
import { newSecret } from '../../src/app/webhook-input.js';
import type { Webhooks } from '../../src/app/webhooks-api.js';
import { memoryModule } from '../../src/adapters/memory/memory-module.js';
import { silentLogger } from '../../src/adapters/logging/pino-logger.js';
import { EVENT_TYPES, InvalidInputError } from '../../src/domain/index.js';
import { loadDelegations, type WiredDelegations } from '../../src/wiring.js';

// 24 and 64 bytes are the bounds the Standard Webhooks spec gives a secret.
const secretOf = (bytes: number) => `whsec_${Buffer.alloc(bytes, 7).toString('base64')}`;

let d: WiredDelegations;
let webhooks: Webhooks;

beforeEach(() => {
  const container = new Container();
  d = loadDelegations(container, { adapter: memoryModule(), logger: silentLogger, env: {} });
  webhooks = container.get(TOKENS.Webhooks);
});
afterEach(async () => {
  await d.close();
});

/** The field a refused registration names, after checking that nothing was stored. */
async function refusal(input: unknown): Promise<{ field: string; message: string }> {
  const before = await webhooks.list();
  const error = await webhooks.register(input as never).then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof InvalidInputError)) throw new Error(`expected an InvalidInputError, got ${String(error)}`);
  expect(await webhooks.list()).toEqual(before);
  return { field: error.field, message: error.message };
}

describe('webhook registration input', () => {
  it('stores the URL as parsed, no event filter for none or an empty list, each type once, and no description for none', async () => {
    const { endpoint } = await webhooks.register({ url: 'HTTP://Example.org:80/a/../hook', eventTypes: ['completed', 'failed', 'completed'] });
    expect(endpoint).toMatchObject({ url: 'http://example.org/hook', eventTypes: ['completed', 'failed'], description: null });
    expect((await webhooks.register({ url: 'https://example.org/h', eventTypes: [] })).endpoint.eventTypes).toBeNull();
    expect((await webhooks.register({ url: 'https://example.org/h', eventTypes: null })).endpoint.eventTypes).toBeNull();
    expect((await webhooks.register({ url: 'https://example.org/h', description: 'the shop' })).endpoint.description).toBe('the shop');
    expect((await webhooks.register({ url: 'https://example.org/h', eventTypes: [...EVENT_TYPES] })).endpoint.eventTypes).toEqual([...EVENT_TYPES]);
    expect(await webhooks.list()).toHaveLength(5);
  });

  it('refuses a URL that is not absolute http(s), or carries credentials or a fragment, naming url', async () => {
    const cases: [unknown, RegExp][] = [
      ['', /^invalid url: must be an http or https URL$/],
      [5, /^invalid url: must be an http or https URL$/],
      ['not a url', /absolute/],
      ['/relative/hook', /absolute/],
      ['ftp://example.org/hook', /not ftp$/],
      ['https://user:pw@example.org/hook', /credentials/],
      ['https://user@example.org/hook', /credentials/],
      ['https://:pw@example.org/hook', /credentials/],
      ['https://example.org/hook#x', /fragment/],
      [`https://example.org/${'x'.repeat(2049 - 20)}`, /at most 2048 characters/],
    ];
    for (const [url, message] of cases) {
      const { field, message: said } = await refusal({ url });
      expect(field, String(url)).toBe('url');
      expect(said, String(url)).toMatch(message);
    }
    // 2,048 characters is still a URL.
    const longest = `https://example.org/${'x'.repeat(2048 - 20)}`;
    expect(longest).toHaveLength(2048);
    expect((await webhooks.register({ url: longest })).endpoint.url).toBe(longest);
  });

  it('refuses an unknown field, event types that are not a list of known ones, and a description over 500 characters', async () => {
    expect(await refusal({ url: 'https://example.org/h', colour: 'blue' })).toMatchObject({
      field: 'colour',
      message: expect.stringMatching(/not a known field/),
    });
    expect(await refusal({ url: 'https://example.org/h', eventTypes: 'completed' })).toEqual({
      field: 'eventTypes',
      message: 'invalid eventTypes: must be a list of event types',
    });
    const unknown = await refusal({ url: 'https://example.org/h', eventTypes: ['completed', 'exploded'] });
    expect(unknown.field).toBe('eventTypes');
    expect(unknown.message).toContain('unknown event type "exploded"');
    expect(unknown.message).toContain(EVENT_TYPES.join(', '));
    expect(await refusal({ url: 'https://example.org/h', description: 'x'.repeat(501) })).toEqual({
      field: 'description',
      message: 'invalid description: must be at most 500 characters',
    });
    expect((await refusal({ url: 'https://example.org/h', description: 5 })).field).toBe('description');
    expect((await refusal(null)).field).toBe('input');
    expect((await webhooks.register({ url: 'https://example.org/h', description: 'x'.repeat(500) })).endpoint.description).toHaveLength(500);
  });

  it('takes a whsec_ secret of 24 to 64 bytes in standard base64, never repeating it in the refusal', async () => {
    for (const bytes of [24, 32, 64]) {
      const secret = secretOf(bytes);
      expect((await webhooks.register({ url: 'https://example.org/h', secret })).secret).toBe(secret);
    }
    expect((await refusal({ url: 'https://example.org/h', secret: 5 })).message).toBe('invalid secret: must be whsec_ followed by base64');
    expect((await refusal({ url: 'https://example.org/h', secret: 'whsec_not base64!' })).message).toBe(
      'invalid secret: must be whsec_ followed by standard base64',
    );
    for (const bytes of [23, 65]) {
      const { field, message } = await refusal({ url: 'https://example.org/h', secret: secretOf(bytes) });
      expect(field).toBe('secret');
      expect(message).toContain(`24 to 64 bytes (this one has ${bytes})`);
    }
    await d.close();
    const container = new Container();
    d = loadDelegations(container, { adapter: memoryModule(), logger: silentLogger, env: {} });
    webhooks = container.get(TOKENS.Webhooks);
    const plain = Buffer.alloc(32, 9).toString('base64');
    for (const secret of [plain, `WHSEC_${plain}`, 5, `whsec_${plain.slice(0, -1)}!`, `whsec_${plain.replace(/=+$/, '')}`, `whsec_ ${plain}`]) {
      const { field, message } = await refusal({ url: 'https://example.org/h', secret });
      expect(field, String(secret)).toBe('secret');
      expect(message).not.toContain(plain.slice(0, 12));
      expect(message).toMatch(/^invalid secret: must (be whsec_ followed by (standard )?base64|encode 24 to 64 bytes)/);
    }
  });

  it('makes a fresh 32-byte secret when none is given, a different one each time', async () => {
    const first = await webhooks.register({ url: 'https://example.org/h' });
    const second = await webhooks.register({ url: 'https://example.org/h' });
    for (const { secret } of [first, second]) {
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    }
    expect(first.secret).not.toBe(second.secret);
    expect(newSecret()).not.toBe(newSecret());
  });
});
