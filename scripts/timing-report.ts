/**
 * The README's timing tables, measured: iCE40 HX8K implementation (Fmax and
 * resources, `trainforge fpga`) of the example specs and of the scaling specs,
 * and generic synthesis figures (`trainforge synth`: cells, maxFanout,
 * logicDepth) of the 2 x 2, 4 x 4 and 8 x 8 scaling specs.
 *
 *   npx tsx scripts/timing-report.ts [--fpga SPEC,...] [--synth SPEC,...] [--device hx8k|up5k]
 *
 * Prints two Markdown tables and the wall time of each run. Place and route of
 * every spec takes tens of seconds to minutes; an example spec whose memories
 * do not fit the device is reported with the resource that ran out.
 */
import { parseArgs } from 'node:util';
import { designFromFile } from '../generator/pipeline.ts';
import { synthDesign } from '../generator/tools/eda.ts';
import { implementOnIce40, parseDevice } from '../generator/tools/fpga.ts';

const FPGA_SPECS = [
  'specs/scaling/array-1x1.json',
  'specs/small.json',
  'specs/scaling/array-4x4.json',
  'specs/nonsquare.json',
  'specs/default.json',
];
const SYNTH_SPECS = ['specs/scaling/array-2x2.json', 'specs/scaling/array-4x4.json', 'specs/scaling/array-8x8.json'];

const { values } = parseArgs({
  options: { fpga: { type: 'string' }, synth: { type: 'string' }, device: { type: 'string' } },
});
const list = (raw: string | undefined, fallback: string[]) => (raw === undefined ? fallback : raw.split(',').filter(Boolean));
const device = parseDevice(values.device);
const n = (v: number) => v.toLocaleString('en-US');
const seconds = (start: number) => ((Date.now() - start) / 1000).toFixed(0);

const fpgaRows: string[] = [];
for (const spec of list(values.fpga, FPGA_SPECS)) {
  const design = designFromFile(spec);
  const m = design.model;
  const start = Date.now();
  console.error(`fpga ${spec} on ${device} ...`);
  const r = await implementOnIce40(design, { device, seed: 1 });
  const shape = `${m.rows} x ${m.cols}, ${m.opBits}/${m.accBits}-bit`;
  fpgaRows.push(
    r.fits
      ? `| \`${spec}\` | ${shape} | ${r.fmaxMHz ?? 'n/a'} | ${n(r.lcs)} / ${n(r.lcsAvailable)} | ${n(r.carries)} | ${n(r.ffs)} | ${r.brams} / ${r.bramsAvailable} | ${r.dsps} | ${r.criticalPath?.logicSteps ?? ''} | ${seconds(start)} s |`
      : `| \`${spec}\` | ${shape} | does not fit: ${r.overflow} | | | ${n(r.ffs)} | | | | ${seconds(start)} s |`,
  );
}

const synthRows: string[] = [];
for (const spec of list(values.synth, SYNTH_SPECS)) {
  const design = designFromFile(spec);
  const m = design.model;
  const start = Date.now();
  console.error(`synth ${spec} ...`);
  const r = await synthDesign(design);
  synthRows.push(
    `| \`${spec}\` | ${m.rows} x ${m.cols} | ${n(r.cells)} | ${n(r.memoryBits)} | ${r.maxFanout} (\`${r.maxFanoutNet}\`) | ${r.logicDepth} | ${seconds(start)} s |`,
  );
}

if (fpgaRows.length) {
  console.log(`iCE40 ${device}, nextpnr-ice40 seed 1:\n`);
  console.log(
    '| spec | array | Fmax (MHz) | logic cells | carries | flip-flops | block RAMs | DSPs | critical path (logic steps) | time |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const row of fpgaRows) console.log(row);
  console.log('');
}
if (synthRows.length) {
  console.log('Generic synthesis (yosys synth -flatten, memories kept):\n');
  console.log('| spec | array | cells | memory bits | maxFanout (net) | logicDepth (gates) | time |');
  console.log('|---|---|---|---|---|---|---|');
  for (const row of synthRows) console.log(row);
}
