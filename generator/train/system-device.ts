/**
 * The whole system (AXI4-Lite registers, command queue, DMA, the core, the
 * AXI4 memory model) as a training device, driven the way a host CPU would
 * drive it, and checked command by command against the golden model:
 *
 *   - before the run the host puts the initial weights (dense) and every input
 *     batch (zero-value compressed, in load order) into the memory image;
 *   - every command is a descriptor pushed through DESC0..15 and DESC_PUSH
 *     (only the words that changed since the last push are written);
 *   - the host waits only where it needs an answer: after FP and BP (it reads
 *     RESULT_BITS through the register slave for its shift), after
 *     READ_RESULT (it reads the logits from memory through the backdoor) and
 *     after READ_W; every other command is pushed and left to run. A wait is
 *     the interrupt (IRQ flag of the descriptor, or the core going idle),
 *     IRQ_STATUS read and cleared (write 1), and DESC_DONE read until every
 *     pushed descriptor has finished;
 *   - the output error is written into memory through the backdoor, then
 *     loaded by LOAD_DY; the weights stay on chip (READ_W only for the
 *     verification's weight checks).
 *
 * Checks: every core command against the golden model's (the testbench's
 * "core" line: the cycle model's cycles for computes, moves and updates,
 * at least the port's cycles for loads and stores, the result magnitude of
 * FP, BP and WG), every logit and every checked weight bit for bit, and the
 * core's BYTES_READ / BYTES_WRITTEN against the traffic model of everything
 * issued (at every weight check and at the end). The first difference stops
 * the run with a message naming it.
 */
import type { CoreModel } from '../elaborate/model.ts';
import { FAULTS, registerOffset } from '../elaborate/regmap.ts';
import { readCycles } from '../golden/cycles.ts';
import { loadRowSegments } from '../golden/dma-timing.ts';
import { MemoryImage, readDense, writeDense, type Descriptor, type Traffic } from '../golden/traffic.ts';
import type { Energy } from '../golden/energy.ts';
import { commandCycleBudget } from '../sim/limits.ts';
import { busShape } from '../sim/memory-step.ts';
import { compileDesign, type CompiledSim, type SimulatorName } from '../sim/simulators.ts';
import {
  currentCycle,
  memoryAnswerBytes,
  readMemory,
  readRegister,
  SystemSession,
  waitInterrupt,
  writeMemory,
  writeRegister,
  type HostAction,
  type SystemAnswers,
} from '../sim/system-session.ts';
import type { CoreCommandRun, MemoryBehaviour } from '../sim/system.ts';
import type { LayerDims, Step, TensorBases } from '../types.ts';
import { GoldenDevice, readWeightCycles, type ComputeOutcome, type RequantCommand, type StagePlan, type TrainingDevice } from './device.ts';
import { denseStride, layOut, MemoryLedger, stageDescriptor, type HostLayout, type Purpose } from './host-memory.ts';

class GoldenMismatch extends Error {}

/** What the testbench's "core" line of a command must show. */
interface ExpectedCore {
  op: Descriptor['op'];
  label: string;
  /** the cycle model's cycles (computes, moves, update) */
  exact?: number;
  /** the port's cycles, a lower bound (loads and stores wait on memory) */
  atLeast?: number;
  bits?: number;
  /** a load or READ_RESULT of the run: its cycles are transfer cycles */
  transfer: boolean;
}

/** The figures of a run through memory. */
export interface MemoryRunFigures {
  /** from the host's first DESC_PUSH to the end of the run's last descriptor, weight checks left out */
  endToEndCycles: number;
  memory: { bytesRead: number; bytesWritten: number; inputBytesRead: number; inputBytesUncompressed: number };
  energy: Energy;
  /** core cycles of the run's loads and READ_RESULTs, measured (they wait on memory) */
  transferCycles: number;
  /** the weight checks (READ_W of every layer after every step): their cycles and bytes, left out of the figures above */
  verification: { cycles: number; bytesRead: number; bytesWritten: number };
  descriptors: number;
  memoryBytesUsed: number;
}

const FAULT_NAME = new Map(FAULTS.map((f) => [f.code, f.name]));
const DESC_PUSH = registerOffset('DESC_PUSH');
const IRQ_FAULT = 2;

