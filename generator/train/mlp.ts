/**
 * On-device training of a multi-layer perceptron. The host computes only the
 * loss gradient at the output (softmax cross-entropy); every GEMM, ReLU, ReLU'
 * mask, requantization and weight update is a command to the device.
 *
 * Dynamic fixed point: every tensor has a power-of-two scale, value = q * 2^-f.
 *   inputs     f_x0 chosen once from the training data's largest magnitude
 *   weights    f_w chosen at initialisation (one bit of headroom), fixed
 *   activations after FP of layer l the core reports the bits of the largest
 *              magnitude b; the host shifts by s = max(0, b - (opBits - 1)) so the
 *              next activations fill the operand range: f_x(l+1) = f_x(l) + f_w(l) - s
 *   errors     dY at the output from the gradient's largest magnitude; dY of
 *              lower layers like activations: f_dy(l-1) = f_dy(l) + f_w(l) - s
 *   update     W -= round(dW / 2^u) with u = f_dy(l) + f_x(l) - f_w(l) + k, the
 *              learning rate being 2^-k (stochastic rounding, so that updates
 *              smaller than one weight step still move the weights on average)
 */
import type { CoreModel } from '../elaborate/model.ts';
import { tensorFootprints } from '../elaborate/model.ts';
import { makeRng, shuffle } from '../golden/rng.ts';
import { readCycles } from '../golden/cycles.ts';
import { UserError } from '../util/errors.ts';
import type { Dataset } from './datasets.ts';
import type { TrainingDevice } from './device.ts';
import type { Step, TensorBases } from '../types.ts';

export interface TrainOptions {
  hidden: number[];
  epochs: number;
  batch: number;
  seed: number;
  /** learning rate 2^-lrShift */
  lrShift: number;
}

export interface EpochStats {
  epoch: number;
  loss: number;
  trainAccuracy: number;
}

interface CycleTotals {
  fp: number;
  bp: number;
  wg: number;
  update: number;
  /** results requantized into the next layer's X or dY (ReLU, ReLU' mask) */
  move: number;
  /** everything the core does: fp + bp + wg + update + move */
  total: number;
  /** host transfers, apart: loads of inputs, weights and output errors, reads of logits */
  transfer: number;
}

export interface TrainResult {
  epochs: EpochStats[];
  testAccuracy: number;
  cycles: CycleTotals;
  effectualMacs: number;
  skippedMacs: number;
  steps: number;
}

export interface Network {
  sizes: number[];
  /** quantized weights per layer (dout x din) */
  W: number[][][];
  /** weight scale exponents */
  fw: number[];
}

const ceilLog2 = (x: number) => (x <= 0 ? 0 : Math.ceil(Math.log2(x)));

function quantize(x: number, f: number, bits: number): number {
  const max = 2 ** (bits - 1) - 1;
  const q = Math.round(x * 2 ** f);
  return Math.max(-max - 1, Math.min(max, q));
}

/** Glorot-uniform initial weights, quantized with one bit of headroom. */
export function initNetwork(sizes: number[], opBits: number, seed: number): Network {
  const rng = makeRng(seed ^ 0x5eed);
  const uniform = () => rng.nextU32() / 2 ** 32;
  const W: number[][][] = [];
  const fw: number[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const limit = Math.sqrt(6 / (sizes[l] + sizes[l + 1]));
    const f = opBits - 2 - ceilLog2(limit);
    fw.push(f);
    W.push(
      Array.from({ length: sizes[l + 1] }, () => Array.from({ length: sizes[l] }, () => quantize((2 * uniform() - 1) * limit, f, opBits))),
    );
  }
  return { sizes, W, fw };
}

/** Scale exponent that maps the data's largest magnitude into the operand range. */
function inputExponent(X: number[][], opBits: number): number {
  let max = 0;
  for (const row of X) for (const v of row) max = Math.max(max, Math.abs(v));
  return opBits - 1 - ceilLog2(max || 1);
}

interface Layout {
  w: number[];
  x: number[];
  dy: number[];
  /**
   * A second place for the first layer's input, where the buffers have room:
   * the next batch is loaded there while this batch's last WG runs (the
   * memory system overlaps the load with the compute), then the two swap.
   */
  xNext?: number;
}

