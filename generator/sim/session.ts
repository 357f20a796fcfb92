/**
 * A simulation that stays up for a whole training run: commands go to the
 * testbench through one named pipe, answers come back through another, one
 * exchange at a time, so the weights stay on chip between steps. (Node's own
 * child pipes are sockets, which the simulators' fopen cannot open by path.)
 *
 * PipeSimulation is the process and its pipes, for any testbench that reads a
 * script line by line and flushes its answers (tb_core, tb_system); SimSession
 * speaks tb_core's command protocol over it.
 *
 * The simulation holds one of the machine's simulator slots while it lives.
 * Each exchange carries a wall-clock limit (from the cycle budget of what it
 * asks); a simulator that passes the limit is killed with its process group
 * and the run fails naming the exchange and the limit.
 */
import { execa } from 'execa';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { CoreModel } from '../elaborate/model.ts';
import type { CompiledSim } from './simulators.ts';
import { acquireSlot, commandCycleBudget, commandLine, runLimitMs, trackGroup } from './limits.ts';
import { encodeCommands, parseResults, type CommandResult, type HostCommand } from './protocol.ts';

/** Where the pipes and any file the testbench needs live, when the plusargs are made. */
export interface PipeFiles {
  dir: string;
  /** the testbench reads its script from here */
  toSim: string;
  /** ... and writes its answers here */
  fromSim: string;
}

export class PipeSimulation {
  private buffer = '';
  private waiting: { complete: (buffer: string) => number; resolve: (text: string) => void } | undefined;
  private failure: Error | undefined;
  private stderr = '';
  private ended = false;

  private constructor(
    readonly compiled: CompiledSim,
    private readonly child: Promise<unknown> & { stdout: Readable | null; stderr: Readable | null; pid?: number },
    private readonly input: Writable,
    output: Readable,
    private readonly dir: string,
    private readonly release: () => void,
  ) {
    output.setEncoding('utf8');
    output.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.deliver();
    });
    // the testbench says why it stops on its standard output; simulators use both
    for (const stream of [child.stdout, child.stderr]) {
      stream?.on('data', (chunk: Buffer) => {
        this.stderr = (this.stderr + chunk.toString()).slice(-4000);
      });
    }
    const untrack = trackGroup(child.pid);
    const settle = () => {
      this.ended = true;
      untrack();
      this.release();
    };
    child.then(
      () => {
        settle();
        this.fail(new Error(`${compiled.label}: the simulator ended before the run was over\n${this.stderr}`.trim()));
      },
      (err: Error) => {
        settle();
        this.fail(new Error(`${compiled.label}: simulator stopped: ${err.message.split('\n')[0]}\n${this.stderr}`.trim()));
      },
    );
  }

  /**
   * Starts the simulator with the plusargs `plusargs` makes from the pipes'
   * paths (it may write the testbench's other files into `dir` first).
   */
  static async start(compiled: CompiledSim, plusargs: (files: PipeFiles) => string[]): Promise<PipeSimulation> {
    const dir = mkdtempSync(join(tmpdir(), 'trainforge-session-'));
    const files = { dir, toSim: join(dir, 'commands'), fromSim: join(dir, 'answers') };
    let release: (() => void) | undefined;
    try {
      await execa('mkfifo', [files.toSim, files.fromSim]);
      const args = plusargs(files);
      release = await acquireSlot();
      const { file, args: argv } = compiled.invocation(args);
      // its own process group, so that a kill takes everything it started
      const child = execa(file, argv, { stdin: 'ignore', buffer: false, reject: true, detached: true });
      // opening a fifo waits for the other end: both opens run off the main thread
      const input = createWriteStream(files.toSim);
      const output = createReadStream(files.fromSim);
      return new PipeSimulation(compiled, child, input, output, dir, release);
    } catch (err) {
      release?.();
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  private kill(): void {
    if (this.ended || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  private fail(err: Error): void {
    this.failure ??= err;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.resolve('');
  }

  /** Hands the answer (the buffer's first `complete(buffer)` characters, once that is > 0) to the waiting exchange. */
  private deliver(): void {
    if (!this.waiting) return;
    const end = this.waiting.complete(this.buffer);
    if (end <= 0) return;
    const text = this.buffer.slice(0, end);
    this.buffer = this.buffer.slice(end);
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting.resolve(text);
  }

  /**
   * Sends `text` and waits for its answer: `complete` gives the length of the
   * answer at the head of what came back, or 0 while it is incomplete. `what`
   * names the exchange when it passes `limitMs` and the simulator is killed.
   */
  async exchange(text: string, complete: (buffer: string) => number, limitMs: number, what: string): Promise<string> {
    if (this.failure) throw this.failure;
    const answer = new Promise<string>((resolve) => {
      this.waiting = { complete, resolve };
    });
    const timer = setTimeout(() => {
      const { file, args } = this.compiled.invocation([]);
      this.fail(
        new Error(
          `${this.compiled.label}: ${what} passed its wall-clock limit of ${(limitMs / 1000).toFixed(0)} s and the simulator was killed (${commandLine(file, args)})`,
        ),
      );
      this.kill();
    }, limitMs);
    this.input.write(text);
    this.deliver();
    const got = await answer.finally(() => clearTimeout(timer));
    if (this.failure) throw this.failure;
    return got;
  }

  async close(): Promise<void> {
    this.input.end();
    // the testbench ends at the end of its input; one that does not is killed
    const timer = setTimeout(() => this.kill(), 30_000);
    try {
      await this.child;
    } catch {
      // an error after the last exchange is reported by exchange()
    } finally {
      clearTimeout(timer);
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

/** The length of the text up to and including the next "cycles" line (tb_core's end of a command), or 0. */
function throughCyclesLine(buffer: string): number {
  const match = /^cycles [^\n]*\n/m.exec(buffer);
  return match ? match.index + match[0].length : 0;
}

/** tb_core over a PipeSimulation: one core command per exchange. */
export class SimSession {
  private constructor(
    private readonly model: CoreModel,
    private readonly pipe: PipeSimulation,
  ) {}

  static async start(model: CoreModel, compiled: CompiledSim): Promise<SimSession> {
    const pipe = await PipeSimulation.start(compiled, ({ toSim, fromSim }) => [`+in=${toSim}`, `+out=${fromSim}`]);
    return new SimSession(model, pipe);
  }

  /** Runs one command; `predictedCycles` (the cycle model's) sets its cycle budget and wall-clock limit. */
  async run(command: HostCommand, predictedCycles: number): Promise<CommandResult> {
    const cycleBudget = commandCycleBudget(predictedCycles);
    const compiled = this.pipe.compiled;
    const limitMs = runLimitMs(compiled.simulator, { cycles: cycleBudget, pes: compiled.pes });
    const text = await this.pipe.exchange(
      encodeCommands([{ ...command, cycleBudget }], this.model.opBits),
      throughCyclesLine,
      limitMs,
      `command ${command.op}`,
    );
    const [result] = parseResults(text, this.model.accBits);
    return result;
  }

  async close(): Promise<void> {
    await this.pipe.close();
  }
}
