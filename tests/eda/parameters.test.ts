/**
 * The dense core's parameters at integration time: the derived geometry is
 * computed inside the RTL from the few real parameters, so overriding one
 * either elaborates lint-clean or stops elaboration with the broken rule's
 * name, on Verilator and on Icarus. A memory shape the generator did not emit a
 * wrapper for is one such rule (one wrapper per shape, to swap for a macro).
 */
import { describe, expect, it } from 'vitest';
import { designFromFile, withDesignOnDisk } from '../../generator/pipeline.ts';
import { runLimited } from '../../generator/sim/limits.ts';

const TIMEOUT = 120_000;
const design = designFromFile('specs/small.json');
const sparseDesign = designFromFile('tests/golden/specs/tiny_sparse.json');
const top = design.model.top;

/** Verilator --lint-only -Wall with -G overrides: exit code and the error lines. */
async function lintWith(overrides: Record<string, number>, of = design): Promise<{ exitCode: number; errors: string[] }> {
  return withDesignOnDisk(of, async (dir, verilog) => {
    const args = [
      '--lint-only',
      '-Wall',
      '--top-module',
      of.model.top,
      ...Object.entries(overrides).map(([k, v]) => `-G${k}=${v}`),
      ...verilog,
    ];
    const r = await runLimited('parameter lint', 'verilator', args, { cwd: dir, limitMs: 60_000 });
    return { exitCode: r.exitCode, errors: r.stderr.split('\n').filter((l) => l.startsWith('%')) };
  });
}

/** Icarus elaboration with -P overrides: exit code and output. */
async function icarusWith(overrides: Record<string, number>): Promise<{ exitCode: number; output: string }> {
  return withDesignOnDisk(design, async (dir, verilog) => {
    const args = ['-g2005', '-o', '/dev/null', '-s', top, ...Object.entries(overrides).map(([k, v]) => `-P${top}.${k}=${v}`), ...verilog];
    const r = await runLimited('parameter elaboration', 'iverilog', args, { cwd: dir, limitMs: 60_000 });
    return { exitCode: r.exitCode, output: r.stdout + r.stderr };
  });
}

describe(`${top}: parameters overridden at integration time`, () => {
  it(
    'a different array shape elaborates lint-clean when its memories keep their shapes',
    async () => {
      // 4 rows: X and dY spread over 4 banks, so twice the words keep each bank 128 x 4
      expect(await lintWith({ Rows: 4, ActWords: 512, ErrWords: 512 })).toEqual({ exitCode: 0, errors: [] });
      expect(await lintWith({ MultiplyStage: 1 })).toEqual({ exitCode: 0, errors: [] });
      expect((await icarusWith({ Rows: 4, ActWords: 512, ErrWords: 512 })).exitCode).toBe(0);
    },
    TIMEOUT,
  );

  it.each([
    [{ WeightWords: 2 }, 'each_buffer_must_hold_one_block_of_the_array'],
    [{ Rows: 32 }, 'each_buffer_must_hold_one_block_of_the_array'],
    [{ OpBits: 12 }, 'AccBits_must_be_at_least_2_x_OpBits'],
    // a bank shape the generator did not emit a memory wrapper for
    [{ Rows: 4, Cols: 3 }, 'no_memory_of_this_shape'],
    [{ CountBits: 4 }, 'CountBits_must_cover_every_buffer_address'],
  ])(
    'a broken rule stops elaboration and names it: %o',
    async (overrides, rule) => {
      const lint = await lintWith(overrides);
      expect(lint.exitCode).not.toBe(0);
      expect(lint.errors.join('\n')).toContain(rule);
      const icarus = await icarusWith(overrides);
      expect(icarus.exitCode).not.toBe(0);
      expect(icarus.output).toContain(rule);
    },
    TIMEOUT,
  );
});

describe(`${sparseDesign.model.top}: the zero-skipping core's derived geometry and constant dividers`, () => {
  it.each([
    [{ Rows: 4 }, 'Rows_differs_from_the_generated_divider'],
    [{ CountBits: 20 }, 'CountBits_differs_from_the_generated_dividers'],
    [{ WeightWords: 2 }, 'each_buffer_must_hold_one_block_or_word_of_the_array'],
    [{ ChunkDepth: 10 }, 'Lanes_must_be_a_multiple_of_Cols_and_ChunkDepth_of_Lanes'],
  ])(
    'an override that breaks a rule or that the generated reciprocals do not cover stops elaboration: %o',
    async (overrides, rule) => {
      const lint = await lintWith(overrides, sparseDesign);
      expect(lint.exitCode).not.toBe(0);
      expect(lint.errors.join('\n')).toContain(rule);
    },
    TIMEOUT,
  );
});
