/**
 * Spec fuzzer: draws random valid specs and, for each, checks that
 *   1. generation is deterministic: the design generated twice (the second time
 *      from a copy of the spec with its keys shuffled) has byte-identical
 *      files, manifest.json included;
 *   2. the RTL is clean under verilator --lint-only -Wall;
 *   3. a random layer and step at a random density gives, on the simulator,
 *      the golden model's result bit for bit and the cycle model's cycle count.
 *
 *   npx tsx scripts/fuzz.ts --count N --seed S [--simulator verilator|icarus]
 *                           [--only I] [--keep-going] [--keep-builds]
 *
 * Case I of seed S draws everything from caseSeed(S, I), so a failing case
 * re-runs alone with --seed S --only I. Exit status: 0 when every case passes,
 * 1 on a failed case (at the first one unless --keep-going) or a bad flag.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { designFromSpec, type Design } from '../generator/pipeline.ts';
import { lintDesign } from '../generator/tools/eda.ts';
import { simulateStep } from '../generator/commands/simulate.ts';
import { SIM_CACHE_DIR, SIMULATORS, type SimulatorName } from '../generator/sim/simulators.ts';
import { validateSpecObject } from '../generator/spec/load.ts';
import { makeRng } from '../generator/golden/rng.ts';
import { drawCase, shuffleKeys, type FuzzCase } from '../generator/fuzz/draw.ts';
import { UserError } from '../generator/util/errors.ts';

const USAGE = `usage: npx tsx scripts/fuzz.ts --count N --seed S [--simulator verilator|icarus]
                          [--only I] [--keep-going] [--keep-builds]

Draws N random valid specs (rows and cols 1-8, operands 2-16 bits, accumulators
2 x operand bits to 64, plain and transposable weight buffers, dense and
zero-skipping cores, small buffers) and checks each: generated twice
byte-identical, verilator -Wall lint clean, and a random layer and step at a
random density bit-exact with the golden model and cycle-exact with the cycle
model on the simulator.

  --count N         number of specs (default 10)
  --seed S          run seed, an integer >= 0 (default 1)
  --only I          run only case I (0-based) of this seed, e.g. to replay a failure
  --simulator SIM   verilator (default) or icarus
  --keep-going      do not stop at the first failure; exit 1 at the end
  --keep-builds     keep the simulator builds of passed cases in the build cache
                    (by default they are removed: no other run reuses them;
                    a failed case's build is always kept)
  --help            this text
`;

interface Flags {
  count: number;
  seed: number;
  only?: number;
  simulator: SimulatorName;
  keepGoing: boolean;
  keepBuilds: boolean;
}

function intFlag(raw: string | undefined, name: string, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isSafeInteger(n) || n < min) throw new UserError(`--${name}: "${raw}" is not an integer >= ${min}`);
  return n;
}

function parseFlags(argv: string[]): Flags | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        count: { type: 'string' },
        seed: { type: 'string' },
        only: { type: 'string' },
        simulator: { type: 'string' },
        'keep-going': { type: 'boolean' },
        'keep-builds': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UserError((error as Error).message.replace(/\. To specify a positional.*$/, ''));
  }
  if (values.help) return 'help';
  const simulator = (values.simulator as string | undefined) ?? 'verilator';
  if (!(SIMULATORS as readonly string[]).includes(simulator)) {
    throw new UserError(`--simulator: "${simulator}" is not one of ${SIMULATORS.join(', ')}`);
  }
  return {
    count: intFlag(values.count as string | undefined, 'count', 10, 1),
    seed: intFlag(values.seed as string | undefined, 'seed', 1, 0),
    only: values.only === undefined ? undefined : intFlag(values.only as string, 'only', 0, 0),
    simulator: simulator as SimulatorName,
    keepGoing: values['keep-going'] === true,
    keepBuilds: values['keep-builds'] === true,
  };
}

/** A failed check: which one, and what it found. */
class CaseFailure extends Error {
  constructor(
    readonly check: string,
    readonly details: string,
  ) {
    super(`${check}: ${details}`);
  }
}

/** Where two generations of the same spec first differ, or undefined when they are byte-identical. */
function firstDifference(a: Design, b: Design): string | undefined {
  const namesA = [...a.files.keys()];
  const namesB = [...b.files.keys()];
  if (namesA.join('\n') !== namesB.join('\n')) return `file lists differ: [${namesA.join(', ')}] vs [${namesB.join(', ')}]`;
  for (const name of namesA) {
    const textA = a.files.get(name)!;
    const textB = b.files.get(name)!;
    if (textA === textB) continue;
    const linesA = textA.split('\n');
    const linesB = textB.split('\n');
    let line = 0;
    while (line < linesA.length && linesA[line] === linesB[line]) line++;
    return `${name} differs at line ${line + 1}: ${JSON.stringify(linesA[line] ?? '(end of file)')} vs ${JSON.stringify(linesB[line] ?? '(end of file)')}`;
  }
  return undefined;
}

/** Seconds each check took. */
interface Timings {
  lint: number;
  sim: number;
}

