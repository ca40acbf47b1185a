import { readFile } from 'node:fs/promises';
import { InvalidInputError } from '../domain/index.js';
import { arrayAt, numberAt, objectAt, positiveNumberAt, stringAt, type JsonObject } from './json-fields.js';
import { FATES, type AgentProfile, type FailureMix, type SecondsRange } from './profiles.js';

// A week: longer silences or deadlines are a typo (minutes for seconds), not a fleet.
const MAX_SECONDS = 7 * 24 * 60 * 60;
// Beats faster than a second would only multiply events without changing any verdict.
const MIN_BEAT_SECONDS = 1;
const PROFILE_FIELDS = ['name', 'weight', 'bootSeconds', 'beatSeconds', 'longCall', 'durationSeconds', 'stallSeconds', 'deadlineSeconds', 'mix'];

/** Reads a profile file: `{ "profiles": [ ... ] }`. Throws InvalidInputError naming the bad field. */
export async function loadProfileFile(path: string): Promise<AgentProfile[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InvalidInputError('profiles file', `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError('profiles file', `${path} is not valid JSON (${(error as Error).message})`);
  }
  return parseProfiles(json);
}

export function parseProfiles(json: unknown): AgentProfile[] {
  const root = objectAt('profiles file', json, ['profiles']);
  const profiles = arrayAt('profiles', root.profiles).map((entry, i) => parseProfile(`profiles[${i}]`, entry));
  const names = new Set<string>();
  profiles.forEach((profile, i) => {
    if (names.has(profile.name)) throw new InvalidInputError(`profiles[${i}].name`, `duplicate profile name "${profile.name}"`);
    names.add(profile.name);
  });
  return profiles;
}

function parseProfile(path: string, value: unknown): AgentProfile {
  const raw = objectAt(path, value, PROFILE_FIELDS);
  const field = (name: string) => `${path}.${name}`;
  const longCall = raw.longCall === undefined ? undefined : objectAt(field('longCall'), raw.longCall, ['probability', 'seconds']);
  return {
    name: stringAt(field('name'), raw.name),
    weight: positiveNumberAt(field('weight'), raw.weight),
    bootSeconds: secondsRange(field('bootSeconds'), raw.bootSeconds, 0),
    beatSeconds: secondsRange(field('beatSeconds'), raw.beatSeconds, MIN_BEAT_SECONDS),
    longCall: {
      probability: longCall === undefined ? 0 : numberAt(field('longCall.probability'), longCall.probability, 0, 1),
      seconds: longCall === undefined ? { min: 0, max: 0 } : secondsRange(field('longCall.seconds'), longCall.seconds, MIN_BEAT_SECONDS),
    },
    durationSeconds: secondsRange(field('durationSeconds'), raw.durationSeconds, MIN_BEAT_SECONDS),
    stallSeconds: secondsRange(field('stallSeconds'), raw.stallSeconds, MIN_BEAT_SECONDS),
    deadlineSeconds: positiveNumberAt(field('deadlineSeconds'), raw.deadlineSeconds, MAX_SECONDS),
    mix: failureMix(field('mix'), raw.mix),
  };
}

function secondsRange(path: string, value: unknown, lowest: number): SecondsRange {
  const raw: JsonObject = objectAt(path, value, ['min', 'max', 'scale']);
  const min = numberAt(`${path}.min`, raw.min, lowest, MAX_SECONDS);
  const max = numberAt(`${path}.max`, raw.max, lowest, MAX_SECONDS);
  if (max < min) throw new InvalidInputError(`${path}.max`, `must be at least min (${min}), got ${max}`);
  const scale = raw.scale;
  if (scale !== undefined && scale !== 'linear' && scale !== 'log') throw new InvalidInputError(`${path}.scale`, 'must be "linear" or "log"');
  if (scale === 'log' && min <= 0) throw new InvalidInputError(`${path}.min`, 'must be greater than 0 on a log scale');
  return { min, max, scale };
}

function failureMix(path: string, value: unknown): FailureMix {
  const raw = objectAt(path, value, FATES);
  const entries = FATES.map((fate) => [fate, raw[fate] === undefined ? 0 : numberAt(`${path}.${fate}`, raw[fate], 0, 1)] as const);
  const total = entries.reduce((sum, [, p]) => sum + p, 0);
  if (Math.abs(total - 1) > 1e-6) throw new InvalidInputError(path, `probabilities must sum to 1, got ${Number(total.toFixed(6))}`);
  return Object.fromEntries(entries) as FailureMix;
}
