import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canonicalJson, loadSpecFile, specHash, validateSpecObject } from '../../generator/spec/load.ts';
import type { Spec } from '../../generator/spec/types.ts';
import { UserError } from '../../generator/util/errors.ts';
import { writeTreeAtomic } from '../../generator/write/atomic.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const specsDir = path.join(repoRoot, 'specs');

const DEFAULT_SPEC: Spec = {
  name: 'edge_trainer',
  array: { rows: 8, cols: 8, multiplyRegister: false },
  numeric: { operandBits: 8, accumulatorBits: 32 },
  buffers: { weightWords: 8192, activationWords: 8192, errorWords: 8192, resultWords: 4096, transposable: true },
  memory: { dataBits: 64, addrBits: 32, maxBurst: 16, outstandingReads: 16, queueDepth: 16, zvcChunk: 8 },
  sparsity: { skipZeros: false },
};

/** Runs the validator and returns the problem lines of the UserError it must throw. */
function problemsOf(raw: unknown, source = 'test.json'): string[] {
  try {
    validateSpecObject(raw, source);
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return (error as UserError).problems;
  }
  throw new Error('expected the spec to be rejected');
}

let scratch: string;
beforeEach(() => {
  scratch = mkdtempSync(path.join(os.tmpdir(), 'trainforge-spec-test-'));
});
afterEach(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('validateSpecObject: valid specs', () => {
  it('treats {"name": "x"} as complete and fills every default', () => {
    const loaded = validateSpecObject({ name: 'x' }, 'inline');
    expect(loaded.spec).toEqual({ ...DEFAULT_SPEC, name: 'x' });
    expect(loaded.source).toBe('inline');
    expect(loaded.hash).toMatch(/^[0-9a-f]{16}$/);
  });

  it('fills defaults inside partially given objects', () => {
    const { spec } = validateSpecObject({ name: 'p', array: { rows: 4 }, buffers: { transposable: false } }, 'inline');
    expect(spec.array).toEqual({ rows: 4, cols: 8, multiplyRegister: false });
    expect(spec.buffers).toEqual({ ...DEFAULT_SPEC.buffers, transposable: false });
    expect(spec.numeric).toEqual(DEFAULT_SPEC.numeric);
  });

  it('does not mutate the caller object', () => {
    const raw = { name: 'x', array: { rows: 2 } };
    const before = JSON.stringify(raw);
    validateSpecObject(raw, 'inline');
    expect(JSON.stringify(raw)).toBe(before);
  });

  it('accepts the boundary values', () => {
    const { spec } = validateSpecObject(
      {
        name: 'a'.repeat(32),
        array: { rows: 1, cols: 64 },
        numeric: { operandBits: 16, accumulatorBits: 32 },
        buffers: { weightWords: 4096, activationWords: 64, errorWords: 1, resultWords: 1048576 },
      },
      'inline',
    );
    expect(spec.array.cols).toBe(64);
  });

  it('accepts skipZeros: true and leaves the scan width and chunk depth to the elaborator', () => {
    const { spec, hash } = validateSpecObject({ name: 'x', sparsity: { skipZeros: true } }, 'inline');
    expect(spec).toEqual({ ...DEFAULT_SPEC, name: 'x', sparsity: { skipZeros: true } });
    expect(hash).not.toBe(validateSpecObject({ name: 'x' }, 'inline').hash);
    // explicit geometry at the schema limits
    const wide = validateSpecObject(
      { name: 'x', array: { rows: 1, cols: 64 }, sparsity: { skipZeros: true, scanWidth: 128, chunkDepth: 4096 } },
      'inline',
    );
    expect(wide.spec.sparsity).toEqual({ skipZeros: true, scanWidth: 128, chunkDepth: 4096 });
  });

  const exampleFiles = readdirSync(specsDir).filter((file) => file.endsWith('.json'));
  it('finds the example specs', () => {
    expect(exampleFiles).toEqual(
      expect.arrayContaining(['default.json', 'small.json', 'nonsquare.json', 'plain-buffer.json', 'sparse.json']),
    );
  });
  it.each(exampleFiles)('loads specs/%s', (file) => {
    const loaded = loadSpecFile(path.join(specsDir, file));
    expect(loaded.source).toBe(path.join(specsDir, file));
    expect(loaded.hash).toMatch(/^[0-9a-f]{16}$/);
    // the hash is of the spec, not of the file: the same object given inline hashes the same
    const inline = validateSpecObject(JSON.parse(readFileSync(path.join(specsDir, file), 'utf8')), 'inline');
    expect(inline.hash).toBe(loaded.hash);
  });

  it('has the documented contents in the example specs', () => {
    expect(loadSpecFile(path.join(specsDir, 'default.json')).spec).toEqual(DEFAULT_SPEC);
    expect(loadSpecFile(path.join(specsDir, 'small.json')).spec).toEqual({
      name: 'tiny_trainer',
      array: { rows: 2, cols: 2, multiplyRegister: false },
      numeric: { operandBits: 4, accumulatorBits: 16 },
      buffers: { weightWords: 256, activationWords: 256, errorWords: 256, resultWords: 256, transposable: true },
      memory: DEFAULT_SPEC.memory,
      sparsity: { skipZeros: false },
    });
    expect(loadSpecFile(path.join(specsDir, 'nonsquare.json')).spec).toEqual({
      name: 'wide_trainer',
      array: { rows: 3, cols: 5, multiplyRegister: false },
      numeric: { operandBits: 8, accumulatorBits: 24 },
      buffers: { weightWords: 1024, activationWords: 1024, errorWords: 1024, resultWords: 1024, transposable: true },
      memory: DEFAULT_SPEC.memory,
      sparsity: { skipZeros: false },
    });
    expect(loadSpecFile(path.join(specsDir, 'plain-buffer.json')).spec).toEqual({
      ...DEFAULT_SPEC,
      name: 'plain_trainer',
      buffers: { ...DEFAULT_SPEC.buffers, transposable: false },
    });
    expect(loadSpecFile(path.join(specsDir, 'sparse.json')).spec).toEqual({
      ...DEFAULT_SPEC,
      name: 'sparse_trainer',
      sparsity: { skipZeros: true },
    });
  });
});

describe('validateSpecObject: invalid specs', () => {
  it('reports values out of range with the value and the limit', () => {
    expect(problemsOf({ name: 'x', array: { rows: 0 } })).toEqual(['test.json: /array/rows: 0 is below the minimum 1']);
    expect(problemsOf({ name: 'x', array: { cols: 65 } })).toEqual(['test.json: /array/cols: 65 is above the maximum 64']);
    expect(problemsOf({ name: 'x', buffers: { weightWords: 2000000 } })).toEqual([
      'test.json: /buffers/weightWords: 2000000 is above the maximum 1048576',
    ]);
  });

  it('reports wrong types', () => {
    expect(problemsOf({ name: 'x', array: { rows: '8' } })).toEqual(['test.json: /array/rows: expected an integer, got the string "8"']);
    expect(problemsOf({ name: 'x', numeric: { operandBits: 2.5 } })).toEqual([
      'test.json: /numeric/operandBits: expected an integer, got the number 2.5',
    ]);
    expect(problemsOf({ name: 'x', buffers: { transposable: 'yes' } })).toEqual([
      'test.json: /buffers/transposable: expected a boolean, got the string "yes"',
    ]);
    expect(problemsOf({ name: 'x', array: [] })).toEqual(['test.json: /array: expected an object, got an array']);
    expect(problemsOf({ name: 7 })).toEqual(['test.json: /name: expected a string, got the number 7']);
  });

  it('reports a spec that is not an object at the root path', () => {
    expect(problemsOf([])).toEqual(['test.json: /: expected an object, got an array']);
    expect(problemsOf(null)).toEqual(['test.json: /: expected an object, got null']);
  });

  it('reports unknown properties with their path and the allowed names', () => {
    expect(problemsOf({ name: 'x', array: { depth: 3 } })).toEqual([
      'test.json: /array/depth: unknown property (allowed: rows, cols, multiplyRegister)',
    ]);
    expect(problemsOf({ name: 'x', colour: 'red' })).toEqual([
      'test.json: /colour: unknown property (allowed: name, array, numeric, buffers, sparsity, memory)',
    ]);
  });

  it('reports a missing name', () => {
    const problems = problemsOf({});
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^test\.json: \/name: required property is missing/);
  });

  it.each(['Edge', '9lives', '_x', 'has-dash', 'has space', '', 'a'.repeat(33)])('rejects the bad name %j', (name) => {
    const problems = problemsOf({ name });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^test\.json: \/name: .* is not a valid name/);
  });

  it.each(['module', 'wire', 'logic', 'begin', 'always_ff', 'input'])('rejects the keyword name %s', (name) => {
    expect(problemsOf({ name })).toEqual([`test.json: /name: "${name}" is a Verilog/SystemVerilog keyword; choose another name`]);
  });

  it('rejects an accumulator narrower than two operands', () => {
    expect(problemsOf({ name: 'x', numeric: { operandBits: 8, accumulatorBits: 12 } })).toEqual([
      'test.json: /numeric/accumulatorBits: 12 is less than 2 x operandBits (16); products would overflow — raise it to at least 16',
    ]);
    // Exactly twice is enough.
    expect(validateSpecObject({ name: 'x', numeric: { operandBits: 8, accumulatorBits: 16 } }, 'x').spec.numeric).toEqual({
      operandBits: 8,
      accumulatorBits: 16,
    });
  });

  it('rejects buffers that cannot hold one block, naming the minimum', () => {
    const problems = problemsOf({
      name: 'x',
      array: { rows: 4, cols: 6 },
      buffers: { weightWords: 35, activationWords: 23, errorWords: 15, resultWords: 23 },
    });
    expect(problems).toHaveLength(4);
    expect(problems[0]).toMatch(/^test\.json: \/buffers\/weightWords: 35 .*at least 36$/);
    expect(problems[1]).toMatch(/^test\.json: \/buffers\/activationWords: 23 .*at least 24$/);
    expect(problems[2]).toMatch(/^test\.json: \/buffers\/errorWords: 15 .*at least 16$/);
    expect(problems[3]).toMatch(/^test\.json: \/buffers\/resultWords: 23 .*at least 24$/);
    // One word more each and it fits.
    validateSpecObject(
      { name: 'x', array: { rows: 4, cols: 6 }, buffers: { weightWords: 36, activationWords: 24, errorWords: 16, resultWords: 24 } },
      'x',
    );
  });

  it('rejects the multiply register on the zero-skipping core, with the path and the fix', () => {
    expect(problemsOf({ name: 'x', array: { multiplyRegister: true }, sparsity: { skipZeros: true } })).toEqual([
      'test.json: /array/multiplyRegister: the zero-skipping core (sparsity.skipZeros) has no multiply register; set it to false or use the dense core',
    ]);
    expect(validateSpecObject({ name: 'x', array: { multiplyRegister: true } }, 'x').spec.array.multiplyRegister).toBe(true);
  });

  it('rejects a scan width that is not a multiple of array.cols, suggesting the multiples around it', () => {
    expect(problemsOf({ name: 'x', array: { rows: 3, cols: 3 }, sparsity: { skipZeros: true, scanWidth: 10 } })).toEqual([
      'test.json: /sparsity/scanWidth: 10 is not a multiple of array.cols (3); use 9 or 12',
    ]);
    // below cols: the two smallest multiples
    expect(problemsOf({ name: 'x', array: { rows: 2, cols: 5 }, sparsity: { skipZeros: true, scanWidth: 3 } })).toEqual([
      'test.json: /sparsity/scanWidth: 3 is not a multiple of array.cols (5); use 5 or 10',
    ]);
    // the default cols (8)
    expect(problemsOf({ name: 'x', sparsity: { skipZeros: true, scanWidth: 20 } })).toEqual([
      'test.json: /sparsity/scanWidth: 20 is not a multiple of array.cols (8); use 16 or 24',
    ]);
    // a bad scan width is the only problem reported: the chunk depth check needs it
    expect(problemsOf({ name: 'x', array: { rows: 3, cols: 3 }, sparsity: { skipZeros: true, scanWidth: 10, chunkDepth: 11 } })).toEqual([
      'test.json: /sparsity/scanWidth: 10 is not a multiple of array.cols (3); use 9 or 12',
    ]);
    // multiples are fine
    const { spec } = validateSpecObject({ name: 'x', array: { rows: 3, cols: 3 }, sparsity: { skipZeros: true, scanWidth: 9 } }, 'x');
    expect(spec.sparsity).toEqual({ skipZeros: true, scanWidth: 9 });
  });

  it('rejects a chunk depth that is not a multiple of the scan width (given or default)', () => {
    // default scan width of 8 columns: 8
    expect(problemsOf({ name: 'x', sparsity: { skipZeros: true, chunkDepth: 100 } })).toEqual([
      'test.json: /sparsity/chunkDepth: 100 is not a multiple of the scan width (8); use 96 or 104',
    ]);
    // default scan width of 3 columns: 9
    expect(problemsOf({ name: 'x', array: { rows: 3, cols: 3 }, sparsity: { skipZeros: true, chunkDepth: 64 } })).toEqual([
      'test.json: /sparsity/chunkDepth: 64 is not a multiple of the scan width (9); use 63 or 72',
    ]);
    // given scan width; a chunk smaller than one word
    expect(problemsOf({ name: 'x', array: { rows: 3, cols: 4 }, sparsity: { skipZeros: true, scanWidth: 12, chunkDepth: 5 } })).toEqual([
      'test.json: /sparsity/chunkDepth: 5 is not a multiple of the scan width (12); use 12 or 24',
    ]);
    const { spec } = validateSpecObject(
      { name: 'x', array: { rows: 3, cols: 4 }, sparsity: { skipZeros: true, scanWidth: 12, chunkDepth: 36 } },
      'x',
    );
    expect(spec.sparsity).toEqual({ skipZeros: true, scanWidth: 12, chunkDepth: 36 });
  });

  it('rejects sparse buffers smaller than one scan word per row bank (rows x scanWidth)', () => {
    // 4 x 6: scan width 12 (smallest multiple of 6 >= 8), so 48 words at least
    const sparse = { name: 'x', array: { rows: 4, cols: 6 }, sparsity: { skipZeros: true } };
    expect(problemsOf({ ...sparse, buffers: { activationWords: 47, errorWords: 40 } })).toEqual([
      'test.json: /buffers/activationWords: 47 words cannot hold one word of 12 elements in each of the 4 row banks of the zero-skipping core; raise it to at least 48',
      'test.json: /buffers/errorWords: 40 words cannot hold one word of 12 elements in each of the 4 row banks of the zero-skipping core; raise it to at least 48',
    ]);
    validateSpecObject({ ...sparse, buffers: { activationWords: 48, errorWords: 48 } }, 'x');
    // the dense core needs only one block (24 and 16 words)
    validateSpecObject({ ...sparse, sparsity: { skipZeros: false }, buffers: { activationWords: 47, errorWords: 40 } }, 'x');
    // a given scan width raises the minimum: 2 rows x 16
    expect(
      problemsOf({ name: 'x', array: { rows: 2, cols: 2 }, buffers: { errorWords: 31 }, sparsity: { skipZeros: true, scanWidth: 16 } }),
    ).toEqual([
      'test.json: /buffers/errorWords: 31 words cannot hold one word of 16 elements in each of the 2 row banks of the zero-skipping core; raise it to at least 32',
    ]);
  });

  it('reports every problem at once, one line per problem with its path', () => {
    const problems = problemsOf(
      {
        name: 'Bad Name',
        array: { rows: 0, cols: 'wide', depth: 2 },
        numeric: { operandBits: 8, accumulatorBits: 12 },
        buffers: { resultWords: 0 },
        // a schema problem in the sparsity block; with rows invalid the sparse buffer minimums are not checked
        sparsity: { skipZeros: true, chunkDepth: 0 },
        extra: true,
      },
      'specs/broken.json',
    );
    const paths = problems.map((line) => line.split(': ')[1]);
    expect(paths.sort()).toEqual(
      [
        '/extra',
        '/name',
        '/array/depth',
        '/array/rows',
        '/array/cols',
        '/numeric/accumulatorBits',
        '/buffers/resultWords',
        '/sparsity/chunkDepth',
      ].sort(),
    );
    for (const line of problems) expect(line.startsWith('specs/broken.json: /')).toBe(true);
  });

  it('does not repeat a schema error as a consistency problem', () => {
    // rows is invalid, so the block-size checks that need it are skipped.
    expect(problemsOf({ name: 'x', array: { rows: 100 }, buffers: { activationWords: 1 } })).toEqual([
      'test.json: /array/rows: 100 is above the maximum 64',
    ]);
  });
});

