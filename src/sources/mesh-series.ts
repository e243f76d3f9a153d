/**
 * Reading a service mesh's series, for the sources that see raw samples (the embedded simulator):
 * per pod the cumulative counters from which request rate, 5xx share and latency follow as rates, and
 * the call graph. Istio: `istio_requests_total{reporter="destination"}` and
 * `istio_request_duration_milliseconds_{bucket,sum,count}` keyed by their `namespace` and `pod`
 * labels (the destination pod, added by Prometheus's pod scrape); callers from `source_workload`.
 * Linkerd: `request_total{direction="inbound"}`, `response_total{direction="inbound"}` (5xx: its
 * `classification="failure"`) and `response_latency_ms_*`; callers from the outbound side,
 * `request_total{direction="outbound"}` by `deployment` → `dst_deployment`.
 * The Prometheus source asks the same of PromQL (prometheus-mesh.ts).
 */
import type { CallEdge } from '../core/samples.js';
import { ISTIO_BUCKETS_MS, LINKERD_BUCKETS_MS } from '../simulator/mesh.js';

/** Which mesh's series a source reads: whichever it finds, one of them, or none. */
export type MeshMode = 'auto' | 'istio' | 'linkerd' | 'off';

/** Every mesh mode, for the config schema. */
export const MESH_MODES: readonly MeshMode[] = ['auto', 'istio', 'linkerd', 'off'];

/** Bucket bounds (ms) the reader keeps: Istio's and Linkerd's defaults (a bound that has no series stays absent). */
export const MESH_BOUNDS_MS: readonly number[] = [...new Set([...ISTIO_BUCKETS_MS, ...LINKERD_BUCKETS_MS])].sort((a, b) => a - b);

const BOUND_INDEX = new Map(MESH_BOUNDS_MS.map((b, i) => [String(b), i]));

/** Slots of a pod's mesh counters: requests, 5xx, latency sum, latency count, then a bucket per bound and +Inf. */
export const MESH_REQUESTS = 0;
export const MESH_ERRORS = 1;
export const MESH_SUM = 2;
export const MESH_COUNT = 3;
export const MESH_BUCKETS = 4;
/** Length of a pod's mesh counters. */
export const MESH_SLOTS = MESH_BUCKETS + MESH_BOUNDS_MS.length + 1;

/** A sample as the reader needs it. */
export interface MeshSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** What a sample name counts: its flavour, and the slot it adds to (-1: a bucket, by its `le`). */
interface Role {
  flavour: 'istio' | 'linkerd';
  slot: number;
  /** Counts toward the 5xx slot too when this label has a failing value. */
  failure?: (l: Record<string, string>) => boolean;
}

const ROLES: ReadonlyMap<string, Role> = new Map<string, Role>([
  ['istio_requests_total', { flavour: 'istio', slot: MESH_REQUESTS, failure: (l) => l.response_code?.startsWith('5') ?? false }],
  ['istio_request_duration_milliseconds_sum', { flavour: 'istio', slot: MESH_SUM }],
  ['istio_request_duration_milliseconds_count', { flavour: 'istio', slot: MESH_COUNT }],
  ['istio_request_duration_milliseconds_bucket', { flavour: 'istio', slot: -1 }],
  ['response_total', { flavour: 'linkerd', slot: MESH_REQUESTS, failure: (l) => l.classification === 'failure' }],
  ['response_latency_ms_sum', { flavour: 'linkerd', slot: MESH_SUM }],
  ['response_latency_ms_count', { flavour: 'linkerd', slot: MESH_COUNT }],
  ['response_latency_ms_bucket', { flavour: 'linkerd', slot: -1 }],
]);

/** The bucket slot of an `le` label value, or undefined for a bound the reader does not keep. */
function bucketSlot(le: string | undefined): number | undefined {
  if (le === undefined) return undefined;
  if (le === '+Inf') return MESH_BUCKETS + MESH_BOUNDS_MS.length;
  const b = BOUND_INDEX.get(le) ?? BOUND_INDEX.get(String(Number(le)));
  return b === undefined ? undefined : MESH_BUCKETS + b;
}

/**
 * Adds the mesh samples of `samples` to per-pod counters (`namespace/pod` → {@link MESH_SLOTS}
 * values; a bucket bound without a series stays NaN). Only Istio's `reporter="destination"` and
 * Linkerd's `direction="inbound"` series count. `mode` picks the flavour; `auto` takes Istio's where
 * a pod has both. Returns nothing for `off`.
 */
