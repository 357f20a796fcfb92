/**
 * Shared helpers of the simulation tests: build a core from a partial spec,
 * compile it once per simulator, make seeded operands for a list of layer
 * cases, run all cases of a design in one simulator invocation, and check
 * every step bit-exactly and cycle-exactly against the golden models.
 */
import { beforeAll, describe, it } from 'vitest';
import { elaborate, layerFitProblems, tensorFootprints, type CoreModel } from '../../generator/elaborate/model.ts';
import { gemmShape } from '../../generator/golden/gemm.ts';
import { extremeMatrix, randomMatrix } from '../../generator/golden/operands.ts';
import { makeRng, type Rng } from '../../generator/golden/rng.ts';
import { compileDesign, type CompiledSim, type SimulatorName } from '../../generator/sim/simulators.ts';
import { verifyLayers, type StepVerdict } from '../../generator/sim/verify.ts';
import { validateSpecObject } from '../../generator/spec/load.ts';
import { STEPS, type LayerDims, type Operands, type TensorBases } from '../../generator/types.ts';

export const SIM_NAMES: SimulatorName[] = ['icarus', 'verilator'];

/** Base seed of every case; set TRAINFORGE_SEED to explore other operands. */
const BASE_SEED = Number(process.env.TRAINFORGE_SEED ?? 1);
if (!Number.isSafeInteger(BASE_SEED)) {
  throw new Error(`TRAINFORGE_SEED must be an integer, got ${process.env.TRAINFORGE_SEED}`);
}

/** Builds a core model from a partial spec object; the schema fills in the defaults. */
export function buildModel(spec: Record<string, unknown>): CoreModel {
  return elaborate(validateSpecObject(spec, `test spec ${String(spec.name)}`));
}

const compiled = new Map<string, Promise<CompiledSim>>();

/** Compiles a design for a simulator at most once per test file. */
/**
 * The system-top designs the memory-system tests share (system.test.ts,
 * system-cycles.test.ts, train-memory.test.ts): the same specs, so that one
 * build per simulator serves every file (the build lock shares it).
 *   SYS_DENSE: a 2 x 2 dense core on a 32-bit bus with 4-beat bursts, 2 reads
 *   in flight and a 4-entry queue (bursts split often, programs outgrow the queue);
 *   SYS_SPARSE: the 2 x 2 zero-skipping core on the default 64-bit bus.
 */
const SYS_BUFFERS = { weightWords: 256, activationWords: 256, errorWords: 256, resultWords: 256 };
export const SYS_DENSE = buildModel({
  name: 'sys_dense',
  array: { rows: 2, cols: 2 },
  numeric: { operandBits: 4, accumulatorBits: 16 },
  buffers: SYS_BUFFERS,
  memory: { dataBits: 32, maxBurst: 4, queueDepth: 4, outstandingReads: 2 },
});
export const SYS_SPARSE = buildModel({
  name: 'sys_sparse',
  array: { rows: 2, cols: 2 },
  numeric: { operandBits: 4, accumulatorBits: 16 },
  buffers: SYS_BUFFERS,
  sparsity: { skipZeros: true, scanWidth: 4, chunkDepth: 8 },
});

export function compileOnce(model: CoreModel, simulator: SimulatorName): Promise<CompiledSim> {
  const key = `${simulator}/${model.name}/${model.specHash}`;
  let sim = compiled.get(key);
  if (!sim) {
    sim = compileDesign(model, simulator);
    compiled.set(key, sim);
  }
  return sim;
}

/**
 * Where the nonzeros of X and dY (the sparse operands) go; values are random and nonzero.
 *   one-per-row     exactly one nonzero in every row, at a random position
 *   checkerboard    (i, j) nonzero when i + j is even
 *   alternate-rows  even rows fully nonzero, odd rows all zero
 *   alternate-cols  even columns fully nonzero, odd columns all zero (WG reads dY by columns)
 */
type Pattern = 'one-per-row' | 'checkerboard' | 'alternate-rows' | 'alternate-cols';

