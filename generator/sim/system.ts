/**
 * Runs a program of descriptors on the whole system (testbench/tb_system.sv.hbs):
 * the memory image goes into the AXI4 memory model, a scripted host starts the
 * program through the AXI4-Lite registers and waits for the interrupt, and the
 * run returns what the host read back (status, fault, counters), the cycles of
 * every core command, the end-to-end cycles and the memory the results went to.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CoreModel, OpName } from '../elaborate/model.ts';
import { OPCODES } from '../elaborate/model.ts';
import { registerOffset, REGISTERS } from '../elaborate/regmap.ts';
import { MemoryImage, packDescriptorWords, writeProgram, type Descriptor } from '../golden/traffic.ts';
import type { CompiledSim } from './simulators.ts';
import { commandLine, howItEnded, runLimited, runLimitMs } from './limits.ts';

/** How the memory model answers (its plusargs). */
export interface MemoryBehaviour {
  /** cycles from a read burst's address to its first beat (deterministic mode) */
  latency: number;
  /** the seeded random mode: backpressure, stalls, extra latency */
  randomSeed?: number;
  /** address ranges that answer with an error */
  errors?: { kind: 'slverr' | 'decerr' | 'rslverr' | 'rdecerr' | 'wslverr' | 'wdecerr'; base: number; size: number }[];
}

export interface ProgramRun {
  image: MemoryImage;
  /** the program the core fetches from memory (may be empty) */
  program: readonly Descriptor[];
  /** register writes before anything starts (the memory window, say) */
  setup?: { register: string; value: number }[];
  /** descriptors the host pushes through DESC0..15 and DESC_PUSH, after starting the program */
  pushes?: readonly Descriptor[];
  /**
   * After the run has stopped (a fault): clear the interrupt and the fault
   * (CTRL.CLEAR_FAULT), write these registers, and start the program again;
   * the outcome's registers are then the second run's
   */
  retry?: { setup: { register: string; value: number }[] };
  /** where the program goes (a multiple of 64) */
  progAddr: number;
  /** the bytes to read back after the run */
  dump: { base: number; size: number };
  memory: MemoryBehaviour;
  /** the most cycles the run may take from the start to the interrupt (the testbench's watchdog) */
  budgetCycles: number;
}

export interface CoreCommandRun {
  op: OpName;
  cycles: number;
  resultBits: number;
  /** the command's number in the order the core took it (a load may end before the compute it ran beside) */
  seq: number;
}

export interface ProgramOutcome {
  /** cycles from the host's first start (CTRL.START_PROGRAM or DESC_PUSH write) to the interrupt */
  endToEndCycles: number;
  /** cycles from that start until STATUS.BUSY read 0 after the interrupt */
  idleCycles: number;
  coreCommands: CoreCommandRun[];
  /** the registers read after the interrupt, by name */
  registers: Record<string, number>;
  bytesRead: number;
  bytesWritten: number;
  faultCode: number;
  faultIndex: number;
  /** the dumped bytes, as an image at their addresses */
  memory: MemoryImage;
}

/** Registers the host reads after the interrupt; 64-bit counters LO then HI. */
const READ_BACK = [
  'STATUS',
  'IRQ_STATUS',
  'FAULT_CODE',
  'FAULT_INDEX',
  'RESULT_BITS',
  'CYCLES_BUSY_LO',
  'CYCLES_BUSY_HI',
  'CYCLES_MEM_STALL_LO',
  'CYCLES_MEM_STALL_HI',
  'BYTES_READ_LO',
  'BYTES_READ_HI',
  'BYTES_WRITTEN_LO',
  'BYTES_WRITTEN_HI',
  'DESC_DONE_LO',
  'DESC_DONE_HI',
];

const OP_BY_CODE = new Map<number, OpName>(Object.entries(OPCODES).map(([name, code]) => [code, name as OpName]));
const NAME_BY_OFFSET = new Map(REGISTERS.map((r) => [r.offset, r.name]));

function hex(value: number): string {
  return (value >>> 0).toString(16);
}

/** The testbench's action codes (testbench/tb_system.sv.hbs). */
export const HOST = { end: 0, write: 1, read: 2, waitIrq: 3, waitIdle: 4, memRead: 5, memWrite: 6, now: 7 } as const;

/** A "core OP CYCLES BITS" line of the testbench, split into fields, as a core command. */
export function parseCoreLine(f: readonly string[]): CoreCommandRun {
  const op = OP_BY_CODE.get(Number(f[1]));
  if (!op) throw new Error(`the core ran an unknown opcode ${f[1]}`);
  return { op, cycles: Number(f[2]), resultBits: Number(f[3]), seq: Number(f[4]) };
}

function write(register: string, value: number): string {
  return `${HOST.write} ${hex(registerOffset(register))} ${hex(value)}`;
}

/** The host's script: enable both interrupts, point at the program, start it, wait, read back. */
function hostScript(run: ProgramRun): string {
  const pushes = (run.pushes ?? []).flatMap((d) => [
    ...packDescriptorWords(d).map((word, i) => write(`DESC${i}`, word)),
    write('DESC_PUSH', 1),
  ]);
  const start = run.program.length
    ? [
        write('PROG_ADDR_LO', run.progAddr % 2 ** 32),
        write('PROG_ADDR_HI', Math.floor(run.progAddr / 2 ** 32)),
        write('PROG_COUNT', run.program.length),
        write('CTRL', 1),
      ]
    : [];
  const finish = [
    `${HOST.waitIrq} ${run.budgetCycles}`,
    `${HOST.waitIdle} ${run.budgetCycles}`,
    ...READ_BACK.map((name) => `${HOST.read} ${hex(registerOffset(name))}`),
  ];
  const retry = run.retry
    ? [
        write('IRQ_STATUS', 3),
        write('CTRL', 2),
        ...run.retry.setup.map(({ register, value }) => write(register, value)),
        ...start,
        ...finish,
      ]
    : [];
  const lines = [
    write('IRQ_ENABLE', 3),
    ...(run.setup ?? []).map(({ register, value }) => write(register, value)),
    ...start,
    ...pushes,
    ...finish,
    ...retry,
    `${HOST.end}`,
  ];
  return lines.join('\n') + '\n';
}

