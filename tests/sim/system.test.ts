/**
 * The whole system (NAME_system: AXI4-Lite registers, command queue, program
 * fetch, sequencer, AXI4 reader and writer, DMA, the core) on Icarus and
 * Verilator, through tb_system with the AXI4 memory model and both protocol
 * checkers (a violation fails the run). Each design is compiled once per
 * simulator; every case is a program the core fetches from memory.
 *   - FP, BP and WG through memory, dense and zero-value compressed, on
 *     unaligned rows: the stored result is bit-exact, the compute command
 *     takes the cycles of the cycle model, and the bytes read and written
 *     (the core's counters) equal the traffic model;
 *   - the random memory mode (backpressure, stalls, extra latency) over seeds:
 *     the same bits;
 *   - every fault: its code, the descriptor it names, and nothing after it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { CoreModel } from '../../generator/elaborate/model.ts';
import { FAULTS } from '../../generator/elaborate/regmap.ts';
import { predictComputeCycles } from '../../generator/golden/cycles.ts';
import { runStep } from '../../generator/golden/gemm.ts';
import { MemoryImage, readResults, writeCompressed, writeDense, type Descriptor } from '../../generator/golden/traffic.ts';
import { coreShape, tensorFootprints } from '../../generator/elaborate/model.ts';
import { makeOperands } from '../../generator/commands/simulate.ts';
import { busShape, runStepThroughMemory } from '../../generator/sim/memory-step.ts';
import { runProgram } from '../../generator/sim/system.ts';
import { systemCycles } from '../../generator/golden/system-cycles.ts';
import { compileDesign, type CompiledSim } from '../../generator/sim/simulators.ts';
import type { LayerDims, Step } from '../../generator/types.ts';
import { SIM_NAMES, SYS_DENSE, SYS_SPARSE } from './helpers.ts';

const SEED = Number(process.env.TRAINFORGE_SEED ?? 1);
const STEPS: Step[] = ['fp', 'bp', 'wg'];
const BUDGET = 200_000;

const faultCode = (name: string) => {
  const f = FAULTS.find((fault) => fault.name === name);
  if (!f) throw new Error(`no fault ${name}`);
  return f.code;
};

const DENSE = SYS_DENSE;
const SPARSE = SYS_SPARSE;

const dims: LayerDims = { batch: 5, din: 9, dout: 6 };

function checkStep(
  model: CoreModel,
  label: string,
  out: Awaited<ReturnType<typeof runStepThroughMemory>>,
  step: Step,
  ops: ReturnType<typeof makeOperands>,
) {
  const gold = runStep(step, ops, model.accBits);
  expect(out.run.faultCode, `${label}: fault`).toBe(0);
  expect(
    out.result.map((r) => r.map(String)),
    `${label}: result`,
  ).toEqual(gold.map((r) => r.map(String)));
  expect(out.run.bytesRead, `${label}: bytes read`).toBe(out.traffic.bytesRead);
  expect(out.run.bytesWritten, `${label}: bytes written`).toBe(out.traffic.bytesWritten);
  expect(
    out.run.coreCommands.map((c) => c.op),
    `${label}: commands`,
  ).toEqual(out.program.map((d) => d.op));
}

for (const model of [DENSE, SPARSE]) {
  for (const simulator of SIM_NAMES) {
    describe(`${model.name} system on ${simulator}`, () => {
      let sim: CompiledSim;
      beforeAll(async () => {
        sim = await compileDesign(model, simulator, { bench: 'system' });
      }, 600_000);

      for (const step of STEPS) {
        for (const compressed of [false, true]) {
          it(`${step} through memory, ${compressed ? 'compressed X and dY' : 'dense'}, unaligned rows (seed ${SEED})`, async () => {
            const ops = makeOperands(dims, model.opBits, 0.4, SEED);
            const out = await runStepThroughMemory(model, sim, {
              step,
              dims,
              operands: ops,
              memory: { latency: 30 },
              compressed,
              rowPad: 3,
              startOffset: 5,
              budgetCycles: BUDGET,
            });
            const label = `${model.name} ${simulator} ${step} seed ${SEED}`;
            checkStep(model, label, out, step, ops);
            const compute = out.run.coreCommands.find((c) => c.op === step);
            expect(compute?.cycles, `${label}: compute cycles`).toBe(predictComputeCycles(coreShape(model), step, dims, ops));
            if (compressed) expect(out.traffic.inputBytesRead).toBeLessThan(out.traffic.inputBytesUncompressed);
          }, 120_000);
        }
      }

      it('the random memory mode gives the same bits over seeds', async () => {
        for (let k = 0; k < 3; k++) {
          const seed = SEED * 1000 + k;
          const step = STEPS[k % 3];
          const ops = makeOperands(dims, model.opBits, 0.5, seed);
          const out = await runStepThroughMemory(model, sim, {
            step,
            dims,
            operands: ops,
            memory: { latency: 30, randomSeed: seed },
            compressed: k % 2 === 0,
            rowPad: k,
            startOffset: k,
            budgetCycles: BUDGET,
          });
          checkStep(model, `${model.name} ${simulator} ${step} random memory seed ${seed}`, out, step, ops);
        }
      }, 300_000);

      it('a load runs beside the compute before it (WAIT unset) and after it (WAIT set): both results bit-exact, the cycles of the end-to-end model', async () => {
        const bus = busShape(model);
        const E = bus.elementBytes;
        const big: LayerDims = { batch: 6, din: 11, dout: 7 };
        const first = makeOperands(big, model.opBits, 0.5, SEED + 7);
        const second = makeOperands(big, model.opBits, 0.5, SEED + 8);
        const xBase = (x: number) => ({ x, w: 0, dy: 0 });
        // X of the first FP at base 0, the second's at another base: the load of the second goes beside the first FP
        const other = Math.max(...tensorFootprints(model, 'X', big).map((f) => f.need));
        const program = (wait: boolean): { image: MemoryImage; program: Descriptor[] } => {
          const image = new MemoryImage();
          writeDense(image, { addr: 0x1000, stride: big.din * E, elementBytes: E }, first.W);
          writeDense(image, { addr: 0x2000, stride: big.din * E, elementBytes: E }, first.X);
          writeDense(image, { addr: 0x2800, stride: big.din * E, elementBytes: E }, second.X);
          return {
            image,
            program: [
              { op: 'loadW', dims: big, addr: 0x1000, stride: big.din * E },
              { op: 'loadX', dims: big, bases: xBase(0), addr: 0x2000, stride: big.din * E },
              { op: 'fp', dims: big, bases: xBase(0) },
              { op: 'loadX', dims: big, bases: xBase(other), addr: 0x2800, stride: big.din * E, wait },
              { op: 'readResult', dims: big, addr: 0x3000, stride: big.dout * bus.resultBytes },
              { op: 'fp', dims: big, bases: xBase(other) },
              { op: 'readResult', dims: big, addr: 0x4000, stride: big.dout * bus.resultBytes, irq: true },
            ],
          };
        };
        const e2e: number[] = [];
        for (const wait of [false, true]) {
          const { image, program: descriptors } = program(wait);
          const out = await runProgram(model, sim, {
            image,
            program: descriptors,
            progAddr: 0,
            dump: { base: 0x3000, size: 0x1100 },
            memory: { latency: 25 },
            budgetCycles: BUDGET,
          });
          const label = `${model.name} ${simulator} overlap, WAIT ${wait}`;
          expect(out.faultCode, label).toBe(0);
          const stored = (addr: number) =>
            readResults(out.memory, { addr, stride: big.dout * bus.resultBytes }, big.batch, big.dout, {
              resultBytes: bus.resultBytes,
              accBits: model.accBits,
            }).map((r) => r.map(String));
          const secondOps = { ...second, W: first.W };
          expect(stored(0x3000), `${label}: first FP`).toEqual(runStep('fp', first, model.accBits).map((r) => r.map(String)));
          expect(stored(0x4000), `${label}: second FP`).toEqual(runStep('fp', secondOps, model.accBits).map((r) => r.map(String)));
          const timing = systemCycles(
            model,
            descriptors.map((descriptor, i) => ({
              descriptor,
              coreCycles: descriptor.op === 'fp' ? predictComputeCycles(coreShape(model), 'fp', big, i < 3 ? first : secondOps) : undefined,
            })),
            { latency: 25 },
          );
          expect(out.endToEndCycles, `${label}: end to end`).toBe(timing.endToEndCycles);
          expect(
            out.coreCommands.map((c) => c.cycles),
            `${label}: core commands, in the order taken`,
          ).toEqual(timing.coreCycles);
          // without WAIT the second load is taken while the first FP runs
          const d = timing.descriptors;
          expect(d[3].accept < d[2].end, `${label}: the load starts before the FP ends`).toBe(!wait);
          e2e.push(out.endToEndCycles);
        }
        expect(e2e[0], 'the overlapped program is shorter').toBeLessThan(e2e[1]);

        // a read error in the load beside the compute: the compute ends, nothing after the load runs, the system stops clean
        const { image, program: descriptors } = program(false);
        const failed = await runProgram(model, sim, {
          image,
          program: descriptors,
          progAddr: 0,
          dump: { base: 0x3000, size: 16 },
          memory: { latency: 25, errors: [{ kind: 'rslverr', base: 0x2800 + E * big.din, size: 8 }] },
          budgetCycles: BUDGET,
        });
        expect(failed.faultCode, 'fault code').toBe(faultCode('AXI_READ_SLVERR'));
        expect(failed.faultIndex, 'the overlapped load').toBe(3);
        expect(failed.coreCommands.map((c) => c.op)).toEqual(['loadW', 'loadX', 'fp', 'loadX']);
        expect(failed.registers.STATUS & 0b11, 'STATUS: not busy, fault').toBe(0b10);
        expect(failed.registers.IRQ_STATUS & 0b10, 'IRQ_STATUS.FAULT').toBe(0b10);
        expect(failed.registers.DESC_DONE_LO, 'LOAD_W, LOAD_X and the FP finished').toBe(3);
      }, 120_000);

      describe('faults', () => {
        const small: LayerDims = { batch: 3, din: 5, dout: 4 };
        const ops = makeOperands(small, model.opBits, 0.6, SEED);
        const bus = busShape(model);
        /** W at 0x1000, X at 0x2000, the result at 0x3000: a load W, load X, FP, read program. */
        function fpProgram(image: MemoryImage, override: Partial<Record<number, Partial<Descriptor>>> = {}): Descriptor[] {
          writeDense(image, { addr: 0x1000, stride: small.din, elementBytes: bus.elementBytes }, ops.W);
          writeDense(image, { addr: 0x2000, stride: small.din, elementBytes: bus.elementBytes }, ops.X);
          const program: Descriptor[] = [
            { op: 'loadW', dims: small, addr: 0x1000, stride: small.din * bus.elementBytes },
            { op: 'loadX', dims: small, addr: 0x2000, stride: small.din * bus.elementBytes },
            { op: 'fp', dims: small },
            { op: 'readResult', dims: small, addr: 0x3000, stride: small.dout * bus.resultBytes, irq: true },
          ];
          return program.map((d, i) => ({ ...d, ...override[i] }));
        }
        const run = (image: MemoryImage, program: Descriptor[], extra: Partial<Parameters<typeof runProgram>[2]> = {}) =>
          runProgram(model, sim, {
            image,
            program,
            progAddr: 0,
            dump: { base: 0x3000, size: 64 },
            memory: { latency: 20 },
            budgetCycles: BUDGET,
            ...extra,
          });
        const stopped = (out: Awaited<ReturnType<typeof runProgram>>, code: string, index: number, ran: string[]) => {
          expect(out.faultCode, `fault code (want ${code})`).toBe(faultCode(code));
          expect(out.faultIndex, 'the descriptor it names').toBe(index);
          expect(
            out.coreCommands.map((c) => c.op),
            'the commands that ran',
          ).toEqual(ran);
          // stopped cleanly: idle, fault set, IRQ_STATUS.FAULT set
          expect(out.registers.STATUS & 0b11, 'STATUS: not busy, fault').toBe(0b10);
          expect(out.registers.IRQ_STATUS & 0b10, 'IRQ_STATUS.FAULT').toBe(0b10);
        };

        it('a read answered SLVERR stops the load: it finishes with zeros and nothing after it runs', async () => {
          const image = new MemoryImage();
          const out = await run(image, fpProgram(image), {
            memory: { latency: 20, errors: [{ kind: 'rslverr', base: 0x2000, size: 16 }] },
          });
          stopped(out, 'AXI_READ_SLVERR', 1, ['loadW', 'loadX']);
        }, 60_000);

        it('a write answered DECERR stops the store', async () => {
          const image = new MemoryImage();
          const out = await run(image, fpProgram(image), { memory: { latency: 20, errors: [{ kind: 'wdecerr', base: 0x3000, size: 4 }] } });
          stopped(out, 'AXI_WRITE_DECERR', 3, ['loadW', 'loadX', 'fp', 'readResult']);
        }, 60_000);

        it('a descriptor outside the memory window does not start', async () => {
          const image = new MemoryImage();
          const out = await run(image, fpProgram(image), { setup: [{ register: 'MEM_LAST_LO', value: 0x2003 }] });
          stopped(out, 'OUT_OF_WINDOW', 1, ['loadW']);
        }, 60_000);

        it('CTRL.CLEAR_FAULT leaves the fault state: the same program then runs to the end and stores the right result', async () => {
          const image = new MemoryImage();
          const out = await run(image, fpProgram(image), {
            setup: [{ register: 'MEM_LAST_LO', value: 0x2003 }],
            retry: { setup: [{ register: 'MEM_LAST_LO', value: 0xffffffff }] },
          });
          expect(out.faultCode, 'no fault after the retry').toBe(0);
          expect(out.registers.STATUS & 0b11, 'idle, no fault').toBe(0);
          // the first run stopped before LOAD_X; the second ran all four
          expect(out.coreCommands.map((c) => c.op)).toEqual(['loadW', 'loadW', 'loadX', 'fp', 'readResult']);
          const result = readResults(out.memory, { addr: 0x3000, stride: small.dout * bus.resultBytes }, small.batch, small.dout, {
            resultBytes: bus.resultBytes,
            accBits: model.accBits,
          });
          expect(result.map((r) => r.map(String))).toEqual(runStep('fp', ops, model.accBits).map((r) => r.map(String)));
          // the descriptors count on: 4 + 4 fetched, the first run's LOAD_W and the second run's four finished
          expect(out.registers.DESC_DONE_LO).toBe(5);
        }, 60_000);

        it('a stride shorter than a row, or a misaligned result, is BAD_STRIDE', async () => {
          const image = new MemoryImage();
          const out = await run(image, fpProgram(image, { 0: { stride: small.din - 1 } }));
          stopped(out, 'BAD_STRIDE', 0, []);
          if (bus.resultBytes > 1) {
            const again = await run(new MemoryImage(), fpProgram(new MemoryImage(), { 3: { addr: 0x3001 } }));
            stopped(again, 'BAD_STRIDE', 3, ['loadW', 'loadX', 'fp']);
          }
        }, 60_000);

        it('a compressed W, or a dimension of 0, is BAD_SHAPE', async () => {
          const image = new MemoryImage();
          const out = await run(image, fpProgram(image, { 0: { compressed: true, bytes: 16 } }));
          stopped(out, 'BAD_SHAPE', 0, []);
          const zero = await run(new MemoryImage(), fpProgram(new MemoryImage(), { 2: { dims: { ...small, din: 0 } } }));
          stopped(zero, 'BAD_SHAPE', 2, ['loadW', 'loadX']);
        }, 60_000);

        it('a compressed stream that does not decode is ZVC_DECODE', async () => {
          const image = new MemoryImage();
          const program = fpProgram(image);
          const { bytes } = writeCompressed(image, 0x2000, ops.X, model.opBits, model.memory.zvcChunk);
          // one byte short: the last chunk is cut
          program[1] = { op: 'loadX', dims: small, addr: 0x2000, compressed: true, bytes: bytes - 1 };
          const out = await run(image, program);
          stopped(out, 'ZVC_DECODE', 1, ['loadW', 'loadX']);
        }, 60_000);

        it('a descriptor pushed while the fetch holds the whole queue is QUEUE_FULL', async () => {
          const image = new MemoryImage();
          // a program longer than the queue: the fetch asks for every entry at once
          const program = Array.from({ length: model.memory.queueDepth + 2 }, () => fpProgram(image)).flat();
          // with a 400-cycle latency no fetched descriptor has arrived when the push comes
          const out = await run(image, program, { pushes: [{ op: 'fp', dims: small }], memory: { latency: 400 } });
          expect(out.faultCode).toBe(faultCode('QUEUE_FULL'));
          expect(out.faultIndex, 'FAULT_INDEX: the descriptors that entered the queue before the push').toBe(0);
          expect(out.registers.STATUS & 0b11).toBe(0b10);
        }, 60_000);
      });
    });
  }
}
