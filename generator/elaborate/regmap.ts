/**
 * The one description of the memory system's software interface: the
 * AXI4-Lite registers, the 64-byte descriptor and the fault codes
 * (docs/memory-system.md). The RTL templates, manifest.json, the C header and
 * docs/register-map.md are all generated from these tables.
 */

export type Access = 'ro' | 'rw' | 'w1c' | 'wo';

export interface RegisterField {
  name: string;
  lsb: number;
  bits: number;
  doc: string;
}

export interface RegisterDef {
  name: string;
  offset: number;
  access: Access;
  doc: string;
  fields?: RegisterField[];
}

/** Bytes of the register slave's address space. */
export const REGISTER_SPACE_BYTES = 4096;
/** 32-bit words of a descriptor. */
export const DESCRIPTOR_WORDS = 16;
export const DESCRIPTOR_BYTES = DESCRIPTOR_WORDS * 4;
/** Identifies a trainforge core in the ID register: ASCII "TF" and the register map's version. */
export const ID_VALUE = 0x5446_0001;

/** Descriptor word 0: the command's opcode and flags. */
export const DESCRIPTOR_CONTROL_FIELDS: RegisterField[] = [
  { name: 'OP', lsb: 0, bits: 4, doc: 'the core command (the opcodes of the command port)' },
  { name: 'COMPRESSED', lsb: 4, bits: 1, doc: 'LOAD_X, LOAD_DY: the tensor is zero-value compressed' },
  { name: 'STOCHASTIC', lsb: 5, bits: 1, doc: 'moves and update: stochastic rounding (else nearest even)' },
  { name: 'RELU', lsb: 6, bits: 1, doc: 'move to X: ReLU' },
  { name: 'WAIT', lsb: 7, bits: 1, doc: 'start only when every earlier descriptor has finished' },
  { name: 'IRQ', lsb: 8, bits: 1, doc: 'set IRQ_STATUS.DONE when this descriptor finishes' },
  { name: 'SHIFT', lsb: 16, bits: 6, doc: 'requantization shift of a move or update' },
];

/** The sixteen 32-bit words of a descriptor, in order. */
export const DESCRIPTOR_LAYOUT: { name: string; doc: string }[] = [
  { name: 'CONTROL', doc: 'opcode and flags (fields below)' },
  { name: 'BATCH', doc: 'layer dimension batch' },
  { name: 'DIN', doc: 'layer dimension din' },
  { name: 'DOUT', doc: 'layer dimension dout' },
  { name: 'W_BASE', doc: 'first address of W in the weight buffer' },
  { name: 'X_BASE', doc: 'first address of X in the activation buffer' },
  { name: 'DY_BASE', doc: 'first address of dY in the error buffer' },
  { name: 'SEED', doc: 'LFSR seed of a stochastic move or update' },
  { name: 'ADDR_LO', doc: 'loads and reads: memory address of the tensor, low 32 bits' },
  { name: 'ADDR_HI', doc: 'memory address, high 32 bits (0 for 32-bit addresses)' },
  { name: 'STRIDE', doc: 'bytes from one row of the tensor in memory to the next' },
  { name: 'BYTES', doc: 'compressed loads: length of the stream in bytes (0 otherwise)' },
  { name: 'RESERVED12', doc: 'reserved, 0' },
  { name: 'RESERVED13', doc: 'reserved, 0' },
  { name: 'RESERVED14', doc: 'reserved, 0' },
  { name: 'RESERVED15', doc: 'reserved, 0' },
];

export interface FaultDef {
  code: number;
  name: string;
  doc: string;
}

export const FAULTS: FaultDef[] = [
  { code: 0, name: 'NONE', doc: 'no fault' },
  { code: 1, name: 'AXI_READ_SLVERR', doc: 'a read beat answered SLVERR' },
  { code: 2, name: 'AXI_READ_DECERR', doc: 'a read beat answered DECERR' },
  { code: 3, name: 'AXI_WRITE_SLVERR', doc: 'a write burst answered SLVERR' },
  { code: 4, name: 'AXI_WRITE_DECERR', doc: 'a write burst answered DECERR' },
  { code: 5, name: 'OUT_OF_WINDOW', doc: "the descriptor's bytes reach outside MEM_BASE .. MEM_LAST" },
  {
    code: 6,
    name: 'BAD_SHAPE',
    doc: 'a dimension of 0, an unknown opcode, reserved bits set, or COMPRESSED on a command other than LOAD_X or LOAD_DY',
  },
  { code: 7, name: 'BAD_STRIDE', doc: 'address or stride not a multiple of the element size, or rows that overlap' },
  { code: 8, name: 'ZVC_DECODE', doc: 'a compressed stream does not decode' },
  { code: 9, name: 'QUEUE_FULL', doc: 'DESC_PUSH written while the command queue is full' },
];

