/**
 * End-to-end cycle model of the system top (templates/system.v.hbs) with the
 * deterministic memory of testbench/axi_memory_model.sv (read latency L, one
 * beat per cycle, B one cycle after WLAST by default): the cycles
 * generator/sim/system.ts's runProgram reports as endToEndCycles, from the
 * edge that takes the CTRL.START_PROGRAM write to the edge after which irq_o
 * is high, and each core command's cycles (the testbench's "core OP CYCLES").
 *
 * A register-level replay, unit by unit, of what docs/memory-system.md
 * ("End-to-end cycle model") describes:
 *   - the register slave: the write is done the edge after its handshake,
 *     START_PROGRAM is a register, so the fetch starts at edge 2;
 *   - the program fetch: one request for min(remaining, free) descriptors
 *     (free = Depth - level - asked for, and the request's size, each a
 *     register a cycle old), beats into the descriptor register,
 *     one cycle of push per descriptor (its data_ready is low meanwhile);
 *   - the shared reader (the load's request first), the memory, the DMA
 *     engines and the writer: generator/golden/dma-timing.ts's classes;
 *   - the command queue's level; the sequencer's stages: pop, decode, shape
 *     (one edge each), for a dense load or store the span (DimBits edges) and
 *     for any load or store the end and last adds (one edge each), check and
 *     verdict (one edge each), issue (the core takes the command the edge
 *     after the verdict), the DMA job the edge after, run until the core's done_o,
 *     the job's done_o and an idle reader and writer, then idle for one edge;
 *   - the core at its ports (generator/golden/cycles.ts): a load's write port
 *     is ready from the edge after the acceptance and done_o follows the last
 *     element by one edge; a read's port offers its first element at
 *     acceptance + 3 and one per cycle while taken, done_o one edge after the
 *     last; any other command's done_o comes its cycle-model cycles after
 *     the acceptance;
 *   - the interrupt: a descriptor with the IRQ flag (or STATUS.BUSY falling)
 *     sets done_event, then IRQ_STATUS.DONE, then irq_o: 3 edges after the
 *     last descriptor's end.
 */
import { coreShape, type CoreModel } from '../elaborate/model.ts';
import { DESCRIPTOR_BYTES } from '../elaborate/regmap.ts';
import { predictComputeCycles } from './cycles.ts';
import { gemmShape } from './gemm.ts';
import { LoadEngineTiming, ReaderTiming, ReadMemoryTiming, StoreEngineTiming, WriteMemoryTiming, WriterTiming } from './dma-timing.ts';
import { descriptorTensor, type Descriptor } from './traffic.ts';
import type { Operands, Step } from '../types.ts';

export interface SystemCommand {
  descriptor: Descriptor;
  /** the core's cycles of a command that neither loads nor stores (FP, BP, WG, moves, the update) */
  coreCycles?: number;
  /** a compressed load: its tensor (where its zeros are decides the decoder's steps) */
  tensor?: readonly (readonly number[])[];
}

export interface SystemMemoryTiming {
  /** read latency: cycles from a burst's AR to its first beat */
  latency: number;
  /** cycles from WLAST to the B response (the memory model's default is 1) */
  writeRespDelay?: number;
}

export interface SystemTiming {
  /** edges from the CTRL.START_PROGRAM write's handshake to irq_o (runProgram's endToEndCycles) */
  endToEndCycles: number;
  /** each descriptor's core command: from the core's acceptance to its done_o (the testbench's core lines) */
  coreCycles: number[];
  /** each descriptor's edges: popped from the queue, taken by the core, ended (the sequencer idle again) */
  descriptors: { pop: number; accept: number; end: number }[];
}

const COMPUTES: Partial<Record<string, Step>> = { fp: 'fp', bp: 'bp', wg: 'wg' };

const LIMIT = 50_000_000;

/** templates/program_fetch.v.hbs (no host pushes, no faults). */
class FetchTiming {
  active = false;
  private remaining = 0;
  private addr = 0;
  private reqValid = false;
  private reqBytes = 0;
  private inFlight = false;
  private reserved = 0;
  private beat = 0;
  /** free_q and ask_q: the free entries and the next request's size, registered */
  private freeQ = 0;
  private askQ = 0;
  pending = false;
  constructor(
    private readonly depth: number,
    private readonly descBeats: number,
  ) {}

