/** Details are capped so a runaway agent cannot bloat the ledger. */
export const MAX_DETAIL_BYTES = 4096;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

/**
 * Cuts `text` to at most `maxBytes` of UTF-8 without splitting a character,
 * so the database never receives a broken sequence. Lone surrogates are
 * replaced (U+FFFD) because they cannot be encoded as UTF-8 at all.
 */
export function truncateUtf8(text: string, maxBytes = MAX_DETAIL_BYTES): string {
  const bytes = encoder.encode(text);
  if (bytes.length <= maxBytes) return decoder.decode(bytes);
  let end = maxBytes;
  // Step back over continuation bytes (10xxxxxx) to the start of the cut character.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return decoder.decode(bytes.subarray(0, end));
}

export function utf8Length(text: string): number {
  return encoder.encode(text).length;
}
