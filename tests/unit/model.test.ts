/**
 * Elaboration (spec -> CoreModel), layer fitting, the cycle model and the
 * testbench file protocol. Pure functions only: no files, no tools.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  constantDivider,
  coreShape,
  elaborate,
  galoisTaps,
  layerFitProblems,
  OP_BITS,
  OPCODES,
  tensorAddresses,
  tensorFootprints,
  tensorShape,
  type BufferModel,
  type ConstantDivider,
  type CoreModel,
} from '../../generator/elaborate/model.ts';
import { arrayLatency, computeCycles, idealCycles, loadCycles, readCycles, type ArrayShape } from '../../generator/golden/cycles.ts';
import { constantDivision } from '../../generator/elaborate/bits.ts';
import { gemmShape } from '../../generator/golden/gemm.ts';
import { Lfsr } from '../../generator/golden/quant.ts';
import { loadSpecFile, validateSpecObject } from '../../generator/spec/load.ts';
import type { LayerDims, Step } from '../../generator/types.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function model(spec: Record<string, unknown>): CoreModel {
  return elaborate(validateSpecObject(spec, `test spec ${String(spec.name)}`));
}

const shapeOf = (m: CoreModel): ArrayShape => ({
  rows: m.rows,
  cols: m.cols,
  plainGather: m.plainGather,
  multiplyRegister: m.multiplyRegister,
});
const dims = (batch: number, din: number, dout: number): LayerDims => ({ batch, din, dout });
const STEPS: Step[] = ['fp', 'bp', 'wg'];

/** The buffer fields a test pins down. */
function bufferFacts(b: BufferModel) {
  return { banks: b.banks, depth: b.depth, addrBits: b.addrBits, skewed: b.skewed, blockRows: b.blockRows, blockCols: b.blockCols };
}

const DEFAULT = elaborate(loadSpecFile(path.join(repoRoot, 'specs/default.json')));
const NONSQUARE = model({
  name: 'wide',
  array: { rows: 3, cols: 5 },
  numeric: { operandBits: 8, accumulatorBits: 24 },
  buffers: { weightWords: 1024, activationWords: 1024, errorWords: 1024, resultWords: 1024 },
});
const SINGLE = model({
  name: 'one',
  array: { rows: 1, cols: 1 },
  buffers: { weightWords: 256, activationWords: 256, errorWords: 256, resultWords: 256 },
});
const TALL = model({ name: 'tall', array: { rows: 4, cols: 2 } });
const PLAIN = model({ name: 'plain', buffers: { transposable: false } });

describe('command fields, opcodes and the LFSR: one source for the RTL', () => {
  it('gives the command decode one strobe per opcode, in opcode order, with sized literals', () => {
    const c = DEFAULT.command;
    expect([c.opBits, c.shiftBits, c.seedBits]).toEqual([OP_BITS, 6, 32]);
    expect(c.ops.map((o) => o.port)).toEqual([
      'load_w',
      'load_x',
      'load_dy',
      'fp',
      'bp',
      'wg',
      'read',
      'move_x',
      'move_dy',
      'update_w',
      'read_w',
    ]);
    expect(c.ops.map((o) => o.param)).toEqual(Object.keys(OPCODES).map((k) => `Op${k[0].toUpperCase()}${k.slice(1)}`));
    expect(c.ops.map((o) => o.literal)).toEqual(Object.values(OPCODES).map((v) => `4'd${v}`));
    // every opcode fits the op field and no two commands share one
    expect(new Set(Object.values(OPCODES)).size).toBe(Object.keys(OPCODES).length);
    expect(Math.max(...Object.values(OPCODES))).toBeLessThan(2 ** OP_BITS);
  });

  it('derives the LFSR taps from the polynomial; they step the same sequence as the golden model', () => {
    expect(galoisTaps([32, 22, 2, 1, 0])).toBe(0x80200003);
    expect(DEFAULT.command.lfsrTapsHex).toBe('80200003');
    // the RTL's taps word, applied as the RTL does, against the golden Lfsr
    const taps = parseInt(DEFAULT.command.lfsrTapsHex, 16);
    const golden = new Lfsr(0x1234567);
    let state = 0x1234567;
    for (let i = 0; i < 1000; i++) {
      state = state & 1 ? ((state >>> 1) ^ taps) >>> 0 : state >>> 1;
      golden.step();
      expect(state).toBe(golden.state);
    }
  });
});

/** The memory system's modules after the core, in compile order (the queue's memory first). */
const SYSTEM_TEMPLATES = [
  'sram',
  'command_queue',
  'axil_regs',
  'program_fetch',
  'sequencer',
  'stream_fifo',
  'axi_reader',
  'axi_writer',
  'dma_load',
  'dma_store',
  'system',
];