export class SystemDevice implements TrainingDevice {
  readonly name: string;
  readonly golden: GoldenDevice;
  private readonly bus;
  private readonly ledger: MemoryLedger;
  private session: SystemSession | undefined;
  private layout: HostLayout | undefined;
  private nextInput = 0;
  private staged: number[] = new Array<number>(16).fill(0);
  /** actions not sent yet: pushes go out with the next exchange (the simulation waits while the host does not act) */
  private outbox: HostAction[] = [];
  private readonly expected: ExpectedCore[] = [];
  private readonly purposes: Purpose[] = [];
  private readonly labels: string[] = [];
  private pushed = 0;
  /** descriptors the host knows have left the queue (DESC_DONE, or the queue level) */
  private knownDone = 0;
  private finished = 0;
  /** sequence number of the last LOAD_DY from the error area */
  private errorAreaReader = -1;
  /** cycle budget of the descriptors pushed since the last wait */
  private pendingCycles = 0;
  private firstStart: number | undefined;
  private lastRunDone = 0;
  private lastCheckEnd = 0;
  private checkCycles = 0;
  private transferCycles = 0;
  private shape = { M: 0, N: 0 };
  /** core lines not yet matched to their descriptor, by the order the core took them */
  private coreLines = new Map<number, CoreCommandRun>();
  private nextCoreSeq = 0;
  private lastStep = '';
  private context = '';

  private constructor(
    private readonly model: CoreModel,
    private readonly compiled: CompiledSim,
    private readonly memory: MemoryBehaviour,
    simulator: SimulatorName,
  ) {
    this.name = `${simulator}, through memory`;
    this.golden = new GoldenDevice(model);
    this.bus = busShape(model);
    this.ledger = new MemoryLedger(model, this.bus);
  }

  static async open(model: CoreModel, simulator: SimulatorName, memory: MemoryBehaviour): Promise<SystemDevice> {
    const compiled = await compileDesign(model, simulator, { bench: 'system' });
    return new SystemDevice(model, compiled, memory, simulator);
  }

  /** Names the training step and layer in mismatch messages. */
  setContext(text: string): void {
    this.context = text;
  }

  private mismatch(what: string): never {
    throw new GoldenMismatch(`${this.name} differs from the golden model${this.context ? ` (${this.context})` : ''}: ${what}`);
  }

  async stage(plan: StagePlan): Promise<void> {
    if (this.session) throw new Error('system device: the run is staged once, before its first command');
    this.layout = layOut(this.model, this.bus, plan);
    this.session = await SystemSession.start(this.model, this.compiled, this.layout.image, this.memory);
    // DONE and FAULT raise the interrupt
    this.outbox.push(writeRegister('IRQ_ENABLE', 3));
  }

  private need(): { session: SystemSession; layout: HostLayout } {
    if (!this.session || !this.layout)
      throw new Error('system device: stage() puts the weights and inputs into memory before the first command');
    return { session: this.session, layout: this.layout };
  }

