/**
 * The series store: the stage between the sources and everything that reads series (features, peer
 * comparison, forecasts, early warning). It is fed one {@link PodSnapshot} at a time and keeps, in
 * typed arrays of bounded size:
 *
 * - a ring of the newest *cycles* (snapshot times, oldest overwritten first), at most
 *   `recentCycles` of them;
 * - per pod, its samples at those cycles, and the order the pods of each cycle came in: its own
 *   metrics ({@link POD_FIELDS}) and, once it has come with any, the service mesh's fields
 *   ({@link MESH_FIELDS}) and the custom series' values (`custom`, by the names seen so far), each
 *   given back as it came (a field or name that came absent is absent again); a pod no longer in any
 *   cycle held is dropped by itself, {@link SeriesStore.forget} drops one at once;
 * - per workload (`namespace/workload`), its totals at those cycles ({@link WorkloadTotals}: the sums
 *   over its pods) and its latest totals;
 * - per workload, the coarse history of its CPU and memory totals for forecasting
 *   ({@link SeriesHistory}: a tail at the cycle step and bucket means over days), unless `history`
 *   is null. A workload not seen for `workloadTtlMs` is dropped with its history.
 *
 * Live cycles go through {@link SeriesStore.append}, in time order: a snapshot at or before the
 * newest cycle is ignored. They reach the coarse histories when a history is next read (or before
 * their ring slot is reused), never during a backfill. Older history (days fetched at start) goes
 * through {@link SeriesStore.appendHistory}, between {@link SeriesStore.beginBackfill} and
 * {@link SeriesStore.endBackfill}: it feeds the coarse histories only, and the live cycles appended
 * before or during it reach them after it, so each history sees its values in time order (as long
 * as the backfill takes fewer than `recentCycles` cycles: older live cycles are then missing).
 *
 * Memory: the rings start small and double up to `recentCycles` as cycles arrive; per pod that is
 * at most `recentCycles` × 12 numbers (its 11 fields and the cycle), per workload `recentCycles` × 11
 * plus its histories. A pod that has come with mesh fields or custom values has a second block of
 * `recentCycles` × (5 + c + ⌈(6 + c) / 32⌉) numbers (c: the custom names the store has seen): the
 * values and the flags of those present; a pod that never did, or a store that never saw any, has
 * none ({@link SeriesStore.podBytes}).
 */
import { InputError, ModelFormatError } from '../core/errors.js';
import { MESH_FIELDS, type MeshField, type PodSample, type PodSnapshot } from '../core/samples.js';
import { podKey, workloadKey, type PodRef } from '../core/series.js';
import type { Config } from '../config/schema.js';
import { SeriesHistory, resolveHistoryOptions, type HistoryOptions, type SeriesHistorySnapshot } from './series-history.js';
import { sumWorkloads, totalsOf, WORKLOAD_FIELD_INDEX, WORKLOAD_FIELDS, type WorkloadField, type WorkloadTotals } from './workload-totals.js';

export { MESH_FIELDS, WORKLOAD_FIELDS, type MeshField, type WorkloadField, type WorkloadTotals };

const HOUR = 3_600_000;

/** The numeric fields of a {@link PodSample} kept per pod, in column order (NaN: unknown or absent). */
export const POD_FIELDS = ['cpu', 'memory', 'restarts', 'rxBytes', 'txBytes', 'rxPackets', 'rxDropped', 'cpuLimit', 'memoryLimit', 'cpuRequest', 'startedAt'] as const;
/** One of {@link POD_FIELDS}. */
export type PodField = (typeof POD_FIELDS)[number];

/** The workload series that have a coarse history (what the forecasts fit on). */
export const HISTORY_METRICS = ['cpu', 'memory'] as const;
/** One of {@link HISTORY_METRICS}. */
export type HistoryMetric = (typeof HISTORY_METRICS)[number];

/** Sizes of a {@link SeriesStore} (build them from the config with {@link seriesStoreOptions}). */
export interface SeriesStoreOptions {
  /** The cycle step, ms: the step of the coarse histories' tails. */
  stepMs: number;
  /** Cycles kept per pod and per workload. */
  recentCycles: number;
  /** The coarse histories' sizes (see {@link SeriesHistory}); null: keep none. */
  history: Required<Omit<HistoryOptions, 'stepMs'>> | null;
  /** A workload not seen for this long (ms) is dropped with its history. */
  workloadTtlMs: number;
}

