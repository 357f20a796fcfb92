/**
 * The training commands (requantization with both roundings, saturation, ReLU,
 * the ReLU' mask, the weight update) and a short training run, on both
 * simulators and both cores. RtlDevice checks every command against the golden
 * model (values, result magnitudes, cycle counts) and throws on the first
 * difference; moved tensors are read back through an FP or BP with an identity
 * weight matrix, weights through the read-W command.
 */
import { describe, expect, it } from 'vitest';
import { elaborate, type CoreModel } from '../../generator/elaborate/model.ts';
import { validateSpecObject } from '../../generator/spec/load.ts';
import { makeRng } from '../../generator/golden/rng.ts';
import { randomMatrix } from '../../generator/golden/operands.ts';
import { RtlDevice } from '../../generator/train/rtl-device.ts';
import { loadIris } from '../../generator/train/datasets.ts';
import { initNetwork, planLayout, trainOnDevice } from '../../generator/train/mlp.ts';
import type { SimulatorName } from '../../generator/sim/simulators.ts';

const SEED = Number(process.env.TRAINFORGE_SEED ?? 1);

function design(name: string, skipZeros: boolean): CoreModel {
  return elaborate(
    validateSpecObject(
      {
        name,
        array: { rows: 3, cols: 5 },
        numeric: { operandBits: 8, accumulatorBits: 24 },
        buffers: { weightWords: 1024, activationWords: 2048, errorWords: 2048, resultWords: 1024 },
        sparsity: { skipZeros },
      },
      'train.test.ts',
    ),
  );
}

const identity = (n: number) => Array.from({ length: n }, (_, r) => Array.from({ length: n }, (_, c) => (r === c ? 1 : 0)));

/** Signs of the moved values: how many are saturated and how many zero, for non-vacuous checks. */
function census(result: bigint[][]): { saturated: number; zero: number; total: number } {
  let saturated = 0;
  let zero = 0;
  for (const row of result) {
    for (const v of row) {
      if (v === 127n || v === -128n) saturated++;
      else if (v === 0n) zero++;
    }
  }
  return { saturated, zero, total: result.length * result[0].length };
}

const DESIGNS: [string, boolean][] = [
  ['train_dense', false],
  ['train_sparse', true],
];

describe.each(['icarus', 'verilator'] as SimulatorName[])('training commands on %s', (simulator) => {
  describe.each(DESIGNS)('%s', (name, skipZeros) => {
    const model = design(`${name}_${simulator}`.replace(/[^a-z0-9_]/g, '_'), skipZeros);

    it('moves results to X and dY (both roundings, ReLU, mask, saturation) and updates W like the golden model', async () => {
      const rng = makeRng(SEED);
      const n = 7;
      const batch = 5;
      const device = await RtlDevice.open(model, simulator);
      try {
        device.setContext(`seed ${SEED}`);
        const bases = { w: 0, x: 0, dy: 0 };
        const eye = { w: 64, x: 0, dy: 0 };
        await device.loadW(randomMatrix(rng, n, n, 8, 1), bases.w);
        await device.loadW(identity(n), eye.w);
        await device.loadX(randomMatrix(rng, batch, n, 8, 0.7), bases.x);
        await device.loadDy(randomMatrix(rng, batch, n, 8, 0.7), bases.dy);
        const dims = { batch, din: n, dout: n };

        // FP, then requantize to X with ReLU: round to nearest even, then stochastically
        for (const [mode, base] of [
          ['nearest-even', 32],
          ['stochastic', 48],
        ] as const) {
          const fp = await device.compute('fp', dims, bases);
          expect(fp.resultBits).toBeGreaterThan(8);
          await device.moveToX(base, { shift: fp.resultBits - 9, mode, seed: 77, relu: true });
          await device.compute('fp', dims, { ...eye, x: base });
          const moved = await device.readResult();
          const c = census(moved);
          expect(c.saturated + c.zero, `${mode}: some values saturate or are cut by ReLU`).toBeGreaterThan(0);
          expect(c.zero).toBeLessThan(c.total);
        }

        // BP, then requantize to dY masked by X at 48 (which holds ReLU zeros)
        const bp = await device.compute('bp', dims, bases);
        await device.moveToDy(32, 48, { shift: Math.max(0, bp.resultBits - 7), mode: 'nearest-even', seed: 1 });
        await device.compute('bp', dims, { ...eye, dy: 32 });
        const masked = await device.readResult();
        expect(census(masked).zero).toBeGreaterThan(0);

        // WG, then the weight update, stochastic and nearest even, with saturation
        for (const [mode, shift] of [
          ['stochastic', 9],
          ['nearest-even', 2],
        ] as const) {
          await device.compute('wg', dims, bases);
          await device.updateW(bases.w, { shift, mode, seed: 4242 });
          await device.checkWeights(bases.w, n, n, 0);
        }
        const W = await device.golden.readW(bases.w);
        expect(W.flat().some((v) => v === 127 || v === -128)).toBe(true);
      } finally {
        await device.close();
      }
    }, 240_000);

    it('trains a few steps of the Iris MLP with weights equal to the golden model after every step', async () => {
      const data = loadIris(SEED, 24, 6);
      const sizes = [5, 16, 3];
      const net = initNetwork(sizes, model.opBits, SEED);
      const layout = planLayout(model, sizes, 8);
      const device = await RtlDevice.open(model, simulator);
      let checks = 0;
      try {
        const result = await trainOnDevice(
          device,
          model,
          data,
          net,
          { hidden: [16], epochs: 1, batch: 8, seed: SEED, lrShift: 2 },
          {
            afterStep: async () => {
              for (let l = 0; l < 2; l++) await device.checkWeights(layout.w[l], sizes[l + 1], sizes[l], l);
              checks++;
            },
          },
        );
        expect(result.steps).toBe(3);
        expect(checks).toBe(3);
        expect(result.cycles.update).toBeGreaterThan(0);
        if (model.sparse) expect(result.skippedMacs).toBeGreaterThan(0);
      } finally {
        await device.close();
      }
    }, 240_000);
  });
});
