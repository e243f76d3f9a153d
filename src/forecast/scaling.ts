/**
 * Predictive scaling: a recommended replica count per deployment, sized for the demand forecast over
 * the next `leadMs` instead of the demand now, so the replicas are there before a daily peak.
 *
 * Demand is in any unit a replica serves (CPU cores, requests per second); `capacityPerReplica` is
 * what one replica serves at 100% (its CPU request, say), `targetUtilisation` the share to aim for.
 * - Reactive (what an HPA computes from usage now): desired = ceil(demand / (capacity · target)),
 *   unchanged while demand / (replicas · capacity · target) is within ±`tolerance` of 1.
 * - Predictive: the same rule on the forecast peak, the highest `quantile` (default the upper end of
 *   the 80% interval) of the forecast steps in (now, now + leadMs], except that the tolerance only
 *   holds scale-downs (a peak above the target scales up); the recommendation is the larger of
 *   predictive and reactive, so it never has fewer replicas than the demand now needs.
 * - When there is no usable forecast (none, stale), or the series' recent forecasts are poor
 *   (accuracy.ts), the recommendation is the reactive one, and the reason says so.
 * Then, as the HPA does: clamp to [minReplicas, maxReplicas]; scale up at once, scale down only to
 * the highest recommendation of the last `scaleDownStabilisationMs`.
 * Time comes in with each call; nothing else is kept but the recent recommendations per key.
 */
import type { Config } from '../config/schema.js';
import { InputError, ModelFormatError } from '../core/errors.js';
import type { AccuracyStats } from './accuracy.js';
import type { SeriesForecast } from './forecaster.js';

/** How one deployment is scaled. */
export interface ScalingPolicy {
  minReplicas: number;
  maxReplicas: number;
  /** Share of a replica's capacity to aim for, (0, 1]. */
  targetUtilisation: number;
  /** Demand one replica serves at 100%, in the demand's unit (e.g. the CPU request in cores). Required. */
  capacityPerReplica: number;
  /** Relative band around the target in which nothing changes (the HPA's 0.1). */
  tolerance: number;
  /** Scale-down stabilisation window, ms (the HPA's default 5 minutes). */
  scaleDownStabilisationMs: number;
  /** How far ahead the forecast peak is taken, ms. Default the whole forecast. */
  leadMs: number;
  /** Which forecast value sizes the replicas. Default `upper80`. */
  quantile: 'point' | 'upper80' | 'upper95';
}

/** The fields of a {@link ScalingPolicy} that the config sets (section `scaling`; see {@link scalingSettings}). */
export type ScalingSettings = Pick<ScalingPolicy, 'minReplicas' | 'maxReplicas' | 'targetUtilisation' | 'scaleDownStabilisationMs'>;

/** The rule's own defaults, which the config does not set: the HPA's tolerance, the whole forecast, its upper 80% bound. */
export const SCALING_RULE_DEFAULTS: Readonly<Pick<ScalingPolicy, 'tolerance' | 'leadMs' | 'quantile'>> = Object.freeze({
  tolerance: 0.1, leadMs: Infinity, quantile: 'upper80',
});

/** The `scaling` config section as {@link ScalingSettings}. */
export function scalingSettings(s: Readonly<Config['scaling']>): ScalingSettings {
  return { targetUtilisation: s.targetUtilisation, minReplicas: s.minReplicas, maxReplicas: s.maxReplicas, scaleDownStabilisationMs: s.scaleDownStabilisationSeconds * 1000 };
}

/** One decision's inputs. */
export interface ScalingInput {
  /** The deployment, e.g. `shop/frontend`. */
  key: string;
  /** Epoch ms. */
  now: number;
  currentReplicas: number;
  /** Total demand now (all replicas together). */
  currentDemand: number;
  /** The demand forecast (total), when there is one. */
  forecast?: Pick<SeriesForecast, 'issuedAt' | 'startMs' | 'stepMs' | 'point' | 'upper80' | 'upper95'>;
  /** Recent accuracy of that forecast (accuracy.ts). */
  accuracy?: Pick<AccuracyStats, 'poor' | 'mase' | 'points'>;
  /** Overrides of the recommender's policy for this deployment. */
  policy?: Partial<ScalingPolicy>;
}

