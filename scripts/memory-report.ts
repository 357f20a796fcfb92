/**
 * The README's memory-system table, measured: FP, BP and WG of one layer run
 * through memory (the system top between the AXI4 memory model and a scripted
 * host) on a simulator, with each load's and the store's bus rate once the
 * first burst has arrived, beside the compute.
 *
 *   npx tsx scripts/memory-report.ts [--spec specs/default.json] [--layer 64x64x64] [--latency 100]
 *       [--density 1] [--compressed] [--simulator verilator|icarus]
 */
import { parseArgs } from 'node:util';
import { makeOperands } from '../generator/commands/simulate.ts';
import { parseLayers } from '../generator/commands/roofline.ts';
import { tensorShape } from '../generator/elaborate/model.ts';
import { designFromFile } from '../generator/pipeline.ts';
import { runStepThroughMemory } from '../generator/sim/memory-step.ts';
import { compileDesign, type SimulatorName } from '../generator/sim/simulators.ts';
import { STEP_OPERANDS, STEPS, type TensorName } from '../generator/types.ts';
import { table } from '../generator/util/format.ts';

const { values } = parseArgs({
  options: {
    spec: { type: 'string', default: 'specs/default.json' },
    layer: { type: 'string', default: '64x64x64' },
    latency: { type: 'string', default: '100' },
    density: { type: 'string', default: '1' },
    compressed: { type: 'boolean', default: false },
    simulator: { type: 'string', default: 'verilator' },
  },
});
const design = designFromFile(values.spec);
const { model } = design;
const [dims] = parseLayers(values.layer);
const latency = Number(values.latency);
const sim = await compileDesign(model, values.simulator as SimulatorName, { bench: 'system' });
const peak = model.memory.dataBytes;
const LOAD_OP = { W: 'loadW', X: 'loadX', dY: 'loadDy' } as const;
const rows: (string | number)[][] = [];
for (const step of STEPS) {
  const ops = makeOperands(dims, model.opBits, Number(values.density), 1);
  const out = await runStepThroughMemory(model, sim, {
    step,
    dims,
    operands: ops,
    memory: { latency },
    compressed: values.compressed,
    budgetCycles: 10_000_000,
  });
  if (out.run.faultCode !== 0) throw new Error(`${step}: fault ${out.run.faultCode}`);
  const cycles = (op: string) => out.run.coreCommands.find((c) => c.op === op)?.cycles ?? NaN;
  // a load's rate after its first burst: its bytes over its cycles less the latency
  const rate = (bytes: number, c: number) =>
    `${(bytes / (c - latency)).toFixed(2)} B/cycle (${((100 * bytes) / (c - latency) / peak).toFixed(1)}%)`;
  const loads = (STEP_OPERANDS[step] as readonly TensorName[]).map((t) => {
    const { rows: r, cols } = tensorShape(t, dims);
    return `${t} ${rate(r * cols * model.memory.elementBytes, cycles(LOAD_OP[t]))}`;
  });
  const readCycles = cycles('readResult');
  rows.push([
    step.toUpperCase(),
    out.run.endToEndCycles,
    cycles(step),
    (out.run.endToEndCycles / cycles(step)).toFixed(2),
    loads.join('; '),
    `${((out.traffic.bytesWritten / readCycles) * 1).toFixed(2)} B/cycle (${((100 * out.traffic.bytesWritten) / readCycles / peak).toFixed(1)}%)`,
    out.run.bytesRead,
    out.run.bytesWritten,
  ]);
}
console.log(
  `${model.name} (${model.rows} x ${model.cols}${model.sparse ? ', zero-skipping' : ''}), ${model.memory.dataBits}-bit bus, layer ${dims.batch}x${dims.din}x${dims.dout}, density ${values.density}${values.compressed ? ', X and dY compressed' : ''}, memory latency ${latency}, ${values.simulator}`,
);
console.log(
  table(
    ['step', 'end to end', 'compute', 'ratio', 'loads (after the first burst; % of the bus peak)', 'store', 'bytes read', 'bytes written'],
    rows,
  ),
);
