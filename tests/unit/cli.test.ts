/**
 * The real CLI as a user runs it: `node bin/trainforge.mjs ...` in a child
 * process from the repository root. Each run costs about half a second, so
 * every test checks several things of one run.
 */
import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCycles, readCycles } from '../../generator/golden/cycles.ts';
import { gemmShape, runStep } from '../../generator/golden/gemm.ts';
import { designFromFile, type Manifest } from '../../generator/pipeline.ts';
import { loadSpecFile } from '../../generator/spec/load.ts';
import type { Operands } from '../../generator/types.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SIM_TIMEOUT = 60_000;

interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
}

async function trainforge(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const r = await execa(process.execPath, ['bin/trainforge.mjs', ...args], {
    cwd: repoRoot,
    reject: false,
    env: { TRAINFORGE_DEBUG: '', ...env },
    timeout: 50_000,
  });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** stderr lines, without the empty tail. */
const linesOf = (text: string) => text.split('\n').filter((l) => l.length > 0);

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(path.join(os.tmpdir(), 'trainforge-cli-test-'));
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

function writeScratch(name: string, text: string): string {
  const file = path.join(scratch, name);
  writeFileSync(file, text);
  return file;
}

describe('trainforge validate', () => {
  it('accepts specs/default.json and prints its hash', async () => {
    const r = await trainforge(['validate', 'specs/default.json']);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('valid');
    expect(r.stdout).toContain(`spec hash ${loadSpecFile(path.join(repoRoot, 'specs/default.json')).hash}`);
  });

  it('reports invalid JSON with line and column, without a stack trace', async () => {
    const file = writeScratch('broken.json', '{\n  "name": "x",\n  "array": { "rows": 4,, }\n}\n');
    const r = await trainforge(['validate', file]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    const lines = linesOf(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: .*broken\.json: invalid JSON at line 3, column \d+/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('reports schema problems one line each, naming the JSON path', async () => {
    const file = writeScratch(
      'schema.json',
      JSON.stringify({ name: 'Bad', array: { rows: 0, cols: 'a' }, numeric: { operandBits: 8, accumulatorBits: 10 }, extra: 1 }),
    );
    const r = await trainforge(['validate', file]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    const lines = linesOf(r.stderr);
    const paths = lines.map((l) => {
      expect(l.startsWith(`error: ${file}: /`), l).toBe(true);
      return l.slice(`error: ${file}: `.length).split(':')[0];
    });
    expect(paths.sort()).toEqual(['/array/cols', '/array/rows', '/extra', '/name', '/numeric/accumulatorBits']);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('trainforge generate', () => {
  it('with a bad spec writes nothing: a fresh --out folder stays absent', async () => {
    const bad = writeScratch('bad-name.json', JSON.stringify({ name: 'module' }));
    const out = path.join(scratch, 'never', 'written');
    const r = await trainforge(['generate', bad, '--out', out]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/\/name: "module" is a Verilog\/SystemVerilog keyword/);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(path.dirname(out))).toBe(false);
  });

  it('--out writes the Verilog files and manifest.json', async () => {
    const out = path.join(scratch, 'small-out');
    const r = await trainforge(['generate', 'specs/small.json', '--out', out]);
    expect(r.exitCode).toBe(0);
    const design = designFromFile(path.join(repoRoot, 'specs/small.json'));
    expect(r.stdout).toContain(`wrote ${design.files.size} files to ${out}`);
    expect(readdirSync(out).sort()).toEqual([...design.files.keys()].sort());
    for (const [file, text] of design.files) expect(readFileSync(path.join(out, file), 'utf8'), file).toBe(text);
    const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.top).toBe('tiny_trainer_core');
    for (const file of manifest.files) expect(existsSync(path.join(out, file)), file).toBe(true);
    // no temporary folders left beside the output
    expect(readdirSync(scratch).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('--dry lists the files and writes nothing', async () => {
    const out = path.join(scratch, 'dry-out');
    const r = await trainforge(['generate', 'specs/small.json', '--dry', '--out', out]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('dry run: nothing written');
    expect(r.stdout).toContain('tiny_trainer_core.v');
    expect(r.stdout).toContain('manifest.json');
    expect(existsSync(out)).toBe(false);
  });
});

describe('usage errors', () => {
  it('an unknown command exits 1 and lists the commands', async () => {
    const r = await trainforge(['frobnicate']);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('unknown command "frobnicate"');
    expect(r.stderr).toMatch(/commands: validate, generate, lint, synth, sim, demo/);
    expect(r.stderr).toContain('trainforge help');
  });

  it('an unknown option exits 1 with a hint', async () => {
    const r = await trainforge(['generate', 'specs/small.json', '--frob']);
    expect(r.exitCode).toBe(1);
    expect(linesOf(r.stderr)).toEqual(["error: Unknown option '--frob'; see trainforge help"]);
  });

  it('help exits 0 and prints the usage', async () => {
    const r = await trainforge(['help']);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^trainforge: /);
    expect(r.stdout).toContain('Usage: trainforge <command> [options]');
    for (const command of ['validate', 'generate', 'lint', 'synth', 'sim', 'demo']) expect(r.stdout).toContain(`  ${command} `);
  });
});

describe('trainforge sim', () => {
  it('rejects a layer too large for the buffers before simulating', async () => {
    // An empty PATH and an empty simulator cache: had the CLI gone on to build
    // or run a simulator, it would have failed with another message.
    const emptyBin = path.join(scratch, 'empty-bin');
    const cache = path.join(scratch, 'empty-cache');
    mkdirSync(emptyBin);
    mkdirSync(cache);
    const r = await trainforge(
      ['sim', 'specs/small.json', '--step', 'fp', '--batch', '64', '--din', '64', '--dout', '4', '--simulator', 'icarus'],
      { PATH: emptyBin, TRAINFORGE_CACHE: cache },
    );
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('layer 64x64x4 (batch x din x dout) on tiny_trainer');
    expect(r.stderr).toMatch(/X \(64 x 64\) needs \d+ words of the activation_buffer.*raise buffers\.activationWords/);
    expect(r.stderr).not.toMatch(/not installed|internal error/);
    expect(readdirSync(cache)).toEqual([]);
  });

  it(
    '--json on specs/small.json (WG, batch 3, din 5, dout 2, Icarus) reports a pass and the cycle figures',
    async () => {
      const r = await trainforge([
        'sim', 'specs/small.json', '--step', 'wg', '--batch', '3', '--din', '5', '--dout', '2', '--simulator', 'icarus', '--json',
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
      // 2x2 array, M = 2, N = 5, K = 3: 3 tiles of max(3, 2) cycles -> 2 * 3 + 3 + 2 + 3
      expect(report.modelCycles).toBe(14);
      expect(report.cycles).toBe(report.modelCycles);
      expect(report.macs).toBe(2 * 5 * 3);
      expect(report.idealCycles).toBe(Math.ceil(30 / 4));
      expect(report.utilization).toBeCloseTo((report.idealCycles as number) / (report.cycles as number), 12);
      // load dY (3 x 2), load X (3 x 5), read dW (2 x 5)
      expect(report.transferCycles).toBe(loadCycles(3, 2) + loadCycles(3, 5) + readCycles(2, 5));
    },
    SIM_TIMEOUT,
  );

  it(
    '--dump writes X, W, dY and a result equal to the golden model',
    async () => {
      const dump = path.join(scratch, 'dump');
      const dims = { batch: 3, din: 5, dout: 4 };
      const r = await trainforge([
        'sim', 'specs/small.json', '--step', 'bp', '--batch', '3', '--din', '5', '--dout', '4',
        '--seed', '7', '--simulator', 'icarus', '--dump', dump,
      ]);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(readdirSync(dump).sort()).toEqual(['W.json', 'X.json', 'dY.json', 'result.json']);
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