/** Places every layer's tensors one after the other in their buffers. */
export function planLayout(model: CoreModel, sizes: number[], batch: number): Layout {
  const layout: Layout = { w: [], x: [], dy: [] };
  const next = { W: 0, X: 0, dY: 0 };
  const problems: string[] = [];
  const place = (tensor: 'W' | 'X' | 'dY', dims: { batch: number; din: number; dout: number }): number => {
    const base = next[tensor];
    let need = 0;
    for (const f of tensorFootprints(model, tensor, dims)) {
      need = Math.max(need, f.need);
      if (base + f.need > f.capacity) {
        problems.push(`${tensor} of a ${sizes.join('-')} network with batch ${batch} does not fit ${f.where}: raise buffers.${f.field}`);
      }
    }
    next[tensor] = base + need;
    return base;
  };
  for (let l = 0; l + 1 < sizes.length; l++) {
    const dims = { batch, din: sizes[l], dout: sizes[l + 1] };
    layout.w.push(place('W', dims));
    layout.x.push(place('X', dims));
    layout.dy.push(place('dY', dims));
  }
  if (problems.length) throw new UserError([...new Set(problems)]);
  // the double buffer of the first layer's input, if it fits (a run without it loads each batch in turn)
  const first = { batch, din: sizes[0], dout: sizes[1] };
  const spare = place('X', first);
  if (problems.length === 0) layout.xNext = spare;
  return layout;
}

