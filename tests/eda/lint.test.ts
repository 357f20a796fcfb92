/**
 * The generated RTL under the EDA tools: Verilator --lint-only -Wall must be
 * clean for every example spec and for corner-case shapes, and Yosys must
 * synthesise two designs without latches.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { designFromFile, designFromSpec, type Design } from '../../generator/pipeline.ts';
import { validateSpecObject } from '../../generator/spec/load.ts';
import { lintDesign, memoryBits, synthDesign, yosysMemoryBits } from '../../generator/tools/eda.ts';
import { GOLDEN_DESIGNS, goldenSpecPath } from '../golden/designs.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const specsDir = path.join(repoRoot, 'specs');
const SPEC_FILES = readdirSync(specsDir)
  .filter((f) => f.endsWith('.json'))
  .sort();

const LINT_TIMEOUT = 60_000;
const SYNTH_TIMEOUT = 120_000;

/** Shapes at the edges of the schema (limits: operandBits 2..16, accumulatorBits 4..64 and >= 2 x operandBits). */
const EXTRA_SPECS: Record<string, unknown>[] = [
  // one PE, the narrowest numbers, buffers of a single word each
  {
    name: 'one_pe',
    array: { rows: 1, cols: 1 },
    numeric: { operandBits: 2, accumulatorBits: 4 },
    buffers: { weightWords: 1, activationWords: 1, errorWords: 1, resultWords: 1 },
  },
  // non-square, the widest numbers
  { name: 'wide_3x5', array: { rows: 3, cols: 5 }, numeric: { operandBits: 16, accumulatorBits: 64 } },
  // more rows than columns, plain weight buffer (FP gathers W columns)
  { name: 'plain_4x2', array: { rows: 4, cols: 2 }, buffers: { transposable: false } },
  // a single column of 64 rows
  { name: 'tall_64x1', array: { rows: 64, cols: 1 } },
  // memory system at its edges: the narrowest bus, one-beat bursts, one read in flight, chunks of 1, results wider than the bus
  {
    name: 'mem_narrow',
    array: { rows: 1, cols: 1 },
    numeric: { operandBits: 16, accumulatorBits: 64 },
    memory: { dataBits: 32, maxBurst: 1, outstandingReads: 1, zvcChunk: 1, queueDepth: 4 },
  },
  // the widest bus, 256-beat bursts, 16 reads in flight, chunks of 64, 64-bit addresses
  {
    name: 'mem_wide',
    array: { rows: 1, cols: 1 },
    numeric: { operandBits: 2, accumulatorBits: 4 },
    memory: { dataBits: 512, addrBits: 64, maxBurst: 256, outstandingReads: 16, zvcChunk: 64, queueDepth: 256 },
  },
];

function fromObject(spec: Record<string, unknown>): Design {
  return designFromSpec(validateSpecObject(spec, `test spec ${String(spec.name)}`));
}

async function expectLintClean(design: Design): Promise<void> {
  const report = await lintDesign(design);
  expect(report.messages, `${design.model.top}: verilator -Wall reported:\n${report.messages.join('\n')}`).toEqual([]);
  expect(report.clean).toBe(true);
}

