/**
 * The real CLI as a user runs it: `node bin/trainforge.mjs ...` in a child
 * process from the repository root. Each run costs about half a second, so
 * every test checks several things of one run.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { designFromFile, type Manifest } from '../../generator/pipeline.ts';
import { loadSpecFile } from '../../generator/spec/load.ts';
import { linesOf, repoRoot, trainforge } from '../support/cli.ts';

const cli = (args: string[], env?: Record<string, string>) => trainforge(args, { env, timeoutMs: 50_000 });

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
    const r = await cli(['validate', 'specs/default.json']);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('valid');
    expect(r.stdout).toContain(`spec hash ${loadSpecFile(path.join(repoRoot, 'specs/default.json')).hash}`);
  });

  it('reports invalid JSON with line and column, without a stack trace', async () => {
    const file = writeScratch('broken.json', '{\n  "name": "x",\n  "array": { "rows": 4,, }\n}\n');
    const r = await cli(['validate', file]);
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
    const r = await cli(['validate', file]);
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
    const r = await cli(['generate', bad, '--out', out]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/\/name: "module" is a Verilog\/SystemVerilog keyword/);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(path.dirname(out))).toBe(false);
  });

  it('--out writes the Verilog files, the integration files and manifest.json', async () => {
    const out = path.join(scratch, 'small-out');
    const r = await cli(['generate', 'specs/small.json', '--out', out]);
    expect(r.exitCode).toBe(0);
    const design = designFromFile(path.join(repoRoot, 'specs/small.json'));
    expect(r.stdout).toContain(`wrote ${design.files.size} files to ${out}`);
    expect(readdirSync(out).sort()).toEqual([...design.files.keys()].sort());
    for (const [file, text] of design.files) expect(readFileSync(path.join(out, file), 'utf8'), file).toBe(text);
    const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.top).toBe('tiny_trainer_core');
    for (const file of manifest.files) expect(existsSync(path.join(out, file)), file).toBe(true);
    expect(Object.values(manifest.integration).sort()).toEqual(['tb_core.sv', 'tiny_trainer.core', 'tiny_trainer.f', 'tiny_trainer.h']);
    for (const file of Object.values(manifest.integration)) expect(existsSync(path.join(out, file)), file).toBe(true);
    // no temporary folders left beside the output
    expect(readdirSync(scratch).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('--out naming an existing file is a user error: exit 1, one line naming the path, the file untouched', async () => {
    const file = writeScratch('not-a-folder.v', 'keep me\n');
    const before = readdirSync(scratch).sort();
    const r = await cli(['generate', 'specs/small.json', '--out', file]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    expect(linesOf(r.stderr)).toEqual([`error: ${file} exists and is not a directory; remove it or choose another output directory`]);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(readFileSync(file, 'utf8')).toBe('keep me\n');
    // nothing written beside it (no temporary folders either)
    expect(readdirSync(scratch).sort()).toEqual(before);
  });

  it('--out below an existing file is a user error naming the file in the way', async () => {
    const file = writeScratch('in-the-way', 'x');
    const out = path.join(file, 'sub', 'design');
    const before = readdirSync(scratch).sort();
    const r = await cli(['generate', 'specs/small.json', '--out', out]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    expect(linesOf(r.stderr)).toEqual([
      `error: cannot create ${out}: ${file} is a file, not a directory; remove it or choose another output directory`,
    ]);
    expect(readFileSync(file, 'utf8')).toBe('x');
    expect(readdirSync(scratch).sort()).toEqual(before);
  });

  it('--dry lists the files and writes nothing', async () => {
    const out = path.join(scratch, 'dry-out');
    const r = await cli(['generate', 'specs/small.json', '--dry', '--out', out]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('dry run: nothing written');
    expect(r.stdout).toContain('tiny_trainer_core.v');
    expect(r.stdout).toContain('manifest.json');
    expect(existsSync(out)).toBe(false);
  });
});

describe('usage errors', () => {
  it('an unknown command exits 1 and lists the commands', async () => {
    const r = await cli(['frobnicate']);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('unknown command "frobnicate"');
    expect(r.stderr).toMatch(/commands: validate, generate, lint, synth, fpga, sim, demo/);
    expect(r.stderr).toContain('trainforge help');
  });

  it('an unknown option exits 1 with a hint', async () => {
    const r = await cli(['generate', 'specs/small.json', '--frob']);
    expect(r.exitCode).toBe(1);
    expect(linesOf(r.stderr)).toEqual(["error: Unknown option '--frob'; see trainforge help"]);
  });

  it('help exits 0 and prints the usage', async () => {
    const r = await cli(['help']);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^trainforge: /);
    expect(r.stdout).toContain('Usage: trainforge <command> [options]');
    for (const command of ['validate', 'generate', 'lint', 'synth', 'sim', 'demo']) expect(r.stdout).toContain(`  ${command} `);
    for (const output of ['NAME.f', 'NAME.core', 'NAME.h', '--waves FILE.vcd']) expect(r.stdout).toContain(output);
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
    const r = await cli(
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
});

describe('--clock-mhz (demo, bench, train)', () => {
  it('a bad value is a one-line error before anything is built or simulated', async () => {
    // nothing on PATH and an empty cache: had the command gone on, it would have failed otherwise
    const emptyBin = path.join(scratch, 'clock-empty-bin');
    const cache = path.join(scratch, 'clock-empty-cache');
    mkdirSync(emptyBin);
    mkdirSync(cache);
    const env = { PATH: emptyBin, TRAINFORGE_CACHE: cache };
    const cases: [string[], string][] = [
      [['demo', 'specs/small.json', '--clock-mhz', '0'], '0'],
      [['bench', 'specs/sparse.json', '--clock-mhz=-12.5'], '-12.5'],
      [['train', 'specs/trainer.json', '--dataset', 'iris', '--clock-mhz', '48MHz'], '48MHz'],
    ];
    for (const [args, value] of cases) {
      const r = await cli(args, env);
      expect(r.exitCode, args.join(' ')).toBe(1);
      expect(r.stdout).toBe('');
      expect(linesOf(r.stderr)).toEqual([
        `error: --clock-mhz: "${value}" is not a positive number of MHz; give the clock frequency, e.g. --clock-mhz 48 or 62.5`,
      ]);
    }
    const missing = await cli(['bench', 'specs/sparse.json', '--clock-mhz'], env);
    expect(missing.exitCode).toBe(1);
    expect(linesOf(missing.stderr)).toEqual(["error: Option '--clock-mhz <value>' argument missing; see trainforge help"]);
    const dash = await cli(['bench', 'specs/sparse.json', '--clock-mhz', '-3'], env);
    expect(dash.exitCode).toBe(1);
    expect(linesOf(dash.stderr)).toHaveLength(1);
    expect(dash.stderr).toContain("'--clock-mhz=-XYZ'");
    expect(readdirSync(cache)).toEqual([]);
  });

  it('train on the golden model reports microseconds beside the cycles, in the JSON and the text', async () => {
    const args = ['train', 'specs/trainer.json', '--dataset', 'iris', '--simulator', 'golden', '--epochs', '1'];
    const small = ['--train-samples', '16', '--test-samples', '8'];
    const plain = await cli([...args, ...small, '--json']);
    expect(plain.exitCode, plain.stderr).toBe(0);
    const base = JSON.parse(plain.stdout) as Record<string, unknown>;
    expect(base).not.toHaveProperty('clockMHz');
    expect(base).not.toHaveProperty('microseconds');

    const timed = await cli([...args, ...small, '--clock-mhz', '62.5', '--json']);
    expect(timed.exitCode, timed.stderr).toBe(0);
    const report = JSON.parse(timed.stdout) as Record<string, unknown> & {
      cycles: Record<string, number>;
      microseconds: Record<string, number>;
    };
    expect(report.clockMHz).toBe(62.5);
    expect(Object.keys(report.microseconds)).toEqual(Object.keys(report.cycles));
    for (const [key, cycles] of Object.entries(report.cycles))
      expect(report.microseconds[key], key).toBe(Math.round((cycles / 62.5) * 1000) / 1000);
    expect(report.microseconds.total).toBeGreaterThan(0);
    // apart from the two new fields and the wall time, the same report as without the option
    const { clockMHz: _c, microseconds: _m, wallSeconds: _w, ...rest } = report;
    const { wallSeconds: _w2, ...baseRest } = base;
    expect(rest).toEqual(baseRest);

    const text = await cli([...args, ...small, '--clock-mhz', '62.5']);
    expect(text.exitCode, text.stderr).toBe(0);
    const us = report.microseconds;
    const f = (v: number) => v.toLocaleString('en-US', { maximumFractionDigits: 3 });
    expect(text.stdout).toContain(
      `  µs at 62.5 MHz: FP ${f(us.fp)}, BP ${f(us.bp)}, WG ${f(us.wg)}, update ${f(us.update)}, move ${f(us.move)}; total ${f(us.total)} (host transfers apart: ${f(us.transfer)})`,
    );
    const plainText = await cli([...args, ...small]);
    expect(plainText.stdout).not.toContain('µs');
  });
});

describe('train --through-memory', () => {
  it('a memory option without it, a golden run with it or a bad latency is a one-line error before anything is built', async () => {
    const emptyBin = path.join(scratch, 'memory-empty-bin');
    const cache = path.join(scratch, 'memory-empty-cache');
    mkdirSync(emptyBin);
    mkdirSync(cache);
    const env = { PATH: emptyBin, TRAINFORGE_CACHE: cache };
    const iris = ['train', 'specs/trainer.json', '--dataset', 'iris'];
    const cases: [string[], string][] = [
      [[...iris, '--mem-latency', '20'], 'error: --mem-latency and --mem-random need --through-memory'],
      [[...iris, '--mem-random', '3'], 'error: --mem-latency and --mem-random need --through-memory'],
      [
        [...iris, '--through-memory', '--simulator', 'golden'],
        'error: --through-memory runs on a simulator: use --simulator verilator or icarus',
      ],
      [[...iris, '--through-memory', '--mem-latency', '0'], 'error: --mem-latency: "0" is not an integer >= 1'],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args, env);
      expect(r.exitCode, args.join(' ')).toBe(1);
      expect(r.stdout).toBe('');
      expect(linesOf(r.stderr)).toEqual([message]);
    }
    expect(readdirSync(cache)).toEqual([]);
  });
});
