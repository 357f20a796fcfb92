/**
 * The host's books of a training run through memory (generator/train/host-memory.ts):
 * which DESC words a push writes, where the run sits in memory, and the
 * ledger's traffic (against the traffic model of the whole program) and
 * energy (against the per-access figures, worked by hand).
 */
import { describe, expect, it } from 'vitest';
import { elaborate, type CoreModel } from '../../generator/elaborate/model.ts';
import { DESCRIPTOR_LAYOUT } from '../../generator/elaborate/regmap.ts';
import { dramPicojoulesPerBit, macPicojoules, sramPicojoulesPerBit } from '../../generator/golden/energy.ts';
import { randomMatrix } from '../../generator/golden/operands.ts';
import { makeRng } from '../../generator/golden/rng.ts';
import { packDescriptorWords, programTraffic, readOperands, type Descriptor } from '../../generator/golden/traffic.ts';
import { unpackZvc, zvcRowBytes } from '../../generator/golden/zvc.ts';
import { busShape } from '../../generator/sim/memory-step.ts';
import { validateSpecObject } from '../../generator/spec/load.ts';
import { commandCounts, denseStride, layOut, MemoryLedger, stageDescriptor, usedWords } from '../../generator/train/host-memory.ts';
import { UserError } from '../../generator/util/errors.ts';

const word = (name: string) => DESCRIPTOR_LAYOUT.findIndex((w) => w.name === name);

function design(skipZeros = false): CoreModel {
  return elaborate(
    validateSpecObject(
      {
        name: skipZeros ? 'host_sparse' : 'host_dense',
        array: { rows: 2, cols: 4 },
        numeric: { operandBits: 8, accumulatorBits: 24 },
        buffers: { weightWords: 512, activationWords: 512, errorWords: 512, resultWords: 512 },
        sparsity: { skipZeros },
      },
      'host-memory.test.ts',
    ),
  );
}

const dims = { batch: 3, din: 5, dout: 4 };

describe('descriptor staging', () => {
  it('first push: every word the command uses, and 1 for the dimensions it does not use', () => {
    const d: Descriptor = { op: 'loadW', dims, bases: { w: 7 }, addr: 4096, stride: 8 };
    const { words, writes } = stageDescriptor(new Array(16).fill(0), d);
    const full = packDescriptorWords(d);
    for (const i of usedWords(d)) expect(words[i]).toBe(full[i]);
    expect(words[word('BATCH')]).toBe(1); // LOAD_W does not use batch, but the sequencer faults on 0
    expect(writes.map((w) => DESCRIPTOR_LAYOUT[w.word].name)).toEqual(['CONTROL', 'BATCH', 'DIN', 'DOUT', 'W_BASE', 'ADDR_LO', 'STRIDE']);
  });

  it('later pushes write only the used words that changed; unused words keep their staged value', () => {
    const first = stageDescriptor(new Array(16).fill(0), { op: 'loadW', dims, bases: { w: 7 }, addr: 4096, stride: 8 });
    const again = stageDescriptor(first.words, { op: 'loadW', dims, bases: { w: 7 }, addr: 4096, stride: 8 });
    expect(again.writes).toEqual([]);
    const moved = stageDescriptor(first.words, { op: 'loadW', dims, bases: { w: 7 }, addr: 8192, stride: 8 });
    expect(moved.writes).toEqual([{ word: word('ADDR_LO'), value: 8192 }]);
    // FP: new control, batch 3 (was 1), x base 0 (was 0): the address and stride stay staged
    const fp = stageDescriptor(moved.words, { op: 'fp', dims, bases: { w: 7, x: 0 } });
    expect(fp.writes.map((w) => DESCRIPTOR_LAYOUT[w.word].name)).toEqual(['CONTROL', 'BATCH']);
    expect(fp.words[word('ADDR_LO')]).toBe(8192);
    expect(fp.words[word('STRIDE')]).toBe(8);
  });

  it('the seed counts only for stochastic rounding, BYTES only for a compressed load, STRIDE only for a dense one', () => {
    expect(usedWords({ op: 'updateW', dims, stochastic: true })).toContain(word('SEED'));
    expect(usedWords({ op: 'moveToX', dims, stochastic: false })).not.toContain(word('SEED'));
    const compressed = usedWords({ op: 'loadX', dims, compressed: true, bytes: 9 });
    expect(compressed).toContain(word('BYTES'));
    expect(compressed).not.toContain(word('STRIDE'));
    expect(usedWords({ op: 'loadDy', dims, stride: 8 })).toContain(word('STRIDE'));
    // moving dX to dY reads the mask at X_BASE
    expect(usedWords({ op: 'moveToDy', dims })).toContain(word('X_BASE'));
  });
});

