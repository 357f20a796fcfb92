import { readFileSync } from 'node:fs';
import { buildModel } from '../tests/sim/helpers.ts';
import { coreShape } from '../generator/elaborate/model.ts';
import { predictComputeCycles } from '../generator/golden/cycles.ts';
import { makeOperands } from '../generator/commands/simulate.ts';
const model = buildModel(JSON.parse(readFileSync('specs/sparse.json', 'utf8')));
const dims = { batch: 64, din: 64, dout: 64 };
for (const density of [1, 0.5, 0.2]) {
  const ops = makeOperands(dims, model.opBits, density, 1);
  const row = (['fp', 'bp', 'wg'] as const).map((step) => {
    const c = predictComputeCycles(coreShape(model), step, dims, ops);
    return `${step} ${c} ${(c / 4107).toFixed(4)}`;
  });
  console.log(density, row.join(' | '));
}
