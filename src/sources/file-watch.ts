/**
 * Watching data files for new content: a file, or every matching file of a directory. Changes are
 * noticed by `fs.watch` on the directory (which survives a file replaced by rename, as atomic writers
 * do) and by a periodic `stat` as a fallback (network and container file systems miss events).
 * A noticed file is looked at only after `debounceMs` without further notice, and read only once it
 * has settled: two looks `settleMs` apart must see the same size and modification time, and the read
 * must return that size; a file still being written is looked at again later. Its SHA-256 is then
 * compared with the last content seen, so a touch, or a rewrite with the same bytes, is reported as
 * `unchanged`.
 */
import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { systemClock, type Clock } from '../core/clock.js';

/** What a look at a noticed file found. */
export interface FileEvent {
  path: string;
  /** `changed`: new content (also a file's first look unless `seen` has its hash); `unchanged`: the same bytes as before; `missing`: gone. */
  status: 'changed' | 'unchanged' | 'missing';
  /** Hex SHA-256 of the content (absent when missing). */
  sha256?: string;
  /** The settled bytes (when changed). */
  bytes?: Buffer;
}

/** Settings of {@link watchFiles}. */
export interface FileWatchOptions {
  /** A file, or a directory whose files passing `accept` are watched. */
  path: string;
  /** Quiet time after the last notice before a look (default 2000). */
  debounceMs?: number;
  /** Time between the two looks that must agree before reading (default min(500, debounceMs)). */
  settleMs?: number;
  /** Period of the stat fallback (default max(1000, debounceMs)). */
  pollMs?: number;
  /** Which names of a directory are watched (default: `*.csv`). */
  accept?: (name: string) => boolean;
  /** Hashes already handled (e.g. those of registered versions): a first look finding one reports `unchanged`. */
  seen?: ReadonlySet<string>;
  /** Ends the watch. */
  signal: AbortSignal;
  clock?: Clock;
}

interface Seen {
  size: number;
  mtimeMs: number;
  sha256?: string;
}

/**
 * Yields an event per settled look at a noticed file, starting with a look at every file there now,
 * until `signal` aborts. The caller's work between events (a retraining) delays the next look, and
 * notices made meanwhile are kept.
 */
export async function* watchFiles(o: FileWatchOptions): AsyncGenerator<FileEvent> {
  const clock = o.clock ?? systemClock;
  const debounceMs = o.debounceMs ?? 2000;
  const settleMs = o.settleMs ?? Math.min(500, debounceMs);
  const pollMs = o.pollMs ?? Math.max(1000, debounceMs);
  const accept = o.accept ?? ((name: string) => name.toLowerCase().endsWith('.csv'));
  const isDir = (await stat(o.path)).isDirectory();
  const dir = isDir ? o.path : dirname(o.path);
  const wanted = (name: string): boolean => (isDir ? accept(name) : name === basename(o.path));
  const known = new Map<string, Seen>();
  const dirty = new Map<string, number>(); // path → when last noticed
  let wake = new AbortController();
  const notice = (path: string): void => {
    dirty.set(path, clock.now());
    wake.abort();
  };
  const targets = async (): Promise<string[]> => {
    if (!isDir) return [o.path];
    try {
      return (await readdir(dir)).filter(wanted).map((n) => join(dir, n));
    } catch {
      return [];
    }
  };
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dir, (_event, name) => {
      if (name && wanted(name.toString())) notice(join(dir, name.toString()));
    });
    watcher.on('error', () => watcher?.close()); // the poll carries on
  } catch {
    watcher = undefined; // polling alone
  }
  let polling = false;
  let looking: string | undefined; // the poll leaves it alone: the look records what it saw
  const poll = setInterval(() => {
    if (polling) return;
    polling = true;
    void (async () => {
      for (const p of await targets()) {
        const s = await stat(p).catch(() => undefined);
        const k = known.get(p);
        if (p === looking || dirty.has(p)) continue;
        if (!s ? k !== undefined : !k || k.size !== s.size || k.mtimeMs !== s.mtimeMs) notice(p);
      }
    })().finally(() => (polling = false));
  }, pollMs);
  poll.unref();

  /** One settled look: an event, or undefined while the file is still being written. */
  const look = async (path: string): Promise<FileEvent | undefined> => {
    const a = await stat(path).catch(() => undefined);
    if (!a) {
      if (!known.has(path)) return undefined;
      known.delete(path);
      return { path, status: 'missing' };
    }
    await clock.sleep(settleMs, o.signal);
    const b = await stat(path).catch(() => undefined);
    if (!b || a.size !== b.size || a.mtimeMs !== b.mtimeMs) return undefined;
    const bytes = await readFile(path).catch(() => undefined);
    if (!bytes || bytes.length !== b.size) return undefined;
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const before = known.get(path);
    known.set(path, { size: b.size, mtimeMs: b.mtimeMs, sha256 });
    const same = before ? before.sha256 === sha256 : o.seen?.has(sha256) === true;
    return same ? { path, status: 'unchanged', sha256 } : { path, status: 'changed', sha256, bytes };
  };

  try {
    for (const p of await targets()) notice(p);
    while (!o.signal.aborted) {
      const now = clock.now();
      let next = Infinity;
      const due: string[] = [];
      for (const [p, t] of dirty) {
        if (now - t >= debounceMs) due.push(p);
        else next = Math.min(next, t + debounceMs);
      }
      for (const p of due) {
        dirty.delete(p);
        looking = p;
        const ev = await look(p).finally(() => (looking = undefined));
        if (o.signal.aborted) return;
        if (ev) yield ev;
        else if (await stat(p).then(() => true, () => false)) notice(p); // still being written: later
      }
      if (due.length) continue;
      if (wake.signal.aborted) wake = new AbortController();
      const signal = AbortSignal.any([o.signal, wake.signal]);
      await clock.sleep(Number.isFinite(next) ? next - now : pollMs, signal);
    }
  } finally {
    clearInterval(poll);
    watcher?.close();
  }
}
