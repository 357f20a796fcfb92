/**
 * trainforge command line. Bad input ends with one line per problem on stderr
 * and exit status 1; an internal failure (a simulator crash, say) with exit
 * status 2. Set TRAINFORGE_DEBUG=1 for stack traces.
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { defaultOutDir, designFromFile, writeDesign, type Design } from './pipeline.ts';
import { lintDesign, synthDesign } from './tools/eda.ts';
import { implementOnIce40, parseDevice } from './tools/fpga.ts';
import { checkLayerFits, checkWavesPath, makeOperands, simulateStep, type SimReport } from './commands/simulate.ts';
import { runDemo } from './commands/demo.ts';
import { BENCH_DENSITIES, benchAtClock, benchTable, runBench, writeBenchFiles } from './commands/bench.ts';
import { runTraining, TRAIN_DEFAULTS, trainAtClock } from './commands/train.ts';
import { formatMicroseconds, parseClockMHz } from './util/clock.ts';
import { compileDesign, SIMULATORS, type SimulatorName } from './sim/simulators.ts';
import { UserError } from './util/errors.ts';
import { jsonWithBigInts, percent, table } from './util/format.ts';
import { checkFileTarget, writeFileAtomic, writeTreeAtomic } from './write/atomic.ts';
import { measuredPoints, modelPoints, parseLayers, renderRoofline, roofAt, type ModelPoint } from './commands/roofline.ts';
import type { LayerDims, Step } from './types.ts';
import type { CoreModel } from './elaborate/model.ts';

const HELP = `trainforge: generate and verify on-device DNN training accelerators

Usage: trainforge <command> [options]

Commands:
  validate SPEC            check a spec against the schema; print the normalised spec hash
  generate SPEC [--out DIR] [--dry]
                           write the Verilog, NAME.f (filelist in compile order),
                           NAME.core (FuseSoC CAPI2: lint, sim_icarus, sim_verilator),
                           NAME.h (C header: opcodes, field widths, buffer geometry),
                           tb_core.sv and manifest.json (default DIR: rtl-out/NAME)
  lint SPEC                Verilator --lint-only -Wall on the generated design
  synth SPEC [--json]      Yosys synthesis: pass/fail, cell count, no latches, the largest
                           fanout and the logic depth in gates (memories cut paths)
  fpga SPEC [--device hx8k|up5k] [--seed S] [--module NAME] [--json]
                           iCE40 implementation (yosys synth_ice40, nextpnr-ice40) of the
                           core (or one module: --module controller) out of context:
                           fits, Fmax, logic cells, carries, flip-flops, block RAMs,
                           DSPs and the critical path
  sim SPEC --step fp|bp|wg --batch B --din I --dout O
           [--density D] [--seed S] [--simulator verilator|icarus] [--dump DIR]
           [--mem-latency N] [--mem-random SEED] [--compressed]
           [--waves FILE.vcd] [--json]
                           run one training step on the RTL and compare it bit for bit
                           with the golden model (exit 0 only on an exact match):
                           on the core's ports, then through memory (the system top
                           loads the operands from the AXI4 memory model and stores
                           the result back; --mem-latency cycles per read burst,
                           default 100; --mem-random SEED: seeded backpressure and
                           stalls; --compressed: X and dY zero-value compressed);
                           --dump DIR writes the operands, the result and stimulus.txt,
                           --waves a VCD of the core for GTKWave (Verilator: a
                           separate build with --trace)
  demo [SPEC] [--batch B --din I --dout O] [--simulator verilator|icarus|both]
           [--clock-mhz F]
                           the main job: generate, lint, simulate FP, BP and WG,
                           compare, print results and cycles (SPEC: specs/default.json)
  bench SPEC [--batch B --din I --dout O] [--seed S] [--densities 1,0.5,...]
           [--simulator verilator|icarus] [--out DIR] [--no-area] [--clock-mhz F] [--json]
                           zero-skipping core against the dense core of the same spec,
                           every step and density; table, bench.json, bench.csv and
                           bench.svg in DIR (default bench-out/NAME)
  train SPEC --dataset iris|mnist [--hidden H] [--epochs E] [--batch B]
           [--train-samples N] [--test-samples N] [--seed S] [--lr-shift K]
           [--simulator verilator|icarus|golden] [--clock-mhz F] [--json]
           [--through-memory [--mem-latency N] [--mem-random SEED]]
                           train an MLP on the core: every GEMM, ReLU, mask,
                           requantization and weight update runs in the RTL; weights
                           are compared with the golden model after every step;
                           --through-memory runs the system top: the data set
                           (compressed) and the weights in the AXI4 memory model,
                           every command a descriptor pushed through the AXI4-Lite
                           registers, the host reading only logits and writing only
                           the output error; adds end-to-end cycles, bytes read and
                           written and the energy (--mem-latency cycles per read
                           burst, default 100; --mem-random the seeded random mode)
  roofline SPEC [--layers BxDINxDOUT,...] [--density D] [--seed S] [--out FILE.svg]
           [--simulator verilator|icarus|none] [--mem-latency N] [--json]
                           roofline of the core (log-log: MACs per byte of memory
                           traffic against MACs per cycle; roof = min(rows x cols,
                           intensity x bus bytes per cycle)) with model points for FP,
                           BP and WG of each layer (default 64x64x64): each step run
                           alone through memory (two dense operand loads, the result
                           stored: FP loads X and W and stores Y, BP dY and W -> dX,
                           WG dY and X -> dW), cycles = compute cycles + bus beats;
                           X and dY at density D (default 1, seed S) for the
                           zero-skipping core; writes FILE.svg (default
                           roofline-out/NAME.svg); each point's energy (Horowitz,
                           ISSCC 2014: docs/memory-system.md); beside them the
                           measured points: each step run on the simulator through
                           memory (the AXI4 memory model at --mem-latency, default
                           100), bytes from the core's bus counters, cycles end to
                           end (--simulator none: the model points only);
                           --json prints the points and the roof
  --clock-mhz F            (demo, bench, train) also give every cycle count as
                           microseconds at a clock of F MHz
  help                     this text

Examples:
  trainforge validate specs/default.json
  trainforge generate specs/nonsquare.json --out /tmp/wide
  trainforge sim specs/default.json --step bp --batch 64 --din 64 --dout 64 --json
  trainforge sim specs/small.json --step fp --batch 4 --din 4 --dout 4 --waves /tmp/fp.vcd
  trainforge roofline specs/default.json --layers 64x64x64,16x64x10 --out /tmp/roofline.svg
`;

type Options = Record<string, string | boolean | undefined>;

function parse(args: string[], options: Record<string, { type: 'string' | 'boolean' }>): { positionals: string[]; values: Options } {
  try {
    const { positionals, values } = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { positionals, values: values as Options };
  } catch (err) {
    // one line: node's message for a value that starts with a dash spans three
    const message = (err as Error).message
      .split('\n')
      .filter((line) => !line.startsWith('Did you forget'))
      .join(' ')
      .replace(/\. To specify a positional.*$/, '')
      .replace(/\.$/, '');
    throw new UserError(`${message}; see trainforge help`);
  }
}

function needSpec(positionals: string[], command: string): string {
  if (positionals.length !== 1)
    throw new UserError(`${command}: expected exactly one SPEC file, got ${positionals.length}; see trainforge help`);
  return positionals[0];
}

function intOption(values: Options, name: string, fallback?: number, min = 1): number {
  const raw = values[name];
  if (raw === undefined) {
    if (fallback === undefined) throw new UserError(`--${name} is required`);
    return fallback;
  }
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new UserError(`--${name}: "${raw}" is not an integer >= ${min}`);
  return n;
}

function simulatorOption(values: Options, allowBoth = false): SimulatorName[] {
  const raw = (values.simulator as string | undefined) ?? (allowBoth ? 'both' : 'verilator');
  if (allowBoth && raw === 'both') return [...SIMULATORS];
  if (!(SIMULATORS as readonly string[]).includes(raw)) {
    throw new UserError(`--simulator: "${raw}" is not one of ${SIMULATORS.join(', ')}${allowBoth ? ', both' : ''}`);
  }
  return [raw as SimulatorName];
}

async function cmdValidate(args: string[]): Promise<number> {
  const { positionals } = parse(args, {});
  const design = designFromFile(needSpec(positionals, 'validate'));
  const { spec } = design.loaded;
  console.log(
    `${design.loaded.source}: valid — ${spec.name}, ${spec.array.rows} x ${spec.array.cols} array, ` +
      `${spec.numeric.operandBits}-bit operands, ${spec.numeric.accumulatorBits}-bit accumulators, spec hash ${design.loaded.hash}`,
  );
  return 0;
}

async function cmdGenerate(args: string[]): Promise<number> {
  const { positionals, values } = parse(args, { out: { type: 'string' }, dry: { type: 'boolean' } });
  const design = designFromFile(needSpec(positionals, 'generate'));
  const out = values.out ? resolve(values.out as string) : defaultOutDir(design.model);
  if (values.dry) {
    for (const [file, text] of design.files) console.log(`${file}  ${Buffer.byteLength(text)} bytes`);
    console.log(`(dry run: nothing written; would write ${out})`);
    return 0;
  }
  await writeDesign(design, out);
  console.log(`wrote ${design.files.size} files to ${out} (top ${design.model.top}, spec hash ${design.model.specHash})`);
  return 0;
}

async function cmdLint(args: string[]): Promise<number> {
  const { positionals } = parse(args, {});
  const design = designFromFile(needSpec(positionals, 'lint'));
  const report = await lintDesign(design);
  for (const m of report.messages) console.log(m);
  console.log(`${design.model.top}: verilator --lint-only -Wall ${report.clean ? 'clean' : `found ${report.messages.length} problems`}`);
  return report.clean ? 0 : 1;
}

async function cmdSynth(args: string[]): Promise<number> {
  const { positionals, values } = parse(args, { json: { type: 'boolean' } });
  const design = designFromFile(needSpec(positionals, 'synth'));
  const report = await synthDesign(design);
  if (values.json) console.log(JSON.stringify(report, null, 2));
  else {
    console.log(`${report.top}: yosys synth ${report.pass ? 'passed' : 'FAILED'}`);
    if (report.error) console.log(report.error);
    console.log(
      `cells: ${report.cells.toLocaleString('en-US')} (memories kept as ${report.memories} $mem cells, ${report.memoryBits.toLocaleString('en-US')} bits); latches: ${report.latches}`,
    );
    if (report.maxFanoutNet) console.log(`max fanout: ${report.maxFanout.toLocaleString('en-US')} (${report.maxFanoutNet})`);
    if (report.logicDepthPath)
      console.log(`logic depth: ${report.logicDepth} gates (${report.logicDepthPath.from} -> ${report.logicDepthPath.to})`);
  }
  return report.pass ? 0 : 1;
}

/** --module NAME: one generated module (default: the core); a name that is not generated is a user error. */
function moduleOption(model: CoreModel, raw: string | undefined): string {
  if (raw === undefined) return model.top;
  const names = model.modules.map((m) => m.name);
  const name = names.includes(raw) ? raw : names.find((n) => n === `${model.name}_${raw}`);
  if (!name) throw new UserError(`--module ${raw}: not a module of ${model.name}; choose one of ${names.join(', ')}`);
  return name;
}

