/**
 * The generated RTL as a training device, checked command by command against
 * the golden model: every command runs on the simulator and on a GoldenDevice;
 * results, result magnitudes, cycle counts and weights must agree exactly, and
 * the first difference stops the run with a message naming it.
 */
import type { CoreModel } from '../elaborate/model.ts';
import { readCycles } from '../golden/cycles.ts';
import { SimSession } from '../sim/session.ts';
import type { HostCommand, CommandResult } from '../sim/protocol.ts';
import { compileDesign, type SimulatorName } from '../sim/simulators.ts';
import { GoldenDevice, readWeightCycles, type ComputeOutcome, type RequantCommand, type TrainingDevice } from './device.ts';
import type { LayerDims, Step, TensorBases } from '../types.ts';

class GoldenMismatch extends Error {}

const NO_BASES = { wBase: 0, xBase: 0, dyBase: 0 };

export class RtlDevice implements TrainingDevice {
  readonly name: string;
  readonly golden: GoldenDevice;
  private shape = { M: 0, N: 0 };
  private lastStep = '';
  private context = '';

  private constructor(
    private readonly model: CoreModel,
    private readonly session: SimSession,
    simulator: SimulatorName,
  ) {
    this.name = simulator;
    this.golden = new GoldenDevice(model);
  }

  static async open(model: CoreModel, simulator: SimulatorName): Promise<RtlDevice> {
    const compiled = await compileDesign(model, simulator);
    return new RtlDevice(model, await SimSession.start(model, compiled), simulator);
  }

  /** Names the training step and layer in mismatch messages. */
  setContext(text: string): void {
    this.context = text;
  }

  private mismatch(what: string): never {
    throw new GoldenMismatch(`${this.name} differs from the golden model${this.context ? ` (${this.context})` : ''}: ${what}`);
  }

  /** Runs a command on the simulator; `predicted` (the cycle model's cycles) sets its watchdog and time limit. */
  private async run(command: Partial<HostCommand> & { op: HostCommand['op'] }, predicted: number): Promise<CommandResult> {
    return this.session.run({ batch: 1, din: 1, dout: 1, ...NO_BASES, ...command }, predicted);
  }

  private checkCycles(what: string, measured: number, predicted: number): void {
    if (measured !== predicted) this.mismatch(`${what} took ${measured} cycles, the cycle model says ${predicted}`);
  }

  async loadW(W: number[][], base: number) {
    const predicted = await this.golden.loadW(W, base);
    const r = await this.run({ op: 'loadW', dout: W.length, din: W[0].length, wBase: base, data: W.flat() }, predicted);
    this.checkCycles('load W', r.cycles, predicted);
    return r.cycles;
  }

  async loadX(X: number[][], base: number) {
    const predicted = await this.golden.loadX(X, base);
    const r = await this.run({ op: 'loadX', batch: X.length, din: X[0].length, xBase: base, data: X.flat() }, predicted);
    this.checkCycles('load X', r.cycles, predicted);
    return r.cycles;
  }

  async loadDy(dY: number[][], base: number) {
    const predicted = await this.golden.loadDy(dY, base);
    const r = await this.run({ op: 'loadDy', batch: dY.length, dout: dY[0].length, dyBase: base, data: dY.flat() }, predicted);
    this.checkCycles('load dY', r.cycles, predicted);
    return r.cycles;
  }

  async compute(step: Step, dims: LayerDims, bases: TensorBases): Promise<ComputeOutcome> {
    const expected = await this.golden.compute(step, dims, bases);
    const r = await this.run({ op: step, ...dims, wBase: bases.w, xBase: bases.x, dyBase: bases.dy }, expected.cycles);
    this.checkCycles(step.toUpperCase(), r.cycles, expected.cycles);
    if (r.resultBits !== expected.resultBits) {
      this.mismatch(
        `${step.toUpperCase()} reports a ${r.resultBits}-bit largest magnitude, the golden result needs ${expected.resultBits}`,
      );
    }
    const result = await this.golden.readResult();
    this.shape = { M: result.length, N: result[0].length };
    this.lastStep = `${step.toUpperCase()} batch ${dims.batch} din ${dims.din} dout ${dims.dout}`;
    return { ...expected, cycles: r.cycles };
  }

  async readResult() {
    const expected = await this.golden.readResult();
    const { M, N } = this.shape;
    const r = await this.run({ op: 'readResult', readCount: M * N }, readCycles(M, N, this.model.readPort));
    for (let i = 0; i < M * N; i++) {
      const row = Math.floor(i / N);
      const col = i % N;
      if (r.words[i] !== expected[row][col])
        this.mismatch(`the ${this.lastStep} result[${row}][${col}] is ${r.words[i]}, expected ${expected[row][col]}`);
    }
    return expected;
  }

  private async elementwise(
    op: 'moveToX' | 'moveToDy' | 'updateW',
    fields: Partial<HostCommand>,
    q: RequantCommand & { relu?: boolean },
    predicted: number,
  ): Promise<number> {
    const { M, N } = this.shape;
    const shape = op === 'updateW' ? { dout: M, din: N } : op === 'moveToX' ? { batch: M, din: N } : { batch: M, dout: N };
    const r = await this.run(
      { op, ...shape, ...fields, shift: q.shift, stochastic: q.mode === 'stochastic', relu: q.relu ?? false, seed: q.seed },
      predicted,
    );
    this.checkCycles(op, r.cycles, predicted);
    return r.cycles;
  }

  async moveToX(base: number, q: RequantCommand & { relu: boolean }) {
    const predicted = await this.golden.moveToX(base, q);
    return this.elementwise('moveToX', { xBase: base }, q, predicted);
  }

  async moveToDy(base: number, maskBase: number, q: RequantCommand) {
    const predicted = await this.golden.moveToDy(base, maskBase, q);
    return this.elementwise('moveToDy', { dyBase: base, xBase: maskBase }, q, predicted);
  }

  async updateW(base: number, q: RequantCommand) {
    const predicted = await this.golden.updateW(base, q);
    return this.elementwise('updateW', { wBase: base }, q, predicted);
  }

  async readW(base: number, rows: number, cols: number) {
    const predicted = readWeightCycles(rows, cols);
    const r = await this.run({ op: 'readW', dout: rows, din: cols, wBase: base, readCount: rows * cols }, predicted);
    this.checkCycles('read W', r.cycles, predicted);
    return Array.from({ length: rows }, (_, o) => r.words.slice(o * cols, (o + 1) * cols).map(Number));
  }

  /** Reads W back and compares it with the golden model's, naming the first difference. */
  async checkWeights(base: number, rows: number, cols: number, layer: number): Promise<void> {
    const expected = await this.golden.readW(base);
    const actual = await this.readW(base, rows, cols);
    for (let o = 0; o < rows; o++) {
      for (let i = 0; i < cols; i++) {
        if (actual[o][i] !== expected[o][i]) this.mismatch(`layer ${layer} W[${o}][${i}] is ${actual[o][i]}, expected ${expected[o][i]}`);
      }
    }
  }

  async close() {
    await this.session.close();
  }
}
