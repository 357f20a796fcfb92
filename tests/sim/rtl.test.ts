/**
 * The generated RTL against the golden model, on Icarus and on Verilator:
 * every case runs FP, BP and WG, each result must be bit-exact and each step
 * must take exactly the cycles the cycle model predicts. All cases of a design
 * share one simulator run (per simulator). Icarus proves the same properties
 * (multi-tile, partial tiles, wrapping, extreme values, bases) on small layers;
 * the 64 x 64 x 64 layers run on Verilator only.
 */
import { readFileSync } from 'node:fs';
import { tensorAddresses, type CoreModel } from '../../generator/elaborate/model.ts';
import { buildModel, describeDesigns, type LayerCase, type SimDesign } from './helpers.ts';

const dims = (batch: number, din: number, dout: number) => ({ batch, din, dout });

function design(spec: Record<string, unknown>, cases: (model: CoreModel) => LayerCase[], verilatorCases: LayerCase[] = []): SimDesign {
  const model = buildModel(spec);
  const title = `${model.rows}x${model.cols}, ${model.opBits}/${model.accBits} bits, ${model.transposable ? 'transposable' : 'plain'} W`;
  return { model, title, cases: cases(model), verilatorCases };
}

const DESIGNS: SimDesign[] = [
  // a single PE with small buffers
  design(
    {
      name: 'single_pe',
      array: { rows: 1, cols: 1 },
      numeric: { operandBits: 8, accumulatorBits: 20 },
      buffers: { weightWords: 256, activationWords: 256, errorWords: 256, resultWords: 256 },
    },
    () => [{ dims: dims(1, 1, 1) }, { dims: dims(5, 13, 7) }, { dims: dims(3, 2, 4) }],
  ),
  // non-square, narrow accumulators (sums wrap), tensors at nonzero bases
  design(
    { name: 'wrap_3x5', array: { rows: 3, cols: 5 }, numeric: { operandBits: 4, accumulatorBits: 12 }, buffers: { transposable: true } },
    (model) => [
      { dims: dims(5, 13, 7) },
      { dims: dims(1, 1, 1) },
      { dims: dims(7, 3, 11) },
      { dims: dims(3, 5, 5) },
      // random 4-bit sums stay inside 12 bits at these sizes; this one wraps in every step
      { dims: dims(40, 33, 36), fill: 'min' },
      // W ends exactly at the top of its buffer; X and dY start off block boundaries
      { dims: dims(7, 13, 11), bases: { w: model.weight.depth - tensorAddresses(model.weight, 11, 13), x: 7, dy: 5 } },
    ],
  ),
  // wide operands, plain (row-only) weight buffer
  design(
    {
      name: 'wide_3x5_plain',
      array: { rows: 3, cols: 5 },
      numeric: { operandBits: 16, accumulatorBits: 40 },
      buffers: { transposable: false },
    },
    () => [
      { dims: dims(5, 13, 7) },
      { dims: dims(1, 1, 1) },
      { dims: dims(7, 3, 11) },
      { dims: dims(4, 7, 6), fill: 'min' },
      { dims: dims(4, 7, 6), fill: 'max' },
    ],
  ),
  // the default spec
  design(
    JSON.parse(readFileSync(new URL('../../specs/default.json', import.meta.url), 'utf8')),
    () => [
      { dims: dims(5, 13, 7) },
      { dims: dims(8, 8, 8) },
      { dims: dims(16, 24, 40), density: 0.5 },
      { dims: dims(9, 17, 10), fill: 'min' },
      { dims: dims(9, 17, 10), fill: 'zero-x-dy' },
      { dims: dims(9, 17, 10), fill: 'max' },
    ],
    [{ dims: dims(64, 64, 64), density: 1 }],
  ),
  // 8 x 8 with a plain weight buffer: FP gathers W columns element by element
  design(
    { name: 'plain_8x8', array: { rows: 8, cols: 8 }, buffers: { transposable: false } },
    () => [{ dims: dims(5, 13, 7) }, { dims: dims(17, 19, 18) }],
    [{ dims: dims(64, 64, 64) }],
  ),
  // rows > cols: the activation buffer has more banks than columns; sums wrap
  design({ name: 'tall_4x2', array: { rows: 4, cols: 2 }, numeric: { operandBits: 8, accumulatorBits: 16 } }, () => [
    { dims: dims(9, 5, 7) },
    { dims: dims(2, 3, 1) },
    // K * 2^14 wraps in every step (to 16384, -32768 and -16384)
    { dims: dims(3, 5, 6), fill: 'min' },
  ]),
];

describeDesigns('RTL vs golden model', DESIGNS);
