/**
 * Energy model of a training step or run: a per-access energy table, scaled
 * by widths, applied to counts of DRAM bytes, SRAM bits and MACs.
 *
 * Source of every figure: M. Horowitz, "Computing's energy problem (and what
 * we can do about it)", IEEE International Solid-State Circuits Conference
 * (ISSCC) 2014, Digest of Technical Papers, pp. 10-14; 45 nm, 0.9 V:
 *   DRAM, 32-bit read          640 pJ
 *   SRAM 8 KB, 32-bit read       5 pJ  (32 KB: 10 pJ, 1 MB: 50 pJ)
 *   8-bit integer add            0.03 pJ, 32-bit add 0.1 pJ
 *   8-bit integer multiply       0.2 pJ,  32-bit multiply 3.1 pJ
 * Only the integer figures are used: the core computes in integers.
 *
 * Scaling by width (stated assumptions, not measurements):
 *   multiply of b x b bits   0.2 pJ x (b / 8)^2   (an array multiplier's area
 *                            grows as b^2; from 8 to 32 bits this gives 3.2 pJ
 *                            against the table's 3.1)
 *   add of b bits            0.1 pJ x b / 32      (a ripple or prefix adder
 *                            grows as b; at 8 bits this gives 0.025 pJ against
 *                            the table's 0.03)
 *   MAC                      multiply at operandBits + add at accumulatorBits
 *   SRAM                     per bit accessed: the 32-bit figure / 32, of the
 *                            smallest size class (8 KB, 32 KB, 1 MB) that holds
 *                            the buffer; a buffer above 1 MB gets the 1 MB
 *                            figure (an underestimate). A write costs what a
 *                            read of the same bits costs (the paper gives reads).
 *   DRAM                     per bit moved: 640 / 32 = 20 pJ per bit, reads and
 *                            writes alike, counted on the bytes the bus moves
 *                            (bytesRead + bytesWritten of generator/golden/traffic.ts)
 *
 * The SRAM counts follow the dataflow of docs/architecture.md; see the count
 * functions below for what each command is charged.
 */
import type { CoreModel } from '../elaborate/model.ts';
import { coreShape } from '../elaborate/model.ts';
import { gemmShape } from './gemm.ts';
import { sparseWork } from './cycles.ts';
import type { LayerDims, Step, TensorName } from '../types.ts';

export const ENERGY_SOURCE =
  'M. Horowitz, "Computing\'s energy problem (and what we can do about it)", ISSCC 2014, pp. 10-14; 45 nm, 0.9 V';

/** The table's figures, in picojoules. */
export const HOROWITZ_45NM = Object.freeze({
  dram32BitRead: 640,
  /** 32-bit reads by SRAM size, smallest class first */
  sram32BitRead: Object.freeze([
    Object.freeze({ bytes: 8 * 1024, picojoules: 5 }),
    Object.freeze({ bytes: 32 * 1024, picojoules: 10 }),
    Object.freeze({ bytes: 1024 * 1024, picojoules: 50 }),
  ]),
  add8: 0.03,
  add32: 0.1,
  multiply8: 0.2,
  multiply32: 3.1,
});

function checkBits(what: string, bits: number): void {
  if (!Number.isInteger(bits) || bits < 1) throw new RangeError(`${what} must be a positive integer, got ${bits}`);
}

/** A b x b-bit integer multiply: the 8-bit figure scaled by (b / 8)^2. */
export function multiplyPicojoules(bits: number): number {
  checkBits('multiply bits', bits);
  return HOROWITZ_45NM.multiply8 * (bits / 8) ** 2;
}

/** A b-bit integer add: the 32-bit figure scaled by b / 32. */
export function addPicojoules(bits: number): number {
  checkBits('add bits', bits);
  return HOROWITZ_45NM.add32 * (bits / 32);
}

/** One MAC: an opBits x opBits multiply and an accBits add. */
export function macPicojoules(opBits: number, accBits: number): number {
  return multiplyPicojoules(opBits) + addPicojoules(accBits);
}

