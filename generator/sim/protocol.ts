/**
 * The testbench's file protocol (see testbench/tb_core.sv.hbs): commands with
 * their operand words go in, cycles and result words come out.
 */
import { OPCODES, type OpName } from '../elaborate/model.ts';

export interface HostCommand {
  op: OpName;
  batch: number;
  din: number;
  dout: number;
  wBase: number;
  xBase: number;
  dyBase: number;
  /** requantization shift of a move or update */
  shift?: number;
  /** stochastic rounding (else round to nearest even) */
  stochastic?: boolean;
  /** ReLU on a move to X */
  relu?: boolean;
  /** LFSR seed of a stochastic move or update */
  seed?: number;
  /** operand words of a load, row-major */
  data?: number[];
  /** number of result words of a read */
  readCount?: number;
}

/** A command with its cycle watchdog: the testbench stops when it runs longer. */
export interface BudgetedCommand extends HostCommand {
  cycleBudget: number;
}

export interface CommandResult {
  op: OpName;
  cycles: number;
  /** bits of the largest magnitude in the last compute's result */
  resultBits: number;
  /** result words of a read, as signed accumulator values */
  words: bigint[];
}

const OP_BY_CODE = new Map<number, OpName>(Object.entries(OPCODES).map(([name, code]) => [code, name as OpName]));

function hexWord(value: number, bits: number): string {
  const mask = (1n << BigInt(bits)) - 1n;
  return (BigInt(value) & mask).toString(16);
}

export function encodeCommands(commands: BudgetedCommand[], opBits: number): string {
  const lines: string[] = [];
  for (const c of commands) {
    const count = c.data?.length ?? c.readCount ?? 0;
    const flags = (c.stochastic ? 1 : 0) | (c.relu ? 2 : 0);
    if (!Number.isSafeInteger(c.cycleBudget) || c.cycleBudget <= 0 || c.cycleBudget >= 2 ** 31) {
      throw new Error(`command ${c.op}: cycle budget ${c.cycleBudget} is not a positive 32-bit count`);
    }
    const fields = [
      OPCODES[c.op],
      c.batch,
      c.din,
      c.dout,
      c.wBase,
      c.xBase,
      c.dyBase,
      c.shift ?? 0,
      flags,
      (c.seed ?? 0) >>> 0,
      count,
      c.cycleBudget,
    ];
    lines.push(fields.join(' '));
    if (c.data) {
      for (let i = 0; i < c.data.length; i += 16) {
        lines.push(
          c.data
            .slice(i, i + 16)
            .map((v) => hexWord(v, opBits))
            .join(' '),
        );
      }
    }
  }
  return lines.join('\n') + '\n';
}

export function parseResults(text: string, accBits: number): CommandResult[] {
  const results: CommandResult[] = [];
  let words: bigint[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    if (line.startsWith('cycles ')) {
      const [, code, cycles, bits] = line.split(/\s+/);
      const op = OP_BY_CODE.get(Number(code));
      if (!op) throw new Error(`simulation output names an unknown command ${code}`);
      results.push({ op, cycles: Number(cycles), resultBits: Number(bits ?? 0), words });
      words = [];
    } else if (/^[0-9a-f]+$/i.test(line)) {
      words.push(BigInt.asIntN(accBits, BigInt(`0x${line}`)));
    } else {
      // x or z digits: Icarus saw an undefined value
      throw new Error(`simulation output has an undefined value "${line}" (X/Z from Icarus?)`);
    }
  }
  return results;
}
