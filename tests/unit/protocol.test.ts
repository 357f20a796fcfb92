/**
 * The testbench's file protocol: commands with their cycle budgets and operand
 * words go in, cycles and result words come out.
 */
import { describe, expect, it } from 'vitest';
import { commandCycleBudget } from '../../generator/sim/limits.ts';
import { encodeCommands, parseResults, type BudgetedCommand } from '../../generator/sim/protocol.ts';

describe('testbench protocol', () => {
  const header = { batch: 2, din: 3, dout: 1, wBase: 0, xBase: 5, dyBase: 7 };

  it("encodes the command header and the operand words as two's complement hex, 16 per line", () => {
    const data = [0, 1, -1, 127, -128, 5, -2, 3, 4, 5, 6, 7, 8, 9, 10, 11, -3];
    const text = encodeCommands(
      [
        { ...header, op: 'loadX', data, cycleBudget: 1100 },
        { ...header, op: 'fp', cycleBudget: 2000 },
        { ...header, op: 'readResult', readCount: 2, cycleBudget: 1008 },
      ],
      8,
    );
    const lines = text.split('\n');
    expect(text.endsWith('\n')).toBe(true);
    expect(lines[0]).toBe('2 2 3 1 0 5 7 0 0 0 17 1100'); // op 2: load X
    expect(lines[1]).toBe('0 1 ff 7f 80 5 fe 3 4 5 6 7 8 9 a b');
    expect(lines[2]).toBe('fd');
    expect(lines[3]).toBe('4 2 3 1 0 5 7 0 0 0 0 2000'); // op 4: FP
    expect(lines[4]).toBe('7 2 3 1 0 5 7 0 0 0 2 1008'); // op 7: read the result
    expect(lines).toHaveLength(6);
  });

  it('operand words round-trip: decoding the hex as signed opBits gives the data back', () => {
    for (const bits of [2, 4, 8, 16]) {
      const lo = -(2 ** (bits - 1));
      const hi = 2 ** (bits - 1) - 1;
      const data = [lo, lo + 1, -1, 0, 1, hi - 1, hi];
      const command: BudgetedCommand = { ...header, op: 'loadW', data, cycleBudget: 1 };
      const [head, ...body] = encodeCommands([command], bits).trim().split('\n');
      expect(Number(head.split(' ')[10])).toBe(data.length);
      const words = body.join(' ').split(' ');
      for (const w of words) expect(w).toMatch(/^[0-9a-f]+$/);
      expect(words.map((w) => Number(BigInt.asIntN(bits, BigInt(`0x${w}`))))).toEqual(data);
    }
  });

  it('parses cycles and signed accumulator words, sign bit set included', () => {
    const accBits = 16;
    const values = [0n, 1n, -1n, 32767n, -32768n, -12345n];
    // the testbench prints each word with %h: fixed width, lowercase
    const hex = values.map((v) =>
      BigInt.asUintN(accBits, v)
        .toString(16)
        .padStart(accBits / 4, '0'),
    );
    expect(hex).toEqual(['0000', '0001', 'ffff', '7fff', '8000', 'cfc7']);
    const text = ['cycles 1 17 0', 'cycles 6 38 11', ...hex, 'cycles 7 8 11', ''].join('\n'); // ops 1 load W, 6 WG, 7 read
    const results = parseResults(text, accBits);
    expect(results).toEqual([
      { op: 'loadW', cycles: 17, resultBits: 0, words: [] },
      { op: 'wg', cycles: 38, resultBits: 11, words: [] },
      { op: 'readResult', cycles: 8, resultBits: 11, words: values },
    ]);
  });

  it('encodes the requantization fields of a move: shift, flags (1 stochastic, 2 ReLU), unsigned seed', () => {
    const [line] = encodeCommands(
      [{ ...header, op: 'moveToX', shift: 7, stochastic: true, relu: true, seed: -1, cycleBudget: 1050 }],
      8,
    ).split('\n');
    expect(line).toBe('8 2 3 1 0 5 7 7 3 4294967295 0 1050'); // op 8: move to X
  });

  it('round-trips full-width accumulators (64 bits) and uppercase hex', () => {
    const values = [-(2n ** 63n), 2n ** 63n - 1n, -2n, 0x123456789abcdefn];
    const hex = values.map((v) => BigInt.asUintN(64, v).toString(16).padStart(16, '0'));
    hex[1] = hex[1].toUpperCase();
    const [r] = parseResults(`${hex.join('\n')}\ncycles 7 6\n`, 64);
    expect(r.words).toEqual(values);
  });

  it('rejects an x word (an undefined value from Icarus) and an unknown opcode', () => {
    expect(() => parseResults('0001\nxxxx\ncycles 7 4\n', 16)).toThrow(/undefined value "xxxx"/);
    expect(() => parseResults('00x1\n', 16)).toThrow(/undefined value/);
    expect(() => parseResults('cycles 15 3\n', 16)).toThrow(/unknown command 15/);
  });
});

describe('cycle budgets', () => {
  it('refuses a command without a usable budget: the testbench would never stop it', () => {
    const header = { op: 'fp' as const, batch: 1, din: 1, dout: 1, wBase: 0, xBase: 0, dyBase: 0 };
    for (const cycleBudget of [0, -5, 1.5, 2 ** 31, Number.NaN]) {
      expect(() => encodeCommands([{ ...header, cycleBudget }], 8), `budget ${cycleBudget}`).toThrow(/cycle budget/);
    }
  });

  it('leaves room above the prediction: twice the predicted cycles plus a margin', () => {
    for (const predicted of [0, 1, 47, 4107, 1_000_000]) {
      const budget = commandCycleBudget(predicted);
      expect(budget).toBeGreaterThanOrEqual(2 * predicted);
      expect(budget).toBeGreaterThan(predicted + 500);
    }
  });
});
