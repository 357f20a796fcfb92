/**
 * Elaboration: turns a validated spec into a fully computed model of the core.
 * Every width, depth, address size and constant the templates print is computed
 * here, so the templates stay free of arithmetic.
 */
import {
  checkFields,
  checkRegisterMap,
  DESCRIPTOR_BYTES,
  DESCRIPTOR_CONTROL_FIELDS,
  DESCRIPTOR_WORDS,
  FAULTS,
  ID_VALUE,
  packFields,
  registerFields,
  registerOffset,
  REGISTER_SPACE_BYTES,
  REGISTERS,
  type FaultDef,
  type RegisterDef,
  type RegisterField,
} from './regmap.ts';
import type { LoadedSpec, Spec } from '../spec/types.ts';
import type { LayerDims, TensorName } from '../types.ts';
import { bitsFor, ceilDiv, constantDivision, indexBits } from './bits.ts';
import { effectiveChunkDepth, effectiveScanWidth } from './sparse.ts';

/** Host commands. The op field is 4 bits wide to leave room for later commands. */
export const OPCODES = {
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
} as const;
export type OpName = keyof typeof OPCODES;
export const OP_BITS = 4;

/**
 * The command port's field widths and the stochastic-rounding LFSR. The RTL
 * gets them from here only: the core top prints them as parameters and passes
 * them down; the opcodes are printed once, in the command decode module.
 */
export const COMMAND_FIELDS = {
  /** cmd_op_i */
  opBits: OP_BITS,
  /** cmd_shift_i: a right shift of up to 63 bits */
  shiftBits: 6,
  /** cmd_seed_i and the LFSR state */
  seedBits: 32,
} as const;

/** Galois LFSR x^32 + x^22 + x^2 + x + 1 (the golden model's generator/golden/quant.ts steps the same one). */
export const LFSR_POLYNOMIAL = [32, 22, 2, 1, 0] as const;

/** The Galois taps word of a polynomial (shifting right): bit e-1 for every exponent e > 0. */
export function galoisTaps(exponents: readonly number[]): number {
  let taps = 0;
  for (const e of exponents) if (e > 0) taps = (taps | (1 << (e - 1))) >>> 0;
  return taps;
}

/**
 * Register stages of the requantization unit (templates/requant.v.hbs): a moved
 * or updated element is written this many cycles after it is taken from the
 * buffers' read registers. The front end delays the write by as much, and the
 * cycle models of moves and updates count it.
 */
export const REQUANT_STAGES = 5;

/** A command's decoded form: one strobe per opcode, named after the opcode. */
export interface CommandModel {
  opBits: number;
  shiftBits: number;
  seedBits: number;
  /** LFSR taps as Verilog hex digits (seedBits / 4 of them) */
  lfsrTapsHex: string;
  /**
   * in opcode order, for the command decode module: port stem, localparam name,
   * sized literal, and the spaces that align `.port_o` in a named connection
   */
  ops: { port: string; param: string; literal: string; pad: string }[];
}

const OP_PORT: Record<OpName, string> = {
  loadW: 'load_w',
  loadX: 'load_x',
  loadDy: 'load_dy',
  fp: 'fp',
  bp: 'bp',
  wg: 'wg',
  readResult: 'read',
  moveToX: 'move_x',
  moveToDy: 'move_dy',
  updateW: 'update_w',
  readW: 'read_w',
};

/** `.op_i       (`: the width of a named connection's pin in a decode instance */
const DECODE_PIN_WIDTH = 12;

export function commandModel(): CommandModel {
  const { opBits, shiftBits, seedBits } = COMMAND_FIELDS;
  return {
    opBits,
    shiftBits,
    seedBits,
    lfsrTapsHex: galoisTaps(LFSR_POLYNOMIAL)
      .toString(16)
      .padStart(seedBits / 4, '0'),
    ops: (Object.keys(OPCODES) as OpName[]).map((name) => ({
      port: OP_PORT[name],
      param: `Op${name[0].toUpperCase()}${name.slice(1)}`,
      literal: `${opBits}'d${OPCODES[name]}`,
      pad: ' '.repeat(Math.max(1, DECODE_PIN_WIDTH - `.${OP_PORT[name]}_o`.length)),
    })),
  };
}

/** Which operand buffer holds a tensor. */

