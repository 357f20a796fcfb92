/**
 * Cycle model of the memory-system engines with the deterministic memory
 * (docs/memory-system.md, "DMA timing"): a register-level replay of
 * templates/axi_reader, axi_writer, dma_load, dma_store and stream_fifo, and
 * of the testbench memory's deterministic timing (an AR or a W burst's last
 * beat at edge t: the first R beat, or the B response, no earlier than edge
 * t + latency; then one beat per edge; AR, AW always ready, W ready from the
 * edge after its AW).
 *
 * Times are rising edges counted from the edge that accepts the job (edge 0);
 * an event "at edge k" is a handshake sampled at edge k, or done_o high in the
 * cycle that edge k ends. The element consumer of a load is always ready and
 * the element producer of a store always valid (the testbench's deterministic
 * mode); the engines and the memory are idle when the job is accepted.
 *
 * Each cycle computes every combinational signal from the registers, then
 * updates the registers, in the RTL's order; tests/sim/dma.test.ts checks
 * that the edges it gives equal the simulated ones on both simulators.
 */
import type { CoreModel } from '../elaborate/model.ts';
import { chunkBytes } from './zvc.ts';

export interface LoadTimingJob {
  addr: number;
  rows: number;
  cols: number;
  stride: number;
  compressed: boolean;
  /** compressed: the stream's bytes */
  bytes: number;
  /** compressed: the tensor (rows x cols, its zeros decide the decoder's steps) */
  tensor?: readonly (readonly number[])[];
  /** job_block_cols_i: segments never cross a multiple of it within a row (default: cols, no cut) */
  blockCols?: number;
}

export interface StoreTimingJob {
  addr: number;
  rows: number;
  cols: number;
  stride: number;
}

/** Edges from the job's acceptance: the first segment's handshake, the last one's, done_o; the first and the last R beat. */
export interface LoadTiming {
  first: number;
  last: number;
  done: number;
  /** every segment's count, in order */
  segments: number[];
  firstBeat: number;
  lastBeat: number;
}

/** Edges from the job's acceptance: the first segment's handshake, the last one's, done_o; the first and the last W beat. */
export interface StoreTiming {
  first: number;
  last: number;
  done: number;
  firstBeat: number;
  lastBeat: number;
}

/** The register FIFO of templates/stream_fifo.v.hbs. */
class Fifo<T> {
  items: T[] = [];
  constructor(readonly depth: number) {}
  get empty(): boolean {
    return this.items.length === 0;
  }
  get full(): boolean {
    return this.items.length === this.depth;
  }
  get head(): T {
    return this.items[0];
  }
  /** One edge: the pop (of an entry present before the edge) and the push (if it was not full before the edge). */
  step(push: boolean, value: T | undefined, pop: boolean): void {
    const doPush = push && !this.full;
    const doPop = pop && !this.empty;
    if (doPop) this.items.shift();
    if (doPush) this.items.push(value as T);
  }
}

/** Bits of the AXI4 side that the engines' timing depends on. */
interface Geometry {
  dataBytes: number;
  maxBurst: number;
  pageBeats: number;
}

/** min(beats left, MaxBurst, beats to the end of the 4 KB page): the reader's and the writer's burst. */
function burstOf(g: Geometry, addr: number, beats: number): { beats: number; last: boolean } {
  const pageLeft = g.pageBeats - Math.floor((addr % 4096) / g.dataBytes);
  const limit = Math.min(pageLeft, g.maxBurst);
  return beats <= limit ? { beats, last: true } : { beats: limit, last: false };
}

function beatsOf(g: Geometry, addr: number, bytes: number): number {
  return Math.floor(((addr % g.dataBytes) + bytes - 1) / g.dataBytes) + 1;
}

const LIMIT = 10_000_000;

/** A read request on the reader's request port. */
export interface ReadRequest {
  addr: number;
  bytes: number;
  tag: number;
}

/** The testbench memory's read side, deterministic: beat j no earlier than its AR + latency, one beat per edge. */
export class ReadMemoryTiming {
  private readonly arq: { len: number; time: number }[] = [];
  private beat = 0;
  rValid = false;
  rLast = false;
  constructor(private readonly latency: number) {}

