/**
 * A simulation that stays up for a whole training run: commands go to the
 * testbench through one named pipe, answers come back through another, one
 * command at a time, so the weights stay on chip between steps. (Node's own
 * child pipes are sockets, which the simulators' fopen cannot open by path.)
 *
 * The session holds one of the machine's simulator slots while it lives. Each
 * command carries its cycle budget (the testbench's watchdog) and gets a
 * wall-clock limit from it; a simulator that passes the limit is killed with
 * its process group and the run fails naming the command and the limit.
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

export class SimSession {
  private buffer = '';
  private waiting: ((text: string) => void) | undefined;
  private failure: Error | undefined;
  private stderr = '';
  private ended = false;

  private constructor(
    private readonly model: CoreModel,
    private readonly compiled: CompiledSim,
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

  static async start(model: CoreModel, compiled: CompiledSim): Promise<SimSession> {
    const dir = mkdtempSync(join(tmpdir(), 'trainforge-session-'));
    const toSim = join(dir, 'commands');
    const fromSim = join(dir, 'answers');
    await execa('mkfifo', [toSim, fromSim]);
    const release = await acquireSlot();
    const { file, args } = compiled.invocation([`+in=${toSim}`, `+out=${fromSim}`]);
    // its own process group, so that a kill takes everything it started
    const child = execa(file, args, { stdin: 'ignore', buffer: false, reject: true, detached: true });
    // opening a fifo waits for the other end: both opens run off the main thread
    const input = createWriteStream(toSim);
    const output = createReadStream(fromSim);
    return new SimSession(model, compiled, child, input, output, dir, release);
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
    waiting?.('');
  }

  /** Hands the text up to and including the next "cycles" line to the waiting command. */
  private deliver(): void {
    if (!this.waiting) return;
    const match = /^cycles [^\n]*\n/m.exec(this.buffer);
    if (!match) return;
    const end = match.index + match[0].length;
    const text = this.buffer.slice(0, end);
    this.buffer = this.buffer.slice(end);
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting(text);
  }

  /** Runs one command; `predictedCycles` (the cycle model's) sets its cycle budget and wall-clock limit. */
  async run(command: HostCommand, predictedCycles: number): Promise<CommandResult> {
    if (this.failure) throw this.failure;
    const answer = new Promise<string>((resolve) => {
      this.waiting = resolve;
    });
    const cycleBudget = commandCycleBudget(predictedCycles);
    const limitMs = runLimitMs(this.compiled.simulator, { cycles: cycleBudget, pes: this.compiled.pes });
    const timer = setTimeout(() => {
      const { file, args } = this.compiled.invocation([]);
      this.fail(
        new Error(
          `${this.compiled.label}: command ${command.op} passed its wall-clock limit of ${(limitMs / 1000).toFixed(0)} s and the simulator was killed (${commandLine(file, args)})`,
        ),
      );
      this.kill();
    }, limitMs);
    this.input.write(encodeCommands([{ ...command, cycleBudget }], this.model.opBits));
    this.deliver();
    const text = await answer.finally(() => clearTimeout(timer));
    if (this.failure) throw this.failure;
    const [result] = parseResults(text, this.model.accBits);
    return result;
  }

  async close(): Promise<void> {
    this.input.end();
    // the testbench ends at the end of its input; one that does not is killed
    const timer = setTimeout(() => this.kill(), 30_000);
    try {
      await this.child;
    } catch {
      // an error after the last command is reported by run()
    } finally {
      clearTimeout(timer);
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}