describe('elaborate: buffers, widths and modules', () => {
  it('default spec (8x8, 8192-word buffers, 4096-word result)', () => {
    const m = DEFAULT;
    expect(m.name).toBe('edge_trainer');
    expect([m.rows, m.cols, m.opBits, m.accBits]).toEqual([8, 8, 8, 32]);
    const square = { banks: 8, depth: 1024, addrBits: 10, skewed: true, blockRows: 8, blockCols: 8 };
    expect(bufferFacts(m.weight)).toEqual(square);
    expect(bufferFacts(m.activation)).toEqual(square);
    expect(bufferFacts(m.error)).toEqual(square);
    expect([m.weight.instance, m.activation.instance, m.error.instance]).toEqual(['weight_buffer', 'activation_buffer', 'error_buffer']);
    expect(m.weight.module).toBe('edge_trainer_transposable_buffer');
    expect(m.result).toEqual({ words: 4096, depth: 512, addrBits: 9, wordBits: 8 * 32, memory: 'edge_trainer_sram_512x256' });
    expect(m.dimBits).toBe(14); // 8192 needs 14 bits
    expect(m.countBits).toBe(14);
    expect(m.plainGather).toBe(false);
    expect(m.transposable).toBe(true);
    expect(m.modules.map((x) => x.name)).toEqual([
      'edge_trainer_sram_1024x8',
      'edge_trainer_sram_512x256',
      'edge_trainer_rotator',
      'edge_trainer_transposable_buffer',
      'edge_trainer_delay_line',
      'edge_trainer_systolic_pe',
      'edge_trainer_pe_array',
      'edge_trainer_requant',
      'edge_trainer_block_walker',
      'edge_trainer_command_decode',
      'edge_trainer_lfsr',
      'edge_trainer_result_port',
      'edge_trainer_ceil_div',
      'edge_trainer_command_frontend',
      'edge_trainer_controller',
      'edge_trainer_core',
      ...SYSTEM_TEMPLATES.map((t) => (t === 'sram' ? 'edge_trainer_sram_16x385' : `edge_trainer_${t}`)),
    ]);
    expect(m.memorySystemModules).toEqual([
      'edge_trainer_command_queue',
      'edge_trainer_axil_regs',
      'edge_trainer_program_fetch',
      'edge_trainer_sequencer',
      'edge_trainer_stream_fifo',
      'edge_trainer_axi_reader',
      'edge_trainer_axi_writer',
      'edge_trainer_dma_load',
      'edge_trainer_dma_store',
    ]);
    expect(m.top).toBe('edge_trainer_core');
    // the command table of docs/architecture.md (host interface and training commands)
    expect(m.opcodes).toEqual({
      loadW: 1,
      loadX: 2,
      loadDy: 3,
      fp: 4,
      bp: 5,
      wg: 6,
      readResult: 7,
      moveToX: 8,
      moveToDy: 9,
      updateW: 10,
      readW: 11,
    });
  });

  it('3x5 non-square: W over cols banks, X over max(rows, cols), dY over rows; depth = floor(words / banks)', () => {
    const m = NONSQUARE;
    expect(bufferFacts(m.weight)).toEqual({ banks: 5, depth: 204, addrBits: 8, skewed: true, blockRows: 5, blockCols: 5 });
    expect(bufferFacts(m.activation)).toEqual({ banks: 5, depth: 204, addrBits: 8, skewed: true, blockRows: 3, blockCols: 5 });
    expect(bufferFacts(m.error)).toEqual({ banks: 3, depth: 341, addrBits: 9, skewed: true, blockRows: 3, blockCols: 3 });
    // 1024 / 5 rounds down: only whole result words of 5 accumulators are usable
    expect(m.result).toEqual({ words: 1020, depth: 204, addrBits: 8, wordBits: 5 * 24, memory: 'wide_sram_204x120' });
    expect(m.dimBits).toBe(11);
    expect(m.countBits).toBe(13); // the 13-bit floor of the tile padding compare
    expect(m.plainGather).toBe(false);
    // one memory wrapper per shape: W and X banks share 204 x 8, dY banks are 341 x 8
    expect(m.bankMemories.map((x) => x.module)).toEqual(['wide_sram_204x8', 'wide_sram_341x8']);
    expect(m.modules.map((x) => x.template)).toEqual([
      'sram',
      'sram',
      'sram',
      'rotator',
      'transposable_buffer',
      'delay_line',
      'systolic_pe',
      'pe_array',
      'requant',
      'block_walker',
      'command_decode',
      'lfsr',
      'result_port',
      'ceil_div',
      'command_frontend',
      'controller',
      'core',
      ...SYSTEM_TEMPLATES,
    ]);
  });

  it('1x1: one bank per buffer and a 1-bit lane index', () => {
    const m = SINGLE;
    for (const b of [m.weight, m.activation, m.error]) {
      expect(bufferFacts(b)).toEqual({ banks: 1, depth: 256, addrBits: 8, skewed: true, blockRows: 1, blockCols: 1 });
    }
    expect(m.result).toMatchObject({ words: 256, depth: 256, addrBits: 8, wordBits: 32 });
    expect(m.dimBits).toBe(9);
    expect(m.countBits).toBe(13);
    expect(m.plainGather).toBe(false);
    expect(m.top).toBe('one_core');
  });

  it('1x1 with a plain weight buffer does not gather (one column is one row)', () => {
    const m = model({ name: 'one_plain', array: { rows: 1, cols: 1 }, buffers: { transposable: false } });
    expect(m.plainGather).toBe(false);
    expect(m.weight.skewed).toBe(false);
    expect(m.modules.map((x) => x.template)).toContain('row_buffer');
  });

  it('4x2: W has 2 banks, X and dY 4', () => {
    const m = TALL;
    expect(bufferFacts(m.weight)).toEqual({ banks: 2, depth: 4096, addrBits: 12, skewed: true, blockRows: 2, blockCols: 2 });
    expect(bufferFacts(m.activation)).toEqual({ banks: 4, depth: 2048, addrBits: 11, skewed: true, blockRows: 4, blockCols: 2 });
    expect(bufferFacts(m.error)).toEqual({ banks: 4, depth: 2048, addrBits: 11, skewed: true, blockRows: 4, blockCols: 4 });
    expect(m.result).toMatchObject({ words: 4096, depth: 2048, addrBits: 11, wordBits: 64 });
    expect(m.countBits).toBe(14);
  });

  it('plain weight buffer: a row buffer for W, the row_buffer module before the PE, FP gathers', () => {
    const m = PLAIN;
    expect(m.transposable).toBe(false);
    expect(m.plainGather).toBe(true);
    expect(bufferFacts(m.weight)).toEqual({ banks: 8, depth: 1024, addrBits: 10, skewed: false, blockRows: 8, blockCols: 8 });
    expect(m.weight.module).toBe('plain_row_buffer');
    // X and dY stay skewed: WG and BP read them by rows and by columns
    expect(m.activation.skewed && m.error.skewed).toBe(true);
    expect(m.activation.module).toBe('plain_transposable_buffer');
    expect(m.modules.map((x) => x.name)).toEqual([
      'plain_sram_1024x8',
      'plain_sram_512x256',
      'plain_rotator',
      'plain_transposable_buffer',
      'plain_row_buffer',
      'plain_delay_line',
      'plain_systolic_pe',
      'plain_pe_array',
      'plain_requant',
      'plain_block_walker',
      'plain_command_decode',
      'plain_lfsr',
      'plain_column_gather',
      'plain_result_port',
      'plain_ceil_div',
      'plain_command_frontend',
      'plain_controller',
      'plain_core',
      ...SYSTEM_TEMPLATES.map((t) => (t === 'sram' ? 'plain_sram_16x385' : `plain_${t}`)),
    ]);
  });

  it('every model lists unique modules, row_buffer only without transposable, the system top last', () => {
    for (const m of [DEFAULT, NONSQUARE, SINGLE, TALL, PLAIN]) {
      const names = m.modules.map((x) => x.name);
      expect(new Set(names).size).toBe(names.length);
      expect(names.every((n) => n.startsWith(`${m.name}_`))).toBe(true);
      expect(names.at(-1)).toBe(m.systemTop);
      expect(names.includes(`${m.name}_row_buffer`)).toBe(!m.transposable);
      // every buffer's module is generated before the core
      for (const b of [m.weight, m.activation, m.error]) expect(names.indexOf(b.module)).toBeGreaterThanOrEqual(0);
      expect(m.countBits).toBeGreaterThanOrEqual(
        Math.max(m.dimBits, m.weight.addrBits, m.activation.addrBits, m.error.addrBits, m.result.addrBits, 13),
      );
    }
  });

  it('depth rounds down when words is not a multiple of the banks', () => {
    const m = model({
      name: 'odd',
      array: { rows: 3, cols: 3 },
      buffers: { weightWords: 100, activationWords: 17, errorWords: 9, resultWords: 10 },
    });
    expect([m.weight.depth, m.activation.depth, m.error.depth]).toEqual([33, 5, 3]);
    expect([m.weight.addrBits, m.activation.addrBits, m.error.addrBits]).toEqual([6, 3, 2]);
    expect(m.result).toMatchObject({ depth: 3, words: 9 });
  });
});

