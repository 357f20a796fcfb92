/**
 * The host's books of a training run through memory (plain TypeScript, no
 * simulator), for generator/train/system-device.ts:
 *
 *   - descriptor staging: DESC0..DESC15 keep the words written last, so a push
 *     writes only the words its command uses whose value changed; a word the
 *     command does not use keeps whatever was staged (a dimension that was
 *     never written, 0, becomes 1: the sequencer faults on a dimension of 0);
 *   - the memory layout: the initial weights dense, every input batch a
 *     zero-value-compressed stream, and two scratch areas (the output error
 *     the host writes, the results and weights the core stores);
 *   - the ledger: the traffic model of every descriptor issued (to check the
 *     core's BYTES_READ / BYTES_WRITTEN), apart for the run's own commands and
 *     for the verification's reads of W, and the energy model's counts of the
 *     run's commands plus its DRAM bytes.
 */
import type { CoreModel } from '../elaborate/model.ts';
import { DESCRIPTOR_LAYOUT } from '../elaborate/regmap.ts';
import {
  addCounts,
  computeCounts,
  dramCounts,
  energyOf,
  loadCounts,
  moveCounts,
  readResultCounts,
  readWeightCounts,
  updateCounts,
  type Energy,
  type EnergyCounts,
} from '../golden/energy.ts';
import { gemmShape } from '../golden/gemm.ts';
import {
  addTraffic,
  descriptorTraffic,
  MemoryImage,
  NO_TRAFFIC,
  packDescriptorWords,
  writeCompressed,
  writeDense,
  type BusShape,
  type Descriptor,
  type Traffic,
} from '../golden/traffic.ts';
import { zvcRowBytes } from '../golden/zvc.ts';
import { UserError } from '../util/errors.ts';

const WORD = Object.fromEntries(DESCRIPTOR_LAYOUT.map((w, i) => [w.name, i])) as Record<string, number>;
const DIMENSIONS = [WORD.BATCH, WORD.DIN, WORD.DOUT];
const RESERVED = DESCRIPTOR_LAYOUT.map((w, i) => (w.name.startsWith('RESERVED') ? i : -1)).filter((i) => i >= 0);

/** The descriptor words a command reads (CONTROL and the reserved words always count). */
export function usedWords(d: Descriptor): number[] {
  const memory = (dense: boolean) => [WORD.ADDR_LO, WORD.ADDR_HI, dense ? WORD.STRIDE : WORD.BYTES];
  const seed = d.stochastic ? [WORD.SEED] : [];
  const { BATCH, DIN, DOUT, W_BASE, X_BASE, DY_BASE } = WORD;
  const own: Record<Descriptor['op'], number[]> = {
    loadW: [DIN, DOUT, W_BASE, ...memory(true)],
    loadX: [BATCH, DIN, X_BASE, ...memory(!d.compressed)],
    loadDy: [BATCH, DOUT, DY_BASE, ...memory(!d.compressed)],
    fp: [BATCH, DIN, DOUT, W_BASE, X_BASE],
    bp: [BATCH, DIN, DOUT, W_BASE, DY_BASE],
    wg: [BATCH, DIN, DOUT, X_BASE, DY_BASE],
    readResult: memory(true),
    moveToX: [BATCH, DIN, X_BASE, ...seed],
    // the ReLU' mask is X at X_BASE
    moveToDy: [BATCH, DOUT, DY_BASE, X_BASE, ...seed],
    updateW: [DIN, DOUT, W_BASE, ...seed],
    readW: [DIN, DOUT, W_BASE, ...memory(true)],
  };
  return [WORD.CONTROL, ...own[d.op], ...RESERVED].sort((a, b) => a - b);
}

/**
 * The words the DESC registers hold after pushing `d` on top of `staged`, and
 * the register writes that get them there (in word order).
 */
export function stageDescriptor(staged: readonly number[], d: Descriptor): { words: number[]; writes: { word: number; value: number }[] } {
  const full = packDescriptorWords(d);
  const used = new Set(usedWords(d));
  const words = full.map((value, i) => {
    if (used.has(i)) return value;
    if (DIMENSIONS.includes(i) && staged[i] === 0) return 1;
    return staged[i];
  });
  const writes = words.flatMap((value, word) => (value === staged[word] ? [] : [{ word, value }]));
  return { words, writes };
}

/** Where a tensor sits, for a descriptor. */
export interface Placed {
  addr: number;
  /** dense: bytes from row to row */
  stride?: number;
  /** compressed: the stream's length */
  bytes?: number;
}

export interface HostLayout {
  image: MemoryImage;
  /** the initial weights of each layer, by its weight-buffer base */
  weights: Map<number, Placed & { W: number[][] }>;
  /** the input batches, in the order the run loads them */
  inputs: (Placed & { X: number[][] })[];
  /** the output error the host writes (dense) */
  errorArea: { addr: number; size: number };
  /** what READ_RESULT and READ_W store */
  resultArea: { addr: number; size: number };
  /** the bytes the layout needs */
  end: number;
}

const PAGE = 4096;
const alignUp = (value: number, to: number) => Math.ceil(value / to) * to;

/** Row stride of a dense tensor: whole beats, so that every row starts a beat (no beat is read for two rows). */
export function denseStride(cols: number, elementBytes: number, bus: Pick<BusShape, 'dataBytes'>): number {
  return alignUp(cols * elementBytes, bus.dataBytes);
}

/**
 * Lays the run out in memory, each area on a fresh 4 KB page: the initial
 * weights (dense, rows at whole beats), the input batches (each a
 * zero-value-compressed stream of its rows back to back, starting at a whole
 * beat, one after the other in load order), the error area and the result
 * area (sized for the largest tensor of the network).
 */
