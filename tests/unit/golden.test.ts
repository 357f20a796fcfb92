import { describe, it, expect } from 'vitest';
import { makeRng } from '../../generator/golden/rng.ts';
import { randomMatrix, extremeMatrix } from '../../generator/golden/operands.ts';
import {
  wrapSigned,
  forward,
  backward,
  weightGradient,
  runStep,
  gemmShape,
  countMacs,
  countEffectualMacs,
} from '../../generator/golden/gemm.ts';
import { scaleSimOs, scaleSimWs } from '../../generator/golden/scalesim.ts';
import type { Step } from '../../generator/types.ts';

// ---------------------------------------------------------------------------
// Independent naive reference: explicit transposes built element by element,
// then a textbook triple loop in BigInt that wraps after every addition
// (BigInt.asIntN, not the golden model's own wrapSigned).
// ---------------------------------------------------------------------------

function naiveTranspose(m: number[][]): number[][] {
  const t: number[][] = [];
  for (let c = 0; c < m[0]!.length; c++) {
    t.push([]);
    for (let r = 0; r < m.length; r++) t[c]!.push(m[r]![c]!);
  }
  return t;
}

/** C = A * B with A M x K, B K x N. */
function naiveMatmul(A: number[][], B: number[][], accBits: number): bigint[][] {
  const M = A.length;
  const K = B.length;
  const N = B[0]!.length;
  const C: bigint[][] = [];
  for (let i = 0; i < M; i++) {
    C.push([]);
    for (let j = 0; j < N; j++) {
      let acc = 0n;
      for (let k = 0; k < K; k++) {
        acc = BigInt.asIntN(accBits, acc + BigInt(A[i]![k]!) * BigInt(B[k]![j]!));
      }
      C[i]!.push(acc);
    }
  }
  return C;
}

function naiveStep(step: Step, X: number[][], W: number[][], dY: number[][], accBits: number) {
  if (step === 'fp') return naiveMatmul(X, naiveTranspose(W), accBits);
  if (step === 'bp') return naiveMatmul(dY, W, accBits);
  return naiveMatmul(naiveTranspose(dY), X, accBits);
}

function naiveEffectual(step: Step, X: number[][], W: number[][], dY: number[][]): number {
  const [A, B] = step === 'fp' ? [X, naiveTranspose(W)] : step === 'bp' ? [dY, W] : [naiveTranspose(dY), X];
  let n = 0;
  for (let i = 0; i < A.length; i++)
    for (let j = 0; j < B[0]!.length; j++) for (let k = 0; k < B.length; k++) if (A[i]![k] !== 0 && B[k]![j] !== 0) n++;
  return n;
}

const STEPS: Step[] = ['fp', 'bp', 'wg'];

function stepFn(step: Step, X: number[][], W: number[][], dY: number[][], accBits: number) {
  if (step === 'fp') return forward(X, W, accBits);
  if (step === 'bp') return backward(dY, W, accBits);
  return weightGradient(dY, X, accBits);
}

// ---------------------------------------------------------------------------

describe('golden GEMMs against the naive reference', () => {
  // [batch, din, dout]: 1x1, odd/prime sizes, non-multiples of 8, and a long K
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [5, 13, 7],
    [7, 5, 13],
    [13, 7, 5],
    [1, 9, 3],
    [3, 1, 9],
    [9, 3, 1],
    [8, 8, 8],
    [10, 17, 6],
    [2, 100, 3],
  ];
  const bitsList = [2, 4, 8, 16];
  const accList = [8, 32, 64];
  const densities = [1, 0.5, 0.1];

  for (const bits of bitsList) {
    for (const accBits of accList) {
      it(`operands ${bits}-bit, accumulator ${accBits}-bit`, () => {
        let seed = bits * 1000 + accBits;
        for (const [batch, din, dout] of shapes) {
          for (const density of densities) {
            seed++;
            const rng = makeRng(seed);
            const X = randomMatrix(rng, batch, din, bits, density);
            const W = randomMatrix(rng, dout, din, bits, density);
            const dY = randomMatrix(rng, batch, dout, bits, density);
            for (const step of STEPS) {
              const msg = `seed=${seed} step=${step} batch=${batch} din=${din} dout=${dout} bits=${bits} accBits=${accBits} density=${density}`;
              const expected = naiveStep(step, X, W, dY, accBits);
              expect(stepFn(step, X, W, dY, accBits), msg).toEqual(expected);
              expect(runStep(step, { X, W, dY }, accBits), msg).toEqual(expected);
              expect(countEffectualMacs(step, { X, W, dY }), msg).toBe(naiveEffectual(step, X, W, dY));
            }
          }
        }
      });
    }
  }

  it('wide operands take the BigInt path and still match (32-bit operands)', () => {
    for (const seed of [1, 2, 3]) {
      const rng = makeRng(seed);
      const X = randomMatrix(rng, 4, 11, 32, 0.8);
      const W = randomMatrix(rng, 6, 11, 32, 0.8);
      const dY = randomMatrix(rng, 4, 6, 32, 0.8);
      for (const accBits of [8, 32, 64]) {
        for (const step of STEPS) {
          expect(runStep(step, { X, W, dY }, accBits), `seed=${seed} step=${step} accBits=${accBits}`).toEqual(
            naiveStep(step, X, W, dY, accBits),
          );
        }
      }
    }
  });

  it('is exact on both sides of the 2^53 fast-path bound', () => {
    // 27-bit minimum is -2^26, so each product is 2^52. K = 2 sums to exactly
    // 2^53 (float path); K = 3 sums to 3 * 2^52 (BigInt path).
    for (const K of [1, 2, 3, 5]) {
      const X = extremeMatrix(2, K, 27, 'min');
      const W = extremeMatrix(3, K, 27, 'min');
      const Y = forward(X, W, 64);
      expect(Y[0]![0], `K=${K}`).toBe(BigInt(K) * 2n ** 52n);
      expect(Y, `K=${K}`).toEqual(naiveStep('fp', X, W, [[0]], 64));
    }
  });
});

