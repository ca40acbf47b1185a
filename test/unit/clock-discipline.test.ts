import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LAYERS = ['src/domain', 'src/app'];
// Every timestamp comes from the Clock port; these read the process's clock directly.
const CLOCK_READ = /\bDate\.now\s*\(|\bnew\s+Date\s*\(\s*\)|\bperformance\.now\s*\(/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|cts|js)$/.test(name) ? [path] : [];
  });
}

/** Blanks comments so a sentence about Date.now() is not mistaken for a call; strings stay (a call can hide in a template). */
function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

function clockReads(source: string): string[] {
  return withoutComments(source)
    .split('\n')
    .map((line, i) => ({ line: line.trim(), number: i + 1 }))
    .filter(({ line }) => CLOCK_READ.test(line))
    .map(({ line, number }) => `${number}: ${line}`);
}

describe('one clock', () => {
  it('finds the clock reads it is meant to find (so the scan below can fail)', () => {
    expect(clockReads('const t = Date.now();')).toHaveLength(1);
    expect(clockReads('const d = new Date();')).toHaveLength(1);
    expect(clockReads('const d = new Date ( );')).toHaveLength(1);
    expect(clockReads('const p = performance.now();')).toHaveLength(1);
    expect(clockReads('const d = new Date(now.getTime() + 5); // not Date.now()')).toHaveLength(0);
    expect(clockReads('/** the domain never calls new Date() */')).toHaveLength(0);
  });

  it.each(LAYERS)('no clock read outside the Clock port in %s', (layer) => {
    const files = sourceFiles(join(ROOT, layer));
    expect(files.length).toBeGreaterThan(0);
    const offenders = files.flatMap((file) => clockReads(readFileSync(file, 'utf8')).map((hit) => `${relative(ROOT, file)}:${hit}`));
    expect(offenders).toEqual([]);
  });
});
