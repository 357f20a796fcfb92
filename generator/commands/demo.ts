/**
 * The main job on one spec: generate the RTL into rtl-out/NAME, lint it, run FP,
 * BP and WG of one layer on each simulator, compare with the golden model and
 * print results and cycles.
 */
import { defaultOutDir, writeDesign, type Design } from '../pipeline.ts';
import { coreShape } from '../elaborate/model.ts';
import { lintDesign } from '../tools/eda.ts';
import { idealCycles } from '../golden/cycles.ts';
import { gemmShape } from '../golden/gemm.ts';
import { scaleSimOs, scaleSimWs } from '../golden/scalesim.ts';
import { compileDesign, type SimulatorName } from '../sim/simulators.ts';
import { verifyLayers } from '../sim/verify.ts';
import { checkLayerFits, makeOperands } from './simulate.ts';
import { percent, table } from '../util/format.ts';
import { microseconds } from '../util/clock.ts';
import { STEPS, type LayerDims } from '../types.ts';

/**
 * With `clockMHz`, the table gains the cycles as microseconds at that clock
 * beside the measured cycles and the transfer cycles; without it, it is as it was.
 */
export async function runDemo(
  design: Design,
  dims: LayerDims,
  seed: number,
  simulators: SimulatorName[],
  clockMHz?: number,
): Promise<number> {
  const { model } = design;
  checkLayerFits(design, dims, STEPS);
  const out = defaultOutDir(model);
  await writeDesign(design, out);
  console.log(`generated ${model.top} (${model.rows} x ${model.cols}, spec hash ${model.specHash}) into ${out}`);

  const lint = await lintDesign(design);
  for (const m of lint.messages) console.log(m);
  console.log(`lint: verilator --lint-only -Wall ${lint.clean ? 'clean' : 'FAILED'}`);

  const operands = makeOperands(dims, model.opBits, 1, seed);
  const core = coreShape(model);
  const rows: (string | number)[][] = [];
  const problems: string[] = [];
  for (const simulator of simulators) {
    const started = Date.now();
    const sim = await compileDesign(model, simulator);
    console.log(
      `${simulator}: ${sim.cached ? 'reused the cached build' : `compiled in ${((Date.now() - started) / 1000).toFixed(1)} s`}; simulating...`,
    );
    const [runs] = await verifyLayers(model, sim, [{ dims, operands, steps: STEPS }], () => `seed ${seed}, ${simulator}`);
    for (const run of runs) {
      const ideal = idealCycles(core, run.step, dims);
      const { M, N, K } = gemmShape(run.step, dims);
      problems.push(...run.problems);
      const us = (cycles: number) => (clockMHz === undefined ? [] : [microseconds(cycles, clockMHz)]);
      rows.push([
        simulator,
        run.step.toUpperCase(),
        run.mismatches.length ? `${run.mismatches.length} wrong` : 'bit-exact',
        run.cycles,
        ...us(run.cycles),
        run.modelCycles,
        ideal,
        percent(ideal / run.cycles),
        scaleSimOs(model.rows, model.cols, M, N, K),
        scaleSimWs(model.rows, model.cols, M, N, K),
        run.transferCycles,
        ...us(run.transferCycles),
      ]);
    }
  }
  const clock = clockMHz === undefined ? '' : `; µs at ${clockMHz} MHz`;
  console.log(`\nlayer: batch ${dims.batch}, din ${dims.din}, dout ${dims.dout}; dense random operands, seed ${seed}${clock}`);
  const time = (header: string) => (clockMHz === undefined ? [] : [header]);
  console.log(
    table(
      [
        'simulator',
        'step',
        'result',
        'cycles',
        ...time('µs'),
        'model',
        'ideal',
        'util',
        'SCALE-Sim OS',
        'SCALE-Sim WS',
        'transfer',
        ...time('transfer µs'),
      ],
      rows,
    ),
  );
  for (const p of problems) console.log(p);
  const pass = lint.clean && problems.length === 0;
  console.log(pass ? '\nall steps match the golden model bit for bit; every cycle count matches the model' : '\nFAILED');
  return pass ? 0 : 1;
}
