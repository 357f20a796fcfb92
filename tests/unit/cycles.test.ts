/**
 * The zero-skipping core's cycle model (generator/golden/cycles.ts) on cases
 * worked out by hand: per-engine times, the pass schedule, and the dispatcher
 * that picks the dense or the sparse model.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { coreShape, elaborate } from '../../generator/elaborate/model.ts';
import { engineTimes, predictComputeCycles, sparseComputeCycles, sparseOperand, type SparseShape } from '../../generator/golden/cycles.ts';
import { makeOperands } from '../../generator/commands/simulate.ts';
import { validateSpecObject } from '../../generator/spec/load.ts';
import type { LayerDims, Step } from '../../generator/types.ts';

const dims = (batch: number, din: number, dout: number): LayerDims => ({ batch, din, dout });
const STEPS: Step[] = ['fp', 'bp', 'wg'];
const zeros = (rows: number, cols: number): number[][] => Array.from({ length: rows }, () => new Array<number>(cols).fill(0));
const ones = (rows: number, cols: number): number[][] => Array.from({ length: rows }, () => new Array<number>(cols).fill(1));
/** A row of length K with nonzeros (value 3) at the given positions. */
function rowWith(K: number, nonzeros: number[]): number[] {
  const row = new Array<number>(K).fill(0);
  for (const k of nonzeros) row[k] = 3;
  return row;
}

const shape = (rows: number, cols: number, scanWidth: number, chunkDepth: number, plainGather = false): SparseShape => ({
  rows,
  cols,
  plainGather,
  scanWidth,
  chunkDepth,
});

describe('engineTimes', () => {
  it('an all-zero row costs one cycle per word: K = 20, scan width 8 -> 3 cycles per row', () => {
    // words cover k 0-7, 8-15 and 16-19
    expect(engineTimes(shape(1, 8, 8, 64), zeros(1, 20), 20)).toEqual([[3]]);
    // 4 rows on 2 engines: two rows each
    expect(engineTimes(shape(2, 8, 8, 64), zeros(4, 20), 20)).toEqual([[6, 6]]);
  });

  it('a word costs max(1, nonzeros): one nonzero per word is as cheap as none', () => {
    const s = shape(1, 8, 8, 64);
    expect(engineTimes(s, [rowWith(24, [3, 8, 23])], 24)).toEqual([[3]]);
    expect(engineTimes(s, [rowWith(24, [0, 7, 9, 15, 16, 23])], 24)).toEqual([[6]]);
    // two nonzeros in the first word, none in the others: 2 + 1 + 1
    expect(engineTimes(s, [rowWith(24, [1, 2])], 24)).toEqual([[4]]);
    // dense: one cycle per element
    expect(engineTimes(s, ones(1, 24), 24)).toEqual([[24]]);
    // negative values are nonzeros too
    expect(engineTimes(s, [[-1, -128, 0, 0, 0, 0, 0, 0]], 8)).toEqual([[2]]);
  });

  it('lanes past K do not count', () => {
    const s = shape(1, 8, 8, 64);
    // dense K = 20: 8 + 8 + 4, not 24
    expect(engineTimes(s, ones(1, 20), 20)).toEqual([[20]]);
    // elements past K (here k = 20..23) are ignored even when nonzero
    expect(engineTimes(s, [rowWith(24, [20, 21, 22, 23])], 20)).toEqual([[3]]);
    expect(engineTimes(s, ones(1, 24), 20)).toEqual([[20]]);
  });

  it('row m goes to engine m mod R; engines without rows take 0 cycles', () => {
    // row m has m + 1 nonzeros in its single word (K = 8)
    const A = Array.from({ length: 7 }, (_, m) =>
      rowWith(
        8,
        Array.from({ length: m + 1 }, (_, k) => k),
      ),
    );
    // engine 0: rows 0, 3, 6 -> 1 + 4 + 7; engine 1: rows 1, 4 -> 2 + 5; engine 2: rows 2, 5 -> 3 + 6
    expect(engineTimes(shape(3, 8, 8, 64), A, 8)).toEqual([[12, 7, 9]]);
    // M < R
    expect(engineTimes(shape(4, 8, 8, 64), A.slice(0, 2), 8)).toEqual([[1, 2, 0, 0]]);
  });

  it('splits K into chunks of chunkDepth: scan width 4, chunk depth 8, K = 20 -> chunks of 8, 8, 4', () => {
    const s = shape(2, 4, 4, 8);
    // row 0 dense: 8, 8, 4
    // row 1: nonzeros at 0, 1, 2 (word 0) and 9 (word 2): chunk 0 = 3 + 1, chunk 1 = 1 + 1, chunk 2 = 1
    // row 2 (engine 0 again): all zero: 2, 2, 1
    const A = [ones(1, 20)[0], rowWith(20, [0, 1, 2, 9]), zeros(1, 20)[0]];
    expect(engineTimes(s, A, 20)).toEqual([
      [8 + 2, 4],
      [8 + 2, 2],
      [4 + 1, 1],
    ]);
  });
});