/** A recommendation and why. */
export interface ScalingRecommendation {
  key: string;
  at: number;
  replicas: number;
  currentReplicas: number;
  /** What the reactive rule gives now (clamped). */
  reactiveReplicas: number;
  /** What the forecast peak needs (clamped), or null when the forecast was not used. */
  predictiveReplicas: number | null;
  mode: 'predictive' | 'reactive';
  forecastPeak: number | null;
  forecastPeakAt: number | null;
  /** What held the count: the bounds or the stabilisation window. */
  limitedBy: 'min' | 'max' | 'stabilisation' | null;
  reason: string;
}

/** A {@link ReplicaRecommender} as JSON. */
export interface RecommenderSnapshot {
  kind: 'kad-replica-recommender';
  formatVersion: 1;
  policy: ScalingSettings & Partial<ScalingPolicy>;
  recent: Record<string, [number, number][]>;
}

/** Fills in the rule's defaults and checks a policy; throws {@link InputError} naming a bad or missing setting. */
export function resolveScalingPolicy(p: Partial<ScalingPolicy>): ScalingPolicy {
  const r = { ...SCALING_RULE_DEFAULTS, capacityPerReplica: NaN, ...Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined && v !== null)) } as ScalingPolicy;
  if (!(r.capacityPerReplica > 0 && Number.isFinite(r.capacityPerReplica))) throw new InputError(`scaling: capacityPerReplica must be a number above 0, got ${r.capacityPerReplica}`);
  if (!(Number.isInteger(r.minReplicas) && r.minReplicas >= 0 && Number.isInteger(r.maxReplicas) && r.maxReplicas >= Math.max(1, r.minReplicas))) {
    throw new InputError(`scaling: need integers 0 <= minReplicas <= maxReplicas (maxReplicas >= 1), got ${r.minReplicas} and ${r.maxReplicas}`);
  }
  if (!(r.targetUtilisation > 0 && r.targetUtilisation <= 1)) throw new InputError(`scaling: targetUtilisation must be in (0, 1], got ${r.targetUtilisation}`);
  if (!(r.tolerance >= 0 && r.tolerance < 1)) throw new InputError(`scaling: tolerance must be in [0, 1), got ${r.tolerance}`);
  if (!(r.scaleDownStabilisationMs >= 0 && r.leadMs > 0)) throw new InputError(`scaling: scaleDownStabilisationMs must be >= 0 and leadMs > 0, got ${r.scaleDownStabilisationMs} and ${r.leadMs}`);
  if (!['point', 'upper80', 'upper95'].includes(r.quantile)) throw new InputError(`scaling: quantile must be point, upper80 or upper95, got ${JSON.stringify(r.quantile)}`);
  return r;
}

/**
 * Replicas for `demand` by the HPA's rule, before clamping: the current count while demand per replica
 * is within ±tolerance of the target. With `upOnly`, the tolerance holds only below the target: any
 * demand above it scales up (the predictive rule, already sized on an upper bound).
 */
export function replicasFor(demand: number, currentReplicas: number, p: ScalingPolicy, upOnly = false): number {
  const perReplica = p.capacityPerReplica * p.targetUtilisation;
  if (!(demand > 0)) return 0;
  const need = Math.ceil(demand / perReplica - 1e-9);
  const ratio = currentReplicas > 0 ? demand / (currentReplicas * perReplica) : Infinity;
  if (Math.abs(ratio - 1) <= p.tolerance && !(upOnly && need > currentReplicas)) return currentReplicas;
  return need;
}

/** Recommends replica counts (see the module comment). */
export class ReplicaRecommender {
  private readonly recent = new Map<string, [number, number][]>();

  /** `policy` holds the settings for every deployment; `recommend` may override them per call. */
  constructor(readonly policy: ScalingSettings & Partial<ScalingPolicy>) {}

