/**
 * The closed form of docs/memory-system.md ("End-to-end cycle model") against
 * the register-level replay generator/golden/system-cycles.ts, where it
 * applies (the fetch over before the first load's beats, no DMA stall); the
 * replay itself is checked against both simulators by
 * tests/sim/system-cycles.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { elaborate } from '../../generator/elaborate/model.ts';
import { dmaLoadCycles, dmaStoreCycles } from '../../generator/golden/dma-timing.ts';
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
  it('load X, FP, READ_RESULT: P0 + sum T_i + (n - 1) + 3, with P0 = L + B + 10, dense loads d + 9 + DimBits, computes c + 7 and a store after one d', () => {
    const rng = makeRng(21);
    for (let i = 0; i < 100; i++) {
      const latency = rng.nextInt(20, 40);
      const batch = rng.nextInt(1, 4);
      const din = rng.nextInt(64, 200);
      const dout = rng.nextInt(8, 40);
      // long enough for the READ_RESULT's checks to finish under it
      const compute = rng.nextInt(60, 500);
      const dims = { batch, din, dout };
      const loadX = { op: 'loadX' as const, dims, addr: 8 * rng.nextInt(512, 4000), stride: din + rng.nextInt(0, 9) };
      // the result's rows start on a beat, so that no store segment straddles two beats
      const resultStride = 8 * Math.ceil(dout / 2) + 8 * rng.nextInt(0, 3);
      const resultAddr = 8 * rng.nextInt(4096, 10000);
      const program: SystemCommand[] = [
        { descriptor: loadX },
        { descriptor: { op: 'fp', dims }, coreCycles: compute },
        { descriptor: { op: 'readResult', dims, addr: resultAddr, stride: resultStride, irq: true } },
      ];
      const t = systemCycles(M, program, { latency });
      const label = JSON.stringify({ latency, dims });
      const B = 512 / 64;
      const p0 = latency + B + 10;
      // segments of two elements (loadLanes = storeLanes = 2, blocks and result words 2 wide)
      const load = dmaLoadCycles(M, { ...loadX, rows: batch, cols: din, compressed: false, bytes: 0, blockCols: 2 }, latency);
      const loadSegments = batch * Math.ceil(din / 2);
      expect(load.done, label).toBe(latency + 10 + loadSegments);
      // the store: its core cycles (the read port's, waiting on the engine: its segments and stalls,
      // checked against both simulators in tests/sim/system-cycles.test.ts) plus the done's 4 edges
      const storeDone = t.coreCycles[2] + 4;
      const store = dmaStoreCycles(M, { addr: resultAddr, rows: batch, cols: dout, stride: resultStride }, 1);
      expect(Math.abs(t.coreCycles[2] - (store.last + 2)), label).toBeLessThanOrEqual(1);
      // the READ_RESULT is popped and checked while the compute runs (in the background): it is issued
      // the edge after the compute's done (c + 7 from the compute's issue), and its T is the store alone
      const T = [load.done + 9 + M.dimBits, compute + 7, storeDone];
      expect(t.descriptors[0].pop, label).toBe(p0);
      expect(t.endToEndCycles, label).toBe(p0 + T[0] + T[1] + T[2] + 2 + 3);
      expect(t.coreCycles.slice(0, 2), label).toEqual([latency + loadSegments + 10, compute]);
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