describe('memory layout', () => {
  const model = design();
  const bus = busShape(model);
  const rng = makeRng(5);
  const W0 = randomMatrix(rng, 4, 5, 8, 1);
  const W1 = randomMatrix(rng, 2, 4, 8, 1);
  const batches = [randomMatrix(rng, 3, 5, 8, 0.4), randomMatrix(rng, 3, 5, 8, 0.4), randomMatrix(rng, 1, 5, 8, 0.4)];

  it('weights dense at whole-beat strides, batches compressed at whole beats in load order, areas on fresh pages', () => {
    const layout = layOut(model, bus, {
      weights: [
        { W: W0, base: 0 },
        { W: W1, base: 32 },
      ],
      inputs: batches,
    });
    const w0 = layout.weights.get(0)!;
    const w1 = layout.weights.get(32)!;
    expect(w0.stride).toBe(8);
    expect(w0.addr % 4096).toBe(0);
    expect(w1.addr).toBe(4096);
    expect(readOperands(layout.image, { addr: w1.addr, stride: w1.stride!, elementBytes: 1 }, 2, 4, 8)).toEqual(W1);
    let prev = -1;
    layout.inputs.forEach((b, i) => {
      expect(b.addr % bus.dataBytes).toBe(0);
      expect(b.addr).toBeGreaterThan(prev);
      prev = b.addr + b.bytes! - 1;
      // the batch's rows back to back: the stream decodes as the batch with the host's row index
      const index = [0];
      for (const row of batches[i]) index.push(index.at(-1)! + zvcRowBytes(row, 8, model.memory.zvcChunk));
      expect(index.at(-1)).toBe(b.bytes);
      expect(unpackZvc({ index, data: layout.image.read(b.addr, b.bytes!) }, 5, 8, model.memory.zvcChunk)).toEqual(batches[i]);
    });
    expect(layout.errorArea.addr % 4096).toBe(0);
    expect(layout.resultArea.addr % 4096).toBe(0);
    expect(layout.resultArea.addr).toBeGreaterThanOrEqual(layout.errorArea.addr + layout.errorArea.size);
    // the result area holds the largest result: max(batch, dims) rows of the widest row at resultBytes
    expect(layout.resultArea.size).toBe(5 * denseStride(5, 4, bus));
  });

  it('refuses a run that does not fit the memory model, in one line', () => {
    const big = randomMatrix(rng, 64, 700, 8, 1);
    const huge = Array.from({ length: 400 }, () => big);
    expect(() => layOut(model, bus, { weights: [{ W: W0, base: 0 }], inputs: huge })).toThrow(UserError);
    expect(() => layOut(model, bus, { weights: [{ W: W0, base: 0 }], inputs: huge })).toThrow(/use fewer samples or epochs/);
  });
});

