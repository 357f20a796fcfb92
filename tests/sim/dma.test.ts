/**
 * The memory-system engines on both simulators (testbench/tb_dma.sv.hbs): the
 * AXI4 reader with the DMA load and the DMA store with the AXI4 writer, on one
 * AXI4 memory, bit-exact against the memory image and the golden ZVC format
 * (generator/golden/zvc.ts), with every malformed stream and AXI error answered
 * by its fault code, and, with the deterministic memory, cycle-exact against
 * the timing of docs/memory-system.md ("DMA timing", generator/golden/dma-timing.ts).
 * Each design is compiled once per simulator; every run holds many jobs.
 * Seeded: TRAINFORGE_SEED explores other jobs; a failure names its seed.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { CoreModel } from '../../generator/elaborate/model.ts';
import { dmaLoadCycles, dmaStoreCycles } from '../../generator/golden/dma-timing.ts';
import { makeRng, type Rng } from '../../generator/golden/rng.ts';
import { packZvc, unpackZvc, ZvcDecodeError } from '../../generator/golden/zvc.ts';
import { renderTemplate } from '../../generator/render/render.ts';
import { compileDesign, type CompiledSim, type SimulatorName } from '../../generator/sim/simulators.ts';
import { buildModel, SIM_NAMES, SIM_TEST_TIMEOUT } from './helpers.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const scratch = mkdtempSync(join(tmpdir(), 'trainforge-dma-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const BASE_SEED = Number(process.env.TRAINFORGE_SEED ?? 1);
/** The testbench's memory (testbench/axi_memory_model.sv): 1 MB, all zero at the start. */
const MEM_BYTES = 1 << 20;

/**
 * Designs: widths of the bus, the operands and the results, bursts and chunks, and the segment
 * lanes (memory.loadLanes / storeLanes, from the array's shape): 1 / 1, 3 / 2, 8 / 2, 2 / 1 (results
 * wider than the bus), 5 / 3.
 */
const DESIGNS: Record<string, unknown>[] = [
  // specs/scaling/array-1x1.json: 4-bit operands (1 byte), 16-bit results (2 bytes), 64-bit bus, one lane; one read burst in flight, chunks of 1
  {
    name: 'dma_small',
    array: { rows: 1, cols: 1 },
    numeric: { operandBits: 4, accumulatorBits: 16 },
    memory: { outstandingReads: 1, zvcChunk: 1 },
  },
  // a 32-bit bus, chunks of 3, 3 load lanes (not a power of two, less than the bus's 4 elements)
  {
    name: 'dma_bus32',
    array: { rows: 3, cols: 3 },
    numeric: { operandBits: 4, accumulatorBits: 16 },
    memory: { dataBits: 32, zvcChunk: 3 },
  },
  // specs/default.json with 16 reads in flight (8-beat rows at latency 100 need them for the bus rate): 8-bit operands,
  // 32-bit results (4 bytes), 64-bit bus, 8 load lanes (the bus's width), 2 store lanes
  {
    name: 'dma_default',
    array: { rows: 8, cols: 8 },
    numeric: { operandBits: 8, accumulatorBits: 32 },
    memory: { outstandingReads: 16 },
  },
  // 16-bit operands (2 bytes), 64-bit results wider than the 32-bit bus, bursts of 4 beats, chunks of 5
  {
    name: 'dma_wide',
    array: { rows: 2, cols: 2 },
    numeric: { operandBits: 16, accumulatorBits: 64 },
    memory: { dataBits: 32, maxBurst: 4, outstandingReads: 2, zvcChunk: 5 },
  },
  // a 128-bit bus, bursts of 2, 64-bit addresses, chunks of 16, 5 load lanes (specs/nonsquare.json's), 3 store lanes
  {
    name: 'dma_bus128',
    array: { rows: 5, cols: 3 },
    numeric: { operandBits: 8, accumulatorBits: 20 },
    memory: { dataBits: 128, maxBurst: 2, outstandingReads: 3, zvcChunk: 16, addrBits: 64 },
  },
];

