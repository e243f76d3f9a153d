/**
 * Per-workload series at a coarse step, for forecasting: each workload's total CPU (cores), total
 * working set (bytes), ready replicas, total CPU and memory limits, and received bytes per second,
 * summed over its pods at each snapshot and averaged over each `stepMs` bucket. One ring buffer per
 * workload (`capacity` buckets × the metrics, one Float64Array), so a week at 5 minutes is 2,016
 * points a metric, 97 KiB a workload.
 *
 * Snapshots arrive in time order (history first, then each cycle); every workload's bucket closes
 * when a snapshot of a later bucket arrives. Buckets with no snapshot are NaN (a gap, kept as such); a workload
 * absent from a snapshot (scaled to zero, gone) gets nothing for it. Workloads not seen for
 * `capacity` buckets are dropped.
 */
import { InputError, ModelFormatError } from '../core/errors.js';
import { workloadKey } from '../core/series.js';
import type { PodSnapshot } from '../sources/base.js';

/** The metrics kept per workload, in storage order. */
export const WORKLOAD_METRICS = ['cpu', 'memory', 'replicas', 'cpu_limit', 'memory_limit', 'rx_bytes'] as const;
/** One of {@link WORKLOAD_METRICS}. */
export type WorkloadMetric = (typeof WORKLOAD_METRICS)[number];
const M = WORKLOAD_METRICS.length;

/** A regular series read out of the store: `values[i]` is the mean over [start + i·stepMs, start + (i+1)·stepMs). */
export interface RegularSeries {
  start: number;
  stepMs: number;
  values: Float64Array;
}

interface Ring {
  /** Bucket index (t / stepMs) of the first closed bucket; −1 before any. */
  first: number;
  /** Bucket index of the newest closed bucket; −1 before any. */
  last: number;
  /** Values, bucket b at row b mod capacity, metric m at column m. */
  data: Float64Array;
  /** Current (open) bucket: its index, the sums of per-snapshot totals, and the snapshots in it. */
  open: number;
  sums: Float64Array;
  n: number;
}

/** Snapshot of a {@link WorkloadSeriesStore}, for persistence. */
export interface WorkloadSeriesSnapshot {
  kind: 'kad-workload-series';
  formatVersion: 1;
  stepMs: number;
  capacity: number;
  metrics: string[];
  workloads: Record<string, { first: number; last: number; open: number; n: number; sums: number[]; data: (number | null)[] }>;
}

/** Per-workload coarse series; see the module comment. */
export class WorkloadSeriesStore {
  private readonly rings = new Map<string, Ring>();

  /** `stepMs`: bucket width; `capacity`: buckets kept per workload. Throws {@link InputError} on bad sizes. */
  constructor(readonly stepMs: number, readonly capacity: number) {
    if (!(Number.isInteger(stepMs) && stepMs >= 1000)) throw new InputError(`workload series: stepMs must be an integer >= 1000, got ${stepMs}`);
    if (!(Number.isInteger(capacity) && capacity >= 2 && capacity <= 1_000_000)) throw new InputError(`workload series: capacity must be an integer in [2, 1000000], got ${capacity}`);
  }

  /** Adds one snapshot (snapshots in time order; an older one than the last is ignored). */
  add(snap: PodSnapshot): void {
    const totals = new Map<string, Float64Array>();
    for (const p of snap.pods) {
      const k = workloadKey(p.ref);
      let a = totals.get(k);
      if (!a) totals.set(k, (a = new Float64Array(M)));
      a[0] += finite(p.cpu);
      a[1] += finite(p.memory);
      a[2] += 1;
      a[3] += finite(p.cpuLimit);
      a[4] += finite(p.memoryLimit);
      a[5] += finite(p.rxBytes);
    }
    const bucket = Math.floor(snap.t / this.stepMs);
    // Time moved on for every workload: close the buckets before this one, present or not.
    for (const r of this.rings.values()) {
      if (bucket > r.open) {
        this.close(r);
        r.open = bucket;
      }
    }
    for (const [k, a] of totals) this.addTotals(k, bucket, a);
    for (const [k, r] of this.rings) if (bucket - Math.max(r.last, r.open) > this.capacity) this.rings.delete(k);
  }

