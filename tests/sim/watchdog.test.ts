/**
 * The testbench's watchdog: a command that runs past the cycle budget it was
 * given stops the simulation at once, on both simulators, with a message that
 * names the command and the budget; the run fails instead of hanging.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OPCODES } from '../../generator/elaborate/model.ts';
import { computeCycles, loadCycles } from '../../generator/golden/cycles.ts';
import { encodeCommands, type BudgetedCommand } from '../../generator/sim/protocol.ts';
import { buildModel, compileOnce, SIM_NAMES, SIM_TEST_TIMEOUT } from './helpers.ts';

const model = buildModel({
  name: 'watchdog_2x2',
  array: { rows: 2, cols: 2 },
  numeric: { operandBits: 4, accumulatorBits: 12 },
  buffers: { weightWords: 256, activationWords: 256, errorWords: 256, resultWords: 256 },
});

describe.each(SIM_NAMES)('cycle watchdog on %s', (simulator) => {
  it('stops a command that needs more cycles than its budget and names it', { timeout: SIM_TEST_TIMEOUT }, async () => {
    const dims = { batch: 6, din: 9, dout: 5 };
    const header = { ...dims, wBase: 0, xBase: 0, dyBase: 0 };
    const fpCycles = computeCycles({ rows: 2, cols: 2, plainGather: false }, 'fp', dims);
    expect(fpCycles).toBeGreaterThan(40);
    const commands: BudgetedCommand[] = [
      { ...header, op: 'loadW', data: new Array(dims.dout * dims.din).fill(1), cycleBudget: 2 * loadCycles(dims.dout, dims.din) },
      { ...header, op: 'loadX', data: new Array(dims.batch * dims.din).fill(1), cycleBudget: 2 * loadCycles(dims.batch, dims.din) },
      // far fewer cycles than FP takes
      { ...header, op: 'fp', cycleBudget: 10 },
    ];
    const sim = await compileOnce(model, simulator);
    const dir = mkdtempSync(join(tmpdir(), 'trainforge-watchdog-'));
    try {
      const stimulus = join(dir, 'stimulus.txt');
      writeFileSync(stimulus, encodeCommands(commands, model.opBits));
      const started = Date.now();
      const run = sim.run(stimulus, join(dir, 'results.txt'), { cycles: 1000 });
      await expect(run).rejects.toThrow(new RegExp(`command ${OPCODES.fp} did not finish within its budget of 10 cycles`));
      await expect(run).rejects.toThrow(/simulation of watchdog_2x2 \(2x2\) on (icarus|verilator) failed/);
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
