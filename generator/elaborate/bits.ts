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
