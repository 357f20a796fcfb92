import { designFromFile } from '/work/main/generator/pipeline.ts';
import { compileDesign } from '/work/main/generator/sim/simulators.ts';
import { runStepThroughMemory } from '/work/main/generator/sim/memory-step.ts';
import { makeOperands } from '/work/main/generator/commands/simulate.ts';
import { runStep } from '/work/main/generator/golden/gemm.ts';
const spec = process.argv[2] ?? '/work/main/specs/small.json';
const simName = (process.argv[3] ?? 'icarus') as 'icarus' | 'verilator';
const design = designFromFile(spec);
const m = design.model;
const dims = { batch: 5, din: 7, dout: 6 };
const ops = makeOperands(dims, m.opBits, 0.5, 1);
const t0 = Date.now();
const sim = await compileDesign(m, simName, { bench: 'system' });
console.log('compiled', Date.now() - t0);
for (const step of ['fp', 'bp', 'wg'] as const) for (const compressed of [false, true]) {
  const out = await runStepThroughMemory(m, sim, { step, dims, operands: ops, memory: { latency: Number(process.argv[4] ?? 20), randomSeed: process.argv[5] ? Number(process.argv[5]) : undefined }, compressed, rowPad: 1, startOffset: 3, budgetCycles: 200000 });
  const gold = runStep(step, ops, m.accBits);
  const ok = JSON.stringify(gold.map(r => r.map(String))) === JSON.stringify(out.result.map(r => r.map(String)));
  console.log(step, compressed ? 'zvc' : 'dense', ok ? 'OK' : 'MISMATCH', 'e2e', out.run.endToEndCycles, 'core', out.run.coreCommands.map(c => `${c.op}:${c.cycles}`).join(' '), 'rd', out.run.bytesRead, out.traffic.bytesRead, 'wr', out.run.bytesWritten, out.traffic.bytesWritten, 'fault', out.run.faultCode, Date.now() - t0);
}
