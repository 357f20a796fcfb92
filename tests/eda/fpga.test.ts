/**
 * trainforge fpga: the iCE40 flow (yosys synth_ice40, nextpnr-ice40) on a
 * small core, out of context behind its shift-register harness.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { designFromFile, designFromSpec } from '../../generator/pipeline.ts';
import { validateSpecObject } from '../../generator/spec/load.ts';
import { harnessVerilog, implementOnIce40, parseDevice } from '../../generator/tools/fpga.ts';
import { UserError } from '../../generator/util/errors.ts';
import { repoRoot } from '../support/cli.ts';

describe('iCE40 harness', () => {
  it('feeds every input but the clock and reset from a shift register and captures every output', () => {
    const text = harnessVerilog('core_top', [
      { name: 'clk_i', direction: 'input', bits: 1 },
      { name: 'rst_ni', direction: 'input', bits: 1 },
      { name: 'a_i', direction: 'input', bits: 3 },
      { name: 'b_i', direction: 'input', bits: 1 },
      { name: 'y_o', direction: 'output', bits: 5 },
    ]);
    expect(text).toContain('reg  [3:0] in_q;');
    expect(text).toContain('reg  [4:0] out_q;');
    expect(text).toContain('.a_i(in_q[2:0])');
    expect(text).toContain('.b_i(in_q[3:3])');
    expect(text).toContain('.y_o(core_out[4:0])');
    expect(text).toContain('.clk_i(clk_i)');
  });

  it('takes hx8k and up5k and refuses other devices', () => {
    expect(parseDevice(undefined)).toBe('hx8k');
    expect(parseDevice('up5k')).toBe('up5k');
    expect(() => parseDevice('ecp5')).toThrow(UserError);
  });
});

describe('trainforge fpga on specs/small.json (2 x 2, 4-bit operands)', () => {
  it('fits the HX8K and reports Fmax, resources and the critical path', { timeout: 600_000 }, async () => {
    const r = await implementOnIce40(designFromFile(join(repoRoot, 'specs/small.json')), { device: 'hx8k', seed: 1 });
    expect(r.fits).toBe(true);
    expect(r.fmaxMHz).toBeGreaterThan(1);
    expect(r.fmaxMHz).toBeLessThan(500);
    expect(r.lcs).toBeGreaterThan(100);
    expect(r.lcs).toBeLessThanOrEqual(r.lcsAvailable);
    expect(r.lcsAvailable).toBe(7680);
    // the core's buffers map onto block RAMs, not logic cells
    expect(r.brams).toBeGreaterThan(0);
    expect(r.ffs).toBeGreaterThan(0);
    expect(r.dsps).toBe(0);
    expect(r.criticalPath!.logicSteps).toBeGreaterThan(0);
    // the critical path's delay is the clock period Fmax reports
    expect(Math.abs(1000 / r.criticalPath!.delayNs - r.fmaxMHz!)).toBeLessThan(0.05 * r.fmaxMHz!);
  });
});

describe('trainforge fpga on a core too large for the UP5K', () => {
  it('says it does not fit and names the resource that ran out', { timeout: 600_000 }, async () => {
    // 2 x 2 core with 8192-word buffers: the result buffer alone needs 32 of the UP5K's 30 block RAMs
    const spec = {
      name: 'bigbuf',
      array: { rows: 2, cols: 2 },
      numeric: { operandBits: 4, accumulatorBits: 16 },
      buffers: { weightWords: 8192, activationWords: 8192, errorWords: 8192, resultWords: 8192 },
    };
    const r = await implementOnIce40(designFromSpec(validateSpecObject(spec, 'bigbuf')), { device: 'up5k', seed: 1 });
    expect(r.fits).toBe(false);
    expect(r.overflow).toBe('ICESTORM_RAM');
    expect(r.fmaxMHz).toBeNull();
  });
});
