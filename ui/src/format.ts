/** "3 min 20 s", "2 h 5 min", "12 s": the largest two units, for people. */
export function duration(ms: number): string {
  const negative = ms < 0;
  let rest = Math.round(Math.abs(ms) / 1000);
  const parts: string[] = [];
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['min', 60],
    ['s', 1],
  ] as const) {
    if (rest >= size || (unit === 's' && parts.length === 0)) {
      parts.push(`${Math.floor(rest / size)} ${unit}`);
      rest %= size;
    }
    if (parts.length === 2) break;
  }
  return `${negative ? '-' : ''}${parts.join(' ')}`;
}

export function time(iso: string | null): string {
  if (iso === null) return '—';
  const date = new Date(iso);
  return date.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

export function label(status: string): string {
  return status.replace(/_/g, ' ');
}
