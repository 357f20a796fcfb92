/**
 * --clock-mhz: the option's parsing, cycles as microseconds, and the bench
 * and train reports with and without a clock (without one, byte for byte as
 * before: checked against the committed docs/bench files).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { benchAtClock, benchCsv, benchTable } from '../../generator/commands/bench.ts';
import type { BenchReport } from '../../generator/commands/bench-report.ts';
import { renderPlot } from '../../generator/commands/plot.ts';
import { trainAtClock, type TrainReport } from '../../generator/commands/train.ts';
import { formatMicroseconds, microseconds, parseClockMHz } from '../../generator/util/clock.ts';
import { UserError } from '../../generator/util/errors.ts';
import { repoRoot } from '../support/cli.ts';

describe('parseClockMHz', () => {
  it('takes positive decimal numbers and nothing else', () => {
    expect(parseClockMHz(undefined)).toBeUndefined();
    expect(parseClockMHz('48')).toBe(48);
    expect(parseClockMHz('62.5')).toBe(62.5);
    expect(parseClockMHz('.5')).toBe(0.5);
    expect(parseClockMHz('100.')).toBe(100);
    for (const bad of ['0', '0.0', '-5', 'abc', '', ' ', '1e3', '0x10', '12MHz', 'Infinity', 'NaN', '1,5']) {
      expect(() => parseClockMHz(bad), bad).toThrow(UserError);
      expect(() => parseClockMHz(bad), bad).toThrow(`--clock-mhz: "${bad}" is not a positive number of MHz`);
    }
  });
});

describe('microseconds', () => {
  it('is cycles over MHz, to the nanosecond', () => {
    expect(microseconds(4107, 100)).toBe(41.07);
    expect(microseconds(4107, 60)).toBe(68.45);
    expect(microseconds(1, 3)).toBe(0.333);
    expect(microseconds(2, 3)).toBe(0.667);
    expect(microseconds(0, 12)).toBe(0);
    expect(microseconds(4_338_265, 15.35)).toBe(282623.127);
    expect(formatMicroseconds(282623.127)).toBe('282,623.127');
    expect(formatMicroseconds(41.07)).toBe('41.07');
  });
});

const docsBench = path.join(repoRoot, 'docs/bench');
const committed = (file: string) => readFileSync(path.join(docsBench, file), 'utf8');

describe('bench with and without --clock-mhz', () => {
  const report = JSON.parse(committed('bench.json')) as BenchReport;

  it('without a clock writes bench.csv and bench.svg exactly as committed', () => {
    expect(report.clockMHz).toBeUndefined();
    expect(benchCsv(report)).toBe(committed('bench.csv'));
    expect(renderPlot(report)).toBe(committed('bench.svg'));
    expect(benchTable(report)).not.toContain('µs');
  });

  it('with a clock puts microseconds beside the cycles in the JSON, the CSV and the table', () => {
    const timed = benchAtClock(report, 50);
    expect(timed.clockMHz).toBe(50);
    // the input is untouched: the same report still writes the committed CSV
    expect(benchCsv(report)).toBe(committed('bench.csv'));
    expect(Object.keys(timed).indexOf('clockMHz')).toBe(Object.keys(timed).indexOf('simulator') + 1);
    for (const [i, row] of timed.rows.entries()) {
      expect(row.microseconds).toBe(microseconds(row.cycles, 50));
      expect(row.denseMicroseconds).toBe(microseconds(row.denseCycles, 50));
      expect(row.denseMicroseconds).toBeCloseTo(row.denseCycles / 50, 3);
      // every other field as it was
      const { microseconds: us, denseMicroseconds: dus, ...rest } = row;
      expect(us).toBeGreaterThan(0);
      expect(dus).toBeGreaterThan(0);
      expect(rest).toEqual(report.rows[i]);
      const keys = Object.keys(row);
      expect(keys[keys.indexOf('cycles') + 1]).toBe('microseconds');
      expect(keys[keys.indexOf('denseCycles') + 1]).toBe('denseMicroseconds');
    }
    const csv = benchCsv(timed).split('\n');
    expect(csv[0]).toBe(
      'step,density,denseCycles,denseMicroseconds,cycles,microseconds,modelCycles,idealNnzCycles,ratioToDense,effectualMacs,effectualUtilization,scaleSimOs,scaleSimWs,bitExact',
    );
    const first = report.rows[0];
    expect(csv[1].startsWith(`fp,1,${first.denseCycles},${first.denseCycles / 50},${first.cycles},${first.cycles / 50},`)).toBe(true);
    // dropping the two new columns gives the committed file back
    const stripped = benchCsv(timed)
      .split('\n')
      .map((line) =>
        line
          .split(',')
          .filter((_, i) => i !== 3 && i !== 5)
          .join(','),
      )
      .join('\n');
    expect(stripped).toBe(committed('bench.csv'));
    const table = benchTable(timed).split('\n');
    expect(table[0]).toMatch(/^step\s+density\s+dense\s+dense µs\s+zero-skip\s+zero-skip µs\s+model/);
    expect(table[2]).toContain(`${(first.denseCycles / 50).toLocaleString('en-US')}`);
  });
});

describe('train with --clock-mhz', () => {
  const report = {
    design: 'd',
    dataset: 'iris',
    network: [5, 16, 3],
    simulator: 'golden',
    epochs: [],
    testAccuracy: 1,
    floatTestAccuracy: 1,
    floatEpochs: [],
    cycles: { fp: 23_154, bp: 9_900, wg: 24_300, update: 11_700, move: 117_488, total: 186_542, transfer: 41_782 },
    effectualMacs: 1,
    skippedMacs: 0,
    steps: 1,
    wallSeconds: 1,
    weightsMatchGolden: true,
  } as unknown as TrainReport;

  it('adds clockMHz and every cycle figure in microseconds right after the cycles', () => {
    const timed = trainAtClock(report, 40);
    expect(timed.clockMHz).toBe(40);
    expect(timed.microseconds).toEqual({
      fp: 578.85,
      bp: 247.5,
      wg: 607.5,
      update: 292.5,
      move: 2937.2,
      total: 4663.55,
      transfer: 1044.55,
    });
    const keys = Object.keys(timed);
    expect(keys.slice(keys.indexOf('cycles'), keys.indexOf('cycles') + 3)).toEqual(['cycles', 'clockMHz', 'microseconds']);
    expect(report).not.toHaveProperty('microseconds');
  });
});
