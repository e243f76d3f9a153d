/**
 * A workload's totals at one time: the sums over its pods in one snapshot that the series store keeps
 * per workload (src/store/series-store.ts) and the forecasts read.
 */
import type { PodSample } from '../core/samples.js';
import { workloadKey, type PodRef } from '../core/series.js';

/** The totals kept per workload, in column order; see {@link WorkloadTotals}. */
export const WORKLOAD_FIELDS = ['replicas', 'cpu', 'memory', 'cpuRequest', 'cpuLimit', 'memoryLimit', 'rxBytes', 'txBytes', 'rxPackets', 'rxDropped'] as const;
/** One of {@link WORKLOAD_FIELDS}. */
export type WorkloadField = (typeof WORKLOAD_FIELDS)[number];

/**
 * One workload's totals at one time:
 * - `replicas`: its pods in the snapshot;
 * - `cpu`, `memory`: the sums of its pods' finite values (0 when none has one);
 * - `cpuRequest`: the mean CPU request of its pods that have one (NaN: none);
 * - `cpuLimit`, `memoryLimit`, `rxBytes`, `txBytes`, `rxPackets`, `rxDropped`: the sums of its pods'
 *   finite values (NaN when none has one).
 */
export interface WorkloadTotals extends Record<WorkloadField, number> {
  namespace: string;
  workload: string;
  /** Epoch ms. */
  t: number;
}

/** Column of each of {@link WORKLOAD_FIELDS}. */
export const WORKLOAD_FIELD_INDEX = Object.freeze(Object.fromEntries(WORKLOAD_FIELDS.map((f, i) => [f, i])) as Record<WorkloadField, number>);
const W = WORKLOAD_FIELD_INDEX;
const WF = WORKLOAD_FIELDS.length;

/** Each workload's totals over `pods` (see {@link WorkloadTotals}), in the order its pods come. */
export function sumWorkloads(pods: readonly PodSample[]): Map<string, { ref: PodRef; v: Float64Array }> {
  const out = new Map<string, { ref: PodRef; v: Float64Array; requests: number }>();
  for (const p of pods) {
    const wk = workloadKey(p.ref);
    let w = out.get(wk);
    if (!w) {
      const v = new Float64Array(WF).fill(NaN);
      v[W.replicas] = 0;
      v[W.cpu] = 0;
      v[W.memory] = 0;
      out.set(wk, (w = { ref: p.ref, v, requests: 0 }));
    }
    const v = w.v;
    v[W.replicas]++;
    if (Number.isFinite(p.cpu)) v[W.cpu] += p.cpu;
    if (Number.isFinite(p.memory)) v[W.memory] += p.memory;
    if (p.cpuRequest !== undefined && p.cpuRequest > 0) {
      v[W.cpuRequest] = w.requests === 0 ? p.cpuRequest : v[W.cpuRequest] + p.cpuRequest;
      w.requests++;
    }
    for (const f of ['cpuLimit', 'memoryLimit', 'rxBytes', 'txBytes', 'rxPackets', 'rxDropped'] as const) {
      if (Number.isFinite(p[f])) v[W[f]] = Number.isNaN(v[W[f]]) ? p[f] : v[W[f]] + p[f];
    }
  }
  for (const w of out.values()) if (w.requests > 0) w.v[W.cpuRequest] /= w.requests;
  return out;
}

/** `v` (values in {@link WORKLOAD_FIELDS} order) as the {@link WorkloadTotals} of workload `e` at `t`. */
export function totalsOf(e: { namespace: string; workload: string }, t: number, v: ArrayLike<number>): WorkloadTotals {
  const out = { namespace: e.namespace, workload: e.workload, t } as WorkloadTotals;
  for (let f = 0; f < WF; f++) out[WORKLOAD_FIELDS[f]] = v[f];
  return out;
}