describe('hand-computed 2x2 cases', () => {
  // batch = din = dout = 2
  const X = [
    [1, 2],
    [3, 4],
  ];
  const W = [
    [5, -6],
    [7, 8],
  ];
  const dY = [
    [-1, 2],
    [3, -4],
  ];

  it('forward: Y = X * W^T', () => {
    // Y[b][o] = sum_i X[b][i] * W[o][i]
    // [1*5 + 2*-6, 1*7 + 2*8] = [-7, 23]; [3*5 + 4*-6, 3*7 + 4*8] = [-9, 53]
    expect(forward(X, W, 32)).toEqual([
      [-7n, 23n],
      [-9n, 53n],
    ]);
  });

  it('backward: dX = dY * W', () => {
    // dX[b][i] = sum_o dY[b][o] * W[o][i]
    // [-1*5 + 2*7, -1*-6 + 2*8] = [9, 22]; [3*5 + -4*7, 3*-6 + -4*8] = [-13, -50]
    expect(backward(dY, W, 32)).toEqual([
      [9n, 22n],
      [-13n, -50n],
    ]);
  });

  it('weightGradient: dW = dY^T * X', () => {
    // dW[o][i] = sum_b dY[b][o] * X[b][i]
    // [-1*1 + 3*3, -1*2 + 3*4] = [8, 10]; [2*1 + -4*3, 2*2 + -4*4] = [-10, -12]
    expect(weightGradient(dY, X, 32)).toEqual([
      [8n, 10n],
      [-10n, -12n],
    ]);
  });

  it('a non-square case: batch 1, din 3, dout 2', () => {
    const x = [[1, -2, 3]];
    const w = [
      [1, 1, 1],
      [2, 0, -1],
    ];
    const dy = [[10, -1]];
    expect(forward(x, w, 16)).toEqual([[2n, -1n]]); // [1-2+3, 2+0-3]
    expect(backward(dy, w, 16)).toEqual([[8n, 10n, 11n]]); // [10-2, 10+0, 10+1]
    expect(weightGradient(dy, x, 16)).toEqual([
      [10n, -20n, 30n],
      [-1n, 2n, -3n],
    ]);
  });

  it('wraps a small sum in an 8-bit accumulator', () => {
    // 100*1 + 100*1 = 200, and 200 - 256 = -56
    expect(forward([[100, 100]], [[1, 1]], 8)).toEqual([[-56n]]);
  });
});

describe('most-negative operands', () => {
  it('(-128) * (-128) * K wraps correctly in a 16-bit accumulator', () => {
    // each product is +16384 = 2^14; the 16-bit signed range is [-32768, 32767]
    //   K=1: 16384                    -> 16384
    //   K=2: 32768 = 2^15             -> 32768 - 65536 = -32768
    //   K=3: 49152                    -> 49152 - 65536 = -16384
    //   K=4: 65536 = 2^16             -> 0
    //   K=5: 81920                    -> 81920 - 65536 = 16384
    //   K=7: 114688                   -> 114688 - 131072 = -16384
    const expected: Record<number, bigint> = {
      1: 16384n,
      2: -32768n,
      3: -16384n,
      4: 0n,
      5: 16384n,
      7: -16384n,
    };
    for (const [kStr, want] of Object.entries(expected)) {
      const K = Number(kStr);
      // FP reduces over din, BP over dout, WG over batch: make each one K long.
      const fp = forward(extremeMatrix(2, K, 8, 'min'), extremeMatrix(3, K, 8, 'min'), 16);
      const bp = backward(extremeMatrix(2, K, 8, 'min'), extremeMatrix(K, 3, 8, 'min'), 16);
      const wg = weightGradient(extremeMatrix(K, 2, 8, 'min'), extremeMatrix(K, 3, 8, 'min'), 16);
      for (const [name, out, rows, cols] of [
        ['fp', fp, 2, 3],
        ['bp', bp, 2, 3],
        ['wg', wg, 2, 3],
      ] as const) {
        expect(out.length, `${name} K=${K}`).toBe(rows);
        for (const row of out) {
          expect(row.length, `${name} K=${K}`).toBe(cols);
          for (const v of row) expect(v, `${name} K=${K}`).toBe(want);
        }
      }
    }
  });

  it('most-positive times most-negative: 127 * -128 * 3 in 16 bits', () => {
    // -16256 * 3 = -48768 -> -48768 + 65536 = 16768
    const Y = forward(extremeMatrix(1, 3, 8, 'max'), extremeMatrix(1, 3, 8, 'min'), 16);
    expect(Y).toEqual([[16768n]]);
  });
});