/** The memory image as the model's $readmemh file: one hex byte per line from address 0. */
export function imageFile(image: MemoryImage): string {
  const segments = image.segments();
  const end = segments.length ? segments[segments.length - 1].addr + segments[segments.length - 1].data.length : 0;
  const bytes = new Uint8Array(end);
  for (const s of segments) bytes.set(s.data, s.addr);
  const lines: string[] = new Array<string>(end);
  for (let i = 0; i < end; i++) lines[i] = bytes[i].toString(16);
  return lines.join('\n') + '\n';
}

export function memoryPlusargs(m: MemoryBehaviour): string[] {
  const args = [`+mem_latency=${m.latency}`];
  if (m.randomSeed !== undefined) args.push(`+mem_random=${m.randomSeed}`);
  (m.errors ?? []).forEach((e, k) => args.push(`+mem_err${k}=${e.kind}:${e.base}:${e.size}`));
  return args;
}

export async function runProgram(model: CoreModel, sim: CompiledSim, run: ProgramRun): Promise<ProgramOutcome> {
  if (run.dump.base + run.dump.size > model.memory.modelBytes) {
    throw new RangeError(
      `the run reads back bytes up to ${run.dump.base + run.dump.size}; the memory model holds ${model.memory.modelBytes}`,
    );
  }
  const image = run.image;
  if (run.program.length) writeProgram(image, run.progAddr, run.program);
  const work = mkdtempSync(join(tmpdir(), 'trainforge-system-'));
  try {
    const files = {
      image: join(work, 'image.hex'),
      host: join(work, 'host.txt'),
      out: join(work, 'out.txt'),
      dump: join(work, 'dump.hex'),
    };
    writeFileSync(files.image, imageFile(image));
    writeFileSync(files.host, hostScript(run));
    const plusargs = [
      `+host=${files.host}`,
      `+out=${files.out}`,
      `+mem_image=${files.image}`,
      `+dump=${files.dump}`,
      `+dump_base=${run.dump.base}`,
      `+dump_size=${run.dump.size}`,
      ...memoryPlusargs(run.memory),
    ];
    const { file, args } = sim.invocation(plusargs);
    const result = await runLimited(`system simulation of ${sim.label}`, file, args, {
      limitMs: runLimitMs(sim.simulator, { cycles: run.budgetCycles, pes: sim.pes }),
    });
    if (result.exitCode !== 0) {
      throw new Error(
        `system simulation of ${sim.label} failed (${howItEnded(result)}, ${commandLine(file, args)}):\n${result.stdout}\n${result.stderr}`.trim(),
      );
    }
    if (!existsSync(files.out) || !existsSync(files.dump)) {
      throw new Error(
        `system simulation of ${sim.label} wrote no results (${commandLine(file, args)}):\n${result.stdout}\n${result.stderr}`.trim(),
      );
    }
    return parseOutcome(readFileSync(files.out, 'utf8'), readFileSync(files.dump, 'utf8'), run.dump.base);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function parseOutcome(text: string, dumpText: string, dumpBase: number): ProgramOutcome {
  const registers: Record<string, number> = {};
  const coreCommands: CoreCommandRun[] = [];
  let startCycle: number | undefined;
  let irqCycle: number | undefined;
  let idleCycle: number | undefined;
  const starts = new Set([registerOffset('CTRL'), registerOffset('DESC_PUSH')]);
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] === 'w') {
      if (Number(f[2]) !== 0) throw new Error(`the register write at 0x${f[1]} answered ${f[2]} (not OKAY)`);
      if (starts.has(parseInt(f[1], 16))) startCycle ??= Number(f[3]);
    } else if (f[0] === 'r') {
      const name = NAME_BY_OFFSET.get(parseInt(f[1], 16));
      if (!name) throw new Error(`the host read an unknown offset 0x${f[1]}`);
      if (Number(f[3]) !== 0) throw new Error(`the register read of ${name} answered ${f[3]} (not OKAY)`);
      registers[name] = parseInt(f[2], 16);
    } else if (f[0] === 'irq') {
      irqCycle = Number(f[1]);
    } else if (f[0] === 'idle') {
      idleCycle = Number(f[1]);
    } else if (f[0] === 'core') {
      coreCommands.push(parseCoreLine(f));
    }
  }
  if (startCycle === undefined || irqCycle === undefined || idleCycle === undefined)
    throw new Error(`the system testbench did not report the start and the interrupt:\n${text}`);
  const counter = (name: string) => (registers[`${name}_HI`] ?? 0) * 2 ** 32 + (registers[`${name}_LO`] ?? 0);
  const memory = new MemoryImage();
  const bytes = dumpText
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => parseInt(l, 16));
  memory.write(dumpBase, Uint8Array.from(bytes));
  return {
    endToEndCycles: irqCycle - startCycle,
    idleCycles: idleCycle - startCycle,
    coreCommands: coreCommands.sort((a, b) => a.seq - b.seq),
    registers,
    bytesRead: counter('BYTES_READ'),
    bytesWritten: counter('BYTES_WRITTEN'),
    faultCode: registers.FAULT_CODE,
    faultIndex: registers.FAULT_INDEX,
    memory,
  };
}
