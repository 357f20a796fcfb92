/**
 * A training device: the host's view of the core, one method per command.
 * GoldenDevice runs the commands on the golden model (what --simulator golden
 * uses, and what every RTL run is checked against).
 */
import type { CoreModel } from '../elaborate/model.ts';
import { coreShape, REQUANT_STAGES } from '../elaborate/model.ts';
import { runStep, countEffectualMacs } from '../golden/gemm.ts';
import { predictComputeCycles, sparseWork } from '../golden/cycles.ts';
import { commandShift, magnitudeBits, requantize, updateWeights, type RoundMode } from '../golden/quant.ts';
import type { LayerDims, Step, TensorBases } from '../types.ts';

export interface RequantCommand {
  shift: number;
  mode: RoundMode;
  seed: number;
}

export interface ComputeOutcome {
  cycles: number;
  /** bits of the largest magnitude in the result (see magnitudeBits) */
  resultBits: number;
  effectualMacs: number;
  skippedMacs: number;
}

/** What a run will load, known before it starts: a device that works from memory puts it there first. */
export interface StagePlan {
  /** the initial weights of each layer, with their weight-buffer bases */
  weights: { W: number[][]; base: number }[];
  /** every input batch (quantized X), in the order the run loads them */
  inputs: number[][][];
}

export interface TrainingDevice {
  readonly name: string;
  /** called once before the first command, with everything the run will load */
  stage?(plan: StagePlan): Promise<void>;
  loadW(W: number[][], base: number): Promise<number>;
  loadX(X: number[][], base: number): Promise<number>;
  loadDy(dY: number[][], base: number): Promise<number>;
  compute(step: Step, dims: LayerDims, bases: TensorBases): Promise<ComputeOutcome>;
  readResult(): Promise<bigint[][]>;
  /** result (batch x cols) -> X at base, requantized, ReLU if asked */
  moveToX(base: number, q: RequantCommand & { relu: boolean }): Promise<number>;
  /** result (batch x cols) -> dY at base, requantized, masked by X at maskBase > 0 */
  moveToDy(base: number, maskBase: number, q: RequantCommand): Promise<number>;
  /** W (the last result's shape) at base <- W - round(result / 2^shift) */
  updateW(base: number, q: RequantCommand): Promise<number>;
  readW(base: number, rows: number, cols: number): Promise<number[][]>;
  close(): Promise<void>;
}

/** The golden model behind the device interface; tensors are kept by base. */
export class GoldenDevice implements TrainingDevice {
  readonly name = 'golden';
  private readonly W = new Map<number, number[][]>();
  private readonly X = new Map<number, number[][]>();
  private readonly dY = new Map<number, number[][]>();
  private result: bigint[][] = [];

  constructor(private readonly model: CoreModel) {}

  private get(map: Map<number, number[][]>, base: number, what: string): number[][] {
    const t = map.get(base);
    if (!t) throw new Error(`golden device: no ${what} at base ${base}`);
    return t;
  }

  async loadW(W: number[][], base: number) {
    this.W.set(base, W);
    return W.length * W[0].length + 1;
  }

  async loadX(X: number[][], base: number) {
    this.X.set(base, X);
    return X.length * X[0].length + 1;
  }

  async loadDy(dY: number[][], base: number) {
    this.dY.set(base, dY);
    return dY.length * dY[0].length + 1;
  }

  async compute(step: Step, dims: LayerDims, bases: TensorBases): Promise<ComputeOutcome> {
    const ops = {
      W: step === 'wg' ? [] : this.get(this.W, bases.w, 'W'),
      X: step === 'bp' ? [] : this.get(this.X, bases.x, 'X'),
      dY: step === 'fp' ? [] : this.get(this.dY, bases.dy, 'dY'),
    };
    this.result = runStep(step, ops, this.model.accBits);
    const core = coreShape(this.model);
    return {
      cycles: predictComputeCycles(core, step, dims, { X: ops.X, dY: ops.dY }),
      resultBits: magnitudeBits(this.result),
      effectualMacs: countEffectualMacs(step, ops),
      skippedMacs: sparseWork(core, step, dims, { X: ops.X, dY: ops.dY }).skipped,
    };
  }

  async readResult() {
    return this.result;
  }

  /** The X and dY a compute reads (the zero-skipping core's energy counts depend on them). */
  operandsOf(step: Step, bases: TensorBases): { X: number[][]; dY: number[][] } {
    return {
      X: step === 'bp' ? [] : this.get(this.X, bases.x, 'X'),
      dY: step === 'fp' ? [] : this.get(this.dY, bases.dy, 'dY'),
    };
  }

  async moveToX(base: number, q: RequantCommand & { relu: boolean }) {
    this.X.set(base, requantize(this.result, this.model.opBits, { ...q, shift: commandShift(q.shift, this.model.accBits) }));
    return moveCycles(this.result);
  }

  async moveToDy(base: number, maskBase: number, q: RequantCommand) {
    const mask = this.get(this.X, maskBase, 'X (mask)');
    this.dY.set(base, requantize(this.result, this.model.opBits, { ...q, shift: commandShift(q.shift, this.model.accBits), mask }));
    return moveCycles(this.result);
  }

  async updateW(base: number, q: RequantCommand) {
    const W = this.get(this.W, base, 'W');
    this.W.set(base, updateWeights(W, this.result, this.model.opBits, commandShift(q.shift, this.model.accBits), q.mode, q.seed));
    return updateCycles(this.result, this.model.cols);
  }

  async readW(base: number) {
    return this.get(this.W, base, 'W').map((row) => row.slice());
  }

  async close() {}
}

/**
 * Cycles of an elementwise pass over the last result: one to start, one element
 * per cycle, the requantization pipeline (an element is written REQUANT_STAGES
 * cycles after it is taken from the read registers), one to finish.
 */
function moveCycles(result: bigint[][]): number {
  return result.length * (result[0]?.length ?? 0) + 2 + REQUANT_STAGES;
}

/**
 * Cycles of reading W out: one element per cycle through the read port's two
 * stages (the buffer's read register, the output register), plus three: the
 * first read, its move into the output register, and done after the last.
 */
export function readWeightCycles(rows: number, cols: number): number {
  return rows * cols + 3;
}

/** Cycles of a weight update: a row segment of `cols` weights per cycle, through the requantization pipeline. */
function updateCycles(result: bigint[][], cols: number): number {
  return result.length * Math.ceil((result[0]?.length ?? 0) / cols) + 2 + REQUANT_STAGES;
}
