/**
 * `trainforge roofline`: the roofline of a core (peak MACs per cycle = rows x
 * cols; bus bytes per cycle = dataBytes) and the points of FP, BP and WG of
 * given layers.
 *
 * A point's memory traffic is its step run alone through memory: the two
 * operands loaded dense (each from a 4 KB-aligned address, rows packed:
 * stride = cols x elementBytes) and the result stored (resultBytes per
 * element): FP loads X and W and stores Y, BP loads dY and W and stores dX,
 * WG loads dY and X and stores dW. Bytes are counted by generator/golden/traffic.ts
 * (bytesRead + bytesWritten). MACs: computeCounts of generator/golden/energy.ts
 * (M N K on the dense core, the products the zero-skipping core performs,
 * nonzeros of A x N, on the other). Model cycles:
 * the compute's cycles (generator/golden/cycles.ts) plus the transfer's beats
 * on the bus (one beat per cycle, no overlap). Measured points (from the
 * simulator) go through the same renderer with kind 'measured'.
 */
import type { CompiledSim } from '../sim/simulators.ts';
import { runStepThroughMemory } from '../sim/memory-step.ts';
import { coreShape, tensorShape, type CoreModel } from '../elaborate/model.ts';
import { gemmShape } from '../golden/gemm.ts';
import { predictComputeCycles } from '../golden/cycles.ts';
import {
  addCounts,
  computeCounts,
  dramCounts,
  energyOf,
  loadCounts,
  readResultCounts,
  type Energy,
  type EnergyCounts,
} from '../golden/energy.ts';
import { BOUNDARY_BYTES, programTraffic, type Descriptor, type Traffic } from '../golden/traffic.ts';
import { UserError } from '../util/errors.ts';
import { STEP_OPERANDS, STEPS, type LayerDims, type Operands, type Step } from '../types.ts';

export interface RooflinePoint {
  label: string;
  /** MACs per byte of memory traffic */
  intensity: number;
  macsPerCycle: number;
  kind: 'model' | 'measured';
  /** colours the point; points without a step are grey */
  step?: Step;
}

export interface RooflineChart {
  title: string;
  peakMacsPerCycle: number;
  busBytesPerCycle: number;
  points: RooflinePoint[];
}

/** The roof at an intensity: min(peak, intensity x bus bytes per cycle). */
export function roofAt(chart: Pick<RooflineChart, 'peakMacsPerCycle' | 'busBytesPerCycle'>, intensity: number): number {
  return Math.min(chart.peakMacsPerCycle, intensity * chart.busBytesPerCycle);
}

/** A model point with the figures it comes from. */
export interface ModelPoint extends RooflinePoint {
  step: Step;
  layer: LayerDims;
  macs: number;
  bytesRead: number;
  bytesWritten: number;
  computeCycles: number;
  /** read and write beats, one per cycle */
  transferCycles: number;
  cycles: number;
  /** the roof at this point's intensity */
  roof: number;
  /** the step's energy: its loads, compute and store on chip, and its DRAM traffic (generator/golden/energy.ts) */
  energy: Energy;
}

const STEP_LOADS: Record<Step, ['loadW' | 'loadX' | 'loadDy', 'loadW' | 'loadX' | 'loadDy']> = {
  fp: ['loadX', 'loadW'],
  bp: ['loadDy', 'loadW'],
  wg: ['loadDy', 'loadX'],
};

/** The descriptors of one step run alone through memory: two dense loads, the compute, the result's store. */
export function stepDescriptors(model: CoreModel, step: Step, dims: LayerDims): Descriptor[] {
  const E = model.memory.elementBytes;
  const shapes = { loadW: [dims.dout, dims.din], loadX: [dims.batch, dims.din], loadDy: [dims.batch, dims.dout] };
  const align = (bytes: number) => Math.ceil(bytes / BOUNDARY_BYTES) * BOUNDARY_BYTES;
  let addr = 0;
  const place = (rows: number, cols: number, e: number) => {
    const at = addr;
    addr += align(rows * cols * e);
    return { addr: at, stride: cols * e };
  };
  const loads = STEP_LOADS[step].map((op): Descriptor => ({ op, dims, ...place(shapes[op][0], shapes[op][1], E) }));
  const { M, N } = gemmShape(step, dims);
  return [...loads, { op: step, dims }, { op: 'readResult', dims, ...place(M, N, model.memory.resultBytes) }];
}

