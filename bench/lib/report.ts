import { mkdirSync, writeFileSync } from 'node:fs';
import type { Machine } from './machine.js';
import type { Figure } from './measure.js';

const round = (n: number): string => {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  const digits = abs >= 1000 ? 0 : abs >= 100 ? 1 : abs >= 10 ? 2 : 3;
  return n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
};

function ratioText(f: Figure): string {
  return f.ratios
    .map((ratio) => {
      const met = ratio.met === undefined ? '' : ratio.met ? ' met' : ' MISSED';
      const target = ratio.target === undefined ? '' : ` (target ${ratio.target}${met})`;
      return `${ratio.label} = ${round(ratio.value)}x${target}`;
    })
    .join('; ');
}

/** A plain-text table, one section after another, for the terminal. */
export function printTable(figures: readonly Figure[], write: (line: string) => void): void {
  const rows = figures.map((f) => [f.name, `${round(f.median)} ${f.unit}`, f.runs.map(round).join(' / '), ratioText(f)]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => (r[i] as string).length), 8));
  let section = '';
  figures.forEach((f, i) => {
    if (f.section !== section) {
      section = f.section;
      write(`\n${section}`);
      write(`  ${'figure'.padEnd(widths[0] as number)}  ${'median'.padStart(widths[1] as number)}  ${'runs'.padEnd(widths[2] as number)}  ratio`);
    }
    const [name, value, runs, ratio] = rows[i] as string[];
    write(`  ${name!.padEnd(widths[0] as number)}  ${value!.padStart(widths[1] as number)}  ${runs!.padEnd(widths[2] as number)}  ${ratio}`);
  });
}

/** A Markdown table of the same figures, for BENCHMARKS.md. */
export function markdownTable(figures: readonly Figure[]): string {
  const lines = ['| section | figure | median | runs | ratio |', '|---|---|---:|---|---|'];
  for (const f of figures) {
    lines.push(`| ${f.section} | ${f.name} | ${round(f.median)} ${f.unit} | ${f.runs.map(round).join(' / ')} | ${ratioText(f)} |`);
  }
  return lines.join('\n');
}

export function writeResults(path: string, body: { machine: Machine; mode: string; rounds: number; figures: readonly Figure[]; markdown: string }): void {
  mkdirSync(new URL('.', `file://${path}`).pathname, { recursive: true });
  writeFileSync(path, `${JSON.stringify({ takenAt: new Date().toISOString(), ...body }, null, 2)}\n`);
}
