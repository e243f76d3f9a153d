/**
 * The gauges kad publishes, written from what the stages produced: {@link recordCycle} from a scoring
 * cycle's result (per-pod score, threshold, flag and early-warning series, removed when a pod goes away; the
 * cycle counters), {@link recordForecasts} from the workload forecasts after a refresh.
 */
import { FORECAST_METRICS, type WorkloadForecasts } from '../forecast/workload-forecasts.js';
import type { PodRef } from '../core/series.js';
import type { CycleResult } from '../policy/cycle-result.js';
import type { Telemetry } from './metrics.js';

const RESOURCES = ['memory', 'cpu'] as const;

/** A pod's series key in the per-pod gauges: its labels (a pod whose workload changes gets a new series, as labels would). */
function seriesKey(ref: PodRef): string {
  return `${ref.namespace}\n${ref.pod}\n${ref.workload}`;
}

/** Publishes a scoring cycle's result; `inferenceSeconds` is the time it took to score. */
export function recordCycle(t: Telemetry, r: CycleResult, inferenceSeconds: number): void {
  // Alert starts per workload, counted first: one counter update per workload, not per pod.
  const starts = new Map<string, { labels: { namespace: string; workload: string }; n: number }>();
  for (const { result, started } of r.pods) {
    const { ref, exhaustion } = result;
    const key = seriesKey(ref);
    const labels = () => ({ namespace: ref.namespace, pod: ref.pod, workload: ref.workload });
    t.anomalyScore.set(key, labels, result.score);
    t.anomalyThreshold.set(key, labels, result.threshold);
    t.anomalyFlag.set(key, labels, result.flagged ? 1 : 0);
    const wk = `${ref.namespace}\n${ref.workload}`;
    const w = starts.get(wk);
    if (w) w.n += started ? 1 : 0;
    else starts.set(wk, { labels: { namespace: ref.namespace, workload: ref.workload }, n: started ? 1 : 0 });
    if (!exhaustion) continue;
    for (const resource of RESOURCES) {
      const rk = `${key}\n${resource}`;
      const l = () => ({ ...labels(), resource });
      const tte = resource === 'memory' ? exhaustion.memorySeconds : exhaustion.cpuSeconds;
      if (Number.isFinite(tte)) t.timeToExhaustion.set(rk, l, tte);
      else t.timeToExhaustion.remove(rk);
      t.earlyWarning.set(rk, l, exhaustion.warnings.includes(resource) ? 1 : 0);
    }
  }
  // Every workload's counter exists from its first cycle (at 0), so increase() sees its first flag.
  for (const { labels, n } of starts.values()) t.anomaliesDetected.inc(labels, n);
  for (const ref of r.departed) {
    // The pod went away: drop its series from /metrics.
    const key = seriesKey(ref);
    t.anomalyScore.remove(key);
    t.anomalyThreshold.remove(key);
    t.anomalyFlag.remove(key);
    for (const resource of RESOURCES) {
      t.timeToExhaustion.remove(`${key}\n${resource}`);
      t.earlyWarning.remove(`${key}\n${resource}`);
    }
  }
  if (r.decided) t.predictions.inc(r.pods.length);
  t.podsScored.set(r.pods.length);
  t.inferenceDuration.observe(inferenceSeconds);
  t.lastCycle.set(r.t / 1000);
}

/** Sets the forecast, accuracy and recommendation gauges from the latest forecasts. */
export function recordForecasts(t: Telemetry, f: Pick<WorkloadForecasts, 'workloads' | 'get' | 'recommendations'>): void {
  for (const g of [t.forecast, t.forecastMase, t.forecastMape, t.forecastCoverage, t.forecastPoor, t.recommendedReplicas, t.scalingPredictive]) g.reset();
  for (const [namespace, workload] of f.workloads()) {
    for (const metric of FORECAST_METRICS) {
      const { forecast: fc, accuracy: acc } = f.get(namespace, workload, metric);
      const l = { namespace, workload, metric };
      if (fc && fc.point.length) {
        const i = fc.point.length - 1;
        const bounds = { point: fc.point[i], lower_80: fc.lower80[i], upper_80: fc.upper80[i], lower_95: fc.lower95[i], upper_95: fc.upper95[i] };
        for (const [bound, v] of Object.entries(bounds)) if (Number.isFinite(v)) t.forecast.set({ ...l, bound }, v);
      }
      if (acc && acc.points > 0) {
        if (Number.isFinite(acc.mase)) t.forecastMase.set(l, acc.mase);
        if (Number.isFinite(acc.mape)) t.forecastMape.set(l, acc.mape);
        if (Number.isFinite(acc.coverage80)) t.forecastCoverage.set({ ...l, level: '0.8' }, acc.coverage80);
        if (Number.isFinite(acc.coverage95)) t.forecastCoverage.set({ ...l, level: '0.95' }, acc.coverage95);
        t.forecastPoor.set(l, acc.poor ? 1 : 0);
      }
    }
  }
  for (const { namespace, workload, recommendation: r } of f.recommendations().values()) {
    t.recommendedReplicas.set({ namespace, workload }, r.replicas);
    t.scalingPredictive.set({ namespace, workload }, r.mode === 'predictive' ? 1 : 0);
  }
}
