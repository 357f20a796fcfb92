/** Random and extreme operand matrices for the golden model and the test benches. */
import type { Rng } from './rng.ts';

/** Signed two's-complement range of a `bits`-bit operand. */
function signedRange(bits: number): { min: number; max: number } {
  // 32 bits is the widest range Rng.nextInt can draw from.
  if (!Number.isInteger(bits) || bits < 1 || bits > 32) {
    throw new RangeError(`operand bits must be an integer in [1, 32], got ${bits}`);
  }
  return { min: -(2 ** (bits - 1)), max: 2 ** (bits - 1) - 1 };
}

function checkShape(rows: number, cols: number): void {
  if (!Number.isSafeInteger(rows) || rows < 0 || !Number.isSafeInteger(cols) || cols < 0) {
    throw new RangeError(`matrix shape must be non-negative integers, got ${rows}x${cols}`);
  }
}

/**
 * A rows x cols matrix of signed `bits`-bit operands with exactly
 * Math.round(density * rows * cols) nonzero elements. The nonzero positions are
 * the first picks of a Fisher–Yates shuffle of all positions; each nonzero value
 * is uniform over [-2^(bits-1), 2^(bits-1)-1] without 0.
 * Draw order (fixed, so a seed always gives the same matrix): all positions
 * first, then one value per position in the order the positions were picked.
 */
export function randomMatrix(rng: Rng, rows: number, cols: number, bits: number, density: number): number[][] {
  checkShape(rows, cols);
  const { min, max } = signedRange(bits);
  if (!(density >= 0 && density <= 1)) {
    // the negated test also rejects NaN
    throw new RangeError(`density must be in [0, 1], got ${density}`);
  }

  const total = rows * cols;
  const nonzeros = Math.round(density * total);

  // Partial Fisher–Yates: after step i, positions[0..i] is a uniform random
  // i+1-subset in random order; we only need the first `nonzeros` of them.
  const positions = Array.from({ length: total }, (_, i) => i);
  for (let i = 0; i < nonzeros; i++) {
    const j = rng.nextInt(i, total - 1);
    const tmp = positions[i]!;
    positions[i] = positions[j]!;
    positions[j] = tmp;
  }

  const m: number[][] = Array.from({ length: rows }, () => new Array<number>(cols).fill(0));
  for (let i = 0; i < nonzeros; i++) {
    const p = positions[i]!;
    // Draw from a range one shorter than the full one and skip over 0, so each
    // nonzero value has the same probability.
    let v = rng.nextInt(min, max - 1);
    if (v >= 0) v += 1;
    m[Math.floor(p / cols)]![p % cols] = v;
  }
  return m;
}

/** A rows x cols matrix with every element the most negative or most positive `bits`-bit value. */
export function extremeMatrix(rows: number, cols: number, bits: number, value: 'min' | 'max'): number[][] {
  checkShape(rows, cols);
  const { min, max } = signedRange(bits);
  const v = value === 'min' ? min : max;
  return Array.from({ length: rows }, () => new Array<number>(cols).fill(v));
}