/**
 * One operand buffer. A tensor is cut into blocks of blockRows x blockCols
 * elements; element (i, j) of a block lives in bank (i + j) mod banks when the
 * buffer is skewed (bank j when plain), at address blockBase + i. A skewed
 * buffer reads any row or any column of a block in one cycle.
 */
export interface BufferModel {
  tensor: TensorName;
  module: string;
  instance: string;
  words: number;
  /** the words the banks hold: banks x depth (words rounded down to whole rows of banks) */
  capacity: number;
  banks: number;
  /** addresses per bank */
  depth: number;
  addrBits: number;
  skewed: boolean;
  blockRows: number;
  blockCols: number;
}

/**
 * One memory shape: a simple dual-port RAM of depth words, one write and one
 * registered read per cycle (templates/sram.v.hbs), or with a write enable per
 * lane (templates/lane_sram.v.hbs). Every memory of the core is an instance of
 * the wrapper module of its shape, named by the shape, so that an integrator
 * swaps each wrapper for an SRAM macro or a vendor block RAM of that shape.
 */
export interface MemoryShape {
  module: string;
  template: 'sram' | 'lane_sram';
  depth: number;
  addrBits: number;
  /** bits per word */
  width: number;
  /** write-enable lanes per word (1: the whole word) */
  lanes: number;
  laneBits: number;
}

/** A row-banked store of the zero-skipping core: Rows banks of scanWidth-element words. */
export interface RowStoreModel {
  words: number;
  depth: number;
  addrBits: number;
  /** the wrapper module of each bank's memory */
  memory: string;
}

/** The zero-skipping core's extra geometry (present when sparsity.skipZeros is true). */
export interface SparseModel {
  /** elements per row-store word; a word costs an engine max(1, nonzeros) cycles */
  scanWidth: number;
  /** B rows per pass; each engine's B store holds two chunks */
  chunkDepth: number;
  activationStore: RowStoreModel;
  /** both error stores (dY by rows, dY by columns) have this geometry */
  errorStore: RowStoreModel;
  bStoreDepth: number;
  bStoreAddrBits: number;
  /** the shapes of the row stores' banks: the row store module picks its wrapper by Depth */
  storeMemories: MemoryShape[];
  /** the wrapper modules of an engine's B store and result bank */
  bStoreMemory: string;
  resultBankDepth: number;
  /** the words of all result banks: rows x cols x resultBankDepth */
  resultBankWords: number;
  resultBankAddrBits: number;
  resultBankMemory: string;
  /**
   * Square arrays: WG computes dW^T = X^T dY and skips the zeros of X (kept by
   * columns as well, in a second activation store); results are read and used
   * transposed.
   */
  wgTransposed: boolean;
  /** x div d for the constants d = scanWidth, rows, cols: a multiply by a reciprocal, no divider */
  dividers: ConstantDivider[];
}

/**
 * Division of any countBits-bit x by the constant d as floor(x * recip / 2^shift)
 * (a shift when d is a power of two). With shift = countBits + ceil(log2 d) and
 * recip = ceil(2^shift / d), recip * d - 2^shift < d, so the error x (recip * d -
 * 2^shift) / (d 2^shift) stays below 1/d and never crosses an integer.
 */
export interface ConstantDivider {
  /** Verilog names: NAMERecip, and the function fn */
  name: string;
  fn: string;
  divisor: number;
  shift: number;
  /** decimal (it may not fit a double's integers) */
  recip: string;
  /** width of x * recip */
  productBits: number;
}

export function constantDivider(name: string, divisor: number, countBits: number): ConstantDivider {
  const { multiplier, shift } = constantDivision(divisor, countBits);
  // divisor 1 (shift 0): times 2, shifted by 1, so that no width is zero
  const [recip, by] = shift === 0 ? [2, 1] : [multiplier, shift];
  return { name, fn: `div_${name.toLowerCase()}`, divisor, shift: by, recip: String(recip), productBits: countBits + by };
}

