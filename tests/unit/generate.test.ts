/**
 * The generated files: deterministic, one well-formed module per file, a
 * manifest that matches, golden copies of three small designs (dense,
 * zero-skipping, plain weight buffer; tests/golden/designs.ts), and the committed
 * rtl-out/ tree in step with the generator.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { designFromFile, designFromSpec, type Design, type Manifest } from '../../generator/pipeline.ts';
import { loadSpecFile, validateSpecObject } from '../../generator/spec/load.ts';
import { GOLDEN_DESIGNS, GOLDEN_ROOT, goldenDir, goldenSpecPath, UPDATE_GOLDEN_COMMAND } from '../golden/designs.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const specPath = (file: string) => path.join(repoRoot, 'specs', file);
const SPEC_FILES = readdirSync(path.join(repoRoot, 'specs'))
  .filter((f) => f.endsWith('.json'))
  .sort();

function fromObject(spec: Record<string, unknown>): Design {
  return designFromSpec(validateSpecObject(spec, `test spec ${String(spec.name)}`));
}

const verilogOf = (design: Design) => [...design.files].filter(([file]) => file.endsWith('.v'));

/** Verilog text without // and /* *\/ comments, so words in comments do not count. */
function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
}

const EXTRA_SPECS: Record<string, unknown>[] = [
  { name: 'one_pe', array: { rows: 1, cols: 1 }, numeric: { operandBits: 2, accumulatorBits: 4 } },
  { name: 'plain_4x2', array: { rows: 4, cols: 2 }, buffers: { transposable: false } },
];

const DESIGNS: [string, Design][] = [
  ...SPEC_FILES.map((f): [string, Design] => [f, designFromFile(specPath(f))]),
  ...EXTRA_SPECS.map((s): [string, Design] => [String(s.name), fromObject(s)]),
];

describe('determinism', () => {
  it('the same spec gives byte-identical files', () => {
    for (const file of SPEC_FILES) {
      const a = designFromFile(specPath(file));
      const b = designFromFile(specPath(file));
      expect([...b.files.keys()]).toEqual([...a.files.keys()]);
      for (const [name, text] of a.files) expect(b.files.get(name), `${file}: ${name}`).toBe(text);
    }
  });

  // the same spec written three ways: the file, the bare minimum, and every key in another order
  const sameSpecs = (): [string, Design][] => [
    ['specs/default.json', designFromFile(specPath('default.json'))],
    ['{ name } only', fromObject({ name: 'edge_trainer' })],
    [
      'keys reordered',
      fromObject({
        sparsity: { skipZeros: false },
        buffers: { transposable: true, resultWords: 4096, errorWords: 8192, activationWords: 8192, weightWords: 8192 },
        numeric: { accumulatorBits: 32, operandBits: 8 },
        array: { cols: 8, rows: 8 },
        name: 'edge_trainer',
      }),
    ],
  ];

  it('reordered keys and explicit defaults give the same hash and the same Verilog', () => {
    const [[, reference], ...others] = sameSpecs();
    for (const [label, other] of others) {
      expect(other.model.specHash, label).toBe(reference.model.specHash);
      expect([...other.files.keys()], label).toEqual([...reference.files.keys()]);
      for (const [name, text] of verilogOf(reference)) expect(other.files.get(name), `${label}: ${name}`).toBe(text);
    }
  });

  it('reordered keys and explicit defaults give the same manifest.json', () => {
    const [[, reference], ...others] = sameSpecs();
    for (const [label, other] of others) {
      expect(other.files.get('manifest.json'), `${label}: manifest.json differs though the spec hash is the same`).toBe(
        reference.files.get('manifest.json'),
      );
    }
  });

  it('a different spec gives a different hash, named in every header', () => {
    const base = fromObject({ name: 'edge_trainer' });
    const changed = fromObject({ name: 'edge_trainer', numeric: { accumulatorBits: 24 } });
    expect(changed.model.specHash).not.toBe(base.model.specHash);
    // the same files, but for the memory wrappers, which are named by their shape (the result word is narrower)
    const shapeless = (d: typeof base) => [...d.files.keys()].map((f) => f.replace(/_sram_[\dx]+\.v$/, '_sram.v'));
    expect(shapeless(changed)).toEqual(shapeless(base));
    expect(changed.files.has('edge_trainer_sram_512x192.v') && base.files.has('edge_trainer_sram_512x256.v')).toBe(true);
    for (const [file, text] of verilogOf(changed)) {
      expect(text, file).toContain(`spec hash ${changed.model.specHash}`);
      expect(text, file).not.toContain(base.model.specHash);
    }
    const hashes = new Set(DESIGNS.map(([, d]) => d.model.specHash));
    expect(hashes.size).toBe(DESIGNS.length);
  });
});

