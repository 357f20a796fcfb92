/**
 * Golden model of the three training steps of a fully connected layer.
 *
 * Shapes: X is batch x din, W is dout x din (row o holds the din weights of
 * output o), dY is batch x dout.
 *   FP  Y  = X  * W^T   (batch x dout)
 *   BP  dX = dY * W     (batch x din)
 *   WG  dW = dY^T * X   (dout x din)
 *
 * Arithmetic matches the hardware: signed two's-complement operands, exact
 * products, and a sum wrapped modulo 2^accBits into the signed range. Wrapping
 * is modular, so wrapping once at the end equals wrapping after every addition.
 */

import type { LayerDims, Operands, Step } from '../types.ts';

/** `value` modulo 2^bits, as a signed value in [-2^(bits-1), 2^(bits-1)-1]. */
export function wrapSigned(value: bigint, bits: number): bigint {
  if (!Number.isSafeInteger(bits) || bits < 1) {
    throw new RangeError(`wrapSigned: bits must be a positive integer, got ${bits}`);
  }
  return BigInt.asIntN(bits, value);
}

function checkAccBits(accBits: number): void {
  if (!Number.isInteger(accBits) || accBits < 4 || accBits > 64) {
    throw new RangeError(`accBits must be an integer in [4, 64], got ${accBits}`);
  }
}

interface Checked {
  rows: number;
  cols: number;
  /** largest |element|, used to decide whether float accumulation is exact */
  maxAbs: number;
}

/**
 * Checks that `m` is a non-empty rectangular matrix of safe integers.
 * `rowDim` / `colDim` name its dimensions (e.g. 'batch', 'din') for messages.
 */
function checkMatrix(name: string, m: number[][], rowDim: string, colDim: string): Checked {
  if (!Array.isArray(m) || m.length === 0) {
    throw new RangeError(`${name} must have at least one row (${rowDim})`);
  }
  const first = m[0];
  if (!Array.isArray(first) || first.length === 0) {
    throw new RangeError(`${name} must have at least one column (${colDim})`);
  }
  const cols = first.length;
  let maxAbs = 0;
  for (let r = 0; r < m.length; r++) {
    const row = m[r];
    if (!Array.isArray(row) || row.length !== cols) {
      throw new RangeError(`${name} row ${r} has ${Array.isArray(row) ? row.length : 'no'} elements, expected ${cols} (${colDim})`);
    }
    for (let c = 0; c < cols; c++) {
      const v = row[c]!;
      if (!Number.isSafeInteger(v)) {
        throw new RangeError(`${name}[${r}][${c}] = ${v} is not an integer`);
      }
      const a = Math.abs(v);
      if (a > maxAbs) maxAbs = a;
    }
  }
  return { rows: m.length, cols, maxAbs };
}

function requireSame(dim: string, nameA: string, sizeA: number, whereA: string, nameB: string, sizeB: number, whereB: string): void {
  if (sizeA !== sizeB) {
    throw new RangeError(`${dim} mismatch: ${nameA} has ${sizeA} ${whereA} (${dim}) but ${nameB} has ${sizeB} ${whereB} (${dim})`);
  }
}

function transpose(m: number[][]): number[][] {
  const rows = m.length;
  const cols = m[0]!.length;
  const t: number[][] = [];
  for (let c = 0; c < cols; c++) {
    const row = new Array<number>(rows);
    for (let r = 0; r < rows; r++) row[r] = m[r]![c]!;
    t.push(row);
  }
  return t;
}

/**
 * Every step, rewritten as C[m][n] = sum_k A[m][k] * Bt[n][k] (A is M x K,
 * Bt is N x K), so the inner loop is a dot product of two contiguous rows.
 */
interface DotForm {
  A: number[][];
  Bt: number[][];
  maxA: number;
  maxB: number;
}

function fpForm(X: number[][], W: number[][]): DotForm {
  const x = checkMatrix('X', X, 'batch', 'din');
  const w = checkMatrix('W', W, 'dout', 'din');
  requireSame('din', 'W', w.cols, 'columns', 'X', x.cols, 'columns');
  return { A: X, Bt: W, maxA: x.maxAbs, maxB: w.maxAbs };
}

function bpForm(dY: number[][], W: number[][]): DotForm {
  const dy = checkMatrix('dY', dY, 'batch', 'dout');
  const w = checkMatrix('W', W, 'dout', 'din');
  requireSame('dout', 'W', w.rows, 'rows', 'dY', dy.cols, 'columns');
  return { A: dY, Bt: transpose(W), maxA: dy.maxAbs, maxB: w.maxAbs };
}

function wgForm(dY: number[][], X: number[][]): DotForm {
  const dy = checkMatrix('dY', dY, 'batch', 'dout');
  const x = checkMatrix('X', X, 'batch', 'din');
  requireSame('batch', 'X', x.rows, 'rows', 'dY', dy.rows, 'rows');
  return { A: transpose(dY), Bt: transpose(X), maxA: dy.maxAbs, maxB: x.maxAbs };
}

