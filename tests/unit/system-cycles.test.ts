/**
 * The closed form of docs/memory-system.md ("End-to-end cycle model") against
 * the register-level replay generator/golden/system-cycles.ts, where it
 * applies (the fetch over before the first load's beats, no DMA stall); the
 * replay itself is checked against both simulators by
 * tests/sim/system-cycles.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { elaborate } from '../../generator/elaborate/model.ts';
import { dmaLoadCycles } from '../../generator/golden/dma-timing.ts';
import { makeRng } from '../../generator/golden/rng.ts';
import { systemCycles, type SystemCommand } from '../../generator/golden/system-cycles.ts';
import { validateSpecObject } from '../../generator/spec/load.ts';

const M = elaborate(
  validateSpecObject(
    {
      name: 'e2e',
      array: { rows: 2, cols: 2 },
      numeric: { operandBits: 8, accumulatorBits: 32 },
      memory: { dataBits: 64, outstandingReads: 4, maxBurst: 16, queueDepth: 16 },
    },
    'e2e test spec',
  ),
);

describe('end-to-end closed form', () => {
  it('load X, FP, READ_RESULT: P0 + sum T_i + (n - 1) + 3, with P0 = L + B + 10, dense loads and stores d + 9 + DimBits, computes c + 6', () => {
    const rng = makeRng(21);
    for (let i = 0; i < 100; i++) {
      const latency = rng.nextInt(20, 40);
      const batch = rng.nextInt(1, 4);
      const din = rng.nextInt(64, 200);
      const dout = rng.nextInt(8, 40);
      const compute = rng.nextInt(1, 500);
      const dims = { batch, din, dout };
      const loadX = { op: 'loadX' as const, dims, addr: 8 * rng.nextInt(512, 4000), stride: din + rng.nextInt(0, 9) };
      const program: SystemCommand[] = [
        { descriptor: loadX },
        { descriptor: { op: 'fp', dims }, coreCycles: compute },
        { descriptor: { op: 'readResult', dims, addr: 4 * rng.nextInt(8192, 20000), stride: 4 * dout + 4 * rng.nextInt(0, 3), irq: true } },
      ];
      const t = systemCycles(M, program, { latency });
      const label = JSON.stringify({ latency, dims });
      const B = 512 / 64;
      const p0 = latency + B + 10;
      const load = dmaLoadCycles(M, { ...loadX, rows: batch, cols: din, compressed: false, bytes: 0 }, latency);
      expect(load.done, label).toBe(latency + 10 + batch * din);
      const N = batch * dout;
      const storeDone = N + 6 + 1;
      const T = [load.done + 9 + M.dimBits, compute + 6, storeDone + 9 + M.dimBits];
      expect(t.descriptors[0].pop, label).toBe(p0);
      expect(t.endToEndCycles, label).toBe(p0 + T[0] + T[1] + T[2] + 2 + 3);
      expect(t.coreCycles, label).toEqual([latency + batch * din + 10, compute, N + 3]);
    }
  });

  it('a load whose beats queue behind the fetch (latency 1) starts later than the closed form says', () => {
    const dims = { batch: 2, din: 64, dout: 8 };
    // a program long enough that its fetch (one request, 12 x 8 beats) still streams when the load asks
    const program: SystemCommand[] = [
      { descriptor: { op: 'loadX', dims, addr: 8192, stride: 64 } },
      ...Array.from({ length: 10 }, (): SystemCommand => ({ descriptor: { op: 'fp', dims }, coreCycles: 50 })),
      { descriptor: { op: 'readResult', dims, addr: 16384, stride: 32, irq: true } },
    ];
    const t = systemCycles(M, program, { latency: 1 });
    // the closed form's load would take 1 + 128 + 10 core cycles
    expect(t.coreCycles[0]).toBeGreaterThan(1 + 128 + 10);
  });
});