/** A step's energy counts: its operand loads, the compute, the result's read-out and the DRAM traffic. */
function stepCounts(model: CoreModel, step: Step, layer: LayerDims, compute: EnergyCounts, t: Traffic): EnergyCounts {
  const { M, N } = gemmShape(step, layer);
  return [
    ...STEP_OPERANDS[step].map((tensor) => {
      const { rows, cols } = tensorShape(tensor, layer);
      return loadCounts(model, tensor, rows, cols);
    }),
    readResultCounts(model, M, N),
    dramCounts(model, t),
  ].reduce(addCounts, compute);
}

export function modelPoints(model: CoreModel, layers: LayerDims[], operands: (dims: LayerDims) => Operands): ModelPoint[] {
  const core = coreShape(model);
  const peak = model.rows * model.cols;
  const bus = model.memory.dataBytes;
  const points: ModelPoint[] = [];
  for (const layer of layers) {
    const ops = operands(layer);
    for (const step of STEPS) {
      const compute = computeCounts(model, step, layer, ops);
      const macs = compute.macs;
      // with the program's fetch, as the core reads it (four descriptors)
      const t = programTraffic(stepDescriptors(model, step, layer), model.memory, 0);
      const computeCycles = predictComputeCycles(core, step, layer, ops);
      const transferCycles = t.readBeats + t.writeBeats;
      const cycles = computeCycles + transferCycles;
      const intensity = macs / (t.bytesRead + t.bytesWritten);
      const counts = stepCounts(model, step, layer, compute, t);
      points.push({
        label: `${step.toUpperCase()} ${layer.batch}x${layer.din}x${layer.dout}`,
        step,
        kind: 'model',
        layer,
        macs,
        bytesRead: t.bytesRead,
        bytesWritten: t.bytesWritten,
        computeCycles,
        transferCycles,
        cycles,
        intensity,
        macsPerCycle: macs / cycles,
        roof: roofAt({ peakMacsPerCycle: peak, busBytesPerCycle: bus }, intensity),
        energy: energyOf(counts),
      });
    }
  }
  return points;
}

/**
 * The same steps measured: each runs through memory on the system top (the
 * operands loaded from the AXI4 memory model, the result stored back); the
 * point's bytes are the core's bus counters and its cycles the end-to-end
 * cycles from the program's start to its interrupt.
 */
export async function measuredPoints(
  model: CoreModel,
  sim: CompiledSim,
  layers: LayerDims[],
  operands: (dims: LayerDims) => Operands,
  latency: number,
): Promise<ModelPoint[]> {
  const core = coreShape(model);
  const points: ModelPoint[] = [];
  for (const layer of layers) {
    const ops = operands(layer);
    for (const step of STEPS) {
      const predicted = predictComputeCycles(core, step, layer, ops);
      const out = await runStepThroughMemory(model, sim, {
        step,
        dims: layer,
        operands: ops,
        memory: { latency },
        budgetCycles: 16 * (predicted + 4 * (layer.batch + layer.dout) * layer.din + 64 * latency),
      });
      const label = `${step.toUpperCase()} ${layer.batch}x${layer.din}x${layer.dout}`;
      if (out.run.faultCode !== 0) throw new Error(`${label} through memory stopped with fault ${out.run.faultCode}`);
      if (out.run.bytesRead !== out.traffic.bytesRead || out.run.bytesWritten !== out.traffic.bytesWritten) {
        throw new Error(`${label} through memory: the bus counters differ from the traffic model`);
      }
      const compute = computeCounts(model, step, layer, ops);
      const computeCycles = out.run.coreCommands.find((c) => c.op === step)?.cycles ?? 0;
      const cycles = out.run.endToEndCycles;
      const intensity = compute.macs / (out.run.bytesRead + out.run.bytesWritten);
      points.push({
        label,
        step,
        kind: 'measured',
        layer,
        macs: compute.macs,
        bytesRead: out.run.bytesRead,
        bytesWritten: out.run.bytesWritten,
        computeCycles,
        transferCycles: cycles - computeCycles,
        cycles,
        intensity,
        macsPerCycle: compute.macs / cycles,
        roof: roofAt({ peakMacsPerCycle: model.rows * model.cols, busBytesPerCycle: model.memory.dataBytes }, intensity),
        energy: energyOf(stepCounts(model, step, layer, compute, out.traffic)),
      });
    }
  }
  return points;
}

