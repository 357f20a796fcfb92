/**
 * FPGA implementation of a generated core on the open iCE40 flow: Yosys
 * synth_ice40, then nextpnr-ice40 place and route, with its timing and
 * utilisation report.
 *
 * The core is implemented out of context: a harness feeds every input port
 * from a shift register (one serial pin) and captures every output port into a
 * shift register read out on one pin, so that the pins are few and every path
 * that is timed starts and ends at a register inside or next to the core.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withDesignOnDisk, type Design } from '../pipeline.ts';
import { runLimited } from '../sim/limits.ts';
import { requireTool } from '../sim/simulators.ts';
import { UserError } from '../util/errors.ts';

export type Ice40Device = 'hx8k' | 'up5k';
export const ICE40_DEVICES: readonly Ice40Device[] = ['hx8k', 'up5k'];
const PACKAGE: Record<Ice40Device, string> = { hx8k: 'ct256', up5k: 'sg48' };

export interface CriticalPath {
  /** the cell the path starts at (a register or a RAM) */
  from: string;
  to: string;
  /** logic steps (LUTs, carries, RAM and DSP outputs) on the path */
  logicSteps: number;
  /** the cell each logic step ends at, in order */
  cells: string[];
  delayNs: number;
}

export interface FpgaReport {
  design: string;
  /** the module implemented out of context: the core, or the one --module named */
  module: string;
  device: Ice40Device;
  package: string;
  seed: number;
  /** placed and routed */
  fits: boolean;
  /** the resource that ran out when it does not fit */
  overflow?: string;
  fmaxMHz: number | null;
  lcs: number;
  lcsAvailable: number;
  carries: number;
  ffs: number;
  brams: number;
  bramsAvailable: number;
  dsps: number;
  criticalPath: CriticalPath | null;
}

interface PortInfo {
  name: string;
  direction: 'input' | 'output' | 'inout';
  bits: number;
}

/** The ports of the core's top module, as Yosys elaborates them (widths evaluated). */
function readPorts(dir: string, top: string): PortInfo[] {
  const json = JSON.parse(readFileSync(join(dir, 'ports.json'), 'utf8')) as {
    modules: Record<string, { ports: Record<string, { direction: PortInfo['direction']; bits: unknown[] }> }>;
  };
  const module = json.modules[top];
  if (!module) throw new Error(`yosys did not elaborate ${top}`);
  return Object.entries(module.ports).map(([name, p]) => ({ name, direction: p.direction, bits: p.bits.length }));
}

/** The out-of-context harness: shift registers on every port but the clock and reset. */
export function harnessVerilog(top: string, ports: PortInfo[]): string {
  const inputs = ports.filter((p) => p.direction === 'input' && p.name !== 'clk_i' && p.name !== 'rst_ni');
  const outputs = ports.filter((p) => p.direction === 'output');
  const inBits = Math.max(
    1,
    inputs.reduce((n, p) => n + p.bits, 0),
  );
  const outBits = Math.max(
    1,
    outputs.reduce((n, p) => n + p.bits, 0),
  );
  const connections: string[] = [];
  let at = 0;
  for (const p of inputs) {
    connections.push(`    .${p.name}(in_q[${at + p.bits - 1}:${at}])`);
    at += p.bits;
  }
  at = 0;
  for (const p of outputs) {
    connections.push(`    .${p.name}(core_out[${at + p.bits - 1}:${at}])`);
    at += p.bits;
  }
  return `// Out-of-context harness for ${top}: every input from a shift register, every
// output into one, so that only the core's own paths are timed.
module fpga_harness (
  input  wire clk_i,
  input  wire rst_ni,
  input  wire sin_i,
  input  wire load_i,
  output wire sout_o
);
  reg  [${inBits - 1}:0] in_q;
  reg  [${outBits - 1}:0] out_q;
  wire [${outBits - 1}:0] core_out;
  wire [${inBits}:0] in_next = {in_q, sin_i};
  wire [${outBits}:0] out_next = {out_q, 1'b0};
  always @(posedge clk_i) in_q <= in_next[${inBits - 1}:0];
  always @(posedge clk_i) out_q <= load_i ? core_out : out_next[${outBits - 1}:0];
  assign sout_o = out_q[${outBits - 1}];

  ${top} u_core (
    .clk_i(clk_i),
    .rst_ni(rst_ni),
${connections.join(',\n')}
  );
endmodule
`;
}

/** Cells by type in Yosys's stat -json of the flattened harness. */
function cellCounts(dir: string): Record<string, number> {
  const stat = JSON.parse(readFileSync(join(dir, 'stat.json'), 'utf8')) as {
    modules: Record<string, { num_cells_by_type: Record<string, number> }>;
  };
  const module = stat.modules['\\fpga_harness'] ?? Object.values(stat.modules)[0];
  return module.num_cells_by_type;
}

interface NextpnrReport {
  fmax: Record<string, { achieved: number }>;
  utilization: Record<string, { available: number; used: number }>;
  critical_paths: { path: { type: string; delay: number; from: { cell: string }; to: { cell: string } }[] }[];
}

function criticalPath(report: NextpnrReport): CriticalPath | null {
  const path = report.critical_paths[0]?.path;
  if (!path?.length) return null;
  return {
    from: path[0].from.cell,
    to: path[path.length - 1].to.cell,
    logicSteps: path.filter((step) => step.type === 'logic').length,
    cells: path.filter((step) => step.type === 'logic').map((step) => step.to.cell),
    delayNs: Number(path.reduce((sum, step) => sum + step.delay, 0).toFixed(3)),
  };
}