function softmax(logits: number[]): number[] {
  const max = Math.max(...logits);
  const e = logits.map((v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

/**
 * The sample order of each epoch: a seeded shuffle of the previous one. The
 * device run and the float reference both draw from it, so they see the same
 * batches.
 */
function epochOrders(samples: number, seed: number): () => number[] {
  let order = [...Array(samples).keys()];
  const rng = makeRng(seed ^ 0xdada);
  return () => {
    order = shuffle(order, rng);
    return order;
  };
}

/** Seeds for the stochastic rounding, distinct per command and never 0. */
function commandSeed(seed: number, step: number, layer: number, kind: number): number {
  let h = (seed * 0x9e3779b1 + step * 0x85ebca6b + layer * 0xc2b2ae35 + kind * 0x27d4eb2f) >>> 0;
  h ^= h >>> 16;
  return Math.imul(h, 0x7feb352d) >>> 0 || 1;
}

export interface TrainHooks {
  /** after every training step, e.g. to compare the weights with the golden model */
  afterStep?(step: number): Promise<void>;
  progress?(done: number, total: number, note: string): void;
}

export async function trainOnDevice(
  device: TrainingDevice,
  model: CoreModel,
  data: Dataset,
  net: Network,
  opts: TrainOptions,
  hooks: TrainHooks = {},
): Promise<TrainResult> {
  const { opBits } = model;
  const L = net.W.length;
  const sizes = net.sizes;
  const layout = planLayout(model, sizes, opts.batch);
  const fx0 = inputExponent(data.trainX, opBits);
  const cycles: CycleTotals = { fp: 0, bp: 0, wg: 0, update: 0, move: 0, total: 0, transfer: 0 };
  let effectualMacs = 0;
  let skippedMacs = 0;
  // the first layer's input: where this batch is, and whether it is already loaded (prefetched)
  let x0 = layout.x[0];
  let x0Loaded = false;
  const bases = (l: number): TensorBases => ({ w: layout.w[l], x: l === 0 ? x0 : layout.x[l], dy: layout.dy[l] });

  // inputs quantized once; every epoch's order drawn up front (the same draws as one at a time)
  const quantized = (X: number[][]) => X.map((row) => row.map((v) => quantize(v, fx0, opBits)));
  const trainX = quantized(data.trainX);
  const testX = quantized(data.testX);
  const nextOrder = epochOrders(data.trainX.length, opts.seed);
  const orders = Array.from({ length: opts.epochs }, () => nextOrder());
  const testBatches: number[][][] = [];
  for (let b0 = 0; b0 < testX.length; b0 += opts.batch) testBatches.push(testX.slice(b0, b0 + opts.batch));
  // every batch the forward passes load, in order (training, then test); the prefetch takes the next one
  const batchInputs: number[][][] = [];
  for (const order of orders) {
    for (let b0 = 0; b0 < order.length; b0 += opts.batch) batchInputs.push(order.slice(b0, b0 + opts.batch).map((i) => trainX[i]));
  }
  batchInputs.push(...testBatches);
  let inputsLoaded = 0;
  const nextInput = (): number[][] | undefined => batchInputs[inputsLoaded];
  if (device.stage) await device.stage({ weights: net.W.map((W, l) => ({ W, base: layout.w[l] })), inputs: batchInputs });

  for (let l = 0; l < L; l++) cycles.transfer += await device.loadW(net.W[l], layout.w[l]);

  const count = (step: Step | 'update' | 'move', n: number) => {
    cycles[step] += n;
  };

  /** Forward pass of one batch of quantized inputs; returns the float logits and each layer's input exponent. */
  async function forward(X: number[][]): Promise<{ logits: number[][]; fx: number[] }> {
    const fx = [fx0];
    // the batch in order (a prefetched one is already in place)
    const expected = batchInputs[inputsLoaded++];
    if (X.length !== expected.length || X.some((row, r) => row !== expected[r]))
      throw new Error('trainOnDevice: a forward pass out of the load order');
    if (!x0Loaded) cycles.transfer += await device.loadX(X, x0);
    x0Loaded = false;
    let logits: number[][] = [];
    for (let l = 0; l < L; l++) {
      const dims = { batch: X.length, din: sizes[l], dout: sizes[l + 1] };
      const out = await device.compute('fp', dims, bases(l));
      count('fp', out.cycles);
      effectualMacs += out.effectualMacs;
      skippedMacs += out.skippedMacs;
      if (l + 1 < L) {
        const shift = Math.max(0, out.resultBits - (opBits - 1));
        count('move', await device.moveToX(layout.x[l + 1], { shift, mode: 'nearest-even', seed: 1, relu: true }));
        fx.push(fx[l] + net.fw[l] - shift);
      } else {
        const acc = await device.readResult();
        cycles.transfer += readCycles(acc.length, sizes[L], model.readPort);
        const scale = 2 ** -(fx[l] + net.fw[l]);
        logits = acc.map((row) => row.map((v) => Number(v) * scale));
      }
    }
    return { logits, fx };
  }

  const stepsPerEpoch = Math.ceil(data.trainX.length / opts.batch);
  const epochs: EpochStats[] = [];
  let step = 0;
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    const order = orders[epoch];
    let lossSum = 0;
    let correct = 0;
    for (let b0 = 0; b0 < order.length; b0 += opts.batch) {
      const idx = order.slice(b0, b0 + opts.batch);
      const B = idx.length;
      const { logits, fx } = await forward(idx.map((i) => trainX[i]));
      // host: softmax cross-entropy gradient at the output
      const grad = logits.map((row, r) => {
        const p = softmax(row);
        const y = data.trainY[idx[r]];
        lossSum -= Math.log(Math.max(p[y], 1e-12));
        if (row.indexOf(Math.max(...row)) === y) correct++;
        return p.map((v, c) => (v - (c === y ? 1 : 0)) / B);
      });
      let maxGrad = 0;
      for (const row of grad) for (const v of row) maxGrad = Math.max(maxGrad, Math.abs(v));
      let fdy = opBits - 1 - ceilLog2(maxGrad || 1);
      cycles.transfer += await device.loadDy(
        grad.map((row) => row.map((v) => quantize(v, fdy, opBits))),
        layout.dy[L - 1],
      );
      for (let l = L - 1; l >= 0; l--) {
        const dims = { batch: B, din: sizes[l], dout: sizes[l + 1] };
        let fdyBelow = 0;
        if (l > 0) {
          const out = await device.compute('bp', dims, bases(l));
          count('bp', out.cycles);
          effectualMacs += out.effectualMacs;
          skippedMacs += out.skippedMacs;
          const shift = Math.max(0, out.resultBits - (opBits - 1));
          count('move', await device.moveToDy(layout.dy[l - 1], layout.x[l], { shift, mode: 'nearest-even', seed: 1 }));
          fdyBelow = fdy + net.fw[l] - shift;
        }
        const out = await device.compute('wg', dims, bases(l));
        count('wg', out.cycles);
        effectualMacs += out.effectualMacs;
        skippedMacs += out.skippedMacs;
        // the last read of this batch's input is done: the next batch's goes to the other place,
        // its load beside this WG (the same inputs in the same order as without the double buffer)
        const next = l === 0 && layout.xNext !== undefined ? nextInput() : undefined;
        if (next && layout.xNext !== undefined) {
          const other = x0 === layout.x[0] ? layout.xNext : layout.x[0];
          cycles.transfer += await device.loadX(next, other);
          x0 = other;
          x0Loaded = true;
        }
        const updateShift = Math.max(0, fdy + fx[l] - net.fw[l] + opts.lrShift);
        count(
          'update',
          await device.updateW(layout.w[l], { shift: updateShift, mode: 'stochastic', seed: commandSeed(opts.seed, step, l, 3) }),
        );
        fdy = fdyBelow;
      }
      step++;
      await hooks.afterStep?.(step);
      hooks.progress?.(step, stepsPerEpoch * opts.epochs, `epoch ${epoch + 1}`);
    }
    epochs.push({ epoch: epoch + 1, loss: lossSum / order.length, trainAccuracy: correct / order.length });
  }

  let testCorrect = 0;
  for (const [t, X] of testBatches.entries()) {
    const { logits } = await forward(X);
    logits.forEach((row, r) => {
      if (row.indexOf(Math.max(...row)) === data.testY[t * opts.batch + r]) testCorrect++;
    });
  }
  cycles.total = cycles.fp + cycles.bp + cycles.wg + cycles.update + cycles.move;
  return { epochs, testAccuracy: testCorrect / data.testX.length, cycles, effectualMacs, skippedMacs, steps: step };
}

/**
 * The float32 reference: the same network, initial weights (dequantized), data
 * order and learning rate, trained without the accelerator.
 */
export function trainFloat(data: Dataset, net: Network, opts: TrainOptions): { epochs: EpochStats[]; testAccuracy: number } {
  const f = Math.fround;
  const W = net.W.map((Wl, l) => Wl.map((row) => row.map((q) => f(q * 2 ** -net.fw[l]))));
  const L = W.length;
  const lr = f(2 ** -opts.lrShift);
  const forward = (x: number[]) => {
    const acts = [x.map(f)];
    for (let l = 0; l < L; l++) {
      const out = W[l].map((row) => {
        let s = 0;
        for (let i = 0; i < row.length; i++) s = f(s + f(row[i] * acts[l][i]));
        return l + 1 < L ? Math.max(0, s) : s;
      });
      acts.push(out);
    }
    return acts;
  };
  const nextOrder = epochOrders(data.trainX.length, opts.seed);
  const epochs: EpochStats[] = [];
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    const order = nextOrder();
    let lossSum = 0;
    let correct = 0;
    for (let b0 = 0; b0 < order.length; b0 += opts.batch) {
      const idx = order.slice(b0, b0 + opts.batch);
      const grads = W.map((Wl) => Wl.map((row) => row.map(() => 0)));
      for (const i of idx) {
        const acts = forward(data.trainX[i]);
        const logits = acts[L];
        const p = softmax(logits);
        const y = data.trainY[i];
        lossSum -= Math.log(Math.max(p[y], 1e-12));
        if (logits.indexOf(Math.max(...logits)) === y) correct++;
        let delta = p.map((v, c) => f((v - (c === y ? 1 : 0)) / idx.length));
        for (let l = L - 1; l >= 0; l--) {
          for (let o = 0; o < W[l].length; o++)
            for (let k = 0; k < W[l][o].length; k++) grads[l][o][k] = f(grads[l][o][k] + f(delta[o] * acts[l][k]));
          if (l > 0) {
            delta = acts[l].map((a, k) => {
              if (a <= 0) return 0;
              let s = 0;
              for (let o = 0; o < W[l].length; o++) s = f(s + f(W[l][o][k] * delta[o]));
              return s;
            });
          }
        }
      }
      for (let l = 0; l < L; l++)
        for (let o = 0; o < W[l].length; o++) for (let k = 0; k < W[l][o].length; k++) W[l][o][k] = f(W[l][o][k] - f(lr * grads[l][o][k]));
    }
    epochs.push({ epoch: epoch + 1, loss: lossSum / order.length, trainAccuracy: correct / order.length });
  }
  let testCorrect = 0;
  data.testX.forEach((x, i) => {
    const logits = forward(x)[L];
    if (logits.indexOf(Math.max(...logits)) === data.testY[i]) testCorrect++;
  });
  return { epochs, testAccuracy: testCorrect / data.testX.length };
}