  /** The edge: the R beat taken (rFire), the AR accepted (ARREADY is high), the next beat due. */
  clock(edge: number, rFire: boolean, arValid: boolean, arLen: number, rready: boolean): void {
    if (rFire) {
      if (this.rLast) {
        this.arq.shift();
        this.beat = 0;
      } else this.beat++;
    }
    if (arValid) this.arq.push({ len: arLen, time: edge });
    if (!this.rValid || rready) {
      if (this.arq.length > 0 && this.arq[0].time + this.latency <= edge + 1) {
        this.rLast = this.beat === this.arq[0].len;
        this.rValid = true;
      } else this.rValid = false;
    }
  }
}

/** templates/axi_reader.v.hbs, register by register (ARREADY high). */
export class ReaderTiming {
  private readonly g: Geometry;
  private readonly rq: Fifo<{ base: number; beats: number; tag: number }>;
  private readonly bq: Fifo<{ last: boolean; tag: number }>;
  private curValid = false;
  private curAddr = 0;
  private curBeats = 0;
  private curTag = 0;
  arValid = false;
  arLen = 0;
  rready = true;
  outValid = false;
  outLast = false;
  outTag = 0;
  private skidValid = false;
  private skidLast = false;
  private skidTag = 0;

  constructor(m: CoreModel) {
    const mem = m.memory;
    this.g = { dataBytes: mem.dataBytes, maxBurst: mem.maxBurst, pageBeats: 4096 / mem.dataBytes };
    this.rq = new Fifo(mem.requestQueue);
    this.bq = new Fifo(mem.outstandingReads);
  }

  get reqReady(): boolean {
    return !this.rq.full;
  }

  /** idle_o: nothing queued, in flight or held */
  get idle(): boolean {
    return this.rq.empty && !this.curValid && !this.arValid && this.bq.empty && !this.outValid && !this.skidValid;
  }

  /**
   * One edge. req: the requester's valid request register; dataReady: the
   * ready of the consumer the out register's beat is for; rValid, rLast: the
   * memory's R before the edge.
   */
  clock(req: ReadRequest | undefined, dataReady: boolean, rValid: boolean, rLast: boolean): void {
    const g = this.g;
    const burst = burstOf(g, this.curAddr, this.curBeats);
    const issue = this.curValid && !this.bq.full;
    const rqPop = !this.rq.empty && (!this.curValid || (issue && burst.last));
    const rqHead = this.rq.empty ? undefined : this.rq.head;
    const rFire = rValid && this.rready;
    const rRecord = this.bq.empty ? { last: false, tag: 0 } : this.bq.head;
    const rBeatLast = rFire && rLast && rRecord.last;
    const outFree = !this.outValid || dataReady;
    const heldBefore = this.skidValid;
    if (outFree) {
      this.outLast = this.skidValid ? this.skidLast : rBeatLast;
      this.outTag = this.skidValid ? this.skidTag : rRecord.tag;
      this.outValid = this.skidValid || rFire;
      this.skidValid = false;
    } else if (rFire) {
      this.skidValid = true;
      this.skidLast = rBeatLast;
      this.skidTag = rRecord.tag;
    }
    this.rready = outFree || !(heldBefore || rFire);
    this.bq.step(issue, { last: burst.last, tag: this.curTag }, rFire && rLast);
    this.rq.step(
      req !== undefined,
      req ? { base: req.addr - (req.addr % g.dataBytes), beats: beatsOf(g, req.addr, req.bytes), tag: req.tag } : undefined,
      rqPop,
    );
    if (issue) this.arLen = burst.beats - 1;
    this.arValid = issue;
    if (rqPop && rqHead) {
      this.curAddr = rqHead.base;
      this.curBeats = rqHead.beats;
      this.curTag = rqHead.tag;
    } else if (issue) {
      this.curAddr += burst.beats * g.dataBytes;
      this.curBeats -= burst.beats;
    }
    this.curValid = rqPop ? true : issue && burst.last ? false : this.curValid;
  }
}

/**
 * How a load cuts its elements into segments (templates/dma_load.v.hbs): row-major; a segment never
 * crosses a multiple of blockCols within the row (counted from the row's first element) nor the row's
 * end, holds at most Lanes elements, and (compressed) never crosses a chunk boundary (multiples of
 * ZvcChunk from the row's start); within those cuts it is maximal. The count of the segment that
 * starts at column `col`.
 */