describe.each(DESIGNS)('generated files of %s', (_label, design) => {
  const { model } = design;

  it('every .v file holds exactly one module, named after the file', () => {
    const verilog = verilogOf(design);
    expect(verilog.map(([file]) => file)).toEqual(model.modules.map((m) => `${m.name}.v`));
    for (const [file, text] of verilog) {
      const code = stripComments(text);
      const modules = [...code.matchAll(/^[ \t]*module[ \t]+(\w+)/gm)].map((m) => m[1]);
      expect(modules, file).toEqual([file.replace(/\.v$/, '')]);
      expect(code.match(/\bendmodule\b/g), file).toHaveLength(1);
    }
  });

  it('headers, default_nettype, no initial blocks or delays', () => {
    for (const [file, text] of verilogOf(design)) {
      const module = file.replace(/\.v$/, '');
      expect(text, file).toContain(`// ${module}: generated by trainforge from spec "${model.name}" (spec hash ${model.specHash}).`);
      const code = stripComments(text);
      const lines = code
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
      // `default_nettype none comes before the module, `default_nettype wire is the last line
      expect(lines[0], file).toBe('`default_nettype none');
      expect(lines.at(-1), file).toBe('`default_nettype wire');
      expect(code.match(/`default_nettype/g), file).toHaveLength(2);
      expect(text.endsWith('\n'), file).toBe(true);
      expect(code, file).not.toMatch(/\binitial\b/);
      // # only as a parameter list "#(" followed by a parameter name or a newline, never a delay
      expect(code, file).not.toMatch(/#\s*\d/);
      expect(code, file).not.toMatch(/#\s*\(\s*\d/);
      expect(code.replace(/#\s*\(/g, ''), file).not.toContain('#');
      // no model field printed as a JavaScript non-value
      expect(code, file).not.toMatch(/\b(undefined|NaN|null|Infinity)\b|\[object /);
    }
  });

  it('manifest.json names the top, the files in compile order, the integration files and the spec hash', () => {
    const keys = [...design.files.keys()];
    expect(keys.at(-1)).toBe('manifest.json');
    const manifest = JSON.parse(design.files.get('manifest.json')!) as Manifest;
    expect(manifest.top).toBe(model.top);
    expect(manifest.name).toBe(model.name);
    expect(manifest.specHash).toBe(model.specHash);
    expect(manifest.specHash).toMatch(/^[0-9a-f]{16}$/);
    expect(manifest.files).toEqual(keys.filter((k) => k.endsWith('.v')));
    expect(manifest.files).toEqual(model.modules.map((m) => `${m.name}.v`));
    expect(manifest.files.at(-1)).toBe(`${model.systemTop}.v`);
    expect(manifest.integration).toEqual({
      filelist: `${model.name}.f`,
      fusesoc: `${model.name}.core`,
      cHeader: `${model.name}.h`,
      testbench: 'tb_core.sv',
    });
    // every file written is the manifest, a Verilog file it lists or an integration file it names
    expect(keys).toEqual([...manifest.files, ...Object.values(manifest.integration), 'manifest.json']);
    expect(manifest.spec).toEqual(design.loaded.spec);
    expect(manifest.hostInterface).toEqual({
      countBits: model.countBits,
      operandBits: model.opBits,
      accumulatorBits: model.accBits,
      opBits: model.command.opBits,
      shiftBits: model.command.shiftBits,
      seedBits: model.command.seedBits,
      resultBitsWidth: 8,
      opcodes: model.opcodes,
    });
  });
});

describe.each(GOLDEN_DESIGNS)('golden files of $name ($family, $spec)', (entry) => {
  const dir = goldenDir(entry);
  const rel = `tests/golden/${entry.name}`;

  it('the generated text equals the committed golden files', () => {
    // never written here: a test that writes its own expectation compares the output with itself
    expect(
      existsSync(dir),
      `the golden folder ${rel} is missing; run \`${UPDATE_GOLDEN_COMMAND}\`, review the new files and commit them`,
    ).toBe(true);
    const design = designFromFile(goldenSpecPath(entry));
    expect(design.model.name).toBe(entry.name);
    const onDisk = readdirSync(dir).sort();
    const generated = [...design.files.keys()].sort();
    expect(
      onDisk,
      `the golden folder ${rel} holds other files than the generator makes; if the change is intended, run \`${UPDATE_GOLDEN_COMMAND}\` and review the diff`,
    ).toEqual(generated);
    for (const [file, text] of design.files) {
      const golden = readFileSync(path.join(dir, file), 'utf8');
      expect(
        text,
        `${file} differs from ${rel}/${file}: if the change is intended, run \`${UPDATE_GOLDEN_COMMAND}\` and review the diff`,
      ).toBe(golden);
    }
  });
});

describe('the golden designs', () => {
  it('cover the three template families: dense, zero-skipping, plain weight buffer', () => {
    const models = GOLDEN_DESIGNS.map((d) => designFromFile(goldenSpecPath(d)).model);
    const templates = models.map((m) => new Set(m.modules.map((x) => x.template)));
    // dense with a transposable weight buffer
    expect(templates.some((t) => t.has('controller') && !t.has('row_buffer'))).toBe(true);
    // zero-skipping
    expect(templates.some((t) => t.has('sparse_controller') && t.has('row_engine'))).toBe(true);
    // plain weight buffer
    expect(templates.some((t) => t.has('row_buffer'))).toBe(true);
    // every template of templates/ is in at least one golden design
    const covered = new Set(templates.flatMap((t) => [...t]));
    const all = readdirSync(path.join(repoRoot, 'templates'))
      .filter((f) => f.endsWith('.v.hbs'))
      .map((f) => f.replace(/\.v\.hbs$/, ''));
    expect(all.filter((t) => !covered.has(t))).toEqual([]);
  });

  it('no stray folder under tests/golden/ (a renamed design leaves its old golden files behind)', () => {
    const folders = readdirSync(GOLDEN_ROOT, { withFileTypes: true })
      .filter((e) => e.isDirectory() && e.name !== 'specs')
      .map((e) => e.name)
      .sort();
    expect(
      folders,
      `tests/golden/ must hold exactly the folders tests/golden/designs.ts names: remove stray ones; write missing ones with \`${UPDATE_GOLDEN_COMMAND}\``,
    ).toEqual(GOLDEN_DESIGNS.map((d) => d.name).sort());
  });
});

describe('committed rtl-out/edge_trainer', () => {
  it('equals a fresh generation of specs/default.json (same names, same bytes, no extra files)', () => {
    const hint = 'rtl-out/edge_trainer is stale: run `npx trainforge generate specs/default.json` and commit the result';
    const design = designFromFile(specPath('default.json'));
    const dir = path.join(repoRoot, 'rtl-out', design.model.name);
    expect(existsSync(dir), hint).toBe(true);
    expect(readdirSync(dir).sort(), hint).toEqual([...design.files.keys()].sort());
    for (const [file, text] of design.files) {
      const bytes = readFileSync(path.join(dir, file));
      expect(bytes.equals(Buffer.from(text, 'utf8')), `${file}: ${hint}`).toBe(true);
    }
    // and the manifest names the spec the committed files came from
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.specHash).toBe(loadSpecFile(specPath('default.json')).hash);
  });
});
