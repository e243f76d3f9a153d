/**
 * The simulator's public data shapes: what a pod looks like from outside, one metric sample, the
 * ground truth of an incident, the events a caller can schedule, a workload's traffic shape and a
 * pod's sidecar counters (shared by the modules that model them, so none imports another for a type). Behaviour lives elsewhere:
 * `cluster.ts` runs the cluster, `incidents.ts` applies incidents, `schedule.ts` plans them.
 */
import type { Rng } from '../core/rng.js';

/** One Prometheus sample: a metric name, its label set and its current value. */
export interface MetricSample {
  name: string;
  /** Label names to values; shared and frozen per pod, so do not mutate. */
  labels: Record<string, string>;
  value: number;
  /** Epoch milliseconds, written into the exposition when present. */
  timestamp?: number;
}

/** A pod alive in the simulated cluster, as `kubectl get pods -o wide` would describe it. */
export interface SimPod {
  namespace: string;
  pod: string;
  /** Owning Deployment; `workloadFromPodName(pod)` returns the same name. */
  workload: string;
  node: string;
  /** The pod's single container (named after the workload). */
  container: string;
  /** The ReplicaSet that owns the pod: `<workload>-<pod-template-hash>`. */
  replicaSet: string;
  /** Epoch ms the pod was created. */
  createdAt: number;
  /** Whether the pod passes its readiness probe (and so receives traffic). */
  ready: boolean;
  /** kube_pod_container_status_restarts_total for its container. */
  restarts: number;
}

/** A Deployment's state now, for scaling and forecasting code that wants the simulator's truth. */
export interface WorkloadStatus {
  namespace: string;
  workload: string;
  /** `spec.replicas` (set by the HPA where there is one). */
  desiredReplicas: number;
  readyReplicas: number;
  /** Pods of any revision, ready or not. */
  pods: number;
  /** Requests per second the workload receives now (before it is spread over ready pods). */
  requestsPerSecond: number;
  /** Current ReplicaSet name (`<workload>-<hash>`); changes with each rollout. */
  replicaSet: string;
  /** Whether an HPA-like rule sets the replica count. */
  autoscaled: boolean;
}

/**
 * Incident kinds. The first six and the two mesh faults are faults a good detector should flag;
 * `traffic_peak`, `rollout` and `scale` are benign (`benign: true`) and should not be flagged. The
 * mesh faults (`latency_fault`: one pod answers slowly; `error_fault`: one pod answers a share of
 * requests with a 5xx) barely move the pod's CPU and memory, as on Nezha; they show in the service
 * mesh's series, the pod's and its callers'.
 */
export type IncidentKind =
  | 'cpu_runaway'
  | 'memory_leak'
  | 'oom_kill'
  | 'crash_loop'
  | 'packet_loss'
  | 'noisy_neighbour'
  | 'traffic_peak'
  | 'rollout'
  | 'scale'
  | 'latency_fault'
  | 'error_fault';

/** Incident kinds a caller can schedule (`traffic_peak` follows from the daily pattern). */
export type SchedulableKind = Exclude<IncidentKind, 'traffic_peak'>;

/** Every incident kind, in a stable order. */
export const INCIDENT_KINDS: readonly IncidentKind[] = [
  'cpu_runaway', 'memory_leak', 'oom_kill', 'crash_loop', 'packet_loss', 'noisy_neighbour',
  'traffic_peak', 'rollout', 'scale', 'latency_fault', 'error_fault',
];

/** Kinds that are ground truth of normal operation, not faults. */
export const BENIGN_KINDS: ReadonlySet<IncidentKind> = new Set<IncidentKind>(['traffic_peak', 'rollout', 'scale']);

/**
 * Ground truth of one incident or benign event. Times are epoch ms, `end` exclusive. `pod` and
 * `node` are empty for events of a whole workload (`rollout`, `scale`); `workload` is empty too for
 * events of a whole namespace (`traffic_peak`). A mesh fault names the faulty pod; its `affected` are
 * the pods of the workloads that call the faulty one, directly or further up, whose latency or errors
 * follow.
 */
