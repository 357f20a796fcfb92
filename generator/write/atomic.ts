// Writes a generated tree so that readers see either the old output directory
// or the complete new one, never a half-written mix.
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../util/errors.ts';

/**
 * Writes `files` (relative path -> content) into a fresh temporary directory
 * beside `outDir`, then swaps it into place. On failure the temporary
 * directory is removed and an existing `outDir` is left as it was.
 */
export async function writeTreeAtomic(outDir: string, files: Map<string, string>): Promise<void> {
  // Check every path before touching the disk, so a bad one costs nothing.
  for (const relative of files.keys()) checkRelativePath(relative);

  const target = path.resolve(outDir);
  const parent = path.dirname(target);
  const base = path.basename(target);
  const existing = await lstat(target).catch(() => undefined);
  if (existing && !existing.isDirectory()) {
    throw new UserError(`${target} exists and is not a directory; remove it or choose another output directory`);
  }
  // A file where a parent folder should be: say which one, before creating anything.
  for (let dir = parent; ; dir = path.dirname(dir)) {
    const stats = await lstat(dir).catch(() => undefined);
    if (stats) {
      // a symbolic link to a folder is a folder here
      const isDir = stats.isDirectory() || (stats.isSymbolicLink() && (await stat(dir).catch(() => undefined))?.isDirectory());
      if (!isDir) {
        throw new UserError(`cannot create ${target}: ${dir} is a file, not a directory; remove it or choose another output directory`);
      }
      break;
    }
    if (path.dirname(dir) === dir) break;
  }

  // Same parent as outDir: rename() is only atomic within one file system.
  const temp = path.join(parent, `.${base}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  const aside = path.join(parent, `.${base}.old-${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    await mkdir(parent, { recursive: true });
    await mkdir(temp);
  } catch (error) {
    // a folder the user may not write to (permissions, a read-only or special file system)
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'ENOENT') {
      throw new UserError(`cannot create ${target}: ${(error as Error).message.replace(/^\w+: /, '')}; choose another output directory`);
    }
    throw error;
  }
  try {
    for (const [relative, content] of files) {
      const file = path.join(temp, relative);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, content, 'utf8');
    }

    if (!existing) {
      await rename(temp, target);
      return;
    }
    // A directory cannot be renamed over a non-empty one, so move the old one aside first.
    await rename(target, aside);
    try {
      await rename(temp, target);
    } catch (error) {
      await rename(aside, target); // put the old tree back before reporting
      throw error;
    }
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
  // The new tree is in place; only now is the old one garbage.
  await rm(aside, { recursive: true, force: true });
}

/** Rejects paths that are absolute, empty or climb out of the output directory. */
function checkRelativePath(relative: string): void {
  const normalised = path.normalize(relative);
  if (relative === '' || path.isAbsolute(relative) || normalised === '.' || normalised === '..' || normalised.startsWith(`..${path.sep}`)) {
    throw new Error(`refusing to write ${JSON.stringify(relative)}: not a relative path inside the output directory`);
  }
}

/** A file's absolute path, or a user error when a folder stands in its place (check it before long work). */
export async function checkFileTarget(file: string): Promise<string> {
  const target = path.resolve(file);
  const existing = await lstat(target).catch(() => undefined);
  if (existing?.isDirectory()) throw new UserError(`${target} is a directory; give a file name`);
  return target;
}

/**
 * Writes one file so that readers see the old file or the whole new one: the
 * text goes to a temporary file beside it, which is then renamed over it.
 */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  const target = await checkFileTarget(file);
  const parent = path.dirname(target);
  const temp = path.join(parent, `.${path.basename(target)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    await mkdir(parent, { recursive: true });
    await writeFile(temp, content, 'utf8');
  } catch (error) {
    await rm(temp, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'ENOENT' || code === 'ENOTDIR' || code === 'EEXIST') {
      throw new UserError(`cannot write ${target}: ${(error as Error).message.replace(/^\w+: /, '')}; choose another file`);
    }
    throw error;
  }
  try {
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
