import { describe, expect, it } from 'vitest';
import { Lfsr, magnitudeBits, requantize, roundShift, saturate, stochasticOffset, updateWeights } from '../../generator/golden/quant.ts';
import { loadIris } from '../../generator/train/datasets.ts';
import { GoldenDevice } from '../../generator/train/device.ts';
import { initNetwork, trainFloat, trainOnDevice } from '../../generator/train/mlp.ts';
import { elaborate } from '../../generator/elaborate/model.ts';
import { validateSpecObject } from '../../generator/spec/load.ts';

describe('requantization semantics (golden)', () => {
  it('rounds to nearest even, ties to the even neighbour, for both signs', () => {
    const lfsr = new Lfsr(1);
    const cases: [bigint, number, bigint][] = [
      [5n, 1, 2n], // 2.5 -> 2
      [7n, 1, 4n], // 3.5 -> 4
      [-5n, 1, -2n], // -2.5 -> -2
      [-7n, 1, -4n], // -3.5 -> -4
      [6n, 2, 2n], // 1.5 -> 2
      [10n, 2, 2n], // 2.5 -> 2
      [11n, 2, 3n], // 2.75 -> 3
      [-11n, 2, -3n], // -2.75 -> -3
      [9n, 0, 9n],
    ];
    for (const [value, shift, expected] of cases)
      expect(roundShift(value, shift, 'nearest-even', lfsr), `${value} >> ${shift}`).toBe(expected);
    expect(lfsr.state).toBe(1); // nearest-even never steps the LFSR
  });

  it('rounds stochastically with the LFSR low bits on top of the discarded bits', () => {
    expect(stochasticOffset(0b1011, 2)).toBe(0b11n);
    expect(stochasticOffset(0xffffffff, 40)).toBe(0xffffffffn << 8n);
    const lfsr = new Lfsr(3); // low bits 11: 5 + 3 = 8 -> 2
    expect(roundShift(5n, 2, 'stochastic', lfsr)).toBe(2n);
    expect(lfsr.state).not.toBe(3);
  });

  it('steps a maximal 32-bit Galois LFSR, seed 0 loading 1', () => {
    const a = new Lfsr(0);
    expect(a.state).toBe(1);
    a.step();
    expect(a.state).toBe(0x80200003);
    const seen = new Set<number>();
    const b = new Lfsr(12345);
    for (let i = 0; i < 1000; i++) {
      seen.add(b.state);
      b.step();
    }
    expect(seen.size).toBe(1000);
  });

  it('saturates, applies ReLU and the ReLU mask, and updates weights with saturation', () => {
    expect(saturate(300n, 8)).toBe(127n);
    expect(saturate(-300n, 8)).toBe(-128n);
    const result = [[1000n, -1000n, 40n, -40n]];
    expect(requantize(result, 8, { shift: 2, mode: 'nearest-even', seed: 1 })).toEqual([[127, -128, 10, -10]]);
    expect(requantize(result, 8, { shift: 2, mode: 'nearest-even', seed: 1, relu: true })).toEqual([[127, 0, 10, 0]]);
    expect(requantize(result, 8, { shift: 2, mode: 'nearest-even', seed: 1, mask: [[1, 5, 0, -3]] })).toEqual([[127, -128, 0, 0]]);
    expect(updateWeights([[100, -100, 0]], [[-4000n, 4000n, 6n]], 8, 2, 'nearest-even', 1)).toEqual([[127, -128, -2]]);
  });

  it("reports the bits of the largest magnitude (one's complement for negatives)", () => {
    expect(magnitudeBits([[0n, -1n]])).toBe(0);
    expect(magnitudeBits([[1n]])).toBe(1);
    expect(magnitudeBits([[-2n]])).toBe(1);
    expect(magnitudeBits([[255n, -256n]])).toBe(8);
    expect(magnitudeBits([[256n]])).toBe(9);
  });
});

describe('training on the golden model', () => {
  it('trains the Iris MLP to at least 90% test accuracy, within 3 points of float32', async () => {
    const model = elaborate(
      validateSpecObject(
        { name: 'iris_check', buffers: { weightWords: 4096, activationWords: 4096, errorWords: 4096, resultWords: 4096 } },
        'test',
      ),
    );
    const data = loadIris(1);
    const net = initNetwork([5, 16, 3], model.opBits, 1);
    const opts = { hidden: [16], epochs: 30, batch: 8, seed: 1, lrShift: 2 };
    const device = await trainOnDevice(new GoldenDevice(model), model, data, structuredClone(net), opts);
    const float = trainFloat(data, net, opts);
    expect(device.testAccuracy).toBeGreaterThanOrEqual(0.9);
    expect(Math.abs(device.testAccuracy - float.testAccuracy)).toBeLessThanOrEqual(0.03);
    expect(device.epochs[29].loss).toBeLessThan(device.epochs[0].loss / 3);
  });
});