const FAULT = (m: CoreModel, name: string): number => {
  const f = m.memory.faults.find((x) => x.name === name);
  if (!f) throw new Error(`no fault ${name}`);
  return f.code;
};

// ---------------------------------------------------------------- jobs

interface LoadJob {
  kind: 'load';
  what: string;
  addr: number;
  rows: number;
  cols: number;
  stride: number;
  compressed: boolean;
  bytes: number;
  /** job_block_cols_i: segments never cross a multiple of it within a row */
  blockCols: number;
  /** elements expected (unsigned OpBits), all of them for a job that succeeds, a prefix otherwise */
  expect: number[];
  code: number;
  /** compressed: the tensor packed (its zeros decide the decoder's timing) */
  tensor?: number[][];
  /** the bus rate to reach, in bytes per cycle from the first R beat to the last (deterministic memory) */
  minRate?: number;
}

interface StoreJob {
  kind: 'store';
  what: string;
  addr: number;
  rows: number;
  cols: number;
  stride: number;
  values: bigint[];
  code: number;
  /** the memory around the tensor after the store: its first address and bytes */
  dump?: { addr: number; bytes: number[] };
  /** a store that fails on its first row: each row's bytes before and after, in the order of the dump */
  rowsCheck?: { addr: number; span: number; before: number[][]; after: number[][]; at: number[][] };
  /** the bus rate to reach, in bytes per cycle from the first W beat to the last (deterministic memory) */
  minRate?: number;
}

type Job = LoadJob | StoreJob;

/** The memory as the testbench holds it, written by the jobs' records. */
class Image {
  private readonly bytes = new Map<number, number>();
  get(a: number): number {
    return this.bytes.get(a) ?? 0;
  }
  set(a: number, v: number): void {
    this.bytes.set(a, v & 0xff);
  }
}

interface Ctx {
  m: CoreModel;
  rng: Rng;
  image: Image;
  records: string[];
  jobs: { job: Job; latency: number; bDelay: number; random: boolean }[];
  latency: number;
  bDelay: number;
  random: boolean;
}

const hex2 = (v: number) => v.toString(16).padStart(2, '0');

function writeBytes(ctx: Ctx, addr: number, data: ArrayLike<number>): void {
  const parts = [`2 ${addr} ${data.length}`];
  for (let i = 0; i < data.length; i++) {
    ctx.image.set(addr + i, data[i]);
    parts.push(hex2(data[i] & 0xff));
  }
  ctx.records.push(parts.join(' '));
}

function randomBytes(rng: Rng, n: number): number[] {
  return Array.from({ length: n }, () => rng.nextInt(0, 255));
}

/** A budget in edges no correct job exceeds: a hang stops the run instead of the test's timeout. */
function budget(ctx: Ctx, beats: number, elems: number): number {
  return 2000 + 40 * (beats + elems) + 4 * ctx.latency * (beats + 4);
}

/** Beats covering addr .. addr + bytes - 1. */
function beatsOf(ctx: Ctx, addr: number, bytes: number): number {
  const d = ctx.m.memory.dataBytes;
  return Math.floor((addr + bytes - 1) / d) - Math.floor(addr / d) + 1;
}

function signedRandom(rng: Rng, bits: number, nonzero: boolean): number {
  for (;;) {
    const v = rng.nextInt(-(2 ** (bits - 1)), 2 ** (bits - 1) - 1);
    if (!nonzero || v !== 0) return v;
  }
}

const unsigned = (v: number, bits: number) => (v < 0 ? v + 2 ** bits : v);

function pushLoad(ctx: Ctx, job: Omit<LoadJob, 'kind'>): void {
  const full: LoadJob = { kind: 'load', ...job };
  const beats = full.compressed ? beatsOf(ctx, full.addr, Math.max(1, full.bytes)) : full.rows * (beatsOf(ctx, 0, full.cols * 2) + 1);
  const b = budget(ctx, beats, full.rows * full.cols);
  ctx.records.push(
    `4 ${full.addr} ${full.rows} ${full.cols} ${full.stride} ${full.compressed ? 1 : 0} ${full.bytes} ${full.blockCols} ${b}`,
  );
  ctx.jobs.push({ job: full, latency: ctx.latency, bDelay: ctx.bDelay, random: ctx.random });
}

