/**
 * A persistent outbox per sink: every alert state change is written to `<dir>/outbox-<sink>.json`
 * before delivery is attempted and removed once the sink took it, so nothing is lost across a kad
 * restart or a sink outage. One entry per alert episode (label set + startsAt): a newer state of the
 * same episode (a re-send, the resolution) replaces the undelivered older one, so an outage never
 * turns into duplicate alerts or a backlog of stale re-sends. Entries keep the order they were made
 * in, which Alertmanager needs (an episode's resolution before the next episode's start).
 *
 * Bounded: beyond `maxEntries` the oldest resolved entries are dropped first (Alertmanager resolves
 * those by itself when their endsAt passes), then the oldest firing ones, and `dropped` counts them.
 */
import { join } from 'node:path';
import { fingerprint } from './alerts.js';
import { isAlertPayload, type AlertPayload } from './payload.js';
import type { NotifyLogger } from './sink.js';
import { readJsonOrSetAside, writeJsonAtomic } from '../store/state-file.js';

/** Default bound on the entries one outbox holds. */
export const DEFAULT_MAX_OUTBOX_ENTRIES = 10_000;

/** One undelivered alert state change. */
export interface OutboxEntry {
  /** `fingerprint@startsAt`: the alert episode. */
  id: string;
  /** Order of creation; a superseding state gets a new one. */
  seq: number;
  alert: AlertPayload;
  /** Epoch ms when it was queued. */
  queuedAt: number;
  /** Delivery attempts so far. */
  attempts: number;
}

/** The file's content. */
interface OutboxFile {
  kind: 'kad-outbox';
  formatVersion: 1;
  sink: string;
  dropped: number;
  entries: OutboxEntry[];
}

/** Settings of an {@link Outbox}. */
export interface OutboxOptions {
  /** Directory of the file; null: memory only. */
  dir: string | null;
  /** Sink name (file `outbox-<sink>.json`). */
  sink: string;
  log: NotifyLogger;
  /** Epoch ms now (for names of set-aside files). */
  now: number;
  /** Default {@link DEFAULT_MAX_OUTBOX_ENTRIES}. */
  maxEntries?: number;
}

/** The undelivered alert state changes of one sink, persisted as one JSON file. */
export class Outbox {
  /** The sink it holds alerts for. */
  readonly sink: string;
  /** Path of the file, or null when the outbox lives in memory only. */
  readonly file: string | null;
  private readonly entries = new Map<string, OutboxEntry>();
  private readonly maxEntries: number;
  private readonly log: NotifyLogger;
  private nextSeq = 1;
  private droppedCount = 0;
  private writable: boolean;
  private writing: Promise<void> = Promise.resolve();
  private lastPersistError: string | null = null;

  /** Opens the outbox, loading what a previous run left (a corrupt file is moved aside). */
  constructor(opts: OutboxOptions) {
    this.sink = opts.sink;
    this.log = opts.log;
    this.maxEntries = Math.max(1, opts.maxEntries ?? DEFAULT_MAX_OUTBOX_ENTRIES);
    this.file = opts.dir === null ? null : join(opts.dir, `outbox-${safeName(opts.sink)}.json`);
    this.writable = this.file !== null;
    if (this.file) {
      const outcome = readJsonOrSetAside(this.file, (v) => this.load(v), opts.log, opts.now);
      if (outcome === 'stuck') this.writable = false;
      if (outcome === 'loaded' && this.entries.size > 0) {
        this.log.info({ sink: opts.sink, pending: this.entries.size }, `outbox ${this.file}: ${this.entries.size} undelivered alert(s) from before`);
      }
    }
  }

  /** Number of undelivered entries. */
  get pending(): number {
    return this.entries.size;
  }

  /** Entries dropped so far: over the bound, or rejected by the sink. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** The last error writing the file, or null. */
  get persistError(): string | null {
    return this.lastPersistError;
  }

  /** Queues state changes at time `t`; a change replaces the undelivered older state of its episode. */
  enqueue(alerts: readonly AlertPayload[], t: number): void {
    for (const alert of alerts) {
      const id = entryId(alert);
      this.entries.delete(id);
      this.entries.set(id, { id, seq: this.nextSeq++, alert, queuedAt: t, attempts: 0 });
    }
    this.enforceBound();
  }

