/**
 * The end-to-end cycle model (generator/golden/system-cycles.ts) against the
 * system simulated on Icarus and Verilator with the deterministic memory: for
 * every program, the cycles from the CTRL.START_PROGRAM write to the
 * interrupt, and every core command's cycles (loads and stores included,
 * which wait on the DMA), must equal the model's. Each design is compiled
 * once per simulator and runs many programs:
 *   - FP, BP and WG steps through memory (runStepThroughMemory): random
 *     dims, latencies 1..200, unaligned starts and row pads, dense and
 *     zero-value-compressed X and dY;
 *   - programs longer than the command queue (the fetch refills the queue
 *     while descriptors run, and shares the reader with the loads), one
 *     ending on a descriptor with the IRQ flag, one on STATUS.BUSY falling.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { layerFitProblems, type CoreModel } from '../../generator/elaborate/model.ts';
import { makeOperands } from '../../generator/commands/simulate.ts';
import { gemmShape } from '../../generator/golden/gemm.ts';
import { makeRng } from '../../generator/golden/rng.ts';
import { programCommands, systemCycles } from '../../generator/golden/system-cycles.ts';
import { MemoryImage, writeCompressed, writeDense, type Descriptor } from '../../generator/golden/traffic.ts';
import { busShape, runStepThroughMemory } from '../../generator/sim/memory-step.ts';
import { runProgram } from '../../generator/sim/system.ts';
import { compileDesign, type CompiledSim } from '../../generator/sim/simulators.ts';
import type { LayerDims, Operands, Step } from '../../generator/types.ts';
import { buildModel, SIM_NAMES, SYS_DENSE, SYS_SPARSE } from './helpers.ts';

const SEED = Number(process.env.TRAINFORGE_SEED ?? 1);
const STEPS: Step[] = ['fp', 'bp', 'wg'];
const LATENCIES = [1, 2, 3, 5, 8, 13, 30, 64, 100, 200];
const BUDGET = 400_000;
const buffers = { weightWords: 256, activationWords: 256, errorWords: 256, resultWords: 256 };

const DESIGNS: CoreModel[] = [
  // the designs of tests/sim/system.test.ts (one build serves both files)
  SYS_DENSE,
  SYS_SPARSE,
  // a 128-bit bus (a descriptor in 4 beats), byte operands, chunks of 5 (short chunks at row ends), one read in flight
  buildModel({
    name: 'e2e_wide',
    array: { rows: 3, cols: 2 },
    numeric: { operandBits: 8, accumulatorBits: 32 },
    buffers,
    memory: { dataBits: 128, maxBurst: 8, queueDepth: 8, outstandingReads: 1, zvcChunk: 5 },
  }),
];

interface Case {
  step: Step;
  dims: LayerDims;
  latency: number;
  compressed: boolean;
  rowPad: number;
  startOffset: number;
  seed: number;
}

function stepCases(model: CoreModel, count: number, seed: number): Case[] {
  const rng = makeRng(seed);
  const cases: Case[] = [];
  while (cases.length < count) {
    const dims = { batch: rng.nextInt(1, 7), din: rng.nextInt(1, 13), dout: rng.nextInt(1, 11) };
    const step = STEPS[cases.length % STEPS.length];
    if (layerFitProblems(model, dims, ['W', 'X', 'dY'], [gemmShape(step, dims)]).length) continue;
    cases.push({
      step,
      dims,
      latency: LATENCIES[cases.length % LATENCIES.length],
      compressed: cases.length % 2 === 1,
      rowPad: rng.nextInt(0, 3),
      startOffset: rng.nextInt(0, 7),
      seed: rng.nextInt(1, 1_000_000),
    });
  }
  return cases;
}

/**
 * A program longer than the queue: every load, the three computes with their
 * read-outs, READ_W, `repeat` times; X and dY compressed or not. The last
 * descriptor asks for the interrupt, or not (then STATUS.BUSY falling raises it).
 */