/** A block width for a load: none (cols), any, a multiple of the lanes, or a small one that often is not. */
function blockCols(ctx: Ctx, cols: number): number {
  const { rng } = ctx;
  const lanes = ctx.m.memory.loadLanes;
  switch (rng.nextInt(0, 3)) {
    case 0:
      return cols;
    case 1:
      return rng.nextInt(1, cols);
    case 2:
      return lanes * rng.nextInt(1, 3);
    default:
      return rng.nextInt(1, 2 * lanes + 1);
  }
}

/** A dense tensor at a random element-aligned place, some of them across 4 KB boundaries. */
function denseLoad(ctx: Ctx, what: string, opts: { acrossPage?: boolean; maxCols?: number } = {}): LoadJob {
  const { m, rng } = ctx;
  const e = m.memory.elementBytes;
  const rows = rng.nextInt(1, 5);
  const cols = rng.nextInt(1, opts.maxCols ?? 40);
  const stride = rows === 1 && rng.nextInt(0, 3) === 0 ? 0 : cols * e + e * rng.nextInt(0, 12);
  const span = (rows - 1) * stride + cols * e;
  let addr: number;
  if (opts.acrossPage) {
    // the first row starts a few elements before a 4 KB boundary
    addr = 4096 * rng.nextInt(1, 200) - e * rng.nextInt(1, Math.min(cols, 8));
  } else addr = e * rng.nextInt(0, Math.floor((MEM_BYTES - span - 64) / e));
  writeBytes(ctx, addr, randomBytes(rng, span));
  const expect: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      let v = 0;
      for (let k = e - 1; k >= 0; k--) v = v * 256 + ctx.image.get(addr + r * stride + c * e + k);
      expect.push(v % 2 ** m.opBits);
    }
  }
  const job = { what, addr, rows, cols, stride, compressed: false, bytes: 0, blockCols: blockCols(ctx, cols), expect, code: 0 };
  pushLoad(ctx, job);
  return { kind: 'load', ...job };
}

function randomTensor(ctx: Ctx, rows: number, cols: number, density: number): number[][] {
  return Array.from({ length: rows }, () =>
    Array.from({ length: cols }, () => (ctx.rng.nextU32() / 2 ** 32 < density ? signedRandom(ctx.rng, ctx.m.opBits, true) : 0)),
  );
}

/** The bit lengths of the chunks of a packed tensor, in stream order: [first bit, bits before padding, padding]. */
function chunkLayout(t: number[][], opBits: number, chunk: number): { start: number; used: number; pad: number; nonzeroAt: number[] }[] {
  const out: { start: number; used: number; pad: number; nonzeroAt: number[] }[] = [];
  let bit = 0;
  for (const row of t) {
    for (let s = 0; s < row.length; s += chunk) {
      const part = row.slice(s, s + chunk);
      const nonzeroAt: number[] = [];
      let at = bit + part.length;
      for (const v of part) {
        if (v !== 0) {
          nonzeroAt.push(at);
          at += opBits;
        }
      }
      const used = at - bit;
      const pad = (8 - (used % 8)) % 8;
      out.push({ start: bit, used, pad, nonzeroAt });
      bit += used + pad;
    }
  }
  return out;
}

type Malformed = 'truncated' | 'left-over' | 'padding' | 'zero-value';

