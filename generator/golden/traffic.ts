/**
 * Golden model of the memory system's traffic and of memory images
 * (docs/memory-system.md, "Traffic rules" and "Tensors in memory").
 *
 * Traffic: what a descriptor, or a program of descriptors, moves over the AXI4
 * bus, counted by the contract's rules alone (no RTL timing):
 *   - a read request (addr, bytes) reads every beat that covers addr ..
 *     addr + bytes - 1: floor((addr + bytes - 1) / D) - floor(addr / D) + 1
 *     beats of D = dataBytes bytes, and bytesRead counts beats x D;
 *   - a write request writes the same beats, and bytesWritten counts the bytes
 *     with their strobe set: exactly the request's bytes;
 *   - dense loads and stores: one request per row, (addr + r stride, cols E);
 *     compressed loads: one request (addr, bytes); the program fetch: one
 *     request (progAddr, 64 count);
 *   - a request is split into INCR bursts: the first from the beat-aligned
 *     start, each as long as possible up to maxBurst beats and up to the next
 *     4 KB boundary.
 *
 * Memory images: a sparse byte image (4 KB pages) and plain encoders and
 * decoders of dense tensors (little-endian two's complement, sign-extended to
 * E bytes), compressed tensors (generator/golden/zvc.ts) and programs
 * (descriptors packed by generator/elaborate/regmap.ts). They are written
 * from the contract, not from the RTL, so that they can check it.
 *
 * Addresses are JavaScript numbers: exact below 2^53, which every test and
 * run uses; a larger address is refused rather than rounded.
 */
import { DESCRIPTOR_BYTES, packDescriptor } from '../elaborate/regmap.ts';
import { OPCODES, type OpName } from '../elaborate/model.ts';
import { gemmShape } from './gemm.ts';
import { packZvc, type ZvcTensor } from './zvc.ts';
import type { LayerDims, Step } from '../types.ts';

/** AXI4 bursts never cross a 4 KB boundary. */
export const BOUNDARY_BYTES = 4096;

/** The parts of model.memory the traffic rules need. */
export interface BusShape {
  dataBytes: number;
  maxBurst: number;
  /** bytes of an operand in memory */
  elementBytes: number;
  /** bytes of a result (accumulator) in memory */
  resultBytes: number;
}

/** One AXI4 INCR burst: its first (beat-aligned) address and its beats. */
export interface Burst {
  addr: number;
  beats: number;
}

