/**
 * trainforge bench: cycles of the zero-skipping core against the dense core,
 * step by step and density by density, on the same seeded operands. Writes a
 * table to the terminal and bench.json, bench.csv and bench.svg to a folder.
 */
import { validateSpecObject } from '../spec/load.ts';
import { designFromSpec, type Design } from '../pipeline.ts';
import { coreShape } from '../elaborate/model.ts';
import { sparseWork } from '../golden/cycles.ts';
import { countEffectualMacs, gemmShape } from '../golden/gemm.ts';
import { scaleSimOs, scaleSimWs } from '../golden/scalesim.ts';
import { compileDesign, type SimulatorName } from '../sim/simulators.ts';
import { verifyLayers } from '../sim/verify.ts';
import { synthDesign } from '../tools/eda.ts';
import { checkLayerFits, makeOperands } from './simulate.ts';
import { progress, table } from '../util/format.ts';
import { microseconds } from '../util/clock.ts';
import { writeTreeAtomic } from '../write/atomic.ts';
import { renderPlot } from './plot.ts';
import type { BenchReport, BenchRow } from './bench-report.ts';
import { STEPS, type LayerDims } from '../types.ts';

export const BENCH_DENSITIES = [1.0, 0.8, 0.5, 0.3, 0.2, 0.1];

/** The spec with zero skipping switched on or off (the dense one is the baseline). */
function variant(design: Design, skipZeros: boolean): Design {
  const spec = structuredClone(design.loaded.spec);
  spec.sparsity = { ...spec.sparsity, skipZeros };
  if (!skipZeros) {
    delete spec.sparsity.scanWidth;
    delete spec.sparsity.chunkDepth;
  }
  spec.name = skipZeros === design.loaded.spec.sparsity.skipZeros ? spec.name : `${spec.name}_${skipZeros ? 'sparse' : 'dense'}`;
  return designFromSpec(validateSpecObject(spec, `${design.loaded.source} (skipZeros ${skipZeros})`));
}

export interface BenchOptions {
  dims: LayerDims;
  seed: number;
  simulator: SimulatorName;
  densities: number[];
  area: boolean;
}

export async function runBench(design: Design, opts: BenchOptions): Promise<BenchReport> {
  const sparse = variant(design, true);
  const dense = variant(design, false);
  checkLayerFits(sparse, opts.dims, STEPS);
  checkLayerFits(dense, opts.dims, STEPS);
  const bar = progress('bench', 2 + 2 * opts.densities.length + (opts.area ? 2 : 0));
  bar.note(`compiling ${dense.model.name}`);
  const denseSim = await compileDesign(dense.model, opts.simulator);
  bar.tick(`compiled ${dense.model.name}`);
  bar.note(`compiling ${sparse.model.name}`);
  const sparseSim = await compileDesign(sparse.model, opts.simulator);
  bar.tick(`compiled ${sparse.model.name}`);

  const { model } = sparse;
  const problems: string[] = [];
  const rows: BenchRow[] = [];
  for (const density of opts.densities) {
    const operands = makeOperands(opts.dims, model.opBits, density, opts.seed);
    const job = { dims: opts.dims, operands, steps: STEPS };
    const context = (name: string) => () => `${name}, seed ${opts.seed}, density ${density}, ${opts.simulator}`;
    bar.note(`simulating density ${density}`);
    const [denseRuns] = await verifyLayers(dense.model, denseSim, [job], context(dense.model.name));
    bar.tick(`dense, density ${density}`);
    const [sparseRuns] = await verifyLayers(model, sparseSim, [job], context(model.name));
    bar.tick(`zero-skipping, density ${density}`);
    for (let i = 0; i < STEPS.length; i++) {
      const step = STEPS[i];
      const stepProblems = [...denseRuns[i].problems, ...sparseRuns[i].problems];
      problems.push(...stepProblems);
      const { modelCycles } = sparseRuns[i];
      const denseModelCycles = denseRuns[i].modelCycles;
      const { M, N, K } = gemmShape(step, opts.dims);
      const work = sparseWork(coreShape(model), step, opts.dims, operands);
      const pes = model.rows * model.cols;
      const effectualMacs = countEffectualMacs(step, operands);
      rows.push({
        step,
        density,
        denseCycles: denseRuns[i].cycles,
        denseModelCycles,
        cycles: sparseRuns[i].cycles,
        modelCycles,
        idealNnzCycles: Math.ceil((work.nonzeros * work.outputsPerValue) / pes),
        ratioToDense: sparseRuns[i].cycles / denseRuns[i].cycles,
        effectualMacs,
        effectualUtilization: effectualMacs / (sparseRuns[i].cycles * pes),
        scaleSimOs: scaleSimOs(model.rows, model.cols, M, N, K),
        scaleSimWs: scaleSimWs(model.rows, model.cols, M, N, K),
        bitExact: denseRuns[i].mismatches.length === 0 && sparseRuns[i].mismatches.length === 0,
      });
    }
  }
  let area: BenchReport['area'];
  if (opts.area) {
    bar.note('synthesising both cores');
    const d = await synthDesign(dense);
    bar.tick('synthesised the dense core');
    const s = await synthDesign(sparse);
    bar.tick('synthesised the zero-skipping core');
    if (!d.pass || !s.pass) problems.push(`synthesis failed: ${d.error ?? ''} ${s.error ?? ''}`.trim());
    area = {
      denseCells: d.cells,
      sparseCells: s.cells,
      ratio: s.cells / d.cells,
      denseMemoryBits: d.memoryBits,
      sparseMemoryBits: s.memoryBits,
    };
  }
  bar.done();
  return {
    spec: design.loaded.source,
    sparseDesign: model.name,
    denseDesign: dense.model.name,
    array: { rows: model.rows, cols: model.cols },
    layer: opts.dims,
    seed: opts.seed,
    simulator: opts.simulator,
    area,
    rows,
    problems,
  };
}