export function loadSegmentCount(m: CoreModel, job: { cols: number; blockCols?: number; compressed: boolean }, col: number): number {
  const blockCols = job.blockCols ?? job.cols;
  const chunk = m.memory.zvcChunk;
  let count = Math.min(m.memory.loadLanes, job.cols - col, blockCols - (col % blockCols));
  if (job.compressed) count = Math.min(count, chunk - (col % chunk));
  return count;
}

/** A row's segment counts, in order. */
export function loadRowSegments(m: CoreModel, job: { cols: number; blockCols?: number; compressed: boolean }): number[] {
  const counts: number[] = [];
  for (let col = 0; col < job.cols;) {
    const n = loadSegmentCount(m, job, col);
    counts.push(n);
    col += n;
  }
  return counts;
}

/** The bytes of each compressed chunk of a tensor, in stream order (each is one step of the load's window). */
function chunkSizes(m: CoreModel, job: LoadTimingJob): number[] {
  if (!job.tensor) throw new Error('dmaLoadCycles: a compressed job needs its tensor');
  const chunk = m.memory.zvcChunk;
  const sizes: number[] = [];
  for (const row of job.tensor) {
    for (let s = 0; s < row.length; s += chunk) {
      const part = row.slice(s, s + chunk);
      sizes.push(chunkBytes(part.length, part.filter((v) => v !== 0).length, m.opBits));
    }
  }
  return sizes;
}

/**
 * templates/dma_load.v.hbs from the edge that accepts a job (a job that succeeds). Per edge,
 * `segValid` and `segCount` say which segment the engine hands over (seg_valid_o, seg_count_o):
 * the consumer takes it at the next edge when it is ready.
 */
export class LoadEngineTiming {
  private readonly chunks: number[];
  private readonly D: number;
  private readonly E: number;
  private readonly lanes: number;
  private readonly roomMax: number;
  private readonly rowBytes: number;
  private readonly blockCols: number;
  private readonly chunk: number;
  busy = true;
  private rqValid = false;
  private rqAddr = 0;
  private rqBytes = 0;
  private genAddr: number;
  private genLeft: number;
  private inflight = 0;
  private trFirst = true;
  private trLead: number;
  private trLeft: number;
  private alValid = false;
  private alBytes = 0;
  private avail = 0;
  // the output position: to the row's end, the block's boundary, the chunk's boundary; the next segment's count
  private rowLeft: number;
  private blockLeft: number;
  private chunkLeft: number;
  private cnt: number;
  private outRows: number;
  private outDone = false;
  // compressed: the chunks taken from the window, the chunk register
  private wAt = 0;
  private dValid = false;
  /** seg_valid_o */
  segValid = false;
  /** seg_count_o: the elements of the segment in the segment register */
  segCount = 0;
  /** done_o */
  done = false;

  constructor(
    m: CoreModel,
    private readonly job: LoadTimingJob,
  ) {
    const mem = m.memory;
    this.D = mem.dataBytes;
    this.E = mem.elementBytes;
    this.lanes = mem.loadLanes;
    this.chunk = mem.zvcChunk;
    const needMax = Math.max(Math.ceil((mem.zvcChunk * (m.opBits + 1)) / 8), this.lanes * this.E);
    this.roomMax = 2 * needMax - 1; // WinBytes - DataBytes
    this.chunks = job.compressed ? chunkSizes(m, job) : [];
    this.rowBytes = job.cols * this.E;
    this.blockCols = job.blockCols ?? job.cols;
    if (!Number.isInteger(this.blockCols) || this.blockCols < 1) throw new RangeError(`LoadEngineTiming: blockCols ${this.blockCols}`);
    this.genAddr = job.addr;
    this.genLeft = job.compressed ? (job.bytes !== 0 ? 1 : 0) : job.rows;
    this.trLead = job.addr % this.D;
    this.trLeft = job.compressed ? job.bytes : this.rowBytes;
    this.rowLeft = job.cols;
    this.blockLeft = this.blockCols;
    this.chunkLeft = this.chunk;
    this.outRows = job.rows;
    this.cnt = loadSegmentCount(m, job, 0);
  }