/** A ZVC load of a random tensor, well formed or broken in one way (the golden model must refuse it too). */
function zvcLoad(ctx: Ctx, what: string, density: number, broken?: Malformed): void {
  const { m, rng } = ctx;
  const op = m.opBits;
  const chunk = m.memory.zvcChunk;
  for (let attempt = 0; ; attempt++) {
    if (attempt > 200) throw new Error(`${what}: no tensor with a place to break`);
    const rows = rng.nextInt(1, 5);
    const cols = rng.nextInt(1, 40);
    const t = randomTensor(ctx, rows, cols, density);
    const z = packZvc(t, op, chunk);
    const data = Array.from(z.data);
    const index = [...z.index];
    const layout = chunkLayout(t, op, chunk);
    if (broken === 'truncated') {
      if (data.length === 0) continue;
      const cut = rng.nextInt(1, Math.min(data.length, 3));
      data.length -= cut;
      index[index.length - 1] -= cut;
    } else if (broken === 'left-over') {
      const extra = rng.nextInt(1, 5);
      for (let i = 0; i < extra; i++) data.push(rng.nextInt(0, 255));
      index[index.length - 1] += extra;
    } else if (broken === 'padding') {
      const padded = layout.filter((c) => c.pad > 0);
      if (padded.length === 0) continue;
      const c = padded[rng.nextInt(0, padded.length - 1)];
      const bit = c.start + c.used + rng.nextInt(0, c.pad - 1);
      data[bit >> 3] |= 1 << (bit & 7);
    } else if (broken === 'zero-value') {
      const slots = layout.flatMap((c) => c.nonzeroAt);
      if (slots.length === 0) continue;
      const at = slots[rng.nextInt(0, slots.length - 1)];
      for (let b = at; b < at + op; b++) data[b >> 3] &= ~(1 << (b & 7));
    }
    const stream = Uint8Array.from(data);
    // the golden model is the reference: it must agree that this stream is (not) valid
    let golden: number[][] | undefined;
    try {
      golden = unpackZvc({ index, data: stream }, cols, op, chunk);
    } catch (err) {
      if (!(err instanceof ZvcDecodeError)) throw err;
    }
    if (broken && golden) throw new Error(`${what}: the golden model accepts the ${broken} stream`);
    if (!broken && !golden) throw new Error(`${what}: the golden model refuses a packed stream`);
    const addr = rng.nextInt(0, MEM_BYTES - stream.length - 64);
    if (stream.length > 0) writeBytes(ctx, addr, stream);
    const expect = t.flat().map((v) => unsigned(v, op));
    pushLoad(ctx, {
      what: `${what} (${rows}x${cols}, density ${density}${broken ? `, ${broken}` : ''})`,
      addr,
      rows,
      cols,
      stride: 0,
      compressed: true,
      bytes: stream.length,
      blockCols: blockCols(ctx, cols),
      expect,
      code: broken ? FAULT(m, 'ZVC_DECODE') : 0,
      tensor: t,
    });
    return;
  }
}

interface StorePlan {
  addr: number;
  rows: number;
  cols: number;
  stride: number;
  span: number;
  /** the memory answers an error on the first row's bursts only: the rows after it are written or dropped whole */
  failsFirstRow?: boolean;
}

/** Where a store goes: a random element-aligned place, or across a 4 KB boundary. */
function planStore(ctx: Ctx, acrossPage = false): StorePlan {
  const { rng } = ctx;
  const e = ctx.m.memory.resultBytes;
  const rows = rng.nextInt(1, 5);
  const cols = rng.nextInt(1, 30);
  const stride = rows === 1 && rng.nextInt(0, 3) === 0 ? 0 : cols * e + e * rng.nextInt(0, 10);
  const span = (rows - 1) * stride + cols * e;
  const addr = acrossPage
    ? 4096 * rng.nextInt(1, 200) - e * rng.nextInt(1, Math.min(cols, 6))
    : e * rng.nextInt(1, Math.floor((MEM_BYTES - span - 128) / e));
  return { addr, rows, cols, stride, span };
}