function longProgram(model: CoreModel, dims: LayerDims, ops: Operands, compressed: boolean, repeat: number, irq: boolean) {
  const bus = busShape(model);
  const image = new MemoryImage();
  let next = 0x10000;
  const page = (bytes: number, offset: number) => {
    const addr = next + offset;
    next = Math.ceil((addr + bytes + 1) / 4096) * 4096;
    return addr;
  };
  const E = bus.elementBytes;
  const R = bus.resultBytes;
  const wStride = (dims.din + 1) * E;
  const w = page(dims.dout * wStride, 3 * E);
  writeDense(image, { addr: w, stride: wStride, elementBytes: E }, ops.W);
  const load = (op: 'loadX' | 'loadDy', tensor: number[][]): Descriptor => {
    const cols = tensor[0].length;
    if (compressed) {
      const addr = page(tensor.length * cols * E * 2 + tensor.length, 1);
      const { bytes } = writeCompressed(image, addr, tensor, model.opBits, model.memory.zvcChunk);
      return { op, dims, addr, compressed: true, bytes };
    }
    const stride = (cols + 2) * E;
    const addr = page(tensor.length * stride, 5 * E);
    writeDense(image, { addr, stride, elementBytes: E }, tensor);
    return { op, dims, addr, stride };
  };
  const loadX = load('loadX', ops.X);
  const loadDy = load('loadDy', ops.dY);
  const resultStride = (Math.max(dims.batch, dims.din, dims.dout) + 1) * R;
  const result = page(Math.max(dims.batch, dims.dout) * resultStride, R);
  const read: Descriptor = { op: 'readResult', dims, addr: result, stride: resultStride };
  const once: Descriptor[] = [
    { op: 'loadW', dims, addr: w, stride: wStride },
    loadX,
    loadDy,
    { op: 'fp', dims },
    read,
    { op: 'bp', dims },
    read,
    { op: 'wg', dims },
    read,
    { op: 'readW', dims, addr: result, stride: resultStride },
  ];
  const program = Array.from({ length: repeat }, () => once).flat();
  program[program.length - 1] = { ...program[program.length - 1], irq };
  return { image, program, dump: { base: result, size: 64 } };
}

for (const model of DESIGNS) {
  // the two designs of system.test.ts share its builds on both simulators; the third adds a build, on Verilator only
  const simulators = model.name === 'e2e_wide' ? (['verilator'] as const) : SIM_NAMES;
  for (const simulator of simulators) {
    describe(`end-to-end cycle model: ${model.name} on ${simulator}`, () => {
      let sim: CompiledSim;
      beforeAll(async () => {
        sim = await compileDesign(model, simulator, { bench: 'system' });
      }, 600_000);

      it(`equals the measured cycles of FP, BP and WG steps through memory (latencies 1..200, unaligned, compressed; seed ${SEED})`, async () => {
        const cases = stepCases(model, 24, SEED * 7919 + model.name.length);
        const measured: string[] = [];
        const predicted: string[] = [];
        for (const c of cases) {
          const operands = makeOperands(c.dims, model.opBits, 0.4, c.seed);
          const out = await runStepThroughMemory(model, sim, {
            step: c.step,
            dims: c.dims,
            operands,
            memory: { latency: c.latency },
            compressed: c.compressed,
            rowPad: c.rowPad,
            startOffset: c.startOffset,
            budgetCycles: BUDGET,
          });
          expect(out.run.faultCode, JSON.stringify(c)).toBe(0);
          const t = systemCycles(model, programCommands(model, out.program, operands), { latency: c.latency });
          const label = JSON.stringify(c);
          measured.push(`${label}: ${out.run.endToEndCycles} [${out.run.coreCommands.map((k) => k.cycles).join(' ')}]`);
          predicted.push(`${label}: ${t.endToEndCycles} [${t.coreCycles.join(' ')}]`);
        }
        expect(measured).toEqual(predicted);
      }, 600_000);

      for (const compressed of [false, true]) {
        it(`equals the measured cycles of a program longer than the queue (${compressed ? 'compressed' : 'dense'} X and dY)`, async () => {
          const dims = { batch: 3, din: 7, dout: 5 };
          const operands = makeOperands(dims, model.opBits, 0.5, SEED + 11);
          const repeat = Math.ceil((2 * model.memory.queueDepth) / 10);
          for (const [latency, irq] of [
            [1, true],
            [40, false],
            [150, true],
          ] as const) {
            const { image, program, dump } = longProgram(model, dims, operands, compressed, repeat, irq);
            const run = await runProgram(model, sim, { image, program, progAddr: 0xf80, dump, memory: { latency }, budgetCycles: BUDGET });
            expect(run.faultCode).toBe(0);
            const t = systemCycles(model, programCommands(model, program, operands), { latency }, 0xf80);
            expect(
              { e2e: run.endToEndCycles, core: run.coreCommands.map((k) => k.cycles) },
              `latency ${latency}, ${program.length} descriptors`,
            ).toEqual({
              e2e: t.endToEndCycles,
              core: t.coreCycles,
            });
          }
        }, 600_000);
      }
    });
  }
}