  /** rd_req_valid_o and its payload */
  get request(): ReadRequest | undefined {
    return this.rqValid ? { addr: this.rqAddr, bytes: this.rqBytes, tag: 1 } : undefined;
  }

  /** rd_data_ready_o (a function of registers) */
  get dataReady(): boolean {
    return this.busy && (!this.alValid || this.avail <= this.roomMax);
  }

  /** seg_valid_o, under its former name */
  get elemValid(): boolean {
    return this.segValid;
  }

  /**
   * One edge: the reader took the request register if reqReady; take: the reader's beat taken;
   * takeLast: it was the request's last; segReady: the consumer's seg_ready_i (always ready unless told).
   */
  clock(reqReady: boolean, take: boolean, takeLast: boolean, segReady = true): void {
    const job = this.job;
    const rqLoad = this.busy && this.genLeft !== 0 && (!this.rqValid || reqReady);
    const start = this.trFirst ? this.trLead : 0;
    const keep = Math.min(this.trLeft, this.D - start);
    const append = this.alValid && this.avail <= this.roomMax;
    const outFree = !this.segValid || segReady;
    const active = this.busy;
    const rowEnd = this.cnt === this.rowLeft;
    const chunkEnd = rowEnd || this.cnt === this.chunkLeft;
    const denseNeed = this.cnt * this.E;
    const denseStep = !job.compressed && active && !this.outDone && outFree && this.avail >= denseNeed;
    const cOk = job.compressed && active && !this.outDone && this.dValid && outFree;
    const dFree = !this.dValid || (cOk && chunkEnd);
    const chunkNeed = this.chunks[this.wAt];
    const wStep = job.compressed && active && chunkNeed !== undefined && dFree && this.avail >= chunkNeed;
    const emit = denseStep || cOk;
    const step = denseStep || wStep;
    const need = job.compressed ? chunkNeed : denseNeed;
    const finish = this.busy && !this.segValid && this.inflight === 0 && !this.rqValid && this.outDone && !this.alValid;
    const takenLast = take && takeLast;
    if (rqLoad) {
      this.rqAddr = this.genAddr;
      this.rqBytes = job.compressed ? this.trLeft : this.rowBytes;
      this.genAddr += job.stride;
      this.genLeft--;
    }
    if (rqLoad && !takenLast) this.inflight++;
    else if (takenLast && !rqLoad) this.inflight--;
    if (take) {
      if (takenLast) {
        this.trFirst = true;
        this.trLead = (this.trLead + job.stride) % this.D;
        this.trLeft = this.rowBytes;
      } else {
        this.trFirst = false;
        this.trLeft -= keep;
      }
    }
    this.rqValid = rqLoad ? true : reqReady ? false : this.rqValid;
    this.avail = this.avail + (append ? this.alBytes : 0) - (step ? need : 0);
    this.alValid = take ? true : append ? false : this.alValid;
    if (take) this.alBytes = keep;
    if (wStep) this.wAt++;
    this.dValid = wStep ? true : cOk && chunkEnd ? false : this.dValid;
    if (emit) {
      this.segCount = this.cnt;
      if (rowEnd && this.outRows === 1) this.outDone = true;
      if (rowEnd) this.outRows--;
      this.rowLeft = rowEnd ? job.cols : this.rowLeft - this.cnt;
      this.blockLeft = rowEnd || this.cnt === this.blockLeft ? this.blockCols : this.blockLeft - this.cnt;
      this.chunkLeft = chunkEnd ? this.chunk : this.chunkLeft - this.cnt;
      const toChunk = job.compressed ? this.chunkLeft : this.lanes;
      this.cnt = Math.min(this.lanes, this.rowLeft, this.blockLeft, toChunk);
    }
    this.segValid = emit ? true : segReady ? false : this.segValid;
    this.done = finish;
    if (finish) this.busy = false;
  }
}

/**
 * A load job (one that succeeds) on an idle reader and the deterministic memory of `latency` edges,
 * the consumer always ready: the first and the last segment's handshake, done_o, every segment's count
 * in order, and the first and the last R beat's handshake on the bus.
 */