describe('loadSpecFile', () => {
  it('reports invalid JSON with line and column', () => {
    const file = path.join(scratch, 'broken.json');
    writeFileSync(file, '{\n  "name": "x",\n  "array": { "rows": 4, }\n}\n');
    expect(() => loadSpecFile(file)).toThrow(UserError);
    expect(() => loadSpecFile(file)).toThrow(`${file}: invalid JSON at line 3, column 25`);
  });

  it('locates errors that V8 reports without a position', () => {
    const file = path.join(scratch, 'token.json');
    writeFileSync(file, '{\n  "name": tru\n}\n');
    expect(() => loadSpecFile(file)).toThrow(`${file}: invalid JSON at line 2, column 11`);
    writeFileSync(file, '{"name": }');
    expect(() => loadSpecFile(file)).toThrow(`${file}: invalid JSON at line 1, column 10`);
  });

  it('reports an empty file', () => {
    const file = path.join(scratch, 'empty.json');
    writeFileSync(file, '');
    expect(() => loadSpecFile(file)).toThrow(`${file}: invalid JSON at line 1, column 1`);
  });

  it('reports a missing file by name', () => {
    const file = path.join(scratch, 'nope.json');
    expect(() => loadSpecFile(file)).toThrow(UserError);
    expect(() => loadSpecFile(file)).toThrow(`${file}: spec file not found`);
  });

  it('names the file in schema problems', () => {
    const file = path.join(scratch, 'bad.json');
    writeFileSync(file, JSON.stringify({ name: 'x', array: { rows: 0 } }));
    expect(() => loadSpecFile(file)).toThrow(`${file}: /array/rows: 0 is below the minimum 1`);
  });
});