/** A store of random results; the bytes around it must stay as they were (checked when it succeeds). */
function storeJob(ctx: Ctx, what: string, plan: StorePlan, code = 0, minRate?: number): void {
  const { m, rng } = ctx;
  const e = m.memory.resultBytes;
  const { addr, rows, cols, stride, span } = plan;
  // fresh bytes around and under the tensor, so that a stray strobe shows
  writeBytes(ctx, addr - 32, randomBytes(rng, span + 64));
  const values: bigint[] = [];
  for (let i = 0; i < rows * cols; i++) {
    let v = 0n;
    for (let b = 0; b < m.accBits; b += 16) v = (v << 16n) | BigInt(rng.nextInt(0, 0xffff));
    values.push(v & ((1n << BigInt(m.accBits)) - 1n));
  }
  const hexDigits = Math.ceil(m.accBits / 4);
  const pieces = Math.max(1, e / m.memory.dataBytes);
  const b = budget(ctx, rows * (beatsOf(ctx, 0, cols * e) + 1), rows * cols * pieces);
  ctx.records.push(`5 ${addr} ${rows} ${cols} ${stride} ${b} ${values.map((v) => v.toString(16).padStart(hexDigits, '0')).join(' ')}`);
  const job: StoreJob = {
    kind: 'store',
    what: `${what} (${rows}x${cols} at ${addr}, stride ${stride})`,
    addr,
    rows,
    cols,
    stride,
    values,
    code,
    minRate,
  };
  ctx.jobs.push({ job, latency: ctx.latency, bDelay: ctx.bDelay, random: ctx.random });
  // each element's low E bytes (sign-extended when the result is narrower), by row
  const at: number[][] = [];
  const bytesOf: number[][] = [];
  for (let r = 0; r < rows; r++) {
    at.push([]);
    bytesOf.push([]);
    for (let c = 0; c < cols; c++) {
      let v = values[r * cols + c];
      if (m.accBits < 8 * e && v >> BigInt(m.accBits - 1)) v |= ((1n << BigInt(8 * e)) - 1n) ^ ((1n << BigInt(m.accBits)) - 1n);
      for (let k = 0; k < e; k++) {
        at[r].push(addr + r * stride + c * e + k);
        bytesOf[r].push(Number((v >> BigInt(8 * k)) & 0xffn));
      }
    }
  }
  if (code !== 0) {
    if (plan.failsFirstRow) {
      job.rowsCheck = { addr, span, before: at.map((row) => row.map((a) => ctx.image.get(a))), after: bytesOf, at };
      ctx.records.push(`6 ${addr} ${span}`);
    }
    return;
  }
  at.forEach((row, r) => row.forEach((a, k) => ctx.image.set(a, bytesOf[r][k])));
  job.dump = { addr: addr - 32, bytes: Array.from({ length: span + 64 }, (_, i) => ctx.image.get(addr - 32 + i)) };
  ctx.records.push(`6 ${addr - 32} ${span + 64}`);
}

/** The memory's read latency and write response delay (cycles); a seed other than 0: its random mode. */
function setMemory(ctx: Ctx, latency: number, bDelay: number, seed: number): void {
  ctx.latency = latency;
  ctx.bDelay = bDelay;
  ctx.random = seed !== 0;
  ctx.records.push(`1 ${latency} ${bDelay} ${seed}`);
}

function errorRange(ctx: Ctx, lo: number, hi: number, resp: number): void {
  ctx.records.push(`3 ${lo} ${hi} ${resp}`);
}

