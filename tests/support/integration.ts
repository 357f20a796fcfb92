/**
 * What the generated C header (NAME.h) must say, worked out independently of
 * generator/render/integration.ts: from the model's fields, from manifest.json
 * and from the generated top module's parameters and ports.
 */
import type { CoreModel } from '../../generator/elaborate/model.ts';
import type { Design, Manifest } from '../../generator/pipeline.ts';

/** loadDy -> LOAD_DY */
const upperSnake = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

/** Header macro (without the NAME_ prefix) -> value, for every numeric macro the header must define. */
export function expectedHeaderValues(design: Design): Map<string, number> {
  const { model } = design;
  const manifest = JSON.parse(design.files.get('manifest.json')!) as Manifest;
  const host = manifest.hostInterface;
  const v = new Map<string, number>([
    ['ROWS', manifest.spec.array.rows],
    ['COLS', manifest.spec.array.cols],
    ['OPERAND_BITS', host.operandBits],
    ['ACCUMULATOR_BITS', host.accumulatorBits],
    ['ZERO_SKIPPING', manifest.spec.sparsity.skipZeros ? 1 : 0],
    ['TRANSPOSABLE_WEIGHTS', manifest.spec.buffers.transposable ? 1 : 0],
    ['MULTIPLY_REGISTER', manifest.spec.array.multiplyRegister ? 1 : 0],
    ['OP_BITS', host.opBits],
    ['COUNT_BITS', host.countBits],
    ['SHIFT_BITS', host.shiftBits],
    ['SEED_BITS', host.seedBits],
    ['FLAG_BITS', 1],
    ['WR_LANES', model.memory.loadLanes],
    ['WR_DATA_BITS', model.memory.loadLanes * host.operandBits],
    ['WR_COUNT_BITS', Math.ceil(Math.log2(model.memory.loadLanes + 1))],
    ['RD_LANES', model.memory.storeLanes],
    ['RD_DATA_BITS', model.memory.storeLanes * host.accumulatorBits],
    ['RD_COUNT_BITS', Math.ceil(Math.log2(model.memory.storeLanes + 1))],
    ['RESULT_BITS_BITS', host.resultBitsWidth],
    ['MAX_DIM', 2 ** model.dimBits - 1],
  ]);
  for (const [name, code] of Object.entries(host.opcodes)) v.set(`OP_${upperSnake(name)}`, code);
  const buffer = (key: string, banks: number, depth: number, addrBits: number, perWord: number) => {
    v.set(`${key}_BANKS`, banks);
    v.set(`${key}_DEPTH`, depth);
    v.set(`${key}_ADDR_BITS`, addrBits);
    v.set(`${key}_ELEMENTS_PER_WORD`, perWord);
    v.set(`${key}_WORDS`, banks * depth * perWord);
  };
  buffer('WEIGHT', model.weight.banks, model.weight.depth, model.weight.addrBits, 1);
  if (model.sparse) {
    const s = model.sparse;
    v.set('SCAN_WIDTH', s.scanWidth);
    v.set('CHUNK_DEPTH', s.chunkDepth);
    buffer('ACTIVATION', model.rows, s.activationStore.depth, s.activationStore.addrBits, s.scanWidth);
    buffer('ERROR', model.rows, s.errorStore.depth, s.errorStore.addrBits, s.scanWidth);
    buffer('RESULT', model.rows * model.cols, s.resultBankDepth, s.resultBankAddrBits, 1);
  } else {
    buffer('ACTIVATION', model.activation.banks, model.activation.depth, model.activation.addrBits, 1);
    buffer('ERROR', model.error.banks, model.error.depth, model.error.addrBits, 1);
    buffer('RESULT', model.cols, model.result.depth, model.result.addrBits, 1);
  }
  // the system top: bus, queue, element sizes, and the register map from the manifest (which a test checks against regmap.ts)
  const mi = manifest.memoryInterface;
  v.set('AXI_DATA_BITS', mi.dataBits);
  v.set('AXI_ADDR_BITS', mi.addrBits);
  v.set('QUEUE_DEPTH', mi.queueDepth);
  v.set('ZVC_CHUNK', mi.zvcChunk);
  v.set('ELEMENT_BYTES', mi.elementBytes);
  v.set('RESULT_BYTES', mi.resultBytes);
  const fields = (stem: string, list: { name: string; lsb: number; bits: number }[]) => {
    for (const f of list) {
      v.set(`${stem}_${f.name}_LSB`, f.lsb);
      v.set(`${stem}_${f.name}_MASK`, (2 ** f.bits - 1) * 2 ** f.lsb);
    }
  };
  for (const r of mi.registers) {
    v.set(`REG_${r.name}`, r.offset);
    fields(`REG_${r.name}`, r.fields);
  }
  mi.descriptor.words.forEach((w, i) => v.set(`DESC_${w.name}`, i));
  fields('DESC_CONTROL', mi.descriptor.control);
  for (const f of mi.faults) v.set(`FAULT_${f.name}`, f.code);
  return v;
}

/** `parameter integer Name = N` of a module's header. */
export function moduleParameters(verilog: string): Map<string, number> {
  return new Map([...verilog.matchAll(/^\s*parameter\s+integer\s+(\w+)\s*=\s*(\d+)/gm)].map((m) => [m[1], Number(m[2])]));
}

