/**
 * The integration outputs of `generate` (NAME.f, NAME.core, NAME.h,
 * tb_core.sv), read as text: compile order, the FuseSoC core file's structure,
 * the header's values against the model, the manifest and the generated top
 * module. tests/eda/integration.test.ts runs the tools on them (the C
 * compiler, Verilator, Icarus).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { designFromFile, type Design, type Manifest } from '../../generator/pipeline.ts';
import { FAULTS, REGISTERS, registerOffset } from '../../generator/elaborate/regmap.ts';
import { registerMapMarkdown } from '../../generator/render/regmap-doc.ts';
import { renderTestbench } from '../../generator/render/render.ts';
import { ICARUS_OPTIONS, TESTBENCH_TOP, VERILATOR_LINT_OPTIONS, VERILATOR_SIM_OPTIONS } from '../../generator/sim/flags.ts';
import { list, map, parseCapi2, str } from '../support/capi2.ts';
import { repoRoot } from '../support/cli.ts';
import {
  expectedHeaderValues,
  headerDefines,
  headerPrefix,
  moduleParameters,
  modulePorts,
  PARAMETER_MACROS,
  PORT_MACROS,
} from '../support/integration.ts';

const SPECS = [
  ...readdirSync(path.join(repoRoot, 'specs'))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => `specs/${f}`),
  'tests/golden/specs/tiny_sparse.json',
  'tests/golden/specs/tiny_plain.json',
];
const DESIGNS: [string, Design][] = SPECS.map((s) => [s, designFromFile(path.join(repoRoot, s))]);

const manifestOf = (design: Design) => JSON.parse(design.files.get('manifest.json')!) as Manifest;
const filelistOf = (design: Design) => design.files.get(manifestOf(design).integration.filelist)!.split('\n').slice(0, -1);

/** Modules a Verilog file instantiates, among `known`. */
function instantiated(text: string, known: Set<string>): string[] {
  const code = text.replace(/\/\/.*$/gm, '');
  return [...code.matchAll(/^\s*(\w+)\s+(?:#\s*\(|u_\w+\s*\()/gm)].map((m) => m[1]).filter((name) => known.has(name));
}

describe.each(DESIGNS)('integration files of %s', (_spec, design) => {
  const { model } = design;
  const manifest = manifestOf(design);

  it('NAME.f lists the Verilog files in compile order, one per line, relative to the output folder', () => {
    const f = design.files.get(`${model.name}.f`)!;
    expect(f.endsWith('\n')).toBe(true);
    const lines = filelistOf(design);
    expect(lines).toEqual(manifest.files);
    expect(lines).toEqual(model.modules.map((m) => `${m.name}.v`));
    for (const line of lines) {
      expect(line, 'a bare file name: relative, no folder, no white space').toMatch(/^[a-z][a-z0-9_]*\.v$/);
      expect(design.files.has(line), line).toBe(true);
    }
    expect(lines.at(-1)).toBe(`${model.systemTop}.v`);
  });

  it('the order is a real compile order: every module comes after the modules it instantiates, the top last', () => {
    const lines = filelistOf(design);
    const names = lines.map((l) => l.replace(/\.v$/, ''));
    const known = new Set(names);
    const instantiatedAnywhere = new Set<string>();
    names.forEach((name, i) => {
      for (const child of instantiated(design.files.get(`${name}.v`)!, known)) {
        instantiatedAnywhere.add(child);
        expect(names.indexOf(child), `${name} (line ${i + 1}) instantiates ${child}, which must come first`).toBeLessThan(i);
      }
    });
    // every module but the top is used; the top is used by none
    expect(names.filter((n) => !instantiatedAnywhere.has(n))).toEqual([model.systemTop]);
  });

  it('NAME.core is a CAPI2 core: VLNV name, the RTL fileset of NAME.f in the same order, and the testbench', () => {
    const core = parseCapi2(design.files.get(`${model.name}.core`)!);
    expect(str(core, 'name')).toBe(`trainforge:generated:${model.name}:0.1.0`);
    expect(str(core, 'name').split(':')).toHaveLength(4);
    expect(str(core, 'description')).toContain(model.specHash);
    expect(str(core, 'filesets', 'rtl', 'file_type')).toBe('verilogSource');
    expect(list(core, 'filesets', 'rtl', 'files')).toEqual(filelistOf(design));
    expect(str(core, 'filesets', 'tb', 'file_type')).toBe('systemVerilogSource');
    expect(list(core, 'filesets', 'tb', 'files')).toEqual([manifest.integration.testbench]);
    // every file of every fileset is written beside the core file
    for (const set of Object.keys(map(core, 'filesets'))) {
      for (const file of list(core, 'filesets', set, 'files')) expect(design.files.has(file), `${set}: ${file}`).toBe(true);
    }
    // the testbench written is the one trainforge sim runs
    expect(design.files.get(manifest.integration.testbench)).toBe(renderTestbench(model));
  });

  it('NAME.core targets: lint with Verilator on the core, simulation on Icarus and Verilator with the testbench', () => {
    const core = parseCapi2(design.files.get(`${model.name}.core`)!);
    const targets = map(core, 'targets');
    expect(Object.keys(targets).sort()).toEqual(['default', 'lint', 'sim_icarus', 'sim_verilator']);
    expect(list(core, 'targets', 'default', 'filesets')).toEqual(['rtl']);
    expect(str(core, 'targets', 'default', 'toplevel')).toBe(model.top);

    expect(str(core, 'targets', 'lint', 'default_tool')).toBe('verilator');
    expect(list(core, 'targets', 'lint', 'filesets')).toEqual(['rtl']);
    expect(str(core, 'targets', 'lint', 'toplevel')).toBe(model.top);
    expect(str(core, 'targets', 'lint', 'tools', 'verilator', 'mode')).toBe('lint-only');
    expect(list(core, 'targets', 'lint', 'tools', 'verilator', 'verilator_options')).toEqual([...VERILATOR_LINT_OPTIONS]);

    const parameters = Object.keys(map(core, 'parameters')).sort();
    expect(parameters).toEqual(['in', 'out', 'waves']);
    for (const p of parameters) {
      expect(str(core, 'parameters', p, 'paramtype')).toBe('plusarg');
      expect(str(core, 'parameters', p, 'datatype')).toBe('file');
    }
    // the plusargs the testbench reads are exactly the parameters
    const plusargs = [...renderTestbench(model).matchAll(/\$value\$plusargs\("(\w+)=/g)].map((m) => m[1]).sort();
    expect(plusargs).toEqual(parameters);

    for (const [target, tool] of [
      ['sim_icarus', 'icarus'],
      ['sim_verilator', 'verilator'],
    ]) {
      expect(str(core, 'targets', target, 'default_tool')).toBe(tool);
      expect(list(core, 'targets', target, 'filesets')).toEqual(['rtl', 'tb']);
      expect(list(core, 'targets', target, 'parameters')).toEqual(['in', 'out', 'waves']);
      expect(str(core, 'targets', target, 'toplevel')).toBe(TESTBENCH_TOP);
    }
    // the same build options as trainforge's own simulations (generator/sim/flags.ts)
    expect(list(core, 'targets', 'sim_icarus', 'tools', 'icarus', 'iverilog_options')).toEqual([...ICARUS_OPTIONS]);
    expect(str(core, 'targets', 'sim_verilator', 'tools', 'verilator', 'mode')).toBe('binary');
    expect(list(core, 'targets', 'sim_verilator', 'tools', 'verilator', 'verilator_options')).toEqual([
      ...VERILATOR_SIM_OPTIONS,
      '--trace',
    ]);
  });

  it('NAME.h: include guard, stdint.h, the prefix, and every value equal to the model, the manifest and the top module', () => {
    const text = design.files.get(`${model.name}.h`)!;
    const prefix = headerPrefix(model);
    const code = text.replace(/\/\/.*$/gm, '').trim();
    // nothing but comments before the guard, nothing after its #endif
    expect(code.startsWith(`#ifndef ${prefix}_H\n#define ${prefix}_H\n`)).toBe(true);
    expect(code.endsWith('#endif')).toBe(true);
    expect(code.match(/#endif/g)).toHaveLength(1);
    expect(text).toContain('#include <stdint.h>');
    expect(text).toContain(`#define ${prefix}_SPEC_HASH "${model.specHash}"`);
    expect(text).not.toMatch(/\b(undefined|NaN|null|Infinity)\b|\[object /);

    const defines = headerDefines(text, prefix);
    const expected = expectedHeaderValues(design);
    // exactly the expected macros: no value in the header goes unchecked
    expect([...defines.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [key, value] of expected) expect(defines.get(key), key).toBe(value);

    // against the generated top: its parameters and its port widths
    const top = design.files.get(`${model.top}.v`)!;
    const params = moduleParameters(top);
    for (const required of ['Rows', 'Cols', 'OpBits', 'AccBits', 'CountBits']) expect(params.has(required), required).toBe(true);
    for (const [param, value] of params) {
      expect(param in PARAMETER_MACROS, `top parameter ${param}: add it to the header or mark it internal`).toBe(true);
      const macro = PARAMETER_MACROS[param];
      if (macro) expect(defines.get(macro), `${param} -> ${prefix}_${macro}`).toBe(value);
    }
    const ports = modulePorts(top, params);
    // the host interface the header documents is the whole port list
    const handshakes = [
      'clk_i',
      'rst_ni',
      'cmd_valid_i',
      'cmd_ready_o',
      'load_ready_o',
      'done_o',
      'load_done_o',
      'wr_valid_i',
      'wr_ready_o',
      'rd_valid_o',
      'rd_ready_i',
    ];
    expect([...ports.keys()].sort()).toEqual([...handshakes, ...Object.keys(PORT_MACROS)].sort());
    for (const [port, width] of ports) {
      const macro = PORT_MACROS[port];
      if (macro) expect(defines.get(macro), `${port} -> ${prefix}_${macro}`).toBe(width);
      else expect(width, `${port}: a one-bit handshake, clock or reset`).toBe(1);
    }

    // the buffers hold what the spec asks for, at most
    const spec = design.loaded.spec.buffers;
    expect(defines.get('WEIGHT_WORDS')!).toBeLessThanOrEqual(spec.weightWords);
    expect(defines.get('ACTIVATION_WORDS')!).toBeLessThanOrEqual(spec.activationWords);
    expect(defines.get('ERROR_WORDS')!).toBeLessThanOrEqual(spec.errorWords);
    expect(defines.get('RESULT_WORDS')!).toBeLessThanOrEqual(spec.resultWords);
    for (const key of ['WEIGHT', 'ACTIVATION', 'ERROR', 'RESULT']) {
      expect(2 ** defines.get(`${key}_ADDR_BITS`)!, `${key}: address bits reach every address`).toBeGreaterThanOrEqual(
        defines.get(`${key}_DEPTH`)!,
      );
    }
  });

  it('NAME.h: C types wide enough for operands, accumulators and counts', () => {
    const text = design.files.get(`${model.name}.h`)!;
    const typeBits = (name: string) => {
      const m = new RegExp(`^typedef (u?)int(\\d+)_t ${model.name}_${name}_t;$`, 'm').exec(text);
      expect(m, `${name}_t`).not.toBeNull();
      return { signed: m![1] === '', bits: Number(m![2]) };
    };
    const narrowest = (bits: number) => [8, 16, 32, 64].find((w) => bits <= w);
    expect(typeBits('operand')).toEqual({ signed: true, bits: narrowest(model.opBits) });
    expect(typeBits('accumulator')).toEqual({ signed: true, bits: narrowest(model.accBits) });
    expect(typeBits('count')).toEqual({ signed: false, bits: narrowest(model.countBits) });
  });
});

describe('the CAPI2 reader', () => {
  const good = 'CAPI=2:\n# c\nname: a:b:c:1\nfilesets:\n  rtl:\n    files:\n      - x.v\n      - "y.v"\n';
  it('reads the subset the core files use', () => {
    expect(parseCapi2(good)).toEqual({ name: 'a:b:c:1', filesets: { rtl: { files: ['x.v', 'y.v'] } } });
  });
  it('rejects what it does not know instead of half-reading it', () => {
    expect(() => parseCapi2(good.replace('CAPI=2:', 'CAPI=1:'))).toThrow(/CAPI=2/);
    expect(() => parseCapi2(good.replace('      - x.v', '     - x.v'))).toThrow(/indentation/);
    expect(() => parseCapi2(good.replace('      - x.v', '\t- x.v'))).toThrow(/tab/);
    expect(() => parseCapi2(good.replace('name: a:b:c:1', 'name: [a, b]'))).toThrow(/quotes/);
    expect(() => parseCapi2(good + 'name: again\n')).toThrow(/twice/);
    expect(() => parseCapi2(good.replace('x.v', 'x.v # c'))).toThrow(/quotes/);
  });
});

describe('the register map from one description', () => {
  it('docs/register-map.md is the generated page (run npx tsx scripts/update-golden.ts after changing regmap.ts)', () => {
    expect(readFileSync(new URL('../../docs/register-map.md', import.meta.url), 'utf8')).toBe(registerMapMarkdown());
  });

  it('the manifest, the C header and the RTL agree with the table', () => {
    const design = designFromFile(new URL('../../specs/default.json', import.meta.url).pathname);
    const manifest = JSON.parse(design.files.get('manifest.json')!) as Manifest;
    const header = design.files.get('edge_trainer.h')!;
    const regs = design.files.get('edge_trainer_axil_regs.v')!;
    expect(manifest.memoryInterface.registers.map((r) => [r.name, r.offset])).toEqual(REGISTERS.map((r) => [r.name, r.offset]));
    for (const r of REGISTERS) {
      expect(header, r.name).toContain(`#define EDGE_TRAINER_REG_${r.name} 0x${r.offset.toString(16).padStart(3, '0')}u`);
    }
    for (const f of FAULTS) expect(header).toContain(`#define EDGE_TRAINER_FAULT_${f.name} ${f.code}u`);
    // the slave decodes the offsets the table gives
    expect(regs).toContain(`RegDescPush = 12'h${registerOffset('DESC_PUSH').toString(16).padStart(3, '0')}`);
    expect(regs).toContain(`RegCyclesBusyLo = 12'h${registerOffset('CYCLES_BUSY_LO').toString(16).padStart(3, '0')}`);
  });
});
