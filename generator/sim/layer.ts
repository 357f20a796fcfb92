/**
 * Runs layers on a compiled design: loads the operands through the write port,
 * issues the compute commands, reads every result back, and returns results and
 * measured cycles. Many layers can share one simulator run.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CoreModel, OpName } from '../elaborate/model.ts';
import { gemmShape, type LayerDims, type Operands, type Step } from '../golden/gemm.ts';
import type { CompiledSim } from './simulators.ts';
import { encodeCommands, parseResults, type HostCommand } from './protocol.ts';

export interface TensorBases {
  w: number;
  x: number;
  dy: number;
}

export interface LayerJob {
  dims: LayerDims;
  operands: Operands;
  steps: Step[];
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

/** The operands each step reads. */
export const STEP_OPERANDS: Record<Step, ('W' | 'X' | 'dY')[]> = { fp: ['X', 'W'], bp: ['dY', 'W'], wg: ['dY', 'X'] };
const LOAD_OP: Record<'W' | 'X' | 'dY', OpName> = { W: 'loadW', X: 'loadX', dY: 'loadDy' };

/** The result tensor's name, for messages. */
export const RESULT_TENSOR: Record<Step, string> = { fp: 'Y', bp: 'dX', wg: 'dW' };

function commandsFor(job: LayerJob): HostCommand[] {
  const bases = job.bases ?? { w: 0, x: 0, dy: 0 };
  const header = { ...job.dims, wBase: bases.w, xBase: bases.x, dyBase: bases.dy };
  const commands: HostCommand[] = [];
  const needed = new Set(job.steps.flatMap((s) => STEP_OPERANDS[s]));
  for (const tensor of ['W', 'X', 'dY'] as const) {
    if (needed.has(tensor)) commands.push({ ...header, op: LOAD_OP[tensor], data: job.operands[tensor].flat() });
  }
  for (const step of job.steps) {
    const { M, N } = gemmShape(step, job.dims);
    commands.push({ ...header, op: step });
    commands.push({ ...header, op: 'readResult', readCount: M * N });
  }
  return commands;
}

export async function runLayers(model: CoreModel, sim: CompiledSim, jobs: LayerJob[]): Promise<StepRun[][]> {
  const work = mkdtempSync(join(tmpdir(), 'trainforge-run-'));
  try {
    const perJob = jobs.map(commandsFor);
    const stimulus = join(work, 'stimulus.txt');
    const results = join(work, 'results.txt');
    writeFileSync(stimulus, encodeCommands(perJob.flat(), model.opBits));
    await sim.run(stimulus, results);
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

export interface Mismatch {
  row: number;
  col: number;
  expected: bigint;
  actual: bigint | undefined;
}

export function findMismatches(expected: bigint[][], actual: bigint[][]): Mismatch[] {
  const out: Mismatch[] = [];
  for (let r = 0; r < expected.length; r++) {
    for (let c = 0; c < expected[r].length; c++) {
      const a = actual[r]?.[c];
      if (a !== expected[r][c]) out.push({ row: r, col: c, expected: expected[r][c], actual: a });
    }
  }
  return out;
}

/** One line per mismatch (the first few), naming step, tensor, element, values, seed. */
export function describeMismatches(step: Step, mismatches: Mismatch[], context: string, limit = 5): string[] {
  const lines = mismatches
    .slice(0, limit)
    .map((m) => `${step.toUpperCase()} ${RESULT_TENSOR[step]}[${m.row}][${m.col}]: expected ${m.expected}, got ${m.actual ?? 'nothing'} (${context})`);
  if (mismatches.length > limit) lines.push(`... and ${mismatches.length - limit} more mismatches (${context})`);
  return lines;
}
