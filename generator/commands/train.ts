/**
 * trainforge train: trains an MLP on the generated core (or the golden model),
 * beside a float32 reference of the same network, data order and initial
 * weights.
 */
import type { Design } from '../pipeline.ts';
import { loadDataset, type DatasetName } from '../train/datasets.ts';
import { GoldenDevice, type TrainingDevice } from '../train/device.ts';
import { initNetwork, planLayout, trainFloat, trainOnDevice, type EpochStats, type TrainResult } from '../train/mlp.ts';
import { RtlDevice } from '../train/rtl-device.ts';
import { SystemDevice, type MemoryRunFigures } from '../train/system-device.ts';
import type { SimulatorName } from '../sim/simulators.ts';
import type { Energy } from '../golden/energy.ts';
import { UserError } from '../util/errors.ts';
import { progress } from '../util/format.ts';
import { microseconds } from '../util/clock.ts';

export interface TrainRequest {
  dataset: DatasetName;
  hidden: number;
  epochs: number;
  batch: number;
  trainSamples: number;
  testSamples: number;
  seed: number;
  lrShift: number;
  simulator: SimulatorName | 'golden';
  /** run on the system top: data set and weights in the AXI4 memory model, commands as descriptors */
  throughMemory?: { latency: number; randomSeed?: number };
}

/** Cycle totals of a run; `endToEnd` only through memory. */
export type TrainCycles = TrainResult['cycles'] & {
  /** from the host's first start to the end of the last command, measured in the testbench (weight checks left out) */
  endToEnd?: number;
};

export interface TrainReport {
  design: string;
  dataset: DatasetName;
  network: number[];
  simulator: string;
  epochs: EpochStats[];
  testAccuracy: number;
  floatTestAccuracy: number;
  floatEpochs: EpochStats[];
  cycles: TrainCycles;
  /** through memory: the run's bytes over the AXI4 bus (the core's counters, equal to the traffic model) */
  memory?: MemoryRunFigures['memory'];
  /** through memory: the energy model of the run's commands and DRAM bytes */
  energy?: Energy;
  /** through memory: what the weight checks after every step cost (left out of the figures above) */
  verification?: MemoryRunFigures['verification'];
  /** the --clock-mhz clock (only with the option) */
  clockMHz?: number;
  /** every cycle figure at that clock, to the nanosecond (only with --clock-mhz) */
  microseconds?: TrainCycles;
  effectualMacs: number;
  skippedMacs: number;
  steps: number;
  wallSeconds: number;
  /** every result, magnitude, cycle count and weight matched the golden model after every step */
  weightsMatchGolden: boolean;
  mismatch?: string;
  options: TrainRequest;
}

/** Defaults per data set: the documented configurations of the README. */
export const TRAIN_DEFAULTS: Record<DatasetName, Omit<TrainRequest, 'dataset' | 'seed' | 'simulator'>> = {
  iris: { hidden: 16, epochs: 30, batch: 8, trainSamples: 120, testSamples: 30, lrShift: 2 },
  mnist: { hidden: 64, epochs: 1, batch: 32, trainSamples: 2000, testSamples: 500, lrShift: 2 },
};

export async function runTraining(design: Design, req: TrainRequest): Promise<TrainReport> {
  const { model } = design;
  const started = Date.now();
  const data = loadDataset(req.dataset, req.seed, req.trainSamples, req.testSamples);
  const sizes = [data.features, req.hidden, data.classes];
  const layout = planLayout(model, sizes, req.batch);
  const net = initNetwork(sizes, model.opBits, req.seed);
  const opts = { hidden: [req.hidden], epochs: req.epochs, batch: req.batch, seed: req.seed, lrShift: req.lrShift };

  if (req.throughMemory && req.simulator === 'golden')
    throw new UserError('--through-memory runs on a simulator: use --simulator verilator or icarus');
  const rtl =
    req.simulator === 'golden'
      ? undefined
      : req.throughMemory
        ? await SystemDevice.open(model, req.simulator, req.throughMemory)
        : await RtlDevice.open(model, req.simulator);
  const device: TrainingDevice = rtl ?? new GoldenDevice(model);
  let figures: MemoryRunFigures | undefined;
  const bar = progress(`train ${req.dataset} on ${device.name}`, Math.ceil(req.trainSamples / req.batch) * req.epochs);
  let result: TrainResult | undefined;
  let mismatch: string | undefined;
  try {
    result = await trainOnDevice(device, model, data, structuredClone(net), opts, {
      afterStep: async (step) => {
        if (!rtl) return;
        rtl.setContext(`after training step ${step}`);
        for (let l = 0; l + 1 < sizes.length; l++) await rtl.checkWeights(layout.w[l], sizes[l + 1], sizes[l], l);
        rtl.setContext(`training step ${step + 1}`);
      },
      progress: (done, _total, note) => bar.tick(note),
    });
    if (rtl instanceof SystemDevice) {
      rtl.setContext('after the run');
      figures = await rtl.finish();
    }
  } catch (err) {
    if (!(err instanceof Error) || err.name === 'UserError') throw err;
    mismatch = err.message;
  } finally {
    bar.done();
    await device.close();
  }
  const float = trainFloat(data, net, opts);
  const cycles: TrainCycles = result?.cycles ?? { fp: 0, bp: 0, wg: 0, update: 0, move: 0, total: 0, transfer: 0 };
  if (req.throughMemory) {
    // through memory the transfers are the loads' and READ_RESULTs' core cycles, measured (they wait on the bus)
    Object.assign(cycles, { transfer: figures?.transferCycles ?? 0, endToEnd: figures?.endToEndCycles ?? 0 });
  }
  return {
    design: model.name,
    dataset: req.dataset,
    network: sizes,
    simulator: device.name,
    epochs: result?.epochs ?? [],
    testAccuracy: result?.testAccuracy ?? 0,
    floatTestAccuracy: float.testAccuracy,
    floatEpochs: float.epochs,
    cycles,
    ...(req.throughMemory ? { memory: figures?.memory, energy: figures?.energy, verification: figures?.verification } : {}),
    effectualMacs: result?.effectualMacs ?? 0,
    skippedMacs: result?.skippedMacs ?? 0,
    steps: result?.steps ?? 0,
    wallSeconds: (Date.now() - started) / 1000,
    weightsMatchGolden: mismatch === undefined,
    mismatch,
    options: req,
  };
}

/** The report with its cycle figures also in microseconds at `clockMHz`, beside the cycles. */
export function trainAtClock(report: TrainReport, clockMHz: number): TrainReport {
  const c = report.cycles;
  const t = (cycles: number) => microseconds(cycles, clockMHz);
  const us: TrainCycles = {
    fp: t(c.fp),
    bp: t(c.bp),
    wg: t(c.wg),
    update: t(c.update),
    move: t(c.move),
    total: t(c.total),
    transfer: t(c.transfer),
    ...(c.endToEnd === undefined ? {} : { endToEnd: t(c.endToEnd) }),
  };
  const timed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(report)) {
    timed[key] = value;
    if (key === 'cycles') Object.assign(timed, { clockMHz, microseconds: us });
  }
  return timed as unknown as TrainReport;
}