export interface Incident {
  /** Stable id: `e<n>` for explicit events, `r<n>` for random ones, derived ids for the rest. */
  id: string;
  kind: IncidentKind;
  benign: boolean;
  namespace: string;
  workload: string;
  pod: string;
  node: string;
  start: number;
  end: number;
  /** Other pods involved: victims of a noisy neighbour, pods replaced by a rollout or a scale, callers of a mesh fault's pod. */
  affected?: string[];
  /** Kind-specific parameters (drop fraction, cores, restart times…), for evaluation and demos. */
  detail?: Record<string, number | string>;
}

/**
 * An event to inject at a given time. Pod-level kinds need a target: `pod` (exact name, resolved
 * when the event starts), or `workload` (+ optional `replica` ordinal among its pods, oldest first);
 * without either, a default workload per kind is used.
 */
export interface ScheduledEvent {
  kind: SchedulableKind;
  /** Start, epoch ms; effects (and the ground truth's `start`) begin on the first tick at or after it. */
  at: number;
  /** Length; defaults per kind. For `memory_leak` it is the time from the leak's start to the OOM kill. */
  durationMs?: number;
  namespace?: string;
  workload?: string;
  pod?: string;
  /** Which pod of the workload (0 = oldest), modulo the number of pods. Default 0. */
  replica?: number;
  /** For `scale`: the new replica count (workloads without an HPA only). */
  replicas?: number;
  /**
   * Kind-specific strength: `packet_loss` drop fraction (0.05–0.3), `cpu_runaway` fraction of the
   * CPU limit reached, `noisy_neighbour` cores burnt by the aggressor, `latency_fault` extra ms per
   * request (100–400), `error_fault` share of requests answered with a 5xx (0.1–0.4). Drawn from the
   * seed when absent.
   */
  intensity?: number;
}

/** How incidents are scheduled. */
export interface ScenarioOptions {
  /** No incidents or benign events (other than the natural daily pattern) before this time; default start + 60 min. */
  quietUntil?: number;
  /** Mean minutes between scheduled events after `quietUntil`; default 15. */
  everyMinutes?: number;
  /** Explicit events instead of (or in addition to) the random schedule. */
  events?: ScheduledEvent[];
  /** Whether to plan random events after `quietUntil`; default true. */
  random?: boolean;
  /**
   * Whether the random schedule's rotation includes the mesh faults (`latency_fault`, `error_fault`)
   * on workloads that other workloads call; default false, so that the random schedule of a seed
   * stays what it was before the mesh existed.
   */
  meshFaults?: boolean;
}

/**
 * Shape of a workload's day: `web` peaks mid-afternoon UTC (15:00) with a night trough 3.5× lower
 * and quieter weekends; `nightly` (batch jobs) peaks at 02:00 every day; `flat` has no seasonality.
 */
export type TrafficPattern = 'web' | 'nightly' | 'flat';

/** One pod's sidecar: cumulative counters since the pod started, and its state now. */
export interface PodMeshState {
  /** Requests received per inbound source s and code c (0: success, 1: 5xx), at s·2 + c. */
  readonly requests: Float64Array;
  /** Sum of their latencies (ms), same index. */
  readonly latencySum: Float64Array;
  /** Requests at or below each bucket bound, at (s·2 + c)·B + b (B bounds). */
  readonly buckets: Float64Array;
  /** Requests sent to each workload the pod's workload calls (index as the workload's outbound list). */
  readonly outbound: Float64Array;
  /** Mean latency (ms) and 5xx share of the pod's answers now. */
  latencyMs: number;
  errorShare: number;
  /** Log-noise of its serving time (AR(1)). */
  noise: number;
  readonly rng: Rng;
}