  /** Sends the outbox and `actions`; checks the core commands and books the descriptors that finished meanwhile. */
  private async exchange(actions: HostAction[], what: string, bytes = 0): Promise<string[][]> {
    const { session } = this.need();
    const all = [...this.outbox, ...actions];
    const sent = this.outbox.length;
    this.outbox = [];
    const scale = this.memory.randomSeed === undefined ? 1 : 4;
    const budget = commandCycleBudget(scale * this.pendingCycles) + 100 * all.length;
    const got: SystemAnswers = await session.run(all, budget, what, bytes);
    if (this.firstStart === undefined) {
      const push = got.answers.find((f) => f[0] === 'w' && parseInt(f[1], 16) === DESC_PUSH);
      if (push) this.firstStart = Number(push[3]);
    }
    // the core's lines in the order it took the commands (a load may end before the compute beside it)
    for (const core of got.core) this.coreLines.set(core.seq, core);
    for (let core = this.coreLines.get(this.nextCoreSeq); core; core = this.coreLines.get(this.nextCoreSeq)) {
      this.coreLines.delete(this.nextCoreSeq++);
      const e = this.expected.shift();
      if (!e) this.mismatch(`the core ran ${core.op}, which no descriptor asked for`);
      if (core.op !== e.op) this.mismatch(`the core ran ${core.op} where ${e.label} was next`);
      if (e.exact !== undefined && core.cycles !== e.exact)
        this.mismatch(`${e.label} took ${core.cycles} cycles, the cycle model says ${e.exact}`);
      if (e.atLeast !== undefined && core.cycles < e.atLeast)
        this.mismatch(`${e.label} took ${core.cycles} cycles, fewer than the ${e.atLeast} its port needs`);
      if (e.bits !== undefined && core.resultBits !== e.bits)
        this.mismatch(`${e.label} reports a ${core.resultBits}-bit largest magnitude, the golden result needs ${e.bits}`);
      if (e.transfer) this.transferCycles += core.cycles;
    }
    for (const cycle of got.descriptors) {
      const purpose = this.purposes[this.finished++];
      if (purpose === undefined) throw new Error(`${what}: a descriptor finished that the host never pushed`);
      if (purpose === 'run') this.lastRunDone = cycle;
    }
    return got.answers.slice(sent);
  }

  /**
   * Pushes a descriptor (the DESC words that changed, then DESC_PUSH); it
   * goes out with the next exchange. The queue never overflows: when the
   * host's count of descriptors that may still be queued reaches the queue's
   * depth, it reads the queue level first.
   */
  private async push(d: Descriptor, purpose: Purpose, e: Omit<ExpectedCore, 'op' | 'transfer'>, ops?: { X: number[][]; dY: number[][] }) {
    const depth = this.model.memory.queueDepth;
    while (this.pushed - this.knownDone >= depth) {
      const [status] = await this.exchange([readRegister('STATUS')], `the queue level before ${e.label}`);
      const level = (parseInt(status[2], 16) >>> 16) & 0x1ff;
      // the running descriptor has left the queue but not finished: count it as queued
      this.knownDone = Math.max(this.knownDone, this.pushed - level - 1);
    }
    const { words, writes } = stageDescriptor(this.staged, d);
    this.staged = words;
    const traffic = this.ledger.record(d, purpose, ops);
    this.outbox.push(...writes.map((w) => writeRegister(`DESC${w.word}`, w.value)), writeRegister('DESC_PUSH', 1));
    const transfer = purpose === 'run' && (d.op === 'loadW' || d.op === 'loadX' || d.op === 'loadDy' || d.op === 'readResult');
    this.expected.push({ op: d.op, transfer, ...e });
    this.purposes.push(purpose);
    this.labels.push(`${e.label}${this.context ? `, ${this.context}` : ''}`);
    this.pushed++;
    this.pendingCycles += (e.exact ?? e.atLeast ?? 0) + memoryCycles(traffic, this.memory.latency);
  }

  /**
   * Waits until every pushed descriptor has finished: the interrupt, then
   * IRQ_STATUS (a fault stops the run with its code and descriptor) and its
   * DONE cleared, then DESC_DONE; again while DESC_DONE is short (DONE also
   * rises when the core goes idle between two pushes). `after` are actions
   * whose answers are only good once everything has finished (a register or
   * memory read); their answers are returned.
   */
  private async waitAll(what: string, after: HostAction[] = [], bytes = 0): Promise<string[][]> {
    // nothing pushed since the last wait: no interrupt will come
    if (this.knownDone === this.pushed) return after.length ? this.exchange(after, what, bytes) : [];
    for (;;) {
      const answers = await this.exchange(
        [
          waitInterrupt(commandCycleBudget((this.memory.randomSeed === undefined ? 1 : 4) * this.pendingCycles)),
          readRegister('IRQ_STATUS'),
          writeRegister('IRQ_STATUS', 1),
          readRegister('DESC_DONE_LO'),
          ...after,
        ],
        what,
        bytes,
      );
      const irqStatus = parseInt(answers[1][2], 16);
      if (irqStatus & IRQ_FAULT) {
        const [code, index] = (await this.exchange([readRegister('FAULT_CODE'), readRegister('FAULT_INDEX')], 'reading the fault')).map(
          (f) => parseInt(f[2], 16),
        );
        throw new Error(
          `${what}: the core stopped with the fault ${FAULT_NAME.get(code) ?? code} at descriptor ${index} (${this.labels[index] ?? 'unknown'})`,
        );
      }
      const done = parseInt(answers[3][2], 16);
      if (done === this.pushed % 2 ** 32) {
        this.knownDone = this.pushed;
        this.pendingCycles = 0;
        if (this.finished !== this.pushed)
          throw new Error(`${what}: DESC_DONE says ${done} descriptors finished, the testbench saw ${this.finished}`);
        if (this.expected.length) this.mismatch(`${this.expected[0].label} finished without its core command`);
        return answers.slice(4);
      }
    }
  }

