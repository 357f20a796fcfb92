/** Width helpers shared by the elaborated model and the host-side tools. */

/** Bits needed to hold every value in [0, maxValue]; at least 1 (Verilog has no 0-bit nets). */
export function bitsFor(maxValue: number): number {
  if (!Number.isInteger(maxValue) || maxValue < 0) throw new RangeError(`bitsFor: bad value ${maxValue}`);
  let bits = 1;
  while (2 ** bits <= maxValue) bits++;
  return bits;
}

/** Bits of an index into `count` items (0 .. count-1); at least 1. */
export function indexBits(count: number): number {
  return bitsFor(Math.max(0, count - 1));
}

export function ceilDiv(a: number, b: number): number {
  return Math.floor((a + b - 1) / b);
}

/**
 * Division by a constant as a multiplication: floor(x / divisor) = (x * multiplier) >> shift
 * for every x in [0, 2^inputBits), so that the hardware needs no divider. A power of two is
 * a plain shift (multiplier 1). Otherwise shift = inputBits + ceil(log2 divisor) and
 * multiplier = ceil(2^shift / divisor), exact because the rounding error e = multiplier *
 * divisor - 2^shift < divisor <= 2^(shift - inputBits) (Granlund and Montgomery, 1994).
 */
export interface ConstantDivision {
  multiplier: number;
  multiplierBits: number;
  shift: number;
}

export function constantDivision(divisor: number, inputBits: number): ConstantDivision {
  if (!Number.isInteger(divisor) || divisor < 1) throw new RangeError(`constantDivision: bad divisor ${divisor}`);
  const log2 = Math.ceil(Math.log2(divisor));
  if (2 ** log2 === divisor) return { multiplier: 1, multiplierBits: 1, shift: log2 };
  const shift = inputBits + log2;
  const multiplier = (2n ** BigInt(shift) + BigInt(divisor) - 1n) / BigInt(divisor);
  const error = multiplier * BigInt(divisor) - 2n ** BigInt(shift);
  // the bound that makes the product exact for every inputBits-bit x
  if (error * 2n ** BigInt(inputBits) > 2n ** BigInt(shift)) throw new RangeError(`constantDivision: ${divisor} is not exact`);
  // a Verilog integer parameter holds it
  if (multiplier >= 2n ** 31n) throw new RangeError(`constantDivision: the reciprocal of ${divisor} needs more than 31 bits`);
  return { multiplier: Number(multiplier), multiplierBits: bitsFor(Number(multiplier)), shift };
}