export interface CoreModel {
  name: string;
  specHash: string;
  spec: Spec;
  rows: number;
  cols: number;
  opBits: number;
  accBits: number;
  /** width of a layer dimension (batch, din, dout) as the host may give it */
  dimBits: number;
  /** width of every count, index and address inside the core and on the command port */
  countBits: number;
  /** plain weight buffer with more than one column: FP gathers a W column element by element */
  plainGather: boolean;
  /** dense core: a register between multiply and accumulate in every PE (one more cycle of array latency) */
  multiplyRegister: boolean;
  weight: BufferModel;
  activation: BufferModel;
  error: BufferModel;
  /** the dense core's result buffer; memory: its wrapper module */
  result: { words: number; depth: number; addrBits: number; wordBits: number; memory: string };
  /** every memory shape of the core, one wrapper module each (also in modules) */
  memories: MemoryShape[];
  /** the shapes of the operand buffers' banks: the buffer modules pick their wrapper by Depth and OpBits */
  bankMemories: MemoryShape[];
  opcodes: typeof OPCODES;
  opBitsField: number;
  /** command field widths, decoded strobes and the LFSR taps (one source for the RTL) */
  command: CommandModel;
  transposable: boolean;
  /** register stages of the requantization unit: cycles from an element's take to its write */
  requantStages: number;
  /** the core's read port: accumulators per segment (the dense core: memory.storeLanes; the zero-skipping core: 1) and per result word */
  readPort: { lanes: number; wordElements: number };
  /** the zero-skipping core's geometry; undefined for the dense core */
  sparse?: SparseModel;
  /** names of the generated modules, in compile order (leaves first, top last); a memory wrapper carries its shape */
  modules: { name: string; template: string; shape?: MemoryShape }[];
  /** the core: the command port and the operand streams (the testbench tb_core drives it) */
  top: string;
  /** the core behind AXI4-Lite, AXI4 and an interrupt (the last module; tb_system drives it) */
  systemTop: string;
  /** the memory system's modules between the core and the system top (not the queue's memory wrapper) */
  memorySystemModules: string[];
  /** the external memory interface: AXI4 master, AXI4-Lite slave, DMA (docs/memory-system.md) */
  memory: MemoryModel;
}

export interface MemoryModel {
  dataBits: number;
  dataBytes: number;
  /** log2 dataBytes: AxSIZE, and the bits of a byte's lane in a beat */
  beatShift: number;
  addrBits: number;
  maxBurst: number;
  /** AxLEN width */
  lenBits: number;
  outstandingReads: number;
  queueDepth: number;
  /** bits of a queue index */
  queueBits: number;
  zvcChunk: number;
  /** bytes of an operand in memory */
  elementBytes: number;
  /** bytes of an accumulator (a result) in memory */
  resultBytes: number;
  /**
   * Elements a load moves into the core per cycle, at most (a segment: never
   * across a block's column boundary or a row's end): the bus's elements per
   * beat, capped at the widest block row a buffer takes in one write.
   */
  loadLanes: number;
  /** Accumulators a store takes from the core per cycle, at most (a segment inside one result word and row). */
  storeLanes: number;
  /**
   * Where a load's segments end, per target buffer: the width of its blocks
   * (dense: W and X Cols, dY Rows; zero-skipping: X and dY a store word,
   * scanWidth, and 1 for W, which that core writes one element a cycle).
   */
  loadBlockCols: { w: number; x: number; dy: number };
  /** bits of a segment's count, 1 .. loadLanes and 1 .. storeLanes */
  loadCountBits: number;
  storeCountBits: number;
  /** the core's wr_data_i and rd_data_o: loadLanes operands, storeLanes accumulators */
  loadDataBits: number;
  storeDataBits: number;
  /** log2 elementBytes and log2 resultBytes */
  elementShift: number;
  resultShift: number;
  /** bits of a command-queue entry: descriptor words 0 to 11 and a flag for nonzero reserved words */
  queueEntryBits: number;
  /** the command queue's memory wrapper */
  queueMemory: MemoryShape;
  /** the control word's defined bits, a Verilog literal (any other bit set is a BAD_SHAPE fault) */
  controlUsedMask: string;
  /** STATUS's offset, a Verilog literal (the system testbench polls it) */
  statusOffset: string;
  /** bytes of the system testbench's memory model */
  modelBytes: number;
  /** address bits of the AXI4-Lite register slave */
  regAddrBits: number;
  registers: RegisterDef[];
  /** the read-only ID, CONFIG0 and CONFIG1 words as Verilog literals */
  idLiteral: string;
  config0Literal: string;
  config1Literal: string;
  /** register offsets as Verilog literals, by register name: reg.CTRL = 12'h010 */
  reg: Record<string, string>;
  /** the descriptor control word's fields, by name: ctl.SHIFT = { msb, lsb } */
  ctl: Record<string, { msb: number; lsb: number }>;
  /** fault codes as Verilog literals, by name: fault.QUEUE_FULL = 8'd9 */
  fault: Record<string, string>;
  descriptorWords: number;
  descriptorBytes: number;
  descriptorControl: RegisterField[];
  faults: FaultDef[];
  /** bits of a fault code (the DMA engines' error_code_o, FAULT_CODE) */
  faultBits: number;
  /** fault code by name, for the templates (from faults) */
  faultCode: Record<string, number>;
  /** bits of the reader's request tag: the program fetch and the load share the reader */
  tagBits: number;
  /** requests each AXI4 master queues (its request FIFO) */
  requestQueue: number;
  /** write bursts whose AW was issued before their W beats started, at most */
  writeBurstsAhead: number;
  /** write bursts without a B response, at most */
  writeBurstsUnanswered: number;
}

