/**
 * The CLI's simulation commands as a user runs them: `node bin/trainforge.mjs
 * sim ...` in a child process from the repository root. They need Icarus
 * Verilog, so they live here and not in tests/unit (which needs no simulator).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCycles, readCycles } from '../../generator/golden/cycles.ts';
import { gemmShape, runStep } from '../../generator/golden/gemm.ts';
import type { Operands } from '../../generator/types.ts';
import { loadSpecFile } from '../../generator/spec/load.ts';
import { SIM_TEST_TIMEOUT } from './helpers.ts';
import { repoRoot, trainforge } from '../support/cli.ts';

const cli = (args: string[], env?: Record<string, string>) => trainforge(args, { env, timeoutMs: SIM_TEST_TIMEOUT - 20_000 });

// the CLI waits for a free simulator slot like every other simulation; its own
// simulator processes have wall-clock limits well inside this backstop
const SIM_TIMEOUT = SIM_TEST_TIMEOUT;

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(path.join(os.tmpdir(), 'trainforge-cli-sim-test-'));
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('trainforge sim (Icarus)', () => {
  it(
    '--json on specs/small.json (WG, batch 3, din 5, dout 2, Icarus) reports a pass and the cycle figures',
    async () => {
      const r = await cli([
        'sim',
        'specs/small.json',
        '--step',
        'wg',
        '--batch',
        '3',
        '--din',
        '5',
        '--dout',
        '2',
        '--simulator',
        'icarus',
        '--json',
      ]);
      expect(r.exitCode, r.stderr).toBe(0);
      const report = JSON.parse(r.stdout) as Record<string, unknown>;
      expect(report).toMatchObject({
        pass: true,
        design: 'tiny_trainer',
        step: 'wg',
        batch: 3,
        din: 5,
        dout: 2,
        simulator: 'icarus',
        mismatches: [],
      });
      // 2x2 array, M = 2, N = 5, K = 3: 3 tiles of max(3, 2) cycles -> 2 * 3 + 3 + 2 + 3, plus the
      // systolic array's latency (2 - 1) + (2 - 1) + 1
      expect(report.modelCycles).toBe(17);
      expect(report.cycles).toBe(report.modelCycles);
      expect(report.macs).toBe(2 * 5 * 3);
      expect(report.idealCycles).toBe(Math.ceil(30 / 4));
      expect(report.utilization).toBeCloseTo((report.idealCycles as number) / (report.cycles as number), 12);
      // load dY (3 x 2), load X (3 x 5), read dW (2 x 5) in segments of 2 (one result word)
      expect(report.transferCycles).toBe(loadCycles(3, 2) + loadCycles(3, 5) + readCycles(2, 5, { lanes: 2, wordElements: 2 }));
      // the run through memory: four descriptors fetched (256 bytes = 32 beats of 8); dY's 3 rows of 2 bytes packed
      // (stride 2) take a beat each; X's rows of 5 bytes at 0, 5 and 10 take 1, 2 and 1 beats (row 1 spans bytes
      // 5..9, across the first beat's end); the result's 2 rows of 5 x 2 bytes written
      expect(report).toMatchObject({ memoryLatency: 100, memoryRandomSeed: null, compressed: false });
      // the deterministic memory: the end-to-end cycle model is exact
      expect(report.modelEndToEndCycles).toBe(report.endToEndCycles);
      expect(report.bytesRead).toBe(256 + (3 + 4) * 8);
      expect(report.modelBytesRead).toBe(report.bytesRead);
      expect(report.bytesWritten).toBe(2 * 5 * 2);
      expect(report.modelBytesWritten).toBe(report.bytesWritten);
      // at least the two loads' latencies, the compute and the store
      expect(report.endToEndCycles as number).toBeGreaterThan(2 * 100 + (report.cycles as number));
    },
    SIM_TIMEOUT,
  );

  it(
    "roofline --simulator icarus adds measured points whose bytes are the model points' bytes",
    async () => {
      const r = await cli([
        'roofline',
        'specs/small.json',
        '--layers',
        '4x6x5',
        '--simulator',
        'icarus',
        '--out',
        path.join(scratch, 'r.svg'),
        '--json',
      ]);
      expect(r.exitCode, r.stderr).toBe(0);
      const report = JSON.parse(r.stdout) as {
        points: { label: string; kind: string; bytesRead: number; bytesWritten: number; cycles: number; computeCycles: number }[];
      };
      const model = report.points.filter((p) => p.kind === 'model');
      const measured = report.points.filter((p) => p.kind === 'measured');
      expect(measured.map((p) => p.label)).toEqual(['FP 4x6x5', 'BP 4x6x5', 'WG 4x6x5']);
      measured.forEach((p, i) => {
        expect(p.bytesRead, p.label).toBe(model[i].bytesRead);
        expect(p.bytesWritten, p.label).toBe(model[i].bytesWritten);
        expect(p.computeCycles, p.label).toBe(model[i].computeCycles);
        expect(p.cycles, p.label).toBeGreaterThan(p.computeCycles + 100);
      });
      expect(readFileSync(path.join(scratch, 'r.svg'), 'utf8')).toContain('class="point measured"');
    },
    SIM_TIMEOUT,
  );

  it(
    '--dump writes X, W, dY and a result equal to the golden model',
    async () => {
      const dump = path.join(scratch, 'dump');
      const dims = { batch: 3, din: 5, dout: 4 };
      const r = await cli([
        'sim',
        'specs/small.json',
        '--step',
        'bp',
        '--batch',
        '3',
        '--din',
        '5',
        '--dout',
        '4',
        '--seed',
        '7',
        '--simulator',
        'icarus',
        '--dump',
        dump,
      ]);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(readdirSync(dump).sort()).toEqual(['W.json', 'X.json', 'dY.json', 'result.json', 'stimulus.txt']);
      const read = (file: string): unknown => JSON.parse(readFileSync(path.join(dump, file), 'utf8'));
      const operands: Operands = { X: read('X.json') as number[][], W: read('W.json') as number[][], dY: read('dY.json') as number[][] };
      const shape = (m: unknown[][]) => [m.length, ...new Set(m.map((row) => row.length))];
      expect(shape(operands.X)).toEqual([dims.batch, dims.din]);
      expect(shape(operands.W)).toEqual([dims.dout, dims.din]);
      expect(shape(operands.dY)).toEqual([dims.batch, dims.dout]);
      const opBits = 4;
      for (const v of [operands.X, operands.W, operands.dY].flat(2)) {
        expect(Number.isInteger(v) && v >= -(2 ** (opBits - 1)) && v < 2 ** (opBits - 1), String(v)).toBe(true);
      }
      const result = read('result.json') as unknown[][];
      const { M, N } = gemmShape('bp', dims);
      expect(shape(result)).toEqual([M, N]);
      // every result element is a plain JSON integer
      for (const v of result.flat()) expect(typeof v, `result.json element ${JSON.stringify(v)}`).toBe('number');
      const accBits = loadSpecFile(path.join(repoRoot, 'specs/small.json')).spec.numeric.accumulatorBits;
      const expected = runStep('bp', operands, accBits).map((row) => row.map(Number));
      expect(result).toEqual(expected);
    },
    SIM_TIMEOUT,
  );
});

describe('trainforge bench --clock-mhz (Icarus)', () => {
  it(
    'puts microseconds beside the cycles in the table, bench.json and bench.csv; without it the files are as before',
    async () => {
      const args = ['bench', 'tests/golden/specs/tiny_sparse.json', '--batch', '3', '--din', '5', '--dout', '4', '--densities', '1,0.5'];
      const common = [...args, '--no-area', '--simulator', 'icarus'];
      const plainDir = path.join(scratch, 'bench-plain');
      const timedDir = path.join(scratch, 'bench-timed');
      const plain = await cli([...common, '--out', plainDir]);
      expect(plain.exitCode, plain.stderr).toBe(0);
      expect(plain.stdout).not.toContain('µs');
      const timed = await cli([...common, '--out', timedDir, '--clock-mhz', '40']);
      expect(timed.exitCode, timed.stderr).toBe(0);
      expect(timed.stdout).toContain('; µs at 40 MHz');
      expect(timed.stdout).toMatch(/dense µs\s+zero-skip\s+zero-skip µs/);

      const read = (dir: string, file: string) => readFileSync(path.join(dir, file), 'utf8');
      const base = JSON.parse(read(plainDir, 'bench.json')) as { rows: Record<string, number>[] };
      const report = JSON.parse(read(timedDir, 'bench.json')) as { clockMHz: number; rows: Record<string, number>[] };
      expect(base).not.toHaveProperty('clockMHz');
      expect(report.clockMHz).toBe(40);
      expect(report.rows).toHaveLength(6);
      for (const [i, row] of report.rows.entries()) {
        expect(row.microseconds).toBe(row.cycles / 40);
        expect(row.denseMicroseconds).toBe(row.denseCycles / 40);
        const { microseconds: _m, denseMicroseconds: _d, ...rest } = row;
        expect(rest).toEqual(base.rows[i]);
      }
      // the CSV with the clock is the CSV without it plus two columns
      const csv = read(timedDir, 'bench.csv').split('\n');
      expect(csv[0]).toMatch(/^step,density,denseCycles,denseMicroseconds,cycles,microseconds,modelCycles,/);
      const without = csv.map((line) =>
        line
          .split(',')
          .filter((_, i) => i !== 3 && i !== 5)
          .join(','),
      );
      expect(without.join('\n')).toBe(read(plainDir, 'bench.csv'));
      expect(read(timedDir, 'bench.svg')).toBe(read(plainDir, 'bench.svg'));
    },
    SIM_TIMEOUT,
  );
});

describe('trainforge train --through-memory (Icarus)', () => {
  it(
    'reports end-to-end cycles, the memory traffic and the energy, in the JSON and the text',
    async () => {
      const args = ['train', 'specs/trainer.json', '--dataset', 'iris', '--simulator', 'icarus', '--epochs', '1'];
      const small = ['--train-samples', '16', '--test-samples', '8', '--through-memory', '--mem-latency', '40'];
      const json = await cli([...args, ...small, '--json']);
      expect(json.exitCode, json.stderr).toBe(0);
      const r = JSON.parse(json.stdout) as {
        weightsMatchGolden: boolean;
        simulator: string;
        cycles: Record<string, number>;
        memory: Record<string, number>;
        energy: Record<string, number>;
      };
      expect(r.weightsMatchGolden).toBe(true);
      expect(r.simulator).toBe('icarus, through memory');
      expect(r.cycles.endToEnd).toBeGreaterThan(r.cycles.total + r.cycles.transfer);
      expect(Object.keys(r.memory)).toEqual(['bytesRead', 'bytesWritten', 'inputBytesRead', 'inputBytesUncompressed']);
      expect(r.memory.inputBytesUncompressed).toBe((16 + 8) * 5);
      expect(Object.keys(r.energy)).toEqual(['totalMicrojoules', 'dramMicrojoules', 'sramMicrojoules', 'macMicrojoules']);
      expect(r.energy.totalMicrojoules).toBeGreaterThan(0);
      const text = await cli([...args, ...small]);
      expect(text.exitCode, text.stderr).toBe(0);
      expect(text.stdout).toContain(`${r.cycles.endToEnd.toLocaleString('en-US')} cycles end to end`);
      expect(text.stdout).toContain("the core's counters equal the traffic model");
    },
    SIM_TIMEOUT,
  );
});
