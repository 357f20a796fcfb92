/**
 * Simulator runners: compile a generated design with its testbench on Icarus
 * Verilog or Verilator (once per design content: the build is cached under
 * .cache/sim by a hash of every source), then run it on a stimulus file.
 */
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CoreModel } from '../elaborate/model.ts';
import { renderCore, renderTestbench } from '../render/render.ts';
import { UserError } from '../util/errors.ts';

export type SimulatorName = 'icarus' | 'verilator';
export const SIMULATORS: readonly SimulatorName[] = ['verilator', 'icarus'];

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SIM_CACHE_DIR = process.env.TRAINFORGE_CACHE ?? join(REPO_ROOT, '.cache', 'sim');

const TOOL_PACKAGES: Record<SimulatorName, { command: string; pkg: string }> = {
  icarus: { command: 'iverilog', pkg: 'iverilog' },
  verilator: { command: 'verilator', pkg: 'verilator' },
};

/** Fails with a message naming the Debian package when a tool is missing. */
export async function requireTool(command: string, pkg: string): Promise<void> {
  try {
    await execa(command, ['-V'], { reject: false, timeout: 20_000 });
  } catch {
    throw new UserError(`${command} is not installed: install the Debian package ${pkg} (apt-get install -y ${pkg}), or run npm run setup`);
  }
}

export interface CompiledSim {
  simulator: SimulatorName;
  dir: string;
  /** true when this call reused an earlier build */
  cached: boolean;
  run(stimulusPath: string, resultPath: string, maxCycles?: number): Promise<void>;
  /** the program and arguments that run the simulation with these plusargs */
  invocation(plusargs: string[]): { file: string; args: string[] };
}

function designHash(simulator: SimulatorName, sources: Map<string, string>): string {
  const h = createHash('sha256');
  h.update(`trainforge-sim-v1\0${simulator}\0`);
  for (const [name, text] of sources) h.update(`${name}\0${text}\0`);
  return h.digest('hex').slice(0, 20);
}

async function build(simulator: SimulatorName, dir: string, files: string[]): Promise<void> {
  if (simulator === 'icarus') {
    await execa('iverilog', ['-g2012', '-s', 'tb_core', '-o', join(dir, 'sim.vvp'), ...files], { cwd: dir });
  } else {
    // Warnings stay visible but do not stop the build: the design itself is
    // linted with -Wall separately (trainforge lint); the testbench is not RTL.
    await execa(
      'verilator',
      ['--binary', '--timing', '-Wno-fatal', '-Wno-lint', '-Wno-style', '-O2', '-j', '2', '--top-module', 'tb_core', '--Mdir', join(dir, 'obj'), '-o', 'simv', ...files],
      { cwd: dir },
    );
  }
}

/**
 * Compiles the design and testbench for one simulator, or reuses the cached
 * build for the same sources. Concurrent callers each build into a private
 * folder and the first rename wins.
 */
export async function compileDesign(model: CoreModel, simulator: SimulatorName): Promise<CompiledSim> {
  const sources = new Map(renderCore(model));
  sources.set('tb_core.sv', renderTestbench(model));
  const dir = join(SIM_CACHE_DIR, `${simulator}-${model.name}-${designHash(simulator, sources)}`);
  const binary = simulator === 'icarus' ? join(dir, 'sim.vvp') : join(dir, 'obj', 'simv');
  let cached = existsSync(binary);
  if (!cached) {
    const { command, pkg } = TOOL_PACKAGES[simulator];
    await requireTool(command, pkg);
    const tmp = `${dir}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    mkdirSync(tmp, { recursive: true });
    const files: string[] = [];
    for (const [name, text] of sources) {
      writeFileSync(join(tmp, name), text);
      files.push(join(tmp, name));
    }
    try {
      await build(simulator, tmp, files);
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      throw new Error(`${simulator} build of ${model.top} failed:\n${(err as { stderr?: string }).stderr ?? String(err)}`);
    }
    // Verilator bakes absolute paths into its makefiles only; the binary moves freely.
    try {
      renameSync(tmp, dir);
    } catch {
      rmSync(tmp, { recursive: true, force: true }); // another process finished first
    }
    cached = false;
  }
  return {
    simulator,
    dir,
    cached,
    invocation(plusargs) {
      return simulator === 'icarus' ? { file: 'vvp', args: ['-n', binary, ...plusargs] } : { file: binary, args: plusargs };
    },
    async run(stimulusPath, resultPath, maxCycles = 50_000_000) {
      const plusargs = [`+in=${stimulusPath}`, `+out=${resultPath}`, `+max_cycles=${maxCycles}`];
      const result =
        simulator === 'icarus'
          ? await execa('vvp', ['-n', binary, ...plusargs], { reject: false })
          : await execa(binary, plusargs, { reject: false });
      if (result.exitCode !== 0) {
        throw new Error(`${simulator} run failed (exit ${result.exitCode}):\n${result.stdout}\n${result.stderr}`.trim());
      }
    },
  };
}