describe('sparseOperand', () => {
  const X = [
    [1, 2, 3],
    [4, 5, 6],
  ];
  const dY = [
    [7, 8],
    [9, 10],
  ];
  it('is X for FP, dY for BP and dY transposed for WG', () => {
    expect(sparseOperand('fp', { X, dY })).toBe(X);
    expect(sparseOperand('bp', { X, dY })).toBe(dY);
    expect(
      sparseOperand('wg', {
        X,
        dY: [
          [1, 2, 3],
          [4, 5, 6],
        ],
      }),
    ).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    expect(sparseOperand('wg', { X, dY: [] })).toEqual([]);
  });
});

describe('sparseComputeCycles', () => {
  // 2 x 2 array, scan width 2, chunk depth 4. FP with batch 3, din 6, dout 3:
  // M = 3, N = 3, K = 6 -> ceil(3/2) = 2 column tiles, ceil(6/4) = 2 chunks (4 rows, then 2): P = 4 passes
  // p0 = (kc 0, nt 0), p1 = (kc 0, nt 1), p2 = (kc 1, nt 0), p3 = (kc 1, nt 1).
  const s = shape(2, 2, 2, 4);
  const d = dims(3, 6, 3);
  const X = [
    [1, 0, 0, 0, 5, 5], // words [1 0] [0 0] | [5 5]  -> chunk 0: 1 + 1 = 2, chunk 1: 2
    [2, 3, 4, 0, 0, 0], // words [2 3] [4 0] | [0 0]  -> chunk 0: 2 + 1 = 3, chunk 1: 1
    [0, 0, 0, 0, 0, 0], // words [0 0] [0 0] | [0 0]  -> chunk 0: 1 + 1 = 2, chunk 1: 1
  ];
  const ops = { X, dY: zeros(3, 3) };

  it('engine times of the worked example', () => {
    // engine 0 has rows 0 and 2, engine 1 row 1
    expect(engineTimes(s, X, 6)).toEqual([
      [2 + 2, 3],
      [2 + 1, 1],
    ]);
  });

  it('follows the schedule in the comment (transposable W: D_p = chunk rows)', () => {
    // max T: chunk 0 -> 4, chunk 1 -> 3; D: chunk 0 -> 4, chunk 1 -> 2
    // f0 = 1; S_p = max(f_p + D_p + 2, S_(p-1) + max T_(p-1) + 3); f_(p+1) = max(f_p + D_p + 2, S_p + 1)
    // S0 = f0 + 4 + 2 (no earlier pass)                                = 7;  f1 = max(7, S0 + 1)  = 8
    // S1 = max(f1 + 4 + 2, S0 + 4 + 3)     = max(14, 14)              = 14; f2 = max(14, 15)     = 15
    // S2 = max(f2 + 2 + 2, S1 + 4 + 3)     = max(19, 21)              = 21; f3 = max(19, 22)     = 22
    // S3 = max(f3 + 2 + 2, S2 + 3 + 3)     = max(26, 27)              = 27
    // cycles = S3 + max T of p3 + 6        = 27 + 3 + 6               = 36
    expect(sparseComputeCycles(s, 'fp', d, ops)).toBe(36);
  });

  it('a plain weight buffer gathers in FP: D_p = chunk rows x C', () => {
    const plain = { ...s, plainGather: true };
    // D: chunk 0 -> 8, chunk 1 -> 4
    // S0 = 1 + 8 + 2 = 11;                f1 = max(11, 12) = 12
    // S1 = max(12 + 8 + 2, 11 + 4 + 3)    = max(22, 18) = 22; f2 = max(22, 23) = 23
    // S2 = max(23 + 4 + 2, 22 + 4 + 3)    = max(29, 29) = 29; f3 = max(29, 30) = 30
    // S3 = max(30 + 4 + 2, 29 + 3 + 3)    = max(36, 35) = 36
    // cycles = 36 + 3 + 6 = 45
    expect(sparseComputeCycles(plain, 'fp', d, ops)).toBe(45);
    // BP does not gather: the same as the transposable buffer
    expect(sparseComputeCycles(plain, 'bp', d, ops)).toBe(sparseComputeCycles(s, 'bp', d, ops));
  });

  it('one pass: D + 2 to fill, then the slowest engine, then 6', () => {
    // 1 x 1 array, scan 8, chunk 64; FP batch 2, din 5, dout 1: one chunk (5 rows), one tile
    // engine 0: row 0 dense (5), row 1 all zero (1 word) -> T = 6
    // S0 = 1 + 5 + 2 = 8; cycles = 8 + 6 + 6 = 20
    const X1 = [ones(1, 5)[0], zeros(1, 5)[0]];
    expect(sparseComputeCycles(shape(1, 1, 8, 64), 'fp', dims(2, 5, 1), { X: X1, dY: zeros(2, 1) })).toBe(20);
  });

  it('BP reads dY by rows and WG by columns', () => {
    // 2 x 2, scan 2, chunk 4; batch 2, din 2, dout 3.
    // dY = [[1, 1, 1], [0, 0, 0]]
    // BP: A = dY (2 x 3), K = 3, N = din = 2 -> one chunk of 3 rows, one tile
    //   engine 0 row 0: words [1 1] [1] -> 2 + 1 = 3; engine 1 row 1: [0 0] [0] -> 2; T = 3
    //   S0 = 1 + 3 + 2 = 6; cycles = 6 + 3 + 6 = 15
    // WG: A = dY^T (3 x 2), K = batch = 2, N = din = 2 -> one chunk of 2 rows, one tile
    //   rows [1 0], [1 0], [1 0]: engine 0 rows 0, 2 -> 2, engine 1 row 1 -> 1; T = 2
    //   S0 = 1 + 2 + 2 = 5; cycles = 5 + 2 + 6 = 13
    const opsBW = {
      X: ones(2, 2),
      dY: [
        [1, 1, 1],
        [0, 0, 0],
      ],
    };
    expect(sparseComputeCycles(shape(2, 2, 2, 4), 'bp', dims(2, 2, 3), opsBW)).toBe(15);
    expect(sparseComputeCycles(shape(2, 2, 2, 4), 'wg', dims(2, 2, 3), opsBW)).toBe(13);
  });

  it('zeros never cost more than nonzeros', () => {
    const s8 = shape(8, 8, 8, 64);
    const d8 = dims(16, 40, 24);
    for (const step of STEPS) {
      const dense = sparseComputeCycles(s8, step, d8, { X: ones(16, 40), dY: ones(16, 24) });
      const empty = sparseComputeCycles(s8, step, d8, { X: zeros(16, 40), dY: zeros(16, 24) });
      expect(empty).toBeLessThan(dense);
    }
  });
});

