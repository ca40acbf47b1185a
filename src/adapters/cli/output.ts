import Table from 'cli-table3';

// Borderless, uncoloured: readable in a terminal, greppable in a pipe.
const PLAIN = {
  chars: {
    top: '',
    'top-mid': '',
    'top-left': '',
    'top-right': '',
    bottom: '',
    'bottom-mid': '',
    'bottom-left': '',
    'bottom-right': '',
    left: '',
    'left-mid': '',
    mid: '',
    'mid-mid': '',
    right: '',
    'right-mid': '',
    middle: '  ',
  },
  style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
};

export type Cell = string | number | boolean | Date | null | undefined;

export function table(head: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const out = new Table({ ...PLAIN, head: head.map((h) => h.toUpperCase()) });
  for (const row of rows) out.push(row.map(cell));
  return trimLines(out.toString());
}

/** A two-column field: value listing, for one record. */
export function fields(record: Readonly<Record<string, Cell>>): string {
  const out = new Table(PLAIN);
  for (const [key, value] of Object.entries(record)) out.push([key, cell(value)]);
  return trimLines(out.toString());
}

function trimLines(text: string): string {
  return text.replace(/[ \t]+$/gm, '');
}

export function cell(value: Cell): string {
  if (value === null || value === undefined) return '-';
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function printJson(value: unknown): void {
  print(JSON.stringify(value, null, 2));
}

/** What every command that prints data accepts. */
export type OutputOptions = { readonly json?: boolean };
export const JSON_FLAG = ['--json', 'print JSON (for scripts) instead of a table'] as const;