/** The whole run of one design: jobs in deterministic and random memory modes. */
function makeRun(m: CoreModel, seed: number): Ctx {
  const ctx: Ctx = { m, rng: makeRng(seed), image: new Image(), records: [], jobs: [], latency: 1, bDelay: 1, random: false };
  const d = m.memory.dataBytes;
  for (const [latency, bDelay, memSeed] of [
    [1, 1, 0],
    [7, 3, 0],
    [20, 1, 0],
    [100, 9, 0],
    [5, 2, seed * 7919 + 1],
    [30, 4, seed * 7919 + 2],
  ]) {
    setMemory(ctx, latency, bDelay, memSeed);
    for (let i = 0; i < 6; i++) denseLoad(ctx, `dense load ${i}`);
    for (let i = 0; i < 3; i++) denseLoad(ctx, `dense load across 4 KB ${i}`, { acrossPage: true, maxCols: 200 });
    for (const density of [0, 0.1, 0.5, 0.9, 1]) zvcLoad(ctx, 'zvc load', density);
    for (let i = 0; i < 4; i++) storeJob(ctx, `store ${i}`, planStore(ctx));
    for (let i = 0; i < 2; i++) storeJob(ctx, `store across 4 KB ${i}`, planStore(ctx, true));
  }
  // the issue's rate: a dense 64 x 64 load and store at latency 100 move at least 80% of the bus's bytes per cycle
  if (m.memory.loadLanes * m.memory.elementBytes === d && m.memory.storeLanes * m.memory.resultBytes === d) {
    setMemory(ctx, 100, 1, 0);
    const e = m.memory.elementBytes;
    const addr = 4096 * ctx.rng.nextInt(1, 100);
    writeBytes(ctx, addr, randomBytes(ctx.rng, 64 * 64 * e));
    const expect = Array.from({ length: 64 * 64 }, (_, k) => ctx.image.get(addr + k * e) % 2 ** m.opBits);
    const job = { what: 'dense 64 x 64 load', addr, rows: 64, cols: 64, stride: 64 * e, compressed: false, bytes: 0, blockCols: 64 };
    pushLoad(ctx, { ...job, expect, code: 0, minRate: 0.8 * d });
    const re = m.memory.resultBytes;
    storeJob(
      ctx,
      'dense 64 x 64 store',
      { addr: 4096 * ctx.rng.nextInt(101, 200), rows: 64, cols: 64, stride: 64 * re, span: 64 * 64 * re },
      0,
      0.8 * d,
    );
  }
  setMemory(ctx, 3, 1, 0);
  for (const broken of ['truncated', 'left-over', 'padding', 'zero-value'] as Malformed[]) {
    for (const density of [0.3, 1]) zvcLoad(ctx, 'malformed zvc load', density, broken);
  }
  zvcLoad(ctx, 'malformed zvc load', 0, 'truncated');
  // AXI errors: one beat of the tensor answers SLVERR or DECERR; the next job must run normally
  for (const [resp, load, store] of [
    [2, 'AXI_READ_SLVERR', 'AXI_WRITE_SLVERR'],
    [3, 'AXI_READ_DECERR', 'AXI_WRITE_DECERR'],
  ] as const) {
    const e = m.memory.elementBytes;
    const addr = e * ctx.rng.nextInt(0, 100_000);
    const [rows, cols, stride] = [3, 30, 40 * e];
    writeBytes(ctx, addr, randomBytes(ctx.rng, (rows - 1) * stride + cols * e));
    const beat = Math.floor((addr + stride) / d) * d; // a beat of the second row
    errorRange(ctx, beat, beat + d, resp);
    pushLoad(ctx, {
      what: `dense load, ${load}`,
      addr,
      rows,
      cols,
      stride,
      compressed: false,
      bytes: 0,
      blockCols: cols,
      expect: [],
      code: FAULT(m, load),
    });
    errorRange(ctx, 0, 0, 0);
    denseLoad(ctx, 'dense load after a read error');
    const plan = planStore(ctx);
    const sbeat = Math.floor((plan.addr + plan.span - 1) / d) * d; // the last beat
    errorRange(ctx, sbeat, sbeat + d, resp);
    storeJob(ctx, `store, ${store}`, plan, FAULT(m, store));
    errorRange(ctx, 0, 0, 0);
    storeJob(ctx, 'store after a write error', planStore(ctx));
    // an error on the first row: the rows already requested are written, the later ones dropped
    const re = m.memory.resultBytes;
    const rowBeats = Math.max(d, re);
    const first = rowBeats * ctx.rng.nextInt(1, 20_000);
    errorRange(ctx, first, first + rowBeats, resp);
    storeJob(
      ctx,
      `store, ${store} on its first row`,
      { addr: first, rows: 24, cols: 1, stride: 2 * rowBeats, span: 46 * rowBeats + re, failsFirstRow: true },
      FAULT(m, store),
    );
    errorRange(ctx, 0, 0, 0);
  }
  return ctx;
}

// ---------------------------------------------------------------- results

interface Result {
  first: number;
  last: number;
  done: number;
  code: number;
  /** the reader's (load) or the writer's (store) idle_o after done_o */
  idle: number;
  /** load: segments whose count breaks the rule or whose lanes past the count are not zero */
  bad: number;
  /** the first and the last R (load) or W (store) handshake */
  firstBeat: number;
  lastBeat: number;
  elems?: number[];
  bytes?: number[];
}

