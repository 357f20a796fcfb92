/**
 * Simulation side of the integration outputs: `trainforge sim --waves FILE.vcd`
 * on both simulators (a VCD with a header, the clock and core signals, and
 * value changes), a bad waveform path refused before anything runs, and the
 * FuseSoC core file's sim_icarus target replaying the stimulus `sim --dump`
 * wrote, to the same result.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLimited } from '../../generator/sim/limits.ts';
import { parseResults } from '../../generator/sim/protocol.ts';
import { list, parseCapi2, str } from '../support/capi2.ts';
import { linesOf, trainforge } from '../support/cli.ts';
import { SIM_TEST_TIMEOUT } from './helpers.ts';

const cli = (args: string[], env?: Record<string, string>) => trainforge(args, { env, timeoutMs: SIM_TEST_TIMEOUT - 20_000 });
const LAYER = ['--step', 'fp', '--batch', '3', '--din', '4', '--dout', '2'];

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(path.join(os.tmpdir(), 'trainforge-integration-sim-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The VCD identifier codes of the variables named `name` (in any scope). */
function vcdIds(vcd: string, name: string): string[] {
  return [...vcd.matchAll(new RegExp(`^\\s*\\$var\\s+\\w+\\s+\\d+\\s+(\\S+)\\s+${name}(?:\\s+\\[[^\\]]+\\])?\\s+\\$end`, 'gm'))].map(
    (m) => m[1],
  );
}

/** Scalar value changes of identifier `id` after the definitions: the values, in order. */
function scalarChanges(vcd: string, id: string): string[] {
  const body = vcd.slice(vcd.indexOf('$enddefinitions'));
  return body
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length === id.length + 1 && /^[01xz]/.test(l) && l.slice(1) === id)
    .map((l) => l[0]);
}