  /** The port's cycles of a load: one per segment (the load engine's, loadRowSegments), plus one. */
  private expectLoad(target: 'w' | 'x' | 'dy', rows: number, cols: number, compressed = false) {
    const blockCols = this.model.memory.loadBlockCols[target];
    return rows * loadRowSegments(this.model, { cols, blockCols, compressed }).length + 1;
  }

  async loadW(W: number[][], base: number) {
    const { layout } = this.need();
    const staged = layout.weights.get(base);
    if (!staged || JSON.stringify(staged.W) !== JSON.stringify(W))
      throw new Error(`system device: loadW of weights at base ${base} that the host did not stage`);
    const predicted = await this.golden.loadW(W, base);
    const dims = { batch: 1, din: W[0].length, dout: W.length };
    await this.push({ op: 'loadW', dims, bases: { w: base }, addr: staged.addr, stride: staged.stride }, 'run', {
      label: `LOAD_W ${dims.dout} x ${dims.din}`,
      atLeast: this.expectLoad('w', dims.dout, dims.din),
    });
    return predicted;
  }

  async loadX(X: number[][], base: number) {
    const { layout } = this.need();
    const staged = layout.inputs[this.nextInput];
    if (!staged || JSON.stringify(staged.X) !== JSON.stringify(X))
      throw new Error(
        `system device: loadX of a batch that is not the next staged one (batch ${this.nextInput} of ${layout.inputs.length})`,
      );
    this.nextInput++;
    const predicted = await this.golden.loadX(X, base);
    const dims = { batch: X.length, din: X[0].length, dout: 1 };
    await this.push({ op: 'loadX', dims, bases: { x: base }, addr: staged.addr, compressed: true, bytes: staged.bytes }, 'run', {
      label: `LOAD_X ${dims.batch} x ${dims.din} (compressed)`,
      atLeast: this.expectLoad('x', dims.batch, dims.din, true),
    });
    return predicted;
  }

  async loadDy(dY: number[][], base: number) {
    const { layout } = this.need();
    const predicted = await this.golden.loadDy(dY, base);
    const rows = dY.length;
    const cols = dY[0].length;
    const stride = denseStride(cols, this.bus.elementBytes, this.bus);
    const size = (rows - 1) * stride + cols * this.bus.elementBytes;
    if (size > layout.errorArea.size) throw new Error(`system device: dY of ${rows} x ${cols} does not fit the error area`);
    // the last LOAD_DY must have read the area before the host writes it again
    if (this.errorAreaReader >= this.knownDone) await this.waitAll('before writing dY');
    const image = new MemoryImage();
    const addr = layout.errorArea.addr;
    writeDense(image, { addr, stride, elementBytes: this.bus.elementBytes }, dY);
    this.outbox.push(writeMemory(addr, image.read(addr, size)));
    this.errorAreaReader = this.pushed;
    const dims = { batch: rows, din: 1, dout: cols };
    await this.push({ op: 'loadDy', dims, bases: { dy: base }, addr, stride }, 'run', {
      label: `LOAD_DY ${rows} x ${cols}`,
      atLeast: this.expectLoad('dy', rows, cols),
    });
    return predicted;
  }