describe('tensorAddresses and layerFitProblems', () => {
  it('counts whole blocks: ceil(rows / blockRows) * ceil(cols / blockCols) * blockRows', () => {
    expect(tensorAddresses(DEFAULT.weight, 64, 64)).toBe(512);
    expect(tensorAddresses(DEFAULT.activation, 1, 1)).toBe(8);
    expect(tensorAddresses(DEFAULT.activation, 65, 64)).toBe(9 * 8 * 8);
    expect(tensorAddresses(NONSQUARE.activation, 7, 13)).toBe(3 * 3 * 3);
    expect(tensorAddresses(NONSQUARE.weight, 11, 13)).toBe(3 * 3 * 5);
    expect(tensorAddresses(NONSQUARE.error, 7, 11)).toBe(3 * 4 * 3);
    expect(tensorShape('W', dims(2, 3, 4))).toEqual({ rows: 4, cols: 3 });
    expect(tensorShape('X', dims(2, 3, 4))).toEqual({ rows: 2, cols: 3 });
    expect(tensorShape('dY', dims(2, 3, 4))).toEqual({ rows: 2, cols: 4 });
  });

  const allTensors = ['W', 'X', 'dY'] as const;
  const results = (d: LayerDims) => STEPS.map((s) => gemmShape(s, d));

  it('64x64x64 fits the default spec', () => {
    expect(layerFitProblems(DEFAULT, dims(64, 64, 64), [...allTensors], results(dims(64, 64, 64)))).toEqual([]);
  });

  it('65x64x64 overflows the result buffer and names buffers.resultWords', () => {
    const problems = layerFitProblems(DEFAULT, dims(65, 64, 64), [...allTensors], results(dims(65, 64, 64)));
    expect(problems.length).toBeGreaterThan(0);
    for (const p of problems) {
      expect(p).toMatch(/result buffer/);
      expect(p).toMatch(/raise buffers\.resultWords/);
    }
    // FP and BP (65 x 64 results: 65 * 8 addresses > 512)
    expect(problems).toContain(
      'the 65 x 64 result needs 4160 words of the result buffer, but buffers.resultWords gives 4096; raise buffers.resultWords or shrink the layer',
    );
  });

  it('an operand too large for its buffer names the buffer instance and the buffers.* field', () => {
    const problems = layerFitProblems(DEFAULT, dims(129, 64, 8), ['X', 'W'], []);
    expect(problems).toEqual([
      'X (129 x 64) needs 8704 words of the activation_buffer (1088 addresses per bank), but buffers.activationWords gives 8192; raise buffers.activationWords or shrink the layer',
    ]);
    const w = layerFitProblems(DEFAULT, dims(1, 1, 129 * 8), ['W'], []);
    expect(w.join('\n')).toMatch(/weight_buffer.*raise buffers\.weightWords/);
    const dy = layerFitProblems(NONSQUARE, dims(1, 1, 400), ['dY'], []);
    expect(dy.join('\n')).toMatch(/error_buffer.*raise buffers\.errorWords/);
  });

  it('only the listed tensors are checked', () => {
    expect(layerFitProblems(DEFAULT, dims(129, 64, 8), ['W', 'dY'], [])).toEqual([]);
  });

  it('rejects dimensions out of range before looking at buffers', () => {
    expect(layerFitProblems(DEFAULT, dims(0, 64, 64), [...allTensors], [])).toEqual([
      '--batch: 0 is out of range; it must be an integer from 1 to 16383',
    ]);
    const many = layerFitProblems(DEFAULT, dims(1.5, 16384, -1), [...allTensors], []);
    expect(many).toHaveLength(3);
    expect(many[0]).toMatch(/^--batch: 1\.5 is out of range/);
    expect(many[1]).toMatch(/^--din: 16384 is out of range/);
    expect(many[2]).toMatch(/^--dout: -1 is out of range/);
  });
});