describe.each(['icarus', 'verilator'])('trainforge sim --waves on %s', (simulator) => {
  it(
    'writes a VCD: header, clk_i and core signals declared, the clock toggling, done_o and load_done_o rising',
    async () => {
      const vcdPath = path.join(scratch, `${simulator}.vcd`);
      const r = await cli(['sim', 'specs/small.json', ...LAYER, '--simulator', simulator, '--waves', vcdPath]);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toContain(`waveform: ${vcdPath}`);
      const vcd = readFileSync(vcdPath, 'utf8');
      expect(vcd).toMatch(/\$timescale\s+1ps\s+\$end/);
      expect(vcd).toContain('$enddefinitions $end');
      expect(vcd).toMatch(/\$scope module u_dut \$end/);
      // no temporary file left beside it
      expect(readdirSync(scratch).filter((f) => f.includes('.tmp-'))).toEqual([]);
      const clk = vcdIds(vcd, 'clk_i');
      expect(clk.length, 'clk_i declared').toBeGreaterThan(0);
      for (const signal of ['cmd_ready_o', 'done_o', 'load_done_o', 'rd_data_o', 'wr_data_i'])
        expect(vcdIds(vcd, signal).length, signal).toBeGreaterThan(0);
      // two clock edges a cycle, for at least the cycles of the compute and the transfers the run reports
      const compute = Number(/cycles (\d+) \(model/.exec(r.stdout)?.[1]);
      const transfers = Number(/transfers (\d+) cycles/.exec(r.stdout)?.[1]);
      expect(compute + transfers).toBeGreaterThan(40);
      const edges = scalarChanges(vcd, clk[0]);
      expect(edges.length).toBeGreaterThanOrEqual(2 * (compute + transfers));
      expect(new Set(edges)).toEqual(new Set(['0', '1']));
      // every command ends with a done high for a cycle: the loads (X, W) with load_done_o, FP and the read with done_o
      const done = scalarChanges(vcd, vcdIds(vcd, 'done_o')[0]);
      expect(done.filter((v) => v === '1').length).toBeGreaterThanOrEqual(2);
      const loadDone = scalarChanges(vcd, vcdIds(vcd, 'load_done_o')[0]);
      expect(loadDone.filter((v) => v === '1').length).toBeGreaterThanOrEqual(2);
      const times = [...vcd.matchAll(/^#(\d+)$/gm)].map((m) => Number(m[1]));
      expect(times.length).toBeGreaterThanOrEqual(2 * (compute + transfers));
      expect(
        times.every((t, i) => i === 0 || t > times[i - 1]),
        'time stamps increase',
      ).toBe(true);
    },
    SIM_TEST_TIMEOUT,
  );
});

describe('trainforge sim --waves with a bad path', () => {
  it('a folder that does not exist: one line, exit 1, before anything is built or simulated', async () => {
    const missing = path.join(scratch, 'no-such-folder', 'run.vcd');
    // a cache of its own: a build would leave a folder in it
    const cache = path.join(scratch, 'fresh-cache');
    const r = await cli(['sim', 'specs/small.json', ...LAYER, '--simulator', 'verilator', '--waves', missing], { TRAINFORGE_CACHE: cache });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    expect(linesOf(r.stderr)).toEqual([
      `error: --waves: the folder ${path.dirname(missing)} does not exist; create it or write the waveform elsewhere`,
    ]);
    // nothing was built (so nothing simulated)
    expect(existsSync(cache)).toBe(false);
  });

  it('a folder where the file should be: one line naming it', async () => {
    const r = await cli(['sim', 'specs/small.json', ...LAYER, '--waves', scratch]);
    expect(r.exitCode).toBe(1);
    expect(linesOf(r.stderr)).toEqual([
      `error: --waves: ${scratch} is a folder; give a file name such as ${path.join(scratch, 'run.vcd')}`,
    ]);
  });

  it('a file where the folder should be', async () => {
    const file = path.join(scratch, 'a-file');
    writeFileSync(file, 'x');
    const r = await cli(['sim', 'specs/small.json', ...LAYER, '--waves', path.join(file, 'run.vcd')]);
    expect(r.exitCode).toBe(1);
    expect(linesOf(r.stderr)).toEqual([`error: --waves: ${file} is not a folder; write the waveform elsewhere`]);
  });
});

describe("the core file's sim_icarus target", () => {
  it(
    'replays the stimulus of `sim --dump` on the generated folder (its filesets, options and top) to the same result',
    async () => {
      const dump = path.join(scratch, 'dump');
      const out = path.join(scratch, 'generated');
      const dims = ['--step', 'bp', '--batch', '3', '--din', '5', '--dout', '2', '--seed', '3'];
      const sim = await cli(['sim', 'specs/small.json', ...dims, '--simulator', 'icarus', '--dump', dump]);
      expect(sim.exitCode, sim.stderr).toBe(0);
      const gen = await cli(['generate', 'specs/small.json', '--out', out]);
      expect(gen.exitCode, gen.stderr).toBe(0);

      // what FuseSoC's icarus backend runs for the target: iverilog OPTIONS -s TOP FILES, then vvp with the plusargs
      const core = parseCapi2(readFileSync(path.join(out, 'tiny_trainer.core'), 'utf8'));
      const filesets = list(core, 'targets', 'sim_icarus', 'filesets');
      const files = filesets.flatMap((set) => list(core, 'filesets', set, 'files'));
      const options = list(core, 'targets', 'sim_icarus', 'tools', 'icarus', 'iverilog_options');
      const top = str(core, 'targets', 'sim_icarus', 'toplevel');
      const build = await runLimited('replay build', 'iverilog', [...options, '-s', top, '-o', 'replay.vvp', ...files], {
        cwd: out,
        limitMs: 60_000,
      });
      expect(build.exitCode, build.stderr).toBe(0);
      const results = path.join(scratch, 'replay.txt');
      const run = await runLimited(
        'replay',
        'vvp',
        ['-n', path.join(out, 'replay.vvp'), `+in=${path.join(dump, 'stimulus.txt')}`, `+out=${results}`],
        { limitMs: 60_000 },
      );
      expect(run.exitCode, run.stdout + run.stderr).toBe(0);
      const outcomes = parseResults(readFileSync(results, 'utf8'), 16);
      expect(outcomes.map((o) => o.op)).toEqual(['loadW', 'loadDy', 'bp', 'readResult']);
      const result = JSON.parse(readFileSync(path.join(dump, 'result.json'), 'utf8')) as number[][];
      expect(outcomes[3].words.map(Number)).toEqual(result.flat());
    },
    SIM_TEST_TIMEOUT,
  );
});
