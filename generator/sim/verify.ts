/**
 * The one verification path: run layers on a simulator, compare every result
 * with the golden model bit for bit, and check every compute command's cycles
 * against the cycle model. `sim`, `demo`, `bench`, the fuzzer and the
 * simulation tests all go through verifyLayers.
 */
import { coreShape, type CoreModel } from '../elaborate/model.ts';
import { predictComputeCycles } from '../golden/cycles.ts';
import { runStep } from '../golden/gemm.ts';
import { RESULT_TENSOR, type LayerDims, type Step } from '../types.ts';
import { runLayers, type LayerJob } from './layer.ts';
import type { CompiledSim } from './simulators.ts';

interface Mismatch {
  row: number;
  col: number;
  expected: bigint;
  actual: bigint | undefined;
}

function findMismatches(expected: bigint[][], actual: bigint[][]): Mismatch[] {
  const out: Mismatch[] = [];
  for (let r = 0; r < expected.length; r++) {
    for (let c = 0; c < expected[r].length; c++) {
      const a = actual[r]?.[c];
      if (a !== expected[r][c]) out.push({ row: r, col: c, expected: expected[r][c], actual: a });
    }
  }
  return out;
}

/** One line per mismatch (the first few), naming step, tensor, element, values and the context (seed, design). */
function describeMismatches(step: Step, mismatches: Mismatch[], context: string, limit = 5): string[] {
  const lines = mismatches
    .slice(0, limit)
    .map(
      (m) =>
        `${step.toUpperCase()} ${RESULT_TENSOR[step]}[${m.row}][${m.col}]: expected ${m.expected}, got ${m.actual ?? 'nothing'} (${context})`,
    );
  if (mismatches.length > limit) lines.push(`... and ${mismatches.length - limit} more mismatches (${context})`);
  return lines;
}

/** One step of one layer, run and judged. */
export interface StepVerdict {
  step: Step;
  dims: LayerDims;
  /** what the RTL computed */
  result: bigint[][];
  /** what the golden model computes */
  expected: bigint[][];
  mismatches: Mismatch[];
  /** measured compute cycles, operands on chip */
  cycles: number;
  /** the cycle model's prediction */
  modelCycles: number;
  /** measured cycles of loading this step's operands and reading its result */
  transferCycles: number;
  /** one line per problem (mismatched elements, a cycle difference), each with the context */
  problems: string[];
  pass: boolean;
}

/**
 * Runs every job on the compiled design in ONE simulator invocation and judges
 * every step. `context(j)` names job j in messages (seed, design, simulator).
 */
export async function verifyLayers(
  model: CoreModel,
  sim: CompiledSim,
  jobs: LayerJob[],
  context: (jobIndex: number) => string,
): Promise<StepVerdict[][]> {
  const runs = await runLayers(model, sim, jobs);
  const core = coreShape(model);
  return runs.map((jobRuns, j) => {
    const job = jobs[j];
    const got = jobRuns.map((r) => r.step).join();
    if (got !== job.steps.join()) throw new Error(`${sim.label}: expected steps ${job.steps.join()}, got ${got} (${context(j)})`);
    return jobRuns.map((run) => {
      const expected = runStep(run.step, job.operands, model.accBits);
      const mismatches = findMismatches(expected, run.result);
      const modelCycles = predictComputeCycles(core, run.step, job.dims, job.operands);
      const problems = describeMismatches(run.step, mismatches, context(j));
      if (run.cycles !== modelCycles) {
        const { batch, din, dout } = job.dims;
        problems.push(
          `${run.step.toUpperCase()} cycles at batch ${batch} din ${din} dout ${dout}: measured ${run.cycles}, the cycle model predicts ${modelCycles} (${context(j)})`,
        );
      }
      return { ...run, expected, mismatches, modelCycles, problems, pass: problems.length === 0 };
    });
  });
}