function counter(name: string, offset: number, doc: string): RegisterDef[] {
  return [
    { name: `${name}_LO`, offset, access: 'ro', doc: `${doc}, low 32 bits` },
    { name: `${name}_HI`, offset: offset + 4, access: 'ro', doc: `${doc}, high 32 bits (read LO first: it latches HI)` },
  ];
}

const IRQ_FIELDS: RegisterField[] = [
  { name: 'DONE', lsb: 0, bits: 1, doc: 'a descriptor with IRQ set has finished, or the core went idle (STATUS.BUSY fell)' },
  { name: 'FAULT', lsb: 1, bits: 1, doc: 'a fault stopped the core (FAULT_CODE, FAULT_INDEX)' },
];

/** The registers, by offset. */
export const REGISTERS: RegisterDef[] = [
  { name: 'ID', offset: 0x000, access: 'ro', doc: `identifies the core: 0x${ID_VALUE.toString(16)} ("TF", register map version 1)` },
  {
    name: 'CONFIG0',
    offset: 0x004,
    access: 'ro',
    doc: 'array and number formats',
    fields: [
      { name: 'ROWS', lsb: 0, bits: 8, doc: 'PE rows' },
      { name: 'COLS', lsb: 8, bits: 8, doc: 'PE columns' },
      { name: 'OPERAND_BITS', lsb: 16, bits: 5, doc: 'operand width' },
      { name: 'ACC_BITS', lsb: 21, bits: 7, doc: 'accumulator width' },
      { name: 'ZERO_SKIPPING', lsb: 28, bits: 1, doc: '1: the zero-skipping core' },
    ],
  },
  {
    name: 'CONFIG1',
    offset: 0x008,
    access: 'ro',
    doc: 'memory interface',
    fields: [
      { name: 'DATA_BYTES_LOG2', lsb: 0, bits: 4, doc: 'log2 of the AXI4 data bytes' },
      { name: 'ADDR_BITS', lsb: 4, bits: 7, doc: 'AXI4 address width' },
      { name: 'QUEUE_DEPTH_LOG2', lsb: 11, bits: 4, doc: 'log2 of the command queue entries' },
      { name: 'ZVC_CHUNK', lsb: 16, bits: 7, doc: 'elements per compressed chunk' },
    ],
  },
  {
    name: 'CTRL',
    offset: 0x010,
    access: 'wo',
    doc: 'write 1 to act; reads 0',
    fields: [
      {
        name: 'START_PROGRAM',
        lsb: 0,
        bits: 1,
        doc: 'fetch PROG_COUNT descriptors from PROG_ADDR into the queue (ignored while a program is fetched)',
      },
      {
        name: 'CLEAR_FAULT',
        lsb: 1,
        bits: 1,
        doc: 'leave the fault state: clears FAULT_CODE and FAULT_INDEX and empties the queue (once STATUS.BUSY is 0; ignored while the stopped command still drains)',
      },
    ],
  },
  {
    name: 'STATUS',
    offset: 0x014,
    access: 'ro',
    doc: 'state of the core',
    fields: [
      { name: 'BUSY', lsb: 0, bits: 1, doc: 'a descriptor runs, is queued or is being fetched' },
      { name: 'FAULT', lsb: 1, bits: 1, doc: 'stopped by a fault until CTRL.CLEAR_FAULT' },
      { name: 'QUEUE_FULL', lsb: 2, bits: 1, doc: 'DESC_PUSH would fault now' },
      { name: 'FETCHING', lsb: 3, bits: 1, doc: 'a program is being fetched' },
      { name: 'QUEUE_LEVEL', lsb: 16, bits: 9, doc: 'descriptors in the queue' },
    ],
  },
  { name: 'IRQ_ENABLE', offset: 0x018, access: 'rw', doc: 'irq_o is high while IRQ_STATUS & IRQ_ENABLE is not 0', fields: IRQ_FIELDS },
  { name: 'IRQ_STATUS', offset: 0x01c, access: 'w1c', doc: 'interrupt causes; write 1 to clear', fields: IRQ_FIELDS },
  { name: 'FAULT_CODE', offset: 0x020, access: 'ro', doc: 'the fault (table of fault codes); 0 when none' },
  {
    name: 'FAULT_INDEX',
    offset: 0x024,
    access: 'ro',
    doc: 'sequence number of the descriptor that faulted (descriptors count from 0 after reset)',
  },
  { name: 'RESULT_BITS', offset: 0x028, access: 'ro', doc: 'bits of the largest magnitude in the last FP, BP or WG result' },
  {
    name: 'PROG_ADDR_LO',
    offset: 0x030,
    access: 'rw',
    doc: 'memory address of a program of descriptors, low 32 bits (a multiple of 64: bits 5:0 read 0)',
  },
  { name: 'PROG_ADDR_HI', offset: 0x034, access: 'rw', doc: 'program address, high 32 bits' },
  { name: 'PROG_COUNT', offset: 0x038, access: 'rw', doc: 'descriptors in the program' },
  { name: 'MEM_BASE_LO', offset: 0x040, access: 'rw', doc: 'first byte descriptors may touch, low 32 bits (reset 0)' },
  { name: 'MEM_BASE_HI', offset: 0x044, access: 'rw', doc: 'first byte, high 32 bits' },
  { name: 'MEM_LAST_LO', offset: 0x048, access: 'rw', doc: 'last byte descriptors may touch, low 32 bits (reset: the last address)' },
  { name: 'MEM_LAST_HI', offset: 0x04c, access: 'rw', doc: 'last byte, high 32 bits' },
  ...DESCRIPTOR_LAYOUT.map((word, i): RegisterDef => ({
    name: `DESC${i}`,
    offset: 0x080 + 4 * i,
    access: 'rw',
    doc: `staged descriptor word ${i}: ${word.name}`,
  })),
  { name: 'DESC_PUSH', offset: 0x0c0, access: 'wo', doc: 'any write pushes DESC0..DESC15 into the queue (QUEUE_FULL fault when full)' },
  ...counter('CYCLES_BUSY', 0x100, 'cycles with STATUS.BUSY'),
  ...counter('CYCLES_MEM_STALL', 0x108, "cycles in which a load or store waited on memory (the core's port was ready, the data was not)"),
  ...counter('BYTES_READ', 0x110, 'bytes read from memory (read beats x data bytes)'),
  ...counter('BYTES_WRITTEN', 0x118, 'bytes written to memory (bytes with their strobe set)'),
  ...counter('DESC_DONE', 0x120, 'descriptors finished'),
];