/** The system testbench's memory: 16 MB, room for the MNIST training set with its program. */
const SIM_MEMORY_BYTES = 1 << 24;

/** Descriptor words the queue keeps (0 to 11); the reserved words 12 to 15 only leave a flag. */
const QUEUED_DESCRIPTOR_WORDS = 12;

function word32(value: number): string {
  return `32'h${value.toString(16).padStart(8, '0')}`;
}

/**
 * The widest segment one buffer write takes: the dense core's W and X blocks
 * are Cols wide, dY's Rows. The zero-skipping core writes a segment of X or dY
 * into one word of its row stores (scanWidth elements) and, by columns, across
 * its Rows column-store banks, one element each: at most min(scanWidth, Rows).
 */
function widestSegment(spec: Spec): number {
  const { rows, cols } = spec.array;
  return spec.sparsity.skipZeros ? Math.min(effectiveScanWidth(cols, spec.sparsity.scanWidth), rows) : Math.max(rows, cols);
}

/** The memory section elaborated: every width the memory-system templates print. */
export function memoryModel(spec: Spec): MemoryModel {
  const m = spec.memory;
  const dataBytes = m.dataBits / 8;
  const elementBytes = spec.numeric.operandBits <= 8 ? 1 : 2;
  const resultBytes = 2 ** Math.max(0, Math.ceil(Math.log2(Math.ceil(spec.numeric.accumulatorBits / 8))));
  const queueEntryBits = QUEUED_DESCRIPTOR_WORDS * 32 + 1;
  const scanWidth = effectiveScanWidth(spec.array.cols, spec.sparsity.scanWidth);
  const loadLanes = Math.min(dataBytes / elementBytes, widestSegment(spec));
  // the zero-skipping core reads one element per cycle
  const storeLanes = spec.sparsity.skipZeros ? 1 : Math.max(1, Math.min(Math.floor(dataBytes / resultBytes), spec.array.cols));
  const faultBits = bitsFor(Math.max(...FAULTS.map((f) => f.code)));
  const controlUsed = DESCRIPTOR_CONTROL_FIELDS.reduce((mask, f) => mask + (2 ** f.bits - 1) * 2 ** f.lsb, 0);
  checkRegisterMap();
  checkFields('descriptor CONTROL', DESCRIPTOR_CONTROL_FIELDS);
  return {
    dataBits: m.dataBits,
    dataBytes,
    beatShift: Math.log2(dataBytes),
    addrBits: m.addrBits,
    maxBurst: m.maxBurst,
    lenBits: 8,
    outstandingReads: m.outstandingReads,
    queueDepth: m.queueDepth,
    queueBits: Math.log2(m.queueDepth),
    zvcChunk: m.zvcChunk,
    elementBytes,
    resultBytes,
    loadLanes,
    storeLanes,
    loadBlockCols: spec.sparsity.skipZeros
      ? { w: 1, x: scanWidth, dy: scanWidth }
      : { w: spec.array.cols, x: spec.array.cols, dy: spec.array.rows },
    loadCountBits: bitsFor(loadLanes),
    storeCountBits: bitsFor(storeLanes),
    loadDataBits: loadLanes * spec.numeric.operandBits,
    storeDataBits: storeLanes * spec.numeric.accumulatorBits,
    elementShift: Math.log2(elementBytes),
    resultShift: Math.log2(resultBytes),
    queueEntryBits,
    queueMemory: memoryShape(spec.name, m.queueDepth, 1, queueEntryBits),
    controlUsedMask: word32(controlUsed),
    statusOffset: `12'h${registerOffset('STATUS').toString(16).padStart(3, '0')}`,
    modelBytes: SIM_MEMORY_BYTES,
    regAddrBits: Math.log2(REGISTER_SPACE_BYTES),
    registers: REGISTERS,
    idLiteral: word32(ID_VALUE),
    config0Literal: word32(
      packFields('CONFIG0', registerFields('CONFIG0'), {
        ROWS: spec.array.rows,
        COLS: spec.array.cols,
        OPERAND_BITS: spec.numeric.operandBits,
        ACC_BITS: spec.numeric.accumulatorBits,
        ZERO_SKIPPING: spec.sparsity.skipZeros ? 1 : 0,
      }),
    ),
    config1Literal: word32(
      packFields('CONFIG1', registerFields('CONFIG1'), {
        DATA_BYTES_LOG2: Math.log2(dataBytes),
        ADDR_BITS: m.addrBits,
        QUEUE_DEPTH_LOG2: Math.log2(m.queueDepth),
        ZVC_CHUNK: m.zvcChunk,
      }),
    ),
    reg: Object.fromEntries(REGISTERS.map((r) => [r.name, `12'h${r.offset.toString(16).padStart(3, '0')}`])),
    ctl: Object.fromEntries(DESCRIPTOR_CONTROL_FIELDS.map((f) => [f.name, { msb: f.lsb + f.bits - 1, lsb: f.lsb }])),
    fault: Object.fromEntries(FAULTS.map((f) => [f.name, `${faultBits}'d${f.code}`])),
    descriptorWords: DESCRIPTOR_WORDS,
    descriptorBytes: DESCRIPTOR_BYTES,
    descriptorControl: DESCRIPTOR_CONTROL_FIELDS,
    faults: FAULTS,
    faultBits,
    faultCode: Object.fromEntries(FAULTS.map((f) => [f.name, f.code])),
    tagBits: 1,
    requestQueue: 2,
    writeBurstsAhead: 4,
    writeBurstsUnanswered: 254,
  };
}

