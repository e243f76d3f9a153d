/**
 * An output file written all or nothing: the rows go to a temporary file beside the target, which is
 * renamed over the target only when the command has finished, and removed when it fails or is
 * stopped, so a reader never sees half a file.
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../core/errors.js';

/** See the module comment. */
export interface OutputFile {
  /** The temporary file's path (beside the target). */
  readonly tempPath: string;
  /** Appends `chunk` (all of it) to the temporary file. */
  write(chunk: Buffer): void;
  /** Closes the temporary file and renames it over the target. */
  commit(): void;
  /** Closes and removes the temporary file (the target is left as it was); safe to call after commit. */
  discard(): void;
}

/**
 * Opens a temporary file beside `path` (`.NAME.tmp-PID`), so an unwritable target is said before any
 * work. Throws {@link InputError} naming `path` when it cannot be created.
 */
export function openOutputFile(path: string): OutputFile {
  const tempPath = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
  let fd: number | undefined;
  try {
    fd = openSync(tempPath, 'w', 0o666);
  } catch (e) {
    throw new InputError(`${path}: cannot write: ${(e as Error).message.replace(tempPath, path)}`);
  }
  let done = false;
  const close = () => {
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
  };
  return {
    tempPath,
    write(chunk) {
      for (let off = 0; off < chunk.length;) off += writeSync(fd as number, chunk, off);
    },
    commit() {
      close();
      try {
        renameSync(tempPath, path);
      } catch (e) {
        rmSync(tempPath, { force: true });
        throw new InputError(`${path}: cannot write: ${(e as Error).message}`);
      }
      done = true;
    },
    discard() {
      close();
      if (!done) rmSync(tempPath, { force: true });
    },
  };
}

/** A CSV field: quoted (quotes doubled) when it holds a comma, a quote or a line break; null is empty. */
export function csvField(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