/**
 * A {@link SeriesStore} as JSON (NaN as null). Format 2 adds `custom` and the pods' `extra`; format 3
 * the mesh field `missingCallees` in `extra`. Formats 1 (without them) and 2 (its `extra` without
 * `missingCallees`) still load.
 */
export interface SeriesStoreSnapshot {
  kind: 'kad-series-store';
  formatVersion: 1 | 2 | 3;
  options: SeriesStoreOptions;
  /** Sequence number of the next cycle, of the oldest one held, and of the first not yet in the coarse histories. */
  next: number;
  oldest: number;
  flushed: number;
  /** Slots per ring now (it grows up to `options.recentCycles`). */
  capacity: number;
  /** Times of the cycles held, oldest first. */
  times: number[];
  /** Per cycle held (oldest first), its pods in the order they came, as indices into `pods`; absent: in key order. */
  order?: number[][];
  /** The custom names seen, in the order of their columns. */
  custom?: string[];
  /**
   * Per pod, its rows of {@link POD_FIELDS} and, for a pod that has come with mesh fields or custom
   * values, `extra`: per ring slot, the {@link MESH_FIELDS}' values, the custom names' values, then
   * ⌈(1 + mesh fields + custom names) / 32⌉ words of flags (bit 0: `custom` present; bit 1 + i: value i present).
   */
  pods: { ref: PodRef; seqs: number[]; rows: (number | null)[]; extra?: (number | null)[] }[];
  workloads: {
    namespace: string;
    workload: string;
    seqs: number[];
    rows: (number | null)[];
    latest: (number | null)[];
    lastT: number;
    history: Record<HistoryMetric, SeriesHistorySnapshot> | null;
  }[];
}

/** The `store` config section as {@link SeriesStoreOptions} for a cycle of `stepMs`; `withHistory` false keeps no coarse history. */
export function seriesStoreOptions(store: Readonly<Config['store']>, stepMs: number, withHistory = true): SeriesStoreOptions {
  const history = resolveHistoryOptions({
    stepMs,
    fitStepMs: Math.max(stepMs, store.historyBucketMinutes * 60_000),
    keepMs: store.historyKeepDays * 24 * HOUR,
    tailMs: store.historyTailHours * HOUR,
  });
  return {
    stepMs,
    recentCycles: Math.max(1, Math.ceil((store.recentMinutes * 60_000) / stepMs)),
    history: withHistory ? { fitStepMs: history.fitStepMs, keepMs: history.keepMs, tailMs: history.tailMs } : null,
    workloadTtlMs: store.workloadTtlHours * HOUR,
  };
}

/** Rows of `width` numbers, one per cycle held, in the store's ring layout. */
interface Rows {
  /** Row of cycle `c` at `(c % capacity) · width`. */
  rows: Float64Array;
  /** Cycle whose values each slot holds (-1: none). */
  seqs: Float64Array;
  /** Newest cycle with values (-1: none). */
  last: number;
}

interface PodEntry extends Rows {
  ref: PodRef;
  /** Its mesh fields and custom values with their flags, in rows of {@link extrasWidth} (see {@link SeriesStoreSnapshot}); none until it has come with any. */
  extra?: Float64Array;
}

interface WorkloadEntry extends Rows {
  namespace: string;
  workload: string;
  /** The newest totals (by time), from live or history snapshots, and their time. */
  latest: Float64Array;
  lastT: number;
  history: Record<HistoryMetric, SeriesHistory> | null;
}

const PF = POD_FIELDS.length;
const WF = WORKLOAD_FIELDS.length;
const W = WORKLOAD_FIELD_INDEX;
const MF: number = MESH_FIELDS.length;
const FORMAT_VERSION = 3;
/** Mesh fields a format-2 store kept (before `missingCallees`): the first ones of {@link MESH_FIELDS}. */
const MF_V2: number = 4;

/** Numbers per ring slot of a pod's extras with `custom` custom names: the values, then 32 flags a word (`custom` present, then each value's). */
function extrasWidth(custom: number, meshFields = MF): number {
  return meshFields + custom + Math.ceil((1 + meshFields + custom) / 32);
}

