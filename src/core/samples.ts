/**
 * What every source produces and every later stage reads: one pod's derived metrics at one time, and
 * all pods at one instant.
 */
import type { PodRef } from './series.js';

/** One pod's metrics at one time. Rates are per second over the source's rate window. */
export interface PodSample {
  ref: PodRef;
  /** CPU in cores (rate of container_cpu_usage_seconds_total). */
  cpu: number;
  /** Memory in bytes (working set, or usage where that is what the source has). */
  memory: number;
  /** Cumulative container restarts (kube_pod_container_status_restarts_total). */
  restarts: number;
  /** Network bytes per second received / transmitted. NaN when the source has no network metrics. */
  rxBytes: number;
  txBytes: number;
  /** Received packets per second, and dropped received packets per second. NaN when unknown. */
  rxPackets: number;
  rxDropped: number;
  /** Container limits (cores, bytes); NaN when none is set. */
  cpuLimit: number;
  memoryLimit: number;
  /** Container CPU requests (cores), what an HPA's utilisation is measured against; NaN or absent when unknown. */
  cpuRequest?: number;
  /** When the pod started (epoch ms), when the source knows it. */
  startedAt?: number;
  /**
   * Service mesh (Istio with `reporter="destination"`, or Linkerd's inbound side): requests per second
   * the pod received. Absent or NaN when the source has no mesh series for the pod.
   */
  requestRate?: number;
  /** Share of those requests answered with a 5xx (Linkerd: `classification="failure"`); NaN without requests. */
  errorRatio?: number;
  /** Their mean latency, ms (histogram `_sum` / `_count`). */
  latencyMs?: number;
  /** Their 99th-percentile latency, ms (from the histogram buckets, as `histogram_quantile` interpolates). */
  latencyP99Ms?: number;
  /**
   * The mesh's outbound side (Istio `reporter="source"`, Linkerd `direction="outbound"`, from the pod's
   * own proxy): how many of the workloads this pod calls regularly ({@link CALLEE_WINDOWS}) got no
   * request from it over the rate window. A service that fails early stops calling what
   * it calls after the failing step (Nezha: checkout's exceptions leave email and payment uncalled).
   * Absent or NaN when the pod has no outbound series (it calls nothing, or there is no mesh).
   */
  missingCallees?: number;
  /**
   * The custom series of the config (`features.custom`, core/feature-names.ts), by feature name: this
   * pod's value of each. A name absent, or NaN: no value for the pod (a missing feature).
   */
  custom?: Readonly<Record<string, number>>;
}

/**
 * A callee counts toward a pod's missing callees ({@link PodSample.missingCallees}) when the pod called it
 * in at least {@link CALLEE_REGULAR} of the last {@link CALLEE_WINDOWS} rate windows (the current
 * one included): a callee called now and then (a login service, a nightly job's API) going quiet
 * for a window is not news. Ten windows are the call graph's 10 minutes at the default 1-minute
 * window; half of them, "most of the time". Every source applies it (sources/prometheus-mesh.ts,
 * simulator.ts, nezha-mesh.ts).
 */
export const CALLEE_WINDOWS = 10;
/** See {@link CALLEE_WINDOWS}. */
export const CALLEE_REGULAR = 5;

/**
 * The rule of {@link CALLEE_WINDOWS} over a pod's `callees`: how many are regular and got no call in
 * the latest window; NaN when none is regular. `called(callee, k)`: whether the callee got a call in
 * the window k windows back (0: the latest). The simulator and replay sources count with it; the
 * Prometheus source asks the same of PromQL (sources/prometheus-mesh.ts).
 */
export function countMissingCallees<C>(callees: Iterable<C>, called: (callee: C, k: number) => boolean): number {
  let missing = 0;
  let regulars = 0;
  for (const callee of callees) {
    let n = 0;
    for (let k = 0; k < CALLEE_WINDOWS; k++) if (called(callee, k)) n++;
    if (n < CALLEE_REGULAR) continue;
    regulars++;
    if (!called(callee, 0)) missing++;
  }
  return regulars > 0 ? missing : NaN;
}

/** The service mesh's fields of a {@link PodSample}, in this order wherever they are kept as columns. */
export const MESH_FIELDS = ['requestRate', 'errorRatio', 'latencyMs', 'latencyP99Ms', 'missingCallees'] as const satisfies readonly (keyof PodSample)[];
/** One of {@link MESH_FIELDS}. */
export type MeshField = (typeof MESH_FIELDS)[number];

/** An edge of the service call graph: workload `from` calls workload `to` (keys `namespace/workload`). */
export interface CallEdge {
  from: string;
  to: string;
}

/** All pods seen at one instant. */
export interface PodSnapshot {
  /** Epoch milliseconds. */
  t: number;
  pods: PodSample[];
}
