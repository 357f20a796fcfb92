/**
 * Simulator runners: compile a generated design with its testbench on Icarus
 * Verilog or Verilator (once per design content: the build is cached under
 * .cache/sim by a hash of every source), then run it on a stimulus file.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CoreModel } from '../elaborate/model.ts';
import { renderCore, renderSystemTestbench, renderTestbench, verificationIp } from '../render/render.ts';
import { UserError } from '../util/errors.ts';
import { ICARUS_OPTIONS, SYSTEM_TESTBENCH_TOP, TESTBENCH_TOP, VERILATOR_SIM_OPTIONS, VERILATOR_TRACE_OPTIONS } from './flags.ts';
import { buildLimitMs, commandLine, howItEnded, onPath, runLimited, runLimitMs, withBuildLock, type SimWork } from './limits.ts';

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
  /**
   * The same build, whose runs also write a VCD waveform to `vcdPath` (a build
   * made with `waves: true`). Recording every signal slows a run down, so its
   * wall-clock limit is WAVES_SLOWDOWN times longer.
   */
  withWaves(vcdPath: string): CompiledSim;
}

/** How much longer a run that records a waveform may take. */
const WAVES_SLOWDOWN = 4;

function designHash(flavour: string, sources: Map<string, string>): string {
  const h = createHash('sha256');
  h.update(`trainforge-sim-v2\0${flavour}\0`);
  for (const [name, text] of sources) h.update(`${name}\0${text}\0`);
  return h.digest('hex').slice(0, 20);
}

function buildCommand(
  simulator: SimulatorName,
  top: string,
  dir: string,
  files: string[],
  waves: boolean,
): { file: string; args: string[] } {
  if (simulator === 'icarus') {
    // Icarus writes a waveform from any build: the waves build is the same program
    return { file: 'iverilog', args: [...ICARUS_OPTIONS, '-s', top, '-o', join(dir, 'sim.vvp'), ...files] };
  }
  // One make job: the build holds one of the machine's simulator slots.
  return {
    file: 'verilator',
    args: [
      '--binary',
      ...VERILATOR_SIM_OPTIONS,
      ...(waves ? VERILATOR_TRACE_OPTIONS : []),
      '-j',
      '1',
      '--top-module',
      top,
      '--Mdir',
      join(dir, 'obj'),
      '-o',
      'simv',
      ...files,
    ],
  };
}

export interface CompileOptions {
  /**
   * A build that can write a waveform (+waves=FILE). On Verilator that is a
   * separate build with tracing compiled in, cached beside the ordinary one;
   * on Icarus it is the ordinary build.
   */
  waves?: boolean;
  /**
   * 'core' (default): tb_core drives the core's ports. 'system': tb_system
   * drives the system top through AXI4-Lite, with the AXI4 memory model and
   * the protocol checkers. Or another testbench: its top module and its files
   * (name -> text), compiled with the design's modules.
   */
  bench?: 'core' | 'system' | { top: string; files: Map<string, string> };
}

/** The testbench's top module of each bench. */
const BENCH_TOP = { core: TESTBENCH_TOP, system: SYSTEM_TESTBENCH_TOP } as const;

/**
 * Compiles the design and testbench for one simulator, or reuses the cached
 * build for the same sources. Concurrent callers each build into a private
 * folder and the first rename wins. The build runs in a slot, under a
 * wall-clock limit that grows with the array.
 */
export async function compileDesign(model: CoreModel, simulator: SimulatorName, options: CompileOptions = {}): Promise<CompiledSim> {
  const bench = options.bench ?? 'core';
  const top = typeof bench === 'string' ? BENCH_TOP[bench] : bench.top;
  const sources = new Map(renderCore(model));
  if (bench === 'system') {
    for (const [file, text] of verificationIp()) sources.set(file, text);
    sources.set(`${top}.sv`, renderSystemTestbench(model));
  } else if (bench === 'core') {
    sources.set(`${top}.sv`, renderTestbench(model));
  } else {
    for (const [name, text] of bench.files) sources.set(name, text);
  }
  const traced = simulator === 'verilator' && options.waves === true;
  const benchTag = bench === 'core' ? '' : `${bench === 'system' ? 'system' : top}-`;
  const flavour = `${benchTag}${traced ? `${simulator}-trace` : simulator}`;
  const dir = join(SIM_CACHE_DIR, `${flavour}-${model.name}-${designHash(flavour, sources)}`);
  const binary = simulator === 'icarus' ? join(dir, 'sim.vvp') : join(dir, 'obj', 'simv');
  const label = `${model.name} (${model.rows}x${model.cols}${model.sparse ? ', zero-skipping' : ''}) on ${simulator}${traced ? ' (traced build)' : ''}`;
  const pes = model.rows * model.cols;
  const cached = existsSync(binary);
  for (const tool of SIMULATOR_TOOLS[simulator]) requireTool(tool);
  if (!cached) {
    // one process builds, others wanting the same build wait for it (test files run in parallel workers)
    mkdirSync(SIM_CACHE_DIR, { recursive: true });
    await withBuildLock(`${dir}.lock`, async () => {
      if (existsSync(binary)) return;
      const tmp = `${dir}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
      mkdirSync(tmp, { recursive: true });
      const files: string[] = [];
      for (const [name, text] of sources) {
        writeFileSync(join(tmp, name), text);
        files.push(join(tmp, name));
      }
      const { file, args } = buildCommand(simulator, top, tmp, files, traced);
      try {
        const result = await runLimited(`build of ${label}`, file, args, { cwd: tmp, limitMs: buildLimitMs(simulator, pes) });
        if (result.exitCode !== 0) {
          throw new Error(
            `build of ${label} failed (${howItEnded(result)}, ${commandLine(file, args)}):\n${result.stderr || result.stdout}`,
          );
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
    });
  }
  const make = (extra: string[], slowdown: number): CompiledSim => {
    const invocation = (plusargs: string[]) => {
      const all = [...plusargs, ...extra];
      return simulator === 'icarus' ? { file: 'vvp', args: ['-n', binary, ...all] } : { file: binary, args: all };
    };
    return {
      simulator,
      dir,
      cached,
      label,
      pes,
      invocation,
      withWaves(vcdPath) {
        if (simulator === 'verilator' && !traced) throw new Error(`${label}: a waveform needs a build made with waves: true`);
        return make([...extra, `+waves=${vcdPath}`], WAVES_SLOWDOWN);
      },
      async run(stimulusPath, resultPath, work) {
        const { file, args } = invocation([`+in=${stimulusPath}`, `+out=${resultPath}`]);
        const simWork: SimWork = { cycles: work.cycles, pes };
        const result = await runLimited(`simulation of ${label}`, file, args, { limitMs: slowdown * runLimitMs(simulator, simWork) });
        if (result.exitCode !== 0) {
          throw new Error(
            `simulation of ${label} failed (${howItEnded(result)}, ${commandLine(file, args)}):\n${result.stdout}\n${result.stderr}`.trim(),
          );
        }
      },
    };
  };
  return make([], 1);
}
