/**
 * Training through memory (generator/train/system-device.ts) on both
 * simulators: a short Iris run on the system top, the data set and weights in
 * the AXI4 memory model, every command a descriptor pushed through AXI4-Lite.
 * SystemDevice checks every core command (cycles, magnitudes), every logit,
 * the weights after every step and the byte counters against the traffic
 * model, and throws on the first difference; here the run must also end
 * exactly like the golden device's, the deterministic memory must give the
 * same end-to-end cycles on both simulators, and the seeded random memory the
 * same bits.
 */
import { describe, expect, it } from 'vitest';
import type { CoreModel } from '../../generator/elaborate/model.ts';
import { GoldenDevice } from '../../generator/train/device.ts';
import { loadIris } from '../../generator/train/datasets.ts';
import { initNetwork, planLayout, trainOnDevice, type TrainResult } from '../../generator/train/mlp.ts';
import { SystemDevice, type MemoryRunFigures } from '../../generator/train/system-device.ts';
import type { MemoryBehaviour } from '../../generator/sim/system.ts';
import type { SimulatorName } from '../../generator/sim/simulators.ts';
import { SYS_DENSE, SYS_SPARSE } from './helpers.ts';

const SEED = Number(process.env.TRAINFORGE_SEED ?? 1);

/** 3 x 5 cores, dense and zero-skipping (whose energy counts need the operands), on the default 64-bit bus. */
// the system tests' designs (tests/sim/helpers.ts): their builds serve this file too
const DESIGNS = [SYS_DENSE, SYS_SPARSE];
const SIZES = [5, 16, 3];
const OPTS = { hidden: [16], epochs: 1, batch: 8, seed: SEED, lrShift: 2 };
const TRAIN = 40;
const TEST = 8;
const STEPS = TRAIN / OPTS.batch;
const data = loadIris(SEED, TRAIN, TEST);

async function goldenRun(model: CoreModel): Promise<TrainResult> {
  return trainOnDevice(new GoldenDevice(model), model, data, initNetwork(SIZES, model.opBits, SEED), OPTS);
}

async function memoryRun(model: CoreModel, simulator: SimulatorName, memory: MemoryBehaviour) {
  const device = await SystemDevice.open(model, simulator, memory);
  const layout = planLayout(model, SIZES, OPTS.batch);
  let checks = 0;
  try {
    const result = await trainOnDevice(device, model, data, initNetwork(SIZES, model.opBits, SEED), OPTS, {
      afterStep: async (step) => {
        device.setContext(`after step ${step}, seed ${SEED}`);
        for (let l = 0; l < 2; l++) await device.checkWeights(layout.w[l], SIZES[l + 1], SIZES[l], l);
        checks++;
      },
    });
    return { result, figures: await device.finish(), checks };
  } finally {
    await device.close();
  }
}

describe.each(DESIGNS.map((m) => [m.name, m] as const))('%s', (_name, model) => {
  const measured = new Map<SimulatorName, MemoryRunFigures>();

  // the zero-skipping design on Verilator only: an Icarus training run takes about 20 s (the dense design runs on both)
  const simulators: SimulatorName[] = model.sparse ? ['verilator'] : ['icarus', 'verilator'];
  describe.each(simulators)('Iris through memory on %s', (simulator) => {
    it('trains like the golden device; counters equal the traffic model; figures add up', async () => {
      const [gold, run] = await Promise.all([goldenRun(model), memoryRun(model, simulator, { latency: 100 })]);
      expect(run.checks).toBe(STEPS);
      expect(run.result.epochs).toEqual(gold.epochs);
      expect(run.result.testAccuracy).toBe(gold.testAccuracy);
      expect(run.result.cycles.total).toBe(gold.cycles.total);
      const f = run.figures;
      measured.set(simulator, f);
      // end to end: every compute cycle and more (loads overlap computes: the transfers need not add up)
      expect(f.endToEndCycles).toBeGreaterThan(gold.cycles.total);
      expect(f.transferCycles).toBeGreaterThan(gold.cycles.transfer);
      // the inputs: every sample once, 5 bytes a row dense
      expect(f.memory.inputBytesUncompressed).toBe((TRAIN + TEST) * 5);
      expect(f.memory.inputBytesRead % model.memory.dataBytes, 'batches staged on beat boundaries').toBe(0);
      // READ_RESULT of 3 logits a sample, an accumulator each, for every sample seen; nothing else of the run writes
      const R = model.memory.resultBytes;
      expect(f.memory.bytesWritten).toBe((TRAIN + TEST) * 3 * R);
      // the checks: READ_W of both layers after each step, a weight at accumulator width
      expect(f.verification.bytesWritten).toBe(STEPS * (16 * 5 + 3 * 16) * R);
      expect(f.verification.bytesRead).toBe(0);
      expect(f.energy.dramMicrojoules).toBeCloseTo(((f.memory.bytesRead + f.memory.bytesWritten) * 8 * 20) / 1e6, 9);
      expect(f.energy.macMicrojoules).toBeGreaterThan(0);
    }, 240_000);
  });

  it.runIf(simulators.length === 2)('the deterministic memory gives the same end-to-end cycles and bytes on both simulators', () => {
    const [a, b] = [measured.get('icarus'), measured.get('verilator')];
    expect(a && b, 'both runs above finished').toBeTruthy();
    if (!a || !b) return;
    expect(b.endToEndCycles).toBe(a.endToEndCycles);
    expect(b.memory).toEqual(a.memory);
    expect(b.transferCycles).toBe(a.transferCycles);
  });

  it('the random memory mode on verilator trains to the same bits, with the same bytes and more cycles', async () => {
    const [gold, run] = await Promise.all([goldenRun(model), memoryRun(model, 'verilator', { latency: 100, randomSeed: SEED + 7 })]);
    expect(run.result.epochs).toEqual(gold.epochs);
    expect(run.result.testAccuracy).toBe(gold.testAccuracy);
    const fixed = measured.get('verilator');
    expect(fixed, 'the deterministic run on verilator finished').toBeDefined();
    expect(run.figures.memory).toEqual(fixed?.memory);
    expect(run.figures.endToEndCycles).toBeGreaterThan(fixed?.endToEndCycles ?? 0);
  }, 240_000);
});