export function dmaLoadCycles(m: CoreModel, job: LoadTimingJob, latency: number): LoadTiming {
  const mem = new ReadMemoryTiming(latency);
  const reader = new ReaderTiming(m);
  const load = new LoadEngineTiming(m, job);
  let first = -1;
  let last = -1;
  let firstBeat = -1;
  let lastBeat = -1;
  const segments: number[] = [];
  for (let t = 0; t < LIMIT; t++) {
    const edge = t + 1;
    // the consumer takes the segment at this edge; done_o is seen at this edge
    if (load.segValid) {
      if (first < 0) first = edge;
      last = edge;
      segments.push(load.segCount);
    }
    if (load.done) return { first, last, done: edge, segments, firstBeat, lastBeat };
    const { rValid, rLast } = mem;
    if (rValid && reader.rready) {
      if (firstBeat < 0) firstBeat = edge;
      lastBeat = edge;
    }
    const dataReady = load.dataReady;
    const take = reader.outValid && dataReady;
    const takeLast = reader.outLast;
    const reqReady = reader.reqReady;
    mem.clock(edge, rValid && reader.rready, reader.arValid, reader.arLen, reader.rready);
    reader.clock(load.request, dataReady, rValid, rLast);
    load.clock(reqReady, take, takeLast);
  }
  throw new Error(`dmaLoadCycles: no end after ${LIMIT} cycles`);
}

/** The testbench memory's write side, deterministic: AWREADY high, WREADY from the edge after an AW that lacks beats, B `delay` edges after WLAST. */
export class WriteMemoryTiming {
  private readonly awq: number[] = [];
  private readonly bTimes: number[] = [];
  wReady = false;
  bValid = false;
  constructor(private readonly delay: number) {}

  clock(edge: number, wFireLast: boolean, awValid: boolean, awLen: number): void {
    // in the order of the responder's write block; BREADY is high: a B never waits
    if (this.bValid) this.bTimes.shift();
    if (wFireLast) {
      this.bTimes.push(edge);
      this.awq.shift();
    }
    if (awValid) this.awq.push(awLen);
    this.wReady = this.awq.length > 0;
    this.bValid = this.bTimes.length > 0 && this.bTimes[0] + this.delay <= edge + 1;
  }
}

/** templates/axi_writer.v.hbs, register by register (AWREADY, BREADY high). */
export class WriterTiming {
  private readonly g: Geometry;
  private readonly ahead: number;
  private readonly unansweredMax: number;
  private readonly rq: Fifo<{ base: number; beats: number }>;
  private readonly lq: Fifo<number>;
  private readonly dq = new Fifo<null>(2);
  private curValid = false;
  private curAddr = 0;
  private curBeats = 0;
  awValid = false;
  awLen = 0;
  private unanswered = 0;
  private pending = 0;
  private wLeft = 0;
  wValid = false;
  wLast = false;

  constructor(m: CoreModel) {
    const mem = m.memory;
    this.g = { dataBytes: mem.dataBytes, maxBurst: mem.maxBurst, pageBeats: 4096 / mem.dataBytes };
    this.ahead = mem.writeBurstsAhead;
    this.unansweredMax = mem.writeBurstsUnanswered;
    this.rq = new Fifo(mem.requestQueue);
    this.lq = new Fifo(mem.writeBurstsAhead);
  }

  get reqReady(): boolean {
    return !this.rq.full;
  }

  get dataReady(): boolean {
    return !this.dq.full;
  }

  /** idle_o: nothing queued, no burst unanswered, no beat held */
  get idle(): boolean {
    return (
      this.rq.empty &&
      !this.curValid &&
      !this.awValid &&
      this.unanswered === 0 &&
      this.wLeft === 0 &&
      this.lq.empty &&
      !this.wValid &&
      this.dq.empty
    );
  }

