/**
 * The system testbench (testbench/tb_system.sv.hbs) kept up for a whole run,
 * driven by a host program: its script is a named pipe, so the host sends a
 * group of actions (AXI4-Lite register writes and reads, waits for the
 * interrupt, backdoor reads and writes of memory), waits for their answers,
 * decides, and sends the next group. The memory image is loaded at the start.
 *
 * Every action answers with exactly one line; the testbench also reports, in
 * between, one "core OP CYCLES BITS" line per core command and one "desc
 * CYCLE" line per finished descriptor, which come back with the group's
 * answers in the order they happened.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CoreModel } from '../elaborate/model.ts';
import { registerOffset } from '../elaborate/regmap.ts';
import type { MemoryImage } from '../golden/traffic.ts';
import { runLimitMs } from './limits.ts';
import { PipeSimulation } from './session.ts';
import type { CompiledSim } from './simulators.ts';
import { HOST, imageFile, memoryPlusargs, parseCoreLine, type CoreCommandRun, type MemoryBehaviour } from './system.ts';

/** One host action: a line of the testbench's script. */
export type HostAction = string & { readonly hostAction: true };

const action = (text: string) => text as HostAction;
const hex = (value: number) => {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`a host action needs a non-negative integer, got ${value}`);
  return value.toString(16);
};

/** AXI4-Lite write of a register (by name); answers "w OFFSET RESP CYCLE". */
export function writeRegister(name: string, value: number): HostAction {
  return action(`${HOST.write} ${hex(registerOffset(name))} ${hex(value >>> 0)}`);
}

/** AXI4-Lite read of a register; answers "r OFFSET VALUE RESP". */
export function readRegister(name: string): HostAction {
  return action(`${HOST.read} ${hex(registerOffset(name))}`);
}

/** Waits for irq_o, at most `budget` cycles (else the testbench stops); answers "irq CYCLE". */
export function waitInterrupt(budget: number): HostAction {
  return action(`${HOST.waitIrq} ${Math.ceil(budget)}`);
}

/** Backdoor read of `count` bytes of memory; answers "m ADDR BYTES". */
export function readMemory(addr: number, count: number): HostAction {
  if (!(count >= 1)) throw new RangeError(`a memory read needs at least one byte, got ${count}`);
  return action(`${HOST.memRead} ${hex(addr)} ${count}`);
}

/** Backdoor write of bytes into memory; answers "mw ADDR N". */
export function writeMemory(addr: number, bytes: Uint8Array): HostAction {
  if (bytes.length === 0) throw new RangeError('a memory write needs at least one byte');
  return action(`${HOST.memWrite} ${hex(addr)} ${bytes.length} ${Array.from(bytes, (b) => b.toString(16)).join(' ')}`);
}

/** The current cycle; answers "t CYCLE". */
export function currentCycle(): HostAction {
  return action(`${HOST.now}`);
}

/** What a group of actions brought back. */
export interface SystemAnswers {
  /** each action's answer line, split into fields, in the order of the actions */
  answers: string[][];
  /** the core commands that finished meanwhile */
  core: CoreCommandRun[];
  /** the last cycle of each descriptor that finished meanwhile */
  descriptors: number[];
}

/** The number of answer lines (not "core" or "desc" lines) in `text`, and where the n-th one ends. */
function answerEnd(text: string, wanted: number): number {
  let seen = 0;
  let at = 0;
  while (seen < wanted) {
    const nl = text.indexOf('\n', at);
    if (nl < 0) return 0;
    const line = text.slice(at, nl);
    if (!line.startsWith('core ') && !line.startsWith('desc ')) seen++;
    at = nl + 1;
  }
  return at;
}

/** Reads a "m ADDR BYTES" answer's bytes. */
export function memoryAnswerBytes(fields: readonly string[], count: number): Uint8Array {
  const text = fields[2] ?? '';
  if (fields[0] !== 'm' || text.length !== 2 * count) throw new Error(`expected ${count} bytes of memory, got: ${fields.join(' ')}`);
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export class SystemSession {
  private constructor(
    readonly model: CoreModel,
    private readonly pipe: PipeSimulation,
  ) {}

  /** Starts tb_system (a build made with bench: 'system') with `image` in the memory model, its script and answers through named pipes. */
  static async start(model: CoreModel, compiled: CompiledSim, image: MemoryImage, memory: MemoryBehaviour): Promise<SystemSession> {
    const pipe = await PipeSimulation.start(compiled, ({ dir, toSim, fromSim }) => {
      const imagePath = join(dir, 'image.hex');
      writeFileSync(imagePath, imageFile(image));
      return [`+host=${toSim}`, `+out=${fromSim}`, `+mem_image=${imagePath}`, ...memoryPlusargs(memory)];
    });
    return new SystemSession(model, pipe);
  }

  /**
   * Sends the actions and waits for all their answers. `budgetCycles` (the
   * most cycles they may simulate) and `bytes` (backdoor bytes they move) set
   * the wall-clock limit; `what` names them if it passes. A register access
   * that does not answer OKAY fails here.
   */
  async run(actions: readonly HostAction[], budgetCycles: number, what: string, bytes = 0): Promise<SystemAnswers> {
    if (actions.length === 0) return { answers: [], core: [], descriptors: [] };
    const compiled = this.pipe.compiled;
    // a backdoor byte costs the simulator a task call and a formatted write; Icarus is the slower
    const limitMs =
      runLimitMs(compiled.simulator, { cycles: budgetCycles, pes: compiled.pes }) + bytes / (compiled.simulator === 'icarus' ? 20 : 500);
    const text = await this.pipe.exchange(actions.join('\n') + '\n', (buffer) => answerEnd(buffer, actions.length), limitMs, what);
    const out: SystemAnswers = { answers: [], core: [], descriptors: [] };
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const f = line.trim().split(/\s+/);
      if (f[0] === 'core') out.core.push(parseCoreLine(f));
      else if (f[0] === 'desc') out.descriptors.push(Number(f[1]));
      else {
        if (f[0] === 'w' && Number(f[2]) !== 0) throw new Error(`${what}: the register write at 0x${f[1]} answered ${f[2]} (not OKAY)`);
        if (f[0] === 'r' && Number(f[3]) !== 0) throw new Error(`${what}: the register read at 0x${f[1]} answered ${f[3]} (not OKAY)`);
        out.answers.push(f);
      }
    }
    if (out.answers.length !== actions.length) throw new Error(`${what}: ${actions.length} actions, ${out.answers.length} answers`);
    return out;
  }

  async close(): Promise<void> {
    await this.pipe.close();
  }
}