  async compute(step: Step, dims: LayerDims, bases: TensorBases): Promise<ComputeOutcome> {
    const ops = this.golden.operandsOf(step, bases);
    const expected = await this.golden.compute(step, dims, bases);
    const result = await this.golden.readResult();
    this.shape = { M: result.length, N: result[0].length };
    this.lastStep = `${step.toUpperCase()} batch ${dims.batch} din ${dims.din} dout ${dims.dout}`;
    // the host needs the magnitude of FP and BP for its next shift; WG's is checked from the testbench's line
    const waits = step !== 'wg';
    await this.push(
      { op: step, dims, bases, irq: waits },
      'run',
      { label: this.lastStep, exact: expected.cycles, bits: expected.resultBits },
      ops,
    );
    if (!waits) return expected;
    const [bits] = await this.waitAll(this.lastStep, [readRegister('RESULT_BITS')]);
    const resultBits = parseInt(bits[2], 16);
    if (resultBits !== expected.resultBits)
      this.mismatch(`RESULT_BITS after ${this.lastStep} reads ${resultBits}, the golden result needs ${expected.resultBits}`);
    return { ...expected, resultBits };
  }

  /** Stores rows x cols read-port words at the result area with `d`, waits, and reads them back through the backdoor. */
  private async store(d: Descriptor, purpose: Purpose, rows: number, cols: number, bits: number, e: Omit<ExpectedCore, 'op' | 'transfer'>) {
    const { layout } = this.need();
    const stride = denseStride(cols, this.bus.resultBytes, this.bus);
    const size = (rows - 1) * stride + cols * this.bus.resultBytes;
    if (size > layout.resultArea.size) throw new Error(`system device: ${rows} x ${cols} results do not fit the result area`);
    const addr = layout.resultArea.addr;
    await this.push({ ...d, addr, stride, irq: true }, purpose, e);
    const [answer] = await this.waitAll(e.label, [readMemory(addr, size)], size);
    const image = new MemoryImage();
    image.write(addr, memoryAnswerBytes(answer, size));
    try {
      return readDense(image, { addr, stride, elementBytes: this.bus.resultBytes }, rows, cols, bits);
    } catch (err) {
      return this.mismatch(`${e.label} stored ${(err as Error).message}`);
    }
  }

  async readResult() {
    const expected = await this.golden.readResult();
    const { M, N } = this.shape;
    const label = `READ_RESULT of the ${this.lastStep} result`;
    const got = await this.store({ op: 'readResult', dims: { batch: M, din: N, dout: N } }, 'run', M, N, this.model.accBits, {
      label,
      atLeast: readCycles(M, N, this.model.readPort),
    });
    for (let r = 0; r < M; r++) {
      for (let c = 0; c < N; c++) {
        if (got[r][c] !== expected[r][c])
          this.mismatch(`the ${this.lastStep} result[${r}][${c}] is ${got[r][c]}, expected ${expected[r][c]}`);
      }
    }
    return expected;
  }

  private async elementwise(d: Descriptor, label: string, predicted: number): Promise<number> {
    await this.push(d, 'run', { label, exact: predicted });
    return predicted;
  }

  private requant(q: RequantCommand & { relu?: boolean }) {
    return { shift: q.shift, stochastic: q.mode === 'stochastic', relu: q.relu ?? false, seed: q.seed };
  }

  async moveToX(base: number, q: RequantCommand & { relu: boolean }) {
    const predicted = await this.golden.moveToX(base, q);
    const { M, N } = this.shape;
    return this.elementwise(
      { op: 'moveToX', dims: { batch: M, din: N, dout: 1 }, bases: { x: base }, ...this.requant(q) },
      `MOVE_X ${M} x ${N}`,
      predicted,
    );
  }

  async moveToDy(base: number, maskBase: number, q: RequantCommand) {
    const predicted = await this.golden.moveToDy(base, maskBase, q);
    const { M, N } = this.shape;
    return this.elementwise(
      { op: 'moveToDy', dims: { batch: M, din: 1, dout: N }, bases: { dy: base, x: maskBase }, ...this.requant(q) },
      `MOVE_DY ${M} x ${N}`,
      predicted,
    );
  }

  async updateW(base: number, q: RequantCommand) {
    const predicted = await this.golden.updateW(base, q);
    const { M, N } = this.shape;
    return this.elementwise(
      { op: 'updateW', dims: { batch: 1, din: N, dout: M }, bases: { w: base }, ...this.requant(q) },
      `UPDATE_W ${M} x ${N}`,
      predicted,
    );
  }