  /** One edge: req the request register, dataValid the producer's beat, wReady and bValid the memory's before the edge. */
  clock(req: { addr: number; bytes: number } | undefined, dataValid: boolean, wReady: boolean, bValid: boolean): void {
    const g = this.g;
    const burst = burstOf(g, this.curAddr, this.curBeats);
    const issue = this.curValid && this.pending !== this.ahead && this.unanswered !== this.unansweredMax;
    const rqPop = !this.rq.empty && (!this.curValid || (issue && burst.last));
    const rqHead = this.rq.empty ? undefined : this.rq.head;
    const inBurst = this.wLeft !== 0;
    const canStart = !this.lq.empty;
    const leftNow = inBurst ? this.wLeft : canStart ? this.lq.head + 1 : 0;
    const wLoad = (!this.wValid || wReady) && (inBurst || canStart) && !this.dq.empty;
    const wStart = wLoad && !inBurst;
    const wFire = this.wValid && wReady;
    this.rq.step(
      req !== undefined,
      req ? { base: req.addr - (req.addr % g.dataBytes), beats: beatsOf(g, req.addr, req.bytes) } : undefined,
      rqPop,
    );
    this.lq.step(this.awValid, this.awLen, wStart);
    this.dq.step(dataValid, null, wLoad);
    if (issue && !bValid) this.unanswered++;
    else if (bValid && !issue) this.unanswered--;
    if (issue && !wStart) this.pending++;
    else if (wStart && !issue) this.pending--;
    if (issue) this.awLen = burst.beats - 1;
    this.awValid = issue;
    if (rqPop && rqHead) {
      this.curAddr = rqHead.base;
      this.curBeats = rqHead.beats;
    } else if (issue) {
      this.curAddr += burst.beats * g.dataBytes;
      this.curBeats -= burst.beats;
    }
    this.curValid = rqPop ? true : issue && burst.last ? false : this.curValid;
    if (wLoad) {
      this.wLeft = leftNow - 1;
      this.wLast = leftNow === 1;
    }
    this.wValid = wLoad ? true : wFire ? false : this.wValid;
  }
}

/**
 * The producer's segments of a store: the count of the segment whose first element is column `col`
 * of its row (1 .. min(Lanes, cols - col)). The default offers maximal segments: min(Lanes, cols - col).
 */
export type StoreSegmentRule = (col: number) => number;

/**
 * templates/dma_store.v.hbs from the edge that accepts a job (one that succeeds). The producer's
 * segments follow `counts` (default: maximal ones); `segReady` is seg_ready_o and `nextCount` the
 * count of the segment the producer offers now, so a caller counts elements as
 * `if (valid && store.segReady) taken += store.nextCount` before the edge.
 */
export class StoreEngineTiming {
  private readonly D: number;
  private readonly slots: number;
  private readonly pieces: number;
  private readonly lanes: number;
  private readonly rowBytes: number;
  private readonly slotBytes: number;
  private readonly counts: StoreSegmentRule;
  busy = true;
  private rqValid = false;
  private rqAddr: number;
  private rqRow = 0;
  private wrReqAddr = 0;
  private pkRows: number;
  private pkLeft: number;
  private pkOff: number;
  private slot: number;
  private piece = 0;
  private flush = false;
  private readonly bq = new Fifo<null>(2);
  /** done_o */
  done = false;

  constructor(
    m: CoreModel,
    private readonly job: StoreTimingJob,
    counts?: StoreSegmentRule,
  ) {
    const mem = m.memory;
    this.D = mem.dataBytes;
    const E = mem.resultBytes;
    this.lanes = mem.storeLanes;
    this.slotBytes = Math.min(E, this.D);
    this.slots = this.D / this.slotBytes;
    this.pieces = E / this.slotBytes;
    this.rowBytes = job.cols * E;
    this.counts = counts ?? ((col) => Math.min(this.lanes, job.cols - col));
    this.rqAddr = job.addr;
    this.pkRows = job.rows;
    this.pkLeft = job.cols;
    this.pkOff = job.addr % this.D;
    this.slot = Math.floor(this.pkOff / this.slotBytes);
  }

  get request(): { addr: number; bytes: number } | undefined {
    return this.rqValid ? { addr: this.wrReqAddr, bytes: this.rowBytes } : undefined;
  }

  /** wr_data_valid_o */
  get dataValid(): boolean {
    return !this.bq.empty;
  }

  private get lastPiece(): boolean {
    return this.piece === this.pieces - 1;
  }