describe('verilator --lint-only -Wall', () => {
  it('finds the example specs', () => {
    expect(SPEC_FILES).toEqual(expect.arrayContaining(['default.json', 'small.json', 'nonsquare.json', 'plain-buffer.json']));
  });

  for (const file of SPEC_FILES) {
    it(
      `is clean for specs/${file}`,
      async () => {
        await expectLintClean(designFromFile(path.join(specsDir, file)));
      },
      LINT_TIMEOUT,
    );
  }

  for (const spec of EXTRA_SPECS) {
    it(
      `is clean for ${String(spec.name)}`,
      async () => {
        await expectLintClean(fromObject(spec));
      },
      LINT_TIMEOUT,
    );
  }

  // the golden-file designs whose spec is not one of specs/ (tests/golden/designs.ts)
  for (const golden of GOLDEN_DESIGNS.filter((d) => !d.spec.startsWith('specs/'))) {
    it(
      `is clean for the golden design ${golden.name} (${golden.spec})`,
      async () => {
        await expectLintClean(designFromFile(goldenSpecPath(golden)));
      },
      LINT_TIMEOUT,
    );
  }

  it(
    'reports a broken design',
    async () => {
      const design = designFromFile(path.join(specsDir, 'small.json'));
      const files = new Map(design.files);
      const pe = `${design.model.name}_systolic_pe.v`;
      // an unused wire: -Wall must flag it
      files.set(pe, files.get(pe)!.replace(/\nendmodule/, '\n  wire lint_probe_dangling;\nendmodule'));
      const report = await lintDesign({ ...design, files });
      expect(report.clean).toBe(false);
      expect(report.messages.join('\n')).toMatch(/lint_probe_dangling/);
    },
    LINT_TIMEOUT,
  );

  it(
    'reports a broken memory-system module (linted as a top of its own)',
    async () => {
      const design = designFromFile(path.join(specsDir, 'small.json'));
      const files = new Map(design.files);
      const load = `${design.model.name}_dma_load.v`;
      files.set(load, files.get(load)!.replace(/\nendmodule/, '\n  wire lint_probe_dangling;\nendmodule'));
      const report = await lintDesign({ ...design, files });
      expect(report.clean).toBe(false);
      expect(report.messages.join('\n')).toMatch(/lint_probe_dangling/);
    },
    LINT_TIMEOUT,
  );
});

describe('yosys synthesis', () => {
  // each memory-system module as a top: no latches, no loops, and logic no deeper than the core's
  {
    const design = designFromFile(path.join(specsDir, 'small.json'));
    for (const top of design.model.memorySystemModules) {
      it(
        `passes for ${top} (specs/small.json) with no latches and at most 28 gates between registers`,
        async () => {
          const report = await synthDesign(design, top);
          expect(report.error, report.error).toBeUndefined();
          expect(report.pass).toBe(true);
          expect(report.latches).toBe(0);
          expect(report.cells).toBeGreaterThan(0);
          // the core's own depth on this spec is 28: the memory system must not set the clock
          expect(report.logicDepth, `${top}: ${JSON.stringify(report.logicDepthPath)}`).toBeLessThanOrEqual(28);
        },
        SYNTH_TIMEOUT,
      );
    }
  }

  it('counts memory bits from the $mem cells of a Yosys RTLIL dump (SIZE x WIDTH), ignoring other cells', () => {
    const dump = [
      'module \\top',
      '  cell $mem_v2 \\u_a.mem_q',
      '    parameter \\ABITS 7',
      '    parameter \\SIZE 128',
      '    parameter \\WIDTH 4',
      '  end',
      '  cell $_DFF_P_ $abc$1',
      '    parameter \\WIDTH 99',
      '  end',
      '  cell $mem_v2 \\u_b.mem_q',
      '    parameter \\WIDTH 32',
      '    parameter signed \\SIZE 3',
      '  end',
      'end',
    ].join('\n');
    expect(yosysMemoryBits(dump)).toBe(128 * 4 + 3 * 32);
    expect(yosysMemoryBits('')).toBe(0);
    expect(() => yosysMemoryBits('  cell $mem_v2 \\m\n    parameter \\WIDTH 4\n  end\n')).toThrow(/SIZE or WIDTH/);
  });

  for (const file of ['small.json', 'plain-buffer.json']) {
    it(
      `passes for specs/${file} with no latches and a positive cell count`,
      async () => {
        const design = designFromFile(path.join(specsDir, file));
        const report = await synthDesign(design);
        expect(report.error, report.error).toBeUndefined();
        expect(report.pass).toBe(true);
        expect(report.latches).toBe(0);
        expect(report.cells).toBeGreaterThan(0);
        expect(Object.keys(report.cellTypes).filter((t) => /latch/i.test(t))).toEqual([]);
        // the buffers stay memories: at least one $mem cell per operand bank and the result buffer
        const m = design.model;
        expect(report.memories).toBe(m.weight.banks + m.activation.banks + m.error.banks + 1);
        // Yosys's count of the memory bits (SIZE x WIDTH of its $mem cells) against the elaborated model's
        expect(report.memoryBits).toBeGreaterThan(0);
        expect(report.memoryBits, 'memory bits: Yosys (report) against the model (memoryBits)').toBe(memoryBits(design));
      },
      SYNTH_TIMEOUT,
    );
  }
});
