/** Short human durations: 45s, 5m06s, 2h05m. Rounded to the second: the table is read, not parsed. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '-';
  const total = Math.round(seconds);
  if (total < 60) return `${total}s`;
  if (total < 3600) return `${Math.floor(total / 60)}m${pad2(total % 60)}s`;
  return `${Math.floor(total / 3600)}h${pad2(Math.floor((total % 3600) / 60))}m`;
}

/** Whole units where they fit: 30s, 5m, 2h, else formatDuration. */
export function formatSetting(seconds: number): string {
  if (seconds === 0) return '0';
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0 && seconds >= 60) return `${seconds / 60}m`;
  return formatDuration(seconds);
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}
