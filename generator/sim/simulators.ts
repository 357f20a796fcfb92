/**
 * Simulator runners: compile a generated design with its testbench on Icarus
 * Verilog or Verilator (once per design content: the build is cached under
 * .cache/sim by a hash of every source), then run it on a stimulus file.
 */
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CoreModel } from '../elaborate/model.ts';
import { renderCore, renderTestbench } from '../render/render.ts';
import { UserError } from '../util/errors.ts';
import { buildLimitMs, commandLine, howItEnded, runLimited, runLimitMs, type SimWork } from './limits.ts';

export type SimulatorName = 'icarus' | 'verilator';
export const SIMULATORS: readonly SimulatorName[] = ['verilator', 'icarus'];

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SIM_CACHE_DIR = process.env.TRAINFORGE_CACHE ?? join(REPO_ROOT, '.cache', 'sim');

/** The programs each simulator needs: the compiler and, for Icarus, its runtime. */
const SIMULATOR_TOOLS: Record<SimulatorName, string[]> = { icarus: ['iverilog', 'vvp'], verilator: ['verilator'] };

/** The Debian package of each external tool trainforge runs. */
const TOOL_PACKAGES: Record<string, string> = {
  iverilog: 'iverilog',
  vvp: 'iverilog',
  verilator: 'verilator',
  yosys: 'yosys',
  'nextpnr-ice40': 'nextpnr-ice40',
};

/** True when `command` is an executable file on PATH. */
export function onPath(command: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      // not in this folder
    }
  }
  return false;
}

/** Fails with one line naming the Debian package when a tool is not on PATH. */
export function requireTool(command: string): void {
  if (onPath(command)) return;
  const pkg = TOOL_PACKAGES[command] ?? command;
  throw new UserError(
    `${command} is not installed (not found on PATH): install the Debian package ${pkg} (apt-get install -y ${pkg}), or run npm run setup`,
  );
}

export interface CompiledSim {
  simulator: SimulatorName;
  dir: string;
  /** true when this call reused an earlier build */
  cached: boolean;
  /**
   * Runs the stimulus file and writes the result file. `work` (the cycles the
   * cycle model predicts) sets the wall-clock limit; a run past it is killed.
   */
  run(stimulusPath: string, resultPath: string, work: { cycles: number }): Promise<void>;
  /** the program and arguments that run the simulation with these plusargs */
  invocation(plusargs: string[]): { file: string; args: string[] };
  /** what to call this design and simulator in messages */
  label: string;
  pes: number;
}

function designHash(simulator: SimulatorName, sources: Map<string, string>): string {
  const h = createHash('sha256');
  h.update(`trainforge-sim-v2\0${simulator}\0`);
  for (const [name, text] of sources) h.update(`${name}\0${text}\0`);
  return h.digest('hex').slice(0, 20);
}

function buildCommand(simulator: SimulatorName, dir: string, files: string[]): { file: string; args: string[] } {
  if (simulator === 'icarus') return { file: 'iverilog', args: ['-g2012', '-s', 'tb_core', '-o', join(dir, 'sim.vvp'), ...files] };
  // Warnings stay visible but do not stop the build: the design itself is
  // linted with -Wall separately (trainforge lint); the testbench is not RTL.
  // One make job: the build holds one of the machine's simulator slots.
  return {
    file: 'verilator',
    args: [
      '--binary',
      '--timing',
      '-Wno-fatal',
      '-Wno-lint',
      '-Wno-style',
      '-O2',
      '-j',
      '1',
      '--top-module',
      'tb_core',
      '--Mdir',
      join(dir, 'obj'),
      '-o',
      'simv',
      ...files,
    ],
  };
}

/**
 * Compiles the design and testbench for one simulator, or reuses the cached
 * build for the same sources. Concurrent callers each build into a private
 * folder and the first rename wins. The build runs in a slot, under a
 * wall-clock limit that grows with the array.
 */
export async function compileDesign(model: CoreModel, simulator: SimulatorName): Promise<CompiledSim> {
  const sources = new Map(renderCore(model));
  sources.set('tb_core.sv', renderTestbench(model));
  const dir = join(SIM_CACHE_DIR, `${simulator}-${model.name}-${designHash(simulator, sources)}`);
  const binary = simulator === 'icarus' ? join(dir, 'sim.vvp') : join(dir, 'obj', 'simv');
  const label = `${model.name} (${model.rows}x${model.cols}${model.sparse ? ', zero-skipping' : ''}) on ${simulator}`;
  const pes = model.rows * model.cols;
  const cached = existsSync(binary);
  for (const tool of SIMULATOR_TOOLS[simulator]) requireTool(tool);
  if (!cached) {
    const tmp = `${dir}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    mkdirSync(tmp, { recursive: true });
    const files: string[] = [];
    for (const [name, text] of sources) {
      writeFileSync(join(tmp, name), text);
      files.push(join(tmp, name));
    }
    const { file, args } = buildCommand(simulator, tmp, files);
    try {
      const result = await runLimited(`build of ${label}`, file, args, { cwd: tmp, limitMs: buildLimitMs(simulator, pes) });
      if (result.exitCode !== 0) {
        throw new Error(`build of ${label} failed (${howItEnded(result)}, ${commandLine(file, args)}):\n${result.stderr || result.stdout}`);
      }
      // Verilator bakes absolute paths into its makefiles only; the binary moves freely.
      try {
        renameSync(tmp, dir);
      } catch {
        rmSync(tmp, { recursive: true, force: true }); // another process finished first
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  const invocation = (plusargs: string[]) =>
    simulator === 'icarus' ? { file: 'vvp', args: ['-n', binary, ...plusargs] } : { file: binary, args: plusargs };
  return {
    simulator,
    dir,
    cached,
    label,
    pes,
    invocation,
    async run(stimulusPath, resultPath, work) {
      const { file, args } = invocation([`+in=${stimulusPath}`, `+out=${resultPath}`]);
      const simWork: SimWork = { cycles: work.cycles, pes };
      const result = await runLimited(`simulation of ${label}`, file, args, { limitMs: runLimitMs(simulator, simWork) });
      if (result.exitCode !== 0) {
        throw new Error(
          `simulation of ${label} failed (${howItEnded(result)}, ${commandLine(file, args)}):\n${result.stdout}\n${result.stderr}`.trim(),
        );
      }
    },
  };
}