/**
 * A format-2 pod's extras (4 mesh fields) in this format's layout: per slot the same values and
 * present flags, the mesh fields added since absent (the custom values and their flags move up past
 * them; a slot never written stays all NaN, as putExtras leaves one). Throws {@link ModelFormatError}
 * on a wrong length.
 */
function upgradeExtrasV2(extra: readonly (number | null)[], capacity: number, custom: number): Float64Array {
  const oldW = extrasWidth(custom, MF_V2);
  const newW = extrasWidth(custom);
  if (extra.length !== capacity * oldW) throw new ModelFormatError('kad-series-store: a pod\'s mesh and custom values do not match the cycles held');
  const out = new Float64Array(capacity * newW).fill(NaN);
  const oldNv = MF_V2 + custom;
  const newNv = MF + custom;
  // Value i of the old layout is value at(i) of this one; flag bit 0 (custom present) stays, bit 1 + i moves with value i.
  const at = (i: number): number => (i < MF_V2 ? i : i + MF - MF_V2);
  for (let slot = 0; slot < capacity; slot++) {
    const o = slot * oldW;
    const n = slot * newW;
    for (let i = 0; i < oldNv; i++) out[n + at(i)] = extra[o + i] ?? NaN;
    for (let b = 0; b <= oldNv; b++) {
      if ((((extra[o + oldNv + (b >> 5)] ?? 0) >>> (b & 31)) & 1) === 0) continue;
      const nb = b === 0 ? 0 : 1 + at(b - 1);
      const w = n + newNv + (nb >> 5);
      out[w] = ((out[w] >>> 0) | (1 << (nb & 31))) >>> 0;
    }
  }
  return out;
}

/** Whether a sample has a mesh field or custom values. */
function hasExtras(p: PodSample): boolean {
  if (p.custom !== undefined) return true;
  for (let f = 0; f < MF; f++) if (p[MESH_FIELDS[f]] !== undefined) return true;
  return false;
}

/** Per-pod and per-workload series, recent and coarse (see the module comment). */
export class SeriesStore {
  private readonly opts: SeriesStoreOptions;
  private capacity = 0;
  private times = new Float64Array(0);
  /** Sequence number of the next cycle, of the oldest held, and of the first not yet in the coarse histories. */
  private next = 0;
  private oldest = 0;
  private flushed = 0;
  private readonly podEntries = new Map<string, PodEntry>();
  /** Per ring slot, the pods of its cycle in the order they came. */
  private arrivals: PodEntry[][] = [];
  private readonly workloadEntries = new Map<string, WorkloadEntry>();
  private inBackfill = false;
  /** The custom names seen, in the order first seen: their columns in the pods' extras come after the mesh fields'. */
  private customNames: string[] = [];
  private readonly customIndex = new Map<string, number>();

  constructor(options: SeriesStoreOptions) {
    const { stepMs, recentCycles, workloadTtlMs, history } = options;
    if (!(Number.isInteger(stepMs) && stepMs > 0)) throw new InputError(`series store: stepMs must be a positive integer of ms, got ${stepMs}`);
    if (!(Number.isInteger(recentCycles) && recentCycles >= 1)) throw new InputError(`series store: recentCycles must be an integer >= 1, got ${recentCycles}`);
    if (!(workloadTtlMs > 0)) throw new InputError(`series store: workloadTtlMs must be above 0, got ${workloadTtlMs}`);
    if (history) resolveHistoryOptions({ stepMs, ...history });
    this.opts = { stepMs, recentCycles, workloadTtlMs, history: history && { ...history } };
  }

  /** The store's sizes. */
  get options(): Readonly<SeriesStoreOptions> {
    return this.opts;
  }

  /** Time of the newest cycle, epoch ms (NaN when empty). */
  get newest(): number {
    return this.next > this.oldest ? this.times[(this.next - 1) % this.capacity] : NaN;
  }

  /** True between {@link beginBackfill} and {@link endBackfill}. */
  get backfilling(): boolean {
    return this.inBackfill;
  }

  /** Keeps at least `cycles` cycles from now on (a source asked for a longer window). */
  reserve(cycles: number): void {
    if (cycles > this.opts.recentCycles) this.opts.recentCycles = Math.ceil(cycles);
  }