function buffer(
  spec: Spec,
  tensor: TensorName,
  role: string,
  words: number,
  banks: number,
  blockRows: number,
  blockCols: number,
  skewed: boolean,
): BufferModel {
  const depth = Math.floor(words / banks);
  return {
    tensor,
    module: `${spec.name}_${skewed ? 'transposable_buffer' : 'row_buffer'}`,
    instance: `${role}_buffer`,
    words,
    capacity: banks * depth,
    banks,
    depth,
    addrBits: indexBits(depth),
    skewed,
    blockRows,
    blockCols,
  };
}

export function elaborate(loaded: LoadedSpec): CoreModel {
  const { spec, hash } = loaded;
  const R = spec.array.rows;
  const C = spec.array.cols;
  const maxLanes = Math.max(R, C);
  const b = spec.buffers;
  // FP reads W by columns of C outputs, BP by rows of C inputs: C x C blocks over C banks.
  const weight = buffer(spec, 'W', 'weight', b.weightWords, C, C, C, b.transposable);
  // FP reads X by columns of R batch rows, WG by rows of C inputs: R x C blocks.
  const activation = buffer(spec, 'X', 'activation', b.activationWords, maxLanes, R, C, true);
  // BP reads dY by columns of R batch rows, WG by rows of R outputs: R x R blocks.
  const error = buffer(spec, 'dY', 'error', b.errorWords, R, R, R, true);
  const resultDepth = Math.floor(b.resultWords / C);
  const maxDim = Math.max(b.weightWords, b.activationWords, b.errorWords);
  const name = spec.name;
  const sparseGeometry = spec.sparsity.skipZeros ? sparseModel(spec) : undefined;
  // the command front end both cores share, and the column gather of a plain weight buffer
  const frontEnd = [
    { name: `${name}_command_decode`, template: 'command_decode' },
    { name: `${name}_lfsr`, template: 'lfsr' },
    ...(!b.transposable && C > 1 ? [{ name: `${name}_column_gather`, template: 'column_gather' }] : []),
    { name: `${name}_result_port`, template: 'result_port' },
    { name: `${name}_ceil_div`, template: 'ceil_div' },
    { name: `${name}_command_frontend`, template: 'command_frontend' },
  ];
  const bankMemories = distinctShapes(
    (sparseGeometry ? [weight] : [weight, activation, error]).map((buf) => memoryShape(name, buf.depth, 1, spec.numeric.operandBits)),
  );
  const otherMemories = sparseGeometry
    ? [
        ...sparseGeometry.storeMemories,
        memoryShape(name, sparseGeometry.bStoreDepth, C, spec.numeric.operandBits, true),
        memoryShape(name, sparseGeometry.resultBankDepth, C, spec.numeric.accumulatorBits, true),
      ]
    : [memoryShape(name, resultDepth, 1, C * spec.numeric.accumulatorBits)];
  const memories = distinctShapes([...bankMemories, ...otherMemories]);
  const memoryModules = memories.map((shape) => ({ name: shape.module, template: shape.template, shape }));
  const rotator = { name: `${name}_rotator`, template: 'rotator' };
  // the AXI4 masters and the DMA engines (docs/memory-system.md)
  const memorySystem = [
    { name: `${name}_stream_fifo`, template: 'stream_fifo' },
    { name: `${name}_axi_reader`, template: 'axi_reader' },
    { name: `${name}_axi_writer`, template: 'axi_writer' },
    { name: `${name}_dma_load`, template: 'dma_load' },
    { name: `${name}_dma_store`, template: 'dma_store' },
  ];
  const modules = sparseGeometry
    ? [
        ...memoryModules,
        rotator,
        b.transposable
          ? { name: `${name}_transposable_buffer`, template: 'transposable_buffer' }
          : { name: `${name}_row_buffer`, template: 'row_buffer' },
        { name: `${name}_pe`, template: 'pe' },
        { name: `${name}_row_store`, template: 'row_store' },
        { name: `${name}_row_engine`, template: 'row_engine' },
        { name: `${name}_requant`, template: 'requant' },
        { name: `${name}_block_walker`, template: 'block_walker' },
        ...frontEnd,
        { name: `${name}_sparse_controller`, template: 'sparse_controller' },
        { name: `${name}_core`, template: 'sparse_core' },
      ]
    : [
        ...memoryModules,
        rotator,
        { name: `${name}_transposable_buffer`, template: 'transposable_buffer' },
        ...(b.transposable ? [] : [{ name: `${name}_row_buffer`, template: 'row_buffer' }]),
        { name: `${name}_delay_line`, template: 'delay_line' },
        { name: `${name}_systolic_pe`, template: 'systolic_pe' },
        { name: `${name}_pe_array`, template: 'pe_array' },
        { name: `${name}_requant`, template: 'requant' },
        { name: `${name}_block_walker`, template: 'block_walker' },
        ...frontEnd,
        { name: `${name}_controller`, template: 'controller' },
        { name: `${name}_core`, template: 'core' },
      ];
  const addressBits = [weight.addrBits, activation.addrBits, error.addrBits, indexBits(resultDepth)];
  if (sparseGeometry) {
    const s = sparseGeometry;
    addressBits.push(s.activationStore.addrBits, s.errorStore.addrBits, s.bStoreAddrBits, s.resultBankAddrBits);
  }
  // 13 bits at least: the tile padding compares K x cols (< 64 x 64) with rows
  const countBits = Math.max(bitsFor(maxDim), ...addressBits, 13);
  const sparse: SparseModel | undefined = sparseGeometry && {
    ...sparseGeometry,
    dividers: [
      constantDivider('Lanes', sparseGeometry.scanWidth, countBits),
      constantDivider('Rows', R, countBits),
      constantDivider('Cols', C, countBits),
    ],
  };
  // the memory system around the core (docs/memory-system.md)
  const memory = memoryModel(spec);
  const queueMemory = memories.some((shape) => shape.module === memory.queueMemory.module)
    ? []
    : [{ name: memory.queueMemory.module, template: memory.queueMemory.template, shape: memory.queueMemory }];
  const systemModules = [
    { name: `${name}_command_queue`, template: 'command_queue' },
    { name: `${name}_axil_regs`, template: 'axil_regs' },
    { name: `${name}_program_fetch`, template: 'program_fetch' },
    { name: `${name}_sequencer`, template: 'sequencer' },
    ...memorySystem,
  ];
  modules.push(...queueMemory, ...systemModules, { name: `${name}_system`, template: 'system' });
  return {
    name,
    specHash: hash,
    spec,
    rows: R,
    cols: C,
    opBits: spec.numeric.operandBits,
    accBits: spec.numeric.accumulatorBits,
    dimBits: bitsFor(maxDim),
    countBits,
    plainGather: !b.transposable && C > 1,
    multiplyRegister: spec.array.multiplyRegister,
    weight,
    activation,
    error,
    result: {
      words: resultDepth * C,
      depth: resultDepth,
      addrBits: indexBits(resultDepth),
      wordBits: C * spec.numeric.accumulatorBits,
      memory: memoryShape(name, resultDepth, 1, C * spec.numeric.accumulatorBits).module,
    },
    memories,
    bankMemories,
    opcodes: OPCODES,
    opBitsField: OP_BITS,
    command: commandModel(),
    transposable: b.transposable,
    requantStages: REQUANT_STAGES,
    readPort: { lanes: memory.storeLanes, wordElements: C },
    sparse,
    modules,
    top: `${name}_core`,
    systemTop: `${name}_system`,
    memorySystemModules: systemModules.map((mod) => mod.name),
    memory,
  };
}

