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
}

export interface StoreTimingJob {
  addr: number;
  rows: number;
  cols: number;
  stride: number;
}

/** Edges from the job's acceptance: the first element's handshake, the last one's, done_o. */
export interface LoadTiming {
  first: number;
  last: number;
  done: number;
}

/** Edges from the job's acceptance: the first element's handshake, the last one's, done_o. */
export interface StoreTiming {
  first: number;
  last: number;
  done: number;
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

/**
 * The decoder's steps of a load: the bits each consumes and whether it emits
 * an element (dense: ElementBytes x 8 per element; compressed: one step per
 * element, OpBits if it is nonzero, plus the padding on the chunk's last one;
 * a full chunk's first step also takes its bitmap, a shorter chunk (the end
 * of a row) has a bitmap step of its own that emits nothing).
 */
function decoderSteps(m: CoreModel, job: LoadTimingJob): { need: number; emits: boolean }[] {
  const steps: { need: number; emits: boolean }[] = [];
  if (!job.compressed) {
    for (let i = 0; i < job.rows * job.cols; i++) steps.push({ need: 8 * m.memory.elementBytes, emits: true });
    return steps;
  }
  if (!job.tensor) throw new Error('dmaLoadCycles: a compressed job needs its tensor');
  const chunk = m.memory.zvcChunk;
  for (const row of job.tensor) {
    for (let s = 0; s < row.length; s += chunk) {
      const part = row.slice(s, s + chunk);
      const nonzeros = part.filter((v) => v !== 0).length;
      const pad = 8 * chunkBytes(part.length, nonzeros, m.opBits) - (part.length + nonzeros * m.opBits);
      const elementNeed = (v: number, i: number) => (v !== 0 ? m.opBits : 0) + (i === part.length - 1 ? pad : 0);
      // a full chunk's bitmap step also decodes its first element; a shorter one reads the bitmap alone
      if (part.length === chunk) steps.push({ need: chunk + elementNeed(part[0], 0), emits: true });
      else steps.push({ need: part.length, emits: false }, { need: elementNeed(part[0], 0), emits: true });
      part.slice(1).forEach((v, i) => steps.push({ need: elementNeed(v, i + 1), emits: true }));
    }
  }
  return steps;
}

/** A load job (one that succeeds) on an idle reader and the deterministic memory of `latency` edges. */
export function dmaLoadCycles(m: CoreModel, job: LoadTimingJob, latency: number): LoadTiming {
  const mem = m.memory;
  const D = mem.dataBytes;
  const g: Geometry = { dataBytes: D, maxBurst: mem.maxBurst, pageBeats: 4096 / D };
  const needMax = Math.max(mem.zvcChunk + m.opBits + 7, 8 * mem.elementBytes);
  const roomMax = 2 * needMax - 1; // WinBits - DataBits
  const steps = decoderSteps(m, job);
  const rowBytes = job.cols * mem.elementBytes;

  // ---- dma_load registers, as loaded by the accepting edge
  let busy = true;
  let rqValid = false;
  let rqAddr = 0;
  let rqBytes = 0;
  let genAddr = job.addr;
  let genLeft = job.compressed ? (job.bytes !== 0 ? 1 : 0) : job.rows;
  let inflight = 0;
  let trFirst = true;
  let trLead = job.addr % D;
  let trLeft = job.compressed ? job.bytes : rowBytes;
  let alValid = false;
  let alBits = 0;
  let avail = 0;
  let stepAt = 0;
  let elemValid = false;
  let doneQ = false;
  // ---- axi_reader registers (idle)
  const rq = new Fifo<{ base: number; beats: number }>(mem.requestQueue);
  let curValid = false;
  let curAddr = 0;
  let curBeats = 0;
  let arValid = false;
  let arLen = 0;
  const bq = new Fifo<boolean>(mem.outstandingReads); // each burst: the last of its request
  let rready = true;
  let outValid = false;
  let outLast = false;
  let skidValid = false;
  let skidLast = false;
  // ---- the memory's read side
  const arq: { len: number; time: number }[] = [];
  let rBeat = 0;
  let rValid = false;
  let rLast = false;

  let first = -1;
  let last = -1;
  for (let t = 0; t < LIMIT; t++) {
    const edge = t + 1;
    // ---- combinational, from the registers
    // dma_load
    const rdReqReady: boolean = !rq.full;
    const rqLoad: boolean = busy && genLeft !== 0 && (!rqValid || rdReqReady);
    const start = trFirst ? trLead : 0;
    const keep = Math.min(trLeft, D - start);
    const room: boolean = avail <= roomMax;
    const append: boolean = alValid && room;
    const rdDataReady: boolean = busy && (!alValid || room);
    const rdTake: boolean = outValid && rdDataReady;
    const step = steps[stepAt];
    const doStep: boolean = busy && step !== undefined && avail >= step.need; // the element register is always free
    const emit: boolean = doStep && step.emits;
    const finish: boolean = busy && !elemValid && inflight === 0 && !rqValid && stepAt >= steps.length && !alValid;
    // axi_reader (ARREADY is high in the deterministic memory)
    const burst = burstOf(g, curAddr, curBeats);
    const issue: boolean = curValid && !bq.full;
    const rqPop: boolean = !rq.empty && (!curValid || (issue && burst.last));
    const rqHead = rq.empty ? undefined : rq.head;
    const rFire: boolean = rValid && rready;
    const rBeatLast: boolean = rFire && rLast && bq.head;
    const outFree: boolean = !outValid || rdDataReady;
    const popBurst: boolean = rFire && rLast;
    const takenLast: boolean = rdTake && outLast;
    // the consumer takes the element at this edge; done_o is seen at this edge
    if (elemValid) {
      if (first < 0) first = edge;
      last = edge;
    }
    if (doneQ) return { first, last, done: edge };

    // ---- the edge
    // memory: the beat taken, the AR accepted, the next beat no earlier than latency edges after its AR
    if (rFire) {
      if (rLast) {
        arq.shift();
        rBeat = 0;
      } else rBeat++;
    }
    if (arValid) arq.push({ len: arLen, time: edge });
    if (!rValid || rready) {
      if (arq.length > 0 && arq[0].time + latency <= edge + 1) {
        rLast = rBeat === arq[0].len;
        rValid = true;
      } else rValid = false;
    }
    // axi_reader
    if (outFree) {
      outLast = skidValid ? skidLast : rBeatLast;
      outValid = skidValid || rFire;
      skidValid = false;
    } else if (rFire) {
      skidValid = true;
      skidLast = rBeatLast;
    }
    rready = outFree || !(skidValid || rFire);
    bq.step(issue, burst.last, popBurst);
    rq.step(rqValid, rqValid ? { base: rqAddr - (rqAddr % D), beats: beatsOf(g, rqAddr, rqBytes) } : undefined, rqPop);
    if (issue) arLen = burst.beats - 1;
    arValid = issue;
    if (rqPop && rqHead) {
      curAddr = rqHead.base;
      curBeats = rqHead.beats;
    } else if (issue) {
      curAddr += burst.beats * D;
      curBeats -= burst.beats;
    }
    curValid = rqPop ? true : issue && burst.last ? false : curValid;
    // dma_load
    if (rqLoad) {
      rqAddr = genAddr;
      rqBytes = job.compressed ? trLeft : rowBytes;
      genAddr += job.stride;
      genLeft--;
    }
    if (rqLoad && !takenLast) inflight++;
    else if (takenLast && !rqLoad) inflight--;
    if (rdTake) {
      if (takenLast) {
        trFirst = true;
        trLead = (trLead + job.stride) % D;
        trLeft = rowBytes;
      } else {
        trFirst = false;
        trLeft -= keep;
      }
    }
    rqValid = rqLoad ? true : rdReqReady ? false : rqValid;
    avail = avail + (append ? alBits : 0) - (doStep ? step.need : 0);
    alValid = rdTake ? true : append ? false : alValid;
    if (rdTake) alBits = 8 * keep;
    if (doStep) stepAt++;
    elemValid = emit;
    doneQ = finish;
    if (finish) busy = false;
  }
  throw new Error(`dmaLoadCycles: no end after ${LIMIT} cycles`);
}

/** A store job on an idle writer and the deterministic memory whose B response comes `writeRespDelay` cycles after WLAST. */
export function dmaStoreCycles(m: CoreModel, job: StoreTimingJob, writeRespDelay: number): StoreTiming {
  const mem = m.memory;
  const D = mem.dataBytes;
  const g: Geometry = { dataBytes: D, maxBurst: mem.maxBurst, pageBeats: 4096 / D };
  const E = mem.resultBytes;
  const slotBytes = Math.min(E, D);
  const slots = D / slotBytes;
  const pieces = E / slotBytes;
  const rowBytes = job.cols * E;
  const total = job.rows * job.cols;

  // ---- dma_store registers, as loaded by the accepting edge
  let busy = true;
  let rqValid = false;
  let rqAddr = job.addr;
  let rqRow = 0;
  let wrReqAddr = 0;
  let pkRows = job.rows;
  let pkLeft = job.cols;
  let pkOff = job.addr % D;
  let slot = Math.floor((job.addr % D) / slotBytes);
  let piece = 0;
  const bq = new Fifo<null>(2);
  let doneQ = false;
  // ---- axi_writer registers (idle)
  const rq = new Fifo<{ base: number; beats: number }>(mem.requestQueue);
  let curValid = false;
  let curAddr = 0;
  let curBeats = 0;
  let awValid = false;
  let awLen = 0;
  let unanswered = 0;
  let pending = 0;
  let wLeft = 0;
  let wValid = false;
  let wLast = false;
  const lq = new Fifo<number>(mem.writeBurstsAhead);
  const dq = new Fifo<null>(2);
  // ---- the memory's write side (AWREADY high; WREADY from the edge after an AW waits for beats)
  const awq: number[] = [];
  let wReady = false;
  const bTimes: number[] = [];
  let bValid = false;

  let taken = 0;
  let first = -1;
  let last = -1;
  for (let t = 0; t < LIMIT; t++) {
    const edge = t + 1;
    // ---- combinational, from the registers
    // axi_writer
    const burst = burstOf(g, curAddr, curBeats);
    const issue: boolean = curValid && pending !== mem.writeBurstsAhead && unanswered !== mem.writeBurstsUnanswered;
    const rqPop: boolean = !rq.empty && (!curValid || (issue && burst.last));
    const rqHead = rq.empty ? undefined : rq.head;
    const inBurst: boolean = wLeft !== 0;
    const canStart: boolean = !lq.empty;
    const leftNow = inBurst ? wLeft : canStart ? lq.head + 1 : 0;
    const wLoad: boolean = (!wValid || wReady) && (inBurst || canStart) && !dq.empty;
    const wStart: boolean = wLoad && !inBurst;
    const wFire: boolean = wValid && wReady;
    const bFire: boolean = bValid;
    const wrIdle: boolean = rq.empty && !curValid && !awValid && unanswered === 0 && !inBurst && lq.empty && !wValid && dq.empty;
    const reqReady: boolean = !rq.full;
    const dataReady: boolean = !dq.full;
    // dma_store (the producer is always valid)
    const rqMore: boolean = rqRow !== job.rows;
    const rqLoad: boolean = busy && rqMore && (!rqValid || reqReady);
    const lastPiece: boolean = piece === pieces - 1;
    const rowEnd: boolean = lastPiece && pkLeft === 1;
    const beatEnd: boolean = slot === slots - 1 || rowEnd;
    const takePiece: boolean = busy && pkRows !== 0 && taken < total && (!beatEnd || !bq.full);
    const allSent: boolean = pkRows === 0 && bq.empty && !rqValid && !rqMore;
    const finish: boolean = busy && allSent && wrIdle;
    if (takePiece && lastPiece) {
      if (first < 0) first = edge;
      last = edge;
    }
    if (doneQ) return { first, last, done: edge };

    // ---- the edge
    // memory, in the order of the responder's write block
    if (bFire) bTimes.shift();
    if (wFire && wLast) {
      bTimes.push(edge);
      awq.shift();
    }
    if (awValid) awq.push(awLen);
    wReady = awq.length > 0;
    bValid = bTimes.length > 0 && bTimes[0] + writeRespDelay <= edge + 1; // BREADY is high: a B never waits
    // axi_writer
    rq.step(rqValid, rqValid ? { base: wrReqAddr - (wrReqAddr % D), beats: beatsOf(g, wrReqAddr, rowBytes) } : undefined, rqPop);
    lq.step(awValid, awLen, wStart);
    dq.step(!bq.empty, null, wLoad);
    if (issue && !bFire) unanswered++;
    else if (bFire && !issue) unanswered--;
    if (issue && !wStart) pending++;
    else if (wStart && !issue) pending--;
    if (issue) awLen = burst.beats - 1;
    awValid = issue;
    if (rqPop && rqHead) {
      curAddr = rqHead.base;
      curBeats = rqHead.beats;
    } else if (issue) {
      curAddr += burst.beats * D;
      curBeats -= burst.beats;
    }
    curValid = rqPop ? true : issue && burst.last ? false : curValid;
    if (wLoad) {
      wLeft = leftNow - 1;
      wLast = leftNow === 1;
    }
    wValid = wLoad ? true : wFire ? false : wValid;
    // dma_store
    if (rqLoad) {
      wrReqAddr = rqAddr;
      rqRow++;
      rqAddr += job.stride;
    }
    rqValid = rqLoad ? true : reqReady ? false : rqValid;
    bq.step(takePiece && beatEnd, null, dataReady);
    if (takePiece) {
      piece = lastPiece ? 0 : piece + 1;
      if (lastPiece) {
        taken++;
        pkLeft = rowEnd ? job.cols : pkLeft - 1;
      }
      if (rowEnd) {
        pkRows--;
        pkOff = (pkOff + job.stride) % D;
        slot = Math.floor(pkOff / slotBytes);
      } else slot = beatEnd ? 0 : slot + 1;
    }
    doneQ = finish;
    if (finish) busy = false;
  }
  throw new Error(`dmaStoreCycles: no end after ${LIMIT} cycles`);
}