  /**
   * Keeps every cycle held from time `start` on when `more` newer ones are appended (a training
   * window, however dense its cycles): {@link reserve}s the cycles needed.
   */
  reserveSince(start: number, more = 1): void {
    let n = more;
    for (let c = this.next - 1; c >= this.oldest && this.times[c % this.capacity] >= start; c--) n++;
    this.reserve(n);
  }

  /**
   * Adds a live snapshot as the newest cycle and returns each workload's totals in it (in the order
   * its pods come); a snapshot at or before the newest cycle is ignored (returns undefined).
   */
  append(snap: PodSnapshot): ReadonlyMap<string, WorkloadTotals> | undefined {
    if (this.next > this.oldest && !(snap.t > this.newest)) return undefined;
    if (this.next - this.oldest === this.capacity) {
      if (this.capacity < this.opts.recentCycles) this.grow(Math.min(this.opts.recentCycles, Math.max(8, 2 * this.capacity)));
      else {
        this.flushHistory();
        this.oldest++;
      }
    }
    const c = this.next++;
    this.times[c % this.capacity] = snap.t;
    const arrived: PodEntry[] = [];
    for (const p of snap.pods) {
      const key = podKey(p.ref);
      let e = this.podEntries.get(key);
      if (!e) this.podEntries.set(key, (e = { ref: p.ref, ...this.rows(PF) }));
      e.ref = p.ref;
      if (e.seqs[c % this.capacity] !== c) arrived.push(e); // a pod listed twice keeps its first place and its last values
      const row = this.put(e, c, PF);
      for (let f = 0; f < PF; f++) {
        const v = p[POD_FIELDS[f]];
        e.rows[row + f] = v === undefined ? NaN : v;
      }
      this.putExtras(e, c % this.capacity, p);
    }
    this.arrivals[c % this.capacity] = arrived;
    const totals = sumWorkloads(snap.pods);
    const out = new Map<string, WorkloadTotals>();
    for (const [wk, { ref, v }] of totals) {
      const e = this.workload(wk, ref);
      e.rows.set(v, this.put(e, c, WF));
      this.setLatest(e, snap.t, v);
      out.set(wk, totalsOf(e, snap.t, v));
    }
    for (const [key, e] of this.podEntries) if (e.last < this.oldest) this.podEntries.delete(key);
    if (!this.inBackfill) this.sweepWorkloads(snap.t);
    return out;
  }

  /** Starts a backfill: the live cycles not yet in the coarse histories reach them at {@link endBackfill}. */
  beginBackfill(): void {
    this.inBackfill = true;
  }

  /**
   * Adds an older snapshot to the coarse histories only (and to each workload's latest totals when
   * it is newer); returns each workload's totals in it. Meant for the history fetched at start,
   * oldest first, between {@link beginBackfill} and {@link endBackfill}.
   */
  appendHistory(snap: PodSnapshot): ReadonlyMap<string, WorkloadTotals> {
    const out = new Map<string, WorkloadTotals>();
    for (const [wk, { ref, v }] of sumWorkloads(snap.pods)) {
      const e = this.workload(wk, ref);
      if (snap.t > e.lastT) this.setLatest(e, snap.t, v);
      this.pushHistory(e, snap.t, v);
      out.set(wk, totalsOf(e, snap.t, v));
    }
    this.sweepWorkloads(snap.t);
    return out;
  }

  /** Ends a backfill: the live cycles appended before or during it are added to the coarse histories. */
  endBackfill(): void {
    if (!this.inBackfill) return;
    this.inBackfill = false;
    this.flushHistory();
    if (this.next > this.oldest) this.sweepWorkloads(this.newest);
  }

  /** Times of the cycles held in [start, end] (epoch ms), oldest first. */
  cycleTimes(start = -Infinity, end = Infinity): number[] {
    const out: number[] = [];
    for (let c = this.oldest; c < this.next; c++) {
      const t = this.times[c % this.capacity];
      if (t >= start && t <= end) out.push(t);
    }
    return out;
  }