async function cmdFpga(args: string[]): Promise<number> {
  const { positionals, values } = parse(args, {
    device: { type: 'string' },
    seed: { type: 'string' },
    module: { type: 'string' },
    json: { type: 'boolean' },
  });
  const design = designFromFile(needSpec(positionals, 'fpga'));
  const device = parseDevice(values.device as string | undefined);
  const seed = intOption(values, 'seed', 1, 0);
  const module = moduleOption(design.model, values.module as string | undefined);
  if (!values.json) console.error(`fpga: ${module} on iCE40 ${device}, nextpnr seed ${seed} (synthesis and place and route take minutes)`);
  const r = await implementOnIce40(design, { device, seed, module });
  if (values.json) console.log(JSON.stringify(r, null, 2));
  else if (!r.fits) console.log(`${r.module} does not fit the iCE40 ${r.device}: ${r.overflow} ran out`);
  else {
    const n = (v: number) => v.toLocaleString('en-US');
    console.log(`${r.module} on iCE40 ${r.device} (${r.package}), nextpnr seed ${r.seed}: fits`);
    console.log(`  Fmax ${r.fmaxMHz ?? 'n/a'} MHz`);
    console.log(
      `  logic cells ${n(r.lcs)} of ${n(r.lcsAvailable)}, carries ${n(r.carries)}, flip-flops ${n(r.ffs)}, block RAMs ${r.brams} of ${r.bramsAvailable}, DSPs ${r.dsps}`,
    );
    if (r.criticalPath) {
      const p = r.criticalPath;
      console.log(`  critical path: ${p.from} -> ${p.to}, ${p.logicSteps} logic steps, ${p.delayNs} ns`);
    }
  }
  return r.fits ? 0 : 1;
}