/** The nextpnr error that says which resource ran out, if any. */
function overflowFrom(log: string): string | undefined {
  const cellType = /no BELs remaining to implement cell type '([^']+)'/.exec(log)?.[1];
  if (cellType) return cellType;
  return /ERROR: ([^\n]*(?:requires|too many)[^\n]*)/i.exec(log)?.[1];
}

const synthLimitMs = (pes: number) => 600_000 + 30_000 * pes;
const pnrLimitMs = (pes: number) => 900_000 + 60_000 * pes;

export async function implementOnIce40(design: Design, opts: { device: Ice40Device; seed: number; module?: string }): Promise<FpgaReport> {
  requireTool('yosys');
  requireTool('nextpnr-ice40');
  const { model } = design;
  const top = opts.module ?? model.top;
  const pes = model.rows * model.cols;
  return withDesignOnDisk(design, async (dir, verilog) => {
    const ports = await runLimited(
      `port read-out of ${model.name}`,
      'yosys',
      ['-q', '-p', `read_verilog -defer ${verilog.join(' ')}; hierarchy -top ${top}; proc; write_json ${join(dir, 'ports.json')}`],
      { cwd: dir, limitMs: synthLimitMs(pes) },
    );
    if (ports.exitCode !== 0) throw new Error(`yosys could not elaborate ${top}:\n${ports.stderr || ports.stdout}`);
    const harness = join(dir, 'fpga_harness.v');
    writeFileSync(harness, harnessVerilog(top, readPorts(dir, top)));
    const netlist = join(dir, 'netlist.json');
    const script = [
      `read_verilog -defer ${[...verilog, harness].join(' ')}`,
      'hierarchy -top fpga_harness',
      `synth_ice40 -top fpga_harness ${opts.device === 'up5k' ? '-dsp ' : ''}-json ${netlist}`,
      `tee -q -o ${join(dir, 'stat.json')} stat -json`,
    ].join('\n');
    writeFileSync(join(dir, 'synth.ys'), script + '\n');
    const synth = await runLimited(`synth_ice40 of ${model.name}`, 'yosys', ['-q', '-s', join(dir, 'synth.ys')], {
      cwd: dir,
      limitMs: synthLimitMs(pes),
    });
    if (synth.exitCode !== 0) throw new Error(`yosys synth_ice40 of ${top} failed:\n${synth.stderr || synth.stdout}`);
    const cells = cellCounts(dir);
    const count = (pattern: RegExp) => Object.entries(cells).reduce((n, [type, k]) => (pattern.test(type) ? n + k : n), 0);

    const reportPath = join(dir, 'report.json');
    const pnr = await runLimited(
      `nextpnr-ice40 of ${model.name}`,
      'nextpnr-ice40',
      [`--${opts.device}`, '--package', PACKAGE[opts.device], '--json', netlist, '--seed', String(opts.seed)].concat([
        '--pcf-allow-unconstrained',
        '--timing-allow-fail',
        '--freq',
        '12',
        '--report',
        reportPath,
        '-q',
      ]),
      { cwd: dir, limitMs: pnrLimitMs(pes) },
    );
    const base = {
      design: model.name,
      module: top,
      device: opts.device,
      package: PACKAGE[opts.device],
      seed: opts.seed,
      carries: count(/^\$?SB_CARRY$/),
      ffs: count(/^\$?SB_DFF/),
    };
    if (pnr.exitCode !== 0) {
      const overflow = overflowFrom(`${pnr.stdout}\n${pnr.stderr}`);
      if (!overflow) throw new Error(`nextpnr-ice40 failed on ${top}:\n${(pnr.stderr || pnr.stdout).slice(-2000)}`);
      return {
        ...base,
        fits: false,
        overflow,
        fmaxMHz: null,
        lcs: count(/^\$?SB_LUT4$/),
        lcsAvailable: 0,
        brams: count(/^\$?SB_RAM40_4K/),
        bramsAvailable: 0,
        dsps: count(/^\$?SB_MAC16$/),
        criticalPath: null,
      };
    }
    const report = JSON.parse(readFileSync(reportPath, 'utf8')) as NextpnrReport;
    const used = (name: string) => report.utilization[name]?.used ?? 0;
    const fmax = Object.values(report.fmax).map((f) => f.achieved);
    return {
      ...base,
      fits: true,
      fmaxMHz: fmax.length ? Number(Math.min(...fmax).toFixed(2)) : null,
      lcs: used('ICESTORM_LC'),
      lcsAvailable: report.utilization.ICESTORM_LC?.available ?? 0,
      brams: used('ICESTORM_RAM'),
      bramsAvailable: report.utilization.ICESTORM_RAM?.available ?? 0,
      dsps: used('ICESTORM_DSP'),
      criticalPath: criticalPath(report),
    };
  });
}

export function parseDevice(raw: string | undefined): Ice40Device {
  const device = raw ?? 'hx8k';
  if (!(ICE40_DEVICES as readonly string[]).includes(device))
    throw new UserError(`--device: "${device}" is not one of ${ICE40_DEVICES.join(', ')}`);
  return device as Ice40Device;
}
