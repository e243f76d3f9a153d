/**
 * The source protocol: where per-pod metrics come from (the simulator, Prometheus, the metrics API).
 * A source answers in already-derived per-pod values (rates per second, gauges, cumulative restart
 * counts), so the stages after it do not care where the numbers came from.
 */
import type { CallEdge, PodSnapshot } from '../core/samples.js';

/** Told by {@link Source.history} how many of its units of work are done, of how many. */
export type HistoryProgress = (done: number, total: number) => void;

/** A source of per-pod metrics. */
export interface Source {
  /** Short name shown on /healthz ("simulator", "prometheus"). */
  readonly name: string;
  /**
   * Snapshots every `stepMs` over [start, end] (epoch ms), oldest first, for training. A source that
   * takes a while may tell `onProgress` how far it is (units of its own: steps, requests).
   */
  history(start: number, end: number, stepMs: number, signal?: AbortSignal, onProgress?: HistoryProgress): Promise<PodSnapshot[]>;
  /** The snapshot at time `t` (normally now). */
  current(t: number, signal?: AbortSignal): Promise<PodSnapshot>;
  /**
   * The service call graph around time `t`: which workload calls which, from the service mesh's series
   * (Istio's `source_workload` → `destination_workload`, Linkerd's `deployment` → `dst_deployment`).
   * Absent, or empty, where the source has no mesh. The engine asks every few minutes.
   */
  callGraph?(t: number, signal?: AbortSignal): Promise<CallEdge[]>;
  /** Releases connections and timers. */
  close(): Promise<void>;
}
