/**
 * Small JSON state files (the alert outboxes, the alert lifecycle): written atomically (temp file,
 * fsync, rename, fsync of the directory), so a crash leaves the old or the new file and never half of
 * one; read back at start, where a file that cannot be parsed or validated is moved aside as
 * `<file>.corrupt-<time>` with a logged error instead of being overwritten or crashing the service.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { NotifyLogger } from '../notify/sink.js';

let tmpCounter = 0;

/** Writes `value` as JSON to `path` atomically, creating the directory if needed. Throws on failure. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${++tmpCounter}`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(JSON.stringify(value));
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
  // Make the rename itself durable. Some file systems refuse fsync on a directory: that is fine.
  try {
    const d = openSync(dir, 'r');
    try { fsyncSync(d); } finally { closeSync(d); }
  } catch {
    // best effort
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
export function readJsonOrSetAside(path: string, accept: (value: unknown) => void, log: NotifyLogger, now: number): ReadOutcome {
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

function setAside(path: string, why: string, log: NotifyLogger, now: number): ReadOutcome {
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