describe('specHash and canonicalJson', () => {
  it('sorts keys recursively and drops whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('is stable across key order and explicit defaults', () => {
    const minimal = validateSpecObject({ name: 'edge_trainer' }, 'a').hash;
    const explicit = loadSpecFile(path.join(specsDir, 'default.json')).hash;
    const reordered = validateSpecObject(
      {
        sparsity: { skipZeros: false },
        buffers: { transposable: true, resultWords: 4096 },
        numeric: { accumulatorBits: 32, operandBits: 8 },
        array: { cols: 8, rows: 8 },
        name: 'edge_trainer',
      },
      'b',
    ).hash;
    expect(explicit).toBe(minimal);
    expect(reordered).toBe(minimal);
    expect(specHash(DEFAULT_SPEC)).toBe(minimal);
  });

  it('differs between different specs', () => {
    const hashes = ['default.json', 'small.json', 'nonsquare.json', 'plain-buffer.json', 'sparse.json'].map(
      (file) => loadSpecFile(path.join(specsDir, file)).hash,
    );
    hashes.push(validateSpecObject({ name: 'edge_trainer', array: { rows: 7 } }, 'x').hash);
    expect(new Set(hashes).size).toBe(hashes.length);
  });
});

describe('writeTreeAtomic', () => {
  /** Names in the scratch dir that look like leftovers of a write. */
  const leftovers = () => readdirSync(scratch).filter((name) => name.includes('.tmp-') || name.includes('.old-'));

  it('writes files, creating nested and parent directories', async () => {
    const out = path.join(scratch, 'deep', 'out');
    await writeTreeAtomic(
      out,
      new Map([
        ['top.v', 'module top; endmodule\n'],
        ['sub/dir/pe.v', 'module pe; endmodule\n'],
      ]),
    );
    expect(readFileSync(path.join(out, 'top.v'), 'utf8')).toBe('module top; endmodule\n');
    expect(readFileSync(path.join(out, 'sub/dir/pe.v'), 'utf8')).toBe('module pe; endmodule\n');
    expect(readdirSync(path.join(scratch, 'deep'))).toEqual(['out']);
  });

  it('replaces an existing directory completely', async () => {
    const out = path.join(scratch, 'out');
    mkdirSync(path.join(out, 'old'), { recursive: true });
    writeFileSync(path.join(out, 'stale.v'), 'stale');
    writeFileSync(path.join(out, 'old', 'gone.v'), 'stale');
    writeFileSync(path.join(out, 'keep.v'), 'old content');

    await writeTreeAtomic(out, new Map([['keep.v', 'new content']]));

    expect(readdirSync(out)).toEqual(['keep.v']);
    expect(readFileSync(path.join(out, 'keep.v'), 'utf8')).toBe('new content');
    expect(leftovers()).toEqual([]);
  });

  it.each(['../escape.v', 'a/../../escape.v', '/etc/escape.v', '', '.'])(
    'rejects the path %j and leaves the old directory intact',
    async (bad) => {
      const out = path.join(scratch, 'out');
      mkdirSync(out);
      writeFileSync(path.join(out, 'old.v'), 'old');

      await expect(
        writeTreeAtomic(
          out,
          new Map([
            ['ok.v', 'new'],
            [bad, 'evil'],
          ]),
        ),
      ).rejects.toThrow(/not a relative path inside the output directory/);

      expect(readdirSync(out)).toEqual(['old.v']);
      expect(readFileSync(path.join(out, 'old.v'), 'utf8')).toBe('old');
      expect(existsSync(path.join(scratch, 'escape.v'))).toBe(false);
      expect(leftovers()).toEqual([]);
    },
  );

  it('cleans up and keeps the old directory when a write fails midway', async () => {
    const out = path.join(scratch, 'out');
    mkdirSync(out);
    writeFileSync(path.join(out, 'old.v'), 'old');

    // 'a.v' is written as a file, so 'a.v/b.v' cannot be created under it.
    await expect(
      writeTreeAtomic(
        out,
        new Map([
          ['a.v', 'x'],
          ['a.v/b.v', 'y'],
        ]),
      ),
    ).rejects.toThrow();

    expect(readdirSync(out)).toEqual(['old.v']);
    expect(readFileSync(path.join(out, 'old.v'), 'utf8')).toBe('old');
    expect(leftovers()).toEqual([]);
    expect(readdirSync(scratch)).toEqual(['out']);
  });

  it('refuses to replace a plain file', async () => {
    const out = path.join(scratch, 'out');
    writeFileSync(out, 'not a directory');
    await expect(writeTreeAtomic(out, new Map([['a.v', 'x']]))).rejects.toThrow(/not a directory/);
    // a user error (the CLI exits 1 with one line), not an internal one
    await expect(writeTreeAtomic(out, new Map([['a.v', 'x']]))).rejects.toBeInstanceOf(UserError);
    expect(readFileSync(out, 'utf8')).toBe('not a directory');
    expect(leftovers()).toEqual([]);
  });
});

describe('zero-skipping spec checks', () => {
  it('suggests only values the schema allows', () => {
    const problems = problemsOf({ name: 'x', array: { rows: 2, cols: 48 }, sparsity: { skipZeros: true, scanWidth: 120 } });
    expect(problems.join('\n')).toMatch(/scanWidth: 120 is not a multiple of array.cols \(48\); use 96$/m);
  });

  it("does not apply the dense core's X and dY block minimums to the zero-skipping core", () => {
    // 16 banks of 8-element words need 128 words; the dense blocks would need 256
    const loaded = validateSpecObject(
      { name: 'x', array: { rows: 16, cols: 2 }, buffers: { activationWords: 200, errorWords: 200 }, sparsity: { skipZeros: true } },
      'test.json',
    );
    expect(loaded.spec.buffers.activationWords).toBe(200);
  });
});