function parseResults(text: string, jobs: Job[]): Result[] {
  const lines = text.split('\n').filter((l) => l.length > 0);
  let at = 0;
  return jobs.map((job) => {
    const head = (lines[at++] ?? '').split(' ');
    const f = head.map(Number);
    const load = job.kind === 'load';
    const r: Result = {
      first: f[1],
      last: f[2],
      done: f[3],
      code: f[4],
      idle: f[load ? 6 : 5],
      bad: load ? f[7] : 0,
      firstBeat: f[load ? 8 : 6],
      lastBeat: f[load ? 9 : 7],
    };
    if (load) {
      if (head[0] !== 'L') throw new Error(`expected the result of ${job.what}, got "${head.join(' ')}"`);
      const n = f[5];
      r.elems = lines.slice(at, at + n).map((h) => parseInt(h, 16));
      at += n;
    } else {
      if (head[0] !== 'S') throw new Error(`expected the result of ${job.what}, got "${head.join(' ')}"`);
      const n = job.dump?.bytes.length ?? job.rowsCheck?.span;
      if (n !== undefined) {
        if (lines[at++] !== 'M') throw new Error(`expected the memory after ${job.what}`);
        r.bytes = lines.slice(at, at + n).map((h) => parseInt(h, 16));
        at += n;
      }
    }
    return r;
  });
}

/** Every job's verdict: its elements or memory bytes, its fault code, and with the deterministic memory its cycles. */
function check(ctx: Ctx, results: Result[], label: string): string[] {
  const problems: string[] = [];
  ctx.jobs.forEach(({ job, latency, bDelay, random }, i) => {
    const r = results[i];
    const where = `${label}, job ${i} (${job.what}, latency ${latency}, B delay ${bDelay}${random ? ', random' : ''})`;
    if (r.code !== job.code) problems.push(`${where}: fault code ${r.code}, expected ${job.code}`);
    if (r.idle !== 1) problems.push(`${where}: the ${job.kind === 'load' ? 'reader' : 'writer'} is not idle after done_o`);
    const edges = (model: { first: number; last: number; done: number; firstBeat: number; lastBeat: number }) => {
      if (
        r.first !== model.first ||
        r.last !== model.last ||
        r.done !== model.done ||
        r.firstBeat !== model.firstBeat ||
        r.lastBeat !== model.lastBeat
      )
        problems.push(
          `${where}: first / last segment, done, first / last beat after ${r.first} / ${r.last} / ${r.done} / ${r.firstBeat} / ${r.lastBeat} edges, ` +
            `the timing model says ${model.first} / ${model.last} / ${model.done} / ${model.firstBeat} / ${model.lastBeat}`,
        );
    };
    if (job.minRate !== undefined) {
      const bytes = job.rows * job.cols * (job.kind === 'load' ? ctx.m.memory.elementBytes : ctx.m.memory.resultBytes);
      const rate = bytes / (r.lastBeat - r.firstBeat + 1);
      if (!(rate >= job.minRate)) problems.push(`${where}: ${rate.toFixed(2)} bytes per cycle, less than ${job.minRate}`);
    }
    if (job.kind === 'load') {
      if (r.bad !== 0) problems.push(`${where}: ${r.bad} segments break the segment rule or carry nonzero lanes past their count`);
      const got = r.elems ?? [];
      if (job.code === 0) {
        if (got.length !== job.expect.length || got.some((v, k) => v !== job.expect[k])) {
          const k = got.findIndex((v, j) => v !== job.expect[j]);
          problems.push(
            `${where}: ${got.length} elements, expected ${job.expect.length}; first difference at ${k}: ${got[k]} vs ${job.expect[k]}`,
          );
        }
      } else if (job.expect.length > 0 && got.some((v, k) => v !== job.expect[k])) {
        problems.push(`${where}: the elements before the fault are not the tensor's first ones`);
      }
      if (!random && job.code === 0) edges(dmaLoadCycles(ctx.m, job, latency));
    } else {
      if (job.dump) {
        const want = job.dump.bytes;
        const k = (r.bytes ?? []).findIndex((v, j) => v !== want[j]);
        if (k >= 0 || (r.bytes ?? []).length !== want.length)
          problems.push(`${where}: memory byte ${job.dump.addr + k} is ${r.bytes?.[k]}, expected ${want[k]}`);
      }
      if (job.rowsCheck) {
        // rows written whole or not at all: row 0 (the error) not, then a run of written rows, then dropped ones
        const rc = job.rowsCheck;
        const state = rc.at.map((row, k) => {
          const got = row.map((a) => r.bytes?.[a - rc.addr]);
          if (got.every((v, j) => v === rc.after[k][j])) return 'written';
          if (got.every((v, j) => v === rc.before[k][j])) return 'untouched';
          return 'mixed';
        });
        const pattern = state.map((x) => (x === 'written' ? 'w' : x === 'untouched' ? 'u' : 'x')).join('');
        if (!/^uw*u*$/.test(pattern))
          problems.push(`${where}: rows written ${pattern} (w written, u untouched, x partly), expected u w... u...`);
        if (!random && !pattern.endsWith('u')) problems.push(`${where}: no row was dropped after the error (${pattern})`);
      }
      if (!random && job.code === 0) edges(dmaStoreCycles(ctx.m, job, bDelay));
    }
  });
  return problems;
}