describe('predictComputeCycles', () => {
  const model = (spec: Record<string, unknown>) => elaborate(validateSpecObject(spec, 'test'));
  const dense = coreShape(model({ name: 'd' }));
  const sparse = coreShape(model({ name: 's', sparsity: { skipZeros: true } }));
  const d = dims(16, 24, 40);
  const ops = { X: zeros(16, 24), dY: zeros(16, 40) };

  it('uses the dense model without core.sparse and the sparse model with it', () => {
    // dense 8 x 8, batch 16, din 24, dout 40: FP M 16 N 40 K 24 -> 10 tiles of 24: 9 * 24 + 24 + 8 + 3 + 15
    // (the systolic array's latency); BP M 16 N 24 K 40 -> 6 tiles of 40: 5 * 40 + 40 + 26; WG M 40 N 24 K 16
    // -> 15 tiles of 16: 14 * 16 + 16 + 26
    for (const step of STEPS) expect(predictComputeCycles(dense, step, d, ops), step).toBe(266);
    // sparse 8 x 8 (scan 8, chunk 64), FP with X all zero: one chunk of D = 24 B rows, 5 column tiles -> 5 passes;
    // each engine owns 2 rows of 3 zero words: T = 6. f0 = 1, S0 = 1 + 24 + 2 = 27, and every later pass waits
    // for its fill (f_(p+1) = S_p + 1, S_(p+1) = f_(p+1) + 26): S1 = 54, S2 = 81, S3 = 108, S4 = 135; 135 + 6 + 6
    expect(predictComputeCycles(sparse, 'fp', d, ops)).toBe(147);
    for (const step of STEPS) {
      expect(predictComputeCycles(sparse, step, d, ops), step).toBe(sparseComputeCycles({ ...sparse, ...sparse.sparse! }, step, d, ops));
    }
    // all zero operands: the dense model does not care, the sparse one does
    expect(predictComputeCycles(dense, 'fp', d, ops)).toBe(predictComputeCycles(dense, 'fp', d, { X: ones(16, 24), dY: ones(16, 40) }));
    expect(predictComputeCycles(sparse, 'fp', d, ops)).not.toBe(
      predictComputeCycles(sparse, 'fp', d, { X: ones(16, 24), dY: ones(16, 40) }),
    );
  });

  it('passes the plain weight buffer to the sparse model', () => {
    const plain = coreShape(model({ name: 'p', buffers: { transposable: false }, sparsity: { skipZeros: true } }));
    expect(plain.plainGather).toBe(true);
    expect(predictComputeCycles(plain, 'fp', d, ops)).toBeGreaterThan(predictComputeCycles(sparse, 'fp', d, ops));
    expect(predictComputeCycles(plain, 'bp', d, ops)).toBe(predictComputeCycles(sparse, 'bp', d, ops));
  });
});