/** One layer to run; operands are random of the given density unless `fill` or `pattern` say otherwise. */
export interface LayerCase {
  dims: LayerDims;
  /** fraction of nonzero operands, 1 when absent */
  density?: number;
  /**
   * 'min' / 'max': every operand the most negative / positive value (with a density: the
   * nonzeros of random operands of that density); 'zero-x-dy': X and dY all zero
   */
  fill?: 'min' | 'max' | 'zero-x-dy';
  /** X and dY follow this pattern; W stays random of the given density */
  pattern?: Pattern;
  /** tensor bases: addresses per bank of the W buffer; in the zero-skipping core, words of the X and dY row stores */
  bases?: TensorBases;
}

export function caseLabel(c: LayerCase): string {
  const { batch, din, dout } = c.dims;
  const parts = [`batch ${batch} din ${din} dout ${dout}`];
  if (c.density !== undefined) parts.push(`density ${c.density}`);
  if (c.fill) parts.push(`fill ${c.fill}`);
  if (c.pattern) parts.push(`pattern ${c.pattern}`);
  if (c.bases) parts.push(`bases w ${c.bases.w} x ${c.bases.x} dy ${c.bases.dy}`);
  return parts.join(', ');
}

/** A fixed seed per (base seed, design, case index). */
function caseSeed(designName: string, index: number): number {
  let h = 0x811c9dc5; // FNV-1a over the text
  for (const ch of `${BASE_SEED}/${designName}/${index}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  return h >>> 0;
}

/** A random nonzero signed `bits`-bit value, uniform like randomMatrix's nonzeros. */
function nonzeroValue(rng: Rng, bits: number): number {
  const v = rng.nextInt(-(2 ** (bits - 1)), 2 ** (bits - 1) - 2);
  return v >= 0 ? v + 1 : v;
}

/** A rows x cols matrix whose nonzeros follow `pattern`, with random nonzero values. */
function patternMatrix(rng: Rng, rows: number, cols: number, bits: number, pattern: Pattern): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < rows; i++) {
    const at = pattern === 'one-per-row' ? rng.nextInt(0, cols - 1) : -1;
    const row: number[] = [];
    for (let j = 0; j < cols; j++) {
      const nonzero =
        pattern === 'one-per-row'
          ? j === at
          : pattern === 'checkerboard'
            ? (i + j) % 2 === 0
            : pattern === 'alternate-rows'
              ? i % 2 === 0
              : j % 2 === 0;
      row.push(nonzero ? nonzeroValue(rng, bits) : 0);
    }
    out.push(row);
  }
  return out;
}

function makeOperands(model: CoreModel, c: LayerCase, seed: number): Operands {
  const { batch, din, dout } = c.dims;
  const bits = model.opBits;
  if ((c.fill === 'min' || c.fill === 'max') && c.density === undefined) {
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
  if (c.fill === 'min' || c.fill === 'max') {
    // random positions of the given density, every nonzero the extreme value
    const extreme = extremeMatrix(1, 1, bits, c.fill)[0][0];
    for (const m of [ops.X, ops.W, ops.dY]) for (const row of m) row.forEach((v, j) => (row[j] = v === 0 ? 0 : extreme));
  }
  if (c.fill === 'zero-x-dy') {
    ops.X = randomMatrix(rng, batch, din, bits, 0);
    ops.dY = randomMatrix(rng, batch, dout, bits, 0);
  }
  if (c.pattern) {
    ops.X = patternMatrix(rng, batch, din, bits, c.pattern);
    ops.dY = patternMatrix(rng, batch, dout, bits, c.pattern);
  }
  return ops;
}

/**
 * Fails loudly when a case does not fit the design (a mistake in the test, not the RTL):
 * every footprint of every tensor (dY has two in the zero-skipping core) must end
 * inside its buffer or store when placed at the tensor's base.
 */
function checkFits(model: CoreModel, c: LayerCase): void {
  const problems = layerFitProblems(
    model,
    c.dims,
    ['W', 'X', 'dY'],
    STEPS.map((step) => gemmShape(step, c.dims)),
  );
  const bases = c.bases ?? { w: 0, x: 0, dy: 0 };
  for (const [tensor, base] of [
    ['W', bases.w],
    ['X', bases.x],
    ['dY', bases.dy],
  ] as const) {
    if (!Number.isSafeInteger(base) || base < 0) problems.push(`${tensor} base ${base} is not an address`);
    for (const f of tensorFootprints(model, tensor, c.dims)) {
      const end = base + f.need;
      // a footprint larger than the whole buffer is already one of the problems above
      if (end > f.capacity && f.need <= f.capacity)
        problems.push(`${tensor} at base ${base} ends at address ${end} of ${f.where}, past its depth ${f.capacity}`);
    }
  }
  if (problems.length) throw new Error(`${model.name}: case ${caseLabel(c)} does not fit:\n${problems.join('\n')}`);
}

/** The highest base a tensor can have: the smallest room left over its footprints (dY: both stores). */
export function topBase(model: CoreModel, tensor: 'W' | 'X' | 'dY', dims: LayerDims): number {
  return Math.min(...tensorFootprints(model, tensor, dims).map((f) => f.capacity - f.need));
}

export interface CaseRun {
  case: LayerCase;
  seed: number;
  operands: Operands;
  runs: StepVerdict[];
}

/**
 * Runs every case of a design, all steps, in ONE simulator invocation, each
 * step judged against the golden model and the cycle model.
 */
export async function runCases(model: CoreModel, simulator: SimulatorName, cases: LayerCase[]): Promise<CaseRun[]> {
  const prepared = cases.map((c, i) => {
    checkFits(model, c);
    const seed = caseSeed(model.name, i);
    return { case: c, seed, operands: makeOperands(model, c, seed) };
  });
  const sim = await compileOnce(model, simulator);
  const verdicts = await verifyLayers(
    model,
    sim,
    prepared.map((p) => ({ dims: p.case.dims, operands: p.operands, steps: STEPS, bases: p.case.bases })),
    (j) => `spec ${model.name}, ${simulator}, ${caseLabel(prepared[j].case)}, seed ${prepared[j].seed} (TRAINFORGE_SEED=${BASE_SEED})`,
  );
  return prepared.map((p, i) => ({ ...p, runs: verdicts[i] }));
}

/** Fails with every problem of a case: mismatched elements and cycle differences. */
function checkCase(run: CaseRun): void {
  const problems = run.runs.flatMap((r) => r.problems);
  if (problems.length) throw new Error(problems.join('\n'));
}

/** A design and the layer cases it runs; `verilatorCases` are large layers Icarus would take minutes on. */
export interface SimDesign {
  model: CoreModel;
  /** what the design is, for the suite's titles */
  title: string;
  cases: LayerCase[];
  verilatorCases?: LayerCase[];
}

const casesFor = (d: SimDesign, simulator: SimulatorName): LayerCase[] =>
  simulator === 'verilator' ? [...d.cases, ...(d.verilatorCases ?? [])] : d.cases;

/**
 * The backstop of a simulation test: every simulator process has its own,
 * tighter wall-clock limit (generator/sim/limits.ts), so a hung or dead
 * simulator fails its cases long before this; the time here also covers the
 * wait for a free simulator slot.
 */
export const SIM_TEST_TIMEOUT = 420_000;

/**
 * Declares one test per case, per simulator. Every design's simulation (one
 * compile and one run for all its cases) is queued when the file starts; the
 * machine's simulator slots bound how many run at once. A design whose build or
 * run fails fails all its cases at once, with the simulator's message.
 */
export function describeDesigns(title: string, designs: SimDesign[]): void {
  const runs = new Map<string, Promise<CaseRun[]>>();
  const key = (simulator: SimulatorName, d: SimDesign) => `${simulator}/${d.model.name}`;
  for (const d of designs) for (const c of [...d.cases, ...(d.verilatorCases ?? [])]) checkFits(d.model, c);
  beforeAll(() => {
    for (const simulator of SIM_NAMES) {
      for (const d of designs) {
        const run = runCases(d.model, simulator, casesFor(d, simulator));
        run.catch(() => {}); // reported by the tests that await it
        runs.set(key(simulator, d), run);
      }
    }
  });
  describe.each(SIM_NAMES)(`${title} on %s`, (simulator) => {
    for (const d of designs) {
      describe(`${d.model.name} (${d.title})`, () => {
        casesFor(d, simulator).forEach((c, i) => {
          it(caseLabel(c), { timeout: SIM_TEST_TIMEOUT }, async () => {
            const results = await runs.get(key(simulator, d))!;
            checkCase(results[i]);
          });
        });
      });
    }
  });
}
