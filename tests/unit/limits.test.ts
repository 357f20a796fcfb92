/**
 * The bounds on simulator processes: slots shared by every process, wall-clock
 * limits that kill a whole process group, limits that grow with the work.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireSlot, buildLimitMs, runLimited, runLimitMs, SimLimitError, simulatorJobs } from '../../generator/sim/limits.ts';

const saved = { jobs: process.env.TRAINFORGE_JOBS, dir: process.env.TRAINFORGE_SLOT_DIR };
afterEach(() => {
  for (const [name, value] of [
    ['TRAINFORGE_JOBS', saved.jobs],
    ['TRAINFORGE_SLOT_DIR', saved.dir],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

/** Running: it exists and is not a zombie waiting for a parent to reap it. */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('simulator slots', () => {
  it('defaults to the machine cores and takes TRAINFORGE_JOBS', () => {
    delete process.env.TRAINFORGE_JOBS;
    expect(simulatorJobs()).toBeGreaterThanOrEqual(1);
    process.env.TRAINFORGE_JOBS = '3';
    expect(simulatorJobs()).toBe(3);
    process.env.TRAINFORGE_JOBS = 'many';
    expect(simulatorJobs()).toBeGreaterThanOrEqual(1);
  });

  it('never hands out more slots than there are: a third waits until one is given back', async () => {
    // private slots, so that other test files' simulations do not interfere
    process.env.TRAINFORGE_JOBS = '2';
    process.env.TRAINFORGE_SLOT_DIR = mkdtempSync(join(tmpdir(), 'trainforge-slots-test-'));
    const first = await acquireSlot();
    const second = await acquireSlot();
    let third: (() => void) | undefined;
    const waiting = acquireSlot().then((release) => (third = release));
    await new Promise((r) => setTimeout(r, 400));
    expect(third).toBeUndefined();
    first();
    await waiting;
    expect(third).toBeDefined();
    second();
    third!();
  });
});

describe('runLimited', () => {
  // slots of their own: simulations of the same test run must not make these wait
  beforeEach(() => {
    process.env.TRAINFORGE_SLOT_DIR = mkdtempSync(join(tmpdir(), 'trainforge-limit-slots-'));
  });

  it('returns the exit code and output of a program that ends in time', async () => {
    const r = await runLimited('echo test', 'sh', ['-c', 'echo out; echo err >&2; exit 3'], { limitMs: 10_000 });
    expect(r).toEqual({ exitCode: 3, stdout: 'out', stderr: 'err' });
  });

  it('kills the whole process group when the limit passes, and names what, the command and the limit', async () => {
    const started = Date.now();
    // the shell starts a grandchild that would outlive a kill of the shell alone
    const pidFile = `/tmp/trainforge-limit-test-${process.pid}`;
    const run = runLimited('hang test', 'sh', ['-c', `sleep 60 & echo $! > ${pidFile}; wait`], { limitMs: 1_000 });
    await expect(run).rejects.toThrow(SimLimitError);
    await expect(run).rejects.toThrow(/hang test: killed after its wall-clock limit of 1 s \(sh -c sleep 60/);
    expect(Date.now() - started).toBeLessThan(10_000);
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    rmSync(pidFile, { force: true });
    await new Promise((r) => setTimeout(r, 100));
    expect(running(grandchild)).toBe(false);
  });

  it('reports a program that cannot start, instead of hanging', async () => {
    await expect(runLimited('missing tool', 'trainforge-no-such-program', [], { limitMs: 5_000 })).rejects.toThrow(
      /missing tool: could not run/,
    );
  });
});

describe('wall-clock limits', () => {
  it('grow with the simulated work and the array, and never fall below the floor', () => {
    const small = runLimitMs('icarus', { cycles: 100, pes: 1 });
    expect(small).toBeGreaterThanOrEqual(30_000);
    expect(runLimitMs('icarus', { cycles: 1_000_000, pes: 64 })).toBeGreaterThan(runLimitMs('icarus', { cycles: 1_000_000, pes: 1 }));
    expect(runLimitMs('icarus', { cycles: 2_000_000, pes: 4 })).toBeGreaterThan(runLimitMs('icarus', { cycles: 1_000_000, pes: 4 }));
    // Verilator simulates far faster than Icarus: its limit for the same work is shorter
    expect(runLimitMs('verilator', { cycles: 1_000_000, pes: 64 })).toBeLessThan(runLimitMs('icarus', { cycles: 1_000_000, pes: 64 }));
    expect(buildLimitMs('verilator', 64)).toBeGreaterThan(buildLimitMs('verilator', 1));
  });
});