describe('transposed WG on square zero-skipping cores', () => {
  it('walks the columns of X as A, with the dout outputs as its columns', async () => {
    const { sparseWork, sparseComputeCycles } = await import('../../generator/golden/cycles.ts');
    const X = [
      [0, 3, 0],
      [0, 0, 0],
    ];
    const dY = [
      [1, 2],
      [3, 4],
    ];
    const dims = { batch: 2, din: 3, dout: 2 };
    const core = { rows: 1, cols: 1, plainGather: false, sparse: { scanWidth: 8, chunkDepth: 64, wgTransposed: true } };
    // A = X^T (3 x 2) has 1 nonzero; each feeds dout = 2 outputs; (3 * 2 - 1) * 2 products skipped
    expect(sparseWork(core, 'wg', dims, { X, dY })).toEqual({ nonzeros: 1, outputsPerValue: 2, skipped: 10 });
    // 1 x 1 array: passes = 1 chunk x 2 column tiles; each engine pass walks 3 rows of one word:
    // max(1, nonzeros) = 1 + 1 + 1 = 3 cycles; fill = 2 B rows.
    // f0 = 1; S0 = max(1 + 2 + 2, 0) = 5; f1 = max(5, 6) = 6; S1 = max(6 + 2 + 2, 5 + 3 + 3) = 11; cycles = 11 + 3 + 6 = 20
    expect(sparseComputeCycles({ ...core, ...core.sparse }, 'wg', dims, { X, dY })).toBe(20);
  });
});

describe('zero-skipping against dense at 64 x 64 x 64 on 8 x 8 (issue 8)', () => {
  // the ratios the README's bench table had before the engine was pipelined (specs/sparse.json, seed 1);
  // the pipeline's latency may move them by at most 0.02
  const BEFORE: Record<number, Record<Step, number>> = {
    0.5: { fp: 0.541, bp: 0.546, wg: 0.556 },
    0.2: { fp: 0.254, bp: 0.258, wg: 0.264 },
  };
  const model = elaborate(
    validateSpecObject(JSON.parse(readFileSync(new URL('../../specs/sparse.json', import.meta.url), 'utf8')), 'sparse'),
  );
  const sparse = coreShape(model);
  const dense = { ...sparse, sparse: undefined };
  const d = dims(64, 64, 64);

  it.each([0.5, 0.2])('density %s: each step within 0.02 of its ratio before', (density) => {
    const ops = makeOperands(d, model.opBits, density, 1);
    for (const step of STEPS) {
      const ratio = predictComputeCycles(sparse, step, d, ops) / predictComputeCycles(dense, step, d, ops);
      expect(Math.abs(ratio - BEFORE[density][step]), `${step}: ${ratio.toFixed(3)}`).toBeLessThanOrEqual(0.02);
    }
  });
});