  private async readWeights(base: number, rows: number, cols: number, purpose: Purpose): Promise<number[][]> {
    const got = await this.store(
      { op: 'readW', dims: { batch: 1, din: cols, dout: rows }, bases: { w: base } },
      purpose,
      rows,
      cols,
      this.model.opBits,
      {
        label: `READ_W ${rows} x ${cols} at base ${base}`,
        atLeast: readWeightCycles(rows, cols),
      },
    );
    return got.map((row) => row.map(Number));
  }

  async readW(base: number, rows: number, cols: number) {
    return this.readWeights(base, rows, cols, 'run');
  }

  /** The core's byte counters against the traffic model of every descriptor issued (all of them must have finished). */
  private async checkCounters(when: string): Promise<Traffic> {
    const [rl, rh, wl, wh] = (
      await this.exchange(
        ['BYTES_READ_LO', 'BYTES_READ_HI', 'BYTES_WRITTEN_LO', 'BYTES_WRITTEN_HI'].map((name) => readRegister(name)),
        `the byte counters ${when}`,
      )
    ).map((f) => parseInt(f[2], 16));
    const read = rh * 2 ** 32 + rl;
    const written = wh * 2 ** 32 + wl;
    const model = this.ledger.total();
    if (read !== model.bytesRead || written !== model.bytesWritten) {
      throw new Error(
        `${this.name}: ${when}, the core counted ${read} bytes read and ${written} written; the traffic model of the ${this.pushed} descriptors issued says ${model.bytesRead} and ${model.bytesWritten}`,
      );
    }
    return model;
  }

  /**
   * Reads W back (READ_W to memory, backdoor read) and compares it with the
   * golden model's, naming the first difference; then the byte counters. The
   * check's cycles and bytes are kept apart from the run's figures.
   */
  async checkWeights(base: number, rows: number, cols: number, layer: number): Promise<void> {
    await this.waitAll('the run before a weight check');
    const from = Math.max(this.lastRunDone, this.lastCheckEnd);
    const expected = await this.golden.readW(base);
    const actual = await this.readWeights(base, rows, cols, 'check');
    for (let o = 0; o < rows; o++) {
      for (let i = 0; i < cols; i++) {
        if (actual[o][i] !== expected[o][i]) this.mismatch(`layer ${layer} W[${o}][${i}] is ${actual[o][i]}, expected ${expected[o][i]}`);
      }
    }
    await this.checkCounters(`after the weight check of layer ${layer}${this.context ? ` (${this.context})` : ''}`);
    const [now] = await this.exchange([currentCycle()], 'the time');
    this.lastCheckEnd = Number(now[1]);
    this.checkCycles += this.lastCheckEnd - from;
  }

  /** Waits for the run's last descriptor, checks the counters, and returns the run's figures. */
  async finish(): Promise<MemoryRunFigures> {
    await this.waitAll('the end of the run');
    await this.checkCounters('at the end of the run');
    if (this.firstStart === undefined) throw new Error(`${this.name}: the run pushed no descriptor`);
    const run = this.ledger.trafficOf('run');
    const check = this.ledger.trafficOf('check');
    return {
      endToEndCycles: this.lastRunDone - this.firstStart - this.checkCycles,
      memory: {
        bytesRead: run.bytesRead,
        bytesWritten: run.bytesWritten,
        inputBytesRead: run.inputBytesRead,
        inputBytesUncompressed: run.inputBytesUncompressed,
      },
      energy: this.ledger.energy(),
      transferCycles: this.transferCycles,
      verification: { cycles: this.checkCycles, bytesRead: check.bytesRead, bytesWritten: check.bytesWritten },
      descriptors: this.pushed,
      memoryBytesUsed: this.need().layout.end,
    };
  }

  async close() {
    await this.session?.close();
  }
}

/** A watchdog's allowance for a descriptor's memory side: a beat a cycle, and the latency and some per burst. */
function memoryCycles(t: Traffic, latency: number): number {
  return t.readBeats + t.writeBeats + (t.readBursts + t.writeBursts) * (latency + 64);
}
