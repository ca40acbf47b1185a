import { InvalidInputError } from '../domain/index.js';

/** Readers for untrusted JSON that name the offending field by its path ("profiles[1].beatSeconds.min"). */
export type JsonObject = Readonly<Record<string, unknown>>;

export function objectAt(path: string, value: unknown, allowed: readonly string[]): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidInputError(path, 'must be an object');
  // Unknown keys are refused: a typo ("beatSecond") would otherwise fall back to a default unnoticed.
  const unknown = Object.keys(value).find((key) => !allowed.includes(key));
  if (unknown !== undefined) throw new InvalidInputError(`${path}.${unknown}`, `unknown field (expected one of ${allowed.join(', ')})`);
  return value as JsonObject;
}

export function numberAt(path: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new InvalidInputError(path, 'must be a number');
  if (value < min || value > max) throw new InvalidInputError(path, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

export function positiveNumberAt(path: string, value: unknown, max = Number.MAX_SAFE_INTEGER): number {
  const number = numberAt(path, value, 0, max);
  if (number === 0) throw new InvalidInputError(path, 'must be greater than 0');
  return number;
}

export function stringAt(path: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw new InvalidInputError(path, 'must be a non-empty string');
  return value;
}

export function arrayAt(path: string, value: unknown): readonly unknown[] {
  if (!Array.isArray(value) || value.length === 0) throw new InvalidInputError(path, 'must be a non-empty array');
  return value;
}
