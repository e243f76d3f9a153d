/**
 * What one scoring cycle leaves behind once the policy has decided: per pod its scores, its decision
 * and the facts its alerts will state, the pods that went away, and the early warnings firing. The
 * engine's cycle builds it; `telemetry/` turns it into gauges, `notify/` into alerts, the API into
 * /detect, a replay into a list of alerts to compare with a fault list. Plain data: nothing in it
 * changes after the cycle that made it (estimates are copied).
 */
import type { PodSample } from '../core/samples.js';
import type { PodRef } from '../core/series.js';
import type { FeatureContribution } from '../core/snapshot.js';
import type { ShiftKind } from '../explain/changepoint.js';
import type { ExhaustionEstimate } from '../forecast/exhaustion.js';
import type { ExhaustionResource } from '../forecast/exhaustion-monitor.js';

/** The latest result for one pod. */
export interface PodResult {
  ref: PodRef;
  t: number;
  sample: PodSample;
  score: number;
  flagged: boolean;
  /** Feature values by name (NaN → null in JSON). */
  features: Record<string, number>;
  /** Which model scored it: the pod's own (a streaming kind), the workload's own, or the cluster-wide fallback. */
  model: 'pod' | 'workload' | 'cluster';
  /** The model's own score, before the peer comparison. */
  modelScore: number;
  /** Score against the workload's other replicas (0 with fewer than 3 replicas or peerGroup off). */
  peerScore: number;
  /**
   * The score at or above which the pod's point is hot now: the model's threshold, or with calibrated
   * flags (once the pod's calibration has warmed up) the score rarer than the target rate among the
   * pod's own past scores (for a batch-trained model, the higher of the two); raised by its workload's
   * bar from operators' feedback (policy/workload-bars.ts). What the dashboards draw beside the score.
   */
  threshold: number;
  /** What its anomaly alert states while it fires (null or unset: not firing). */
  anomaly?: AnomalyFinding | null;
  /** Early warning: predicted seconds to the memory and CPU limits (Infinity: not heading there), and the warnings firing. */
  exhaustion?: { memorySeconds: number; cpuSeconds: number; warnings: string[] };
  /** While flagged and a workload it calls fires too: those alerts (topology inhibition; see {@link PodOutcome.inhibitedBy}). */
  inhibitedBy?: InhibitingAlert[];
}

/** What a firing anomaly alert states beside its score. */
export interface AnomalyFinding {
  /** The lowest score that flags the pod now (PodResult.threshold). */
  threshold: number;
  /** The features that contributed most, largest first (at most 3; empty when the model cannot explain). */
  topFeatures: FeatureContribution[];
  /** Set when the peer score alone reaches the threshold: the pod is unlike its replicas. */
  peer: { score: number; /** The feature behind it (null: unknown). */ feature: string | null } | null;
  /** The shape of the pod's recent scores: a lasting level shift, a spike, or none. */
  change: ShiftKind;
  /** The likely incident type, named by the production incident classifier from the pod's recent feature window (absent: no classifier in production). */
  incident?: IncidentGuess;
}

/** An incident classifier's guess at what a firing pod's incident is. */
export interface IncidentGuess {
  /** The most probable class, e.g. `memory_leak` (or `normal`: none of the classes it knows). */
  type: string;
  /** Its probability, in [0, 1]. */
  probability: number;
  /** The classifier version that named it. */
  version: string;
}

/** A firing early warning of one resource. */
export interface ExhaustionWarning {
  resource: ExhaustionResource;
  /** A copy of the estimate it fired on. */
  estimate: ExhaustionEstimate;
}

/** A firing anomaly alert of a workload downstream in the call graph, which inhibits the alerts of its callers. */
export interface InhibitingAlert {
  namespace: string;
  workload: string;
  /** The firing pod (absent when the workload fired within the inhibition's lookback but not now). */
  pod?: string;
}

/** One pod's outcome of a cycle. */
export interface PodOutcome {
  result: PodResult;
  /** The pod's anomaly alert started firing this cycle. */
  started: boolean;
  /** Set while the pod's anomaly alert fires. */
  anomaly: AnomalyFinding | null;
  /** Its early warnings firing now, memory before CPU. */
  warnings: ExhaustionWarning[];
  /**
   * Topology inhibition (policy/alert-inhibition.ts), while the anomaly fires and a workload the pod's
   * workload calls fires too: those alerts. Absent or empty otherwise.
   */
  inhibitedBy?: InhibitingAlert[];
  /** The anomaly alert is held: inhibited before it was ever sent in this firing run, so it is not sent now. */
  held?: boolean;
}

/** The outcome of one scoring cycle. */
export interface CycleResult {
  /** The snapshot's time, epoch ms. */
  t: number;
  /** False for the pass over the last history snapshot at the first training: scores only, no decisions. */
  decided: boolean;
  /** Version of the models that scored it. */
  modelVersion: string;
  /** Every pod of the snapshot, in its order. */
  pods: PodOutcome[];
  /** Pods scored before that are gone from this snapshot. */
  departed: PodRef[];
}

/**
 * Receives every scoring cycle's result after the engine has published it (the event store's
 * recorder, the API's live feed), the pass without decisions at the first training included. It is
 * called synchronously in the engine's loop: keep it short; what it throws is logged, never stops the loop.
 */
export interface CycleObserver {
  observe(result: CycleResult): void;
}
