/**
 * The source protocol: where per-pod metrics come from (the simulator, Prometheus, the metrics API).
 * A source answers in already-derived per-pod values (rates per second, gauges, cumulative restart
 * counts), so the stages after it do not care where the numbers came from.
 */
import type { PodRef } from '../core/series.js';

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
}

/** All pods seen at one instant. */
export interface PodSnapshot {
  /** Epoch milliseconds. */
  t: number;
  pods: PodSample[];
}

/** A source of per-pod metrics. */
export interface Source {
  /** Short name shown on /healthz ("simulator", "prometheus"). */
  readonly name: string;
  /** Snapshots every `stepMs` over [start, end] (epoch ms), oldest first, for training. */
  history(start: number, end: number, stepMs: number, signal?: AbortSignal): Promise<PodSnapshot[]>;
  /** The snapshot at time `t` (normally now). */
  current(t: number, signal?: AbortSignal): Promise<PodSnapshot>;
  /** Releases connections and timers. */
  close(): Promise<void>;
}
