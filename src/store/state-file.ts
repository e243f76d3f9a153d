/**
 * State files (the alert outboxes, the alert lifecycle, the trained models): written atomically
 * (temp file, fsync, rename, fsync of the directory), so a crash leaves the old or the new file and
 * never half of one; read back at start, where a state file that cannot be parsed or validated is
 * moved aside as `<file>.corrupt-<time>` with a logged error instead of being overwritten or crashing
 * the service.
 *
 * One write path, in two flavours: {@link writeJsonAtomic} (async, for the service's event loop) and
 * {@link writeJsonAtomicSync} (for `kad train`) run the same steps ({@link atomicWriteSteps}). The
 * text is written in parts of about 1 MB (json-parts.ts), never built as one string, so a file may be
 * longer than a string can be (a large cluster's model).
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '../core/logger.js';
import { jsonParts } from './json-parts.js';
import { makeDirSync } from './make-dir.js';

/** Options of {@link writeJsonAtomic} and {@link writeJsonAtomicSync}. */
export interface AtomicWriteOptions {
  /** File mode of a new file. Default 0o600 (state is private to kad). */
  mode?: number;
  /** Move the file being replaced here first (a backup for rollback), when there is one. */
  previous?: string;
}

/** One file-system step of an atomic write; `exists` answers a boolean, the others nothing. */
type Step =
  | { op: 'mkdir'; dir: string }
  | { op: 'write'; path: string; data: Iterable<string>; mode: number }
  | { op: 'exists'; path: string }
  | { op: 'rename'; from: string; to: string }
  | { op: 'remove'; path: string }
  | { op: 'syncDir'; dir: string };

let tmpCounter = 0;

/**
 * The steps of writing `data` to `path` atomically, as a generator the sync and async runners drive:
 * create the directory; write and fsync a temporary file beside it; move the old file to `previous`
 * if asked; rename the temporary file over `path` (removing it when anything fails); fsync the
 * directory so the rename itself is durable.
 */
function* atomicWriteSteps(path: string, data: Iterable<string>, o: AtomicWriteOptions): Generator<Step, void, unknown> {
  const dir = dirname(path);
  yield { op: 'mkdir', dir };
  const tmp = `${path}.tmp-${process.pid}-${++tmpCounter}`;
  try {
    yield { op: 'write', path: tmp, data, mode: o.mode ?? 0o600 };
    if (o.previous !== undefined && (yield { op: 'exists', path })) yield { op: 'rename', from: path, to: o.previous };
    yield { op: 'rename', from: tmp, to: path };
  } catch (e) {
    yield { op: 'remove', path: tmp };
    throw e;
  }
  yield { op: 'syncDir', dir };
}

function runSync(step: Step): unknown {
  switch (step.op) {
    case 'mkdir':
      return void makeDirSync(step.dir);
    case 'write': {
      const fd = openSync(step.path, 'w', step.mode);
      try {
        for (const chunk of chunks(step.data)) for (let at = 0; at < chunk.length; ) at += writeSync(fd, chunk, at);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      return undefined;
    }
    case 'exists':
      return existsSync(step.path);
    case 'rename':
      return void renameSync(step.from, step.to);
    case 'remove':
      try {
        rmSync(step.path, { force: true });
      } catch {
        // cleaning up after a failure: the failure is what matters
      }
      return undefined;
    case 'syncDir':
      return void syncDir(step.dir);
  }
}

async function runAsync(step: Step): Promise<unknown> {
  switch (step.op) {
    case 'write': {
      const fh = await open(step.path, 'w', step.mode);
      try {
        for (const chunk of chunks(step.data)) await fh.writeFile(chunk);
        await fh.sync();
      } finally {
        await fh.close();
      }
      return undefined;
    }
    case 'remove':
      return void (await rm(step.path, { force: true }).catch(() => undefined));
    case 'rename':
      return void (await rename(step.from, step.to));
    default:
      return runSync(step); // mkdir, exists, syncDir: quick, and the same either way
  }
}

/** Text parts as UTF-8 chunks of about `size` bytes (a part longer than that is a chunk of its own). */
function* chunks(parts: Iterable<string>, size = 1 << 20): Generator<Buffer, void, void> {
  let held: string[] = [];
  let n = 0;
  for (const p of parts) {
    held.push(p);
    n += p.length;
    if (n >= size) {
      yield Buffer.from(held.join(''), 'utf8');
      held = [];
      n = 0;
    }
  }
  if (n > 0) yield Buffer.from(held.join(''), 'utf8');
}

/** fsync of a directory, best effort: some file systems refuse it, which is fine. */
function syncDir(dir: string): void {
  try {
    const d = openSync(dir, 'r');
    try {
      fsyncSync(d);
    } finally {
      closeSync(d);
    }
  } catch {
    // best effort
  }
}

/** Writes `value` as JSON to `path` atomically, creating the directory if needed. Throws on failure. */
export async function writeJsonAtomic(path: string, value: unknown, options: AtomicWriteOptions = {}): Promise<void> {
  // The text as `value` is now: the caller may change it while the file is written.
  const steps = atomicWriteSteps(path, [...jsonParts(value)], options);
  let next = steps.next();
  while (!next.done) {
    let answer: unknown;
    try {
      answer = await runAsync(next.value);
    } catch (e) {
      next = steps.throw(e);
      continue;
    }
    next = steps.next(answer);
  }
}

/** {@link writeJsonAtomic}, synchronously. */
export function writeJsonAtomicSync(path: string, value: unknown, options: AtomicWriteOptions = {}): void {
  const steps = atomicWriteSteps(path, jsonParts(value), options);
  let next = steps.next();
  while (!next.done) {
    let answer: unknown;
    try {
      answer = runSync(next.value);
    } catch (e) {
      next = steps.throw(e);
      continue;
    }
    next = steps.next(answer);
  }
}

/**
 * What {@link readJsonOrSetAside} found: `none` (no file), `loaded`, `set-aside` (unusable, moved
 * aside; start empty) or `stuck` (unusable and could not be moved: do not write over it).
 */
export type ReadOutcome = 'none' | 'loaded' | 'set-aside' | 'stuck';

/**
 * Reads the JSON file at `path` and hands it to `accept`, which throws when the content is not what
 * it expects. When the file cannot be read, parsed or accepted, it is renamed to
 * `<path>.corrupt-<time>` (`time` from `now`, epoch ms) and the error is logged: the caller starts
 * empty, and nothing it had stored is lost or silently overwritten. Never throws.
 */
export function readJsonOrSetAside(path: string, accept: (value: unknown) => void, log: Logger, now: number): ReadOutcome {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'none';
    return setAside(path, `cannot be read: ${(e as Error).message}`, log, now);
  }
  try {
    accept(JSON.parse(text));
    return 'loaded';
  } catch (e) {
    return setAside(path, `is not valid: ${(e as Error).message}`, log, now);
  }
}

function setAside(path: string, why: string, log: Logger, now: number): ReadOutcome {
  const base = `${path}.corrupt-${new Date(now).toISOString().replace(/[:.]/g, '-')}`;
  let aside = base;
  for (let i = 1; existsSync(aside); i++) aside = `${base}-${i}`;
  try {
    renameSync(path, aside);
    log.error({ file: path, movedTo: aside }, `state file ${path} ${why}; moved it to ${aside} and started empty`);
    return 'set-aside';
  } catch (e) {
    log.error(
      { file: path },
      `state file ${path} ${why}, and moving it aside failed (${(e as Error).message}); ` +
        'keeping this state in memory only until the file is fixed or removed',
    );
    return 'stuck';
  }
}