describe('shape validation', () => {
  const X = [[1, 2, 3]];
  it('names the tensor and the dimension on a mismatch', () => {
    expect(() => forward(X, [[1, 2]], 32)).toThrow(RangeError);
    expect(() => forward(X, [[1, 2]], 32)).toThrow(/din.*W.*X/);
    expect(() => backward([[1, 2]], [[1, 2, 3]], 32)).toThrow(/dout.*W.*dY/);
    expect(() => weightGradient([[1], [2]], X, 32)).toThrow(/batch.*X.*dY/);
  });
  it('rejects ragged and empty matrices, non-integers and bad accBits', () => {
    expect(() => forward([[1, 2], [3]], [[1, 2]], 32)).toThrow(/X row 1/);
    expect(() => forward([], [[1]], 32)).toThrow(/X/);
    expect(() => forward([[0.5]], [[1]], 32)).toThrow(/X\[0\]\[0\]/);
    expect(() => forward([[1]], [[1]], 3)).toThrow(RangeError);
    expect(() => forward([[1]], [[1]], 65)).toThrow(RangeError);
  });
});

describe('gemmShape and MAC counts', () => {
  const dims = { batch: 4, din: 784, dout: 64 };
  it('maps each step onto M, N, K', () => {
    expect(gemmShape('fp', dims)).toEqual({ M: 4, N: 64, K: 784 });
    expect(gemmShape('bp', dims)).toEqual({ M: 4, N: 784, K: 64 });
    expect(gemmShape('wg', dims)).toEqual({ M: 64, N: 784, K: 4 });
  });
  it('counts dense MACs as M*N*K and effectual MACs of a dense operand set as the same', () => {
    for (const step of STEPS) expect(countMacs(step, dims)).toBe(4 * 784 * 64);
    const rng = makeRng(7);
    const small = { batch: 3, din: 5, dout: 4 };
    const ops = {
      X: randomMatrix(rng, 3, 5, 8, 1),
      W: randomMatrix(rng, 4, 5, 8, 1),
      dY: randomMatrix(rng, 3, 4, 8, 1),
    };
    for (const step of STEPS) expect(countEffectualMacs(step, ops)).toBe(countMacs(step, small));
  });
  it('counts no effectual MACs when an operand is all zero', () => {
    const rng = makeRng(8);
    const ops = {
      X: randomMatrix(rng, 3, 5, 8, 0),
      W: randomMatrix(rng, 4, 5, 8, 1),
      dY: randomMatrix(rng, 3, 4, 8, 1),
    };
    expect(countEffectualMacs('fp', ops)).toBe(0);
    expect(countEffectualMacs('wg', ops)).toBe(0);
    expect(countEffectualMacs('bp', ops)).toBe(3 * 5 * 4);
  });
});