/** "64x64x64,32x785x64" (batch x din x dout) -> layers; a malformed item is a user error. */
export function parseLayers(raw: string): LayerDims[] {
  return raw.split(',').map((item) => {
    const m = /^(\d+)x(\d+)x(\d+)$/.exec(item.trim());
    const dims = m && { batch: Number(m[1]), din: Number(m[2]), dout: Number(m[3]) };
    if (!dims || Object.values(dims).some((v) => !Number.isSafeInteger(v) || v < 1))
      throw new UserError(`--layers: "${item}" is not BATCHxDINxDOUT with positive integers (e.g. --layers 64x64x64,32x785x64)`);
    return dims;
  });
}

const WIDTH = 760;
const HEIGHT = 500;
const MARGIN = { left: 80, right: 210, top: 44, bottom: 56 };
const COLORS: Record<Step, string> = { fp: '#1f77b4', bp: '#d62728', wg: '#2ca02c' };
const GREY = '#555555';

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** 10^e as axis text: 0.01, 0.1, 1, 10, 1,000, 1e+7. */
function decadeLabel(e: number): string {
  if (e < -4 || e > 6) return `1e${e < 0 ? '' : '+'}${e}`;
  return e < 0 ? (10 ** e).toFixed(-e) : (10 ** e).toLocaleString('en-US');
}

const fixed = (v: number): string => v.toFixed(1);

/**
 * The roofline as SVG text, log-log: intensity (MACs per byte) on x, MACs per
 * cycle on y, decade ticks; the roof; each point (model: an open circle,
 * measured: a filled one) with its label. The same chart gives the same bytes.
 */
