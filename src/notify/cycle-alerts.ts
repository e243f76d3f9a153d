/**
 * The alerts of a scoring cycle, written for people: each pod whose anomaly fires becomes a
 * `KadPodAnomaly` {@link FlaggedPod} (with a `peer_outlier` sentence when its replicas say it is the
 * odd one out, the `change` its recent scores show, and `inhibited_by` naming the alerts of the
 * workloads it calls that fire too), unless topology inhibition holds it; each firing early warning a
 * `KadResourceExhaustion{resource}` one with the prediction in its annotations. The notifier then
 * turns these into alert payloads (see alerts.ts).
 */
import type { ExhaustionEstimate } from '../forecast/exhaustion.js';
import type { ExhaustionResource } from '../forecast/exhaustion-monitor.js';
import type { CycleResult, InhibitingAlert, PodOutcome } from '../policy/cycle-result.js';
import { ALERT_NAME } from './alerts.js';
import type { FlaggedPod } from './base.js';

/** Alert name of an early warning, distinct from kad's anomaly alerts. */
export const EXHAUSTION_ALERT_NAME = 'KadResourceExhaustion';

/** One alert of a cycle: an anomaly's or an early warning's, and whether it is sent. */
export interface CycleAlert {
  alert: FlaggedPod;
  /** The pod's outcome it comes from. */
  outcome: PodOutcome;
  /** Set for an anomaly's alert. */
  anomaly: boolean;
  /** False for an anomaly that topology inhibition holds. */
  sent: boolean;
}

/**
 * Every alert a cycle fires, each anomaly followed by the pod's early warnings, in the snapshot's
 * order; an anomaly that topology inhibition holds is there, not sent (its early warnings are sent).
 */
export function cycleAlerts(result: CycleResult): CycleAlert[] {
  const out: CycleAlert[] = [];
  for (const o of result.pods) {
    if (o.anomaly) out.push({ alert: anomalyAlert(o, result.modelVersion), outcome: o, anomaly: true, sent: !o.held });
    for (const w of o.warnings) out.push({ alert: exhaustionAlert(o, w.resource, w.estimate, result.modelVersion), outcome: o, anomaly: false, sent: true });
  }
  return out;
}

/** The alerts a cycle sends ({@link cycleAlerts} less those topology inhibition holds), in the same order. */
export function flaggedPods(result: CycleResult): FlaggedPod[] {
  return cycleAlerts(result).filter((a) => a.sent).map((a) => a.alert);
}

function anomalyAlert(o: PodOutcome, modelVersion: string): FlaggedPod {
  const { ref, score } = o.result;
  const a = o.anomaly!;
  const annotations: Record<string, string> = {};
  if (a.peer) annotations.peer_outlier = `unlike the other replicas of ${ref.workload} in ${a.peer.feature ?? 'its features'} (peer score ${a.peer.score.toPrecision(6)})`;
  if (a.change !== 'none') annotations.change = a.change;
  if (o.inhibitedBy?.length) annotations.inhibited_by = inhibitedBy(o.inhibitedBy);
  if (a.incident) {
    annotations.incident_type = a.incident.type;
    annotations.incident_probability = a.incident.probability.toPrecision(6);
  }
  return {
    namespace: ref.namespace, pod: ref.pod, workload: ref.workload, node: ref.node,
    score, threshold: a.threshold, modelVersion, topFeatures: a.topFeatures, annotations,
  };
}

/**
 * The `inhibited_by` annotation: the inhibiting alerts as Alertmanager shows an alert,
 * `KadPodAnomaly{namespace="shop",workload="payment",pod="payment-…"}`, comma-separated.
 */
export function inhibitedBy(alerts: readonly InhibitingAlert[]): string {
  return alerts
    .map((a) => `${ALERT_NAME}{namespace="${a.namespace}",workload="${a.workload}"${a.pod ? `,pod="${a.pod}"` : ''}}`)
    .join(', ');
}

function exhaustionAlert(o: PodOutcome, resource: ExhaustionResource, e: Readonly<ExhaustionEstimate>, modelVersion: string): FlaggedPod {
  const { ref } = o.result;
  return {
    namespace: ref.namespace, pod: ref.pod, workload: ref.workload, node: ref.node,
    score: e.score, threshold: 0.5, topFeatures: [], modelVersion,
    alertname: EXHAUSTION_ALERT_NAME, labels: { resource }, annotations: exhaustionAnnotations(resource, e),
  };
}

/** Seconds as a short human duration: "47m", "3h12m", "2d4h". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'never';
  const m = Math.max(0, Math.round(seconds / 60));
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${h % 24}h`;
}

/**
 * The annotations of an early-warning alert: `resource`, `predicted_exhaustion_at` (ISO 8601),
 * `time_to_exhaustion_seconds` and its interval, the usage share of the limit, the trend per hour,
 * the confidence, and a one-line `summary`.
 */
export function exhaustionAnnotations(resource: ExhaustionResource, e: Readonly<ExhaustionEstimate>): Record<string, string> {
  const secs = (x: number) => (Number.isFinite(x) ? String(Math.round(x)) : '+Inf');
  const at = Number.isFinite(e.tteSeconds) && Number.isFinite(e.at) ? new Date(e.at + e.tteSeconds * 1000).toISOString() : '';
  const share = e.limit > 0 ? e.level / e.limit : NaN;
  const what = resource === 'memory' ? 'memory limit (OOM kill)' : 'CPU limit (throttling)';
  return {
    resource,
    predicted_exhaustion_at: at,
    time_to_exhaustion_seconds: secs(e.tteSeconds),
    time_to_exhaustion_lower_seconds: secs(e.tteLowerSeconds),
    time_to_exhaustion_upper_seconds: secs(e.tteUpperSeconds),
    usage_ratio: Number.isFinite(share) ? share.toFixed(4) : '',
    trend_ratio_per_hour: e.limit > 0 ? ((e.slopePerSecond * 3600) / e.limit).toFixed(5) : '',
    confidence: e.confidence.toFixed(4),
    window_seconds: String(e.windowSeconds),
    summary: `${resource} predicted to reach its ${what} in ${formatDuration(e.tteSeconds)} (between ${formatDuration(e.tteLowerSeconds)} and ${formatDuration(e.tteUpperSeconds)})`,
  };
}
