import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/domain/index.js';
import { BUILT_IN_PROFILES, loadProfileFile, parseProfiles } from '../../src/simulator/index.js';

const valid = () => JSON.parse(JSON.stringify({ profiles: BUILT_IN_PROFILES })) as { profiles: Record<string, unknown>[] };

function fieldOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidInputError) return error.field;
    throw error;
  }
  throw new Error('expected an InvalidInputError');
}

describe('profile files', () => {
  it('accept the built-in profiles written as JSON', () => {
    expect(parseProfiles(valid())).toEqual(BUILT_IN_PROFILES.map((p) => JSON.parse(JSON.stringify(p))));
  });

  it('default an absent long call to none and absent fates to 0', () => {
    const file = valid();
    delete file.profiles[0]?.longCall;
    (file.profiles[0] as Record<string, unknown>).mix = { complete: 0.9, crashMidRun: 0.1 };
    const [first] = parseProfiles(file);
    expect(first?.longCall.probability).toBe(0);
    expect(first?.mix).toEqual({ complete: 0.9, crashBeforeFirstBeat: 0, crashMidRun: 0.1, wedge: 0, stall: 0 });
  });

  const broken: [string, (file: ReturnType<typeof valid>) => unknown, string][] = [
    ['no profiles', (f) => ({ ...f, profiles: [] }), 'profiles'],
    ['a typo in a field name', (f) => ({ profiles: [{ ...f.profiles[0], beatSecond: 3 }] }), 'profiles[0].beatSecond'],
    ['a beat faster than a second', (f) => set(f, 1, 'beatSeconds', { min: 0, max: 3 }), 'profiles[1].beatSeconds.min'],
    ['max below min', (f) => set(f, 0, 'durationSeconds', { min: 60, max: 10 }), 'profiles[0].durationSeconds.max'],
    ['a string for a number', (f) => set(f, 2, 'deadlineSeconds', '3600'), 'profiles[2].deadlineSeconds'],
    ['a mix that does not sum to 1', (f) => set(f, 1, 'mix', { complete: 0.5 }), 'profiles[1].mix'],
    ['an unknown fate', (f) => set(f, 0, 'mix', { complete: 0.9, explode: 0.1 }), 'profiles[0].mix.explode'],
    ['a log scale from zero', (f) => set(f, 0, 'bootSeconds', { min: 0, max: 5, scale: 'log' }), 'profiles[0].bootSeconds.min'],
    ['a duplicate name', (f) => ({ profiles: [f.profiles[0], f.profiles[0]] }), 'profiles[1].name'],
  ];
  for (const [what, breakIt, field] of broken) {
    it(`refuse ${what}, naming ${field}`, () => {
      expect(fieldOf(() => parseProfiles(breakIt(valid())))).toBe(field);
    });
  }

  it('refuse a file that is not JSON or not there, saying which', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'profiles-'));
    await writeFile(join(dir, 'bad.json'), '{ "profiles": [');
    await expect(loadProfileFile(join(dir, 'bad.json'))).rejects.toThrow(/bad\.json is not valid JSON/);
    await expect(loadProfileFile(join(dir, 'missing.json'))).rejects.toThrow(/cannot read .*missing\.json \(ENOENT\)/);
  });
});

function set(file: ReturnType<typeof valid>, index: number, field: string, value: unknown) {
  const profiles = file.profiles.map((p, i) => (i === index ? { ...p, [field]: value } : p));
  return { profiles };
}
