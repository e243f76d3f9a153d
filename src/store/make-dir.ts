/**
 * `mkdir -p`: creates a directory and its missing parents. Node 20's own (`mkdirSync(dir, {
 * recursive: true })`) never returns where the kernel answers ENOENT for a directory whose parent
 * exists, as under /proc (`--model-dir /proc/x` hung for ever); this one goes up and down once and
 * fails with the system's error.
 */
import { mkdirSync, rmdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Creates `dir` and its missing parents; nothing when it exists as a directory. Returns the directories
 * it created, outermost first (for {@link removeMadeDirs}). Throws the system's error (ENOTDIR, EACCES, ENOENT, …).
 */
export function makeDirSync(dir: string): string[] {
  if (dir === '') throw Object.assign(new Error("ENOENT: no such file or directory, mkdir ''"), { code: 'ENOENT' });
  const missing: string[] = [];
  // The path as given, not resolved: `a/../b` goes through `a`, as the kernel (and mkdir -p) does.
  for (let d = dir; ; d = dirname(d)) {
    try {
      if (statSync(d).isDirectory()) break;
      mkdirSync(d); // not a directory: says ENOTDIR or EEXIST with the path
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(d) === d) throw e;
      missing.push(d);
    }
  }
  const made: string[] = [];
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d);
      made.push(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(d).isDirectory()) throw e; // made meanwhile by another process: fine
    }
  }
  return made;
}

/**
 * Removes the directories {@link makeDirSync} made, innermost first, as long as each is empty: a
 * command that fails leaves no empty directory behind, and never removes anything that was put there.
 */
export function removeMadeDirs(made: readonly string[]): void {
  for (const d of [...made].reverse()) {
    try {
      rmdirSync(d);
    } catch {
      return; // not empty (or gone): it and the ones around it stay
    }
  }
}