/** The memory shape of depth words of lanes x laneBits bits (laned: a write enable per lane, by default when lanes > 1). */
function memoryShape(name: string, depth: number, lanes: number, laneBits: number, laned = lanes > 1): MemoryShape {
  return {
    module: laned ? `${name}_lane_sram_${depth}x${lanes}x${laneBits}` : `${name}_sram_${depth}x${laneBits}`,
    template: laned ? 'lane_sram' : 'sram',
    depth,
    addrBits: indexBits(depth),
    width: lanes * laneBits,
    lanes,
    laneBits,
  };
}

function distinctShapes(shapes: MemoryShape[]): MemoryShape[] {
  return [...new Map(shapes.map((shape) => [shape.module, shape])).values()];
}

function rowStore(name: string, words: number, rows: number, scanWidth: number, opBits: number): RowStoreModel {
  const depth = Math.floor(words / (rows * scanWidth));
  return {
    words: depth * rows * scanWidth,
    depth,
    addrBits: indexBits(depth),
    memory: memoryShape(name, depth, scanWidth, opBits, true).module,
  };
}

function sparseModel(spec: Spec): Omit<SparseModel, 'dividers'> {
  const R = spec.array.rows;
  const C = spec.array.cols;
  const scanWidth = effectiveScanWidth(C, spec.sparsity.scanWidth);
  const chunkDepth = effectiveChunkDepth(scanWidth, spec.sparsity.chunkDepth);
  const resultBankDepth = Math.floor(spec.buffers.resultWords / (R * C));
  const activationStore = rowStore(spec.name, spec.buffers.activationWords, R, scanWidth, spec.numeric.operandBits);
  const errorStore = rowStore(spec.name, spec.buffers.errorWords, R, scanWidth, spec.numeric.operandBits);
  return {
    scanWidth,
    chunkDepth,
    activationStore,
    errorStore,
    storeMemories: distinctShapes(
      [activationStore, errorStore].map((store) => memoryShape(spec.name, store.depth, scanWidth, spec.numeric.operandBits, true)),
    ),
    bStoreDepth: 2 * chunkDepth,
    bStoreAddrBits: indexBits(2 * chunkDepth),
    bStoreMemory: memoryShape(spec.name, 2 * chunkDepth, C, spec.numeric.operandBits, true).module,
    resultBankDepth,
    resultBankWords: R * C * resultBankDepth,
    resultBankAddrBits: indexBits(resultBankDepth),
    resultBankMemory: memoryShape(spec.name, resultBankDepth, C, spec.numeric.accumulatorBits, true).module,
    wgTransposed: R === C,
  };
}