export function meshCounters(samples: Iterable<MeshSample>, mode: MeshMode): Map<string, Float64Array> {
  const out = new Map<string, Float64Array>();
  if (mode === 'off') return out;
  const byFlavour = { istio: new Map<string, Float64Array>(), linkerd: new Map<string, Float64Array>() };
  for (const s of samples) {
    const role = ROLES.get(s.name);
    if (!role || (mode !== 'auto' && mode !== role.flavour)) continue;
    const l = s.labels;
    if (role.flavour === 'istio' ? l.reporter !== 'destination' : l.direction !== 'inbound') continue;
    if (!l.namespace || !l.pod) continue;
    const key = `${l.namespace}/${l.pod}`;
    const pods = byFlavour[role.flavour];
    let c = pods.get(key);
    if (!c) {
      c = new Float64Array(MESH_SLOTS).fill(NaN, MESH_BUCKETS);
      pods.set(key, c);
    }
    if (role.slot >= 0) {
      c[role.slot] += s.value;
      if (role.failure?.(l)) c[MESH_ERRORS] += s.value;
      continue;
    }
    const i = bucketSlot(l.le);
    if (i !== undefined) c[i] = (Number.isNaN(c[i]) ? 0 : c[i]) + s.value;
  }
  for (const [key, c] of byFlavour.istio) out.set(key, c);
  for (const [key, c] of byFlavour.linkerd) if (!out.has(key)) out.set(key, c);
  return out;
}

/**
 * Per pod (`namespace/pod` of the caller's own proxy), its outbound request counters by callee
 * workload (`namespace/workload`): Istio's `istio_requests_total{reporter="source"}` by
 * `destination_workload(_namespace)`, Linkerd's `request_total{direction="outbound"}` by
 * `dst_namespace` / `dst_deployment`. `auto` takes Istio's where a pod has both; nothing for `off`.
 * The Prometheus source asks the same of PromQL (prometheus-mesh.ts `missingCallees`).
 */
export function outboundCounters(samples: Iterable<MeshSample>, mode: MeshMode): Map<string, Map<string, number>> {
  const byFlavour = { istio: new Map<string, Map<string, number>>(), linkerd: new Map<string, Map<string, number>>() };
  if (mode === 'off') return byFlavour.istio;
  for (const s of samples) {
    const l = s.labels;
    let flavour: 'istio' | 'linkerd';
    let callee: string;
    if (s.name === 'istio_requests_total' && l.reporter === 'source' && mode !== 'linkerd') {
      flavour = 'istio';
      callee = `${l.destination_workload_namespace}/${l.destination_workload}`;
    } else if (s.name === 'request_total' && l.direction === 'outbound' && mode !== 'istio') {
      flavour = 'linkerd';
      callee = `${l.dst_namespace ?? l.namespace}/${l.dst_deployment}`;
    } else continue;
    if (!l.namespace || !l.pod) continue;
    const key = `${l.namespace}/${l.pod}`;
    const pods = byFlavour[flavour];
    let m = pods.get(key);
    if (!m) pods.set(key, (m = new Map()));
    m.set(callee, (m.get(callee) ?? 0) + s.value);
  }
  const out = byFlavour.istio;
  for (const [key, m] of byFlavour.linkerd) if (!out.has(key)) out.set(key, m);
  return out;
}

/** The call graph in `samples`: Istio's caller → destination workloads, Linkerd's outbound edges. */
export function meshEdges(samples: Iterable<MeshSample>, mode: MeshMode): CallEdge[] {
  const edges = new Map<string, CallEdge>();
  if (mode === 'off') return [];
  for (const s of samples) {
    const l = s.labels;
    let from: string | undefined;
    let to: string | undefined;
    if ((mode === 'auto' || mode === 'istio') && s.name === 'istio_requests_total') {
      if (l.source_workload && l.source_workload !== 'unknown' && l.destination_workload && l.destination_workload !== 'unknown') {
        from = `${l.source_workload_namespace}/${l.source_workload}`;
        to = `${l.destination_workload_namespace}/${l.destination_workload}`;
      }
    } else if ((mode === 'auto' || mode === 'linkerd') && s.name === 'request_total' && l.direction === 'outbound') {
      if (l.deployment && l.dst_deployment) {
        from = `${l.namespace}/${l.deployment}`;
        to = `${l.dst_namespace ?? l.namespace}/${l.dst_deployment}`;
      }
    }
    if (from && to && from !== to && s.value > 0) edges.set(`${from}>${to}`, { from, to });
  }
  return [...edges.values()];
}

/**
 * The `q` quantile of a histogram from its cumulative bucket counts (or rates) at `bounds`, the last
 * entry being +Inf, as Prometheus's `histogram_quantile` computes it: linear within the bucket the
 * rank falls in, from 0 for the first; the largest finite bound when it falls in +Inf. Entries that
 * are NaN (bounds the histogram does not have) are skipped. NaN when the total is not positive.
 */
export function histogramQuantile(q: number, bounds: readonly number[], cumulative: ArrayLike<number>): number {
  const n = bounds.length;
  const total = cumulative[n];
  if (!(total > 0) || !(q >= 0 && q <= 1)) return NaN;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  let lastFinite = NaN;
  for (let i = 0; i < n; i++) {
    const c = cumulative[i];
    if (Number.isNaN(c)) continue;
    if (c >= rank) {
      const inBucket = c - below;
      return inBucket > 0 ? lower + (bounds[i] - lower) * ((rank - below) / inBucket) : bounds[i];
    }
    lower = bounds[i];
    below = c;
    lastFinite = bounds[i];
  }
  return lastFinite;
}