function dotForm(step: Step, ops: Operands): DotForm {
  switch (step) {
    case 'fp':
      return fpForm(ops.X, ops.W);
    case 'bp':
      return bpForm(ops.dY, ops.W);
    case 'wg':
      return wgForm(ops.dY, ops.X);
    default:
      throw new RangeError(`unknown step ${String(step)}`);
  }
}

const TWO_53 = 2n ** 53n;

function gemm({ A, Bt, maxA, maxB }: DotForm, accBits: number): bigint[][] {
  checkAccBits(accBits);
  const M = A.length;
  const N = Bt.length;
  const K = A[0]!.length;
  const C: bigint[][] = [];

  // Every partial sum is bounded by K * maxA * maxB. If that is <= 2^53, each
  // product and each partial sum is an integer a double holds exactly, so
  // float accumulation is exact. (The bound is computed in BigInt so that the
  // check itself cannot round.)
  const exactInFloat = BigInt(K) * BigInt(maxA) * BigInt(maxB) <= TWO_53;

  if (exactInFloat) {
    for (let m = 0; m < M; m++) {
      const a = A[m]!;
      const out = new Array<bigint>(N);
      for (let n = 0; n < N; n++) {
        const b = Bt[n]!;
        let s = 0;
        for (let k = 0; k < K; k++) s += a[k]! * b[k]!;
        out[n] = BigInt.asIntN(accBits, BigInt(s));
      }
      C.push(out);
    }
    return C;
  }

  // Wide operands or very long K: accumulate exactly in BigInt.
  const Ab = A.map((row) => row.map((v) => BigInt(v)));
  const Bb = Bt.map((row) => row.map((v) => BigInt(v)));
  for (let m = 0; m < M; m++) {
    const a = Ab[m]!;
    const out = new Array<bigint>(N);
    for (let n = 0; n < N; n++) {
      const b = Bb[n]!;
      let s = 0n;
      for (let k = 0; k < K; k++) s += a[k]! * b[k]!;
      out[n] = BigInt.asIntN(accBits, s);
    }
    C.push(out);
  }
  return C;
}

/** FP: Y = X * W^T, batch x dout. */
export function forward(X: number[][], W: number[][], accBits: number): bigint[][] {
  return gemm(fpForm(X, W), accBits);
}

/** BP: dX = dY * W, batch x din. */
export function backward(dY: number[][], W: number[][], accBits: number): bigint[][] {
  return gemm(bpForm(dY, W), accBits);
}

/** WG: dW = dY^T * X, dout x din. */
export function weightGradient(dY: number[][], X: number[][], accBits: number): bigint[][] {
  return gemm(wgForm(dY, X), accBits);
}

/** Runs one step; only the two tensors that step reads are used and checked. */
export function runStep(step: Step, ops: Operands, accBits: number): bigint[][] {
  return gemm(dotForm(step, ops), accBits);
}

/** The GEMM (M x K) * (K x N) that a step computes on the array. */
export function gemmShape(step: Step, dims: LayerDims): { M: number; N: number; K: number } {
  for (const key of ['batch', 'din', 'dout'] as const) {
    const v = dims[key];
    if (!Number.isSafeInteger(v) || v < 1) {
      throw new RangeError(`${key} must be a positive integer, got ${v}`);
    }
  }
  const { batch, din, dout } = dims;
  switch (step) {
    case 'fp':
      return { M: batch, N: dout, K: din };
    case 'bp':
      return { M: batch, N: din, K: dout };
    case 'wg':
      return { M: dout, N: din, K: batch };
    default:
      throw new RangeError(`unknown step ${String(step)}`);
  }
}

/** Multiply-accumulates of the dense GEMM, M * N * K. */
export function countMacs(step: Step, dims: LayerDims): number {
  const { M, N, K } = gemmShape(step, dims);
  return M * N * K;
}

/**
 * Products whose two factors are both nonzero — the MACs a zero-skipping array
 * must still perform. Each k pairs every nonzero in column k of A with every
 * nonzero in column k of Bt, so the count is sum_k nnzA[k] * nnzB[k].
 */
export function countEffectualMacs(step: Step, ops: Operands): number {
  const { A, Bt } = dotForm(step, ops);
  const K = A[0]!.length;
  const nnzColumns = (m: number[][]): number[] => {
    const counts = new Array<number>(K).fill(0);
    for (const row of m) {
      for (let k = 0; k < K; k++) if (row[k] !== 0) counts[k]!++;
    }
    return counts;
  };
  const nnzA = nnzColumns(A);
  const nnzB = nnzColumns(Bt);
  let total = 0;
  for (let k = 0; k < K; k++) total += nnzA[k]! * nnzB[k]!;
  return total;
}
