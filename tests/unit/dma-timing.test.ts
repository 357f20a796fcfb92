/**
 * The closed forms of docs/memory-system.md ("DMA timing") against the
 * register-level model generator/golden/dma-timing.ts, in the regimes where
 * nothing stalls (the model itself is checked against both simulators by
 * tests/sim/dma.test.ts), and the stalls the text names.
 */
import { describe, expect, it } from 'vitest';
import { elaborate } from '../../generator/elaborate/model.ts';
import { dmaLoadCycles, dmaStoreCycles } from '../../generator/golden/dma-timing.ts';
import { makeRng } from '../../generator/golden/rng.ts';
import { packZvc } from '../../generator/golden/zvc.ts';
import { validateSpecObject } from '../../generator/spec/load.ts';

const model = (numeric: object, memory: object) =>
  elaborate(validateSpecObject({ name: 'timing', array: { rows: 2, cols: 2 }, numeric, memory }, 'timing test spec'));

const M = model({ operandBits: 8, accumulatorBits: 32 }, { dataBits: 64, outstandingReads: 4, maxBurst: 16, zvcChunk: 8 });

describe('DMA timing closed forms', () => {
  it('dense load of long rows: first element at L + 9, done_o at L + 10 + N', () => {
    const rng = makeRng(7);
    for (let i = 0; i < 200; i++) {
      const latency = rng.nextInt(1, 40);
      const rows = rng.nextInt(1, 6);
      const cols = rng.nextInt(64, 300);
      const job = { addr: rng.nextInt(0, 100_000), rows, cols, stride: cols + rng.nextInt(0, 50), compressed: false, bytes: 0 };
      const t = dmaLoadCycles(M, job, latency);
      expect(t.first, JSON.stringify({ job, latency })).toBe(latency + 9);
      expect(t.last).toBe(latency + 8 + rows * cols);
      expect(t.done).toBe(latency + 10 + rows * cols);
    }
  });

  it('compressed load: first element at L + 9 (L + 10 after a short first chunk), done_o at first + N + S + 1 (a bitmap cycle per short chunk)', () => {
    const rng = makeRng(8);
    for (let i = 0; i < 200; i++) {
      const latency = rng.nextInt(1, 40);
      const rows = rng.nextInt(1, 6);
      const cols = rng.nextInt(1, 60);
      const tensor = Array.from({ length: rows }, () => Array.from({ length: cols }, () => (rng.nextInt(0, 1) ? rng.nextInt(1, 127) : 0)));
      const z = packZvc(tensor, 8, 8);
      // the stream starts on a beat: the first chunk's bitmap and first value are in its first beat
      const job = { addr: 8 * rng.nextInt(0, 10_000), rows, cols, stride: 0, compressed: true, bytes: z.data.length, tensor };
      const t = dmaLoadCycles(M, job, latency);
      // short chunks: the end of a row when cols is not a multiple of the chunk; their bitmap takes a cycle of its own
      const short = cols % 8 !== 0 ? rows : 0;
      const firstShort = cols < 8 ? 1 : 0;
      expect(t.first, JSON.stringify({ latency, rows, cols })).toBe(latency + 9 + firstShort);
      expect(t.done).toBe(t.first + rows * cols + short - firstShort + 1);
    }
  });

  it('store of rows of two beats or more: one element per edge, done_o 5 + D edges after the last', () => {
    const rng = makeRng(9);
    for (let i = 0; i < 200; i++) {
      const d = rng.nextInt(1, 30);
      const rows = rng.nextInt(1, 6);
      const cols = rng.nextInt(8, 100);
      const job = { addr: 4 * rng.nextInt(0, 100_000), rows, cols, stride: 4 * cols + 4 * rng.nextInt(0, 9) };
      const t = dmaStoreCycles(M, job, d);
      expect(t.first, JSON.stringify({ job, d })).toBe(1);
      expect(t.last).toBe(rows * cols);
      expect(t.done).toBe(t.last + 5 + d);
    }
  });

  it('an element wider than the bus takes ElementBytes / dataBytes edges', () => {
    const wide = model({ operandBits: 16, accumulatorBits: 64 }, { dataBits: 32 });
    const t = dmaStoreCycles(wide, { addr: 4096, rows: 3, cols: 20, stride: 160 }, 1);
    expect(t.first).toBe(2);
    expect(t.done - t.last).toBe(6);
  });

  it('stalls: short rows at a long latency, a store of one-beat rows waiting for its first AW', () => {
    const short = dmaLoadCycles(M, { addr: 0, rows: 6, cols: 16, stride: 24, compressed: false, bytes: 0 }, 100);
    expect(short.done).toBeGreaterThan(100 + 10 + 96);
    const long = dmaLoadCycles(M, { addr: 0, rows: 6, cols: 64, stride: 72, compressed: false, bytes: 0 }, 100);
    expect(long.done).toBe(100 + 10 + 6 * 64);
    const oneBeatRows = dmaStoreCycles(M, { addr: 0, rows: 6, cols: 1, stride: 64 }, 1);
    expect(oneBeatRows.last - oneBeatRows.first).toBeGreaterThan(5);
  });
});