const compiled = new Map<string, Promise<CompiledSim>>();
function compileBench(m: CoreModel, simulator: SimulatorName): Promise<CompiledSim> {
  const key = `${simulator}/${m.name}`;
  let sim = compiled.get(key);
  if (!sim) {
    const files = new Map([
      ['tb_dma.sv', renderTemplate('tb_dma.sv', m)],
      ...['axi_memory_model.sv', 'axi_protocol_checker.sv'].map((f): [string, string] => [
        f,
        readFileSync(join(repoRoot, 'testbench', f), 'utf8'),
      ]),
    ]);
    sim = compileDesign(m, simulator, { bench: { top: 'tb_dma', files } });
    compiled.set(key, sim);
  }
  return sim;
}

/**
 * Every design on Icarus; the first and the last also on Verilator, whose builds
 * cost 15 to 20 s each (the engines run on Verilator in every design of
 * tests/sim/system.test.ts and system-cycles.test.ts as well).
 */
function simulatorsOf(index: number): SimulatorName[] {
  return index === 0 || index === DESIGNS.length - 1 ? SIM_NAMES : ['icarus'];
}

describe('DMA engines and AXI4 masters against an AXI4 memory', () => {
  for (const [index, spec] of DESIGNS.entries()) {
    const m = buildModel(spec);
    for (const simulator of simulatorsOf(index)) {
      it(`${m.name} on ${simulator}`, { timeout: SIM_TEST_TIMEOUT }, async () => {
        const seed = BASE_SEED * 1000 + DESIGNS.indexOf(spec);
        const ctx = makeRun(m, seed);
        const sim = await compileBench(m, simulator);
        const stim = join(scratch, `${m.name}-${simulator}.in`);
        const out = join(scratch, `${m.name}-${simulator}.out`);
        writeFileSync(stim, ctx.records.join('\n') + '\n');
        const cycles = ctx.jobs.reduce((sum, j) => sum + 2000 + 100 * (j.job.rows * j.job.cols + j.latency), 0);
        try {
          await sim.run(stim, out, { cycles });
        } catch (err) {
          throw new Error(`seed ${seed} (TRAINFORGE_SEED=${BASE_SEED}): ${(err as Error).message}`, { cause: err });
        }
        const results = parseResults(
          readFileSync(out, 'utf8'),
          ctx.jobs.map((j) => j.job),
        );
        const problems = check(ctx, results, `${m.name} on ${simulator}, seed ${seed} (TRAINFORGE_SEED=${BASE_SEED})`);
        expect(problems.slice(0, 12), problems.slice(0, 12).join('\n')).toEqual([]);
        expect(results.length).toBe(ctx.jobs.length);
      });
    }
  }
});
