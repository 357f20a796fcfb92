/**
 * One simulated training step: random operands from a seed, the RTL on a
 * simulator, the golden model beside it, and the figures a user asks for.
 */
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, readFileSync, renameSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Design } from '../pipeline.ts';
import { coreShape, layerFitProblems, type CoreModel } from '../elaborate/model.ts';
import { countEffectualMacs, countMacs, gemmShape } from '../golden/gemm.ts';
import { idealCycles, predictComputeCycles, sparseWork } from '../golden/cycles.ts';
import { programCommands, systemCycles } from '../golden/system-cycles.ts';
import { randomMatrix } from '../golden/operands.ts';
import { makeRng } from '../golden/rng.ts';
import { compileDesign, type CompiledSim, type SimulatorName } from '../sim/simulators.ts';
import { runStepThroughMemory, type MemoryStepOutcome } from '../sim/memory-step.ts';
import { verifyLayers } from '../sim/verify.ts';
import { UserError } from '../util/errors.ts';
import { STEP_OPERANDS, type LayerDims, type Operands, type Step } from '../types.ts';

export interface SimRequest {
  step: Step;
  dims: LayerDims;
  density: number;
  seed: number;
  simulator: SimulatorName;
  /** write a VCD waveform of the run to this file */
  waves?: string;
  /** the run through memory: the memory model's latency and random mode, compressed X and dY */
  memory?: { latency: number; randomSeed?: number; compressed: boolean };
}

export interface SimReport {
  pass: boolean;
  design: string;
  step: Step;
  batch: number;
  din: number;
  dout: number;
  density: number;
  seed: number;
  simulator: SimulatorName;
  /** measured compute cycles, from command acceptance to done, operands on chip */
  cycles: number;
  modelCycles: number;
  /** measured cycles to load the two operands and read the result back */
  transferCycles: number;
  macs: number;
  /** products with both factors nonzero */
  effectualMacs: number;
  /** products the core never computes because the sparse operand is zero (0 on the dense core) */
  skippedMacs: number;
  idealCycles: number;
  /** idealCycles / cycles: above 1 when zero skipping beats the dense bound */
  utilization: number;
  /** effectual products per PE per cycle */
  effectualUtilization: number;
  mismatches: string[];
  /**
   * The same step through memory (the system top, the AXI4 memory model):
   * cycles from starting the program (load the operands, compute, store the
   * result) to its interrupt, and the bytes on the bus (the core's counters)
   */
  endToEndCycles: number;
  /** the end-to-end cycle model (generator/golden/system-cycles.ts); null in the random memory mode */
  modelEndToEndCycles: number | null;
  bytesRead: number;
  bytesWritten: number;
  /** the traffic model's bytes (equal to the counters, or the run does not pass) */
  modelBytesRead: number;
  modelBytesWritten: number;
  memoryLatency: number;
  memoryRandomSeed: number | null;
  compressed: boolean;
}

export interface SimOutcome {
  report: SimReport;
  operands: Operands;
  result: bigint[][];
  /** the testbench's stimulus file of the run (+in=FILE): commands and operand words */
  stimulus: string;
}

/** X and dY get the requested density of nonzeros; W is dense. */
export function makeOperands(dims: LayerDims, opBits: number, density: number, seed: number): Operands {
  const rng = makeRng(seed);
  return {
    X: randomMatrix(rng, dims.batch, dims.din, opBits, density),
    W: randomMatrix(rng, dims.dout, dims.din, opBits, 1),
    dY: randomMatrix(rng, dims.batch, dims.dout, opBits, density),
  };
}

export function checkLayerFits(design: Design, dims: LayerDims, steps: readonly Step[]): void {
  const tensors = [...new Set(steps.flatMap((s) => STEP_OPERANDS[s]))];
  const problems = layerFitProblems(
    design.model,
    dims,
    tensors,
    steps.map((s) => gemmShape(s, dims)),
  );
  if (problems.length)
    throw new UserError(
      problems.map((p) => `layer ${dims.batch}x${dims.din}x${dims.dout} (batch x din x dout) on ${design.model.name}: ${p}`),
    );
}

