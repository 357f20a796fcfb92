/**
 * Golden model of the on-chip post-processing of a training step: requantizing
 * accumulator results to operand width, ReLU, the ReLU' mask and the SGD weight
 * update. The hardware implements the same semantics bit for bit.
 *
 * Requantization of an accumulator value a by a shift s (0 <= s < 64):
 *   round-to-nearest-even:  q = floor(a / 2^s), r = a - q 2^s, h = 2^(s-1);
 *                           q + 1 if r > h or (r = h and q is odd), else q
 *   stochastic:             q = floor((a + u) / 2^s), u = the low min(s, 32) bits
 *                           of the LFSR state, moved up to the top of the s
 *                           discarded bits; the LFSR then steps once
 * then saturation to the signed operand range, then (if asked) ReLU: max(q, 0),
 * and (moving dX to dY) the ReLU' mask: q if the layer's input activation at
 * the same place is > 0, else 0.
 *
 * Weight update: W <- sat(W - round(dW / 2^s)), rounded as above (the rounded
 * value is not saturated before the subtraction).
 *
 * A command's shift saturates at the accumulator width A (commandShift): an
 * A-bit value shifted by A is at most 1/2 in magnitude already, so a larger
 * shift adds nothing but datapath width. The functions below take the shift
 * as the hardware applies it.
 *
 * Elements are processed row-major; the LFSR (32-bit Galois, taps
 * x^32 + x^22 + x^2 + x + 1) is loaded with the command's seed (0 loads 1, since
 * the all-zero state never moves) and steps once per element in stochastic mode.
 */

export type RoundMode = 'nearest-even' | 'stochastic';

const LFSR_TAPS = 0x80200003;

export class Lfsr {
  state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }

  /** Advances one step (Galois form, shifting right). */
  step(): void {
    const lsb = this.state & 1;
    this.state = this.state >>> 1;
    if (lsb) this.state = (this.state ^ LFSR_TAPS) >>> 0;
  }
}

export function saturate(value: bigint, bits: number): bigint {
  const max = (1n << BigInt(bits - 1)) - 1n;
  const min = -(1n << BigInt(bits - 1));
  return value > max ? max : value < min ? min : value;
}

/** The shift the hardware applies for a command's shift field: min(shift, accBits). */
export function commandShift(shift: number, accBits: number): number {
  return Math.min(shift, accBits);
}

/** The stochastic rounding offset for a shift s from the LFSR state. */
export function stochasticOffset(state: number, shift: number): bigint {
  if (shift === 0) return 0n;
  const width = Math.min(shift, 32);
  const low = BigInt(state >>> 0) & ((1n << BigInt(width)) - 1n);
  return low << BigInt(shift - width);
}

/** a / 2^shift rounded; advances the LFSR in stochastic mode. Not saturated. */
export function roundShift(value: bigint, shift: number, mode: RoundMode, lfsr: Lfsr): bigint {
  if (mode === 'stochastic') {
    const q = (value + stochasticOffset(lfsr.state, shift)) >> BigInt(shift);
    lfsr.step();
    return q;
  }
  if (shift === 0) return value;
  const s = BigInt(shift);
  const q = value >> s; // BigInt >> floors
  const r = value - (q << s);
  const half = 1n << (s - 1n);
  return r > half || (r === half && (q & 1n) === 1n) ? q + 1n : q;
}

export interface RequantOptions {
  shift: number;
  mode: RoundMode;
  seed: number;
  relu?: boolean;
  /** ReLU' mask: elements where the mask is <= 0 become 0 */
  mask?: number[][];
}

/** Requantizes a result tensor (row-major order matters for the LFSR). */
export function requantize(result: bigint[][], opBits: number, opts: RequantOptions): number[][] {
  const lfsr = new Lfsr(opts.seed);
  return result.map((row, r) =>
    row.map((acc, c) => {
      let q = saturate(roundShift(acc, opts.shift, opts.mode, lfsr), opBits);
      if (opts.relu && q < 0n) q = 0n;
      if (opts.mask && !(opts.mask[r][c] > 0)) q = 0n;
      return Number(q);
    }),
  );
}

/** W - round(dW / 2^shift), saturated to the operand range. */
export function updateWeights(W: number[][], dW: bigint[][], opBits: number, shift: number, mode: RoundMode, seed: number): number[][] {
  const lfsr = new Lfsr(seed);
  return W.map((row, r) => row.map((w, c) => Number(saturate(BigInt(w) - roundShift(dW[r][c], shift, mode, lfsr), opBits))));
}

/**
 * Bits needed for the largest magnitude in a result: the bit length of the OR
 * of every element's magnitude, with negative values taken as one's complement
 * (-1 counts as 0, -2^(b-1) as 2^(b-1) - 1). The core reports it with each
 * compute so the host can choose the next shift (dynamic fixed point).
 */
export function magnitudeBits(result: bigint[][]): number {
  let or = 0n;
  for (const row of result) for (const v of row) or |= v < 0n ? -v - 1n : v;
  return or === 0n ? 0 : or.toString(2).length;
}