/** Addresses (per bank) a rows x cols tensor occupies in its buffer. */
export function tensorAddresses(buf: BufferModel, rows: number, cols: number): number {
  return ceilDiv(rows, buf.blockRows) * ceilDiv(cols, buf.blockCols) * buf.blockRows;
}

/** Shape of each tensor of a layer. */
export function tensorShape(tensor: TensorName, dims: LayerDims): { rows: number; cols: number } {
  switch (tensor) {
    case 'W':
      return { rows: dims.dout, cols: dims.din };
    case 'X':
      return { rows: dims.batch, cols: dims.din };
    case 'dY':
      return { rows: dims.batch, cols: dims.dout };
  }
}

export function bufferOf(model: CoreModel, tensor: TensorName): BufferModel {
  return tensor === 'W' ? model.weight : tensor === 'X' ? model.activation : model.error;
}

/** Where a tensor goes and how much room it needs there, in addresses (words per bank). */
export interface Footprint {
  tensor: TensorName;
  where: string;
  field: string;
  need: number;
  capacity: number;
  /** operand words those addresses amount to */
  words: number;
  capacityWords: number;
}

const FIELD: Record<TensorName, string> = { W: 'weightWords', X: 'activationWords', dY: 'errorWords' };

/** The footprints of one tensor (dY has two in the zero-skipping core: by rows and by columns). */
export function tensorFootprints(model: CoreModel, tensor: TensorName, dims: LayerDims): Footprint[] {
  const { rows, cols } = tensorShape(tensor, dims);
  const sparse = model.sparse;
  if (!sparse || tensor === 'W') {
    const buf = bufferOf(model, tensor);
    const need = tensorAddresses(buf, rows, cols);
    return [
      {
        tensor,
        where: `the ${buf.instance}`,
        field: FIELD[tensor],
        need,
        capacity: buf.depth,
        words: need * buf.banks,
        capacityWords: buf.depth * buf.banks,
      },
    ];
  }
  const R = model.rows;
  const L = sparse.scanWidth;
  const store = tensor === 'X' ? sparse.activationStore : sparse.errorStore;
  const byRows = ceilDiv(rows, R) * ceilDiv(cols, L);
  const out: Footprint[] = [
    {
      tensor,
      where: tensor === 'X' ? 'the activation store' : 'the error store',
      field: FIELD[tensor],
      need: byRows,
      capacity: store.depth,
      words: byRows * R * L,
      capacityWords: store.words,
    },
  ];
  if (tensor === 'dY' || (tensor === 'X' && sparse.wgTransposed)) {
    const byCols = ceilDiv(cols, R) * ceilDiv(rows, L);
    const where = tensor === 'dY' ? 'the error column store' : 'the activation column store';
    out.push({
      tensor,
      where,
      field: FIELD[tensor],
      need: byCols,
      capacity: store.depth,
      words: byCols * R * L,
      capacityWords: store.words,
    });
  }
  return out;
}

