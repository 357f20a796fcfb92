/**
 * Lint (Verilator -Wall) and synthesis (Yosys) of a generated design.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withDesignOnDisk, type Design } from '../pipeline.ts';
import { requireTool } from '../sim/simulators.ts';
import { runLimited } from '../sim/limits.ts';
import { CombinationalLoopError, netlistMetrics, type NetlistMetrics, type YosysModule } from './netlist.ts';

/** Lint and synthesis time grows with the array; these limits only catch a tool that hangs. */
const lintLimitMs = (pes: number) => 120_000 + 2_000 * pes;
const synthLimitMs = (pes: number) => 600_000 + 30_000 * pes;

export interface LintReport {
  clean: boolean;
  /** Verilator's warnings and errors, one per entry */
  messages: string[];
}

/** Lints the design under its system top, which instantiates every generated module (Verilator only reports on the hierarchy under its top). */
export async function lintDesign(design: Design): Promise<LintReport> {
  requireTool('verilator');
  return withDesignOnDisk(design, async (_dir, verilog) => {
    const pes = design.model.rows * design.model.cols;
    let clean = true;
    const messages: string[] = [];
    for (const top of [design.model.systemTop]) {
      const result = await runLimited(`lint of ${top}`, 'verilator', ['--lint-only', '-Wall', '--top-module', top, ...verilog], {
        limitMs: lintLimitMs(pes),
      });
      const found = result.stderr
        .split('\n')
        .filter((line) => /^%(Warning|Error)/.test(line) && !line.startsWith('%Error: Exiting due to'));
      clean &&= result.exitCode === 0 && found.length === 0;
      messages.push(...found);
    }
    return { clean, messages };
  });
}

export interface SynthReport {
  pass: boolean;
  top: string;
  /** logic cells after techmap and abc, memories counted as one cell each */
  cells: number;
  /** cell count by type */
  cellTypes: Record<string, number>;
  /** memories kept as $mem cells (SRAM macros or block RAM in a real flow) */
  memories: number;
  /** bits in those memories, counted by Yosys: the sum of SIZE x WIDTH over its $mem cells */
  memoryBits: number;
  latches: number;
  /** the most cell input pins (plus output ports) one net bit drives, the clock and reset apart (see tools/netlist.ts) */
  maxFanout: number;
  /** that net bit, by its Yosys name after flattening */
  maxFanoutNet: string | null;
  /** gate cells on the longest path between ports, flip-flops and memories (memories cut paths like an SRAM macro) */
  logicDepth: number;
  /** where that path starts and ends: a port, a register (its output net) or a memory pin */
  logicDepthPath: { from: string; to: string } | null;
  /** Yosys's own error text (or the combinational loop) when pass is false */
  error?: string;
}

/** The clock and reset ports of every generated core: not data, so no path starts at them and their fanout is not counted. */
const CLOCK_AND_RESET = ['clk_i', 'rst_ni'];

/**
 * Yosys synthesis: the generic `synth` flow, except that memories stay memories
 * (as an SRAM macro or block RAM would) instead of being blown up into flops.
 * Fails on latches, on combinational loops and on `check -assert` problems
 * (undriven nets, multiple drivers).
 */
export async function synthDesign(design: Design, top = design.model.top): Promise<SynthReport> {
  requireTool('yosys');
  const pes = design.model.rows * design.model.cols;
  return withDesignOnDisk(design, (dir, verilog) => synthVerilog(dir, verilog, top, { label: top, limitMs: synthLimitMs(pes) }));
}