async function runCase(c: FuzzCase, simulator: SimulatorName, timings: Timings): Promise<void> {
  // 1. generate twice; the second spec has its keys in another order and must give the same bytes
  let first: Design;
  let second: Design;
  try {
    first = designFromSpec(c.loaded);
    const shuffled = shuffleKeys(c.spec, makeRng(c.seed ^ 0x5bd1e995));
    second = designFromSpec(validateSpecObject(shuffled, `fuzz case ${c.index} (keys shuffled)`));
  } catch (error) {
    throw new CaseFailure('generate', (error as Error).stack ?? String(error));
  }
  if (first.loaded.hash !== second.loaded.hash) {
    throw new CaseFailure('generate twice', `spec hashes differ: ${first.loaded.hash} vs ${second.loaded.hash}`);
  }
  const difference = firstDifference(first, second);
  if (difference) throw new CaseFailure('generate twice', difference);

  // 2. lint
  let t0 = Date.now();
  const lint = await lintDesign(first).catch((error: Error) => {
    throw new CaseFailure('lint', error.message);
  });
  if (!lint.clean) {
    throw new CaseFailure('lint', lint.messages.length ? lint.messages.join('\n') : 'verilator exited with an error and no message');
  }
  timings.lint = (Date.now() - t0) / 1000;

  // 3. simulate against the golden model and the cycle model (the build included)
  t0 = Date.now();
  const { report } = await simulateStep(first, { step: c.step, dims: c.dims, density: c.density, seed: c.simSeed, simulator }).catch(
    (error: Error) => {
      throw new CaseFailure(`simulate (${simulator})`, error.message);
    },
  );
  timings.sim = (Date.now() - t0) / 1000;
  if (!report.pass) throw new CaseFailure(`simulate (${simulator})`, report.mismatches.join('\n'));
}

/** Removes the simulator builds of a passed case (they are never reused: each case is its own design). */
function removeBuilds(c: FuzzCase, simulator: SimulatorName): void {
  if (!existsSync(SIM_CACHE_DIR)) return;
  const prefix = `${simulator}-${c.model.name}-`;
  for (const entry of readdirSync(SIM_CACHE_DIR)) {
    if (entry.startsWith(prefix) && !entry.includes('.tmp-')) rmSync(join(SIM_CACHE_DIR, entry), { recursive: true, force: true });
  }
}

function describeCase(c: FuzzCase): string {
  const s = c.spec;
  const core = s.sparsity.skipZeros ? `sparse L${c.model.sparse!.scanWidth}/D${c.model.sparse!.chunkDepth}` : 'dense';
  return [
    `#${String(c.index).padStart(3)}`,
    `${s.array.rows}x${s.array.cols}`,
    `op ${String(s.numeric.operandBits).padStart(2)} acc ${String(s.numeric.accumulatorBits).padStart(2)}`,
    s.buffers.transposable ? 'transposable' : 'plain       ',
    core.padEnd(16),
    `${c.step} ${c.dims.batch}x${c.dims.din}x${c.dims.dout}`.padEnd(12),
    `density ${c.density.toFixed(2)}`,
  ].join('  ');
}

async function main(argv: string[]): Promise<number> {
  let flags: Flags | 'help';
  try {
    flags = parseFlags(argv);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    console.error(`fuzz: ${error.message}; see --help`);
    return 1;
  }
  if (flags === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const { seed, simulator, keepGoing } = flags;
  const indices = flags.only !== undefined ? [flags.only] : Array.from({ length: flags.count }, (_, i) => i);
  console.log(
    `fuzz: seed ${seed}, ${indices.length === 1 ? `case ${indices[0]}` : `${indices.length} specs`} on ${simulator}; ` +
      `case I re-runs alone with --seed ${seed} --only I (columns: case, array, widths, weight buffer, core, step batch x din x dout, density, verdict)`,
  );
  const start = Date.now();
  let passed = 0;
  let failed = 0;
  for (const index of indices) {
    const t0 = Date.now();
    let c: FuzzCase | undefined;
    let failure: CaseFailure | undefined;
    const timings: Timings = { lint: 0, sim: 0 };
    try {
      c = drawCase(seed, index);
      // every build, lint and run has its own wall-clock limit (generator/sim/limits.ts)
      await runCase(c, simulator, timings);
    } catch (error) {
      failure = error instanceof CaseFailure ? error : new CaseFailure('fuzzer', (error as Error).stack ?? String(error));
    }
    const seconds = ((Date.now() - t0) / 1000).toFixed(1);
    const head = c ? describeCase(c) : `#${String(index).padStart(3)}  (no case drawn)`;
    if (!failure) {
      passed++;
      console.log(`${head}  pass  ${seconds} s (lint ${timings.lint.toFixed(1)}, sim ${timings.sim.toFixed(1)})`);
      if (!flags.keepBuilds) removeBuilds(c!, simulator);
      continue;
    }
    failed++;
    console.log(`${head}  FAIL (${failure.check})  ${seconds} s`);
    console.log(
      `--- case ${index} of seed ${seed} failed; re-run it alone: npx tsx scripts/fuzz.ts --seed ${seed} --only ${index}${simulator === 'verilator' ? '' : ` --simulator ${simulator}`}`,
    );
    if (c) {
      console.log(
        `case seed ${c.seed}, operand seed ${c.simSeed}; layer batch ${c.dims.batch} din ${c.dims.din} dout ${c.dims.dout}, step ${c.step}, density ${c.density}`,
      );
      console.log(`spec: ${JSON.stringify(c.spec, null, 2)}`);
    }
    console.log(`failure (${failure.check}):\n${failure.details}\n---`);
    if (!keepGoing) break;
  }
  const wall = Math.round((Date.now() - start) / 1000);
  console.log(`fuzz: ${passed + failed} specs, ${passed} passed, ${failed} failed (seed ${seed}, ${wall} s)`);
  return failed ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`fuzz: internal error: ${(error as Error).stack ?? String(error)}`);
    process.exit(2);
  },
);