/**
 * Problems that keep a layer from running on this core: operands that do not
 * fit their buffers, a result that does not fit the result buffer, dimensions
 * out of range. Empty when the layer fits.
 */
export function layerFitProblems(
  model: CoreModel,
  dims: LayerDims,
  tensors: readonly TensorName[],
  resultShapes: { M: number; N: number }[],
): string[] {
  const problems: string[] = [];
  const maxDim = 2 ** model.dimBits - 1;
  for (const [key, value] of Object.entries(dims)) {
    if (!Number.isInteger(value) || value < 1 || value > maxDim) {
      problems.push(`--${key}: ${value} is out of range; it must be an integer from 1 to ${maxDim}`);
    }
  }
  if (problems.length) return problems;
  for (const tensor of tensors) {
    const { rows, cols } = tensorShape(tensor, dims);
    for (const f of tensorFootprints(model, tensor, dims)) {
      if (f.need > f.capacity) {
        problems.push(
          `${tensor} (${rows} x ${cols}) needs ${f.words} words of ${f.where} (${f.need} addresses per bank), ` +
            `but buffers.${f.field} gives ${f.capacityWords}; raise buffers.${f.field} or shrink the layer`,
        );
      }
    }
  }
  for (const { M, N } of resultShapes) {
    const need = model.sparse ? ceilDiv(M, model.rows) * ceilDiv(N, model.cols) : M * ceilDiv(N, model.cols);
    const capacity = model.sparse ? model.sparse.resultBankDepth : model.result.depth;
    const perAddress = model.sparse ? model.rows * model.cols : model.cols;
    if (need > capacity) {
      problems.push(
        `the ${M} x ${N} result needs ${need * perAddress} words of the result buffer, ` +
          `but buffers.resultWords gives ${capacity * perAddress}; raise buffers.resultWords or shrink the layer`,
      );
    }
  }
  return problems;
}

/** What the cycle model needs to know about a design. */
export function coreShape(model: CoreModel): {
  rows: number;
  cols: number;
  plainGather: boolean;
  multiplyRegister: boolean;
  sparse?: { scanWidth: number; chunkDepth: number; wgTransposed: boolean };
} {
  return {
    rows: model.rows,
    cols: model.cols,
    multiplyRegister: model.multiplyRegister,
    plainGather: model.plainGather,
    sparse: model.sparse
      ? { scanWidth: model.sparse.scanWidth, chunkDepth: model.sparse.chunkDepth, wgTransposed: model.sparse.wgTransposed }
      : undefined,
  };
}