describe('ledger', () => {
  it('traffic: the run apart from the checks, together equal to the traffic model of the whole program', () => {
    const model = design();
    const bus = busShape(model);
    const ledger = new MemoryLedger(model, bus);
    const program: [Descriptor, 'run' | 'check'][] = [
      [{ op: 'loadW', dims, addr: 0, stride: 8 }, 'run'],
      [{ op: 'loadX', dims, addr: 4096, compressed: true, bytes: 13 }, 'run'],
      [{ op: 'fp', dims }, 'run'],
      [{ op: 'readW', dims, addr: 8192, stride: 24 }, 'check'],
      [{ op: 'readResult', dims, addr: 8192, stride: 16 }, 'run'],
      [{ op: 'moveToX', dims: { batch: 3, din: 4, dout: 1 } }, 'run'],
      [{ op: 'loadDy', dims, addr: 12288, stride: 8 }, 'run'],
      [{ op: 'wg', dims }, 'run'],
      [{ op: 'updateW', dims, stochastic: true, seed: 3 }, 'run'],
    ];
    for (const [d, p] of program) ledger.record(d, p);
    const all = programTraffic(
      program.map(([d]) => d),
      bus,
    );
    const checks = programTraffic([program[2][0], program[3][0]], bus);
    expect(ledger.total()).toEqual(all);
    expect(ledger.trafficOf('check').bytesWritten).toBe(checks.bytesWritten);
    expect(ledger.trafficOf('run').bytesWritten).toBe(all.bytesWritten - checks.bytesWritten);
    // READ_RESULT stores FP's 3 x 4 result (the READ_W between does not change it): 3 rows of 16 bytes
    expect(ledger.trafficOf('run').bytesWritten).toBe(3 * 4 * 4);
    // only the compressed load counts as input: 13 bytes at 4096 are 2 beats; X is 3 x 5 bytes dense
    expect(ledger.trafficOf('run').inputBytesRead).toBe(16);
    expect(ledger.trafficOf('run').inputBytesUncompressed).toBe(15);
    expect(ledger.issued).toEqual({ run: 8, check: 1 });
  });

  it('energy: DRAM bytes of the run at 20 pJ a bit, the MACs of FP and WG, the SRAM bits of every run command', () => {
    const model = design();
    const bus = busShape(model);
    const ledger = new MemoryLedger(model, bus);
    ledger.record({ op: 'loadX', dims, addr: 0, stride: 8 }, 'run');
    ledger.record({ op: 'fp', dims }, 'run');
    ledger.record({ op: 'readW', dims, addr: 4096, stride: 24 }, 'check');
    const e = ledger.energy();
    const run = ledger.trafficOf('run');
    expect(run.bytesRead).toBe(3 * 8);
    expect(e.dramMicrojoules).toBeCloseTo((run.bytesRead * 8 * dramPicojoulesPerBit()) / 1e6, 12);
    expect(e.macMicrojoules).toBeCloseTo((3 * 4 * 5 * macPicojoules(8, 24)) / 1e6, 12);
    // load: 15 operands written into the activation buffer (512 bytes: the 8 KB class); FP: per tile and k an
    // A column of 2 and a B row of 4 operands read, a result word of 4 accumulators per row of out written
    const activation = 15 * 8 + 2 * 5 * 2 * 8;
    const weight = 2 * 5 * 4 * 8;
    const result = 3 * 4 * 24;
    const sram = (activation + weight) * sramPicojoulesPerBit(512) + result * sramPicojoulesPerBit(512 * 3);
    expect(e.sramMicrojoules).toBeCloseTo(sram / 1e6, 12);
    expect(e.totalMicrojoules).toBeCloseTo(e.dramMicrojoules + e.sramMicrojoules + e.macMicrojoules, 12);
  });

  it('counts need the shape of the compute before READ_RESULT, and the operands on the zero-skipping core', () => {
    const sparse = design(true);
    expect(() => commandCounts(design(), { op: 'readResult', dims }, undefined)).toThrow(/no FP, BP or WG/);
    expect(() => commandCounts(sparse, { op: 'fp', dims }, undefined)).toThrow(/needs the operands/);
    const rng = makeRng(2);
    const X = randomMatrix(rng, 3, 5, 8, 0.5);
    expect(commandCounts(sparse, { op: 'fp', dims }, undefined, { X, dY: [] }).macs).toBe(X.flat().filter((v) => v !== 0).length * 4);
  });
});
