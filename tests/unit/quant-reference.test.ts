/**
 * An independent naive reference for requantization and the weight update,
 * written from the documented arithmetic (README.md "on-chip training",
 * docs/architecture.md "Training commands") and the exported signatures of
 * generator/golden/quant.ts only, and compared with that golden model over
 * every rounding edge and many seeded random cases.
 *
 * The reference uses another formulation than a floor-and-remainder one, so
 * that a bug shared by both is unlikely:
 * - rounding to nearest even works on the magnitude (round half to even is
 *   symmetric), with BigInt truncating division and an explicit tie test
 *   2 * remainder = divisor;
 * - the stochastic floor is -ceil(-x) for negative numerators;
 * - the LFSR is a 32-element bit array stepped bit by bit from the
 *   polynomial's exponents, not a mask;
 * - magnitude bits is the maximum bit length, not the bit length of an OR.
 *
 * Documented semantics the reference implements:
 * - requantize(a, s): round a / 2^s to nearest (ties to even), or stochastic:
 *   floor((a + u) / 2^s), u = the LFSR's low min(s, 32) bits moved to the top
 *   of the s discarded bits; then saturate to the signed operand range; then
 *   ReLU (max(q, 0)) if asked; then the ReLU' mask (0 where the mask <= 0);
 * - weight update: W <- sat(W - round(dW / 2^s)), the rounded value not
 *   saturated before the subtraction;
 * - elements go row-major; the 32-bit Galois LFSR (taps x^32 + x^22 + x^2 + x
 *   + 1) is loaded with the 32-bit seed (0 loads 1) and, in stochastic mode
 *   only, steps once per element after the element has used its state.
 *   The docs do not say which way the Galois register shifts; the reference
 *   shifts towards bit 0 and feeds bit 0 back into the tap positions (the form
 *   templates/partials/lfsr_states.hbs implements).
 *
 * Random cases take their seed from TRAINFORGE_SEED (default 1); every failure
 * message names the seed and the case.
 */
import { describe, expect, it } from 'vitest';
import {
  Lfsr,
  magnitudeBits,
  requantize,
  roundShift,
  saturate,
  stochasticOffset,
  updateWeights,
  type RoundMode,
} from '../../generator/golden/quant.ts';

const SEED = Number(process.env.TRAINFORGE_SEED ?? 1);

// ---------------------------------------------------------------- reference

const pow2 = (k: number): bigint => 1n << BigInt(k);

/** The Galois LFSR as 32 bits, bit i = coefficient i; taps from the polynomial's exponents. */
class RefLfsr {
  bits: number[];
  /** exponents of x^32 + x^22 + x^2 + x + 1 below 32, except the constant term: they feed back */
  private static readonly TAPS = [32, 22, 2, 1].map((e) => e - 1);

  constructor(seed: number) {
    // cmd_seed_i is 32 bits: the seed's low 32 bits; an all-zero state never moves, so 0 loads 1
    let s = BigInt.asUintN(32, BigInt(seed));
    if (s === 0n) s = 1n;
    this.bits = Array.from({ length: 32 }, (_, i) => Number((s >> BigInt(i)) & 1n));
  }

  /** the state as an unsigned 32-bit integer */
  value(): bigint {
    return this.low(32);
  }

  /** low k bits of the state (sums of powers of two below 2^32 are exact in a double) */
  low(k: number): bigint {
    let v = 0;
    for (let i = 0; i < k; i++) if (this.bits[i]) v += 2 ** i;
    return BigInt(v);
  }

  step(): void {
    const out = this.bits[0];
    const next = [...this.bits.slice(1), 0];
    if (out) for (const t of RefLfsr.TAPS) next[t] ^= 1;
    this.bits = next;
  }
}

/** u: the low min(s, 32) state bits at the top of the s discarded bits. */
function refOffset(lfsr: RefLfsr, s: number): bigint {
  const k = Math.min(s, 32);
  return lfsr.low(k) * pow2(s - k);
}