function printSimReport(r: SimReport): void {
  console.log(
    `${r.design} ${r.step.toUpperCase()} batch ${r.batch} din ${r.din} dout ${r.dout} density ${r.density} seed ${r.seed} on ${r.simulator}`,
  );
  console.log(`  result: ${r.pass ? 'bit-exact match with the golden model' : 'MISMATCH'}`);
  for (const m of r.mismatches) console.log(`  ${m}`);
  console.log(
    `  cycles ${r.cycles} (model ${r.modelCycles}), ideal ${r.idealCycles}, utilization ${percent(r.utilization)}; transfers ${r.transferCycles} cycles; ${r.macs} MACs (${r.effectualMacs} effectual)`,
  );
  const mode = r.memoryRandomSeed === null ? `latency ${r.memoryLatency}` : `random memory, seed ${r.memoryRandomSeed}`;
  console.log(
    `  through memory (${mode}${r.compressed ? ', X and dY compressed' : ''}): ${r.endToEndCycles} cycles end to end; bytes read ${r.bytesRead} (model ${r.modelBytesRead}), written ${r.bytesWritten} (model ${r.modelBytesWritten})`,
  );
}

async function cmdSim(args: string[]): Promise<number> {
  const { positionals, values } = parse(args, {
    step: { type: 'string' },
    batch: { type: 'string' },
    din: { type: 'string' },
    dout: { type: 'string' },
    density: { type: 'string' },
    seed: { type: 'string' },
    simulator: { type: 'string' },
    dump: { type: 'string' },
    waves: { type: 'string' },
    'mem-latency': { type: 'string' },
    'mem-random': { type: 'string' },
    compressed: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  const specPath = needSpec(positionals, 'sim');
  const step = values.step as string | undefined;
  if (step !== 'fp' && step !== 'bp' && step !== 'wg')
    throw new UserError(`--step: ${step === undefined ? 'missing' : `"${step}" is not`} one of fp, bp, wg`);
  const dims = { batch: intOption(values, 'batch'), din: intOption(values, 'din'), dout: intOption(values, 'dout') };
  const density = values.density === undefined ? 1 : Number(values.density);
  if (!(density >= 0 && density <= 1)) throw new UserError(`--density: "${values.density}" is not a number from 0 to 1`);
  const seed = intOption(values, 'seed', 1, 0);
  const [simulator] = simulatorOption(values);
  // a bad waveform path stops here, before the spec is read or anything is built
  const waves = values.waves === undefined ? undefined : checkWavesPath(values.waves as string);
  const design = designFromFile(specPath);
  const memory = {
    latency: intOption(values, 'mem-latency', 100, 1),
    randomSeed: values['mem-random'] === undefined ? undefined : intOption(values, 'mem-random', 0, 0),
    compressed: values.compressed === true,
  };
  const { report, operands, result, stimulus } = await simulateStep(design, {
    step: step as Step,
    dims,
    density,
    seed,
    simulator,
    waves,
    memory,
  });
  if (values.dump) {
    const files = new Map<string, string>([
      ['X.json', JSON.stringify(operands.X) + '\n'],
      ['W.json', JSON.stringify(operands.W) + '\n'],
      ['dY.json', JSON.stringify(operands.dY) + '\n'],
      ['result.json', jsonWithBigInts(result) + '\n'],
      ['stimulus.txt', stimulus],
    ]);
    await writeTreeAtomic(resolve(values.dump as string), files);
  }
  if (values.json) console.log(JSON.stringify(report));
  else {
    printSimReport(report);
    if (waves) console.log(`  waveform: ${waves} (VCD, for GTKWave)`);
  }
  return report.pass ? 0 : 1;
}

async function cmdDemo(args: string[]): Promise<number> {
  const { positionals, values } = parse(args, {
    batch: { type: 'string' },
    din: { type: 'string' },
    dout: { type: 'string' },
    seed: { type: 'string' },
    simulator: { type: 'string' },
    'clock-mhz': { type: 'string' },
  });
  if (positionals.length > 1) throw new UserError('demo: expected at most one SPEC file; see trainforge help');
  const clockMHz = parseClockMHz(values['clock-mhz'] as string | undefined);
  const design: Design = designFromFile(positionals[0] ?? 'specs/default.json');
  const dims = { batch: intOption(values, 'batch', 64), din: intOption(values, 'din', 64), dout: intOption(values, 'dout', 64) };
  return runDemo(design, dims, intOption(values, 'seed', 1, 0), simulatorOption(values, true), clockMHz);
}

async function cmdBench(args: string[]): Promise<number> {
  const { positionals, values } = parse(args, {
    batch: { type: 'string' },
    din: { type: 'string' },
    dout: { type: 'string' },
    seed: { type: 'string' },
    densities: { type: 'string' },
    simulator: { type: 'string' },
    out: { type: 'string' },
    'no-area': { type: 'boolean' },
    'clock-mhz': { type: 'string' },
    json: { type: 'boolean' },
  });
  const design = designFromFile(needSpec(positionals, 'bench'));
  const clockMHz = parseClockMHz(values['clock-mhz'] as string | undefined);
  const dims = { batch: intOption(values, 'batch', 64), din: intOption(values, 'din', 64), dout: intOption(values, 'dout', 64) };
  const densities = values.densities === undefined ? BENCH_DENSITIES : String(values.densities).split(',').map(Number);
  if (densities.some((d) => !(d > 0 && d <= 1)))
    throw new UserError(`--densities: "${values.densities}" must be a comma-separated list of numbers in (0, 1]`);
  const [simulator] = simulatorOption(values);
  const measured = await runBench(design, { dims, seed: intOption(values, 'seed', 1, 0), simulator, densities, area: !values['no-area'] });
  const report = clockMHz === undefined ? measured : benchAtClock(measured, clockMHz);
  const out = resolve((values.out as string | undefined) ?? `bench-out/${design.model.name}`);
  await writeBenchFiles(report, out);
  if (values.json) console.log(JSON.stringify(report));
  else {
    console.log(
      `${report.sparseDesign} (zero-skipping) against ${report.denseDesign} (dense), ${report.array.rows} x ${report.array.cols}, layer batch ${dims.batch} din ${dims.din} dout ${dims.dout}, seed ${report.seed}, ${simulator}${clockMHz === undefined ? '' : `; µs at ${clockMHz} MHz`}`,
    );
    console.log(benchTable(report));
    if (report.area) {
      console.log(
        `area (yosys cells): dense ${report.area.denseCells.toLocaleString('en-US')}, zero-skipping ${report.area.sparseCells.toLocaleString('en-US')}, ratio ${report.area.ratio.toFixed(3)}; memory bits ${report.area.denseMemoryBits.toLocaleString('en-US')} and ${report.area.sparseMemoryBits.toLocaleString('en-US')}`,
      );
    }
    for (const p of report.problems) console.log(p);
    console.log(`wrote bench.json, bench.csv and bench.svg to ${out}`);
  }
  return report.problems.length ? 1 : 0;
}

async function cmdTrain(args: string[]): Promise<number> {
  const { positionals, values } = parse(args, {
    dataset: { type: 'string' },
    hidden: { type: 'string' },
    epochs: { type: 'string' },
    batch: { type: 'string' },
    'train-samples': { type: 'string' },
    'test-samples': { type: 'string' },
    seed: { type: 'string' },
    'lr-shift': { type: 'string' },
    simulator: { type: 'string' },
    'clock-mhz': { type: 'string' },
    'through-memory': { type: 'boolean' },
    'mem-latency': { type: 'string' },
    'mem-random': { type: 'string' },
    json: { type: 'boolean' },
  });
  if (!values['through-memory'] && (values['mem-latency'] !== undefined || values['mem-random'] !== undefined))
    throw new UserError('--mem-latency and --mem-random need --through-memory');
  const throughMemory = values['through-memory']
    ? {
        latency: intOption(values, 'mem-latency', 100, 1),
        randomSeed: values['mem-random'] === undefined ? undefined : intOption(values, 'mem-random', 0, 0),
      }
    : undefined;
  if (throughMemory && values.simulator === 'golden')
    throw new UserError('--through-memory runs on a simulator: use --simulator verilator or icarus');
  const design = designFromFile(needSpec(positionals, 'train'));
  const clockMHz = parseClockMHz(values['clock-mhz'] as string | undefined);
  const dataset = values.dataset as string | undefined;
  if (dataset !== 'iris' && dataset !== 'mnist')
    throw new UserError(`--dataset: ${dataset === undefined ? 'missing' : `"${dataset}" is not`} one of iris, mnist`);
  const d = TRAIN_DEFAULTS[dataset];
  const simulator = (values.simulator as string | undefined) ?? 'verilator';
  if (!['verilator', 'icarus', 'golden'].includes(simulator))
    throw new UserError(`--simulator: "${simulator}" is not one of verilator, icarus, golden`);
  const trained = await runTraining(design, {
    dataset,
    hidden: intOption(values, 'hidden', d.hidden),
    epochs: intOption(values, 'epochs', d.epochs),
    batch: intOption(values, 'batch', d.batch),
    trainSamples: intOption(values, 'train-samples', d.trainSamples),
    testSamples: intOption(values, 'test-samples', d.testSamples),
    seed: intOption(values, 'seed', 1, 0),
    lrShift: intOption(values, 'lr-shift', d.lrShift, 0),
    simulator: simulator as 'verilator' | 'icarus' | 'golden',
    throughMemory,
  });
  const report = clockMHz === undefined ? trained : trainAtClock(trained, clockMHz);
  if (values.json) {
    console.log(JSON.stringify(report));
  } else {
    console.log(`${report.design}: ${report.network.join('-')} MLP on ${report.dataset}, ${report.simulator}, ${report.steps} steps`);
    report.epochs.forEach((e, i) => {
      const f = report.floatEpochs[i];
      console.log(
        `  epoch ${e.epoch}: loss ${e.loss.toFixed(4)}, train accuracy ${percent(e.trainAccuracy)}   (float32: ${f.loss.toFixed(4)}, ${percent(f.trainAccuracy)})`,
      );
    });
    console.log(`  test accuracy ${percent(report.testAccuracy)} on the core, ${percent(report.floatTestAccuracy)} in float32`);
    const c = report.cycles;
    const n = (v: number) => v.toLocaleString('en-US');
    console.log(
      `  cycles: FP ${n(c.fp)}, BP ${n(c.bp)}, WG ${n(c.wg)}, update ${n(c.update)}, move ${n(c.move)}; total ${n(c.total)} (host transfers apart: ${n(c.transfer)})`,
    );
    if (report.microseconds) {
      const u = report.microseconds;
      const t = formatMicroseconds;
      console.log(
        `  µs at ${report.clockMHz} MHz: FP ${t(u.fp)}, BP ${t(u.bp)}, WG ${t(u.wg)}, update ${t(u.update)}, move ${t(u.move)}; total ${t(u.total)} (host transfers apart: ${t(u.transfer)})`,
      );
    }
    if (report.memory && report.energy && c.endToEnd !== undefined) {
      const m = report.memory;
      const e = report.energy;
      const mode =
        throughMemory?.randomSeed === undefined ? `latency ${throughMemory?.latency}` : `random memory, seed ${throughMemory.randomSeed}`;
      const ratio = (a: number, b: number) => (b === 0 ? '-' : (a / b).toFixed(3));
      console.log(
        `  through memory (${report.options.simulator}, ${mode}): ${n(c.endToEnd)} cycles end to end, ${ratio(c.endToEnd, c.total)} x the core's compute cycles; loads and logit reads ${n(c.transfer)} core cycles`,
      );
      console.log(
        `  memory: ${n(m.bytesRead)} bytes read, ${n(m.bytesWritten)} written (the core's counters equal the traffic model); inputs ${n(m.inputBytesRead)} bytes read for ${n(m.inputBytesUncompressed)} uncompressed (${ratio(m.inputBytesRead, m.inputBytesUncompressed)})`,
      );
      console.log(
        `  energy: ${e.totalMicrojoules.toFixed(1)} µJ (DRAM ${e.dramMicrojoules.toFixed(1)}, SRAM ${e.sramMicrojoules.toFixed(1)}, MACs ${e.macMicrojoules.toFixed(1)})`,
      );
      if (report.verification)
        console.log(
          `  weight checks (apart): ${n(report.verification.cycles)} cycles, ${n(report.verification.bytesRead)} bytes read, ${n(report.verification.bytesWritten)} written`,
        );
    }
    console.log(
      `  MACs: ${report.effectualMacs.toLocaleString('en-US')} effectual, ${report.skippedMacs.toLocaleString('en-US')} skipped; wall time ${report.wallSeconds.toFixed(1)} s`,
    );
    console.log(report.weightsMatchGolden ? `  weights equal the golden model's after every step` : `  MISMATCH: ${report.mismatch}`);
  }
  return report.weightsMatchGolden ? 0 : 1;
}

async function cmdRoofline(args: string[]): Promise<number> {
  const { positionals, values } = parse(args, {
    layers: { type: 'string' },
    density: { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
    simulator: { type: 'string' },
    'mem-latency': { type: 'string' },
    json: { type: 'boolean' },
  });
  const specPath = needSpec(positionals, 'roofline');
  const measure = (values.simulator as string | undefined) !== 'none';
  const [simulator] = measure ? simulatorOption(values) : [];
  const latency = intOption(values, 'mem-latency', 100, 1);
  const layers = parseLayers((values.layers as string | undefined) ?? '64x64x64');
  const density = values.density === undefined ? 1 : Number(values.density);
  if (!(density >= 0 && density <= 1)) throw new UserError(`--density: "${values.density}" is not a number from 0 to 1`);
  const seed = intOption(values, 'seed', 1, 0);
  const out = values.out as string | undefined;
  if (out !== undefined && !out.endsWith('.svg')) throw new UserError(`--out: "${out}" is not a file name ending in .svg`);
  // a folder in the way stops here, before anything is simulated
  if (out !== undefined) await checkFileTarget(out);
  const design = designFromFile(specPath);
  const { model } = design;
  for (const dims of layers) checkLayerFits(design, dims, ['fp', 'bp', 'wg']);
  const operandsOf = (dims: LayerDims) => makeOperands(dims, model.opBits, density, seed);
  const points: ModelPoint[] = modelPoints(model, layers, operandsOf);
  if (simulator) {
    const sim = await compileDesign(model, simulator, { bench: 'system' });
    points.push(...(await measuredPoints(model, sim, layers, operandsOf, latency)));
  }
  const chart = {
    title: `${model.name}: roofline, ${model.rows} x ${model.cols} ${model.sparse ? 'zero-skipping' : 'dense'} core, ${model.memory.dataBits}-bit bus`,
    peakMacsPerCycle: model.rows * model.cols,
    busBytesPerCycle: model.memory.dataBytes,
    points,
  };
  const file = resolve(out ?? `roofline-out/${model.name}.svg`);
  await writeFileAtomic(file, renderRoofline(chart));
  if (values.json) {
    console.log(
      JSON.stringify({
        design: model.name,
        svg: file,
        density,
        seed,
        roof: {
          peakMacsPerCycle: chart.peakMacsPerCycle,
          busBytesPerCycle: chart.busBytesPerCycle,
          ridgeIntensity: chart.peakMacsPerCycle / chart.busBytesPerCycle,
        },
        points,
      }),
    );
  } else {
    console.log(`${chart.title}; roof min(${chart.peakMacsPerCycle}, ${chart.busBytesPerCycle} x intensity) MACs/cycle`);
    console.log(
      table(
        [
          'point',
          'kind',
          'MACs',
          'bytes read',
          'bytes written',
          'MACs/B',
          'compute cycles',
          'other cycles',
          'MACs/cycle',
          'roof',
          'µJ (DRAM)',
        ],
        points.map((p) => [
          p.label,
          p.kind,
          p.macs,
          p.bytesRead,
          p.bytesWritten,
          Number(p.intensity.toFixed(2)),
          p.computeCycles,
          p.transferCycles,
          Number(p.macsPerCycle.toFixed(2)),
          Number(roofAt(chart, p.intensity).toFixed(2)),
          `${p.energy.totalMicrojoules.toFixed(3)} (${p.energy.dramMicrojoules.toFixed(3)})`,
        ]),
      ),
    );
    console.log('other cycles: of a model point, its bus beats; of a measured point, its end-to-end cycles but the compute command');
    console.log(
      `wrote ${file} (${simulator ? `model points, and points measured on ${simulator} with memory latency ${latency}` : 'model points'})`,
    );
  }
  return 0;
}

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  validate: cmdValidate,
  generate: cmdGenerate,
  lint: cmdLint,
  synth: cmdSynth,
  fpga: cmdFpga,
  sim: cmdSim,
  demo: cmdDemo,
  bench: cmdBench,
  train: cmdTrain,
  roofline: cmdRoofline,
};

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(HELP);
    return command ? 0 : 1;
  }
  const run = COMMANDS[command];
  if (!run) {
    process.stderr.write(`trainforge: unknown command "${command}"; commands: ${Object.keys(COMMANDS).join(', ')} (see trainforge help)\n`);
    return 1;
  }
  try {
    return await run(rest);
  } catch (err) {
    if (err instanceof UserError) {
      for (const p of err.problems) process.stderr.write(`error: ${p}\n`);
      return 1;
    }
    const e = err as Error;
    process.stderr.write(`trainforge ${command}: internal error: ${e.message}\n`);
    if (process.env.TRAINFORGE_DEBUG) process.stderr.write(`${e.stack}\n`);
    else process.stderr.write('(set TRAINFORGE_DEBUG=1 for a stack trace)\n');
    return 2;
  }
}
