/**
 * The generated requantization unit alone, on Icarus, against the golden
 * model for every shift the command field can carry (0..63, saturating at the
 * accumulator width), both roundings, plain requantization and the weight
 * update, at the edges of the accumulator range (scripts/requant-rtl-check.ts).
 */
import { execa } from 'execa';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SIM_TEST_TIMEOUT } from './helpers.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const scratch = mkdtempSync(join(tmpdir(), 'trainforge-requant-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A spec file with these widths (the unit's only parameters). */
function specFile(opBits: number, accBits: number): string {
  const file = join(scratch, `requant_${opBits}_${accBits}.json`);
  const spec = {
    name: `requant_${opBits}_${accBits}`,
    array: { rows: 1, cols: 1 },
    numeric: { operandBits: opBits, accumulatorBits: accBits },
  };
  writeFileSync(file, JSON.stringify(spec));
  return file;
}

describe('requantization unit on icarus, every shift 0..63', () => {
  for (const [opBits, accBits] of [
    [2, 4],
    [4, 16],
    [8, 32],
    [16, 64],
  ]) {
    it(`${opBits}-bit operands, ${accBits}-bit accumulators`, { timeout: SIM_TEST_TIMEOUT }, async () => {
      const r = await execa('npx', ['tsx', 'scripts/requant-rtl-check.ts', specFile(opBits, accBits)], { cwd: repoRoot, reject: false });
      expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(/: 0 of \d+ cases differ/);
    });
  }
});