describe('randomMatrix', () => {
  const count = (m: number[][]) => m.flat().filter((v) => v !== 0).length;

  it('has exactly round(density * rows * cols) nonzeros, all in range', () => {
    for (const bits of [1, 2, 4, 8, 16, 32]) {
      for (const density of [0, 0.01, 0.25, 0.333, 0.5, 0.9, 1]) {
        const seed = bits * 100 + Math.round(density * 1000);
        const m = randomMatrix(makeRng(seed), 13, 7, bits, density);
        const msg = `seed=${seed} bits=${bits} density=${density}`;
        expect(m.length, msg).toBe(13);
        for (const row of m) expect(row.length, msg).toBe(7);
        expect(count(m), msg).toBe(Math.round(density * 91));
        for (const v of m.flat()) {
          expect(Number.isInteger(v), msg).toBe(true);
          expect(v, msg).toBeGreaterThanOrEqual(-(2 ** (bits - 1)));
          expect(v, msg).toBeLessThanOrEqual(2 ** (bits - 1) - 1);
        }
      }
    }
  });

  it('density 0 gives all zeros and density 1 gives no zeros', () => {
    expect(
      randomMatrix(makeRng(1), 6, 9, 4, 0)
        .flat()
        .every((v) => v === 0),
    ).toBe(true);
    expect(
      randomMatrix(makeRng(1), 6, 9, 4, 1)
        .flat()
        .every((v) => v !== 0),
    ).toBe(true);
  });

  it('reaches both ends of the signed range', () => {
    const values = new Set(randomMatrix(makeRng(3), 20, 20, 4, 1).flat());
    // 4-bit nonzero values: 15 of them
    expect([...values].sort((a, b) => a - b)).toEqual([-8, -7, -6, -5, -4, -3, -2, -1, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('is deterministic for a seed and differs for another seed', () => {
    const a = randomMatrix(makeRng(42), 10, 10, 8, 0.5);
    const b = randomMatrix(makeRng(42), 10, 10, 8, 0.5);
    const c = randomMatrix(makeRng(43), 10, 10, 8, 0.5);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('rejects a density outside [0, 1]', () => {
    expect(() => randomMatrix(makeRng(1), 2, 2, 8, -0.1)).toThrow(RangeError);
    expect(() => randomMatrix(makeRng(1), 2, 2, 8, 1.1)).toThrow(RangeError);
    expect(() => randomMatrix(makeRng(1), 2, 2, 8, NaN)).toThrow(RangeError);
  });

  it('extremeMatrix fills with the most negative or most positive value', () => {
    expect(extremeMatrix(2, 3, 8, 'min')).toEqual([
      [-128, -128, -128],
      [-128, -128, -128],
    ]);
    expect(extremeMatrix(1, 2, 16, 'max')).toEqual([[32767, 32767]]);
  });
});

describe('rng', () => {
  it('nextInt stays within inclusive bounds and hits both ends', () => {
    const rng = makeRng(5);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const v = rng.nextInt(-3, 3);
      expect(v).toBeGreaterThanOrEqual(-3);
      expect(v).toBeLessThanOrEqual(3);
      seen.add(v);
    }
    expect(seen.size).toBe(7);
    expect(rng.nextInt(4, 4)).toBe(4);
  });
  it('nextU32 is a 32-bit unsigned integer and the sequence is reproducible', () => {
    const a = makeRng(123);
    const b = makeRng(123);
    for (let i = 0; i < 100; i++) {
      const v = a.nextU32();
      expect(Number.isInteger(v) && v >= 0 && v < 2 ** 32).toBe(true);
      expect(b.nextU32()).toBe(v);
    }
  });
  it('rejects bad ranges', () => {
    expect(() => makeRng(1).nextInt(2, 1)).toThrow(RangeError);
    expect(() => makeRng(1).nextInt(0, 2 ** 32)).toThrow(RangeError);
  });
});

describe('wrapSigned', () => {
  it('handles the edges of the signed range', () => {
    expect(wrapSigned(127n, 8)).toBe(127n);
    expect(wrapSigned(128n, 8)).toBe(-128n);
    expect(wrapSigned(-128n, 8)).toBe(-128n);
    expect(wrapSigned(-129n, 8)).toBe(127n);
    expect(wrapSigned(255n, 8)).toBe(-1n);
    expect(wrapSigned(256n, 8)).toBe(0n);
    expect(wrapSigned(0n, 8)).toBe(0n);
    expect(wrapSigned(-1n, 4)).toBe(-1n);
    expect(wrapSigned(8n, 4)).toBe(-8n);
    expect(wrapSigned(2n ** 63n, 64)).toBe(-(2n ** 63n));
    expect(wrapSigned(2n ** 63n - 1n, 64)).toBe(2n ** 63n - 1n);
    expect(wrapSigned(2n ** 64n + 5n, 64)).toBe(5n);
    expect(wrapSigned(-(2n ** 100n) - 3n, 32)).toBe(-3n);
    expect(wrapSigned(1n, 1)).toBe(-1n);
  });
  it('rejects a non-positive width', () => {
    expect(() => wrapSigned(1n, 0)).toThrow(RangeError);
  });
});

describe('SCALE-Sim v2 formulas', () => {
  it('matches the published numbers (formula values, one more than SCALE-Sim prints)', () => {
    expect(scaleSimOs(8, 8, 64, 64, 64)).toBe(4992);
    expect(scaleSimWs(8, 8, 64, 64, 64)).toBe(5504);
    expect(scaleSimOs(8, 8, 5, 7, 13)).toBe(27);
    expect(scaleSimWs(8, 8, 5, 7, 13)).toBe(54);
  });
  it('rejects non-positive sizes', () => {
    expect(() => scaleSimOs(8, 8, 0, 1, 1)).toThrow(RangeError);
  });
});
