/**
 * The spec fuzzer's draws: a random valid spec, a layer that fits it, a step
 * and a density. Everything about case I of a run with seed S comes from one
 * generator seeded by caseSeed(S, I), so any case can be re-drawn alone.
 */
import { createHash } from 'node:crypto';
import { elaborate, layerFitProblems, type CoreModel } from '../elaborate/model.ts';
import { effectiveScanWidth } from '../elaborate/sparse.ts';
import { gemmShape } from '../golden/gemm.ts';
import { makeRng, shuffle, type Rng } from '../golden/rng.ts';
import { STEP_OPERANDS, STEPS, type LayerDims, type Step } from '../types.ts';
import { validateSpecObject } from '../spec/load.ts';
import type { LoadedSpec, Spec } from '../spec/types.ts';
import { UserError } from '../util/errors.ts';

/** The ranges the fuzzer draws from. */
export const FUZZ_RANGES = {
  rows: [1, 8],
  cols: [1, 8],
  operandBits: [2, 16],
  /** accumulatorBits is drawn from [2 x operandBits, this] */
  maxAccumulatorBits: 64,
  /** a buffer holds 1 to this many times its minimum (one block), plus a random remainder */
  bufferBlocks: 16,
  /** a zero-skipping word holds 1 to this many array widths (when scanWidth is drawn) */
  scanWords: 4,
  /** a chunk holds 1 to this many words (when chunkDepth is drawn) */
  chunkWords: 4,
  /** first upper bound of each layer dimension; it shrinks until the layer fits */
  layerDim: 40,
} as const;

export const FUZZ_STEPS = STEPS;

/** One drawn case: a spec (as a user would write it), a layer, a step and a density. */
export interface FuzzCase {
  /** the run's seed S */
  runSeed: number;
  /** position I in the run */
  index: number;
  /** caseSeed(S, I): the seed of every draw below */
  seed: number;
  /** the spec as drawn: every field given, scanWidth and chunkDepth sometimes left to their defaults */
  spec: Spec;
  loaded: LoadedSpec;
  model: CoreModel;
  step: Step;
  dims: LayerDims;
  density: number;
  /** the operand seed handed to the simulation */
  simSeed: number;
  /** how many times the layer was redrawn with a smaller bound before it fit */
  layerRedraws: number;
}

/** The seed of case `index` of a run with seed `runSeed`: 32 bits of sha256, independent of every other case. */
export function caseSeed(runSeed: number, index: number): number {
  const digest = createHash('sha256').update(`trainforge-fuzz\0${runSeed}\0${index}`).digest();
  return digest.readUInt32BE(0);
}

/** true with probability num / den */
function chance(rng: Rng, num: number, den: number): boolean {
  return rng.nextInt(1, den) <= num;
}

/** One of `options`, uniformly. */
function pick<T>(rng: Rng, options: readonly T[]): T {
  return options[rng.nextInt(0, options.length - 1)];
}

/** Words from `min` to bufferBlocks x min, sometimes plus a remainder that fills no whole block. */
function bufferWords(rng: Rng, min: number): number {
  const words = min * rng.nextInt(1, FUZZ_RANGES.bufferBlocks);
  return chance(rng, 1, 2) && min > 1 ? words + rng.nextInt(1, min - 1) : words;
}

