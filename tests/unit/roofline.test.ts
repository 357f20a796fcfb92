/**
 * `trainforge roofline`: the model points (hand-worked for 64 x 64 x 64 on
 * 8 x 8), the SVG's structure and determinism, and the command's output and
 * one-line errors.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { designFromFile } from '../../generator/pipeline.ts';
import { makeOperands } from '../../generator/commands/simulate.ts';
import {
  modelPoints,
  parseLayers,
  renderRoofline,
  roofAt,
  stepDescriptors,
  type RooflineChart,
} from '../../generator/commands/roofline.ts';
import { linesOf, repoRoot, trainforge } from '../support/cli.ts';

const model = (spec: string) => designFromFile(path.join(repoRoot, 'specs', spec)).model;
const dense = model('default.json');

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(path.join(os.tmpdir(), 'trainforge-roofline-test-'));
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** Opening and closing tags balance, and nothing but whitespace sits outside the root. */
function checkWellFormed(svg: string): void {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = m;
    if (selfClosing) continue;
    if (closing) expect(stack.pop(), `</${name}>`).toBe(name);
    else stack.push(name);
  }
  expect(stack).toEqual([]);
  expect(svg.startsWith('<svg ')).toBe(true);
  expect(svg.endsWith('</svg>\n')).toBe(true);
}

const CHART: RooflineChart = {
  title: 'a <b> & c',
  peakMacsPerCycle: 64,
  busBytesPerCycle: 8,
  points: [
    { label: 'FP 64x64x64', step: 'fp', intensity: 10.67, macsPerCycle: 36.4, kind: 'model' },
    { label: 'BP 64x64x64', step: 'bp', intensity: 10.67, macsPerCycle: 36.4, kind: 'model' },
    { label: 'WG run', step: 'wg', intensity: 0.5, macsPerCycle: 2.5, kind: 'measured' },
  ],
};

describe('roofline model points', () => {
  it('works out 64 x 64 x 64 on the dense 8 x 8 core with a 64-bit bus', () => {
    const points = modelPoints(dense, [{ batch: 64, din: 64, dout: 64 }], (d) => makeOperands(d, 8, 1, 1));
    expect(points.map((p) => p.label)).toEqual(['FP 64x64x64', 'BP 64x64x64', 'WG 64x64x64']);
    for (const p of points) {
      // the program's four descriptors (256 bytes, 32 beats), two 4 KB operands read, 64 x 64 x 4 result
      // bytes written; 32 + 512 + 512 + 2048 beats
      expect(p).toMatchObject({ macs: 262144, bytesRead: 8448, bytesWritten: 16384, computeCycles: 4122, transferCycles: 3104 });
      expect(p.cycles).toBe(7226);
      expect(p.intensity).toBeCloseTo(262144 / 24832, 12);
      expect(p.macsPerCycle).toBeCloseTo(262144 / 7226, 12);
      expect(p.roof).toBe(64);
      expect(p.kind).toBe('model');
      // DRAM 24,832 bytes x 8 x 20 pJ; SRAM: two 4 KB loads (65,536 bits x 5/32), the compute (122,880 pJ),
      // the result words read out (131,072 bits x 10/32); MACs 262,144 x 0.3 pJ
      expect(p.energy.dramMicrojoules).toBeCloseTo(3.97312, 10);
      expect(p.energy.sramMicrojoules).toBeCloseTo(0.17408, 10);
      expect(p.energy.macMicrojoules).toBeCloseTo(0.0786432, 10);
      expect(p.energy.totalMicrojoules).toBeCloseTo(4.2258432, 10);
    }
  });

  it('places the step’s tensors 4 KB apart, rows packed: FP loads X and W and stores Y', () => {
    const d = stepDescriptors(dense, 'fp', { batch: 16, din: 300, dout: 10 });
    expect(d.map((x) => [x.op, x.addr, x.stride])).toEqual([
      ['loadX', 0, 300],
      ['loadW', 8192, 300], // X is 4,800 bytes: two 4 KB pages
      ['fp', undefined, undefined],
      ['readResult', 12288, 40],
    ]);
    expect(stepDescriptors(dense, 'wg', { batch: 2, din: 3, dout: 4 }).map((x) => x.op)).toEqual(['loadDy', 'loadX', 'wg', 'readResult']);
  });

  it('counts the zero-skipping core’s products: fewer MACs and cycles at a lower density', () => {
    const sparse = model('sparse.json');
    const layer = [{ batch: 64, din: 64, dout: 64 }];
    const full = modelPoints(sparse, layer, (d) => makeOperands(d, 8, 1, 3));
    const thin = modelPoints(sparse, layer, (d) => makeOperands(d, 8, 0.25, 3));
    expect(full[0].macs).toBe(262144);
    expect(thin[0].macs).toBe(64 * 1024); // 1,024 nonzeros of X, each feeding 64 outputs
    expect(thin[0].computeCycles).toBeLessThan(full[0].computeCycles);
    expect(thin[0].bytesRead).toBe(full[0].bytesRead); // dense loads move every zero
  });

  it('parses layers and refuses malformed ones in one line', () => {
    expect(parseLayers('64x64x64, 32x785x10')).toEqual([
      { batch: 64, din: 64, dout: 64 },
      { batch: 32, din: 785, dout: 10 },
    ]);
    for (const bad of ['64x64', '0x1x1', 'ax1x1', '1x1x1,', '2x2x2x2'])
      expect(() => parseLayers(bad), bad).toThrow(/--layers: ".*" is not BATCHxDINxDOUT/);
  });
});

