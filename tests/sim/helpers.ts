/**
 * Shared helpers of the simulation tests: build a core from a partial spec,
 * compile it once per simulator, make seeded operands for a list of layer
 * cases, run all cases of a design in one simulator invocation, and check
 * every step bit-exactly and cycle-exactly against the golden models.
 */
import {
  bufferOf,
  elaborate,
  layerFitProblems,
  tensorAddresses,
  tensorShape,
  type CoreModel,
  coreShape,
} from '../../generator/elaborate/model.ts';
import { predictComputeCycles } from '../../generator/golden/cycles.ts';
import { gemmShape, runStep, type LayerDims, type Operands, type Step } from '../../generator/golden/gemm.ts';
import { extremeMatrix, randomMatrix } from '../../generator/golden/operands.ts';
import { makeRng } from '../../generator/golden/rng.ts';
import {
  describeMismatches,
  findMismatches,
  runLayers,
  type StepRun,
  type TensorBases,
} from '../../generator/sim/layer.ts';
import { compileDesign, type CompiledSim, type SimulatorName } from '../../generator/sim/simulators.ts';
import { validateSpecObject } from '../../generator/spec/load.ts';

export const SIM_NAMES: SimulatorName[] = ['icarus', 'verilator'];
export const ALL_STEPS: Step[] = ['fp', 'bp', 'wg'];

/** Base seed of every case; set TRAINFORGE_SEED to explore other operands. */
export const BASE_SEED = Number(process.env.TRAINFORGE_SEED ?? 1);
if (!Number.isSafeInteger(BASE_SEED)) {
  throw new Error(`TRAINFORGE_SEED must be an integer, got ${process.env.TRAINFORGE_SEED}`);
}

/** Builds a core model from a partial spec object; the schema fills in the defaults. */
export function buildModel(spec: Record<string, unknown>): CoreModel {
  return elaborate(validateSpecObject(spec, `test spec ${String(spec.name)}`));
}

const compiled = new Map<string, Promise<CompiledSim>>();

/** Compiles a design for a simulator at most once per test file. */
export function compileOnce(model: CoreModel, simulator: SimulatorName): Promise<CompiledSim> {
  const key = `${simulator}/${model.name}/${model.specHash}`;
  let sim = compiled.get(key);
  if (!sim) {
    sim = compileDesign(model, simulator);
    compiled.set(key, sim);
  }
  return sim;
}

/** One layer to run; operands are random of the given density unless `fill` says otherwise. */
export interface LayerCase {
  dims: LayerDims;
  /** fraction of nonzero operands, 1 when absent */
  density?: number;
  /** 'min' / 'max': every operand the most negative / positive value; 'zero-x-dy': X and dY all zero */
  fill?: 'min' | 'max' | 'zero-x-dy';
  bases?: TensorBases;
}

export function caseLabel(c: LayerCase): string {
  const { batch, din, dout } = c.dims;
  const parts = [`batch ${batch} din ${din} dout ${dout}`];
  if (c.density !== undefined) parts.push(`density ${c.density}`);
  if (c.fill) parts.push(`fill ${c.fill}`);
  if (c.bases) parts.push(`bases w ${c.bases.w} x ${c.bases.x} dy ${c.bases.dy}`);
  return parts.join(', ');
}

/** A fixed seed per (base seed, design, case index). */
export function caseSeed(designName: string, index: number): number {
  let h = 0x811c9dc5; // FNV-1a over the text
  for (const ch of `${BASE_SEED}/${designName}/${index}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  return h >>> 0;
}

export function makeOperands(model: CoreModel, c: LayerCase, seed: number): Operands {
  const { batch, din, dout } = c.dims;
  const bits = model.opBits;
  if (c.fill === 'min' || c.fill === 'max') {
    return {
      X: extremeMatrix(batch, din, bits, c.fill),
      W: extremeMatrix(dout, din, bits, c.fill),
      dY: extremeMatrix(batch, dout, bits, c.fill),
    };
  }
  const rng = makeRng(seed);
  const density = c.density ?? 1;
  const ops = {
    X: randomMatrix(rng, batch, din, bits, density),
    W: randomMatrix(rng, dout, din, bits, density),
    dY: randomMatrix(rng, batch, dout, bits, density),
  };
  if (c.fill === 'zero-x-dy') {
    ops.X = randomMatrix(rng, batch, din, bits, 0);
    ops.dY = randomMatrix(rng, batch, dout, bits, 0);
  }
  return ops;
}

/** Fails loudly when a case does not fit the design (a mistake in the test, not the RTL). */
function checkFits(model: CoreModel, c: LayerCase): void {
  const problems = layerFitProblems(model, c.dims, ['W', 'X', 'dY'], ALL_STEPS.map((step) => gemmShape(step, c.dims)));
  const bases = c.bases ?? { w: 0, x: 0, dy: 0 };
  for (const [tensor, base] of [['W', bases.w], ['X', bases.x], ['dY', bases.dy]] as const) {
    const buf = bufferOf(model, tensor);
    const { rows, cols } = tensorShape(tensor, c.dims);
    const end = base + tensorAddresses(buf, rows, cols);
    if (end > buf.depth) problems.push(`${tensor} at base ${base} ends at address ${end}, past the depth ${buf.depth}`);
  }
  if (problems.length) throw new Error(`${model.name}: case ${caseLabel(c)} does not fit:\n${problems.join('\n')}`);
}

export interface CaseRun {
  case: LayerCase;
  seed: number;
  operands: Operands;
  runs: StepRun[];
}

/** Runs every case of a design, all steps, in ONE simulator invocation. */
export async function runCases(model: CoreModel, simulator: SimulatorName, cases: LayerCase[]): Promise<CaseRun[]> {
  const prepared = cases.map((c, i) => {
    checkFits(model, c);
    const seed = caseSeed(model.name, i);
    return { case: c, seed, operands: makeOperands(model, c, seed) };
  });
  const sim = await compileOnce(model, simulator);
  const results = await runLayers(
    model,
    sim,
    prepared.map((p) => ({ dims: p.case.dims, operands: p.operands, steps: ALL_STEPS, bases: p.case.bases })),
  );
  return prepared.map((p, i) => ({ ...p, runs: results[i] }));
}

/** Checks every step of a case: bit-exact against the golden model, cycles equal to the cycle model. */
export function checkCase(model: CoreModel, simulator: SimulatorName, run: CaseRun): void {
  const { dims } = run.case;
  const context = `spec ${model.name}, ${simulator}, ${caseLabel(run.case)}, seed ${run.seed} (TRAINFORGE_SEED=${BASE_SEED})`;
  const problems: string[] = [];
  if (run.runs.map((r) => r.step).join() !== ALL_STEPS.join()) {
    throw new Error(`expected steps ${ALL_STEPS.join()}, got ${run.runs.map((r) => r.step).join()} (${context})`);
  }
  for (const r of run.runs) {
    const expected = runStep(r.step, run.operands, model.accBits);
    problems.push(...describeMismatches(r.step, findMismatches(expected, r.result), context));
    const predicted = predictComputeCycles(coreShape(model), r.step, dims, run.operands);
    if (r.cycles !== predicted) {
      problems.push(
        `${r.step.toUpperCase()} cycles at batch ${dims.batch} din ${dims.din} dout ${dims.dout}: ` +
          `measured ${r.cycles}, model ${predicted} (${context})`,
      );
    }
  }
  if (problems.length) throw new Error(problems.join('\n'));
}
