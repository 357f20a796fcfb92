// The spec fuzzer's draws (generator/fuzz/draw.ts): valid, in range, fitting,
// reproducible and covering the edges. No simulator: scripts/fuzz.ts runs them.
import { describe, expect, it } from 'vitest';
import { caseSeed, drawCase, FUZZ_RANGES, FUZZ_STEPS, shuffleKeys, type FuzzCase } from '../../generator/fuzz/draw.ts';
import { layerFitProblems } from '../../generator/elaborate/model.ts';
import { gemmShape } from '../../generator/golden/gemm.ts';
import { makeRng } from '../../generator/golden/rng.ts';
import { STEP_OPERANDS } from '../../generator/types.ts';
import { canonicalJson, validateSpecObject } from '../../generator/spec/load.ts';

const SEEDS = [1, 2, 3];
const PER_SEED = 400;
const cases: FuzzCase[] = SEEDS.flatMap((seed) => Array.from({ length: PER_SEED }, (_, i) => drawCase(seed, i)));

describe('fuzzer spec draws', () => {
  it('draws valid specs that validation leaves as drawn (no field left to a default)', () => {
    for (const c of cases) {
      expect(c.loaded.spec, `seed ${c.runSeed} case ${c.index}`).toEqual(c.spec);
      expect(c.model.name).toBe(`fuzz_${c.index}`);
    }
  });

  it('stays within the ranges of issue 7', () => {
    for (const c of cases) {
      const { array, numeric, buffers, sparsity } = c.spec;
      const where = `seed ${c.runSeed} case ${c.index}: ${JSON.stringify(c.spec)}`;
      expect(array.rows, where).toBeGreaterThanOrEqual(1);
      expect(array.rows, where).toBeLessThanOrEqual(8);
      expect(array.cols, where).toBeGreaterThanOrEqual(1);
      expect(array.cols, where).toBeLessThanOrEqual(8);
      expect(numeric.operandBits, where).toBeGreaterThanOrEqual(2);
      expect(numeric.operandBits, where).toBeLessThanOrEqual(16);
      expect(numeric.accumulatorBits, where).toBeGreaterThanOrEqual(2 * numeric.operandBits);
      expect(numeric.accumulatorBits, where).toBeLessThanOrEqual(64);
      // small buffers: each under 17 times its minimum (one block; generator/spec/load.ts)
      const R = array.rows;
      const C = array.cols;
      const rowWord = R * (c.model.sparse?.scanWidth ?? 0);
      const minimums: [number, number][] = [
        [buffers.weightWords, C * C],
        [buffers.activationWords, sparsity.skipZeros ? rowWord : R * Math.max(R, C)],
        [buffers.errorWords, sparsity.skipZeros ? rowWord : R * R],
        [buffers.resultWords, R * C],
      ];
      for (const [words, min] of minimums) {
        expect(words, where).toBeGreaterThanOrEqual(min);
        expect(words, where).toBeLessThan(17 * min);
      }
      if (!sparsity.skipZeros) expect(sparsity.scanWidth ?? sparsity.chunkDepth, where).toBeUndefined();
    }
  });

  it('draws a layer that fits the buffers, a step and a density', () => {
    for (const c of cases) {
      const { batch, din, dout } = c.dims;
      for (const d of [batch, din, dout]) {
        expect(Number.isInteger(d) && d >= 1 && d <= FUZZ_RANGES.layerDim).toBe(true);
      }
      expect(layerFitProblems(c.model, c.dims, STEP_OPERANDS[c.step], [gemmShape(c.step, c.dims)])).toEqual([]);
      expect(FUZZ_STEPS).toContain(c.step);
      expect(c.density >= 0 && c.density <= 1).toBe(true);
      expect(Number.isInteger(c.simSeed) && c.simSeed >= 0 && c.simSeed < 2 ** 32).toBe(true);
    }
  });

  it('reaches every kind and every edge of the ranges', () => {
    const seen = (predicate: (c: FuzzCase) => boolean) => cases.some(predicate);
    for (const skipZeros of [false, true]) {
      for (const transposable of [false, true]) {
        expect(seen((c) => c.spec.sparsity.skipZeros === skipZeros && c.spec.buffers.transposable === transposable)).toBe(true);
      }
    }
    for (const n of [1, 8]) {
      expect(seen((c) => c.spec.array.rows === n)).toBe(true);
      expect(seen((c) => c.spec.array.cols === n)).toBe(true);
    }
    expect(seen((c) => c.spec.array.rows !== c.spec.array.cols)).toBe(true);
    for (const bits of [2, 16]) expect(seen((c) => c.spec.numeric.operandBits === bits)).toBe(true);
    expect(seen((c) => c.spec.numeric.accumulatorBits === 2 * c.spec.numeric.operandBits)).toBe(true);
    expect(seen((c) => c.spec.numeric.accumulatorBits === 64)).toBe(true);
    expect(seen((c) => c.spec.numeric.accumulatorBits === 32)).toBe(true);
    // zero-skipping geometry both given and left to its defaults
    expect(seen((c) => c.spec.sparsity.skipZeros && c.spec.sparsity.scanWidth === undefined)).toBe(true);
    expect(
      seen((c) => c.spec.sparsity.skipZeros && c.spec.sparsity.scanWidth !== undefined && c.spec.sparsity.scanWidth > c.spec.array.cols),
    ).toBe(true);
    expect(seen((c) => c.spec.sparsity.skipZeros && c.spec.sparsity.chunkDepth === undefined)).toBe(true);
    expect(seen((c) => c.spec.sparsity.skipZeros && c.spec.sparsity.chunkDepth === c.model.sparse!.scanWidth)).toBe(true);
    // buffers that are exactly one block and buffers with a part block left over
    expect(seen((c) => c.spec.buffers.weightWords === c.spec.array.cols * c.spec.array.cols)).toBe(true);
    expect(seen((c) => c.spec.buffers.weightWords % c.spec.array.cols !== 0)).toBe(true);
    for (const step of FUZZ_STEPS) expect(seen((c) => c.step === step)).toBe(true);
    for (const density of [0, 1]) expect(seen((c) => c.density === density)).toBe(true);
    expect(seen((c) => c.density > 0 && c.density < 1)).toBe(true);
    // layers of more than one tile in every dimension
    expect(seen((c) => c.dims.batch > c.model.rows && c.dims.din > c.model.cols && c.dims.dout > c.model.cols)).toBe(true);
  });

  it('draws case I of seed S the same way every time, whatever else is drawn', () => {
    const again = drawCase(2, 123);
    const original = cases[PER_SEED + 123]!;
    expect(again.seed).toBe(caseSeed(2, 123));
    for (const key of ['spec', 'step', 'dims', 'density', 'simSeed'] as const) expect(again[key]).toEqual(original[key]);
    const seeds = new Set(cases.map((c) => c.seed));
    expect(seeds.size).toBe(cases.length);
    expect(drawCase(1, 0).spec).not.toEqual(drawCase(2, 0).spec);
  });

  it('shuffles spec keys without changing the spec', () => {
    const rng = makeRng(5);
    for (const c of cases.slice(0, 50)) {
      const shuffled = shuffleKeys(c.spec, rng);
      expect(canonicalJson(shuffled)).toBe(canonicalJson(c.spec));
      expect(validateSpecObject(shuffled, 'shuffled').hash).toBe(c.loaded.hash);
    }
    // over 50 specs of 5 top-level keys, some order must differ
    expect(cases.slice(0, 50).some((c) => JSON.stringify(shuffleKeys(c.spec, rng)) !== JSON.stringify(c.spec))).toBe(true);
  });
});
