/**
 * The command front end both cores share, checked on the generated text of
 * dense, plain-buffer, non-square and zero-skipping designs: the opcodes and
 * the LFSR taps are printed in one module each, both cores instantiate the
 * shared front end beside their controller, no combinational block grows past 80 lines, and the only
 * partial left is pure text.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { OPCODES } from '../../generator/elaborate/model.ts';
import { designFromFile, designFromSpec, type Design } from '../../generator/pipeline.ts';
import { validateSpecObject } from '../../generator/spec/load.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const specs = path.join(repoRoot, 'specs');

const fromObject = (spec: Record<string, unknown>): Design => designFromSpec(validateSpecObject(spec, `test spec ${String(spec.name)}`));

const DESIGNS: Design[] = [
  ...readdirSync(specs)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => designFromFile(path.join(specs, f))),
  fromObject({ name: 'sparse_plain', sparsity: { skipZeros: true }, buffers: { transposable: false } }),
  fromObject({ name: 'sparse_wide', array: { rows: 3, cols: 5 }, sparsity: { skipZeros: true } }),
  fromObject({ name: 'one_pe', array: { rows: 1, cols: 1 }, numeric: { operandBits: 2, accumulatorBits: 4 } }),
];

/** Verilog text without // comments. */
const code = (text: string) => text.replace(/\/\/.*$/gm, '');

/** Lengths (in lines) of every always @* block of a file: from the always line to its matching end. */
function combinationalBlocks(text: string): number[] {
  const lines = code(text).split('\n');
  const lengths: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/always @\*/.test(lines[i])) continue;
    let depth = 0;
    let opened = false;
    let j = i;
    for (; j < lines.length; j++) {
      const begins = (lines[j].match(/\bbegin\b/g) ?? []).length;
      const ends = (lines[j].match(/\bend\b/g) ?? []).length;
      depth += begins - ends;
      if (begins) opened = true;
      if (opened ? depth <= 0 : lines[j].trim().endsWith(';')) break;
    }
    lengths.push(j - i + 1);
    i = j;
  }
  return lengths;
}

describe('the shared command front end', () => {
  it.each(DESIGNS.map((d) => [d.model.name, d] as const))('%s: opcodes and LFSR taps in one module each', (_name, design) => {
    const name = design.model.name;
    const verilog = [...design.files].filter(([file]) => file.endsWith('.v'));
    const taps = design.model.command.lfsrTapsHex;
    for (const [file, text] of verilog) {
      const body = code(text);
      // the decode's constant names (OpLoadW, OpFp, ...), declared anywhere else
      const names = design.model.command.ops.map((op) => op.param).join('|');
      const opParams = body.match(new RegExp(`localparam[^;]*\\b(${names})\\s*=`, 'g')) ?? [];
      if (file === `${name}_command_decode.v`) {
        expect(opParams.length, file).toBe(Object.keys(OPCODES).length);
      } else {
        expect(opParams, `${file} declares opcode constants`).toEqual([]);
      }
      expect(body.includes(`'h${taps}`), `${file} and the LFSR taps`).toBe(file === `${name}_lfsr.v`);
    }
  });

  it.each(DESIGNS.map((d) => [d.model.name, d] as const))(
    '%s: the core instantiates the front end beside the controller',
    (_name, design) => {
      const name = design.model.name;
      const instantiates = (file: string, module: string) => new RegExp(`^\\s*${module}\\b`, 'm').test(code(design.files.get(file)!));
      const controller = design.model.sparse ? `${name}_sparse_controller` : `${name}_controller`;
      for (const module of ['command_frontend', 'result_port'])
        expect(instantiates(`${name}_core.v`, `${name}_${module}`), module).toBe(true);
      expect(instantiates(`${name}_core.v`, controller)).toBe(true);
      expect(instantiates(`${controller}.v`, `${name}_command_decode`)).toBe(true);
      expect(instantiates(`${controller}.v`, `${name}_command_frontend`)).toBe(false);
      // the front end owns the command port, the command state, the LFSR and the element walker
      const text = code(design.files.get(`${controller}.v`)!);
      expect(text).not.toMatch(/\bcmd_valid_i\b|\bcmd_seed_i\b|\bdone_o\b|\bStIdle\b|\blfsr_q\b|u_walker\b/);
      expect(instantiates(`${name}_command_frontend.v`, `${name}_lfsr`)).toBe(true);
      expect(instantiates(`${name}_command_frontend.v`, `${name}_block_walker`)).toBe(true);
      expect(instantiates(`${name}_command_frontend.v`, `${name}_command_decode`)).toBe(true);
    },
  );

  it.each(DESIGNS.map((d) => [d.model.name, d] as const))('%s: no combinational block longer than 80 lines', (_name, design) => {
    for (const [file, text] of design.files) {
      if (!file.endsWith('.v')) continue;
      const longest = Math.max(0, ...combinationalBlocks(text));
      expect(longest, `${file}: an always @* block of ${longest} lines`).toBeLessThanOrEqual(80);
    }
  });

  it('the block measure sees a long block', () => {
    const body = Array.from({ length: 90 }, (_, i) => `    x${i} = 1'b0;`).join('\n');
    expect(combinationalBlocks(`  always @* begin\n${body}\n  end\n  always @* y = 1'b0;\n`)).toEqual([92, 1]);
  });

  it('the only partial left is pure text (the header)', () => {
    expect(readdirSync(path.join(repoRoot, 'templates', 'partials')).sort()).toEqual(['header.hbs']);
  });
});