  /**
   * The snapshots of the cycles at `times` (values of {@link cycleTimes}; others are left out), with
   * the pods of each sorted by pod key (`order` 'key') or in the order they came ('arrival'), each
   * with its newest {@link PodRef}. `cpuRequest` is NaN where unknown; `startedAt` is left out where
   * unknown; the mesh fields and `custom` (and each custom name) are there where they came.
   */
  snapshots(times: readonly number[], order: 'key' | 'arrival' = 'key'): PodSnapshot[] {
    const entries = order === 'key' ? [...this.podEntries].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([, e]) => e) : null;
    const out: PodSnapshot[] = [];
    for (const t of times) {
      const c = this.cycleAt(t);
      if (c === undefined) continue;
      const slot = c % this.capacity;
      const pods: PodSample[] = [];
      for (const e of entries ?? this.arrivals[slot]) {
        if (e.seqs[slot] !== c || (!entries && this.podEntries.get(podKey(e.ref)) !== e)) continue; // not in this cycle, or forgotten
        const s = { ref: e.ref } as PodSample;
        for (let f = 0; f < PF; f++) (s as unknown as Record<string, number>)[POD_FIELDS[f]] = e.rows[slot * PF + f];
        if (!Number.isFinite(s.startedAt)) delete s.startedAt;
        if (e.extra) this.readExtras(e.extra, slot, s);
        pods.push(s);
      }
      out.push({ t, pods });
    }
    return out;
  }

  /** Keys (`namespace/pod`) of the pods with samples held. */
  pods(): string[] {
    return [...this.podEntries.keys()];
  }

  /** A pod's newest reference, or undefined. */
  pod(key: string): PodRef | undefined {
    return this.podEntries.get(key)?.ref;
  }

  /** A pod's `field` at every cycle of {@link cycleTimes} (NaN where absent); undefined for an unknown pod. */
  podSeries(key: string, field: PodField | MeshField): Float64Array | undefined {
    const e = this.podEntries.get(key);
    if (!e) return undefined;
    const f = POD_FIELDS.indexOf(field as PodField);
    if (f >= 0) return this.column(e, PF, f);
    return e.extra ? this.column({ rows: e.extra, seqs: e.seqs }, extrasWidth(this.customNames.length), MESH_FIELDS.indexOf(field as MeshField)) : new Float64Array(this.next - this.oldest).fill(NaN);
  }

  /** Bytes of the typed arrays that hold pod `key`'s series (0 for an unknown pod), or every pod's without `key`. */
  podBytes(key?: string): number {
    const bytes = (e: PodEntry): number => e.rows.byteLength + e.seqs.byteLength + (e.extra?.byteLength ?? 0);
    if (key !== undefined) {
      const e = this.podEntries.get(key);
      return e ? bytes(e) : 0;
    }
    let n = 0;
    for (const e of this.podEntries.values()) n += bytes(e);
    return n;
  }

  /** Drops a pod (it is gone). */
  forget(key: string): void {
    this.podEntries.delete(key);
  }

  /** Keys (`namespace/workload`) of the workloads known, in the order first seen. */
  workloads(): string[] {
    return [...this.workloadEntries.keys()];
  }

  /** Whether the store knows workload `key` (seen within `workloadTtlMs`). */
  hasWorkload(key: string): boolean {
    return this.workloadEntries.has(key);
  }

  /** A workload's newest totals, or undefined. */
  workloadLatest(key: string): WorkloadTotals | undefined {
    const e = this.workloadEntries.get(key);
    return e && totalsOf(e, e.lastT, e.latest);
  }

  /** A workload's totals at the cycle of time `t`, or undefined when it has none there. */
  workloadAt(key: string, t: number): WorkloadTotals | undefined {
    const e = this.workloadEntries.get(key);
    const c = this.cycleAt(t);
    if (!e || c === undefined || e.seqs[c % this.capacity] !== c) return undefined;
    const r = (c % this.capacity) * WF;
    return totalsOf(e, t, e.rows.subarray(r, r + WF));
  }

  /** A workload's `field` at every cycle of {@link cycleTimes} (NaN where absent); undefined for an unknown workload. */
  workloadSeries(key: string, field: WorkloadField): Float64Array | undefined {
    const e = this.workloadEntries.get(key);
    return e && this.column(e, WF, W[field]);
  }

  /** The coarse history of series `namespace/workload/metric` (metric one of {@link HISTORY_METRICS}), or undefined. */
  history(key: string): SeriesHistory | undefined {
    this.flushHistory();
    const i = key.lastIndexOf('/');
    return this.workloadEntries.get(key.slice(0, i))?.history?.[key.slice(i + 1) as HistoryMetric];
  }

  /** Drops a workload and its history. */
  forgetWorkload(key: string): void {
    this.workloadEntries.delete(key);
  }

  /** The store as JSON (see {@link SeriesStoreSnapshot}). A backfill in progress is not saved. */
  toJSON(): SeriesStoreSnapshot {
    const num = (v: number): number | null => (Number.isFinite(v) ? v : null);
    const rows = (e: Rows) => ({ seqs: Array.from(e.seqs), rows: Array.from(e.rows, num) });
    const index = new Map([...this.podEntries.values()].map((e, i) => [e, i]));
    const order: number[][] = [];
    for (let c = this.oldest; c < this.next; c++) {
      const slot = c % this.capacity;
      order.push(this.arrivals[slot].filter((e) => e.seqs[slot] === c && index.has(e)).map((e) => index.get(e)!));
    }
    return {
      kind: 'kad-series-store', formatVersion: FORMAT_VERSION, options: structuredClone(this.opts), next: this.next, oldest: this.oldest, flushed: this.flushed, capacity: this.capacity,
      times: this.cycleTimes(), order, custom: [...this.customNames],
      pods: [...this.podEntries.values()].map((e) => ({ ref: e.ref, ...rows(e), ...(e.extra ? { extra: Array.from(e.extra, num) } : {}) })),
      workloads: [...this.workloadEntries.values()].map((e) => ({
        namespace: e.namespace, workload: e.workload, ...rows(e), latest: Array.from(e.latest, num), lastT: e.lastT,
        history: e.history && { cpu: e.history.cpu.toJSON(), memory: e.history.memory.toJSON() },
      })),
    };
  }

  /** Restores a store saved by {@link toJSON} (this format, or format 1 or 2); throws {@link ModelFormatError} on a wrong kind, version or shape. */
  static fromJSON(s: SeriesStoreSnapshot): SeriesStore {
    if (s?.kind !== 'kad-series-store' || (s.formatVersion !== 1 && s.formatVersion !== 2 && s.formatVersion !== FORMAT_VERSION)) {
      throw new ModelFormatError(`expected a kad-series-store snapshot of formatVersion 1 to ${FORMAT_VERSION}, got ${JSON.stringify({ kind: s?.kind, formatVersion: s?.formatVersion })}`);
    }
    const store = new SeriesStore(s.options);
    const custom = s.custom ?? [];
    if (!Array.isArray(custom) || !custom.every((n) => typeof n === 'string') || new Set(custom).size !== custom.length) {
      throw new ModelFormatError('kad-series-store: the custom names are not a list of distinct names');
    }
    custom.forEach((n, k) => store.customIndex.set(n, k));
    store.customNames = [...custom];
    const xw = extrasWidth(custom.length);
    const held = s.next - s.oldest;
    if (held !== s.times.length || held > s.capacity || s.capacity > s.options.recentCycles) throw new ModelFormatError('kad-series-store: the cycles held do not match the options');
    store.grow(s.capacity);
    store.next = s.next;
    store.oldest = s.oldest;
    store.flushed = s.flushed;
    s.times.forEach((t, i) => { store.times[(s.oldest + i) % store.capacity] = t; });
    const load = (e: Rows, j: { seqs: number[]; rows: (number | null)[] }, width: number): void => {
      if (j.seqs.length !== store.capacity || j.rows.length !== store.capacity * width) throw new ModelFormatError('kad-series-store: ring sizes do not match the cycles held');
      e.seqs.set(j.seqs);
      e.rows.set(j.rows.map((v) => v ?? NaN));
      e.last = j.seqs.reduce((a, c) => Math.max(a, c), -1);
    };
    const pods: PodEntry[] = [];
    for (const p of s.pods) {
      const e: PodEntry = { ref: p.ref, ...store.rows(PF) };
      load(e, p, PF);
      if (p.extra) {
        if (s.formatVersion === 2) e.extra = upgradeExtrasV2(p.extra, store.capacity, custom.length);
        else if (p.extra.length !== store.capacity * xw) throw new ModelFormatError('kad-series-store: a pod\'s mesh and custom values do not match the cycles held');
        else e.extra = Float64Array.from(p.extra, (v) => v ?? NaN);
      }
      store.podEntries.set(podKey(p.ref), e);
      pods.push(e);
    }
    if (s.order && s.order.length !== held) throw new ModelFormatError('kad-series-store: the pod order does not match the cycles held');
    const byKey = [...store.podEntries].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([, e]) => e);
    for (let i = 0; i < held; i++) {
      const c = s.oldest + i;
      const slot = c % store.capacity;
      const order = s.order?.[i];
      if (order && !order.every((j) => Number.isInteger(j) && pods[j]?.seqs[slot] === c)) throw new ModelFormatError('kad-series-store: the pod order names a pod not in its cycle');
      store.arrivals[slot] = order ? order.map((j) => pods[j]) : byKey.filter((e) => e.seqs[slot] === c);
    }
    for (const w of s.workloads) {
      const e = store.workload(workloadKey(w), w);
      load(e, w, WF);
      e.latest.set(w.latest.map((v) => v ?? NaN));
      e.lastT = w.lastT;
      if (store.opts.history && !w.history) throw new ModelFormatError('kad-series-store: a workload lacks its history');
      if (e.history && w.history) e.history = { cpu: SeriesHistory.fromJSON(w.history.cpu), memory: SeriesHistory.fromJSON(w.history.memory) };
    }
    return store;
  }

  private rows(width: number): Rows {
    return { rows: new Float64Array(this.capacity * width).fill(NaN), seqs: new Float64Array(this.capacity).fill(-1), last: -1 };
  }

  private workload(wk: string, ref: { namespace: string; workload: string }): WorkloadEntry {
    let e = this.workloadEntries.get(wk);
    if (!e) {
      const h = this.opts.history && { stepMs: this.opts.stepMs, ...this.opts.history };
      e = {
        namespace: ref.namespace, workload: ref.workload, ...this.rows(WF), latest: new Float64Array(WF).fill(NaN), lastT: -Infinity,
        history: h && { cpu: new SeriesHistory(h), memory: new SeriesHistory(h) },
      };
      this.workloadEntries.set(wk, e);
    }
    return e;
  }

  /** Writes `p`'s mesh fields and custom values (or none) into `e`'s extras at ring slot `slot`; a pod gets extras the first time it comes with any. */
  private putExtras(e: PodEntry, slot: number, p: PodSample): void {
    const has = hasExtras(p);
    if (!has && !e.extra) return;
    const custom = p.custom;
    if (custom) for (const name in custom) if (custom[name] !== undefined && !this.customIndex.has(name)) this.addCustomName(name);
    const nv = MF + this.customNames.length;
    const xw = extrasWidth(this.customNames.length);
    e.extra ??= new Float64Array(this.capacity * xw).fill(NaN);
    const x = slot * xw;
    const extra = e.extra;
    extra.fill(NaN, x, x + xw); // NaN flags read as 0: nothing present
    if (!has) return;
    const flag = (b: number): void => {
      const i = x + nv + (b >> 5);
      extra[i] = ((extra[i] >>> 0) | (1 << (b & 31))) >>> 0;
    };
    for (let f = 0; f < MF; f++) {
      const v = p[MESH_FIELDS[f]];
      if (v === undefined) continue;
      extra[x + f] = v;
      flag(1 + f);
    }
    if (!custom) return;
    flag(0);
    for (const name in custom) {
      if (custom[name] === undefined) continue;
      const k = this.customIndex.get(name)!;
      extra[x + MF + k] = custom[name];
      flag(1 + MF + k);
    }
  }

  /** Sets the mesh fields and custom values present in `extra` at ring slot `slot` on `s`. */
  private readExtras(extra: Float64Array, slot: number, s: PodSample): void {
    const names = this.customNames;
    const nv = MF + names.length;
    const x = slot * extrasWidth(names.length);
    const has = (b: number): boolean => ((extra[x + nv + (b >> 5)] >>> (b & 31)) & 1) === 1;
    for (let f = 0; f < MF; f++) if (has(1 + f)) s[MESH_FIELDS[f]] = extra[x + f];
    if (!has(0)) return;
    const custom: Record<string, number> = {};
    for (let k = 0; k < names.length; k++) if (has(1 + MF + k)) custom[names[k]] = extra[x + MF + k];
    s.custom = custom;
  }

  /** Adds a custom name's column to every pod's extras (its values absent so far). */
  private addCustomName(name: string): void {
    const oldV = MF + this.customNames.length;
    const oldW = extrasWidth(this.customNames.length);
    this.customIndex.set(name, this.customNames.length);
    this.customNames.push(name);
    const nv = oldV + 1;
    const xw = extrasWidth(this.customNames.length);
    for (const e of this.podEntries.values()) {
      if (!e.extra) continue;
      const out = new Float64Array(this.capacity * xw).fill(NaN);
      for (let slot = 0; slot < this.capacity; slot++) {
        out.set(e.extra.subarray(slot * oldW, slot * oldW + oldV), slot * xw); // the values
        out.set(e.extra.subarray(slot * oldW + oldV, (slot + 1) * oldW), slot * xw + nv); // the flags (a new word, if any, stays NaN: 0)
      }
      e.extra = out;
    }
  }

  /** Marks cycle `c` as held by `e` and returns the offset of its row. */
  private put(e: Rows, c: number, width: number): number {
    const slot = c % this.capacity;
    e.seqs[slot] = c;
    e.last = c;
    return slot * width;
  }

  private setLatest(e: WorkloadEntry, t: number, v: Float64Array): void {
    e.latest.set(v);
    e.lastT = t;
  }

  private pushHistory(e: WorkloadEntry, t: number, v: ArrayLike<number>): void {
    if (!e.history) return;
    e.history.cpu.push(t, v[W.cpu]);
    e.history.memory.push(t, v[W.memory]);
  }

  /** Adds the live cycles not yet in the coarse histories to them (not during a backfill). */
  private flushHistory(): void {
    if (this.inBackfill || this.flushed >= this.next) return;
    if (this.opts.history) {
      for (let c = Math.max(this.flushed, this.oldest); c < this.next; c++) {
        const slot = c % this.capacity;
        const t = this.times[slot];
        for (const e of this.workloadEntries.values()) if (e.seqs[slot] === c) this.pushHistory(e, t, e.rows.subarray(slot * WF, (slot + 1) * WF));
      }
    }
    this.flushed = this.next;
  }

  private sweepWorkloads(t: number): void {
    for (const [wk, e] of this.workloadEntries) if (t - e.lastT > this.opts.workloadTtlMs) this.workloadEntries.delete(wk);
  }

  private cycleAt(t: number): number | undefined {
    for (let c = this.next - 1; c >= this.oldest; c--) {
      const tc = this.times[c % this.capacity];
      if (tc === t) return c;
      if (tc < t) return undefined;
    }
    return undefined;
  }

  private column(e: Pick<Rows, 'rows' | 'seqs'>, width: number, f: number): Float64Array {
    const out = new Float64Array(this.next - this.oldest).fill(NaN);
    for (let c = this.oldest; c < this.next; c++) {
      const slot = c % this.capacity;
      if (e.seqs[slot] === c) out[c - this.oldest] = e.rows[slot * width + f];
    }
    return out;
  }

  /** Re-lays every ring out for a larger capacity. */
  private grow(capacity: number): void {
    const old = this.capacity;
    const relayRows = (from: Float64Array, fromSeqs: Float64Array, width: number): Float64Array => {
      const rows = new Float64Array(capacity * width).fill(NaN);
      for (let c = this.oldest; c < this.next; c++) {
        if (fromSeqs[c % old] === c) rows.set(from.subarray((c % old) * width, (c % old + 1) * width), (c % capacity) * width);
      }
      return rows;
    };
    const relay = (e: Rows, width: number): void => {
      const seqs = new Float64Array(capacity).fill(-1);
      for (let c = this.oldest; c < this.next; c++) if (e.seqs[c % old] === c) seqs[c % capacity] = c;
      e.rows = relayRows(e.rows, e.seqs, width);
      e.seqs = seqs;
    };
    const xw = extrasWidth(this.customNames.length);
    for (const e of this.podEntries.values()) {
      if (e.extra) e.extra = relayRows(e.extra, e.seqs, xw);
      relay(e, PF);
    }
    for (const e of this.workloadEntries.values()) relay(e, WF);
    const times = new Float64Array(capacity);
    const arrivals: PodEntry[][] = new Array(capacity);
    for (let c = this.oldest; c < this.next; c++) {
      times[c % capacity] = this.times[c % old];
      arrivals[c % capacity] = this.arrivals[c % old];
    }
    this.times = times;
    this.arrivals = arrivals;
    this.capacity = capacity;
  }
}
