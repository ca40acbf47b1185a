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
  // Fast path without allocating: short, well-formed text needs no cut.
  // Stryker disable next-line ConditionalExpression,EqualityOperator: the fast path is an optimisation; the encoding path below returns the same text
  if (text.length * 3 <= maxBytes && isWellFormed(text)) return text;
  const bytes = encoder.encode(text);
  // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent: a cut at maxBytes of a buffer no longer than maxBytes keeps all of it
  if (bytes.length <= maxBytes) return decoder.decode(bytes);
  let end = maxBytes;
  // Step back over continuation bytes (10xxxxxx) to the start of the cut character.
  // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent: byte 0 of encoded text is never a continuation byte, so the loop stops there anyway
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return decoder.decode(bytes.subarray(0, end));
}

/** UTF-8 byte length, counted without encoding (a lone surrogate counts as U+FFFD, 3 bytes). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes += 4;
      i += 1;
    } else bytes += 3;
  }
  return bytes;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

// Stryker disable next-line BlockStatement: equivalent: without the fast path the encoding path returns the same text
function isWellFormed(text: string): boolean {
  return (text as string & { isWellFormed(): boolean }).isWellFormed();
}
