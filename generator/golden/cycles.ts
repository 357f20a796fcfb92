/**
 * Cycle model of the generated core: the schedule the controller documents,
 * written as formulas. It predicts every command's cycles from the layer
 * dimensions alone (the dense core does not look at operand values); the
 * simulation tests check it against the cycles the testbench measures.
 *
 * Cycles count from the rising edge that accepts the command to the cycle in
 * which done_o is high.
 *
 * Compute (FP, BP, WG as the GEMM M x N x K on an R x C array):
 *   tiles  = ceil(M/R) * ceil(N/C)
 *   k-time = K, or K * C for FP with a plain weight buffer (a W column is
 *            gathered one element per cycle)
 *   period = max(k-time, R): a tile lasts at least R cycles, the time the
 *            previous tile needs to drain one row per cycle
 *   cycles = (tiles - 1) * period + k-time + R + 3
 *            (+3: one cycle to start issuing, two pipeline stages between the
 *             buffer read and the PE; +R: the last tile's drain)
 * Load of a rows x cols tensor: rows * cols + 1 (one word per cycle).
 * Read of an M x N result: M * N + 2 (one word per cycle after one read-ahead).
 */
import { gemmShape, type LayerDims, type Step } from './gemm.ts';

export interface ArrayShape {
  rows: number;
  cols: number;
  /** plain (row-only) weight buffer with more than one column */
  plainGather: boolean;
}

const ceilDiv = (a: number, b: number): number => Math.ceil(a / b);

export function computeCycles(array: ArrayShape, step: Step, dims: LayerDims): number {
  const { M, N, K } = gemmShape(step, dims);
  const tiles = ceilDiv(M, array.rows) * ceilDiv(N, array.cols);
  const kTime = array.plainGather && step === 'fp' ? K * array.cols : K;
  const period = Math.max(kTime, array.rows);
  return (tiles - 1) * period + kTime + array.rows + 3;
}

export function loadCycles(rows: number, cols: number): number {
  return rows * cols + 1;
}

export function readCycles(M: number, N: number): number {
  return M * N + 2;
}

/** Cycles an ideal array would need: every PE busy every cycle. */
export function idealCycles(array: ArrayShape, step: Step, dims: LayerDims): number {
  const { M, N, K } = gemmShape(step, dims);
  return Math.ceil((M * N * K) / (array.rows * array.cols));
}
