/**
 * Predictive against reactive scaling on the simulator, read-only: one autoscaled web Deployment
 * whose traffic follows the daily cycle. The simulator's own HPA (targetRps per ready pod, ±10%
 * tolerance, 5-minute scale-down window) is the reactive baseline; alongside, every minute, the
 * request rate goes into a {@link ForecastService} (refreshed every 5 minutes) and a
 * {@link ReplicaRecommender} recommends replicas from the 30-minute forecast.
 *
 * Utilisation = demand / (replicas · capacity), capacity = targetRps / targetUtilisation, so the HPA's
 * target is the same `targetUtilisation` for both. The reactive side uses the simulator's ready pods;
 * the recommended side the recommendation of the minute before (as if applied one minute later, about
 * the time a new pod takes to become ready).
 */
import { loadConfig } from '../config/load.js';
import { workloadKey } from '../core/series.js';
import { ReplicaRecommender, scalingSettings, type ScalingRecommendation } from '../forecast/scaling.js';
import { ForecastService } from '../forecast/service.js';
import { SimulatedCluster } from '../simulator/cluster.js';
import { defaultTopology, type WorkloadSpec } from '../simulator/topology.js';
import { SIM_CORPUS_START } from './forecast-corpus.js';

/** Options of {@link simulateScaling}. */
export interface ScalingSimOptions {
  seed?: number;
  /** Default Tuesday 2024-02-27 00:00 UTC. */
  start?: number;
  /** Days of history before the day reported. Default 7. */
  historyDays?: number;
  /** Daily-mean requests per second. Default 400. */
  rps?: number;
  /** Requests per second per pod the HPA aims at. Default 40. */
  targetRps?: number;
  /** Default 0.7. */
  targetUtilisation?: number;
  minReplicas?: number;
  maxReplicas?: number;
}

/** One minute of the reported day. */
export interface ScalingMinute {
  t: number;
  /** Requests per second now. */
  demand: number;
  reactiveReplicas: number;
  reactiveUtilisation: number;
  recommendedReplicas: number;
  recommendedUtilisation: number;
  recommendation: ScalingRecommendation;
}

/** Summary of a stretch of minutes. */
export interface ScalingSummary {
  minutes: number;
  reactiveMaxUtilisation: number;
  recommendedMaxUtilisation: number;
  /** Minutes above the target utilisation. */
  reactiveOverTarget: number;
  recommendedOverTarget: number;
  /** Mean replicas (cost). */
  reactiveMeanReplicas: number;
  recommendedMeanReplicas: number;
  /** Minutes the recommendation fell back to reactive. */
  reactiveFallbacks: number;
}

/** The reported day, minute by minute, and what it needs to be read. */
export interface ScalingSimResult {
  workload: string;
  targetUtilisation: number;
  capacityPerReplica: number;
  minutes: ScalingMinute[];
}

/** Runs the simulation (see the module comment): `historyDays` of history, then one day reported minute by minute. */
export function simulateScaling(o: ScalingSimOptions = {}): ScalingSimResult {
  const start = o.start ?? SIM_CORPUS_START;
  const target = o.targetUtilisation ?? 0.7;
  const targetRps = o.targetRps ?? 40;
  const base = defaultTopology();
  const spec: WorkloadSpec = {
    ...base.workloads[0], name: 'web', rps: o.rps ?? 400, replicas: o.minReplicas ?? 2,
    autoscale: { minReplicas: o.minReplicas ?? 2, maxReplicas: o.maxReplicas ?? 40, targetRps },
  };
  const cluster = new SimulatedCluster({ seed: o.seed ?? 7, start, topology: { nodes: base.nodes, workloads: [spec] }, scenario: { random: false } });
  const key = workloadKey({ namespace: spec.namespace, workload: spec.name });
  const capacity = targetRps / target;
  const service = new ForecastService({ stepMs: 60_000, refreshMs: 5 * 60_000 });
  const recommender = new ReplicaRecommender({
    ...scalingSettings(loadConfig({ env: {} }).scaling), capacityPerReplica: capacity, targetUtilisation: target, minReplicas: spec.autoscale!.minReplicas, maxReplicas: spec.autoscale!.maxReplicas,
  });
  const reportFrom = start + (o.historyDays ?? 7) * 86_400_000;
  const end = reportFrom + 86_400_000;
  const minutes: ScalingMinute[] = [];
  let applied = spec.replicas;
  for (let t = start + 60_000; t < end; t += 60_000) {
    cluster.advanceTo(t);
    const w = cluster.workloads()[0];
    const demand = w.requestsPerSecond;
    service.observe(key, t, demand);
    if (t < reportFrom - 86_400_000) continue; // forecasts and recommendations over the last day of history warm up the accuracy and the window
    service.refresh(t);
    const rec = recommender.recommend({ key, now: t, currentReplicas: applied, currentDemand: demand, forecast: service.forecast(key), accuracy: service.accuracy(key) });
    if (t >= reportFrom) {
      minutes.push({
        t, demand, reactiveReplicas: w.readyReplicas, reactiveUtilisation: demand / (Math.max(1, w.readyReplicas) * capacity),
        recommendedReplicas: applied, recommendedUtilisation: demand / (Math.max(1, applied) * capacity), recommendation: rec,
      });
    }
    applied = rec.replicas;
  }
  return { workload: key, targetUtilisation: target, capacityPerReplica: capacity, minutes };
}

