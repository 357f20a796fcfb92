/**
 * The integration outputs under real tools: NAME.h compiled by the system C
 * compiler (its values printed and compared with the manifest and the model),
 * NAME.f read by Verilator (-f) and Icarus (-c), with the options and top
 * levels of NAME.core's lint and sim_icarus targets.
 */
import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { designFromFile, designFromSpec, writeDesign, type Design, type Manifest } from '../../generator/pipeline.ts';
import { runLimited } from '../../generator/sim/limits.ts';
import { onPath } from '../../generator/sim/limits.ts';
import { validateSpecObject } from '../../generator/spec/load.ts';
import { GOLDEN_DESIGNS, goldenSpecPath } from '../golden/designs.ts';
import { list, parseCapi2, str } from '../support/capi2.ts';
import { repoRoot } from '../support/cli.ts';
import { expectedHeaderValues, headerPrefix } from '../support/integration.ts';

const TOOL_TIMEOUT = 60_000;

const DESIGNS: Design[] = [
  ...GOLDEN_DESIGNS.map((d) => designFromFile(goldenSpecPath(d))),
  designFromFile(path.join(repoRoot, 'specs', 'default.json')),
  // the widest numbers: 16-bit operands, 64-bit accumulators (int16_t, int64_t)
  designFromSpec(
    validateSpecObject({ name: 'wide_3x5', array: { rows: 3, cols: 5 }, numeric: { operandBits: 16, accumulatorBits: 64 } }, 'wide_3x5'),
  ),
];

const C_COMPILER = ['cc', 'gcc', 'clang'].find(onPath);

let scratch: string;
const dirs = new Map<string, string>();
beforeAll(async () => {
  scratch = mkdtempSync(path.join(os.tmpdir(), 'trainforge-integration-'));
  for (const design of DESIGNS) {
    const dir = path.join(scratch, design.model.name);
    await writeDesign(design, dir);
    dirs.set(design.model.name, dir);
  }
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A C program that prints every numeric macro of the header, the spec hash and the C types' widths and signedness. */
function probeProgram(design: Design, keys: string[]): string {
  const p = headerPrefix(design.model);
  const n = design.model.name;
  const type = (t: string) => `  printf("type_${t} %d %d\\n", (int)(sizeof(${n}_${t}_t) * 8), (int)((${n}_${t}_t)-1 < (${n}_${t}_t)0));`;
  return [
    '#include <stdio.h>',
    `#include "${n}.h"`,
    `#include "${n}.h" /* twice: the include guard must hold */`,
    'int main(void) {',
    `  printf("SPEC_HASH %s\\n", ${p}_SPEC_HASH);`,
    ...keys.map((k) => `  printf("${k} %llu\\n", (unsigned long long)(${p}_${k}));`),
    type('operand'),
    type('accumulator'),
    type('count'),
    '  return 0;',
    '}',
    '',
  ].join('\n');
}

describe.skipIf(!C_COMPILER)(`NAME.h under the system C compiler (${C_COMPILER ?? 'none found: cc, gcc, clang'})`, () => {
  it.each(DESIGNS.map((d) => [d.model.name, d] as const))(
    '%s: compiles with -std=c99 -Wall -Wextra -pedantic -Werror and its values equal the manifest and the model',
    async (name, design) => {
      const dir = dirs.get(name)!;
      const expected = expectedHeaderValues(design);
      const keys = [...expected.keys()];
      writeFileSync(path.join(dir, 'probe.c'), probeProgram(design, keys));
      const exe = path.join(dir, 'probe');
      const build = await execa(C_COMPILER!, ['-std=c99', '-Wall', '-Wextra', '-pedantic', '-Werror', '-o', exe, 'probe.c'], {
        cwd: dir,
        reject: false,
      });
      expect(build.exitCode, `${C_COMPILER} failed:\n${build.stderr}`).toBe(0);
      const run = await execa(exe, [], { reject: false });
      expect(run.exitCode).toBe(0);
      const printed = new Map(
        run.stdout
          .trim()
          .split('\n')
          .map((line) => {
            const [key, ...rest] = line.split(' ');
            return [key, rest.join(' ')] as const;
          }),
      );
      const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
      expect(printed.get('SPEC_HASH')).toBe(manifest.specHash);
      for (const [key, value] of expected) expect(printed.get(key), key).toBe(String(value));
      // the opcodes as the manifest has them, the widths of the manifest's host interface
      for (const [op, code] of Object.entries(manifest.hostInterface.opcodes)) {
        expect(printed.get(`OP_${op.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`), op).toBe(String(code));
      }
      expect(printed.get('COUNT_BITS')).toBe(String(manifest.hostInterface.countBits));
      expect(printed.get('OPERAND_BITS')).toBe(String(manifest.hostInterface.operandBits));
      expect(printed.get('ACCUMULATOR_BITS')).toBe(String(manifest.hostInterface.accumulatorBits));
      // C types: signed operands and accumulators wide enough, an unsigned count
      const [opWidth, opSigned] = printed.get('type_operand')!.split(' ').map(Number);
      const [accWidth, accSigned] = printed.get('type_accumulator')!.split(' ').map(Number);
      const [countWidth, countSigned] = printed.get('type_count')!.split(' ').map(Number);
      expect(opWidth).toBeGreaterThanOrEqual(design.model.opBits);
      expect(accWidth).toBeGreaterThanOrEqual(design.model.accBits);
      expect(countWidth).toBeGreaterThanOrEqual(design.model.countBits);
      expect([opSigned, accSigned, countSigned]).toEqual([1, 1, 0]);
    },
    TOOL_TIMEOUT,
  );
});

describe('NAME.f and NAME.core under Verilator and Icarus', () => {
  const picked = GOLDEN_DESIGNS.map((d) => d.name);

  it.each(picked)(
    '%s: the lint target (verilator --lint-only -f NAME.f, its options and top) is clean',
    async (name) => {
      const dir = dirs.get(name)!;
      const core = parseCapi2(readFileSync(path.join(dir, `${name}.core`), 'utf8'));
      const options = list(core, 'targets', 'lint', 'tools', 'verilator', 'verilator_options');
      const top = str(core, 'targets', 'lint', 'toplevel');
      const run = await runLimited(
        `lint of ${name} through its filelist`,
        'verilator',
        ['--lint-only', ...options, '-f', `${name}.f`, '--top-module', top],
        { cwd: dir, limitMs: TOOL_TIMEOUT },
      );
      expect(run.stderr).toBe('');
      expect(run.exitCode).toBe(0);
    },
    TOOL_TIMEOUT,
  );

  it.each(picked)(
    '%s: the sim_icarus target builds (iverilog with its options, top tb_core, -c NAME.f and the tb fileset)',
    async (name) => {
      const dir = dirs.get(name)!;
      const core = parseCapi2(readFileSync(path.join(dir, `${name}.core`), 'utf8'));
      const options = list(core, 'targets', 'sim_icarus', 'tools', 'icarus', 'iverilog_options');
      const top = str(core, 'targets', 'sim_icarus', 'toplevel');
      const tb = list(core, 'filesets', 'tb', 'files');
      const run = await runLimited(
        `Icarus build of ${name} through its filelist`,
        'iverilog',
        [...options, '-s', top, '-o', 'sim.vvp', '-c', `${name}.f`, ...tb],
        { cwd: dir, limitMs: TOOL_TIMEOUT },
      );
      expect(run.stderr).toBe('');
      expect(run.exitCode).toBe(0);
    },
    TOOL_TIMEOUT,
  );
});
