/**
 * The notify protocol: the engine hands the notifier, every scoring cycle, the pods the policy flags
 * now, written as alerts (cycle-alerts.ts); the notifier lets the policy's alert lifecycle say which
 * state changes are due (firing, re-sent while it lasts, resolved) and delivers them to its sinks
 * (Alertmanager, a webhook). Delivery failures never throw into the engine:
 * they are kept for retry and reported through `status()`.
 */
import type { FeatureContribution } from '../core/snapshot.js';

/** One flagged pod, as the engine sees it this cycle. */
export interface FlaggedPod {
  namespace: string;
  pod: string;
  workload: string;
  node?: string;
  /** Anomaly score in [0, 1]. */
  score: number;
  /** The score at which the model flags. */
  threshold: number;
  /** The features that contributed most, largest first. */
  topFeatures: FeatureContribution[];
  /** Version of the model that scored it. */
  modelVersion: string;
  /** Extra annotations for the alert (e.g. `change`, `peer_outlier`). */
  annotations?: Record<string, string>;
  /**
   * The alert's name when it is not an anomaly (`KadPodAnomaly`), e.g. `KadResourceExhaustion`: such
   * an alert carries `annotations` as given (with `summary`), not the anomaly's score text.
   */
  alertname?: string;
  /** Extra labels that identify the alert beside the pod's (e.g. `resource`). */
  labels?: Record<string, string>;
}


/** Health of a notifier, for /readyz, /healthz and the notify_up gauge. */
export interface NotifierStatus {
  /** Sink name → whether its last delivery succeeded (true before any delivery). */
  sinks: Record<string, { up: boolean; lastError: string | null; pending: number; group?: string }>;
  /** Alerts currently firing. */
  firing: number;
}

/**
 * The sinks that make kad unready: those down whose group has no sink up (the replicas of an HA
 * Alertmanager are one group: alerts still reach it while one replica answers). In the status's order.
 */
export function sinksDown(sinks: NotifierStatus['sinks']): [string, NotifierStatus['sinks'][string]][] {
  const entries = Object.entries(sinks);
  const groupUp = new Set(entries.filter(([, v]) => v.up).map(([name, v]) => v.group ?? name));
  return entries.filter(([name, v]) => !v.up && !groupUp.has(v.group ?? name));
}

/** Turns flagged pods into alerts and delivers them. */
export interface Notifier {
  /** Called once per scoring cycle at time `t` (epoch ms) with every pod flagged now. Never throws. */
  update(t: number, flagged: readonly FlaggedPod[]): Promise<void>;
  status(): NotifierStatus;
  /** Flushes what it can and releases timers and files. */
  close(): Promise<void>;
}