  private get canTake(): boolean {
    return this.busy && this.pkRows !== 0 && !this.flush && !this.bq.full;
  }

  /** seg_ready_o (a function of registers): a segment handshake at this edge if the producer is valid */
  get segReady(): boolean {
    return this.canTake && this.lastPiece;
  }

  /** seg_ready_o, under its former name */
  get elemReady(): boolean {
    return this.segReady;
  }

  /** The count of the segment the producer offers now (its rule at the packer's column). */
  get nextCount(): number {
    const col = this.job.cols - this.pkLeft;
    const n = this.counts(col);
    if (!Number.isInteger(n) || n < 1 || n > Math.min(this.lanes, this.pkLeft)) {
      throw new RangeError(`StoreEngineTiming: a segment of ${n} at column ${col} of ${this.job.cols} (Lanes ${this.lanes})`);
    }
    return n;
  }

  /** One edge: segValid the producer's, and the writer's ready, data ready and idle before the edge. */
  clock(segValid: boolean, reqReady: boolean, dataReady: boolean, wrIdle: boolean): void {
    const job = this.job;
    const rqMore = this.rqRow !== job.rows;
    const rqLoad = this.busy && rqMore && (!this.rqValid || reqReady);
    const take = this.canTake && segValid;
    const lastPiece = this.lastPiece;
    const count = take ? this.nextCount : 0;
    const rowEnd = lastPiece && this.pkLeft === count;
    const fill = this.slot + (this.pieces > 1 ? 1 : count);
    const fills = fill >= this.slots;
    const spill = fill > this.slots;
    const allSent = this.pkRows === 0 && !this.flush && this.bq.empty && !this.rqValid && !rqMore;
    const finish = this.busy && allSent && wrIdle;
    if (rqLoad) {
      this.wrReqAddr = this.rqAddr;
      this.rqRow++;
      this.rqAddr += job.stride;
    }
    this.rqValid = rqLoad ? true : reqReady ? false : this.rqValid;
    const fullBefore = this.bq.full;
    this.bq.step((take && (fills || rowEnd)) || this.flush, null, dataReady);
    this.flush = this.flush ? fullBefore : take && rowEnd && spill;
    if (take) {
      this.piece = lastPiece ? 0 : this.piece + 1;
      if (lastPiece) this.pkLeft = rowEnd ? job.cols : this.pkLeft - count;
      if (rowEnd) {
        this.pkRows--;
        this.pkOff = (this.pkOff + job.stride) % this.D;
        this.slot = Math.floor(this.pkOff / this.slotBytes);
      } else this.slot = fills ? fill - this.slots : fill;
    }
    this.done = finish;
    if (finish) this.busy = false;
  }
}

/**
 * A store job on an idle writer and the deterministic memory whose B response comes `writeRespDelay`
 * cycles after WLAST; the producer is always valid and offers the segments of `counts` (default:
 * maximal ones). Gives the first and the last segment's handshake, done_o, and the first and the
 * last W beat's handshake on the bus.
 */
export function dmaStoreCycles(m: CoreModel, job: StoreTimingJob, writeRespDelay: number, counts?: StoreSegmentRule): StoreTiming {
  const mem = new WriteMemoryTiming(writeRespDelay);
  const writer = new WriterTiming(m);
  const store = new StoreEngineTiming(m, job, counts);
  let first = -1;
  let last = -1;
  let firstBeat = -1;
  let lastBeat = -1;
  for (let t = 0; t < LIMIT; t++) {
    const edge = t + 1;
    if (store.segReady) {
      if (first < 0) first = edge;
      last = edge;
    }
    if (store.done) return { first, last, done: edge, firstBeat, lastBeat };
    const { wReady, bValid } = mem;
    if (writer.wValid && wReady) {
      if (firstBeat < 0) firstBeat = edge;
      lastBeat = edge;
    }
    const dataValid = store.dataValid;
    const { reqReady, dataReady, idle } = writer;
    mem.clock(edge, writer.wValid && wReady && writer.wLast, writer.awValid, writer.awLen);
    writer.clock(store.request, dataValid, wReady, bValid);
    store.clock(true, reqReady, dataReady, idle);
  }
  throw new Error(`dmaStoreCycles: no end after ${LIMIT} cycles`);
}