/** The testbench holds a waveform's file name in a 4096-byte register (testbench/tb_core.sv.hbs). */
const WAVES_PATH_BYTES = 4096;

/**
 * Checks a waveform file name before anything runs: its folder must exist and
 * be writable, and the name must not be a folder. Returns the absolute path.
 */
export function checkWavesPath(file: string): string {
  const target = resolve(file);
  const folder = dirname(target);
  if (file === '' || file.endsWith('/')) throw new UserError(`--waves: "${file}" is not a file name; give one such as run.vcd`);
  const folderStats = statSync(folder, { throwIfNoEntry: false });
  if (!folderStats) throw new UserError(`--waves: the folder ${folder} does not exist; create it or write the waveform elsewhere`);
  if (!folderStats.isDirectory()) throw new UserError(`--waves: ${folder} is not a folder; write the waveform elsewhere`);
  if (statSync(target, { throwIfNoEntry: false })?.isDirectory()) {
    throw new UserError(`--waves: ${target} is a folder; give a file name such as ${join(target, 'run.vcd')}`);
  }
  try {
    accessSync(folder, constants.W_OK);
  } catch {
    throw new UserError(`--waves: cannot write to the folder ${folder}; write the waveform elsewhere`);
  }
  // the simulator writes a temporary name beside it (about 40 bytes longer)
  if (Buffer.byteLength(target) + 64 > WAVES_PATH_BYTES) {
    throw new UserError(`--waves: the path is longer than the testbench takes (${WAVES_PATH_BYTES - 64} bytes); choose a shorter one`);
  }
  return target;
}

/** Cycles enough to move a layer's tensors one element per cycle with a latency per row: the watchdog of a run through memory. */
function memoryBudget(model: CoreModel, dims: LayerDims, latency: number): number {
  const elements = dims.batch * dims.din + dims.din * dims.dout + dims.batch * dims.dout;
  const rows = dims.batch + dims.din + dims.dout;
  return 4 * elements + (rows + 16) * (latency + 64) + model.memory.queueDepth * 64;
}

/** What the run through memory got wrong: the stored result, the compute's cycles, the bus bytes against the traffic model. */
function memoryProblems(through: MemoryStepOutcome, expected: bigint[][], predicted: number, step: Step): string[] {
  const problems: string[] = [];
  if (through.run.faultCode !== 0)
    problems.push(`through memory: the core stopped with fault ${through.run.faultCode} at descriptor ${through.run.faultIndex}`);
  const got = through.result;
  outer: for (let r = 0; r < expected.length; r++) {
    for (let c = 0; c < expected[r].length; c++) {
      if (got[r]?.[c] !== expected[r][c]) {
        problems.push(`through memory: result (${r}, ${c}) is ${got[r]?.[c]}, the golden model says ${expected[r][c]}`);
        break outer;
      }
    }
  }
  const compute = through.run.coreCommands.find((c) => c.op === step)?.cycles;
  if (compute !== predicted) problems.push(`through memory: ${step} took ${compute} cycles, the cycle model says ${predicted}`);
  if (through.run.bytesRead !== through.traffic.bytesRead) {
    problems.push(`through memory: ${through.run.bytesRead} bytes read, the traffic model says ${through.traffic.bytesRead}`);
  }
  if (through.run.bytesWritten !== through.traffic.bytesWritten) {
    problems.push(`through memory: ${through.run.bytesWritten} bytes written, the traffic model says ${through.traffic.bytesWritten}`);
  }
  return problems;
}