describe('zero-skipping core: geometry, modules, footprints and fit', () => {
  const SPARSE = elaborate(loadSpecFile(path.join(repoRoot, 'specs/sparse.json')));
  const SPARSE_WIDE = model({
    name: 'sparse_wide',
    array: { rows: 3, cols: 5 },
    numeric: { operandBits: 8, accumulatorBits: 24 },
    buffers: { weightWords: 1024, activationWords: 1024, errorWords: 1024, resultWords: 1024 },
    sparsity: { skipZeros: true },
  });
  const SPARSE_SINGLE = model({
    name: 'sparse_one',
    array: { rows: 1, cols: 1 },
    buffers: { weightWords: 256, activationWords: 256, errorWords: 256, resultWords: 256 },
    sparsity: { skipZeros: true },
  });
  const SPARSE_PLAIN = model({ name: 'sparse_plain', buffers: { transposable: false }, sparsity: { skipZeros: true } });

  it('dense models have no sparse geometry', () => {
    for (const m of [DEFAULT, NONSQUARE, SINGLE, TALL, PLAIN]) expect(m.sparse).toBeUndefined();
  });

  it('8x8 (specs/sparse.json): scan width 8, chunk depth 64, B store of two chunks', () => {
    expect(SPARSE.sparse).toEqual({
      scanWidth: 8,
      chunkDepth: 64,
      // 8192 words over 8 row banks of 8-element words
      activationStore: { words: 8192, depth: 128, addrBits: 7, memory: 'sparse_trainer_lane_sram_128x8x8' },
      errorStore: { words: 8192, depth: 128, addrBits: 7, memory: 'sparse_trainer_lane_sram_128x8x8' },
      storeMemories: [
        { module: 'sparse_trainer_lane_sram_128x8x8', template: 'lane_sram', depth: 128, addrBits: 7, width: 64, lanes: 8, laneBits: 8 },
      ],
      bStoreDepth: 128,
      bStoreAddrBits: 7,
      bStoreMemory: 'sparse_trainer_lane_sram_128x8x8',
      // 4096 / (8 x 8): one address per 8 x 8 result tile
      resultBankDepth: 64,
      resultBankWords: 8 * 8 * 64,
      resultBankAddrBits: 6,
      resultBankMemory: 'sparse_trainer_lane_sram_64x8x32',
      // square: WG runs transposed, skipping the zeros of X
      wgTransposed: true,
      // powers of two: shifts
      dividers: [
        { name: 'Lanes', fn: 'div_lanes', divisor: 8, shift: 3, recip: '1', productBits: SPARSE.countBits + 3 },
        { name: 'Rows', fn: 'div_rows', divisor: 8, shift: 3, recip: '1', productBits: SPARSE.countBits + 3 },
        { name: 'Cols', fn: 'div_cols', divisor: 8, shift: 3, recip: '1', productBits: SPARSE.countBits + 3 },
      ],
    });
  });

  it('3x5: scan width 10 (smallest multiple of 5 >= 8), chunk depth 70 (of 10 >= 64); stores round down', () => {
    expect(SPARSE_WIDE.sparse).toEqual({
      scanWidth: 10,
      chunkDepth: 70,
      // floor(1024 / (3 x 10)) = 34 addresses, 1020 usable words
      activationStore: { words: 1020, depth: 34, addrBits: 6, memory: 'sparse_wide_lane_sram_34x10x8' },
      errorStore: { words: 1020, depth: 34, addrBits: 6, memory: 'sparse_wide_lane_sram_34x10x8' },
      storeMemories: [
        { module: 'sparse_wide_lane_sram_34x10x8', template: 'lane_sram', depth: 34, addrBits: 6, width: 80, lanes: 10, laneBits: 8 },
      ],
      bStoreDepth: 140,
      bStoreAddrBits: 8,
      bStoreMemory: 'sparse_wide_lane_sram_140x5x8',
      // floor(1024 / 15)
      resultBankDepth: 68,
      resultBankWords: 3 * 5 * 68,
      resultBankAddrBits: 7,
      resultBankMemory: 'sparse_wide_lane_sram_68x5x24',
      wgTransposed: false,
      // 13-bit counts: shift 13 + ceil(log2 d), recip = ceil(2^shift / d)
      dividers: [
        { name: 'Lanes', fn: 'div_lanes', divisor: 10, shift: 17, recip: '13108', productBits: 30 },
        { name: 'Rows', fn: 'div_rows', divisor: 3, shift: 15, recip: '10923', productBits: 28 },
        { name: 'Cols', fn: 'div_cols', divisor: 5, shift: 16, recip: '13108', productBits: 29 },
      ],
    });
    expect(SPARSE_WIDE.countBits).toBe(13);
  });

  it('a constant divider is exact for every countBits-bit input, and fails with a reciprocal one too small', () => {
    const quotient = (d: ConstantDivider, x: number) => Math.floor((x * Number(d.recip)) / 2 ** d.shift);
    for (const countBits of [13, 16]) {
      for (const divisor of [1, 2, 3, 5, 6, 7, 8, 9, 10, 12, 24, 63, 100, 127, 128]) {
        const d = constantDivider('D', divisor, countBits);
        expect(d.productBits).toBe(countBits + d.shift);
        // x * recip fits the product register
        expect((2 ** countBits - 1) * Number(d.recip)).toBeLessThan(2 ** d.productBits);
        for (let x = 0; x < 2 ** countBits; x++) {
          if (quotient(d, x) !== Math.floor(x / divisor)) throw new Error(`${x} / ${divisor} at ${countBits} bits`);
        }
      }
    }
    // the check can fail: a reciprocal rounded down instead of up is off for some x
    const low = { ...constantDivider('D', 3, 13), recip: String(Math.floor(2 ** 15 / 3)) };
    expect([...Array(2 ** 13).keys()].some((x) => quotient(low, x) !== Math.floor(x / 3))).toBe(true);
  });

  it('1x1: scan width 8, chunk depth 64', () => {
    expect(SPARSE_SINGLE.sparse).toMatchObject({
      scanWidth: 8,
      chunkDepth: 64,
      activationStore: { words: 256, depth: 32, addrBits: 5, memory: 'sparse_one_lane_sram_32x8x8' },
      bStoreDepth: 128,
      resultBankDepth: 256,
    });
  });

  it('honours an explicit scan width and chunk depth', () => {
    const m = model({ name: 'sparse_explicit', array: { rows: 4, cols: 4 }, sparsity: { skipZeros: true, scanWidth: 12, chunkDepth: 36 } });
    expect(m.sparse).toMatchObject({
      scanWidth: 12,
      chunkDepth: 36,
      // floor(8192 / 48) = 170
      activationStore: { words: 8160, depth: 170, addrBits: 8, memory: 'sparse_explicit_lane_sram_170x12x8' },
      bStoreDepth: 72,
      bStoreAddrBits: 7,
    });
    // the scan width may equal cols, the chunk depth one word
    const narrow = model({
      name: 'sparse_narrow',
      array: { rows: 2, cols: 2 },
      sparsity: { skipZeros: true, scanWidth: 2, chunkDepth: 2 },
    });
    expect(narrow.sparse).toMatchObject({ scanWidth: 2, chunkDepth: 2, bStoreDepth: 4, bStoreAddrBits: 2 });
  });

  it('lists the row engine, row store, lane SRAM and sparse controller modules, leaves first, the core last', () => {
    const templates = (m: CoreModel) => m.modules.map((x) => x.template);
    /** true when `expected` appears in `actual` in this order (other modules may sit between) */
    const inOrder = (actual: string[], expected: string[]) => {
      let at = 0;
      for (const name of actual) if (name === expected[at]) at++;
      return at === expected.length;
    };
    // each module after the ones it instantiates: sram (B store, result bank) and pe in row_engine,
    // lane_sram in row_store, row_store, row_engine and sparse_controller in the core
    const order = ['sram', 'lane_sram', 'pe', 'row_store', 'row_engine', 'sparse_controller', 'sparse_core'];
    // the shared command front end: its leaves first, then the front end, before the controller
    const frontEnd = ['requant', 'block_walker', 'command_decode', 'lfsr', 'result_port', 'command_frontend', 'sparse_controller'];
    expect(inOrder(templates(SPARSE), frontEnd)).toBe(true);
    expect(templates(SPARSE)).not.toContain('column_gather');
    expect(inOrder(templates(SPARSE_PLAIN), ['lfsr', 'column_gather', 'result_port', 'sparse_core'])).toBe(true);
    expect(inOrder(templates(SPARSE), ['sram', 'lane_sram', 'transposable_buffer', ...order.slice(2)])).toBe(true);
    expect(inOrder(templates(SPARSE), order)).toBe(true);
    expect(SPARSE.modules.at(-1)).toEqual({ name: 'sparse_trainer_system', template: 'system' });
    expect(SPARSE.modules.some((x) => x.name === 'sparse_trainer_core' && x.template === 'sparse_core')).toBe(true);
    expect(SPARSE.modules.find((x) => x.template === 'row_engine')?.name).toBe('sparse_trainer_row_engine');
    expect(SPARSE.modules.find((x) => x.template === 'sparse_controller')?.name).toBe('sparse_trainer_sparse_controller');
    expect(SPARSE.top).toBe('sparse_trainer_core');
    // a plain weight buffer: row_buffer instead of transposable_buffer
    expect(templates(SPARSE_PLAIN)).toContain('row_buffer');
    expect(templates(SPARSE_PLAIN)).not.toContain('transposable_buffer');
    expect(templates(SPARSE)).not.toContain('row_buffer');
    expect(inOrder(templates(SPARSE_PLAIN), order)).toBe(true);
    expect(SPARSE_PLAIN.plainGather).toBe(true);
    expect(SPARSE_PLAIN.weight.module).toBe('sparse_plain_row_buffer');
    for (const m of [SPARSE, SPARSE_WIDE, SPARSE_SINGLE, SPARSE_PLAIN]) {
      const names = m.modules.map((x) => x.name);
      expect(new Set(names).size).toBe(names.length);
      expect(names.at(-1)).toBe(m.systemTop);
      expect(names.every((n) => n.startsWith(`${m.name}_`))).toBe(true);
      // none of the dense core's own modules
      expect(templates(m)).not.toContain('pe_array');
      expect(templates(m)).not.toContain('controller');
      expect(templates(m)).not.toContain('core');
      // the W buffer's module is generated, before the core
      expect(names.indexOf(m.weight.module)).toBeGreaterThanOrEqual(0);
      const s = m.sparse!;
      expect(m.countBits).toBeGreaterThanOrEqual(
        Math.max(s.activationStore.addrBits, s.errorStore.addrBits, s.bStoreAddrBits, s.resultBankAddrBits, m.dimBits, 13),
      );
    }
  });

  it('coreShape carries the sparse geometry to the cycle model', () => {
    expect(coreShape(SPARSE)).toEqual({
      rows: 8,
      cols: 8,
      multiplyRegister: false,
      plainGather: false,
      sparse: { scanWidth: 8, chunkDepth: 64, wgTransposed: true },
    });
    expect(coreShape(SPARSE_PLAIN)).toEqual({
      rows: 8,
      cols: 8,
      multiplyRegister: false,
      plainGather: true,
      sparse: { scanWidth: 8, chunkDepth: 64, wgTransposed: true },
    });
    expect(coreShape(NONSQUARE)).toEqual({ rows: 3, cols: 5, multiplyRegister: false, plainGather: false, sparse: undefined });
  });

  it('tensorFootprints: dY twice in the sparse core (by rows and by columns), once in the dense core', () => {
    const d = dims(7, 13, 23);
    // 3x5 sparse, 10-element words: dY 7 x 23 by rows = ceil(7/3) * ceil(23/10) = 9 words per bank,
    // by columns (23 rows of 7) = ceil(23/3) * ceil(7/10) = 8
    expect(tensorFootprints(SPARSE_WIDE, 'dY', d)).toEqual([
      { tensor: 'dY', where: 'the error store', field: 'errorWords', need: 9, capacity: 34, words: 270, capacityWords: 1020 },
      { tensor: 'dY', where: 'the error column store', field: 'errorWords', need: 8, capacity: 34, words: 240, capacityWords: 1020 },
    ]);
    // X 7 x 13 by rows only: ceil(7/3) * ceil(13/10) = 6
    expect(tensorFootprints(SPARSE_WIDE, 'X', d)).toEqual([
      { tensor: 'X', where: 'the activation store', field: 'activationWords', need: 6, capacity: 34, words: 180, capacityWords: 1020 },
    ]);
    // W stays in the weight buffer: whole C x C blocks
    expect(tensorFootprints(SPARSE_WIDE, 'W', d)).toEqual([
      {
        tensor: 'W',
        where: 'the weight_buffer',
        field: 'weightWords',
        need: tensorAddresses(SPARSE_WIDE.weight, 23, 13),
        capacity: 204,
        words: tensorAddresses(SPARSE_WIDE.weight, 23, 13) * 5,
        capacityWords: 1020,
      },
    ]);
    // dense: one footprint per tensor, in the skewed buffers
    for (const tensor of ['W', 'X', 'dY'] as const) {
      const [f, ...rest] = tensorFootprints(NONSQUARE, tensor, d);
      expect(rest).toEqual([]);
      const buf = tensor === 'W' ? NONSQUARE.weight : tensor === 'X' ? NONSQUARE.activation : NONSQUARE.error;
      const { rows, cols } = tensorShape(tensor, d);
      expect(f).toMatchObject({ tensor, where: `the ${buf.instance}`, need: tensorAddresses(buf, rows, cols), capacity: buf.depth });
    }
  });

  it('layerFitProblems: a sparse layer whose results overflow the result banks (K > 64 in every step)', () => {
    const d = dims(72, 96, 80);
    const problems = layerFitProblems(
      SPARSE,
      d,
      ['W', 'X', 'dY'],
      STEPS.map((s) => gemmShape(s, d)),
    );
    // operands fit; each result needs ceil(M/8) * ceil(N/8) > 64 tiles of 64 words
    expect(problems).toEqual([
      'the 72 x 80 result needs 5760 words of the result buffer, but buffers.resultWords gives 4096; raise buffers.resultWords or shrink the layer',
      'the 72 x 96 result needs 6912 words of the result buffer, but buffers.resultWords gives 4096; raise buffers.resultWords or shrink the layer',
      'the 80 x 96 result needs 7680 words of the result buffer, but buffers.resultWords gives 4096; raise buffers.resultWords or shrink the layer',
    ]);
    // its operands fit (the dense core's buffers too)
    expect(layerFitProblems(DEFAULT, d, ['W', 'X', 'dY'], [])).toEqual([]);
  });

  it('layerFitProblems: sparse operands too large for their row stores name the store and the buffers.* field', () => {
    expect(layerFitProblems(SPARSE_WIDE, dims(100, 100, 100), ['X', 'dY'], [])).toEqual([
      'X (100 x 100) needs 10200 words of the activation store (340 addresses per bank), but buffers.activationWords gives 1020; raise buffers.activationWords or shrink the layer',
      'dY (100 x 100) needs 10200 words of the error store (340 addresses per bank), but buffers.errorWords gives 1020; raise buffers.errorWords or shrink the layer',
      'dY (100 x 100) needs 10200 words of the error column store (340 addresses per bank), but buffers.errorWords gives 1020; raise buffers.errorWords or shrink the layer',
    ]);
    // dY 1 x 103: 11 addresses by rows fit, 35 by columns do not (34 per bank)
    expect(layerFitProblems(SPARSE_WIDE, dims(1, 1, 103), ['dY'], [])).toEqual([
      'dY (1 x 103) needs 1050 words of the error column store (35 addresses per bank), but buffers.errorWords gives 1020; raise buffers.errorWords or shrink the layer',
    ]);
    expect(layerFitProblems(SPARSE_WIDE, dims(1, 1, 100), ['dY'], [])).toEqual([]);
    // the dense core keeps dY once, in R x R blocks: 35 x 3 = 105 of 341 addresses
    expect(layerFitProblems(NONSQUARE, dims(1, 1, 103), ['dY'], [])).toEqual([]);
  });

  it('layerFitProblems: the sparse result buffer counts whole R x C tiles', () => {
    // 3x5, 68 tiles: FP of batch 1, dout 5 * 68 = 340 fits, one column more does not
    expect(layerFitProblems(SPARSE_WIDE, dims(1, 1, 340), [], [gemmShape('fp', dims(1, 1, 340))])).toEqual([]);
    expect(layerFitProblems(SPARSE_WIDE, dims(1, 1, 341), [], [gemmShape('fp', dims(1, 1, 341))])).toEqual([
      'the 1 x 341 result needs 1035 words of the result buffer, but buffers.resultWords gives 1020; raise buffers.resultWords or shrink the layer',
    ]);
  });
});