  /** The recommendation for one deployment now. */
  recommend(input: ScalingInput): ScalingRecommendation {
    const p = resolveScalingPolicy({ ...this.policy, ...input.policy });
    const { key, now, currentReplicas: cur, currentDemand } = input;
    if (!(Number.isInteger(cur) && cur >= 0)) throw new InputError(`scaling ${key}: currentReplicas must be an integer >= 0, got ${cur}`);
    const clamp = (r: number): number => Math.min(p.maxReplicas, Math.max(p.minReplicas, r));
    const fmt = (v: number): string => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3));
    const reactiveRaw = replicasFor(currentDemand, cur, p);
    const reactive = clamp(reactiveRaw);
    const now_ = `current demand ${fmt(currentDemand)} needs ${reactiveRaw} at ${Math.round(p.targetUtilisation * 100)}% of ${fmt(p.capacityPerReplica)} per replica`;
    let raw = reactiveRaw;
    let predictive: number | null = null;
    let peak: number | null = null;
    let peakAt: number | null = null;
    let reason: string;
    const fc = input.forecast;
    const acc = input.accuracy;
    const usable = fc ? peakOf(fc, now, p) : undefined;
    if (acc?.poor) reason = `reactive: forecast poor (MASE ${fmt(acc.mase)} over ${acc.points} points); ${now_}`;
    else if (!fc) reason = `reactive: no forecast; ${now_}`;
    else if (!usable) reason = `reactive: forecast from ${new Date(fc.issuedAt).toISOString()} has no step ahead of now; ${now_}`;
    else {
      peak = usable.value;
      peakAt = usable.at;
      const need = replicasFor(peak, cur, p, true);
      predictive = clamp(need);
      raw = Math.max(need, reactiveRaw);
      const label = p.quantile === 'point' ? 'point' : p.quantile === 'upper80' ? 'upper 80%' : 'upper 95%';
      reason = `predictive: forecast ${label} peak ${fmt(peak)} at ${new Date(peakAt).toISOString().slice(11, 16)}Z needs ${need}; ${now_}`;
      if (reactiveRaw > need) reason += ' (the larger)';
    }
    const clamped = clamp(raw);
    let limitedBy: ScalingRecommendation['limitedBy'] = clamped > raw ? 'min' : clamped < raw ? 'max' : null;
    // Scale-down stabilisation: the highest recommendation of the window.
    const hist = (this.recent.get(key) ?? []).filter(([t]) => now - t <= p.scaleDownStabilisationMs && t <= now);
    hist.push([now, clamped]);
    this.recent.set(key, hist);
    let replicas = clamped;
    for (const [, r] of hist) replicas = Math.max(replicas, r);
    if (replicas > clamped) limitedBy = 'stabilisation';
    if (limitedBy === 'min') reason += `; raised to minReplicas ${p.minReplicas}`;
    if (limitedBy === 'max') reason += `; capped at maxReplicas ${p.maxReplicas}`;
    if (limitedBy === 'stabilisation') reason += `; held at ${replicas} by the ${p.scaleDownStabilisationMs / 1000} s scale-down stabilisation window (wants ${clamped})`;
    return {
      key, at: now, replicas, currentReplicas: cur, reactiveReplicas: reactive, predictiveReplicas: predictive,
      mode: predictive === null ? 'reactive' : 'predictive', forecastPeak: peak, forecastPeakAt: peakAt, limitedBy, reason,
    };
  }

  /** Drops a deployment's history (it was deleted). */
  forget(key: string): void {
    this.recent.delete(key);
  }

  /** The state as JSON (see {@link RecommenderSnapshot}). */
  toJSON(): RecommenderSnapshot {
    return { kind: 'kad-replica-recommender', formatVersion: 1, policy: { ...this.policy }, recent: Object.fromEntries([...this.recent].map(([k, v]) => [k, v.map(([t, r]) => [t, r] as [number, number])])) };
  }

  /** Restores a recommender saved by {@link toJSON}; throws {@link ModelFormatError} on a wrong kind or version. */
  static fromJSON(s: RecommenderSnapshot): ReplicaRecommender {
    if (s?.kind !== 'kad-replica-recommender' || s.formatVersion !== 1) {
      throw new ModelFormatError(`expected a kad-replica-recommender snapshot of formatVersion 1, got ${JSON.stringify({ kind: s?.kind, formatVersion: s?.formatVersion })}`);
    }
    const r = new ReplicaRecommender(s.policy);
    for (const [k, v] of Object.entries(s.recent)) r.recent.set(k, v.map(([t, n]) => [t, n]));
    return r;
  }
}

/** The highest chosen value among forecast steps in (now, now + leadMs], or undefined when there is none. */
function peakOf(fc: NonNullable<ScalingInput['forecast']>, now: number, p: ScalingPolicy): { value: number; at: number } | undefined {
  const values = fc[p.quantile];
  let best: { value: number; at: number } | undefined;
  for (let i = 0; i < values.length; i++) {
    const t = fc.startMs + i * fc.stepMs;
    if (t <= now || t > now + p.leadMs || !Number.isFinite(values[i])) continue;
    if (!best || values[i] > best.value) best = { value: values[i], at: t };
  }
  return best;
}
