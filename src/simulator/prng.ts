/**
 * A seeded generator we own, so a seed means the same fleet on every machine
 * and Node version (Math.random cannot be seeded). mulberry32: 32 bits of
 * state, fast, statistically fine for a simulation; not for secrets.
 */
export type Random = () => number;

export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * An independent 32-bit seed for stream `stream` of run `seed`. Each agent
 * draws from its own stream, so its behaviour does not depend on how many
 * draws other agents made: every sweeper setting sees the same fleet.
 */
export function streamSeed(seed: number, stream: number): number {
  const high = Math.floor(seed / 4294967296) >>> 0;
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(high + 0x632be5ab, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) ^ Math.imul(stream + 0x27d4eb2f, 0x165667b1);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

export function uniform(random: Random, min: number, max: number): number {
  return min + (max - min) * random();
}

/** Spread evenly in log space: durations between a minute and an hour are as often short as long. */
export function logUniform(random: Random, min: number, max: number): number {
  if (min <= 0) return uniform(random, min, max);
  return Math.exp(uniform(random, Math.log(min), Math.log(max)));
}

/** Index of the weight `random()` falls into; weights need not sum to 1. */
export function pickWeighted(random: Random, weights: readonly number[]): number {
  const total = weights.reduce((sum, w) => sum + w, 0);
  let remaining = random() * total;
  let lastPositive = 0;
  for (let i = 0; i < weights.length; i += 1) {
    const weight = weights[i] ?? 0;
    if (weight <= 0) continue;
    lastPositive = i;
    remaining -= weight;
    if (remaining < 0) return i;
  }
  // Rounding can leave a sliver past the end; it belongs to the last weight that can be drawn.
  return lastPositive;
}
