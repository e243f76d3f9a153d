/**
 * The history a forecast is fitted on, kept small: a week or two of a series at one-minute steps is
 * 10,080–20,160 points, too many to keep and fit for a thousand workloads. {@link SeriesHistory} keeps
 * two ring buffers per series instead:
 * - the *tail*: the newest values at the series' own step (default 26 hours: one day for the
 *   seasonal-naive baseline plus the forecast horizon), where the short-term level is fitted;
 * - the *buckets*: means over `fitStepMs` (default 5 minutes) for `keepMs` (default 15 days), where
 *   the daily and weekly seasonal shapes are estimated.
 * (The defaults are the config schema's `store.history*` settings.)
 * At one-minute steps that is 1,560 + 4,320 numbers (about 30 KiB) per series.
 *
 * Times are snapped to the step grid (`round(t / stepMs)`); a point at or before the newest grid slot
 * is ignored; slots skipped are missing (NaN). A bucket is the mean of the finite values whose slot
 * falls in `[b · fitStepMs, (b + 1) · fitStepMs)` (NaN when none); only complete buckets are shown.
 */
import Value from 'typebox/value';
import { ConfigSchema, type Config } from '../config/schema.js';
import { InputError, ModelFormatError } from '../core/errors.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The defaults of the `store` config section, read from the config schema (the one place defaults live). */
export const STORE_DEFAULTS: Readonly<Config['store']> = Object.freeze(Value.Default(ConfigSchema.properties.store, {}) as Config['store']);

/** Options of {@link SeriesHistory}. */
export interface HistoryOptions {
  /** The series' own step, ms (e.g. 60,000). */
  stepMs: number;
  /** Bucket width for the long history, ms; a whole multiple of `stepMs`. Default max(stepMs, `store.historyBucketMinutes` = 5 min). */
  fitStepMs?: number;
  /** How much bucketed history to keep, ms. Default `store.historyKeepDays` (15 days). */
  keepMs?: number;
  /** How much history to keep at the series' own step, ms. Default `store.historyTailHours` (26 hours). */
  tailMs?: number;
}

/** What a forecast is fitted on: a copy of a {@link SeriesHistory}, oldest first. */
export interface HistoryView {
  stepMs: number;
  /** The newest values at `stepMs`; the last one is at `endMs`. NaN = missing. */
  tail: Float64Array;
  /** Time of the newest value (the forecast origin), epoch ms. */
  endMs: number;
  fitStepMs: number;
  /** Complete bucket means, oldest first. NaN = no value in the bucket. */
  buckets: Float64Array;
  /** End of the newest complete bucket (= start of the bucket in progress), epoch ms. */
  bucketsEndMs: number;
}

/** A {@link SeriesHistory} as JSON. */
export interface SeriesHistorySnapshot {
  kind: 'kad-series-history';
  formatVersion: 1;
  options: Required<HistoryOptions>;
  /** Oldest and newest slot index (`round(t / stepMs)`), or null when empty. */
  first: number | null;
  last: number | null;
  tail: (number | null)[];
  buckets: (number | null)[];
  /** Sum and count of the bucket in progress. */
  open: [number, number];
}

/** Where series histories are read by key (the series store, src/store/series-store.ts, is one). */
export interface HistorySource {
  /** The history of series `key`, or undefined when there is none. */
  history(key: string): SeriesHistory | undefined;
}

/** Resolves the defaults of {@link HistoryOptions} and checks them (throws {@link InputError}). */
export function resolveHistoryOptions(o: HistoryOptions): Required<HistoryOptions> {
  const stepMs = o.stepMs;
  if (!(Number.isInteger(stepMs) && stepMs > 0)) throw new InputError(`history: stepMs must be a positive integer of ms, got ${stepMs}`);
  const fitStepMs = o.fitStepMs ?? Math.max(stepMs, STORE_DEFAULTS.historyBucketMinutes * 60_000);
  if (!(fitStepMs >= stepMs && fitStepMs % stepMs === 0)) throw new InputError(`history: fitStepMs (${fitStepMs}) must be a whole multiple of stepMs (${stepMs})`);
  const keepMs = o.keepMs ?? STORE_DEFAULTS.historyKeepDays * DAY;
  const tailMs = o.tailMs ?? STORE_DEFAULTS.historyTailHours * HOUR;
  if (!(keepMs >= fitStepMs && tailMs >= stepMs)) throw new InputError(`history: keepMs must be at least fitStepMs and tailMs at least stepMs, got ${keepMs} and ${tailMs}`);
  return { stepMs, fitStepMs, keepMs, tailMs };
}

/** The history of one series for forecasting (see the module comment). */
export class SeriesHistory {
  readonly options: Required<HistoryOptions>;
  private readonly tail: Float64Array;
  private readonly buckets: Float32Array;
  private readonly perBucket: number;
  private first = 0;
  private last: number | null = null;
  private openSum = 0;
  private openCount = 0;

  constructor(options: HistoryOptions) {
    this.options = resolveHistoryOptions(options);
    const { stepMs, fitStepMs, keepMs, tailMs } = this.options;
    this.tail = new Float64Array(Math.ceil(tailMs / stepMs)).fill(NaN);
    this.buckets = new Float32Array(Math.ceil(keepMs / fitStepMs)).fill(NaN);
    this.perBucket = fitStepMs / stepMs;
  }

