/**
 * Runs the real CLI as a user does: `node bin/trainforge.mjs ...` in a child
 * process from the repository root.
 */
import { execa } from 'execa';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs trainforge with `args`; `timeoutMs` bounds the whole child process. */
export async function trainforge(args: string[], opts: { env?: Record<string, string>; timeoutMs: number }): Promise<CliRun> {
  const r = await execa(process.execPath, ['bin/trainforge.mjs', ...args], {
    cwd: repoRoot,
    reject: false,
    env: { TRAINFORGE_DEBUG: '', ...opts.env },
    timeout: opts.timeoutMs,
  });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** Output lines, without the empty tail. */
export const linesOf = (text: string) => text.split('\n').filter((l) => l.length > 0);