  /** Up to `n` entries, oldest first. */
  peek(n = Infinity): OutboxEntry[] {
    const out: OutboxEntry[] = [];
    for (const e of this.entries.values()) {
      if (out.length >= n) break;
      out.push(e);
    }
    return out;
  }

  /** Counts a delivery attempt of `batch`. */
  attempted(batch: readonly OutboxEntry[]): void {
    for (const e of batch) e.attempts++;
  }

  /**
   * Removes delivered (or rejected, with `dropped`) entries; an entry superseded since it was peeked
   * stays, since its newer state is not delivered yet.
   */
  remove(batch: readonly OutboxEntry[], dropped = false): void {
    for (const e of batch) {
      if (this.entries.get(e.id)?.seq !== e.seq) continue;
      this.entries.delete(e.id);
      if (dropped) this.droppedCount++;
    }
  }

  /**
   * Writes the file atomically (after any write already under way). Never throws: a failure is
   * logged once per distinct error and kept in {@link persistError}; the entries stay in memory.
   */
  persist(): Promise<void> {
    if (!this.file || !this.writable) return Promise.resolve();
    const file = this.file;
    this.writing = this.writing.then(async () => {
      const content: OutboxFile = {
        kind: 'kad-outbox', formatVersion: 1, sink: this.sink, dropped: this.droppedCount, entries: [...this.entries.values()],
      };
      try {
        await writeJsonAtomic(file, content);
        if (this.lastPersistError) this.log.info({ file }, `outbox ${file} is written again`);
        this.lastPersistError = null;
      } catch (e) {
        const msg = `cannot write outbox ${file}: ${(e as Error).message}`;
        if (msg !== this.lastPersistError) this.log.error({ file }, `${msg}; undelivered alerts are kept in memory only`);
        this.lastPersistError = msg;
      }
    });
    return this.writing;
  }

  private load(v: unknown): void {
    const f = v as Partial<OutboxFile> | null;
    if (!f || f.kind !== 'kad-outbox') throw new TypeError('not a kad outbox');
    if (f.formatVersion !== 1) throw new TypeError(`formatVersion ${String(f.formatVersion)} is not 1`);
    if (!Array.isArray(f.entries)) throw new TypeError('entries is not an array');
    const loaded: OutboxEntry[] = [];
    for (const [i, e] of f.entries.entries()) {
      if (!isEntry(e)) throw new TypeError(`entry ${i} is malformed`);
      loaded.push({ ...e, id: entryId(e.alert) });
    }
    loaded.sort((a, b) => a.seq - b.seq);
    for (const e of loaded) {
      this.entries.delete(e.id);
      this.entries.set(e.id, e);
      this.nextSeq = Math.max(this.nextSeq, e.seq + 1);
    }
    this.droppedCount = Number.isFinite(f.dropped) ? Number(f.dropped) : 0;
    this.enforceBound();
  }

  private enforceBound(): void {
    let excess = this.entries.size - this.maxEntries;
    if (excess <= 0) return;
    const total = excess;
    for (const pass of ['resolved', 'firing'] as const) {
      for (const e of this.entries.values()) {
        if (excess <= 0) break;
        if (e.alert.status !== pass) continue;
        this.entries.delete(e.id);
        excess--;
      }
    }
    this.droppedCount += total;
    this.log.warn(
      { sink: this.sink, dropped: total, max: this.maxEntries },
      `outbox of ${this.sink} is full (${this.maxEntries} entries): dropped the ${total} oldest (resolved first)`,
    );
  }
}

/** The id of an alert episode: Alertmanager's fingerprint of its labels, `@`, its startsAt. */
export function entryId(a: Pick<AlertPayload, 'labels' | 'startsAt'>): string {
  return `${fingerprint(a.labels)}@${a.startsAt}`;
}

function isEntry(e: unknown): e is OutboxEntry {
  const x = e as OutboxEntry;
  return !!x && typeof x === 'object' && Number.isFinite(x.seq) && Number.isFinite(x.queuedAt) && Number.isFinite(x.attempts) && isAlertPayload(x.alert);
}

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]/g, '_');
}