  /** Time of the newest value, epoch ms (NaN when empty). */
  get endMs(): number {
    return this.last === null ? NaN : this.last * this.options.stepMs;
  }

  /** How much history there is, ms (0 when empty): from the oldest kept bucket or tail slot to the newest value. */
  spanMs(): number {
    if (this.last === null) return 0;
    const kept = Math.max(this.tail.length * this.options.stepMs, this.buckets.length * this.options.fitStepMs);
    return Math.min(kept, (this.last - this.first) * this.options.stepMs);
  }

  /** Adds the value at `t` (epoch ms); NaN or ±Infinity is a missing value. Older or repeated times are ignored. */
  push(t: number, value: number): void {
    const slot = Math.round(t / this.options.stepMs);
    if (!Number.isFinite(slot)) throw new InputError(`history: time must be epoch ms, got ${t}`);
    if (this.last === null) {
      this.first = slot;
      this.last = slot - 1;
      this.openSum = 0;
      this.openCount = 0;
    }
    if (slot <= this.last) return;
    // Slots skipped are missing; a gap longer than the tail and the buckets just empties them.
    const skip = Math.min(slot - this.last - 1, this.tail.length + this.buckets.length * this.perBucket);
    for (let s = slot - skip; s < slot; s++) this.put(s, NaN);
    this.put(slot, value);
  }

  private put(slot: number, value: number): void {
    const b = Math.floor(slot / this.perBucket);
    const prevBucket = this.last === null ? b : Math.floor(this.last / this.perBucket);
    if (b !== prevBucket) {
      // Close every bucket from prevBucket up to b − 1 (only prevBucket can hold values).
      for (let k = prevBucket; k < b && k < prevBucket + this.buckets.length + 1; k++) {
        this.buckets[mod(k, this.buckets.length)] = k === prevBucket && this.openCount > 0 ? this.openSum / this.openCount : NaN;
      }
      this.openSum = 0;
      this.openCount = 0;
    }
    this.tail[mod(slot, this.tail.length)] = Number.isFinite(value) ? value : NaN;
    if (Number.isFinite(value)) {
      this.openSum += value;
      this.openCount++;
    }
    this.last = slot;
  }

  /** A copy of the history to fit on; undefined when empty. */
  view(): HistoryView | undefined {
    if (this.last === null) return undefined;
    const { stepMs, fitStepMs } = this.options;
    const nTail = Math.min(this.tail.length, this.last - this.first + 1);
    const tail = new Float64Array(nTail);
    for (let i = 0; i < nTail; i++) tail[i] = this.tail[mod(this.last - nTail + 1 + i, this.tail.length)];
    const open = Math.floor(this.last / this.perBucket);
    const firstBucket = Math.floor(this.first / this.perBucket);
    const nBuckets = Math.max(0, Math.min(this.buckets.length, open - firstBucket));
    const buckets = new Float64Array(nBuckets);
    for (let i = 0; i < nBuckets; i++) buckets[i] = this.buckets[mod(open - nBuckets + i, this.buckets.length)];
    return { stepMs, tail, endMs: this.last * stepMs, fitStepMs, buckets, bucketsEndMs: open * fitStepMs };
  }

  /** The history as JSON (see {@link SeriesHistorySnapshot}). */
  toJSON(): SeriesHistorySnapshot {
    const num = (v: number): number | null => (Number.isFinite(v) ? v : null);
    return {
      kind: 'kad-series-history', formatVersion: 1, options: { ...this.options },
      first: this.last === null ? null : this.first, last: this.last,
      tail: Array.from(this.tail, num), buckets: Array.from(this.buckets, num), open: [this.openSum, this.openCount],
    };
  }

  /** Restores a history saved by {@link toJSON}; throws {@link ModelFormatError} on a wrong kind, version or shape. */
  static fromJSON(s: SeriesHistorySnapshot): SeriesHistory {
    if (s?.kind !== 'kad-series-history' || s.formatVersion !== 1) {
      throw new ModelFormatError(`expected a kad-series-history snapshot of formatVersion 1, got ${JSON.stringify({ kind: s?.kind, formatVersion: s?.formatVersion })}`);
    }
    const h = new SeriesHistory(s.options);
    if (s.tail.length !== h.tail.length || s.buckets.length !== h.buckets.length) throw new ModelFormatError('kad-series-history: buffer sizes do not match the options');
    s.tail.forEach((v, i) => { h.tail[i] = v ?? NaN; });
    s.buckets.forEach((v, i) => { h.buckets[i] = v ?? NaN; });
    h.last = s.last;
    h.first = s.first ?? 0;
    [h.openSum, h.openCount] = s.open;
    return h;
  }
}

/**
 * A view of `values` (one per `stepMs`, the first at `startMs`) as a {@link SeriesHistory} holding all
 * of them would show it: the same code path the live service uses, for evaluations and tests.
 */
export function historyFromValues(startMs: number, values: ArrayLike<number>, options: HistoryOptions): HistoryView {
  const h = new SeriesHistory(options);
  for (let i = 0; i < values.length; i++) h.push(startMs + i * h.options.stepMs, values[i]);
  const v = h.view();
  if (!v) throw new InputError('historyFromValues: no values');
  return v;
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}