/** Draws the spec of a case; the result is valid by construction (the caller checks it anyway). */
export function drawSpec(rng: Rng, name: string): FuzzCase['spec'] {
  const rows = rng.nextInt(FUZZ_RANGES.rows[0], FUZZ_RANGES.rows[1]);
  const cols = rng.nextInt(FUZZ_RANGES.cols[0], FUZZ_RANGES.cols[1]);
  const operandBits = rng.nextInt(FUZZ_RANGES.operandBits[0], FUZZ_RANGES.operandBits[1]);
  // the two ends of the accumulator range are where widths go wrong: draw each one time in six
  const accMin = 2 * operandBits;
  const accMax = FUZZ_RANGES.maxAccumulatorBits;
  const edge = rng.nextInt(1, 6);
  const accumulatorBits = edge === 1 ? accMin : edge === 2 ? accMax : rng.nextInt(accMin, accMax);
  const transposable = chance(rng, 1, 2);
  const skipZeros = chance(rng, 1, 2);

  // zero-skipping geometry: each of scanWidth and chunkDepth given or left to its default
  const sparsity: FuzzCase['spec']['sparsity'] = { skipZeros };
  if (skipZeros) {
    if (chance(rng, 2, 3)) {
      const maxWords = Math.min(FUZZ_RANGES.scanWords, Math.floor(128 / cols));
      sparsity.scanWidth = cols * rng.nextInt(1, maxWords);
    }
    if (chance(rng, 2, 3)) {
      sparsity.chunkDepth = effectiveScanWidth(cols, sparsity.scanWidth) * rng.nextInt(1, FUZZ_RANGES.chunkWords);
    }
  }

  // buffer minimums (generator/spec/load.ts): one block of the array each; the
  // zero-skipping core keeps X and dY in Rows banks of scanWidth-element words
  const rowWord = rows * effectiveScanWidth(cols, sparsity.scanWidth);
  const buffers = {
    weightWords: bufferWords(rng, cols * cols),
    activationWords: bufferWords(rng, skipZeros ? rowWord : rows * Math.max(rows, cols)),
    errorWords: bufferWords(rng, skipZeros ? rowWord : rows * rows),
    resultWords: bufferWords(rng, rows * cols),
    transposable,
  };
  // the dense core's multiply register (drawn last, so the draws above stay as they were)
  const multiplyRegister = !skipZeros && chance(rng, 1, 2);
  // the memory interface (drawn after everything above, for the same reason)
  const memory = {
    dataBits: pick(rng, [32, 64, 128, 256]),
    addrBits: pick(rng, [32, 40, 64]),
    maxBurst: pick(rng, [1, 4, 16, 64, 256]),
    outstandingReads: rng.nextInt(1, 8),
    queueDepth: pick(rng, [4, 8, 16]),
    zvcChunk: pick(rng, [1, 4, 8, 16, 32]),
  };
  return { name, array: { rows, cols, multiplyRegister }, numeric: { operandBits, accumulatorBits }, buffers, memory, sparsity };
}

/**
 * A layer of the step that fits the design. Each dimension is uniform in
 * [1, its bound]; after a draw that does not fit, the bound of the largest
 * dimension drops to three quarters of the value drawn, and all three are
 * drawn again (1 x 1 x 1 always fits: every buffer holds one block).
 */
export function drawLayer(rng: Rng, model: CoreModel, step: Step): { dims: LayerDims; redraws: number } {
  const bounds: LayerDims = { batch: FUZZ_RANGES.layerDim, din: FUZZ_RANGES.layerDim, dout: FUZZ_RANGES.layerDim };
  for (let redraws = 0; ; redraws++) {
    const dims = { batch: rng.nextInt(1, bounds.batch), din: rng.nextInt(1, bounds.din), dout: rng.nextInt(1, bounds.dout) };
    if (layerFitProblems(model, dims, STEP_OPERANDS[step], [gemmShape(step, dims)]).length === 0) return { dims, redraws };
    if (dims.batch + dims.din + dims.dout === 3) throw new Error(`fuzz: a 1 x 1 x 1 ${step} layer does not fit ${model.name}`);
    const largest = (['batch', 'din', 'dout'] as const).reduce((a, b) => (dims[b] > dims[a] ? b : a));
    bounds[largest] = Math.max(1, Math.floor((dims[largest] * 3) / 4));
  }
}

/** Density of the sparse operand: 0 and 1 one time in eight each, else two decimals in (0, 1). */
function drawDensity(rng: Rng): number {
  const edge = rng.nextInt(1, 8);
  if (edge === 1) return 0;
  if (edge === 2) return 1;
  return rng.nextInt(1, 99) / 100;
}

/** Draws case `index` of the run with seed `runSeed`. Throws if the drawn spec is invalid (a fuzzer bug). */
export function drawCase(runSeed: number, index: number): FuzzCase {
  const seed = caseSeed(runSeed, index);
  const rng = makeRng(seed);
  const spec = drawSpec(rng, `fuzz_${index}`);
  let loaded: LoadedSpec;
  try {
    loaded = validateSpecObject(spec, `fuzz case ${index}`);
  } catch (error) {
    const problems = error instanceof UserError ? error.problems.join('; ') : String(error);
    throw new Error(`fuzz: drew an invalid spec (a fuzzer bug): ${problems}\n${JSON.stringify(spec)}`, { cause: error });
  }
  const model = elaborate(loaded);
  const step = FUZZ_STEPS[rng.nextInt(0, FUZZ_STEPS.length - 1)]!;
  const { dims, redraws } = drawLayer(rng, model, step);
  const density = drawDensity(rng);
  const simSeed = rng.nextU32();
  return { runSeed, index, seed, spec, loaded, model, step, dims, density, simSeed, layerRedraws: redraws };
}

/** A deep copy of JSON data with every object's keys in a random order (the output must not depend on it). */
export function shuffleKeys(value: unknown, rng: Rng): unknown {
  if (Array.isArray(value)) return value.map((item) => shuffleKeys(item, rng));
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return Object.fromEntries(shuffle(Object.keys(record), rng).map((key) => [key, shuffleKeys(record[key], rng)]));
  }
  return value;
}