/** a / 2^s to nearest, ties to even, on the magnitude with an explicit tie test. */
function refNearestEven(a: bigint, s: number): bigint {
  const d = pow2(s);
  const negative = a < 0n;
  const m = negative ? -a : a;
  let q = m / d; // truncation of a non-negative value is its floor
  const twiceRem = 2n * (m - q * d);
  if (twiceRem > d) q += 1n;
  else if (twiceRem === d && q % 2n === 1n) q += 1n; // an exact tie: to the even neighbour
  return negative ? -q : q;
}

/** floor(n / d) for d > 0, via -ceil(-n / d) for negative n. */
function refFloorDiv(n: bigint, d: bigint): bigint {
  return n >= 0n ? n / d : -((-n + d - 1n) / d);
}

/** a / 2^s rounded, stepping the LFSR after use in stochastic mode; not saturated. */
function refRound(a: bigint, s: number, mode: RoundMode, lfsr: RefLfsr): bigint {
  if (mode === 'nearest-even') return refNearestEven(a, s);
  const q = refFloorDiv(a + refOffset(lfsr, s), pow2(s));
  lfsr.step();
  return q;
}

function refSat(v: bigint, bits: number): bigint {
  const hi = pow2(bits - 1) - 1n;
  const lo = -pow2(bits - 1);
  return v > hi ? hi : v < lo ? lo : v;
}

function refRequantize(
  result: bigint[][],
  opBits: number,
  o: { shift: number; mode: RoundMode; seed: number; relu?: boolean; mask?: number[][] },
): number[][] {
  const lfsr = new RefLfsr(o.seed);
  return result.map((row, i) =>
    row.map((a, j) => {
      let q = refSat(refRound(a, o.shift, o.mode, lfsr), opBits);
      if (o.relu && q < 0n) q = 0n;
      if (o.mask && !(o.mask[i][j] > 0)) q = 0n;
      return Number(q);
    }),
  );
}

function refUpdate(W: number[][], dW: bigint[][], opBits: number, shift: number, mode: RoundMode, seed: number): number[][] {
  const lfsr = new RefLfsr(seed);
  return W.map((row, i) => row.map((w, j) => Number(refSat(BigInt(w) - refRound(dW[i][j], shift, mode, lfsr), opBits))));
}

function refMagnitudeBits(result: bigint[][]): number {
  let bits = 0;
  for (const v of result.flat()) {
    const m = v < 0n ? -v - 1n : v;
    bits = Math.max(bits, m === 0n ? 0 : m.toString(2).length);
  }
  return bits;
}

// ---------------------------------------------------------------- seeded random numbers

/** xorshift128+ on BigInt, seeded by splitmix64; independent of generator/golden/rng.ts. */
class Rand {
  private s0: bigint;
  private s1: bigint;
  constructor(seed: number) {
    let x = BigInt.asUintN(64, BigInt(seed));
    const splitmix = () => {
      x = BigInt.asUintN(64, x + 0x9e3779b97f4a7c15n);
      let z = x;
      z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
      z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
      return z ^ (z >> 31n);
    };
    this.s0 = splitmix();
    this.s1 = splitmix();
  }
  /** 64 random bits */
  next(): bigint {
    let a = this.s0;
    const b = this.s1;
    this.s0 = b;
    a = BigInt.asUintN(64, a ^ (a << 23n));
    this.s1 = a ^ b ^ (a >> 17n) ^ (b >> 26n);
    return BigInt.asUintN(64, this.s1 + b);
  }
  /** integer in [lo, hi] */
  int(lo: number, hi: number): number {
    return lo + Number(this.next() % BigInt(hi - lo + 1));
  }
  /** bigint in [lo, hi] */
  big(lo: bigint, hi: bigint): bigint {
    const span = hi - lo + 1n;
    const r = (this.next() << 64n) | this.next();
    return lo + (r % span);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)];
  }
  uint32(): number {
    return Number(this.next() >> 32n);
  }
}