describe('cycle model', () => {
  const square = shapeOf(DEFAULT);

  // the systolic array's latency: (R - 1) + (C - 1) + 1, one more with the multiply register
  const L8 = 15;

  it('8x8, 64x64x64: 4122 cycles for every step ((64 - 1) * 64 + 64 + 8 + 3 + 15)', () => {
    for (const step of STEPS) expect(computeCycles(square, step, dims(64, 64, 64))).toBe(4122);
  });

  it('one tile: K + R + 3 + latency', () => {
    expect(computeCycles(square, 'fp', dims(8, 20, 8))).toBe(20 + 8 + 3 + L8);
    expect(computeCycles(shapeOf(SINGLE), 'bp', dims(1, 1, 1))).toBe(1 + 1 + 3 + 1);
  });

  it('array latency: (R - 1) + (C - 1) + 1, plus one with the multiply register', () => {
    expect(arrayLatency(square)).toBe(L8);
    expect(arrayLatency(shapeOf(SINGLE))).toBe(1);
    expect(arrayLatency(shapeOf(NONSQUARE))).toBe(2 + 4 + 1);
    const registered = shapeOf(model({ name: 'mr', array: { rows: 8, cols: 8, multiplyRegister: true } }));
    expect(registered.multiplyRegister).toBe(true);
    expect(arrayLatency(registered)).toBe(L8 + 1);
    expect(computeCycles(registered, 'bp', dims(64, 64, 64))).toBe(4123);
  });

  it('plain weight buffer: FP takes K * C per tile, BP and WG are unchanged', () => {
    const plain = shapeOf(PLAIN);
    expect(plain.plainGather).toBe(true);
    const d = dims(64, 64, 64);
    const tiles = 8 * 8;
    const K = 64;
    expect(computeCycles(plain, 'fp', d)).toBe((tiles - 1) * K * 8 + K * 8 + 8 + 3 + L8);
    expect(computeCycles(plain, 'fp', d)).toBe(32794);
    expect(computeCycles(plain, 'bp', d)).toBe(4122);
    expect(computeCycles(plain, 'wg', d)).toBe(4122);
    // 3x5 plain, FP on batch 7, din 4, dout 11: tiles ceil(7/3) * ceil(11/5) = 9, K = 4
    const wide = shapeOf(model({ name: 'wp', array: { rows: 3, cols: 5 }, buffers: { transposable: false } }));
    expect(computeCycles(wide, 'fp', dims(7, 4, 11))).toBe(8 * 4 * 5 + 4 * 5 + 3 + 3 + 7);
  });

  it('K < R pads every tile but the last to R cycles (8x8, WG with batch 3)', () => {
    const d = dims(3, 16, 16); // WG: M = 16, N = 16, K = 3, 4 tiles
    expect(gemmShape('wg', d)).toEqual({ M: 16, N: 16, K: 3 });
    expect(computeCycles(square, 'wg', d)).toBe(3 * 8 + 3 + 8 + 3 + L8);
    // unpadded would be 3 * 3 + 3 + 8 + 3 + 15 = 38
    expect(computeCycles(square, 'wg', d)).not.toBe(38);
    // K = R: no padding either way
    expect(computeCycles(square, 'wg', dims(8, 16, 16))).toBe(3 * 8 + 8 + 8 + 3 + L8);
  });

  it('non-square tiling uses ceil(M / R) * ceil(N / C)', () => {
    const wide = shapeOf(NONSQUARE);
    // FP batch 5, din 13, dout 7: M = 5, N = 7, K = 13 -> 2 * 2 tiles
    expect(computeCycles(wide, 'fp', dims(5, 13, 7))).toBe(3 * 13 + 13 + 3 + 3 + 7);
    // WG batch 2 (< R = 3), dout 7, din 13: M = 7, N = 13 -> 3 * 3 tiles, period 3
    expect(computeCycles(wide, 'wg', dims(2, 13, 7))).toBe(8 * 3 + 2 + 3 + 3 + 7);
  });

  it('idealCycles = ceil(M * N * K / (R * C))', () => {
    expect(idealCycles(square, 'fp', dims(64, 64, 64))).toBe(4096);
    expect(idealCycles(square, 'wg', dims(3, 16, 16))).toBe(12);
    expect(idealCycles(shapeOf(NONSQUARE), 'bp', dims(5, 13, 7))).toBe(Math.ceil((5 * 13 * 7) / 15));
    for (const step of STEPS) {
      expect(idealCycles(square, step, dims(5, 7, 9))).toBeLessThanOrEqual(computeCycles(square, step, dims(5, 7, 9)));
    }
  });

  it('loads take rows * cols + 1 cycles, reads M * N + 3', () => {
    expect(loadCycles(64, 64)).toBe(4097);
    expect(loadCycles(1, 1)).toBe(2);
    expect(readCycles(64, 64)).toBe(4099);
    expect(readCycles(2, 5)).toBe(13);
  });

  it('rejects non-positive dimensions', () => {
    expect(() => computeCycles(square, 'fp', dims(0, 1, 1))).toThrow(RangeError);
    expect(() => idealCycles(square, 'wg', dims(1, 1, -2))).toThrow(/dout/);
  });
});

describe('division by Cols without a divider (constantDivision)', () => {
  it('is exact for every input of up to 16 bits and every divisor 1..64', () => {
    for (let divisor = 1; divisor <= 64; divisor++) {
      for (const inputBits of [13, 16]) {
        const { multiplier, shift } = constantDivision(divisor, inputBits);
        const scale = 2 ** shift;
        for (let x = 0; x < 2 ** inputBits; x++) {
          // x * multiplier < 2^53: exact in a double
          if (Math.floor((x * multiplier) / scale) !== Math.floor(x / divisor)) {
            throw new Error(`divisor ${divisor}, ${inputBits} bits: x = ${x} gives ${Math.floor((x * multiplier) / scale)}`);
          }
        }
      }
    }
  });

  it('is a shift for powers of two', () => {
    expect(constantDivision(8, 16)).toEqual({ multiplier: 1, multiplierBits: 1, shift: 3 });
    expect(constantDivision(3, 13)).toEqual({ multiplier: 10923, multiplierBits: 14, shift: 15 });
  });

  it('refuses a divisor that is not a positive integer', () => {
    expect(() => constantDivision(0, 8)).toThrow(/bad divisor/);
  });
});
