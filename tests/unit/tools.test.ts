/**
 * A missing EDA tool is a user's problem with a one-line answer naming the
 * Debian package, from the library and from the CLI, never a spawn error.
 */
import { execa } from 'execa';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { designFromFile } from '../../generator/pipeline.ts';
import { compileDesign, requireTool } from '../../generator/sim/simulators.ts';
import { onPath } from '../../generator/sim/limits.ts';
import { lintDesign, synthDesign } from '../../generator/tools/eda.ts';
import { UserError } from '../../generator/util/errors.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** A PATH with node and nothing else on it. */
function nodeOnlyPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'trainforge-path-'));
  symlinkSync(process.execPath, join(dir, 'node'));
  return dir;
}

const savedPath = process.env.PATH;
afterEach(() => {
  process.env.PATH = savedPath;
});

describe('missing tools', () => {
  it('onPath finds executables on PATH only', () => {
    process.env.PATH = nodeOnlyPath();
    expect(onPath('node')).toBe(true);
    expect(onPath('verilator')).toBe(false);
  });

  it('requireTool, lint, synth and the simulators name the Debian package in one line', async () => {
    const design = designFromFile(join(repoRoot, 'specs/small.json'));
    process.env.PATH = nodeOnlyPath();
    expect(() => requireTool('vvp')).toThrow(UserError);
    expect(() => requireTool('vvp')).toThrow(
      /^vvp is not installed \(not found on PATH\): install the Debian package iverilog \(apt-get install -y iverilog\)/,
    );
    const cases: [Promise<unknown>, RegExp][] = [
      [lintDesign(design), /verilator is not installed.*Debian package verilator/],
      [synthDesign(design), /yosys is not installed.*Debian package yosys/],
      [compileDesign(design.model, 'icarus'), /iverilog is not installed.*Debian package iverilog/],
      [compileDesign(design.model, 'verilator'), /verilator is not installed.*Debian package verilator/],
    ];
    for (const [promise, message] of cases) {
      const err = await promise.then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err).toBeInstanceOf(UserError);
      expect(err!.message).toMatch(message);
      expect(err!.message).not.toContain('\n');
    }
  });

  it('the CLI answers a lint without Verilator with one line and exit 1', async () => {
    const r = await execa(process.execPath, ['bin/trainforge.mjs', 'lint', 'specs/small.json'], {
      cwd: repoRoot,
      reject: false,
      env: { PATH: nodeOnlyPath(), TRAINFORGE_DEBUG: '' },
      extendEnv: false,
    });
    expect(r.exitCode).toBe(1);
    const lines = String(r.stderr).split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/verilator is not installed.*apt-get install -y verilator/);
  });
});