export function renderRoofline(chart: RooflineChart): string {
  const { peakMacsPerCycle: peak, busBytesPerCycle: bus } = chart;
  if (!(peak > 0 && bus > 0)) throw new RangeError('roofline: the peak and the bus bytes per cycle must be positive');
  for (const p of chart.points) {
    if (!(p.intensity > 0 && Number.isFinite(p.intensity) && p.macsPerCycle > 0 && Number.isFinite(p.macsPerCycle)))
      throw new RangeError(`roofline: point ${p.label} needs a positive intensity and MACs per cycle on log axes`);
  }
  const ridge = peak / bus;
  const xs = [ridge, ...chart.points.map((p) => p.intensity)];
  const x0 = Math.floor(Math.log10(Math.min(...xs)));
  const x1 = Math.max(x0 + 1, Math.ceil(Math.log10(Math.max(...xs) * 1.0001)));
  const ys = [peak, roofAt(chart, 10 ** x0), ...chart.points.map((p) => p.macsPerCycle)];
  const y0 = Math.floor(Math.log10(Math.min(...ys)));
  const y1 = Math.max(y0 + 1, Math.ceil(Math.log10(Math.max(...ys) * 1.0001)));
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (v: number) => MARGIN.left + ((Math.log10(v) - x0) / (x1 - x0)) * plotW;
  const y = (v: number) => MARGIN.top + plotH - ((Math.log10(v) - y0) / (y1 - y0)) * plotH;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
  );
  parts.push(`<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`);
  parts.push(`<text x="${MARGIN.left}" y="24" font-size="14">${escapeXml(chart.title)}</text>`);
  const left = fixed(x(10 ** x0));
  const right = fixed(x(10 ** x1));
  const bottom = fixed(y(10 ** y0));
  const top = fixed(y(10 ** y1));
  parts.push('<g class="x-ticks">');
  for (let e = x0; e <= x1; e++) {
    const px = fixed(x(10 ** e));
    parts.push(`<line x1="${px}" y1="${top}" x2="${px}" y2="${bottom}" stroke="#dddddd"/>`);
    parts.push(`<text x="${px}" y="${fixed(y(10 ** y0) + 18)}" text-anchor="middle">${decadeLabel(e)}</text>`);
  }
  parts.push('</g>');
  parts.push('<g class="y-ticks">');
  for (let e = y0; e <= y1; e++) {
    const py = fixed(y(10 ** e));
    parts.push(`<line x1="${left}" y1="${py}" x2="${right}" y2="${py}" stroke="#dddddd"/>`);
    parts.push(`<text x="${MARGIN.left - 8}" y="${fixed(y(10 ** e) + 4)}" text-anchor="end">${decadeLabel(e)}</text>`);
  }
  parts.push('</g>');
  parts.push(`<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="#333333"/>`);
  parts.push(`<line x1="${left}" y1="${bottom}" x2="${left}" y2="${top}" stroke="#333333"/>`);
  parts.push(
    `<text x="${fixed(MARGIN.left + plotW / 2)}" y="${HEIGHT - 14}" text-anchor="middle">arithmetic intensity (MACs per byte of memory traffic)</text>`,
  );
  parts.push(`<text transform="translate(20 ${fixed(MARGIN.top + plotH / 2)}) rotate(-90)" text-anchor="middle">MACs per cycle</text>`);
  // the roof: the bus slope up to the ridge, then the peak (clipped to the plot's left edge)
  const roofStart = 10 ** x0;
  parts.push(
    `<polyline class="roof" points="${left},${fixed(y(roofAt(chart, roofStart)))} ${fixed(x(ridge))},${fixed(y(peak))} ${right},${fixed(y(peak))}" fill="none" stroke="#000000" stroke-width="2"/>`,
  );
  parts.push(
    `<text x="${fixed(x(ridge))}" y="${fixed(y(peak) - 8)}" text-anchor="middle" font-size="11">ridge ${escapeXml(String(+ridge.toPrecision(4)))} MACs/B</text>`,
  );
  // labels of points that fall together are stacked, not drawn over each other
  const placed: { x: number; y: number }[] = [];
  for (const p of chart.points) {
    const color = p.step ? COLORS[p.step] : GREY;
    const cx = fixed(x(p.intensity));
    const cy = fixed(y(p.macsPerCycle));
    const fill = p.kind === 'measured' ? color : 'white';
    parts.push(
      `<circle class="point ${p.kind}" cx="${cx}" cy="${cy}" r="4" fill="${fill}" stroke="${color}" stroke-width="2"><title>${escapeXml(`${p.label} (${p.kind}): ${+p.intensity.toPrecision(4)} MACs/B, ${+p.macsPerCycle.toPrecision(4)} MACs/cycle`)}</title></circle>`,
    );
    const at = { x: x(p.intensity) + 7, y: y(p.macsPerCycle) - 6 };
    while (placed.some((q) => Math.abs(q.x - at.x) < 70 && Math.abs(q.y - at.y) < 11)) at.y += 12;
    placed.push(at);
    parts.push(`<text x="${fixed(at.x)}" y="${fixed(at.y)}" font-size="10">${escapeXml(p.label)}</text>`);
  }
  const legendX = WIDTH - MARGIN.right + 16;
  const legend: string[] = [];
  const row = (i: number) => MARGIN.top + 10 + i * 20;
  legend.push(`<line x1="${legendX}" y1="${row(0)}" x2="${legendX + 24}" y2="${row(0)}" stroke="#000000" stroke-width="2"/>`);
  legend.push(`<text x="${legendX + 30}" y="${row(0) + 4}">roof, the lower of</text>`);
  legend.push(`<text x="${legendX + 30}" y="${row(1) + 4}">peak ${peak} MACs/cycle</text>`);
  legend.push(`<text x="${legendX + 30}" y="${row(2) + 4}">bus ${bus} B/cycle x intensity</text>`);
  STEPS.forEach((step, i) => {
    legend.push(`<circle cx="${legendX + 12}" cy="${row(i + 3)}" r="4" fill="${COLORS[step]}" stroke="${COLORS[step]}"/>`);
    legend.push(`<text x="${legendX + 30}" y="${row(i + 3) + 4}">${step.toUpperCase()}</text>`);
  });
  legend.push(`<circle cx="${legendX + 12}" cy="${row(6)}" r="4" fill="white" stroke="${GREY}" stroke-width="2"/>`);
  legend.push(`<text x="${legendX + 30}" y="${row(6) + 4}">model</text>`);
  legend.push(`<circle cx="${legendX + 12}" cy="${row(7)}" r="4" fill="${GREY}" stroke="${GREY}" stroke-width="2"/>`);
  legend.push(`<text x="${legendX + 30}" y="${row(7) + 4}">measured</text>`);
  parts.push(`<g class="legend">`, ...legend, '</g>');
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