export async function simulateStep(design: Design, req: SimRequest): Promise<SimOutcome> {
  const { model } = design;
  const waves = req.waves === undefined ? undefined : checkWavesPath(req.waves);
  checkLayerFits(design, req.dims, [req.step]);
  const operands = makeOperands(req.dims, model.opBits, req.density, req.seed);
  const compiled = await compileDesign(model, req.simulator, { waves: waves !== undefined });
  const context = `seed ${req.seed}, ${req.simulator}, ${model.name}, batch ${req.dims.batch} din ${req.dims.din} dout ${req.dims.dout}`;
  // the simulator writes the waveform under a temporary name, renamed once the run has ended
  const partial = waves && join(dirname(waves), `.${basename(waves)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const simulator = partial ? compiled.withWaves(partial) : compiled;
  // keeps the stimulus the run read, so that it can be replayed on the testbench alone (the core file's sim targets)
  let stimulus = '';
  const sim: CompiledSim = {
    ...simulator,
    run: (stimulusPath, resultPath, work) => {
      stimulus = readFileSync(stimulusPath, 'utf8');
      return simulator.run(stimulusPath, resultPath, work);
    },
  };
  let verdicts: Awaited<ReturnType<typeof verifyLayers>>;
  let recorded = false;
  try {
    verdicts = await verifyLayers(model, sim, [{ dims: req.dims, operands, steps: [req.step] }], () => context);
  } finally {
    // a run that failed leaves what it recorded: the waveform is what explains the failure
    if (partial && waves && existsSync(partial)) {
      renameSync(partial, waves);
      recorded = true;
    }
  }
  if (waves && !recorded) throw new Error(`${sim.label} wrote no waveform to ${waves}`);
  const [[run]] = verdicts;
  const core = coreShape(model);
  // the step again, through memory: the operands from the memory model, the result stored back
  const memory = req.memory ?? { latency: 100, compressed: false };
  const system = await compileDesign(model, req.simulator, { bench: 'system' });
  const predicted = predictComputeCycles(core, req.step, req.dims, operands);
  const through = await runStepThroughMemory(model, system, {
    step: req.step,
    dims: req.dims,
    operands,
    memory: { latency: memory.latency, randomSeed: memory.randomSeed },
    compressed: memory.compressed,
    budgetCycles: 8 * (predicted + memoryBudget(model, req.dims, memory.latency)),
  });
  const problems = [...run.problems, ...memoryProblems(through, run.result, predicted, req.step)];
  // the end-to-end model holds for the deterministic memory only
  const modelEndToEnd =
    memory.randomSeed === undefined
      ? systemCycles(model, programCommands(model, through.program, operands), { latency: memory.latency }).endToEndCycles
      : null;
  if (modelEndToEnd !== null && through.run.endToEndCycles !== modelEndToEnd) {
    problems.push(
      `through memory: the program took ${through.run.endToEndCycles} cycles end to end, the cycle model says ${modelEndToEnd}`,
    );
  }
  const ideal = idealCycles(core, req.step, req.dims);
  const effectualMacs = countEffectualMacs(req.step, operands);
  return {
    operands,
    result: run.result,
    stimulus,
    report: {
      pass: run.pass && problems.length === run.problems.length,
      design: model.name,
      step: req.step,
      ...req.dims,
      density: req.density,
      seed: req.seed,
      simulator: req.simulator,
      cycles: run.cycles,
      modelCycles: run.modelCycles,
      transferCycles: run.transferCycles,
      macs: countMacs(req.step, req.dims),
      effectualMacs,
      skippedMacs: sparseWork(core, req.step, req.dims, operands).skipped,
      idealCycles: ideal,
      utilization: ideal / run.cycles,
      effectualUtilization: effectualMacs / (run.cycles * model.rows * model.cols),
      mismatches: problems,
      endToEndCycles: through.run.endToEndCycles,
      modelEndToEndCycles: modelEndToEnd,
      bytesRead: through.run.bytesRead,
      bytesWritten: through.run.bytesWritten,
      modelBytesRead: through.traffic.bytesRead,
      modelBytesWritten: through.traffic.bytesWritten,
      memoryLatency: memory.latency,
      memoryRandomSeed: memory.randomSeed ?? null,
      compressed: memory.compressed,
    },
  };
}
