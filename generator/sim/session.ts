/**
 * A simulation that stays up for a whole training run: commands go to the
 * testbench through one named pipe, answers come back through another, one
 * command at a time, so the weights stay on chip between steps. (Node's own
 * child pipes are sockets, which the simulators' fopen cannot open by path.)
 */
import { execa } from 'execa';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { CoreModel } from '../elaborate/model.ts';
import type { CompiledSim } from './simulators.ts';
import { encodeCommands, parseResults, type CommandResult, type HostCommand } from './protocol.ts';

export class SimSession {
  private buffer = '';
  private waiting: ((text: string) => void) | undefined;
  private failure: Error | undefined;
  private stderr = '';

  private constructor(
    private readonly model: CoreModel,
    private readonly child: Promise<unknown> & { stdout: Readable | null; stderr: Readable | null },
    private readonly input: Writable,
    output: Readable,
    private readonly dir: string,
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
    child.then(
      () => this.fail(new Error('the simulator ended before the run was over')),
      (err: Error) => this.fail(new Error(`simulator stopped: ${err.message.split('\n')[0]}\n${this.stderr}`)),
    );
  }

  static async start(model: CoreModel, compiled: CompiledSim, maxCycles = 100_000_000): Promise<SimSession> {
    const dir = mkdtempSync(join(tmpdir(), 'trainforge-session-'));
    const toSim = join(dir, 'commands');
    const fromSim = join(dir, 'answers');
    await execa('mkfifo', [toSim, fromSim]);
    const { file, args } = compiled.invocation([`+in=${toSim}`, `+out=${fromSim}`, `+max_cycles=${maxCycles}`]);
    const child = execa(file, args, { stdin: 'ignore', buffer: false, reject: true });
    // opening a fifo waits for the other end: both opens run off the main thread
    const input = createWriteStream(toSim);
    const output = createReadStream(fromSim);
    return new SimSession(model, child as unknown as Promise<unknown> & { stdout: Readable | null; stderr: Readable | null }, input, output, dir);
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

  async run(command: HostCommand): Promise<CommandResult> {
    if (this.failure) throw this.failure;
    const answer = new Promise<string>((resolve) => {
      this.waiting = resolve;
    });
    this.input.write(encodeCommands([command], this.model.opBits));
    this.deliver();
    const text = await answer;
    if (this.failure) throw this.failure;
    const [result] = parseResults(text, this.model.accBits);
    return result;
  }

  async close(): Promise<void> {
    this.input.end();
    try {
      await this.child;
    } catch {
      // an error after the last command is reported by run()
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}