// ---------------------------------------------------------------- case generation

const OP_BITS = Array.from({ length: 15 }, (_, i) => i + 2); // 2..16
const MAX_SHIFT = 63; // cmd_shift_i[5:0]
const MODES: RoundMode[] = ['nearest-even', 'stochastic'];

/**
 * Accumulator widths for an operand width, from the documented range 2 x operandBits .. 64: both ends and
 * an odd width (the random cases below draw any width).
 */
function accWidths(opBits: number): number[] {
  return [...new Set([2 * opBits, 2 * opBits + 1, 64].filter((a) => a >= 2 * opBits && a <= 64))];
}

const accRange = (accBits: number) => ({ lo: -pow2(accBits - 1), hi: pow2(accBits - 1) - 1n });

/**
 * Every rounding edge for one accumulator width, operand width and shift:
 * exact ties +/- 1/2 with even and odd integer parts, just above and below
 * ties, exact multiples, the most negative and most positive accumulators,
 * and the values that round to the operand bounds and one past them.
 */
function edgeValues(accBits: number, opBits: number, s: number): bigint[] {
  const { lo, hi } = accRange(accBits);
  const d = pow2(s);
  const h = s > 0 ? pow2(s - 1) : 0n;
  const qHi = pow2(opBits - 1) - 1n;
  const qLo = -pow2(opBits - 1);
  const out = new Set<bigint>([lo, lo + 1n, hi, hi - 1n, 0n, 1n, -1n, 2n, -2n, d, -d, d - 1n, 1n - d]);
  for (const k of [0n, 1n, 2n, 3n, -1n, -2n, -3n, -4n, qHi - 1n, qHi, qHi + 1n, qLo - 1n, qLo, qLo + 1n]) {
    const base = k * d;
    for (const delta of [0n, 1n, -1n]) {
      out.add(base + delta);
      if (s > 0) {
        out.add(base + h + delta); // k + 1/2 and just either side
        out.add(base - h + delta); // k - 1/2
      }
    }
  }
  // the largest ties the accumulator can hold, both signs
  if (s > 0) {
    const top = (hi - h) / d; // largest k with k d + h <= hi
    for (const k of [top, top - 1n]) {
      out.add(k * d + h);
      out.add(-(k * d + h));
      out.add(k * d + h - 1n);
      out.add(-(k * d + h) + 1n);
    }
  }
  return [...out].filter((v) => v >= lo && v <= hi);
}

/** LFSR states that make u extreme or tiny: all ones, zero low bits, one, the top bit only. */
const EDGE_STATES = [0xffffffff, 0x80000000, 1, 2, 0x7fffffff, 0xaaaaaaaa, 0x55555555];

// ---------------------------------------------------------------- the comparison

const fmt = (v: unknown) => (typeof v === 'bigint' ? `${v}n` : JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x)));

describe('reference LFSR, checked from the documented polynomial', () => {
  it('seed 0 loads 1; the reference agrees with golden Lfsr state by state over 20,000 steps from several seeds', () => {
    expect(new RefLfsr(0).value()).toBe(1n);
    expect(new Lfsr(0).state >>> 0).toBe(1);
    for (const seed of [0, 1, 2, 0x80000000, 0xffffffff, 0xdeadbeef, 12345]) {
      const ref = new RefLfsr(seed);
      const gold = new Lfsr(seed);
      for (let i = 0; i < 20_000; i++) {
        if (BigInt(gold.state >>> 0) !== ref.value()) {
          expect.fail(`LFSR seed ${seed}, step ${i}: golden ${gold.state >>> 0}, reference ${ref.value()}`);
        }
        ref.step();
        gold.step();
      }
    }
  });

  it('the reference register is maximal on a sampled window (no repeat within 50,000 states) and never reaches 0', () => {
    const ref = new RefLfsr(1);
    const seen = new Set<bigint>();
    for (let i = 0; i < 50_000; i++) {
      const v = ref.value();
      expect(v).not.toBe(0n);
      seen.add(v);
      ref.step();
    }
    expect(seen.size).toBe(50_000);
  });
});