/** Summarises the minutes with `from <= hour of day (UTC) < to`. */
export function summariseScaling(r: ScalingSimResult, fromHour = 0, toHour = 24): ScalingSummary {
  const ms = r.minutes.filter((m) => {
    const h = new Date(m.t).getUTCHours();
    return h >= fromHour && h < toHour;
  });
  const max = (f: (m: ScalingMinute) => number): number => ms.reduce((a, m) => Math.max(a, f(m)), 0);
  const count = (f: (m: ScalingMinute) => boolean): number => ms.filter(f).length;
  const mean = (f: (m: ScalingMinute) => number): number => ms.reduce((a, m) => a + f(m), 0) / Math.max(1, ms.length);
  return {
    minutes: ms.length,
    reactiveMaxUtilisation: max((m) => m.reactiveUtilisation), recommendedMaxUtilisation: max((m) => m.recommendedUtilisation),
    reactiveOverTarget: count((m) => m.reactiveUtilisation > r.targetUtilisation), recommendedOverTarget: count((m) => m.recommendedUtilisation > r.targetUtilisation),
    reactiveMeanReplicas: mean((m) => m.reactiveReplicas), recommendedMeanReplicas: mean((m) => m.recommendedReplicas),
    reactiveFallbacks: count((m) => m.recommendation.mode === 'reactive'),
  };
}

/** The table of the day: one row every `everyMinutes`, then summaries of the day and of the peak hours. */
export function formatScalingTable(r: ScalingSimResult, everyMinutes = 60, peak: [number, number] = [12, 18]): string {
  const pct = (v: number): string => `${(100 * v).toFixed(0)}%`.padStart(5);
  const lines = [
    `${r.workload}: capacity ${r.capacityPerReplica.toFixed(1)} rps per replica, target utilisation ${pct(r.targetUtilisation).trim()}; recommended = forecast (upper 80%, next 30 min), applied 1 min later`,
    'time (UTC)   demand rps   reactive (HPA)  util   recommended  util   mode',
  ];
  for (const m of r.minutes) {
    if (Math.round((m.t % 86_400_000) / 60_000) % everyMinutes !== 0) continue;
    lines.push(`${new Date(m.t).toISOString().slice(11, 16)}        ${m.demand.toFixed(1).padStart(7)}   ${String(m.reactiveReplicas).padStart(12)}  ${pct(m.reactiveUtilisation)}   ${String(m.recommendedReplicas).padStart(11)}  ${pct(m.recommendedUtilisation)}   ${m.recommendation.mode}`);
  }
  for (const [label, a, b] of [['whole day', 0, 24], [`peak ${peak[0]}:00–${peak[1]}:00`, peak[0], peak[1]]] as const) {
    const s = summariseScaling(r, a, b);
    lines.push(
      `${label}: max utilisation reactive ${pct(s.reactiveMaxUtilisation).trim()} vs recommended ${pct(s.recommendedMaxUtilisation).trim()}; `
      + `minutes over target ${s.reactiveOverTarget} vs ${s.recommendedOverTarget} of ${s.minutes}; mean replicas ${s.reactiveMeanReplicas.toFixed(2)} vs ${s.recommendedMeanReplicas.toFixed(2)}; reactive fallbacks ${s.reactiveFallbacks}`,
    );
  }
  return lines.join('\n') + '\n';
}
