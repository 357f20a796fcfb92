/**
 * Deterministic seeded PRNG for the golden model and the test benches.
 *
 * Algorithm: mulberry32 (Tommy Ettinger, public domain) — one 32-bit word of
 * state, period 2^32. It is not cryptographic; it is small, fast, and gives the
 * same sequence on every platform, so a failing seed can be replayed exactly.
 */
export interface Rng {
  /** next value, uniform over [0, 2^32 - 1] */
  nextU32(): number;
  /** uniform integer over [lo, hi], both ends inclusive, unbiased (rejection sampling) */
  nextInt(lo: number, hi: number): number;
}

const TWO_32 = 2 ** 32;

/**
 * A mulberry32 generator. `seed` must be an integer; it is reduced modulo 2^32
 * (so -1 and 0xffffffff give the same sequence).
 */
export function makeRng(seed: number): Rng {
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(`makeRng: seed must be an integer, got ${seed}`);
  }
  // `% TWO_32` keeps large safe integers exact before the 32-bit truncation.
  let state = (seed % TWO_32) >>> 0;

  function nextU32(): number {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  }

  function nextInt(lo: number, hi: number): number {
    if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || hi < lo) {
      throw new RangeError(`nextInt: need integers lo <= hi, got [${lo}, ${hi}]`);
    }
    const span = hi - lo + 1;
    if (span > TWO_32) {
      throw new RangeError(`nextInt: range [${lo}, ${hi}] is wider than 2^32`);
    }
    // Plain `u % span` would favour small residues when span does not divide
    // 2^32; reject draws from the incomplete top block instead.
    const limit = span * Math.floor(TWO_32 / span);
    let u = nextU32();
    while (u >= limit) u = nextU32();
    return lo + (u % span);
  }

  return { nextU32, nextInt };
}

/** A Fisher-Yates shuffle of a copy of items, drawing from rng (last place first). */
export function shuffle<T>(items: readonly T[], rng: Rng): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.nextInt(0, i);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