/** Per bit read or written in an SRAM of `bytes` bytes: its size class's 32-bit figure / 32. */
export function sramPicojoulesPerBit(bytes: number): number {
  if (!(bytes > 0)) throw new RangeError(`an SRAM needs a positive size, got ${bytes} bytes`);
  const classes = HOROWITZ_45NM.sram32BitRead;
  return (classes.find((c) => bytes <= c.bytes) ?? classes[classes.length - 1]).picojoules / 32;
}

/** Per bit moved to or from DRAM. */
export function dramPicojoulesPerBit(): number {
  return HOROWITZ_45NM.dram32BitRead / 32;
}

/** Bits read and written in one on-chip memory (a buffer, or one engine's store), and its size. */
export interface SramCount {
  memory: string;
  bytes: number;
  readBits: number;
  writeBits: number;
}

/** What a step or a run does, for the energy model. */
export interface EnergyCounts {
  /** bytes over the DRAM bus, read and written */
  dramBytes: number;
  sram: SramCount[];
  macs: number;
  opBits: number;
  accBits: number;
}

export interface Energy {
  totalMicrojoules: number;
  dramMicrojoules: number;
  sramMicrojoules: number;
  macMicrojoules: number;
}

export function energyOf(c: EnergyCounts): Energy {
  const dram = c.dramBytes * 8 * dramPicojoulesPerBit();
  const sram = c.sram.reduce((sum, s) => sum + (s.readBits + s.writeBits) * sramPicojoulesPerBit(s.bytes), 0);
  const mac = c.macs === 0 ? 0 : c.macs * macPicojoules(c.opBits, c.accBits);
  const micro = (pj: number) => pj / 1e6;
  return {
    totalMicrojoules: micro(dram + sram + mac),
    dramMicrojoules: micro(dram),
    sramMicrojoules: micro(sram),
    macMicrojoules: micro(mac),
  };
}

/** The sum of two counts (SRAM by memory name, in first-seen order); the widths must agree. */
export function addCounts(a: EnergyCounts, b: EnergyCounts): EnergyCounts {
  if (a.opBits !== b.opBits || a.accBits !== b.accBits) throw new RangeError('addCounts: counts of cores with different widths');
  const sram = new Map<string, SramCount>();
  for (const s of [...a.sram, ...b.sram]) {
    const seen = sram.get(s.memory);
    sram.set(s.memory, seen ? { ...seen, readBits: seen.readBits + s.readBits, writeBits: seen.writeBits + s.writeBits } : { ...s });
  }
  return { dramBytes: a.dramBytes + b.dramBytes, sram: [...sram.values()], macs: a.macs + b.macs, opBits: a.opBits, accBits: a.accBits };
}

/**
 * The on-chip memories an access is charged to, with their bytes (what picks
 * the size class). Dense core: the weight, activation and error buffers and
 * the result buffer, each as a whole (its capacity). Zero-skipping core: the
 * weight buffer; the activation store (X by rows) and, on square arrays, its
 * copy by columns; the error stores by rows and by columns; one engine's B
 * store and one engine's result bank (each engine's is a memory of its own,
 * so its size class is its own size).
 */
export function coreMemories(model: CoreModel): Record<string, number> {
  const op = model.opBits / 8;
  const acc = model.accBits / 8;
  const weight = model.weight.capacity * op;
  if (!model.sparse) {
    return {
      weight,
      activation: model.activation.capacity * op,
      error: model.error.capacity * op,
      result: model.result.words * acc,
    };
  }
  const s = model.sparse;
  return {
    weight,
    activationStore: s.activationStore.words * op,
    ...(s.wgTransposed ? { activationColumns: s.activationStore.words * op } : {}),
    errorRows: s.errorStore.words * op,
    errorColumns: s.errorStore.words * op,
    bStore: s.bStoreDepth * model.cols * op,
    resultBank: s.resultBankDepth * model.cols * acc,
  };
}