  get request(): { addr: number; bytes: number; tag: number } | undefined {
    return this.reqValid ? { addr: this.addr, bytes: this.reqBytes, tag: 0 } : undefined;
  }

  /** One edge: start_i, the queue's level, the reader's ready for this request, a beat taken and whether it is the request's last. */
  clock(
    start: boolean,
    progAddr: number,
    count: number,
    level: number,
    reqReady: boolean,
    take: boolean,
    takeLast: boolean,
  ): { push: boolean } {
    const used = level + this.reserved;
    const free = used >= this.depth ? 0 : this.depth - used;
    const ask = Math.min(this.remaining, this.freeQ);
    const push = this.pending;
    const askNow = this.active && !this.inFlight && !this.reqValid && this.remaining !== 0 && this.askQ !== 0;
    const asked = this.askQ;
    this.freeQ = free;
    this.askQ = askNow ? 0 : ask;
    const descEnd = this.beat === this.descBeats - 1;
    const reqTaken = this.reqValid && reqReady;
    if (start && !this.active && count !== 0) {
      this.active = true;
      this.addr = progAddr;
      this.remaining = count;
    }
    if (this.active && !this.inFlight && !this.reqValid && this.remaining === 0) this.active = false;
    if (askNow) {
      this.reqValid = true;
      this.reqBytes = asked * DESCRIPTOR_BYTES;
      this.remaining -= asked;
    }
    this.reserved += (askNow ? asked : 0) - (push ? 1 : 0);
    if (reqTaken) {
      this.reqValid = false;
      this.inFlight = true;
      this.addr += this.reqBytes;
    }
    if (push) this.pending = false;
    if (take) {
      this.beat = descEnd ? 0 : this.beat + 1;
      if (descEnd) this.pending = true;
      if (takeLast) this.inFlight = false;
    }
    return { push };
  }
}

/** The buffer each load writes (its block width cuts the load's segments). */
const LOAD_TARGET = { loadW: 'w', loadX: 'x', loadDy: 'dy' } as const;
const isLoadOp = (d: Descriptor) => d.op in LOAD_TARGET;

type Stage = 'idle' | 'decode' | 'shape' | 'span' | 'end' | 'last' | 'check' | 'verdict' | 'issue' | 'run';
/** The stages that always take one edge; shape and span branch (below). */
const NEXT_STAGE: Partial<Record<Stage, Stage>> = { decode: 'shape', end: 'last', last: 'check', check: 'verdict', verdict: 'issue' };

/** What the core does at its ports for the running command. */
interface CoreRun {
  kind: 'load' | 'store' | 'other';
  accept: number;
  elements: number;
  taken: number;
  /** the edge done_o is high before (its cycle ends there) */
  doneAt: number;
  /** the command's number in the order the core took it */
  seq: number;
}

/**
 * The system's cycles for a program the host starts through PROG_ADDR,
 * PROG_COUNT and CTRL.START_PROGRAM (every descriptor valid: no fault), with
 * the deterministic memory.
 */
