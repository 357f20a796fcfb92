/**
 * The zero-skipping core (sparsity.skipZeros) against the golden model, on
 * Icarus and on Verilator: every case runs FP, BP and WG, each result must be
 * bit-exact and each step must take exactly the cycles the sparse cycle model
 * predicts from the operands (predictComputeCycles). All cases of a design
 * share one simulator run per simulator.
 */
import { readFileSync } from 'node:fs';
import type { CoreModel } from '../../generator/elaborate/model.ts';
import { buildModel, describeDesigns, topBase, type LayerCase, type SimDesign } from './helpers.ts';
import type { LayerDims } from '../../generator/types.ts';

const dims = (batch: number, din: number, dout: number): LayerDims => ({ batch, din, dout });

function design(spec: Record<string, unknown>, cases: (model: CoreModel) => LayerCase[], verilatorCases: LayerCase[] = []): SimDesign {
  const model = buildModel(spec);
  const s = model.sparse;
  if (!s) throw new Error(`${model.name}: not a zero-skipping design`);
  const title = `${model.rows}x${model.cols}, ${model.opBits}/${model.accBits} bits, scan ${s.scanWidth}, chunk ${s.chunkDepth}, ${model.transposable ? 'transposable' : 'plain'} W`;
  return { model, title, cases: cases(model), verilatorCases };
}

/** A case whose tensors all end at the top of their buffers or stores. */
function atTop(model: CoreModel, d: LayerDims, density: number): LayerCase {
  return { dims: d, density, bases: { w: topBase(model, 'W', d), x: topBase(model, 'X', d), dy: topBase(model, 'dY', d) } };
}

const SPARSE_SPEC = JSON.parse(readFileSync(new URL('../../specs/sparse.json', import.meta.url), 'utf8')) as Record<string, unknown>;

const DESIGNS: SimDesign[] = [
  // specs/sparse.json: 8 x 8, scan width 8, chunk depth 64, 4096-word result buffer (64 tiles)
  design(
    SPARSE_SPEC,
    (model) => [
      { dims: dims(16, 24, 40), density: 1 },
      { dims: dims(16, 24, 40), density: 0.5 },
      { dims: dims(16, 24, 40), density: 0.2 },
      { dims: dims(16, 24, 40), density: 0.1 },
      { dims: dims(16, 24, 40), fill: 'zero-x-dy' },
      { dims: dims(9, 17, 10), fill: 'zero-x-dy' },
      { dims: dims(19, 27, 35), pattern: 'one-per-row' },
      { dims: dims(16, 24, 40), pattern: 'checkerboard' },
      { dims: dims(17, 23, 21), pattern: 'alternate-rows' },
      { dims: dims(17, 23, 21), pattern: 'alternate-cols' },
      { dims: dims(16, 24, 40), density: 0.5, fill: 'min' },
      // K > 64 (two or three chunks) in one step per case: with 64 result tiles no layer
      // has K > 64 in every step (72, 96, 80 needs 90 to 120 tiles), so each step gets its own
      { dims: dims(24, 16, 131), density: 0.5 }, // BP: K = 131 = 64 + 64 + 3
      { dims: dims(72, 40, 24), density: 0.5 }, // WG: K = 72 = 64 + 8
      { dims: dims(8, 64, 8), density: 0.5 }, // FP: K = one whole chunk
      { dims: dims(1, 1, 1) },
      // every tensor ends exactly at the top of its buffer or store (dY: the fuller of its two stores)
      atTop(model, dims(13, 21, 19), 0.5),
      atTop(model, dims(24, 16, 131), 0.3), // BP multi-chunk, dY by rows 51 and by columns 51 of 128 words
      // odd bases, multi-chunk FP
      { dims: dims(11, 70, 9), density: 0.5, bases: { w: 301, x: 37, dy: 53 } },
    ],
    // Verilator only (Icarus would take a minute on them): the largest layer, FP over two and over eight chunks
    // (Icarus sees multi-chunk FP in the odd-bases case above)
    [
      { dims: dims(64, 64, 64), density: 0.5 },
      { dims: dims(24, 93, 40), density: 0.5 }, // FP: K = 93 = 64 + 29
      { dims: dims(8, 512, 8), density: 0.3 }, // FP: eight chunks
    ],
  ),
  // non-square: scan width 10, chunk depth 70; stores of 34 words per bank
  design(
    {
      name: 'sparse_wide',
      array: { rows: 3, cols: 5 },
      numeric: { operandBits: 8, accumulatorBits: 24 },
      buffers: { weightWords: 1024, activationWords: 1024, errorWords: 1024, resultWords: 1024 },
      sparsity: { skipZeros: true },
    },
    (model) => [
      { dims: dims(4, 71, 9) }, // FP: K = 71 = 70 + 1
      { dims: dims(13, 30, 17) },
      { dims: dims(1, 1, 1) },
      { dims: dims(10, 25, 14), density: 0.3 },
      atTop(model, dims(7, 23, 11), 0.5),
    ],
  ),
  // a single PE: scan width 8, chunk depth 64
  design(
    {
      name: 'sparse_single',
      array: { rows: 1, cols: 1 },
      numeric: { operandBits: 8, accumulatorBits: 20 },
      buffers: { weightWords: 256, activationWords: 256, errorWords: 256, resultWords: 256 },
      sparsity: { skipZeros: true },
    },
    () => [{ dims: dims(3, 20, 5), density: 0.5 }, { dims: dims(1, 1, 1) }],
  ),
  // one-element words and four-row chunks: every word is one lane, a K of 5 takes two chunks, and
  // all-zero words (slots without a product) meet a B store read register never loaded
  design(
    {
      name: 'sparse_narrow',
      array: { rows: 2, cols: 1 },
      numeric: { operandBits: 4, accumulatorBits: 16 },
      buffers: { weightWords: 64, activationWords: 64, errorWords: 64, resultWords: 64 },
      sparsity: { skipZeros: true, scanWidth: 1, chunkDepth: 4 },
    },
    () => [{ dims: dims(3, 5, 2), density: 0.5 }],
  ),
  // 8 x 8 with a plain weight buffer: FP fills gather W columns element by element
  design({ name: 'sparse_plain', array: { rows: 8, cols: 8 }, buffers: { transposable: false }, sparsity: { skipZeros: true } }, () => [
    { dims: dims(9, 20, 17), density: 0.5 },
    { dims: dims(10, 70, 12), density: 0.5 }, // FP: K = 70 = 64 + 6
  ]),
  // narrow accumulators: (-8) x (-8) summed over K wraps in 8 bits in every step
  design(
    {
      name: 'sparse_wrap',
      array: { rows: 2, cols: 2 },
      numeric: { operandBits: 4, accumulatorBits: 8 },
      buffers: { weightWords: 256, activationWords: 256, errorWords: 256, resultWords: 256 },
      sparsity: { skipZeros: true },
    },
    () => [{ dims: dims(5, 9, 7), density: 0.6, fill: 'min' }],
  ),
];

describeDesigns('zero-skipping RTL vs golden model', DESIGNS);
