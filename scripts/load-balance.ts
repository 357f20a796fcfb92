/**
 * Load balance of the zero-skipping core's row engines, from the cycle model
 * (whose engine times every simulation test confirms): the mean and slowest
 * engine time of a pass, and what the same pass would cost if the engines met
 * after every tile of Rows output rows instead of running ahead over all
 * their rows.
 *
 *   npx tsx scripts/load-balance.ts [--rows 8] [--scan 8] [--size 64] [--seed 1]
 */
import { parseArgs } from 'node:util';
import { makeOperands } from '../generator/commands/simulate.ts';
import { engineTimes, sparseOperand } from '../generator/golden/cycles.ts';

const { values } = parseArgs({
  options: { rows: { type: 'string' }, scan: { type: 'string' }, size: { type: 'string' }, seed: { type: 'string' } },
});
const R = Number(values.rows ?? 8);
const L = Number(values.scan ?? 8);
const size = Number(values.size ?? 64);
const seed = Number(values.seed ?? 1);
const dims = { batch: size, din: size, dout: size };

const wordCycles = (row: number[]): number => {
  let cycles = 0;
  for (let k0 = 0; k0 < row.length; k0 += L) cycles += Math.max(1, row.slice(k0, k0 + L).filter((v) => v !== 0).length);
  return cycles;
};

console.log(`FP, ${size}^3 layer, ${R} engines, ${L}-element words, one chunk, seed ${seed}`);
console.log('density  mean  slowest  balance  tile-by-tile');
for (const density of [1, 0.8, 0.5, 0.3, 0.2, 0.1]) {
  const A = sparseOperand('fp', makeOperands(dims, 8, density, seed));
  const times = engineTimes({ rows: R, cols: 8, plainGather: false, scanWidth: L, chunkDepth: size }, A, size)[0];
  const slowest = Math.max(...times);
  const mean = times.reduce((a, b) => a + b, 0) / R;
  let tileByTile = 0;
  for (let m0 = 0; m0 < A.length; m0 += R) tileByTile += Math.max(...A.slice(m0, m0 + R).map(wordCycles));
  console.log(
    `${density.toFixed(1).padStart(7)}  ${mean.toFixed(1).padStart(5)}  ${String(slowest).padStart(7)}  ${((100 * mean) / slowest).toFixed(1).padStart(6)}%  ${tileByTile} (${(tileByTile / slowest).toFixed(3)}x)`,
  );
}