describe('roofline SVG', () => {
  it('is well formed, titled (escaped), with the roof, decade ticks, and one marker per point', () => {
    const svg = renderRoofline(CHART);
    checkWellFormed(svg);
    expect(svg).toContain('a &lt;b&gt; &amp; c');
    expect(svg.match(/<polyline class="roof"/g)).toHaveLength(1);
    expect(svg.match(/<circle class="point model"/g)).toHaveLength(2);
    expect(svg.match(/<circle class="point measured"/g)).toHaveLength(1);
    // x from 0.1 (the WG point at 0.5) to 100 (the points at 10.67), y from 0.1 (the roof at 0.1 is 0.8) to 100 (peak 64)
    const xTicks = [...svg.matchAll(/<text x="[\d.]+" y="[\d.]+" text-anchor="middle">([\d.,]+)<\/text>/g)].map((m) => m[1]);
    expect(xTicks).toEqual(['0.1', '1', '10', '100']);
    const yTicks = [...svg.matchAll(/<text x="\d+" y="[\d.]+" text-anchor="end">([\d.,]+)<\/text>/g)].map((m) => m[1]);
    expect(yTicks).toEqual(['0.1', '1', '10', '100']);
    expect(svg).toContain('ridge 8 MACs/B');
    expect(svg).toContain('>model</text>');
    expect(svg).toContain('>measured</text>');
    // a model point is open (white fill), a measured one filled with its step's colour
    expect(svg).toMatch(/class="point model" [^>]*fill="white" stroke="#1f77b4"/);
    expect(svg).toMatch(/class="point measured" [^>]*fill="#2ca02c"/);
  });

  it('bends the roof at the ridge: the slope meets the peak at intensity peak / bus', () => {
    const svg = renderRoofline(CHART);
    const [, a, b, c] = /<polyline class="roof" points="([\d.,]+) ([\d.,]+) ([\d.,]+)"/.exec(svg)!;
    const [ax, ay] = a.split(',').map(Number);
    const [bx, by] = b.split(',').map(Number);
    const [cx, cy] = c.split(',').map(Number);
    expect(by).toBe(cy); // flat after the ridge
    expect(ay).toBeGreaterThan(by); // rising before it (SVG y grows downwards)
    // log axes: 3 decades over the plot's 470 px; the ridge (8) sits log10(8 / 0.1) decades from the left edge
    expect(bx - ax).toBeCloseTo((Math.log10(80) / 3) * (cx - ax), 0);
    expect(roofAt(CHART, 2)).toBe(16);
    expect(roofAt(CHART, 100)).toBe(64);
  });

  it('stacks the labels of points that fall together', () => {
    const svg = renderRoofline(CHART);
    const fp = /<text x="([\d.]+)" y="([\d.]+)" font-size="10">FP 64x64x64/.exec(svg)!;
    const bp = /<text x="([\d.]+)" y="([\d.]+)" font-size="10">BP 64x64x64/.exec(svg)!;
    expect(fp[1]).toBe(bp[1]);
    expect(Number(bp[2]) - Number(fp[2])).toBe(12);
  });

  it('is deterministic, and changes when a point does', () => {
    const again = renderRoofline(JSON.parse(JSON.stringify(CHART)) as RooflineChart);
    expect(again).toBe(renderRoofline(CHART));
    const moved = { ...CHART, points: [{ ...CHART.points[0], macsPerCycle: 20 }, ...CHART.points.slice(1)] };
    expect(renderRoofline(moved)).not.toBe(renderRoofline(CHART));
  });

  it('refuses points a log axis cannot show', () => {
    expect(() => renderRoofline({ ...CHART, points: [{ ...CHART.points[0], macsPerCycle: 0 }] })).toThrow(/FP 64x64x64 needs a positive/);
    expect(() => renderRoofline({ ...CHART, busBytesPerCycle: 0 })).toThrow(/must be positive/);
  });
});

