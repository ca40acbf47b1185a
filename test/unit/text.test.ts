import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { MAX_DETAIL_BYTES, truncateUtf8 } from '../../src/domain/index.js';

const RUNS = process.env.CI !== undefined ? 1000 : 200;
const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
// Mixed 1- to 4-byte characters, often padded so the 4 KiB limit falls inside the interesting part.
const tailArb = fc.string({ unit: 'binary', maxLength: 40 });
const textArb = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 3000 }),
  fc.tuple(fc.integer({ min: MAX_DETAIL_BYTES - 40, max: MAX_DETAIL_BYTES }), tailArb).map(([n, tail]) => 'a'.repeat(n) + tail),
);
const limitArb = fc.integer({ min: 0, max: 64 });

describe('truncateUtf8', () => {
  test.prop([textArb], { numRuns: RUNS })('keeps at most 4 KiB and only whole characters: a prefix of the input', (text) => {
    const cut = truncateUtf8(text);
    expect(bytes(cut)).toBeLessThanOrEqual(MAX_DETAIL_BYTES);
    expect(text.startsWith(cut)).toBe(true);
    if (bytes(text) <= MAX_DETAIL_BYTES) expect(cut).toBe(text);
  });

  test.prop([textArb, limitArb], { numRuns: RUNS })('cuts as late as it can: the next character would not have fit', (text, limit) => {
    const cut = truncateUtf8(text, limit);
    expect(bytes(cut)).toBeLessThanOrEqual(limit);
    expect(text.startsWith(cut)).toBe(true);
    const next = String.fromCodePoint(text.codePointAt(cut.length) ?? 0);
    if (cut.length < text.length) expect(bytes(cut) + bytes(next)).toBeGreaterThan(limit);
  });

  it.each([
    ['a 2-byte é', 'é', 2],
    ['a 3-byte €', '€', 3],
    ['a 4-byte emoji', '😀', 4],
  ])('given %s straddling the limit, then it is dropped whole', (_name, char, width) => {
    const text = 'a'.repeat(MAX_DETAIL_BYTES - width + 1) + char;
    expect(truncateUtf8(text)).toBe('a'.repeat(MAX_DETAIL_BYTES - width + 1));
    expect(truncateUtf8('a'.repeat(MAX_DETAIL_BYTES - width) + char)).toBe('a'.repeat(MAX_DETAIL_BYTES - width) + char);
  });

  it('given a family emoji (several code points), then no code point is split', () => {
    const family = '👨‍👩‍👧';
    // 4090 + 4 bytes of the man fit; the 3-byte joiner after him does not.
    expect(truncateUtf8('x'.repeat(MAX_DETAIL_BYTES - 6) + family)).toBe(`${'x'.repeat(MAX_DETAIL_BYTES - 6)}👨`);
  });
});