/** Port name -> width of a module's ANSI port list, with `[P-1:0]`, `[A*B-1:0]` and `[N:0]` ranges. */
export function modulePorts(verilog: string, params: Map<string, number>): Map<string, number> {
  const ports = new Map<string, number>();
  for (const m of verilog.matchAll(/^\s*(?:input|output)\s+(?:wire\s+|reg\s+)?(?:\[([^\]]+)\]\s*)?(\w+)\s*,?\s*$/gm)) {
    const range = m[1];
    let width = 1;
    if (range) {
      // P-1:0, A*B-1:0 (a product of parameters or numbers) or N:0
      const r = /^\s*(\w+(?:\s*\*\s*\w+)*)\s*(?:-\s*1)?\s*:\s*0\s*$/.exec(range);
      const minusOne = /-\s*1/.test(range);
      if (!r) throw new Error(`port ${m[2]}: range [${range}] is not [X-1:0], [A*B-1:0] or [N:0]`);
      const factors = r[1].split('*').map((f) => f.trim());
      const values = factors.map((f) => (/^\d+$/.test(f) ? Number(f) : params.get(f)));
      const unknown = factors.find((_, i) => values[i] === undefined);
      if (unknown !== undefined) throw new Error(`port ${m[2]}: unknown parameter ${unknown}`);
      const base = values.reduce((a: number, b) => a * (b as number), 1);
      width = minusOne ? base : base + 1;
    }
    ports.set(m[2], width);
  }
  return ports;
}

/** Which header macro each port's width is. */
export const PORT_MACROS: Record<string, string> = {
  cmd_op_i: 'OP_BITS',
  cmd_batch_i: 'COUNT_BITS',
  cmd_din_i: 'COUNT_BITS',
  cmd_dout_i: 'COUNT_BITS',
  cmd_w_base_i: 'COUNT_BITS',
  cmd_x_base_i: 'COUNT_BITS',
  cmd_dy_base_i: 'COUNT_BITS',
  cmd_shift_i: 'SHIFT_BITS',
  cmd_seed_i: 'SEED_BITS',
  cmd_round_i: 'FLAG_BITS',
  cmd_relu_i: 'FLAG_BITS',
  wr_data_i: 'WR_DATA_BITS',
  wr_count_i: 'WR_COUNT_BITS',
  rd_data_o: 'RD_DATA_BITS',
  rd_count_o: 'RD_COUNT_BITS',
  result_bits_o: 'RESULT_BITS_BITS',
};

/** Which header macro each top-level parameter is; null: internal to the core, not the host's business. */
export const PARAMETER_MACROS: Record<string, string | null> = {
  Rows: 'ROWS',
  Cols: 'COLS',
  OpBits: 'OPERAND_BITS',
  AccBits: 'ACCUMULATOR_BITS',
  MultiplyStage: 'MULTIPLY_REGISTER',
  CountBits: 'COUNT_BITS',
  LoadLanes: 'WR_LANES',
  LoadCountBits: 'WR_COUNT_BITS',
  ReadLanes: 'RD_LANES',
  ReadCountBits: 'RD_COUNT_BITS',
  CmdOpBits: 'OP_BITS',
  ShiftBits: 'SHIFT_BITS',
  SeedBits: 'SEED_BITS',
  WeightBanks: 'WEIGHT_BANKS',
  WeightDepth: 'WEIGHT_DEPTH',
  WeightAddrBits: 'WEIGHT_ADDR_BITS',
  ActBanks: 'ACTIVATION_BANKS',
  ActDepth: 'ACTIVATION_DEPTH',
  ActAddrBits: 'ACTIVATION_ADDR_BITS',
  ErrBanks: 'ERROR_BANKS',
  ErrDepth: 'ERROR_DEPTH',
  ErrAddrBits: 'ERROR_ADDR_BITS',
  ResultDepth: 'RESULT_DEPTH',
  ResultAddrBits: 'RESULT_ADDR_BITS',
  // the dense core derives banks, depths and address widths from the capacities
  WeightWords: 'WEIGHT_WORDS',
  ActWords: 'ACTIVATION_WORDS',
  ErrWords: 'ERROR_WORDS',
  ResultWords: 'RESULT_WORDS',
  Lanes: 'SCAN_WIDTH',
  ChunkDepth: 'CHUNK_DEPTH',
  // each row engine's local copy of the B chunk: inside the core
  BStoreDepth: null,
  BStoreAddrBits: null,
};

/** Numeric `#define NAME_X value[u]` lines of a header: X -> value. */
export function headerDefines(text: string, prefix: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^#define\s+(\w+)\s+(0x[0-9a-f]+|\d+)u?\s*$/gm)) {
    if (!m[1].startsWith(`${prefix}_`)) throw new Error(`#define ${m[1]} lacks the prefix ${prefix}_`);
    const key = m[1].slice(prefix.length + 1);
    if (out.has(key)) throw new Error(`#define ${m[1]} given twice`);
    out.set(key, m[2].startsWith('0x') ? parseInt(m[2], 16) : Number(m[2]));
  }
  return out;
}

/** The C prefix of a design's header. */
export const headerPrefix = (model: CoreModel) => model.name.toUpperCase();