  /** Workloads with data, as `namespace/workload`. */
  workloads(): string[] {
    return [...this.rings.keys()];
  }

  /**
   * The closed buckets of one metric of a workload, oldest first (at most `capacity`), or undefined
   * for an unknown workload or one with no closed bucket yet.
   */
  series(workload: string, metric: WorkloadMetric): RegularSeries | undefined {
    const r = this.rings.get(workload);
    const m = WORKLOAD_METRICS.indexOf(metric);
    if (m < 0) throw new InputError(`workload series: unknown metric "${metric}"; known: ${WORKLOAD_METRICS.join(', ')}`);
    if (!r || r.last < 0) return undefined;
    const first = Math.max(r.first, r.last - this.capacity + 1);
    const n = r.last - first + 1;
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) values[i] = r.data[((first + i) % this.capacity) * M + m];
    return { start: first * this.stepMs, stepMs: this.stepMs, values };
  }

  /** Saves the store as JSON (NaN as null). */
  toJSON(): WorkloadSeriesSnapshot {
    const workloads: WorkloadSeriesSnapshot['workloads'] = {};
    for (const [k, r] of this.rings) {
      workloads[k] = { first: r.first, last: r.last, open: r.open, n: r.n, sums: Array.from(r.sums), data: Array.from(r.data, (v) => (Number.isNaN(v) ? null : v)) };
    }
    return { kind: 'kad-workload-series', formatVersion: 1, stepMs: this.stepMs, capacity: this.capacity, metrics: [...WORKLOAD_METRICS], workloads };
  }

  /** Restores a store saved by {@link toJSON}; throws {@link ModelFormatError} on anything else. */
  static fromJSON(s: WorkloadSeriesSnapshot): WorkloadSeriesStore {
    if (s?.kind !== 'kad-workload-series' || s.formatVersion !== 1) throw new ModelFormatError('not a kad-workload-series snapshot with formatVersion 1');
    if (JSON.stringify(s.metrics) !== JSON.stringify(WORKLOAD_METRICS)) throw new ModelFormatError(`workload series hold metrics [${s.metrics}], this kad keeps [${WORKLOAD_METRICS.join(',')}]`);
    const store = new WorkloadSeriesStore(s.stepMs, s.capacity);
    for (const [k, w] of Object.entries(s.workloads ?? {})) {
      if (!Array.isArray(w.data) || w.data.length !== s.capacity * M || !Array.isArray(w.sums) || w.sums.length !== M) {
        throw new ModelFormatError(`workload series: workload ${JSON.stringify(k)} is malformed`);
      }
      store.rings.set(k, { first: w.first, last: w.last, open: w.open, n: w.n, sums: Float64Array.from(w.sums), data: Float64Array.from(w.data, (v) => (v === null ? NaN : v)) });
    }
    return store;
  }

  private addTotals(k: string, bucket: number, tot: Float64Array): void {
    let r = this.rings.get(k);
    if (!r) {
      r = { first: -1, last: -1, data: new Float64Array(this.capacity * M).fill(NaN), open: bucket, sums: new Float64Array(M), n: 0 };
      this.rings.set(k, r);
    }
    if (bucket < r.open) return;
    if (bucket > r.open) {
      this.close(r);
      r.open = bucket;
    }
    for (let m = 0; m < M; m++) r.sums[m] += tot[m];
    r.n++;
  }

  /** Writes the open bucket's means (and NaN for the empty buckets since the last one) into the ring. */
  private close(r: Ring): void {
    if (r.n === 0) return;
    const C = this.capacity;
    for (let b = Math.max(r.last + 1, r.open - C + 1); b < r.open; b++) r.data.fill(NaN, (b % C) * M, (b % C) * M + M);
    const row = (r.open % C) * M;
    for (let m = 0; m < M; m++) r.data[row + m] = r.sums[m] / r.n;
    r.last = r.open;
    if (r.first < 0) r.first = r.open;
    r.sums.fill(0);
    r.n = 0;
  }
}

function finite(x: number): number {
  return Number.isFinite(x) ? x : 0;
}
