/**
 * Loads and reads cost what the cycle model says: a step's transfer cycles are
 * the loads of its two operands plus the read of its result.
 */
import { describe, expect, it } from 'vitest';
import { tensorShape } from '../../generator/elaborate/model.ts';
import { loadCycles, readCycles } from '../../generator/golden/cycles.ts';
import { gemmShape } from '../../generator/golden/gemm.ts';
import { buildModel, caseLabel, runCases, type LayerCase } from './helpers.ts';
import type { Step, TensorName } from '../../generator/types.ts';

const STEP_OPERANDS: Record<Step, TensorName[]> = { fp: ['X', 'W'], bp: ['dY', 'W'], wg: ['dY', 'X'] };

const model = buildModel({ name: 'transfer_3x5', array: { rows: 3, cols: 5 }, numeric: { operandBits: 4, accumulatorBits: 12 } });
const cases: LayerCase[] = [
  { dims: { batch: 1, din: 1, dout: 1 } },
  { dims: { batch: 5, din: 13, dout: 7 } },
  { dims: { batch: 7, din: 3, dout: 11 } },
];

describe('transfer cycles on icarus (3x5)', () => {
  it('match loadCycles of both operands plus readCycles of the result', { timeout: 120_000 }, async () => {
    const problems: string[] = [];
    for (const { case: c, runs } of await runCases(model, 'icarus', cases)) {
      for (const run of runs) {
        const loads = STEP_OPERANDS[run.step].map((t) => {
          const { rows, cols } = tensorShape(t, c.dims);
          return loadCycles(rows, cols);
        });
        const { M, N } = gemmShape(run.step, c.dims);
        const predicted = loads[0] + loads[1] + readCycles(M, N, model.readPort);
        if (run.transferCycles !== predicted) {
          problems.push(`${run.step.toUpperCase()} transfer cycles at ${caseLabel(c)}: measured ${run.transferCycles}, model ${predicted}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