type Access = [memory: string, readBits: number, writeBits: number];

function counts(model: CoreModel, accesses: Access[], macs = 0): EnergyCounts {
  const sizes = coreMemories(model);
  const sram = new Map<string, SramCount>();
  for (const [memory, readBits, writeBits] of accesses) {
    const bytes = sizes[memory];
    if (bytes === undefined) throw new Error(`energy: ${model.name} has no memory ${memory}`);
    const seen = sram.get(memory) ?? { memory, bytes, readBits: 0, writeBits: 0 };
    sram.set(memory, { ...seen, readBits: seen.readBits + readBits, writeBits: seen.writeBits + writeBits });
  }
  return { dramBytes: 0, sram: [...sram.values()], macs, opBits: model.opBits, accBits: model.accBits };
}

/** Where a tensor is written when it is loaded or moved: the zero-skipping core keeps X and dY twice. */
function tensorHomes(model: CoreModel, tensor: TensorName): string[] {
  if (tensor === 'W') return ['weight'];
  if (!model.sparse) return [tensor === 'X' ? 'activation' : 'error'];
  if (tensor === 'X') return model.sparse.wgTransposed ? ['activationStore', 'activationColumns'] : ['activationStore'];
  return ['errorRows', 'errorColumns'];
}

const ceilDiv = (a: number, b: number): number => Math.ceil(a / b);

/** DRAM bytes as counts: the bus traffic of a step or run. */
export function dramCounts(model: CoreModel, traffic: { bytesRead: number; bytesWritten: number }): EnergyCounts {
  return { ...counts(model, []), dramBytes: traffic.bytesRead + traffic.bytesWritten };
}

/** Load of a rows x cols tensor: every element written once at operandBits (into both stores where the core keeps two). */
export function loadCounts(model: CoreModel, tensor: TensorName, rows: number, cols: number): EnergyCounts {
  return counts(
    model,
    tensorHomes(model, tensor).map((m): Access => [m, 0, rows * cols * model.opBits]),
  );
}

/** Bits of reading each word of an M x N result once: C accumulators per word, a word per row and column tile. */
function resultWordBits(model: CoreModel, M: number, N: number): number {
  return M * ceilDiv(N, model.cols) * model.cols * model.accBits;
}

const resultMemory = (model: CoreModel): string => (model.sparse ? 'resultBank' : 'result');

/** READ_RESULT of an M x N result: every result word read once (the read port walks the words, element by element). */
export function readResultCounts(model: CoreModel, M: number, N: number): EnergyCounts {
  return counts(model, [[resultMemory(model), resultWordBits(model, M, N), 0]]);
}

/**
 * A move of the rows x cols result to X or dY: every result word read once,
 * every element written at operandBits (into both stores where the core keeps
 * two); a move to dY also reads the X mask, one element per element.
 */
export function moveCounts(model: CoreModel, to: 'X' | 'dY', rows: number, cols: number): EnergyCounts {
  const elements = rows * cols * model.opBits;
  const accesses: Access[] = [[resultMemory(model), resultWordBits(model, rows, cols), 0]];
  for (const m of tensorHomes(model, to)) accesses.push([m, 0, elements]);
  if (to === 'dY') accesses.push([tensorHomes(model, 'X')[0], elements, 0]);
  return counts(model, accesses);
}

/**
 * Weight update of W (dout x din): per row segment of C weights one W row read
 * (C operands), one result word read (C accumulators) and a write of the
 * segment's weights (lane enables: din weights per row in all).
 */
export function updateCounts(model: CoreModel, dout: number, din: number): EnergyCounts {
  const segments = dout * ceilDiv(din, model.cols);
  return counts(model, [
    ['weight', segments * model.cols * model.opBits, dout * din * model.opBits],
    [resultMemory(model), segments * model.cols * model.accBits, 0],
  ]);
}

