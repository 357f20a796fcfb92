/**
 * maxFanout and logicDepth of `trainforge synth`: exact on a hand-written
 * module whose answer is known, and consistent on specs/small.json through
 * the real CLI.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { synthVerilog, type SynthReport } from '../../generator/tools/eda.ts';
import { trainforge } from '../support/cli.ts';

/**
 * en_q enables the 16 flip-flops of q_q: a fanout of 16 (a_q's bits drive 3 to
 * 5 pins each; the reset, which reaches every flip-flop, does not count).
 * y_q is the parity of a_q's 8 bits: 3 gate levels of a balanced XOR tree.
 * A path through the memory would be 4 gates (a_q -> XOR -> write data, read
 * data -> 2 levels of XOR -> z_q) but the memory cuts it into 1 and 2.
 */
const FAN_DEPTH_V = `module fan_depth (
  input  wire        clk_i,
  input  wire        rst_ni,
  input  wire [7:0]  a_i,
  input  wire        en_i,
  input  wire        we_i,
  input  wire [2:0]  ra_i,
  output wire        y_o,
  output wire        z_o,
  output wire [15:0] q_o
);
  reg [7:0]  a_q;
  reg        en_q, we_q, y_q, z_q;
  reg [2:0]  ra_q;
  reg [15:0] q_q;
  reg [3:0]  mem_q [0:7];
  reg [3:0]  rd_q;
  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      a_q <= 8'd0; en_q <= 1'b0; we_q <= 1'b0; ra_q <= 3'd0; y_q <= 1'b0; z_q <= 1'b0; q_q <= 16'd0;
    end else begin
      a_q <= a_i; en_q <= en_i; we_q <= we_i; ra_q <= ra_i;
      y_q <= ^a_q;
      z_q <= ^rd_q;
      if (en_q) q_q <= {a_q, a_i};
    end
  end
  always @(posedge clk_i) begin
    if (we_q) mem_q[a_q[2:0]] <= a_q[7:4] ^ a_q[3:0];
    rd_q <= mem_q[ra_q];
  end
  assign y_o = y_q;
  assign z_o = z_q;
  assign q_o = q_q;
endmodule
`;

describe('synth metrics on a module with a known answer', () => {
  it(
    'finds a fanout of 16 on en_q and a depth of 3 gates from a_q to y_q, the memory kept and cutting paths',
    { timeout: 120_000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'trainforge-metrics-'));
      try {
        const file = join(dir, 'fan_depth.v');
        writeFileSync(file, FAN_DEPTH_V);
        const r = await synthVerilog(dir, [file], 'fan_depth', { label: 'fan_depth', limitMs: 100_000 });
        expect(r.error, r.error).toBeUndefined();
        expect(r.pass).toBe(true);
        expect(r.memories).toBe(1);
        expect(r.memoryBits).toBe(32);
        expect(r.maxFanout).toBe(16);
        expect(r.maxFanoutNet).toBe('en_q');
        expect(r.logicDepth).toBe(3);
        expect(r.logicDepthPath?.from).toMatch(/^a_q\[[0-7]\]$/);
        expect(r.logicDepthPath?.to).toBe('y_q');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

describe('synth of a module with a combinational loop', () => {
  it('fails and names the loop by its nets', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trainforge-loop-'));
    try {
      const file = join(dir, 'loop.v');
      writeFileSync(
        file,
        `module loop (input wire clk_i, input wire a_i, input wire b_i, output reg y_o);
  wire x, z;
  assign x = a_i & z;
  assign z = ~(x | b_i);
  always @(posedge clk_i) y_o <= z;
endmodule
`,
      );
      const r = await synthVerilog(dir, [file], 'loop', { label: 'loop', limitMs: 100_000 });
      expect(r.pass).toBe(false);
      expect(r.error).toMatch(/^combinational loop through 2 gates \(2 gates on or behind loops\): (z -> x -> z|x -> z -> x); yosys: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('trainforge synth specs/small.json --json', () => {
  it('reports maxFanout and logicDepth as positive integers with the net and the path', { timeout: 180_000 }, async () => {
    const run = await trainforge(['synth', 'specs/small.json', '--json'], { timeoutMs: 170_000 });
    expect(run.exitCode, run.stderr).toBe(0);
    const r = JSON.parse(run.stdout) as SynthReport;
    expect(r.pass).toBe(true);
    expect(Number.isInteger(r.maxFanout) && r.maxFanout > 1).toBe(true);
    expect(Number.isInteger(r.logicDepth) && r.logicDepth > 1).toBe(true);
    // a visible net, not a clock or reset, and not a Yosys-made name
    expect(r.maxFanoutNet).toMatch(/^[a-z_][\w.[\]]*$/);
    expect(r.maxFanoutNet).not.toMatch(/^(clk_i|rst_ni)$/);
    expect(r.logicDepthPath!.from.length).toBeGreaterThan(0);
    expect(r.logicDepthPath!.to.length).toBeGreaterThan(0);
    // no more gates on one path than gates in the design, and no net drives more pins than the cells have
    const flops = Object.entries(r.cellTypes)
      .filter(([type]) => /DFF|\$mem/.test(type))
      .reduce((sum, [, n]) => sum + n, 0);
    expect(r.logicDepth).toBeLessThan(r.cells - flops);
    expect(r.maxFanout).toBeLessThan(4 * r.cells);
  });
});
