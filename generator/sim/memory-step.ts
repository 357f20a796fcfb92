/**
 * One training step through memory: the operands are put into the memory
 * image (dense, or zero-value compressed for X and dY), a program loads them,
 * runs the step and stores the result, and the system testbench runs it. The
 * caller compares the stored result with the golden model, and the counters
 * with the traffic model.
 */
import { tensorShape, type CoreModel } from '../elaborate/model.ts';
import { DESCRIPTOR_BYTES } from '../elaborate/regmap.ts';
import { gemmShape } from '../golden/gemm.ts';
import {
  MemoryImage,
  programTraffic,
  readResults,
  writeCompressed,
  writeDense,
  type BusShape,
  type Descriptor,
  type Traffic,
} from '../golden/traffic.ts';
import { STEP_OPERANDS, type LayerDims, type Operands, type Step, type TensorName } from '../types.ts';
import type { CompiledSim } from './simulators.ts';
import { runProgram, type MemoryBehaviour, type ProgramOutcome } from './system.ts';

const LOAD_OP = { W: 'loadW', X: 'loadX', dY: 'loadDy' } as const;

export interface MemoryStepRequest {
  step: Step;
  dims: LayerDims;
  operands: Operands;
  memory: MemoryBehaviour;
  /** X and dY in the zero-value-compressed form */
  compressed?: boolean;
  /** bytes added to each row's stride, and to each tensor's start (unaligned layouts) */
  rowPad?: number;
  startOffset?: number;
  /** the most cycles the run may take */
  budgetCycles: number;
}

export interface MemoryStepOutcome {
  result: bigint[][];
  run: ProgramOutcome;
  /** the traffic model of the program */
  traffic: Traffic;
  program: Descriptor[];
}

export function busShape(model: CoreModel): BusShape {
  const m = model.memory;
  return { dataBytes: m.dataBytes, maxBurst: m.maxBurst, elementBytes: m.elementBytes, resultBytes: m.resultBytes };
}

/** Rounds up to a multiple of `to`. */
function alignUp(value: number, to: number): number {
  return Math.ceil(value / to) * to;
}

export async function runStepThroughMemory(model: CoreModel, sim: CompiledSim, req: MemoryStepRequest): Promise<MemoryStepOutcome> {
  const bus = busShape(model);
  const image = new MemoryImage();
  const pad = req.rowPad ?? 0;
  const offset = req.startOffset ?? 0;
  const progAddr = 0;
  const tensors = STEP_OPERANDS[req.step];
  const program: Descriptor[] = [];
  // 4 descriptors at most: tensors start after the program, each on a fresh 4 KB page plus the offset
  let next = alignUp(DESCRIPTOR_BYTES * (tensors.length + 2), 4096);
  const place = (bytes: number, elementBytes = bus.elementBytes) => {
    const addr = next + offset * elementBytes;
    next = alignUp(addr + bytes, 4096);
    return addr;
  };
  for (const tensor of tensors as readonly TensorName[]) {
    const { rows, cols } = tensorShape(tensor, req.dims);
    const data = req.operands[tensor];
    if (req.compressed && tensor !== 'W') {
      const addr = place(rows * cols * bus.elementBytes * 2 + rows);
      const { bytes } = writeCompressed(image, addr, data, model.opBits, model.memory.zvcChunk);
      program.push({ op: LOAD_OP[tensor], dims: req.dims, addr, compressed: true, bytes });
    } else {
      const stride = cols * bus.elementBytes + pad * bus.elementBytes;
      const addr = place(rows * stride);
      writeDense(image, { addr, stride, elementBytes: bus.elementBytes }, data);
      program.push({ op: LOAD_OP[tensor], dims: req.dims, addr, stride });
    }
  }
  const { M, N } = gemmShape(req.step, req.dims);
  const resultStride = N * bus.resultBytes + pad * bus.resultBytes;
  const resultAddr = place(M * resultStride, bus.resultBytes);
  program.push({ op: req.step, dims: req.dims });
  program.push({ op: 'readResult', dims: req.dims, addr: resultAddr, stride: resultStride, irq: true });
  const run = await runProgram(model, sim, {
    image,
    program,
    progAddr,
    dump: { base: resultAddr, size: M * resultStride },
    memory: req.memory,
    budgetCycles: req.budgetCycles,
  });
  const result = readResults(run.memory, { addr: resultAddr, stride: resultStride }, M, N, {
    resultBytes: bus.resultBytes,
    accBits: model.accBits,
  });
  return { result, run, traffic: programTraffic(program, bus, progAddr), program };
}