/** The synthesis of synthDesign on Verilog files already on disk; `dir` takes Yosys's scratch files. */
export async function synthVerilog(
  dir: string,
  verilog: string[],
  top: string,
  opts: { label: string; limitMs: number },
): Promise<SynthReport> {
  requireTool('yosys');
  const script = [
    `read_verilog -defer ${verilog.join(' ')}`,
    `hierarchy -check -top ${top}`,
    // up to fine: memory -nomap keeps the memories as $mem cells
    `synth -top ${top} -run begin:fine`,
    'opt -fast -full',
    'techmap',
    'opt -fast',
    'abc -fast',
    'opt_clean',
    'flatten',
    'opt_clean',
    // the flattened gate netlist, for fanout and logic depth (before the check, to name a loop it finds)
    `write_json ${join(dir, 'netlist.json')}`,
    'check -assert',
    `tee -o ${join(dir, 'stat.json')} stat -json`,
    // the memory cells with their parameters, for the bit count
    `tee -q -o ${join(dir, 'memories.il')} dump t:$mem*`,
  ].join('\n');
  const scriptPath = join(dir, 'synth.ys');
  writeFileSync(scriptPath, script + '\n');
  const failed = (error: string): SynthReport => ({
    pass: false,
    top,
    cells: 0,
    cellTypes: {},
    memories: 0,
    memoryBits: 0,
    latches: 0,
    maxFanout: 0,
    maxFanoutNet: null,
    logicDepth: 0,
    logicDepthPath: null,
    error,
  });
  const netlistPath = join(dir, 'netlist.json');
  const metricsOf = (): NetlistMetrics => {
    const netlist = JSON.parse(readFileSync(netlistPath, 'utf8')) as { modules: Record<string, YosysModule> };
    return netlistMetrics(netlist.modules[top] ?? Object.values(netlist.modules)[0], CLOCK_AND_RESET);
  };
  const result = await runLimited(`synthesis of ${opts.label}`, 'yosys', ['-q', '-s', scriptPath], { cwd: dir, limitMs: opts.limitMs });
  if (result.exitCode !== 0) {
    const error = (result.stderr || result.stdout)
      .split('\n')
      .filter((l) => /ERROR|Error|error/.test(l))
      .join('\n');
    // check -assert fails on a combinational loop among other things: name the loop's nets
    if (existsSync(netlistPath)) {
      try {
        metricsOf();
      } catch (err) {
        if (err instanceof CombinationalLoopError) return failed(`${err.message}; yosys: ${error}`);
      }
    }
    return failed(error || 'yosys failed');
  }
  const stat = JSON.parse(readFileSync(join(dir, 'stat.json'), 'utf8')) as {
    modules: Record<string, { num_cells: number; num_cells_by_type: Record<string, number> }>;
  };
  const module = stat.modules[`\\${top}`] ?? Object.values(stat.modules)[0];
  const cellTypes = module.num_cells_by_type;
  const latches = Object.entries(cellTypes)
    .filter(([type]) => /latch|\$_SR_|\$sr\b/i.test(type))
    .reduce((sum, [, n]) => sum + n, 0);
  const memories = Object.entries(cellTypes)
    .filter(([type]) => type.startsWith('$mem'))
    .reduce((sum, [, n]) => sum + n, 0);
  let metrics: NetlistMetrics;
  try {
    metrics = metricsOf();
  } catch (err) {
    if (err instanceof CombinationalLoopError) return failed(err.message);
    throw err;
  }
  return {
    pass: latches === 0,
    top,
    cells: module.num_cells,
    cellTypes,
    memories,
    memoryBits: yosysMemoryBits(readFileSync(join(dir, 'memories.il'), 'utf8')),
    latches,
    ...metrics,
    error: latches ? `${latches} latch cells inferred` : undefined,
  };
}

/**
 * Bits of the $mem cells in a Yosys RTLIL dump: SIZE x WIDTH summed over the
 * cells (the parameters follow each `cell $mem...` line).
 */
export function yosysMemoryBits(rtlil: string): number {
  let bits = 0;
  for (const cell of rtlil.split(/^\s*cell\s+/m).slice(1)) {
    if (!cell.startsWith('$mem')) continue;
    const size = /^\s*parameter\s+(?:signed\s+)?\\SIZE\s+(\d+)\s*$/m.exec(cell);
    const width = /^\s*parameter\s+(?:signed\s+)?\\WIDTH\s+(\d+)\s*$/m.exec(cell);
    if (!size || !width) throw new Error(`yosys memory cell without a SIZE or WIDTH parameter: ${cell.split('\n')[0]}`);
    bits += Number(size[1]) * Number(width[1]);
  }
  return bits;
}

/** Storage bits of the operand, local and result memories, from the elaborated model. */
export function memoryBits(design: Design): number {
  const m = design.model;
  const weight = m.weight.banks * m.weight.depth * m.opBits;
  if (!m.sparse) {
    const operand = [m.activation, m.error].reduce((sum, b) => sum + b.banks * b.depth * m.opBits, weight);
    return operand + m.result.depth * m.result.wordBits;
  }
  const s = m.sparse;
  const wordBits = s.scanWidth * m.opBits;
  // X by rows (and by columns on square arrays), dY by rows and by columns
  const activationStores = s.wgTransposed ? 2 : 1;
  const stores = m.rows * wordBits * (activationStores * s.activationStore.depth + 2 * s.errorStore.depth);
  const bStores = m.rows * s.bStoreDepth * m.cols * m.opBits;
  const resultBanks = m.rows * s.resultBankDepth * m.cols * m.accBits;
  return weight + stores + bStores + resultBanks;
}