/**
 * The report with every row's cycles also in microseconds at `clockMHz`, each
 * beside its cycle count.
 */
export function benchAtClock(report: BenchReport, clockMHz: number): BenchReport {
  const rows = report.rows.map((row) => {
    const timed: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(row)) {
      timed[key] = value;
      if (key === 'denseCycles') timed.denseMicroseconds = microseconds(row.denseCycles, clockMHz);
      if (key === 'cycles') timed.microseconds = microseconds(row.cycles, clockMHz);
    }
    return timed as unknown as BenchRow;
  });
  const timed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(report)) {
    timed[key] = key === 'rows' ? rows : value;
    if (key === 'simulator') timed.clockMHz = clockMHz;
  }
  return timed as unknown as BenchReport;
}

const CSV_COLUMNS: (keyof BenchRow)[] = [
  'step',
  'density',
  'denseCycles',
  'denseMicroseconds',
  'cycles',
  'microseconds',
  'modelCycles',
  'idealNnzCycles',
  'ratioToDense',
  'effectualMacs',
  'effectualUtilization',
  'scaleSimOs',
  'scaleSimWs',
  'bitExact',
];

/** The CSV columns: the microsecond columns only with a clock, so that the file without one stays as it was. */
function csvColumns(report: BenchReport): (keyof BenchRow)[] {
  return report.clockMHz === undefined ? CSV_COLUMNS.filter((c) => c !== 'denseMicroseconds' && c !== 'microseconds') : CSV_COLUMNS;
}

export function benchCsv(report: BenchReport): string {
  const columns = csvColumns(report);
  const lines = [columns.join(',')];
  for (const row of report.rows) lines.push(columns.map((c) => String(row[c])).join(','));
  return lines.join('\n') + '\n';
}

export function benchTable(report: BenchReport): string {
  const time = <T>(value: T): T[] => (report.clockMHz === undefined ? [] : [value]);
  const rows = report.rows.map((r) => [
    r.step.toUpperCase(),
    r.density.toFixed(1),
    r.denseCycles,
    ...time(r.denseMicroseconds!),
    r.cycles,
    ...time(r.microseconds!),
    r.modelCycles,
    r.idealNnzCycles,
    r.ratioToDense.toFixed(3),
    `${(100 * r.effectualUtilization).toFixed(1)}%`,
    r.scaleSimOs,
    r.scaleSimWs,
    r.bitExact ? 'yes' : 'NO',
  ]);
  return table(
    [
      'step',
      'density',
      'dense',
      ...time('dense µs'),
      'zero-skip',
      ...time('zero-skip µs'),
      'model',
      'ideal nnz',
      'ratio',
      'eff. util',
      'SCALE-Sim OS',
      'SCALE-Sim WS',
      'bit-exact',
    ],
    rows,
  );
}

export async function writeBenchFiles(report: BenchReport, outDir: string): Promise<void> {
  await writeTreeAtomic(
    outDir,
    new Map([
      ['bench.json', JSON.stringify(report, null, 2) + '\n'],
      ['bench.csv', benchCsv(report)],
      ['bench.svg', renderPlot(report)],
    ]),
  );
}
