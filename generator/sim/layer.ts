/**
 * Runs layers on a compiled design: loads the operands through the write port,
 * issues the compute commands, reads every result back, and returns results and
 * measured cycles. Many layers can share one simulator run. Every command
 * carries a cycle budget from the cycle model (the testbench's watchdog), and
 * the run's wall-clock limit follows from the cycles of all of them.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { coreShape, tensorShape, type CoreModel, type OpName } from '../elaborate/model.ts';
import { loadCycles, predictComputeCycles, readCycles } from '../golden/cycles.ts';
import { gemmShape } from '../golden/gemm.ts';
import type { CompiledSim } from './simulators.ts';
import { commandCycleBudget } from './limits.ts';
import { encodeCommands, parseResults, type BudgetedCommand } from './protocol.ts';
import { STEP_OPERANDS, type LayerDims, type Operands, type Step, type TensorBases } from '../types.ts';

export interface LayerJob {
  dims: LayerDims;
  operands: Operands;
  steps: readonly Step[];
  bases?: TensorBases;
}

export interface StepRun {
  step: Step;
  dims: LayerDims;
  result: bigint[][];
  /** measured compute cycles, operands already on chip */
  cycles: number;
  /** measured cycles of loading this step's operands and reading its result */
  transferCycles: number;
}

const LOAD_OP: Record<'W' | 'X' | 'dY', OpName> = { W: 'loadW', X: 'loadX', dY: 'loadDy' };

/** A command and the cycles the cycle model predicts for it. */
interface PlannedCommand extends BudgetedCommand {
  predicted: number;
}

function commandsFor(model: CoreModel, job: LayerJob): PlannedCommand[] {
  const bases = job.bases ?? { w: 0, x: 0, dy: 0 };
  const header = { ...job.dims, wBase: bases.w, xBase: bases.x, dyBase: bases.dy };
  const planned = (command: Omit<PlannedCommand, 'cycleBudget'>): PlannedCommand => ({
    ...command,
    cycleBudget: commandCycleBudget(command.predicted),
  });
  const commands: PlannedCommand[] = [];
  const needed = new Set(job.steps.flatMap((s) => STEP_OPERANDS[s]));
  for (const tensor of ['W', 'X', 'dY'] as const) {
    if (!needed.has(tensor)) continue;
    const { rows, cols } = tensorShape(tensor, job.dims);
    commands.push(planned({ ...header, op: LOAD_OP[tensor], data: job.operands[tensor].flat(), predicted: loadCycles(rows, cols) }));
  }
  for (const step of job.steps) {
    const { M, N } = gemmShape(step, job.dims);
    commands.push(planned({ ...header, op: step, predicted: predictComputeCycles(coreShape(model), step, job.dims, job.operands) }));
    commands.push(planned({ ...header, op: 'readResult', readCount: M * N, predicted: readCycles(M, N, model.readPort) }));
  }
  return commands;
}

export async function runLayers(model: CoreModel, sim: CompiledSim, jobs: LayerJob[]): Promise<StepRun[][]> {
  const work = mkdtempSync(join(tmpdir(), 'trainforge-run-'));
  try {
    const perJob = jobs.map((job) => commandsFor(model, job));
    const stimulus = join(work, 'stimulus.txt');
    const results = join(work, 'results.txt');
    writeFileSync(stimulus, encodeCommands(perJob.flat(), model.opBits));
    // the wall-clock limit follows from the budgets: a run that uses them all up still ends in time
    await sim.run(stimulus, results, { cycles: perJob.flat().reduce((sum, c) => sum + c.cycleBudget, 0) });
    const outcomes = parseResults(readFileSync(results, 'utf8'), model.accBits);
    const expected = perJob.flat();
    if (outcomes.length !== expected.length) {
      throw new Error(`${sim.simulator}: expected ${expected.length} command results, got ${outcomes.length}`);
    }
    let at = 0;
    return jobs.map((job, j) => {
      const loadCycles = new Map<string, number>();
      const runs: StepRun[] = [];
      for (const command of perJob[j]) {
        const outcome = outcomes[at++];
        if (outcome.op !== command.op) throw new Error(`${sim.simulator}: result order broken at ${command.op}`);
        if (command.op.startsWith('load')) loadCycles.set(command.op, outcome.cycles);
        else if (command.op === 'readResult') {
          const run = runs[runs.length - 1];
          const { M, N } = gemmShape(run.step, job.dims);
          run.result = Array.from({ length: M }, (_, r) => outcome.words.slice(r * N, (r + 1) * N));
          run.transferCycles += outcome.cycles;
        } else {
          const step = command.op as Step;
          const transfer = STEP_OPERANDS[step].reduce((sum, t) => sum + (loadCycles.get(LOAD_OP[t]) ?? 0), 0);
          runs.push({ step, dims: job.dims, result: [], cycles: outcome.cycles, transferCycles: transfer });
        }
      }
      return runs;
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