/** Checks the tables: offsets aligned, distinct and inside the space, fields inside their word and apart. */
export function checkRegisterMap(registers: RegisterDef[] = REGISTERS): void {
  const seen = new Map<number, string>();
  for (const r of registers) {
    if (r.offset % 4 !== 0 || r.offset < 0 || r.offset >= REGISTER_SPACE_BYTES)
      throw new Error(`register ${r.name}: offset 0x${r.offset.toString(16)}`);
    const other = seen.get(r.offset);
    if (other) throw new Error(`registers ${other} and ${r.name} share offset 0x${r.offset.toString(16)}`);
    seen.set(r.offset, r.name);
    checkFields(r.name, r.fields ?? []);
  }
}

export function checkFields(owner: string, fields: RegisterField[]): void {
  let used = 0n;
  for (const f of fields) {
    if (f.bits < 1 || f.lsb < 0 || f.lsb + f.bits > 32) throw new Error(`${owner}.${f.name}: bits ${f.lsb}+${f.bits} outside 32`);
    const mask = ((1n << BigInt(f.bits)) - 1n) << BigInt(f.lsb);
    if ((used & mask) !== 0n) throw new Error(`${owner}.${f.name} overlaps another field`);
    used |= mask;
  }
}

export function registerOffset(name: string): number {
  const r = REGISTERS.find((reg) => reg.name === name);
  if (!r) throw new Error(`no register ${name}`);
  return r.offset;
}

export function fieldOf(fields: RegisterField[], name: string): RegisterField {
  const f = fields.find((field) => field.name === name);
  if (!f) throw new Error(`no field ${name}`);
  return f;
}

/** A 32-bit word from named field values (missing fields are 0); a value that does not fit its field is an error. */
export function packFields(owner: string, fields: RegisterField[], values: Partial<Record<string, number>>): number {
  let word = 0;
  for (const [name, value] of Object.entries(values)) {
    const f = fieldOf(fields, name);
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < 0 || value >= 2 ** f.bits) {
      throw new RangeError(`${owner}.${name} = ${value} does not fit ${f.bits} bits`);
    }
    word += value * 2 ** f.lsb;
  }
  return word;
}

/** Fields of a register by name. */
export function registerFields(name: string): RegisterField[] {
  const r = REGISTERS.find((reg) => reg.name === name);
  if (!r?.fields) throw new Error(`register ${name} has no fields`);
  return r.fields;
}

/** Packs a descriptor's 16 words from named values (missing words are 0). */
export function packDescriptor(words: Partial<Record<string, number>>, control: Partial<Record<string, number>>): number[] {
  const c = packFields('descriptor CONTROL', DESCRIPTOR_CONTROL_FIELDS, control);
  return DESCRIPTOR_LAYOUT.map((word, i) => {
    if (i === 0) return c;
    const v = words[word.name] ?? 0;
    if (!Number.isInteger(v) || v < 0 || v >= 2 ** 32) throw new RangeError(`descriptor ${word.name} = ${v} is not a 32-bit word`);
    return v;
  });
}
