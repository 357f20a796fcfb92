/**
 * Bounds on every simulator process: how many run at once (never more than the
 * machine's cores, across every process of a test run), how long each may take
 * in wall-clock time (derived from the work it does), and how many cycles one
 * command may take in the testbench (derived from the cycle model).
 *
 * A process that passes its limit is killed with its whole process group (a
 * Verilator build is make and several compilers) and the error names the
 * design, the simulator, the command line and the limit.
 */
import { execa } from 'execa';
import { accessSync, constants, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Simulator processes allowed at once: TRAINFORGE_JOBS, or the machine's cores. */
export function simulatorJobs(): number {
  const fromEnv = Number(process.env.TRAINFORGE_JOBS);
  return Number.isSafeInteger(fromEnv) && fromEnv > 0 ? fromEnv : availableParallelism();
}

/** Where the slot lock files live: one folder per user, shared by every process (TRAINFORGE_SLOT_DIR overrides). */
function slotDir(): string {
  return process.env.TRAINFORGE_SLOT_DIR ?? join(tmpdir(), `trainforge-slots-${process.getuid?.() ?? 'user'}`);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A slot left by a process that died without releasing it. */
function isStale(file: string): boolean {
  try {
    const pid = Number(readFileSync(file, 'utf8'));
    return Number.isSafeInteger(pid) && pid > 0 && !processAlive(pid);
  } catch {
    return false; // being written or just released: not ours to judge
  }
}

/**
 * Takes one of simulatorJobs() slots, shared by every process on the machine
 * through lock files (vitest runs test files in several worker processes), and
 * returns the function that gives it back.
 */
export async function acquireSlot(): Promise<() => void> {
  const dir = slotDir();
  mkdirSync(dir, { recursive: true });
  const slots = simulatorJobs();
  for (;;) {
    for (let i = 0; i < slots; i++) {
      const file = join(dir, `slot-${i}`);
      try {
        writeFileSync(file, String(process.pid), { flag: 'wx' });
        let held = true;
        return () => {
          if (held) rmSync(file, { force: true });
          held = false;
        };
      } catch {
        if (isStale(file)) rmSync(file, { force: true });
      }
    }
    await sleep(50 + Math.random() * 50);
  }
}

/**
 * Holds the lock of one build (a file beside its cache folder) for `use`: a
 * second process that wants the same build waits for the first instead of
 * compiling it again, then finds it in the cache. A lock left by a process
 * that died is taken over.
 */
export async function withBuildLock<T>(lockFile: string, use: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      break;
    } catch {
      if (isStale(lockFile)) rmSync(lockFile, { force: true });
      else await sleep(100 + Math.random() * 100);
    }
  }
  try {
    return await use();
  } finally {
    rmSync(lockFile, { force: true });
  }
}

/** Runs `use` while holding a slot. */
async function withSlot<T>(use: () => Promise<T>): Promise<T> {
  const release = await acquireSlot();
  try {
    return await use();
  } finally {
    release();
  }
}

/** Process groups still running, killed if this process exits first. */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Tracks a child that leads its own process group, so that no orphan outlives us. */
export function trackGroup(pid: number | undefined): () => void {
  if (pid === undefined) return () => {};
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => liveGroups.forEach(killGroup));
  }
  liveGroups.add(pid);
  return () => liveGroups.delete(pid);
}

export interface LimitedRun {
  /** the exit status; -1 when a signal ended the program */
  exitCode: number;
  /** the signal that ended it (Verilator's $fatal aborts: SIGABRT) */
  signal?: string;
  stdout: string;
  stderr: string;
}

/** "exit 1" or "SIGABRT", for messages. */
export function howItEnded(run: LimitedRun): string {
  return run.signal ? run.signal : `exit ${run.exitCode}`;
}

export class SimLimitError extends Error {}

/** A short form of a command line for messages. */
export function commandLine(file: string, args: string[]): string {
  const text = [file, ...args].join(' ');
  return text.length > 300 ? `${text.slice(0, 300)} ...` : text;
}

/**
 * Runs a program in its own process group, in a slot, and kills the group when
 * `limitMs` passes. Resolves with the exit code and output (a non-zero exit is
 * the caller's to report); rejects with a SimLimitError naming `what`, the
 * command and the limit when the limit passed.
 */
/** True when `command` is an executable file on PATH. */
export function onPath(command: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      // not in this folder
    }
  }
  return false;
}

export async function runLimited(what: string, file: string, args: string[], opts: { cwd?: string; limitMs: number }): Promise<LimitedRun> {
  // a program that is not there fails at once, without waiting for a slot
  if (!file.includes('/') && !onPath(file)) throw new Error(`${what}: could not run ${file}: not found on PATH`);
  return withSlot(async () => {
    const child = execa(file, args, { cwd: opts.cwd, reject: false, detached: true, stdin: 'ignore', all: false });
    const untrack = trackGroup(child.pid);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) killGroup(child.pid);
    }, opts.limitMs);
    try {
      const result = await child;
      if (timedOut) {
        throw new SimLimitError(
          `${what}: killed after its wall-clock limit of ${(opts.limitMs / 1000).toFixed(0)} s (${commandLine(file, args)})`,
        );
      }
      if (result.failed && result.exitCode === undefined && !result.signal) {
        throw new Error(`${what}: could not run ${file}: ${result.shortMessage ?? result.message}`);
      }
      return {
        exitCode: result.exitCode ?? -1,
        signal: result.signal,
        stdout: String(result.stdout ?? ''),
        stderr: String(result.stderr ?? ''),
      };
    } finally {
      clearTimeout(timer);
      untrack();
    }
  });
}

/** What a simulation costs, for its limits: simulated cycles of a design of this many PEs. */
export interface SimWork {
  cycles: number;
  pes: number;
}

/**
 * Simulated PE-cycles per second, set well below what a loaded 2-core machine
 * measures (Icarus: about 80k on an 8 x 8 core; Verilator: two orders more),
 * so that only a hung or runaway simulation reaches the limit.
 */
const PE_CYCLES_PER_SECOND = { icarus: 20_000, verilator: 1_000_000 } as const;
/** Every process gets at least this long: start-up, file I/O, a busy machine. */
const FLOOR_MS = 30_000;

/** The wall-clock limit of one simulator run that simulates `work`. */
export function runLimitMs(simulator: 'icarus' | 'verilator', work: SimWork): number {
  const seconds = (work.cycles * (work.pes + 16)) / PE_CYCLES_PER_SECOND[simulator];
  return Math.ceil(FLOOR_MS + 1000 * seconds);
}

/** The wall-clock limit of building a design of `pes` PEs (C++ compile time grows with the array). */
export function buildLimitMs(simulator: 'icarus' | 'verilator', pes: number): number {
  return simulator === 'icarus' ? FLOOR_MS + 500 * pes : 4 * FLOOR_MS + 4_000 * pes;
}

/**
 * The testbench's cycle watchdog for one command: twice the cycles the cycle
 * model predicts, plus a margin for the handshakes. A command that runs past
 * it is a hang or a cycle-model error, and the testbench stops with its name.
 */
export function commandCycleBudget(predictedCycles: number): number {
  return 2 * predictedCycles + 1000;
}