export function systemCycles(m: CoreModel, program: readonly SystemCommand[], memory: SystemMemoryTiming, progAddr = 0): SystemTiming {
  const mem = m.memory;
  const rmem = new ReadMemoryTiming(memory.latency);
  const wmem = new WriteMemoryTiming(memory.writeRespDelay ?? 1);
  const reader = new ReaderTiming(m);
  const writer = new WriterTiming(m);
  const fetch = new FetchTiming(mem.queueDepth, Math.max(1, (8 * DESCRIPTOR_BYTES) / mem.dataBits));
  let load: LoadEngineTiming | undefined;
  let store: StoreEngineTiming | undefined;
  let level = 0;
  // sequencer
  let stage = 'idle' as Stage;
  let spanSteps = 0;
  let index = -1;
  let loadValid = false;
  let storeValid = false;
  let coreDone = false;
  let dmaDone = false;
  let irqDone = false;
  let lastResult: { rows: number; cols: number } | undefined;
  let core: CoreRun | undefined;
  // a compute the core took: it runs in the background while the sequencer goes on
  let bg: { index: number; seq: number; accept: number; doneAt: number; irq: boolean } | undefined;
  let coreSeq = 0;
  // status: busy_q, done_event_q, IRQ_STATUS.DONE
  let busyQ = false;
  let doneEvent = false;
  let irqStatus = false;
  // by the order the core took the commands (a load may end before the compute beside it)
  const coreCycles: number[] = [];
  const descriptors: { pop: number; accept: number; end: number }[] = [];

  const tensorOf = (d: Descriptor) => {
    const t = descriptorTensor(d, lastResult);
    if (!t) throw new Error(`systemCycles: ${d.op} moves no tensor`);
    return t;
  };

  // edge 0 takes the write; edge 1 does it (START_PROGRAM's register); edges count from there
  for (let edge = 1; edge < LIMIT; edge++) {
    // ---- the core's ports and done_o, seen at this edge
    // a load segment of segCount elements, a store segment of the core's count (the core is always ready, the engine decides)
    if (core && load && core.kind === 'load' && load.segValid) {
      core.taken += load.segCount;
      if (core.taken === core.elements) core.doneAt = edge + 1;
    }
    const coreRdValid = core !== undefined && core.kind === 'store' && edge >= core.accept + 3 && core.taken < core.elements;
    const storeTakes = coreRdValid && store !== undefined && store.segReady;
    if (core && store && storeTakes) {
      core.taken += store.nextCount;
      if (core.taken === core.elements) core.doneAt = edge + 1;
    }
    const coreDoneNow = core !== undefined && core.doneAt === edge;
    if (coreDoneNow && core) coreCycles[core.seq] = edge - core.accept;
    const bgDoneNow = bg !== undefined && bg.doneAt === edge;
    if (bgDoneNow && bg) coreCycles[bg.seq] = edge - bg.accept;
    const loadDoneNow = load?.done ?? false;
    const storeDoneNow = store?.done ?? false;

    // ---- the interrupt: irq_o high after this edge
    if (irqStatus) return { endToEndCycles: edge, coreCycles, descriptors };

    // ---- combinational, from the registers
    const { rValid, rLast } = rmem;
    const { wReady, bValid } = wmem;
    const loadReq = load?.request;
    const fetchReq = fetch.request;
    const readerReqReady = reader.reqReady;
    const loadDataReady = load?.dataReady ?? false;
    const fetchDataReady = !fetch.pending;
    const beatFor = reader.outValid ? reader.outTag : -1;
    const loadTake = beatFor === 1 && loadDataReady;
    const fetchTake = beatFor === 0 && fetchDataReady;
    const outLast = reader.outLast;
    const storeReq = store?.request;
    const storeDataValid = store?.dataValid ?? false;
    const { reqReady: wrReqReady, dataReady: wrDataReady, idle: wrIdle } = writer;
    const dmaIdle = reader.idle && wrIdle;
    const running = stage !== 'idle' || bg !== undefined;
    // the sequencer holds a descriptor while a compute runs in the background (bg_busy_q), but a load without WAIT
    const hold = bg !== undefined && stage === 'issue' && !(isLoadOp(program[index].descriptor) && !program[index].descriptor.wait);
    const busy = running || fetch.active || !dmaIdle || level !== 0;
    const pop = stage === 'idle' && level !== 0;
    const runDone = stage === 'run' && coreDone && dmaDone && dmaIdle;

    // ---- the edge
    rmem.clock(edge, rValid && reader.rready, reader.arValid, reader.arLen, reader.rready);
    wmem.clock(edge, writer.wValid && wReady && writer.wLast, writer.awValid, writer.awLen);
    reader.clock(loadReq ?? fetchReq, beatFor === 1 ? loadDataReady : fetchDataReady, rValid, rLast);
    writer.clock(storeReq, storeDataValid, wReady, bValid);
    const { push } = fetch.clock(edge === 2, progAddr, program.length, level, readerReqReady && !loadReq, fetchTake, outLast);
    load?.clock(readerReqReady, loadTake, outLast);
    store?.clock(coreRdValid, wrReqReady, wrDataReady, wrIdle);
    level += (push ? 1 : 0) - (pop ? 1 : 0);

    // status
    irqStatus = irqStatus || doneEvent;
    doneEvent = irqDone || (busyQ && !busy);
    busyQ = busy;
    irqDone = false;

    // the background compute's end: DESC_DONE and its interrupt flag from the next edge on
    if (bgDoneNow && bg) {
      irqDone = bg.irq;
      descriptors[bg.index].end = edge;
      bg = undefined;
    }

    // sequencer
    if (stage === 'idle') {
      if (pop) {
        stage = 'decode';
        index++;
        descriptors.push({ pop: edge, accept: -1, end: -1 });
      }
    } else if (stage === 'issue' && hold) {
      // held until the background compute has finished
    } else if (stage === 'issue') {
      // the core takes the command at once (its load channel is free beside a compute)
      const cmd = program[index];
      const d = cmd.descriptor;
      const isLoad = isLoadOp(d);
      const isStore = d.op === 'readResult' || d.op === 'readW';
      const isCompute = COMPUTES[d.op] !== undefined;
      descriptors[index].accept = edge;
      loadValid = isLoad;
      storeValid = isStore;
      coreDone = false;
      dmaDone = !(isLoad || isStore);
      if (isLoad || isStore) {
        const t = tensorOf(d);
        core = { kind: isLoad ? 'load' : 'store', accept: edge, elements: t.rows * t.cols, taken: 0, doneAt: -1, seq: coreSeq++ };
      } else {
        if (cmd.coreCycles === undefined) throw new Error(`systemCycles: descriptor ${index} (${d.op}) needs its core cycles`);
        if (isCompute) bg = { index, seq: coreSeq++, accept: edge, doneAt: edge + cmd.coreCycles, irq: Boolean(d.irq) };
        else core = { kind: 'other', accept: edge, elements: 0, taken: 0, doneAt: edge + cmd.coreCycles, seq: coreSeq++ };
      }
      const step = COMPUTES[d.op];
      if (step) {
        const { M, N } = gemmShape(step, d.dims);
        lastResult = { rows: M, cols: N };
      }
      stage = isCompute ? 'idle' : 'run';
    } else if (stage === 'run') {
      const d = program[index].descriptor;
      // the DMA job is taken the edge after the core's acceptance (the engines are idle)
      if (loadValid) {
        const t = tensorOf(d);
        const tensor = program[index].tensor?.map((row) => [...row]);
        load = new LoadEngineTiming(m, {
          addr: d.addr ?? 0,
          rows: t.rows,
          cols: t.cols,
          stride: d.stride ?? 0,
          compressed: Boolean(d.compressed),
          bytes: d.bytes ?? 0,
          tensor,
          blockCols: m.memory.loadBlockCols[LOAD_TARGET[d.op as keyof typeof LOAD_TARGET]],
        });
        loadValid = false;
      }
      if (storeValid) {
        const t = tensorOf(d);
        // the core's read segments: up to readPort.lanes of one result word (READ_W: one weight each)
        const { lanes, wordElements } = m.readPort;
        const counts = d.op === 'readW' ? () => 1 : (col: number) => Math.min(lanes, wordElements - (col % wordElements), t.cols - col);
        store = new StoreEngineTiming(m, { addr: d.addr ?? 0, rows: t.rows, cols: t.cols, stride: d.stride ?? 0 }, counts);
        storeValid = false;
      }
      if (coreDoneNow) coreDone = true;
      if (loadDoneNow || storeDoneNow) dmaDone = true;
      if (runDone) {
        stage = 'idle';
        irqDone = irqDone || Boolean(d.irq);
        descriptors[index].end = edge;
        core = undefined;
      }
    } else if (stage === 'shape') {
      // loads and stores: the span (dense), the end and last adds; everything else goes to the check
      const d = program[index].descriptor;
      const memoryOp = descriptorTensor(d, lastResult) !== undefined;
      spanSteps = m.dimBits;
      stage = !memoryOp ? 'check' : d.compressed ? 'end' : 'span';
    } else if (stage === 'span') {
      // one bit of rows - 1 per edge, DimBits edges
      spanSteps--;
      if (spanSteps === 0) stage = 'end';
    } else {
      stage = NEXT_STAGE[stage] ?? 'idle';
    }
  }
  throw new Error(`systemCycles: no interrupt after ${LIMIT} cycles`);
}

/**
 * A program's commands with what the model needs beyond the descriptors: the
 * compute's cycles from the core's cycle model, and the tensor of each
 * compressed load (X or dY of the operands).
 */
export function programCommands(m: CoreModel, program: readonly Descriptor[], operands: Operands): SystemCommand[] {
  return program.map((descriptor) => {
    const step = COMPUTES[descriptor.op];
    if (step) return { descriptor, coreCycles: predictComputeCycles(coreShape(m), step, descriptor.dims, operands) };
    if (descriptor.compressed) return { descriptor, tensor: descriptor.op === 'loadX' ? operands.X : operands.dY };
    return { descriptor };
  });
}
