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
 *   cycles = (tiles - 1) * period + k-time + R + 3 + latency
 *            (+3: one cycle to start issuing, two pipeline stages between the
 *             buffer read and the PE; +R: the last tile's drain)
 *   latency = (R - 1) + (C - 1) + 1 + (1 with the multiply register): the
 *            systolic array's skew, the deskew of its columns and its output
 *            register; tiles overlap, so it is paid once per compute
 * Load of a rows x cols tensor: rows * cols + 1 (one word per cycle).
 * Read of an M x N result: M * S + 3, S the segments of a row (one segment per
 * cycle: the first result word is requested, its first segment moves from the
 * buffer's read register into the read port's output register, the host takes
 * one segment per cycle; done the cycle after the last). A segment is up to
 * `lanes` elements of one result word (Cols elements of a row): a row of N
 * has floor(N / Cols) full words of ceil(Cols / lanes) segments and a last
 * word of N mod Cols elements. One lane: S = N.
 */
import { gemmShape } from './gemm.ts';
import type { LayerDims, Step } from '../types.ts';

export interface ArrayShape {
  rows: number;
  cols: number;
  /** plain (row-only) weight buffer with more than one column */
  plainGather: boolean;
  /** dense core: a register between multiply and accumulate (absent: none) */
  multiplyRegister?: boolean;
}

/** Cycles between a broadcast array's drain and the systolic array's (see pe_array.v.hbs). */
export function arrayLatency(array: ArrayShape): number {
  return array.rows - 1 + (array.cols - 1) + 1 + (array.multiplyRegister ? 1 : 0);
}

const ceilDiv = (a: number, b: number): number => Math.ceil(a / b);

export function computeCycles(array: ArrayShape, step: Step, dims: LayerDims): number {
  const { M, N, K } = gemmShape(step, dims);
  const tiles = ceilDiv(M, array.rows) * ceilDiv(N, array.cols);
  const kTime = array.plainGather && step === 'fp' ? K * array.cols : K;
  const period = Math.max(kTime, array.rows);
  return (tiles - 1) * period + kTime + array.rows + 3 + arrayLatency(array);
}

export function loadCycles(rows: number, cols: number): number {
  return rows * cols + 1;
}

/** The read port's shape: accumulators per segment, at most, and per result word (the dense core: storeLanes and Cols). */
export interface ReadPort {
  lanes: number;
  wordElements: number;
}

const ONE_ELEMENT: ReadPort = { lanes: 1, wordElements: 1 };

/** Segments the read port gives for a row of N elements. */
export function readSegments(N: number, port: ReadPort = ONE_ELEMENT): number {
  const fullWords = Math.floor(N / port.wordElements);
  return fullWords * ceilDiv(port.wordElements, port.lanes) + ceilDiv(N % port.wordElements, port.lanes);
}

export function readCycles(M: number, N: number, port: ReadPort = ONE_ELEMENT): number {
  return M * readSegments(N, port) + 3;
}

/** Cycles an ideal array would need: every PE busy every cycle. */
export function idealCycles(array: ArrayShape, step: Step, dims: LayerDims): number {
  const { M, N, K } = gemmShape(step, dims);
  return Math.ceil((M * N * K) / (array.rows * array.cols));
}

/**
 * Zero-skipping core. A compute is a sequence of passes p = (chunk kc, column
 * tile nt), chunks outermost: P = ceil(K / chunk) * ceil(N / C) passes.
 *   fill p   reads the chunk's B rows, D_p = rows in the chunk (x C for FP with
 *            a plain weight buffer) issue cycles;
 *   pass p   engine r walks rows r, r+R, ... of A over the chunk's words:
 *            T_r = sum over those rows and words of max(1, nonzeros in the word)
 *            (lanes past K do not count); the pass lasts max_r T_r.
 * With f_p the cycle fill p starts, S_p the cycle pass p starts:
 *   f_0 = 1
 *   S_p = max(f_p + D_p + 2, S_(p-1) + max T_(p-1) + 3)      (fill written; engines ready)
 *   f_(p+1) = max(f_p + D_p + 2, S_p + 1)                     (fill unit free; B store half free)
 *   cycles = S_(P-1) + max T_(P-1) + 6                          (pipeline drained, then done)
 * An engine's slots leave its pick stage in cycles S + 3 .. S + T + 2 (start
 * register, A read, zero detection register); it reports ready one cycle later
 * (a register), so the next pass starts at S + T + 3. The last slot then takes
 * the slot, PE and result-write stages: the last write is at S + T + 5.
 * The engine times depend on where the zeros are, so the model reads A.
 */
export interface SparseShape extends ArrayShape {
  scanWidth: number;
  chunkDepth: number;
  /** square arrays: WG runs as dW^T = X^T dY, its A being X^T */
  wgTransposed?: boolean;
}

const transpose = (m: number[][]): number[][] => (m.length === 0 ? [] : m[0].map((_, c) => m.map((row) => row[c])));

/**
 * A of the step as the engines see it: rows of X (FP), rows of dY (BP),
 * columns of dY (WG), or columns of X (WG on a core that runs it transposed).
 */
export function sparseOperand(step: Step, ops: { X: number[][]; dY: number[][] }, wgTransposed = false): number[][] {
  if (step === 'fp') return ops.X;
  if (step === 'bp') return ops.dY;
  return transpose(wgTransposed ? ops.X : ops.dY);
}

/** T_r of every chunk: cycles engine r spends on its rows of A in that chunk. */
export function engineTimes(array: SparseShape, A: number[][], K: number): number[][] {
  const chunks = ceilDiv(K, array.chunkDepth);
  const times = Array.from({ length: chunks }, () => new Array<number>(array.rows).fill(0));
  A.forEach((row, m) => {
    const r = m % array.rows;
    for (let k0 = 0; k0 < K; k0 += array.scanWidth) {
      let nonzeros = 0;
      for (let k = k0; k < Math.min(K, k0 + array.scanWidth); k++) if (row[k] !== 0) nonzeros++;
      times[Math.floor(k0 / array.chunkDepth)][r] += Math.max(1, nonzeros);
    }
  });
  return times;
}

export function sparseComputeCycles(array: SparseShape, step: Step, dims: LayerDims, ops: { X: number[][]; dY: number[][] }): number {
  const transposed = step === 'wg' && Boolean(array.wgTransposed);
  const { M, N: dense, K } = gemmShape(step, dims);
  // a transposed WG computes dW^T: its columns are the M outputs
  const N = transposed ? M : dense;
  const times = engineTimes(array, sparseOperand(step, ops, transposed), K);
  const tiles = ceilDiv(N, array.cols);
  const gather = array.plainGather && step === 'fp' ? array.cols : 1;
  let fill = 1;
  let start = 0;
  let previousEnd = 0;
  let lastTime = 0;
  for (let kc = 0; kc < times.length; kc++) {
    const fillTime = Math.min(array.chunkDepth, K - kc * array.chunkDepth) * gather;
    const passTime = Math.max(...times[kc]);
    for (let nt = 0; nt < tiles; nt++) {
      start = Math.max(fill + fillTime + 2, previousEnd);
      fill = Math.max(fill + fillTime + 2, start + 1);
      previousEnd = start + passTime + 3;
      lastTime = passTime;
    }
  }
  return start + lastTime + 6;
}

/** The shape a cycle prediction needs: the array, and the zero-skipping geometry if any. */
export interface CoreShape extends ArrayShape {
  sparse?: { scanWidth: number; chunkDepth: number; wgTransposed?: boolean };
}

/** Predicted cycles of a compute command on either core. */
export function predictComputeCycles(core: CoreShape, step: Step, dims: LayerDims, ops: { X: number[][]; dY: number[][] }): number {
  return core.sparse ? sparseComputeCycles({ ...core, ...core.sparse }, step, dims, ops) : computeCycles(core, step, dims);
}

/**
 * The zero-skipping core's view of a step: its sparse operand A (M x K), the
 * nonzeros in it, and the N outputs each of them feeds. Products of a zero A
 * value are never computed: (M K - nonzeros) N of them are skipped.
 */
export function sparseWork(
  core: CoreShape,
  step: Step,
  dims: LayerDims,
  ops: { X: number[][]; dY: number[][] },
): { nonzeros: number; outputsPerValue: number; skipped: number } {
  const transposed = step === 'wg' && Boolean(core.sparse?.wgTransposed);
  const A = sparseOperand(step, ops, transposed);
  const { M, N, K } = gemmShape(step, dims);
  const rows = transposed ? N : M;
  const outputsPerValue = transposed ? M : N;
  const nonzeros = A.reduce((sum, row) => sum + row.filter((v) => v !== 0).length, 0);
  return { nonzeros, outputsPerValue, skipped: core.sparse ? (rows * K - nonzeros) * outputsPerValue : 0 };
}
