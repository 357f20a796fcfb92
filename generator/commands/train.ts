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
import type { SimulatorName } from '../sim/simulators.ts';
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
}

export interface TrainReport {
  design: string;
  dataset: DatasetName;
  network: number[];
  simulator: string;
  epochs: EpochStats[];
  testAccuracy: number;
  floatTestAccuracy: number;
  floatEpochs: EpochStats[];
  cycles: TrainResult['cycles'];
  /** the --clock-mhz clock (only with the option) */
  clockMHz?: number;
  /** every cycle figure at that clock, to the nanosecond (only with --clock-mhz) */
  microseconds?: TrainResult['cycles'];
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

  const rtl = req.simulator === 'golden' ? undefined : await RtlDevice.open(model, req.simulator);
  const device: TrainingDevice = rtl ?? new GoldenDevice(model);
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
  } catch (err) {
    if (!(err instanceof Error) || err.name === 'UserError') throw err;
    mismatch = err.message;
  } finally {
    bar.done();
    await device.close();
  }
  const float = trainFloat(data, net, opts);
  return {
    design: model.name,
    dataset: req.dataset,
    network: sizes,
    simulator: device.name,
    epochs: result?.epochs ?? [],
    testAccuracy: result?.testAccuracy ?? 0,
    floatTestAccuracy: float.testAccuracy,
    floatEpochs: float.epochs,
    cycles: result?.cycles ?? { fp: 0, bp: 0, wg: 0, update: 0, move: 0, total: 0, transfer: 0 },
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
  const us: TrainResult['cycles'] = {
    fp: t(c.fp),
    bp: t(c.bp),
    wg: t(c.wg),
    update: t(c.update),
    move: t(c.move),
    total: t(c.total),
    transfer: t(c.transfer),
  };
  const timed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(report)) {
    timed[key] = value;
    if (key === 'cycles') Object.assign(timed, { clockMHz, microseconds: us });
  }
  return timed as unknown as TrainReport;
}