function checkAddress(what: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${what} must be a non-negative safe integer, got ${value}`);
}

function checkRequest(addr: number, bytes: number): void {
  checkAddress('request address', addr);
  if (!Number.isSafeInteger(bytes) || bytes < 1) throw new RangeError(`request bytes must be a positive integer, got ${bytes}`);
  checkAddress('request end', addr + bytes);
}

/** Beats of D bytes that cover bytes addr .. addr + bytes - 1. */
export function requestBeats(addr: number, bytes: number, dataBytes: number): number {
  checkRequest(addr, bytes);
  return Math.floor((addr + bytes - 1) / dataBytes) - Math.floor(addr / dataBytes) + 1;
}

/**
 * The bursts of a request, in the order the master issues them: the first
 * from addr rounded down to a beat, each as long as possible up to maxBurst
 * beats and up to the next 4 KB boundary.
 */
export function requestBursts(addr: number, bytes: number, bus: Pick<BusShape, 'dataBytes' | 'maxBurst'>): Burst[] {
  const D = bus.dataBytes;
  let left = requestBeats(addr, bytes, D);
  let at = addr - (addr % D);
  const bursts: Burst[] = [];
  while (left > 0) {
    const toBoundary = (BOUNDARY_BYTES - (at % BOUNDARY_BYTES)) / D;
    const beats = Math.min(left, bus.maxBurst, toBoundary);
    bursts.push({ addr: at, beats });
    at += beats * D;
    left -= beats;
  }
  return bursts;
}

/** What a descriptor or a program moves over the bus. */
export interface Traffic {
  /** read beats x dataBytes */
  bytesRead: number;
  /** bytes with their strobe set */
  bytesWritten: number;
  readBeats: number;
  writeBeats: number;
  readBursts: number;
  writeBursts: number;
  /** compressed loads only: the bytes read for them */
  inputBytesRead: number;
  /** compressed loads only: the dense size of what they load, rows x cols x elementBytes */
  inputBytesUncompressed: number;
}

export const NO_TRAFFIC: Readonly<Traffic> = Object.freeze({
  bytesRead: 0,
  bytesWritten: 0,
  readBeats: 0,
  writeBeats: 0,
  readBursts: 0,
  writeBursts: 0,
  inputBytesRead: 0,
  inputBytesUncompressed: 0,
});

export function addTraffic(a: Traffic, b: Traffic): Traffic {
  const sum = { ...NO_TRAFFIC };
  for (const key of Object.keys(NO_TRAFFIC) as (keyof Traffic)[]) sum[key] = a[key] + b[key];
  return sum;
}

/** Traffic of one read request (addr, bytes). */
export function readTraffic(addr: number, bytes: number, bus: BusShape): Traffic {
  const beats = requestBeats(addr, bytes, bus.dataBytes);
  return { ...NO_TRAFFIC, readBeats: beats, bytesRead: beats * bus.dataBytes, readBursts: requestBursts(addr, bytes, bus).length };
}

/** Traffic of one write request (addr, bytes): every byte of it has its strobe set. */
export function writeTraffic(addr: number, bytes: number, bus: BusShape): Traffic {
  return {
    ...NO_TRAFFIC,
    writeBeats: requestBeats(addr, bytes, bus.dataBytes),
    bytesWritten: bytes,
    writeBursts: requestBursts(addr, bytes, bus).length,
  };
}

/** Where a dense tensor sits in memory: row r at addr + r stride, elementBytes per element. */
export interface DenseLayout {
  addr: number;
  stride: number;
  elementBytes: number;
}

/**
 * The contract's rule for a dense tensor (else the fault BAD_STRIDE): addr and
 * stride multiples of E, rows that do not overlap.
 */
export function checkDenseLayout(layout: DenseLayout, rows: number, cols: number): void {
  const { addr, stride, elementBytes: E } = layout;
  checkAddress('addr', addr);
  if (!Number.isSafeInteger(stride) || stride < 0) throw new RangeError(`stride must be a non-negative integer, got ${stride}`);
  if (!Number.isInteger(rows) || rows < 1 || !Number.isInteger(cols) || cols < 1)
    throw new RangeError(`a tensor needs at least one row and one column, got ${rows} x ${cols}`);
  if (addr % E !== 0 || stride % E !== 0) throw new RangeError(`BAD_STRIDE: addr ${addr} and stride ${stride} must be multiples of ${E}`);
  if (rows > 1 && stride < cols * E) throw new RangeError(`BAD_STRIDE: stride ${stride} is less than a row of ${cols} x ${E} bytes`);
}

/** Traffic of a dense load (read) or store (write): one request per row. */
export function denseTraffic(direction: 'read' | 'write', layout: DenseLayout, rows: number, cols: number, bus: BusShape): Traffic {
  checkDenseLayout(layout, rows, cols);
  const request = direction === 'read' ? readTraffic : writeTraffic;
  let total: Traffic = { ...NO_TRAFFIC };
  for (let r = 0; r < rows; r++) total = addTraffic(total, request(layout.addr + r * layout.stride, cols * layout.elementBytes, bus));
  return total;
}

/** A descriptor as the models see it; packDescriptorWords turns it into its 16 words. */
export interface Descriptor {
  op: OpName;
  dims: LayerDims;
  bases?: { w?: number; x?: number; dy?: number };
  /** loads, READ_RESULT, READ_W: the tensor's first byte in memory */
  addr?: number;
  /** bytes from one row to the next (dense) */
  stride?: number;
  /** LOAD_X, LOAD_DY: zero-value compressed, `bytes` long */
  compressed?: boolean;
  bytes?: number;
  stochastic?: boolean;
  relu?: boolean;
  wait?: boolean;
  irq?: boolean;
  shift?: number;
  seed?: number;
}

const COMPUTES: Partial<Record<OpName, Step>> = { fp: 'fp', bp: 'bp', wg: 'wg' };

/** rows x cols of the tensor a memory descriptor moves, or undefined for the commands that do not touch memory. */
export function descriptorTensor(
  d: Descriptor,
  lastResult?: { rows: number; cols: number },
): { rows: number; cols: number; direction: 'read' | 'write'; result: boolean } | undefined {
  const { batch, din, dout } = d.dims;
  switch (d.op) {
    case 'loadW':
      return { rows: dout, cols: din, direction: 'read', result: false };
    case 'loadX':
      return { rows: batch, cols: din, direction: 'read', result: false };
    case 'loadDy':
      return { rows: batch, cols: dout, direction: 'read', result: false };
    case 'readW':
      // the store writes the read port's words: W sign-extended to the accumulator width
      return { rows: dout, cols: din, direction: 'write', result: true };
    case 'readResult':
      if (!lastResult) throw new RangeError('READ_RESULT: no FP, BP or WG before it, so the result shape is unknown');
      return { ...lastResult, direction: 'write', result: true };
    default:
      return undefined;
  }
}

/**
 * Traffic of one descriptor. READ_RESULT stores the M x N result of the last
 * compute (the core's read port reads that shape), so it needs lastResult.
 * A descriptor that would fault (BAD_STRIDE, a compressed flag where it does
 * not belong) is refused: the models count valid programs.
 */
export function descriptorTraffic(d: Descriptor, bus: BusShape, lastResult?: { rows: number; cols: number }): Traffic {
  const t = descriptorTensor(d, lastResult);
  if (!t) return { ...NO_TRAFFIC };
  const addr = d.addr ?? 0;
  if (d.compressed) {
    if (d.op !== 'loadX' && d.op !== 'loadDy') throw new RangeError(`BAD_SHAPE: ${d.op} cannot be compressed`);
    const bytes = d.bytes ?? 0;
    const read = readTraffic(addr, bytes, bus);
    return { ...read, inputBytesRead: read.bytesRead, inputBytesUncompressed: t.rows * t.cols * bus.elementBytes };
  }
  const E = t.result ? bus.resultBytes : bus.elementBytes;
  return denseTraffic(t.direction, { addr, stride: d.stride ?? t.cols * E, elementBytes: E }, t.rows, t.cols, bus);
}

/** Traffic of fetching `count` descriptors from progAddr: one request of 64 x count bytes. */
export function fetchTraffic(progAddr: number, count: number, bus: BusShape): Traffic {
  return count === 0 ? { ...NO_TRAFFIC } : readTraffic(progAddr, DESCRIPTOR_BYTES * count, bus);
}

/**
 * Traffic of a program: its fetch from progAddr (omit it for descriptors the
 * host pushes through DESC_PUSH) and every descriptor in order, following the
 * shape of the last compute for READ_RESULT.
 */
export function programTraffic(descriptors: readonly Descriptor[], bus: BusShape, progAddr?: number): Traffic {
  let total = progAddr === undefined ? { ...NO_TRAFFIC } : fetchTraffic(progAddr, descriptors.length, bus);
  let last: { rows: number; cols: number } | undefined;
  for (const d of descriptors) {
    total = addTraffic(total, descriptorTraffic(d, bus, last));
    const step = COMPUTES[d.op];
    if (step) {
      const { M, N } = gemmShape(step, d.dims);
      last = { rows: M, cols: N };
    }
  }
  return total;
}

/** The 16 words of a descriptor (generator/elaborate/regmap.ts packs them). */
export function packDescriptorWords(d: Descriptor): number[] {
  const addr = d.addr ?? 0;
  checkAddress('descriptor addr', addr);
  const flag = (b: boolean | undefined) => (b ? 1 : 0);
  return packDescriptor(
    {
      BATCH: d.dims.batch,
      DIN: d.dims.din,
      DOUT: d.dims.dout,
      W_BASE: d.bases?.w ?? 0,
      X_BASE: d.bases?.x ?? 0,
      DY_BASE: d.bases?.dy ?? 0,
      SEED: d.seed ?? 0,
      ADDR_LO: addr % 2 ** 32,
      ADDR_HI: Math.floor(addr / 2 ** 32),
      STRIDE: d.stride ?? 0,
      BYTES: d.bytes ?? 0,
    },
    {
      OP: OPCODES[d.op],
      COMPRESSED: flag(d.compressed),
      STOCHASTIC: flag(d.stochastic),
      RELU: flag(d.relu),
      WAIT: flag(d.wait),
      IRQ: flag(d.irq),
      SHIFT: d.shift ?? 0,
    },
  );
}

/** A program's bytes: 64 per descriptor, each word little-endian. */
export function programBytes(descriptors: readonly Descriptor[]): Uint8Array {
  const out = new Uint8Array(DESCRIPTOR_BYTES * descriptors.length);
  descriptors.forEach((d, i) => packDescriptorWords(d).forEach((w, j) => putUnsigned(out, i * DESCRIPTOR_BYTES + 4 * j, BigInt(w), 4)));
  return out;
}

function putUnsigned(out: Uint8Array, at: number, value: bigint, bytes: number): void {
  for (let i = 0; i < bytes; i++) out[at + i] = Number((value >> BigInt(8 * i)) & 0xffn);
}

const PAGE = 4096;

/** A byte-addressed memory: 4 KB pages made on first write; bytes never written read as 0. */
export class MemoryImage {
  private readonly pages = new Map<number, Uint8Array>();

  write(addr: number, data: Uint8Array): void {
    checkAddress('address', addr);
    checkAddress('end address', addr + data.length);
    for (let i = 0; i < data.length; i++) {
      const a = addr + i;
      const key = Math.floor(a / PAGE);
      let page = this.pages.get(key);
      if (!page) this.pages.set(key, (page = new Uint8Array(PAGE)));
      page[a % PAGE] = data[i];
    }
  }

  read(addr: number, length: number): Uint8Array {
    checkAddress('address', addr);
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.pages.get(Math.floor((addr + i) / PAGE))?.[(addr + i) % PAGE] ?? 0;
    return out;
  }

  /** The pages written, in address order: what a memory model preloads. */
  segments(): { addr: number; data: Uint8Array }[] {
    return [...this.pages.entries()].sort(([a], [b]) => a - b).map(([key, data]) => ({ addr: key * PAGE, data: data.slice() }));
  }
}

/**
 * Writes a dense tensor: element (r, j) at addr + r stride + j E, E bytes
 * little-endian, two's complement sign-extended to E bytes. Each value must
 * fit E bytes as a signed number. Gaps between rows are left as they were.
 */
export function writeDense(image: MemoryImage, layout: DenseLayout, tensor: readonly (readonly (number | bigint)[])[]): void {
  const cols = tensor[0]?.length ?? 0;
  checkDenseLayout(layout, tensor.length, cols);
  const E = layout.elementBytes;
  const limit = 1n << BigInt(8 * E - 1);
  tensor.forEach((row, r) => {
    if (row.length !== cols) throw new RangeError(`row ${r} has ${row.length} elements, expected ${cols}`);
    const bytes = new Uint8Array(cols * E);
    row.forEach((v, j) => {
      const value = BigInt(v);
      if (value < -limit || value >= limit) throw new RangeError(`element (${r}, ${j}) = ${v} does not fit ${E} signed bytes`);
      putUnsigned(bytes, j * E, BigInt.asUintN(8 * E, value), E);
    });
    image.write(layout.addr + r * layout.stride, bytes);
  });
}

/**
 * Reads a dense tensor of `bits`-bit values stored in E bytes each. The bytes
 * above `bits` must be the sign extension of the value (the contract), so a
 * store that writes anything else is caught here, with its place.
 */
export function readDense(image: MemoryImage, layout: DenseLayout, rows: number, cols: number, bits: number): bigint[][] {
  checkDenseLayout(layout, rows, cols);
  const E = layout.elementBytes;
  if (!Number.isInteger(bits) || bits < 1 || bits > 8 * E) throw new RangeError(`${bits}-bit values do not fit ${E} bytes`);
  const out: bigint[][] = [];
  for (let r = 0; r < rows; r++) {
    const rowAddr = layout.addr + r * layout.stride;
    const bytes = image.read(rowAddr, cols * E);
    const row: bigint[] = [];
    for (let j = 0; j < cols; j++) {
      let raw = 0n;
      for (let i = E - 1; i >= 0; i--) raw = (raw << 8n) | BigInt(bytes[j * E + i]);
      const value = BigInt.asIntN(bits, raw);
      if (BigInt.asUintN(8 * E, value) !== raw) {
        throw new RangeError(
          `element (${r}, ${j}) at address ${rowAddr + j * E}: 0x${raw.toString(16)} is not a ${bits}-bit value sign-extended to ${E} bytes`,
        );
      }
      row.push(value);
    }
    out.push(row);
  }
  return out;
}

/** Reads operands (elementBytes each, opBits wide) as numbers. */
export function readOperands(image: MemoryImage, layout: DenseLayout, rows: number, cols: number, opBits: number): number[][] {
  return readDense(image, layout, rows, cols, opBits).map((row) => row.map(Number));
}

/** Reads results: accBits-wide two's complement, stored sign-extended in resultBytes bytes. */
export function readResults(
  image: MemoryImage,
  at: { addr: number; stride: number },
  rows: number,
  cols: number,
  mem: { resultBytes: number; accBits: number },
): bigint[][] {
  return readDense(image, { ...at, elementBytes: mem.resultBytes }, rows, cols, mem.accBits);
}

/**
 * Writes a tensor in the zero-value-compressed form at addr (rows back to
 * back) and returns what its LOAD_X / LOAD_DY descriptor needs: the stream's
 * length in bytes, and the row index (which stays with the host).
 */
export function writeCompressed(
  image: MemoryImage,
  addr: number,
  tensor: readonly (readonly number[])[],
  opBits: number,
  chunk: number,
): { bytes: number; index: number[] } {
  const z: ZvcTensor = packZvc(tensor, opBits, chunk);
  image.write(addr, z.data);
  return { bytes: z.data.length, index: z.index };
}

/** Writes a program of descriptors at addr (a multiple of 64, as PROG_ADDR requires). */
export function writeProgram(image: MemoryImage, addr: number, descriptors: readonly Descriptor[]): void {
  if (addr % DESCRIPTOR_BYTES !== 0) throw new RangeError(`a program address must be a multiple of ${DESCRIPTOR_BYTES}, got ${addr}`);
  image.write(addr, programBytes(descriptors));
}