describe('requantization: every rounding edge against the naive reference', () => {
  it('saturate at both bounds, operand widths 2..16', () => {
    for (const bits of OP_BITS) {
      const hi = pow2(bits - 1) - 1n;
      const lo = -pow2(bits - 1);
      for (const v of [lo - pow2(70), lo - 1n, lo, lo + 1n, -1n, 0n, 1n, hi - 1n, hi, hi + 1n, hi + pow2(70)]) {
        expect(saturate(v, bits), `saturate(${v}, ${bits})`).toBe(refSat(v, bits));
      }
    }
  });

  it('stochasticOffset equals the documented u for every shift 0..63 and edge LFSR states', () => {
    for (const state of EDGE_STATES) {
      for (let s = 0; s <= MAX_SHIFT; s++) {
        const ref = new RefLfsr(state);
        expect(stochasticOffset(state, s), `stochasticOffset(${state}, ${s})`).toBe(refOffset(ref, s));
      }
    }
  });

  it('roundShift, both modes, operand widths 2..16, accumulator widths up to 64, shifts 0..63, all edge values', () => {
    let checked = 0;
    const failures: string[] = [];
    for (const opBits of OP_BITS) {
      for (const accBits of accWidths(opBits)) {
        for (let s = 0; s <= MAX_SHIFT; s++) {
          const values = edgeValues(accBits, opBits, s);
          for (const a of values) {
            // nearest even: no LFSR involvement, the state must not move
            {
              const gold = new Lfsr(0xdeadbeef);
              const got = roundShift(a, s, 'nearest-even', gold);
              const want = refNearestEven(a, s);
              if (got !== want) failures.push(`nearest-even a=${a} s=${s} (acc ${accBits}): golden ${got}, reference ${want}`);
              if (gold.state >>> 0 !== 0xdeadbeef) failures.push(`nearest-even a=${a} s=${s}: the LFSR moved`);
              checked++;
            }
            // two edge LFSR states per value, rotating through all of them
            for (const state of [EDGE_STATES[checked % EDGE_STATES.length], EDGE_STATES[(checked + 3) % EDGE_STATES.length]]) {
              const gold = new Lfsr(state);
              const ref = new RefLfsr(state);
              const got = roundShift(a, s, 'stochastic', gold);
              const want = refRound(a, s, 'stochastic', ref);
              if (got !== want) failures.push(`stochastic a=${a} s=${s} state=${state} (acc ${accBits}): golden ${got}, reference ${want}`);
              if (BigInt(gold.state >>> 0) !== ref.value()) failures.push(`stochastic a=${a} s=${s} state=${state}: LFSR not stepped once`);
              checked++;
            }
            if (failures.length > 20) break;
          }
        }
      }
    }
    expect(failures.slice(0, 20), `${failures.length} disagreements of ${checked} cases`).toEqual([]);
    expect(checked).toBeGreaterThan(50_000);
  }, 60_000);

  it('requantize and updateWeights on edge tensors: saturation at both bounds, ReLU, the mask, shift 0 and 63', () => {
    const failures: string[] = [];
    for (const opBits of OP_BITS) {
      for (const accBits of accWidths(opBits)) {
        for (const s of [0, 1, 2, opBits, 31, 32, 33, MAX_SHIFT]) {
          const values = edgeValues(accBits, opBits, s);
          const cols = 7;
          const rows: bigint[][] = [];
          for (let i = 0; i < values.length; i += cols) rows.push(values.slice(i, i + cols));
          while (rows.at(-1)!.length < cols) rows.at(-1)!.push(0n);
          const mask = rows.map((r, i) => r.map((_, j) => [-1, 0, 1, -128, 5][(i * cols + j) % 5]));
          const qHi = Number(pow2(opBits - 1) - 1n);
          const qLo = Number(-pow2(opBits - 1));
          const W = rows.map((r, i) => r.map((_, j) => [qLo, qHi, 0, -1, 1][(i + j) % 5]));
          for (const mode of MODES) {
            for (const seed of [0, 1, 0xffffffff, 0x80000000]) {
              for (const [relu, withMask] of [
                [false, false],
                [true, false],
                [false, true],
                [true, true],
              ] as const) {
                const opts = { shift: s, mode, seed, relu, mask: withMask ? mask : undefined };
                const got = requantize(rows, opBits, opts);
                const want = refRequantize(rows, opBits, opts);
                if (JSON.stringify(got) !== JSON.stringify(want)) {
                  failures.push(
                    `requantize opBits ${opBits} acc ${accBits} ${fmt(opts)}:\n  in ${fmt(rows)}\n  golden ${fmt(got)}\n  reference ${fmt(want)}`,
                  );
                }
              }
              const got = updateWeights(W, rows, opBits, s, mode, seed);
              const want = refUpdate(W, rows, opBits, s, mode, seed);
              if (JSON.stringify(got) !== JSON.stringify(want)) {
                failures.push(
                  `updateWeights opBits ${opBits} acc ${accBits} shift ${s} ${mode} seed ${seed}:\n  W ${fmt(W)}\n  dW ${fmt(rows)}\n  golden ${fmt(got)}\n  reference ${fmt(want)}`,
                );
              }
            }
          }
          if (failures.length > 5) break;
        }
      }
    }
    expect(failures.slice(0, 5)).toEqual([]);
  }, 60_000);

  it('a seed is taken modulo 2^32, as cmd_seed_i[31:0] takes it (-1 is 0xffffffff, 2^32 loads 1)', () => {
    const result = [[1n, 2n, 3n, 5n, 7n, 11n, 13n, 17n, -1n, -9n, -15n, -16n]];
    for (const seed of [-1, 2 ** 32, 2 ** 32 + 5, -(2 ** 31)]) {
      const opts = { shift: 4, mode: 'stochastic' as const, seed };
      expect(requantize(result, 8, opts), `seed ${seed}`).toEqual(refRequantize(result, 8, opts));
    }
    expect(refRequantize(result, 8, { shift: 4, mode: 'stochastic', seed: -1 })).toEqual(
      refRequantize(result, 8, { shift: 4, mode: 'stochastic', seed: 0xffffffff }),
    );
  });

  it('the weight update does not saturate the rounded step before subtracting', () => {
    // 8 bits: W = -128, dW / 2^0 = -300: -128 + 300 = 172 -> 127 (saturating the step to -128 first would give 0)
    expect(refUpdate([[-128]], [[-300n]], 8, 0, 'nearest-even', 1)).toEqual([[127]]);
    expect(updateWeights([[-128]], [[-300n]], 8, 0, 'nearest-even', 1)).toEqual([[127]]);
    expect(updateWeights([[127]], [[300n]], 8, 0, 'nearest-even', 1)).toEqual(refUpdate([[127]], [[300n]], 8, 0, 'nearest-even', 1));
    expect(refUpdate([[127]], [[300n]], 8, 0, 'nearest-even', 1)).toEqual([[-128]]);
  });

  it('hand-computed ties and near-ties (the reference itself, from the docs)', () => {
    const cases: [bigint, number, bigint][] = [
      [1n, 1, 0n], // 0.5 -> 0
      [3n, 1, 2n], // 1.5 -> 2
      [-1n, 1, 0n], // -0.5 -> 0
      [-3n, 1, -2n], // -1.5 -> -2
      [5n, 2, 1n], // 1.25 -> 1
      [7n, 2, 2n], // 1.75 -> 2
      [-5n, 2, -1n],
      [-7n, 2, -2n],
      [pow2(63) - 1n, 63, 1n], // just under 1
      [-pow2(63), 63, -1n],
      [pow2(62), 63, 0n], // exactly 1/2 -> 0
      [-pow2(62), 63, 0n], // -1/2 -> 0
      [pow2(62) + 1n, 63, 1n],
      [-pow2(62) - 1n, 63, -1n],
      [3n * pow2(62), 63, 2n], // 1.5 -> 2 (does not fit 64 bits, exact arithmetic anyway)
    ];
    for (const [a, s, q] of cases) {
      expect(refNearestEven(a, s), `reference ${a} >> ${s}`).toBe(q);
      expect(roundShift(a, s, 'nearest-even', new Lfsr(1)), `golden ${a} >> ${s}`).toBe(q);
    }
    // stochastic, state 1: u = 1 at the bottom of the discarded bits for s <= 32
    const oneBelow = 4n * 7n - 1n; // 6.75 at s = 2, plus u = 1 -> exactly 7
    expect(refRound(oneBelow, 2, 'stochastic', new RefLfsr(1))).toBe(7n);
    expect(roundShift(oneBelow, 2, 'stochastic', new Lfsr(1))).toBe(7n);
    // u for s = 40 and state 0xffffffff: 32 ones at the top of 40 discarded bits
    expect(refOffset(new RefLfsr(0xffffffff), 40)).toBe(0xffffffffn << 8n);
    // the most positive 64-bit accumulator with the largest u: exact, no wrap (2^63 - 1 + u, then >> 63)
    const most = pow2(63) - 1n;
    expect(refRound(most, 63, 'stochastic', new RefLfsr(0xffffffff))).toBe(1n);
    expect(roundShift(most, 63, 'stochastic', new Lfsr(0xffffffff))).toBe(1n);
  });

  it("magnitudeBits equals the maximum bit length of the magnitudes (negatives as one's complement)", () => {
    const rand = new Rand(SEED ^ 0x5a5a);
    for (let n = 0; n < 2000; n++) {
      const accBits = rand.int(4, 64);
      const { lo, hi } = accRange(accBits);
      const rows = rand.int(1, 4);
      const cols = rand.int(1, 4);
      const t = Array.from({ length: rows }, () =>
        Array.from({ length: cols }, () =>
          rand.int(0, 5) === 0 ? rand.pick([lo, hi, 0n, -1n, 1n]) : rand.big(lo, hi) >> BigInt(rand.int(0, accBits)),
        ),
      );
      expect(magnitudeBits(t), `seed ${SEED}, case ${n}: ${fmt(t)}`).toBe(refMagnitudeBits(t));
    }
  });
});

