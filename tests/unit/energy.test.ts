/**
 * The energy model (generator/golden/energy.ts): the table's figures and its
 * width scaling, hand-worked energies, and the per-command counts of both
 * cores on the example specs.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { designFromFile } from '../../generator/pipeline.ts';
import {
  addCounts,
  addPicojoules,
  computeCounts,
  coreMemories,
  dramCounts,
  dramPicojoulesPerBit,
  energyOf,
  ENERGY_SOURCE,
  HOROWITZ_45NM,
  loadCounts,
  macPicojoules,
  moveCounts,
  multiplyPicojoules,
  readResultCounts,
  readWeightCounts,
  sramPicojoulesPerBit,
  updateCounts,
  type EnergyCounts,
} from '../../generator/golden/energy.ts';
import { randomMatrix } from '../../generator/golden/operands.ts';
import { makeRng } from '../../generator/golden/rng.ts';
import { repoRoot } from '../support/cli.ts';

const model = (spec: string) => designFromFile(path.join(repoRoot, 'specs', spec)).model;
const dense = model('default.json');
const plain = model('plain-buffer.json');
const sparse = model('sparse.json');
const bits = (c: EnergyCounts, memory: string) => c.sram.find((s) => s.memory === memory) ?? { readBits: 0, writeBits: 0 };
const zeros = (rows: number, cols: number) => Array.from({ length: rows }, () => new Array<number>(cols).fill(0));
const ones = (rows: number, cols: number) => Array.from({ length: rows }, () => new Array<number>(cols).fill(1));

describe('energy table', () => {
  it('cites its source and holds its integer figures', () => {
    expect(ENERGY_SOURCE).toMatch(/Horowitz.*ISSCC 2014.*45 nm/);
    expect(HOROWITZ_45NM).toMatchObject({ dram32BitRead: 640, add8: 0.03, add32: 0.1, multiply8: 0.2, multiply32: 3.1 });
    expect(HOROWITZ_45NM.sram32BitRead.map((c) => [c.bytes, c.picojoules])).toEqual([
      [8192, 5],
      [32768, 10],
      [1048576, 50],
    ]);
  });

  it('scales a multiply as bits^2 from 8 bits and an add as bits from 32 bits, close to the other figures', () => {
    expect(multiplyPicojoules(8)).toBeCloseTo(0.2, 12);
    expect(multiplyPicojoules(16)).toBeCloseTo(0.8, 12);
    expect(multiplyPicojoules(4)).toBeCloseTo(0.05, 12);
    // the scaled 32-bit multiply is within 5% of the table's 3.1 pJ
    expect(Math.abs(multiplyPicojoules(32) - HOROWITZ_45NM.multiply32) / HOROWITZ_45NM.multiply32).toBeLessThan(0.05);
    expect(addPicojoules(32)).toBeCloseTo(0.1, 12);
    expect(addPicojoules(16)).toBeCloseTo(0.05, 12);
    // the scaled 8-bit add (0.025) is within 20% of the table's 0.03 pJ
    expect(Math.abs(addPicojoules(8) - HOROWITZ_45NM.add8) / HOROWITZ_45NM.add8).toBeLessThan(0.2);
    expect(macPicojoules(8, 32)).toBeCloseTo(0.3, 12);
    expect(() => multiplyPicojoules(0)).toThrow(/positive/);
  });

  it('charges SRAM per bit by the smallest size class that holds the memory, DRAM 20 pJ per bit', () => {
    expect(sramPicojoulesPerBit(1024)).toBe(5 / 32);
    expect(sramPicojoulesPerBit(8192)).toBe(5 / 32);
    expect(sramPicojoulesPerBit(8193)).toBe(10 / 32);
    expect(sramPicojoulesPerBit(32768)).toBe(10 / 32);
    expect(sramPicojoulesPerBit(32769)).toBe(50 / 32);
    expect(sramPicojoulesPerBit(4 * 1048576)).toBe(50 / 32);
    expect(dramPicojoulesPerBit()).toBe(20);
    expect(() => sramPicojoulesPerBit(0)).toThrow(/positive size/);
  });

  it('adds up a hand-worked step', () => {
    const e = energyOf({
      dramBytes: 4, // 32 bits x 20 pJ = 640 pJ
      sram: [
        { memory: 'small', bytes: 8192, readBits: 320, writeBits: 0 }, // 50 pJ
        { memory: 'large', bytes: 65536, readBits: 32, writeBits: 32 }, // 100 pJ
      ],
      macs: 1000, // 1000 x (0.2 + 0.1) = 300 pJ
      opBits: 8,
      accBits: 32,
    });
    expect(e.dramMicrojoules).toBeCloseTo(640e-6, 15);
    expect(e.sramMicrojoules).toBeCloseTo(150e-6, 15);
    expect(e.macMicrojoules).toBeCloseTo(300e-6, 15);
    expect(e.totalMicrojoules).toBeCloseTo(1090e-6, 15);
    // 16-bit operands: four times the multiply energy
    const wide = energyOf({ dramBytes: 0, sram: [], macs: 1000, opBits: 16, accBits: 32 });
    expect(wide.macMicrojoules).toBeCloseTo((1000 * (0.8 + 0.1)) / 1e6, 15);
  });
});

describe('counts of the dense core (specs/default.json: 8 x 8, 8-bit operands, 32-bit accumulators)', () => {
  it('sizes its memories', () => {
    expect(coreMemories(dense)).toEqual({ weight: 8192, activation: 8192, error: 8192, result: 16384 });
  });

  it('counts a 64 x 64 x 64 FP: an A column of 8 and a B row of 8 per k per tile, a result word per row', () => {
    const c = computeCounts(dense, 'fp', { batch: 64, din: 64, dout: 64 });
    expect(c.macs).toBe(262144);
    expect(bits(c, 'activation')).toMatchObject({ readBits: 64 * 64 * 8 * 8, writeBits: 0 });
    expect(bits(c, 'weight')).toMatchObject({ readBits: 64 * 64 * 8 * 8, writeBits: 0 });
    expect(bits(c, 'result')).toMatchObject({ readBits: 0, writeBits: 64 * 8 * 8 * 32 });
    const e = energyOf(c);
    // SRAM: 262144 x 5/32 twice (8 KB) and 131072 x 10/32 (16 KB: the 32 KB class); MACs 262144 x 0.3 pJ
    expect(e.sramMicrojoules).toBeCloseTo(0.12288, 10);
    expect(e.macMicrojoules).toBeCloseTo(0.0786432, 10);
    expect(e.dramMicrojoules).toBe(0);
  });

  it('reads W C times over with a plain weight buffer in FP only, and pads edge tiles', () => {
    const dims = { batch: 64, din: 64, dout: 64 };
    expect(bits(computeCounts(plain, 'fp', dims), 'weight').readBits).toBe(8 * bits(computeCounts(dense, 'fp', dims), 'weight').readBits);
    expect(bits(computeCounts(plain, 'bp', dims), 'weight').readBits).toBe(bits(computeCounts(dense, 'bp', dims), 'weight').readBits);
    // WG reads dY (A) and X (B); a 9-row M takes two row tiles
    const wg = computeCounts(dense, 'wg', { batch: 4, din: 8, dout: 9 });
    expect(bits(wg, 'error').readBits).toBe(2 * 4 * 8 * 8);
    expect(bits(wg, 'activation').readBits).toBe(2 * 4 * 8 * 8);
    expect(wg.macs).toBe(9 * 8 * 4);
  });

  it('counts loads, read-outs, moves and the update', () => {
    expect(bits(loadCounts(dense, 'X', 4, 10), 'activation')).toMatchObject({ writeBits: 320, readBits: 0 });
    // 4 x 10 results: 2 column tiles, one word of 8 accumulators each per row
    expect(bits(readResultCounts(dense, 4, 10), 'result').readBits).toBe(4 * 2 * 8 * 32);
    const toDy = moveCounts(dense, 'dY', 4, 10);
    expect(bits(toDy, 'error').writeBits).toBe(320);
    expect(bits(toDy, 'activation').readBits).toBe(320);
    expect(bits(moveCounts(dense, 'X', 4, 10), 'activation')).toMatchObject({ readBits: 0, writeBits: 320 });
    const update = updateCounts(dense, 3, 10);
    expect(bits(update, 'weight')).toMatchObject({ readBits: 3 * 2 * 8 * 8, writeBits: 3 * 10 * 8 });
    expect(bits(update, 'result').readBits).toBe(3 * 2 * 8 * 32);
    expect(bits(readWeightCounts(dense, 3, 10), 'weight').readBits).toBe(240);
  });

  it('adds counts by memory and takes DRAM bytes from traffic', () => {
    const sum = addCounts(
      addCounts(loadCounts(dense, 'W', 2, 2), loadCounts(dense, 'W', 3, 3)),
      dramCounts(dense, { bytesRead: 10, bytesWritten: 6 }),
    );
    expect(sum.sram).toEqual([{ memory: 'weight', bytes: 8192, readBits: 0, writeBits: 13 * 8 }]);
    expect(sum.dramBytes).toBe(16);
    expect(() => addCounts(sum, { ...sum, opBits: 4 })).toThrow(/different widths/);
  });
});

describe('counts of the zero-skipping core (specs/sparse.json: 8 x 8, scan width 8, chunks of 64)', () => {
  const dims = { batch: 64, din: 64, dout: 64 };

  it('keeps X by rows and columns (square array) and dY twice', () => {
    expect(Object.keys(coreMemories(sparse))).toEqual([
      'weight',
      'activationStore',
      'activationColumns',
      'errorRows',
      'errorColumns',
      'bStore',
      'resultBank',
    ]);
    const c = loadCounts(sparse, 'dY', 4, 4);
    expect([bits(c, 'errorRows').writeBits, bits(c, 'errorColumns').writeBits]).toEqual([128, 128]);
  });

  it('does only the products of nonzeros: none for a zero X, all for a dense one', () => {
    const empty = computeCounts(sparse, 'fp', dims, { X: zeros(64, 64), dY: [] });
    expect(empty.macs).toBe(0);
    expect(bits(empty, 'bStore').readBits).toBe(0);
    // the A words are still read: 8 column tiles x 64 rows x 8 words of 8 operands
    expect(bits(empty, 'activationStore').readBits).toBe(8 * 64 * 8 * 64);
    // the fill: 8 tiles x 64 B rows of 8 weights read, written into 8 engines' B stores
    expect(bits(empty, 'weight').readBits).toBe(8 * 64 * 64);
    expect(bits(empty, 'bStore').writeBits).toBe(8 * 8 * 64 * 64);
    expect(bits(empty, 'resultBank')).toMatchObject({ readBits: 0, writeBits: 64 * 8 * 8 * 32 });
    const full = computeCounts(sparse, 'fp', dims, { X: ones(64, 64), dY: [] });
    expect(full.macs).toBe(64 * 64 * 64);
    expect(bits(full, 'bStore').readBits).toBe(64 * 64 * 8 * 8 * 8);
  });

  it('counts nonzeros of A x N at a random density (seed 7), X^T in a transposed WG', () => {
    const seed = 7;
    const rng = makeRng(seed);
    const X = randomMatrix(rng, 64, 64, 8, 0.3);
    const dY = randomMatrix(rng, 64, 64, 8, 0.6);
    const nnz = (m: number[][]) => m.flat().filter((v) => v !== 0).length;
    expect(computeCounts(sparse, 'fp', dims, { X, dY }).macs, `seed ${seed}`).toBe(nnz(X) * 64);
    expect(computeCounts(sparse, 'bp', dims, { X, dY }).macs, `seed ${seed}`).toBe(nnz(dY) * 64);
    expect(computeCounts(sparse, 'wg', dims, { X, dY }).macs, `seed ${seed}`).toBe(nnz(X) * 64);
    // WG with a zero X: nothing to do, whatever dY holds
    expect(computeCounts(sparse, 'wg', dims, { X: zeros(64, 64), dY }).macs).toBe(0);
  });

  it('refuses to count a compute without its operands', () => {
    expect(() => computeCounts(sparse, 'fp', dims)).toThrow(/needs the operands of FP/);
  });
});