export function layOut(
  model: CoreModel,
  bus: BusShape,
  plan: { weights: { W: number[][]; base: number }[]; inputs: number[][][] },
): HostLayout {
  const { opBits } = model;
  const chunk = model.memory.zvcChunk;
  // addresses first, so that a run that does not fit is refused before anything is written
  let next = 0;
  const weights = new Map<number, Placed & { W: number[][] }>();
  let maxDim = 1;
  for (const { W, base } of plan.weights) {
    const stride = denseStride(W[0].length, bus.elementBytes, bus);
    weights.set(base, { addr: next, stride, W });
    maxDim = Math.max(maxDim, W.length, W[0].length);
    next = alignUp(next + W.length * stride, PAGE);
  }
  const inputs: (Placed & { X: number[][] })[] = [];
  let maxBatch = 1;
  for (const X of plan.inputs) {
    const bytes = X.reduce((sum, row) => sum + zvcRowBytes(row, opBits, chunk), 0);
    inputs.push({ addr: next, bytes, X });
    maxBatch = Math.max(maxBatch, X.length);
    maxDim = Math.max(maxDim, X[0].length);
    next = alignUp(next + bytes, bus.dataBytes);
  }
  next = alignUp(next, PAGE);
  const errorArea = { addr: next, size: maxBatch * denseStride(maxDim, bus.elementBytes, bus) };
  next = alignUp(next + errorArea.size, PAGE);
  const resultArea = { addr: next, size: Math.max(maxBatch, maxDim) * denseStride(maxDim, bus.resultBytes, bus) };
  const end = resultArea.addr + resultArea.size;
  if (end > model.memory.modelBytes) {
    throw new UserError(
      `the run needs ${end.toLocaleString('en-US')} bytes of memory (weights, input batches, scratch areas); the memory model holds ${model.memory.modelBytes.toLocaleString('en-US')}: use fewer samples or epochs`,
    );
  }
  const image = new MemoryImage();
  for (const w of weights.values()) writeDense(image, { addr: w.addr, stride: w.stride!, elementBytes: bus.elementBytes }, w.W);
  for (const x of inputs) {
    const { bytes } = writeCompressed(image, x.addr, x.X, opBits, chunk);
    if (bytes !== x.bytes) throw new Error(`layout: a batch packs to ${bytes} bytes, its rows add up to ${x.bytes}`);
  }
  return { image, weights, inputs, errorArea, resultArea, end };
}

/** What a descriptor is issued for: the training run, or the verification's reads of W. */
export type Purpose = 'run' | 'check';

/** The energy model's counts of one command; READ_RESULT needs the shape of the compute before it, a compute on the zero-skipping core its X and dY. */
export function commandCounts(
  model: CoreModel,
  d: Descriptor,
  lastResult: { rows: number; cols: number } | undefined,
  ops?: { X: number[][]; dY: number[][] },
): EnergyCounts {
  const { batch, din, dout } = d.dims;
  switch (d.op) {
    case 'loadW':
      return loadCounts(model, 'W', dout, din);
    case 'loadX':
      return loadCounts(model, 'X', batch, din);
    case 'loadDy':
      return loadCounts(model, 'dY', batch, dout);
    case 'fp':
    case 'bp':
    case 'wg':
      return computeCounts(model, d.op, d.dims, ops);
    case 'readResult':
      if (!lastResult) throw new RangeError('READ_RESULT: no FP, BP or WG before it');
      return readResultCounts(model, lastResult.rows, lastResult.cols);
    case 'moveToX':
      return moveCounts(model, 'X', batch, din);
    case 'moveToDy':
      return moveCounts(model, 'dY', batch, dout);
    case 'updateW':
      return updateCounts(model, dout, din);
    case 'readW':
      return readWeightCounts(model, dout, din);
  }
}

/** Every descriptor issued: its traffic by purpose, and the run's energy counts. */
export class MemoryLedger {
  private last: { rows: number; cols: number } | undefined;
  private readonly traffic: Record<Purpose, Traffic> = { run: { ...NO_TRAFFIC }, check: { ...NO_TRAFFIC } };
  private counts: EnergyCounts;
  readonly issued: Record<Purpose, number> = { run: 0, check: 0 };

  constructor(
    private readonly model: CoreModel,
    private readonly bus: BusShape,
  ) {
    this.counts = dramCounts(model, { bytesRead: 0, bytesWritten: 0 });
  }

  /** Books a descriptor; `ops` are a compute's X and dY (the zero-skipping core's counts need them). Returns its traffic. */
  record(d: Descriptor, purpose: Purpose, ops?: { X: number[][]; dY: number[][] }): Traffic {
    const t = descriptorTraffic(d, this.bus, this.last);
    this.traffic[purpose] = addTraffic(this.traffic[purpose], t);
    this.issued[purpose]++;
    if (purpose === 'run') this.counts = addCounts(this.counts, commandCounts(this.model, d, this.last, ops));
    if (d.op === 'fp' || d.op === 'bp' || d.op === 'wg') {
      const { M, N } = gemmShape(d.op, d.dims);
      this.last = { rows: M, cols: N };
    }
    return t;
  }

  trafficOf(purpose: Purpose): Traffic {
    return { ...this.traffic[purpose] };
  }

  /** Everything issued: what the core's counters must show. */
  total(): Traffic {
    return addTraffic(this.traffic.run, this.traffic.check);
  }

  /** The run's energy: its commands' counts plus its DRAM bytes. */
  energy(): Energy {
    return energyOf(addCounts(this.counts, dramCounts(this.model, this.traffic.run)));
  }
}
