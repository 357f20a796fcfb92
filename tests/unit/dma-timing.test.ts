/**
 * The closed forms of docs/memory-system.md ("DMA timing") against the
 * register-level model generator/golden/dma-timing.ts, in the regimes where
 * nothing stalls (the model itself is checked against both simulators by
 * tests/sim/dma.test.ts), the segment rule, the bus rate of the issue's
 * 64 x 64 transfers, and the stalls the text names.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { elaborate } from '../../generator/elaborate/model.ts';
import { dmaLoadCycles, dmaStoreCycles, loadRowSegments, loadSegmentCount } from '../../generator/golden/dma-timing.ts';
import { makeRng } from '../../generator/golden/rng.ts';
import { chunkBytes, packZvc } from '../../generator/golden/zvc.ts';
import { validateSpecObject } from '../../generator/spec/load.ts';

const model = (numeric: object, memory: object, array = { rows: 2, cols: 2 }) =>
  elaborate(validateSpecObject({ name: 'timing', array, numeric, memory }, 'timing test spec'));

// 2 load lanes, 2 store lanes (4-byte results on a 64-bit bus)
const M = model({ operandBits: 8, accumulatorBits: 32 }, { dataBits: 64, outstandingReads: 4, maxBurst: 16, zvcChunk: 8 });

describe('DMA segments', () => {
  it('are maximal within Lanes, the row, the block and (compressed) the chunk', () => {
    const m = model({ operandBits: 8, accumulatorBits: 32 }, { zvcChunk: 3 }, { rows: 3, cols: 5 });
    expect(m.memory.loadLanes).toBe(5);
    expect(loadRowSegments(m, { cols: 17, blockCols: 7, compressed: false })).toEqual([5, 2, 5, 2, 3]);
    expect(loadRowSegments(m, { cols: 17, blockCols: 7, compressed: true })).toEqual([3, 3, 1, 2, 3, 2, 1, 2]);
    expect(loadRowSegments(m, { cols: 4, compressed: false })).toEqual([4]);
    expect(loadSegmentCount(m, { cols: 100, blockCols: 100, compressed: false }, 98)).toBe(2);
  });
});

describe('DMA timing closed forms', () => {
  it('dense load of long rows: first segment at L + 9 (L + 10 when the first beat is short of it), then one segment per edge, done_o two edges after the last', () => {
    const rng = makeRng(7);
    for (let i = 0; i < 200; i++) {
      const latency = rng.nextInt(1, 40);
      const rows = rng.nextInt(1, 6);
      const cols = rng.nextInt(64, 300);
      const blockCols = rng.nextInt(1, 2) === 1 ? cols : rng.nextInt(1, 9);
      const job = { addr: rng.nextInt(0, 100_000), rows, cols, stride: cols + rng.nextInt(0, 50), compressed: false, bytes: 0, blockCols };
      const t = dmaLoadCycles(M, job, latency);
      const segments = Array.from({ length: rows }, () => loadRowSegments(M, job)).flat();
      expect(t.segments, JSON.stringify({ job, latency })).toEqual(segments);
      // L + 10 when the first beat does not hold the first segment's bytes
      expect(t.first).toBe(latency + 9 + (8 - (job.addr % 8) < segments[0] ? 1 : 0));
      expect(t.last).toBe(t.first + segments.length - 1);
      expect(t.done).toBe(t.last + 2);
    }
  });

  it('compressed load: first segment at L + 10 when the first chunk lies in the first beat, then one per edge while the bus keeps up', () => {
    const rng = makeRng(8);
    for (let i = 0; i < 200; i++) {
      const latency = rng.nextInt(1, 40);
      const rows = rng.nextInt(1, 6);
      const cols = rng.nextInt(1, 60);
      // at most 7 nonzeros of 8 bits per chunk of 8: no chunk is longer than a beat
      const tensor = Array.from({ length: rows }, () =>
        Array.from({ length: cols }, (_, c) => (c % 8 !== 7 && rng.nextInt(0, 1) ? rng.nextInt(1, 127) : 0)),
      );
      const z = packZvc(tensor, 8, 8);
      const blockCols = rng.nextInt(1, 2) === 1 ? cols : rng.nextInt(1, 9);
      const job = { addr: 8 * rng.nextInt(0, 10_000), rows, cols, stride: 0, compressed: true, bytes: z.data.length, tensor, blockCols };
      const t = dmaLoadCycles(M, job, latency);
      const segments = Array.from({ length: rows }, () => loadRowSegments(M, job)).flat();
      expect(t.segments, JSON.stringify({ latency, rows, cols, blockCols })).toEqual(segments);
      expect(chunkBytes(Math.min(8, cols), tensor[0].slice(0, 8).filter((v) => v !== 0).length, 8)).toBeLessThanOrEqual(8);
      expect(t.first).toBe(latency + 10);
      expect(t.last).toBe(t.first + segments.length - 1);
      expect(t.done).toBe(t.last + 2);
    }
  });

  it('store of rows of two beats or more: maximal segments one per edge after the first AW, done_o 5 + D edges after the last (6 + D when it straddles two beats)', () => {
    const rng = makeRng(9);
    const E = 4;
    const lanes = M.memory.storeLanes;
    for (let i = 0; i < 200; i++) {
      const d = rng.nextInt(1, 30);
      const rows = rng.nextInt(1, 6);
      const cols = rng.nextInt(8, 100);
      const job = { addr: E * rng.nextInt(0, 100_000), rows, cols, stride: E * cols + E * rng.nextInt(0, 9) };
      const t = dmaStoreCycles(M, job, d);
      const segments = rows * Math.ceil(cols / lanes);
      expect(t.first, JSON.stringify({ job, d })).toBe(1);
      // the beats wait for the first AW (edge 5): the store's and the writer's queues and the W register fill first
      expect(t.last - t.first + 1 - segments).toBeGreaterThanOrEqual(0);
      // and a row whose last segment straddles two beats spends an edge on its second
      expect(t.last - t.first + 1 - segments).toBeLessThanOrEqual(5 + rows);
      const lastRow = (job.addr + (rows - 1) * job.stride) % 8;
      const lastCount = cols - lanes * (Math.ceil(cols / lanes) - 1);
      const slot = ((lastRow + (cols - lastCount) * E) % 8) / E;
      expect(t.done).toBe(t.last + 5 + d + (slot + lastCount > 8 / E ? 1 : 0));
    }
  });

  it('a store takes any segment counts the producer offers; one-element segments take an edge each', () => {
    const job = { addr: 4096, rows: 3, cols: 20, stride: 96 };
    const maximal = dmaStoreCycles(M, job, 1);
    const ones = dmaStoreCycles(M, job, 1, () => 1);
    expect(ones.last - ones.first + 1).toBe(60);
    expect(maximal.last - maximal.first).toBeLessThan(ones.last - ones.first);
    expect(() => dmaStoreCycles(M, job, 1, () => 3)).toThrow(/segment of 3/);
  });

  it('an element wider than the bus takes ElementBytes / dataBytes edges', () => {
    const wide = model({ operandBits: 16, accumulatorBits: 64 }, { dataBits: 32 });
    expect(wide.memory.storeLanes).toBe(1);
    const t = dmaStoreCycles(wide, { addr: 4096, rows: 3, cols: 20, stride: 160 }, 1);
    expect(t.first).toBe(2);
    expect(t.done - t.last).toBe(6);
  });

  it("the issue's rate: a dense 64 x 64 load and store on specs/default.json move at least 80% of the bus's bytes per cycle at latency 100 (16 reads in flight)", () => {
    const spec = JSON.parse(readFileSync('specs/default.json', 'utf8'));
    const rate = (bytes: number, t: { firstBeat: number; lastBeat: number }) => bytes / (t.lastBeat - t.firstBeat + 1);
    const job = { addr: 4096, rows: 64, cols: 64, stride: 64, compressed: false, bytes: 0 };
    const m16 = elaborate(validateSpecObject({ ...spec, memory: { outstandingReads: 16 } }, 'default with 16 reads'));
    expect(m16.memory.loadLanes * m16.memory.elementBytes).toBe(8);
    const load = dmaLoadCycles(m16, { ...job, blockCols: 8 }, 100);
    expect(rate(64 * 64, load)).toBe(8);
    expect(load.last - load.first + 1).toBe(512);
    const store = dmaStoreCycles(m16, { addr: 65536, rows: 64, cols: 64, stride: 256 }, 1);
    expect(rate(64 * 64 * 4, store)).toBe(8);
    // with the default 4 reads in flight, one 8-beat burst per row: the reader, not the engine, sets the rate
    const m4 = elaborate(validateSpecObject({ ...spec, memory: { outstandingReads: 4 } }, 'default with 4 reads'));
    expect(rate(64 * 64, dmaLoadCycles(m4, job, 100))).toBeLessThan(0.8 * 8);
  });

  it('stalls: short rows at a long latency, a store of one-beat rows waiting for its first AW', () => {
    const short = dmaLoadCycles(M, { addr: 0, rows: 6, cols: 16, stride: 24, compressed: false, bytes: 0 }, 100);
    expect(short.done).toBeGreaterThan(100 + 10 + 48);
    const long = dmaLoadCycles(M, { addr: 0, rows: 6, cols: 64, stride: 72, compressed: false, bytes: 0 }, 100);
    expect(long.done).toBe(100 + 10 + 6 * 32);
    const oneBeatRows = dmaStoreCycles(M, { addr: 0, rows: 6, cols: 1, stride: 64 }, 1);
    expect(oneBeatRows.last - oneBeatRows.first).toBeGreaterThan(5);
  });
});
