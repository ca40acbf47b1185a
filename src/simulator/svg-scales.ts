/** Axis helpers for the hand-written SVG plot. */
export type Scale = { readonly at: (value: number) => number; readonly ticks: readonly { value: number; label: string }[] };

// Steps a reader counts in: seconds, then minutes, then hours.
const TIME_STEPS = [5, 10, 15, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200, 10800, 21600];

/** Linear seconds axis from 0, ticked in round times (at most `maxTicks` steps). */
export function timeScale(maxSeconds: number, from: number, to: number, label: (s: number) => string, maxTicks = 7): Scale {
  const step = TIME_STEPS.find((s) => maxSeconds / s <= maxTicks) ?? Math.ceil(maxSeconds / maxTicks / 3600) * 3600;
  const top = Math.max(step, Math.ceil(maxSeconds / step) * step);
  const ticks = Array.from({ length: Math.round(top / step) + 1 }, (_, i) => ({ value: i * step, label: label(i * step) }));
  return { at: (v) => from + ((to - from) * v) / top, ticks };
}

/**
 * Log axis for rates: false-positive rates span decades (0.05% to 30%) and the
 * decision is made at the low end, which a linear axis would crush. Zero, which
 * a log axis cannot show, gets its own slot half a decade left of the lowest tick.
 */
export function rateScale(rates: readonly number[], from: number, to: number, label: (r: number) => string): Scale & { zeroAt: number } {
  const positive = rates.filter((r) => r > 0);
  const low = Math.min(-2, Math.floor(Math.log10(Math.min(...positive, 0.01))));
  const high = Math.max(low + 1, Math.ceil(Math.log10(Math.max(...positive, 0.01))));
  const span = high - low + 0.5;
  const position = (decades: number) => from + ((to - from) * (decades + 0.5)) / span;
  const at = (rate: number) => (rate <= 0 ? position(-0.5) : position(Math.log10(rate) - low));
  const ticks = [{ value: 0, label: label(0) }];
  for (let d = low; d <= high; d += 1) ticks.push({ value: 10 ** d, label: label(10 ** d) });
  return { at, ticks, zeroAt: position(-0.5) };
}

export function fixed(n: number): string {
  return (Math.round(n * 10) / 10).toString();
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string);
}