/** READ_W of W (dout x din): every weight read once at operandBits. */
export function readWeightCounts(model: CoreModel, dout: number, din: number): EnergyCounts {
  return counts(model, [['weight', dout * din * model.opBits, 0]]);
}

/** The memory that feeds A and B of a step on the dense core. */
const DENSE_OPERANDS: Record<Step, { a: string; b: string }> = {
  fp: { a: 'activation', b: 'weight' },
  bp: { a: 'error', b: 'weight' },
  wg: { a: 'error', b: 'activation' },
};

/**
 * A compute (FP, BP, WG as M x N x K on R x C).
 *
 * Dense core (output stationary): for each of ceil(M/R) ceil(N/C) tiles and
 * each k, one A column of R operands and one B row of C operands are read
 * (lanes past M or N are read and masked); FP with a plain weight buffer reads
 * a whole W row of C operands for each of the C elements it gathers. Each
 * tile writes its result rows, one result word of C accumulators per row of
 * out (M per column tile). MACs: M N K.
 *
 * Zero-skipping core (A is X in FP, dY in BP, dY^T in WG, X^T in a transposed
 * WG; B the other operand): per column tile of out, the fill reads all K B
 * rows (C operands each; C reads each for FP with a plain weight buffer) and
 * writes them into every engine's B store; each A row is read word by word
 * (ceil(K / scanWidth) words of scanWidth operands); every nonzero of A reads
 * one B row (C operands) from its engine's B store; each A row writes its C
 * sums to the result bank once per chunk and reads them back in every chunk
 * after the first. MACs: the products it performs, nonzeros of A x N (the
 * outputs each feeds, as sparseWork counts them); lanes of an edge tile past
 * N are not counted.
 */
export function computeCounts(
  model: CoreModel,
  step: Step,
  dims: LayerDims,
  ops: { X: number[][]; dY: number[][] } = { X: [], dY: [] },
): EnergyCounts {
  const { M, N, K } = gemmShape(step, dims);
  const R = model.rows;
  const C = model.cols;
  const op = model.opBits;
  const acc = model.accBits;
  const gather = model.plainGather && step === 'fp' ? C : 1;
  if (!model.sparse) {
    const tiles = ceilDiv(M, R) * ceilDiv(N, C);
    const { a, b } = DENSE_OPERANDS[step];
    return counts(
      model,
      [
        [a, tiles * K * R * op, 0],
        [b, tiles * K * gather * C * op, 0],
        ['result', 0, M * ceilDiv(N, C) * C * acc],
      ],
      M * N * K,
    );
  }
  const s = model.sparse;
  const transposed = step === 'wg' && s.wgTransposed;
  const aRows = transposed ? N : M;
  const A = step === 'fp' || transposed ? ops.X : ops.dY;
  // the engines' work depends on where the zeros are: without the operands there is no count
  if (A.length !== (step === 'wg' ? K : aRows))
    throw new RangeError(`computeCounts: the zero-skipping core needs the operands of ${step.toUpperCase()} (X and dY) to count its work`);
  const { nonzeros, outputsPerValue } = sparseWork(coreShape(model), step, dims, ops);
  const tiles = ceilDiv(outputsPerValue, C);
  const chunks = ceilDiv(K, s.chunkDepth);
  const aStore = { fp: 'activationStore', bp: 'errorRows', wg: transposed ? 'activationColumns' : 'errorColumns' }[step];
  const bSource = { fp: 'weight', bp: 'weight', wg: transposed ? 'errorRows' : 'activationStore' }[step];
  const fillRows = tiles * K;
  return counts(
    model,
    [
      [bSource, fillRows * gather * C * op, 0],
      ['bStore', nonzeros * tiles * C * op, R * fillRows * C * op],
      [aStore, tiles * aRows * ceilDiv(K, s.scanWidth) * s.scanWidth * op, 0],
      ['resultBank', aRows * tiles * (chunks - 1) * C * acc, aRows * tiles * chunks * C * acc],
    ],
    nonzeros * outputsPerValue,
  );
}