describe('trainforge roofline', () => {
  const cli = (args: string[]) => trainforge(['roofline', ...args], { timeoutMs: 50_000 });

  it('writes the same SVG twice and prints the points and the roof as JSON', async () => {
    const a = path.join(scratch, 'a.svg');
    const b = path.join(scratch, 'sub', 'b.svg');
    // the model points only: the measured ones run the simulator (tests/sim/cli.test.ts)
    const first = await cli(['specs/default.json', '--layers', '64x64x64,16x64x10', '--out', a, '--json', '--simulator', 'none']);
    expect(first.stderr).toBe('');
    expect(first.exitCode).toBe(0);
    const report = JSON.parse(first.stdout) as {
      design: string;
      svg: string;
      roof: { peakMacsPerCycle: number; busBytesPerCycle: number; ridgeIntensity: number };
      points: { label: string; macs: number; cycles: number; kind: string }[];
    };
    expect(report.design).toBe('edge_trainer');
    expect(report.svg).toBe(a);
    expect(report.roof).toEqual({ peakMacsPerCycle: 64, busBytesPerCycle: 8, ridgeIntensity: 8 });
    expect(report.points.map((p) => p.label)).toEqual([
      'FP 64x64x64',
      'BP 64x64x64',
      'WG 64x64x64',
      'FP 16x64x10',
      'BP 16x64x10',
      'WG 16x64x10',
    ]);
    expect(report.points[0]).toMatchObject({ macs: 262144, cycles: 7226, kind: 'model' });
    const second = await cli(['specs/default.json', '--layers', '64x64x64,16x64x10', '--out', b, '--simulator', 'none']);
    expect(second.exitCode).toBe(0);
    expect(second.stdout).toContain('FP 16x64x10');
    expect(linesOf(second.stdout).at(-1)).toBe(`wrote ${b} (model points)`);
    const svg = readFileSync(a, 'utf8');
    expect(readFileSync(b, 'utf8')).toBe(svg);
    expect(svg).toContain('edge_trainer: roofline, 8 x 8 dense core, 64-bit bus');
  });

  it('answers bad arguments in one line with exit status 1', async () => {
    const cases: [string[], RegExp][] = [
      [['specs/default.json', '--layers', '64x64'], /^error: --layers: "64x64" is not BATCHxDINxDOUT/],
      [['specs/default.json', '--out', path.join(scratch, 'plot.png')], /^error: --out: ".*plot\.png" is not a file name ending in \.svg$/],
      [['specs/default.json', '--density', '2'], /^error: --density: "2" is not a number from 0 to 1$/],
      [['specs/default.json', '--layers', '32x785x64', '--out', path.join(scratch, 'x.svg')], /^error: layer 32x785x64 .*activationWords/],
      [[], /^error: roofline: expected exactly one SPEC file, got 0/],
      [['specs/default.json', '--bogus'], /^error: Unknown option '--bogus'/],
    ];
    for (const [args, pattern] of cases) {
      const r = await cli(args);
      expect(r.exitCode, args.join(' ')).toBe(1);
      expect(r.stdout, args.join(' ')).toBe('');
      const lines = linesOf(r.stderr);
      expect(lines[0], args.join(' ')).toMatch(pattern);
      // a layer that does not fit names every buffer it overflows, one line each; everything else is one line
      if (!args.includes('32x785x64')) expect(lines, args.join(' ')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    }
  });

  it('refuses to write over a directory', async () => {
    const dir = path.join(scratch, 'taken.svg');
    await import('node:fs/promises').then((fs) => fs.mkdir(dir, { recursive: true }));
    const r = await cli(['specs/small.json', '--layers', '2x2x2', '--out', dir]);
    expect(r.exitCode).toBe(1);
    expect(linesOf(r.stderr)).toEqual([`error: ${dir} is a directory; give a file name`]);
  });
});
