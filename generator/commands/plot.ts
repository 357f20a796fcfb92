/**
 * The bench plot: cycles against density, one line per step for the
 * zero-skipping core, the dense core's cycles, and the ideal line (dense cycles
 * times density). A plain SVG, no dependencies.
 */
import type { BenchReport } from './bench-report.ts';

const WIDTH = 680;
const HEIGHT = 420;
const MARGIN = { left: 70, right: 190, top: 40, bottom: 50 };
const COLORS: Record<string, string> = { fp: '#1f77b4', bp: '#d62728', wg: '#2ca02c' };

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** 1, 2 or 5 times a power of ten, at least `raw`. */
function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(Math.max(raw, 1)));
  return [1, 2, 5, 10].map((f) => f * power).find((s) => s >= raw) ?? 10 * power;
}

export function renderPlot(report: BenchReport): string {
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const top = Math.max(...report.rows.map((r) => Math.max(r.denseCycles, r.cycles)));
  const yStep = niceStep(top / 5);
  const yTicks = Math.ceil(top / yStep);
  const yMax = yTicks * yStep;
  const x = (d: number) => MARGIN.left + d * plotW;
  const y = (c: number) => MARGIN.top + plotH - (c / yMax) * plotH;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
  );
  parts.push(`<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`);
  const title = `${report.sparseDesign}: ${report.array.rows} x ${report.array.cols}, batch ${report.layer.batch} din ${report.layer.din} dout ${report.layer.dout}, ${report.simulator}`;
  parts.push(`<text x="${MARGIN.left}" y="22" font-size="14">${escapeXml(title)}</text>`);
  // axes and grid
  for (let i = 0; i <= yTicks; i++) {
    const c = yStep * i;
    parts.push(`<line x1="${x(0)}" y1="${y(c).toFixed(1)}" x2="${x(1)}" y2="${y(c).toFixed(1)}" stroke="#ddd"/>`);
    parts.push(
      `<text x="${MARGIN.left - 8}" y="${(y(c) + 4).toFixed(1)}" text-anchor="end">${Math.round(c).toLocaleString('en-US')}</text>`,
    );
  }
  for (let i = 0; i <= 10; i++) {
    const d = i / 10;
    parts.push(`<line x1="${x(d).toFixed(1)}" y1="${y(0)}" x2="${x(d).toFixed(1)}" y2="${y(0) + 5}" stroke="#333"/>`);
    parts.push(`<text x="${x(d).toFixed(1)}" y="${y(0) + 18}" text-anchor="middle">${d.toFixed(1)}</text>`);
  }
  parts.push(`<line x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(0)}" stroke="#333"/>`);
  parts.push(`<line x1="${x(0)}" y1="${y(0)}" x2="${x(0)}" y2="${MARGIN.top}" stroke="#333"/>`);
  parts.push(`<text x="${x(0.5)}" y="${HEIGHT - 12}" text-anchor="middle">density of nonzeros in X and dY</text>`);
  parts.push(`<text transform="translate(16 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">cycles</text>`);

  const legend: [string, string, string][] = [];
  for (const step of ['fp', 'bp', 'wg']) {
    const rows = report.rows.filter((r) => r.step === step).sort((a, b) => a.density - b.density);
    if (!rows.length) continue;
    const color = COLORS[step];
    const line = (pick: (r: (typeof rows)[number]) => number) =>
      rows.map((r) => `${x(r.density).toFixed(1)},${y(pick(r)).toFixed(1)}`).join(' ');
    parts.push(
      `<polyline points="${line((r) => r.denseCycles)}" fill="none" stroke="${color}" stroke-opacity="0.35" stroke-dasharray="6 4"/>`,
    );
    parts.push(
      `<polyline points="${line((r) => r.denseCycles * r.density)}" fill="none" stroke="${color}" stroke-opacity="0.6" stroke-dasharray="2 3"/>`,
    );
    parts.push(`<polyline points="${line((r) => r.cycles)}" fill="none" stroke="${color}" stroke-width="2"/>`);
    for (const r of rows) parts.push(`<circle cx="${x(r.density).toFixed(1)}" cy="${y(r.cycles).toFixed(1)}" r="3" fill="${color}"/>`);
    legend.push([color, '', `${step.toUpperCase()} zero-skipping`]);
  }
  legend.push(['#555', '6 4', 'dense core']);
  legend.push(['#555', '2 3', 'ideal: dense x density']);
  legend.forEach(([color, dash, label], i) => {
    const ly = MARGIN.top + 10 + i * 20;
    const lx = WIDTH - MARGIN.right + 15;
    parts.push(
      `<line x1="${lx}" y1="${ly}" x2="${lx + 24}" y2="${ly}" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`,
    );
    parts.push(`<text x="${lx + 30}" y="${ly + 4}">${escapeXml(label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