describe(`requantization and weight update: seeded random cases against the naive reference (TRAINFORGE_SEED=${SEED})`, () => {
  /** A value drawn to hit the interesting places often: near ties, near the bounds, or anywhere. */
  function drawValue(rand: Rand, accBits: number, opBits: number, s: number): bigint {
    const { lo, hi } = accRange(accBits);
    const d = pow2(s);
    let v: bigint;
    switch (rand.int(0, 5)) {
      case 0: // anywhere in the accumulator range
        v = rand.big(lo, hi);
        break;
      case 1: // small
        v = rand.big(-4n * d, 4n * d);
        break;
      case 2: // around a tie k + 1/2, k near 0 or near the operand bounds
      case 3: {
        const k = BigInt(rand.pick([0, 1, 2, 3, -1, -2, -3])) + rand.pick([0n, pow2(opBits - 1) - 2n, -pow2(opBits - 1) - 1n]);
        v = k * d + (s > 0 ? pow2(s - 1) : 0n) + BigInt(rand.int(-1, 1));
        break;
      }
      case 4: // around a multiple of 2^s
        v = rand.big(-pow2(opBits + 1), pow2(opBits + 1)) * d + BigInt(rand.int(-1, 1));
        break;
      default: // the ends
        v = rand.pick([lo, hi, lo + 1n, hi - 1n]);
    }
    return v < lo ? lo : v > hi ? hi : v;
  }

  it('50,000 single values: roundShift in both modes, any operand width, accumulator width and shift', () => {
    const rand = new Rand(SEED);
    for (let n = 0; n < 50_000; n++) {
      const opBits = rand.int(2, 16);
      const accBits = rand.int(2 * opBits, 64);
      const s = rand.int(0, 1) ? rand.int(0, MAX_SHIFT) : rand.int(0, Math.min(MAX_SHIFT, accBits));
      const a = drawValue(rand, accBits, opBits, s);
      const mode = rand.pick(MODES);
      const state = rand.int(0, 7) === 0 ? rand.pick(EDGE_STATES) : rand.uint32();
      const gold = new Lfsr(state);
      const ref = new RefLfsr(state);
      const got = roundShift(a, s, mode, gold);
      const want = refRound(a, s, mode, ref);
      if (got !== want || BigInt(gold.state >>> 0) !== ref.value()) {
        expect.fail(
          `TRAINFORGE_SEED=${SEED}, case ${n}: roundShift(${a}n, ${s}, ${mode}, LFSR ${state}) ` +
            `golden ${got} (LFSR then ${gold.state >>> 0}), reference ${want} (LFSR then ${ref.value()})`,
        );
      }
    }
  }, 60_000);

  it('3,000 random tensors: requantize (ReLU, mask, both modes) and updateWeights', () => {
    const rand = new Rand(SEED * 7919 + 13);
    for (let n = 0; n < 3000; n++) {
      const opBits = rand.int(2, 16);
      const accBits = rand.int(2 * opBits, 64);
      const s = rand.int(0, 3) === 0 ? rand.int(0, MAX_SHIFT) : rand.int(0, Math.min(MAX_SHIFT, accBits - opBits + 2));
      const rows = rand.int(1, 6);
      const cols = rand.int(1, 9);
      const result = Array.from({ length: rows }, () => Array.from({ length: cols }, () => drawValue(rand, accBits, opBits, s)));
      const qLo = -(2 ** (opBits - 1));
      const qHi = 2 ** (opBits - 1) - 1;
      const mask = result.map((r) => r.map(() => rand.int(qLo, qHi)));
      const W = result.map((r) => r.map(() => (rand.int(0, 3) === 0 ? rand.pick([qLo, qHi]) : rand.int(qLo, qHi))));
      const mode = rand.pick(MODES);
      const seed = rand.int(0, 9) === 0 ? rand.pick([0, ...EDGE_STATES]) : rand.uint32();
      const relu = rand.int(0, 1) === 1;
      const opts = { shift: s, mode, seed, relu, mask: rand.int(0, 1) ? mask : undefined };
      const got = requantize(result, opBits, opts);
      const want = refRequantize(result, opBits, opts);
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        expect.fail(
          `TRAINFORGE_SEED=${SEED}, case ${n}: requantize(opBits ${opBits}, acc ${accBits}, ${fmt(opts)})\n` +
            `  result ${fmt(result)}\n  golden ${fmt(got)}\n  reference ${fmt(want)}`,
        );
      }
      const gotW = updateWeights(W, result, opBits, s, mode, seed);
      const wantW = refUpdate(W, result, opBits, s, mode, seed);
      if (JSON.stringify(gotW) !== JSON.stringify(wantW)) {
        expect.fail(
          `TRAINFORGE_SEED=${SEED}, case ${n}: updateWeights(opBits ${opBits}, acc ${accBits}, shift ${s}, ${mode}, seed ${seed})\n` +
            `  W ${fmt(W)}\n  dW ${fmt(result)}\n  golden ${fmt(gotW)}\n  reference ${fmt(wantW)}`,
        );
      }
    }
  }, 60_000);
});
