import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.js';
import { InputError, ModelFormatError } from '../core/errors.js';
import { ReplicaRecommender, replicasFor, resolveScalingPolicy, scalingSettings, type ScalingInput } from './scaling.js';

const MIN = 60_000;
const T = Date.parse('2024-03-05T12:00:00Z');
// 10 demand units per replica at 100%, aim for 50%: 5 units per replica; the rest as the config's defaults.
const POLICY = { ...scalingSettings(loadConfig({ env: {} }).scaling), capacityPerReplica: 10, targetUtilisation: 0.5, minReplicas: 2, maxReplicas: 20 };

/** A 30-step forecast from `now` rising linearly from `from` to `to`, upper 80% 10% above the point. */
function rising(now: number, from: number, to: number): NonNullable<ScalingInput['forecast']> {
  const point = Float64Array.from({ length: 30 }, (_, i) => from + ((to - from) * i) / 29);
  return { issuedAt: now, startMs: now + MIN, stepMs: MIN, point, upper80: point.map((v) => v * 1.1), upper95: point.map((v) => v * 1.2) };
}

describe('replicasFor', () => {
  it('is the HPA rule: ceil(demand / (capacity · target)), unchanged within the tolerance', () => {
    const p = resolveScalingPolicy(POLICY);
    expect(replicasFor(52, 10, p)).toBe(10); // 52 / 50 = 1.04: within 10%
    expect(replicasFor(60, 10, p)).toBe(12);
    expect(replicasFor(30, 10, p)).toBe(6);
    expect(replicasFor(15, 0, p)).toBe(3);
    expect(replicasFor(0, 4, p)).toBe(0);
    // The predictive rule scales up above the target even within the tolerance; down, it holds.
    expect(replicasFor(52, 10, p, true)).toBe(11);
    expect(replicasFor(48, 10, p, true)).toBe(10);
  });
});

describe('ReplicaRecommender', () => {
  it('scales ahead of a forecast rise, and says why', () => {
    const rec = new ReplicaRecommender(POLICY);
    const r = rec.recommend({ key: 'shop/web', now: T, currentReplicas: 4, currentDemand: 20, forecast: rising(T, 20, 60) });
    expect(r.mode).toBe('predictive');
    expect(r.reactiveReplicas).toBe(4); // 20 units on 4 replicas is on target
    expect(r.forecastPeak).toBeCloseTo(66, 9); // upper 80% of the last step
    expect(r.forecastPeakAt).toBe(T + 30 * MIN);
    expect(r.replicas).toBe(14); // ceil(66 / 5)
    expect(r.reason).toMatch(/^predictive: forecast upper 80% peak 66\.0 at 12:30Z needs 14; current demand 20\.0 needs 4/);
  });

  it('falls back to the reactive count when the forecast is poor, missing or stale', () => {
    const rec = new ReplicaRecommender(POLICY);
    const base = { key: 'k', now: T, currentReplicas: 4, currentDemand: 30 };
    const poor = rec.recommend({ ...base, forecast: rising(T, 20, 60), accuracy: { poor: true, mase: 1.4, points: 300 } });
    expect(poor).toMatchObject({ mode: 'reactive', replicas: 6, predictiveReplicas: null, forecastPeak: null });
    expect(poor.reason).toMatch(/^reactive: forecast poor \(MASE 1\.40 over 300 points\); current demand 30\.0 needs 6/);
    const none = new ReplicaRecommender(POLICY).recommend(base);
    expect(none.replicas).toBe(6);
    expect(none.reason).toMatch(/^reactive: no forecast/);
    const stale = new ReplicaRecommender(POLICY).recommend({ ...base, forecast: rising(T - 3_600_000, 20, 60) });
    expect(stale.mode).toBe('reactive');
    expect(stale.reason).toMatch(/has no step ahead of now/);
  });

  it('never recommends fewer than the demand now needs', () => {
    const r = new ReplicaRecommender(POLICY).recommend({ key: 'k', now: T, currentReplicas: 4, currentDemand: 40, forecast: rising(T, 10, 10) });
    expect(r.replicas).toBe(8);
    expect(r.predictiveReplicas).toBe(3);
    expect(r.reason).toMatch(/\(the larger\)/);
  });

  it('keeps to minReplicas and maxReplicas and says which held it', () => {
    const low = new ReplicaRecommender(POLICY).recommend({ key: 'k', now: T, currentReplicas: 2, currentDemand: 1, forecast: rising(T, 1, 1) });
    expect(low).toMatchObject({ replicas: 2, limitedBy: 'min' });
    expect(low.reason).toMatch(/raised to minReplicas 2/);
    const high = new ReplicaRecommender(POLICY).recommend({ key: 'k', now: T, currentReplicas: 10, currentDemand: 50, forecast: rising(T, 50, 500) });
    expect(high).toMatchObject({ replicas: 20, limitedBy: 'max' });
    expect(high.reason).toMatch(/capped at maxReplicas 20/);
  });

  it('scales up at once but down only after the stabilisation window', () => {
    const rec = new ReplicaRecommender({ ...POLICY, scaleDownStabilisationMs: 5 * MIN });
    const at = (min: number, demand: number, cur: number) => rec.recommend({ key: 'k', now: T + min * MIN, currentReplicas: cur, currentDemand: demand });
    expect(at(0, 20, 4).replicas).toBe(4);
    expect(at(1, 50, 4).replicas).toBe(10); // up at once
    const held = at(2, 20, 10);
    expect(held).toMatchObject({ replicas: 10, limitedBy: 'stabilisation' });
    expect(held.reason).toMatch(/held at 10 by the 300 s scale-down stabilisation window \(wants 4\)/);
    expect(at(6, 20, 10).replicas).toBe(10); // the 10 of minute 1 is 5 min old: still in the window
    expect(at(7, 20, 10).replicas).toBe(4); // out of the window now
    // Per deployment: another key has its own window.
    expect(rec.recommend({ key: 'other', now: T + 2 * MIN, currentReplicas: 10, currentDemand: 20 }).replicas).toBe(4);
  });

  it('can look at a shorter lead or another quantile, per call', () => {
    const rec = new ReplicaRecommender(POLICY);
    const f = rising(T, 20, 60);
    const soon = rec.recommend({ key: 'a', now: T, currentReplicas: 4, currentDemand: 20, forecast: f, policy: { leadMs: 10 * MIN, quantile: 'point' } });
    expect(soon.forecastPeakAt).toBe(T + 10 * MIN);
    expect(soon.forecastPeak).toBeCloseTo(20 + (40 * 9) / 29, 9);
  });

  it('round-trips through JSON and refuses bad policies', () => {
    const rec = new ReplicaRecommender(POLICY);
    rec.recommend({ key: 'k', now: T, currentReplicas: 4, currentDemand: 60 });
    const back = ReplicaRecommender.fromJSON(JSON.parse(JSON.stringify(rec.toJSON())));
    const next = { key: 'k', now: T + MIN, currentReplicas: 12, currentDemand: 10 };
    expect(back.recommend(next)).toEqual(rec.recommend(next));
    expect(() => ReplicaRecommender.fromJSON({ ...rec.toJSON(), kind: 'x' } as never)).toThrow(ModelFormatError);
    expect(() => resolveScalingPolicy({})).toThrow(/capacityPerReplica/);
    expect(() => resolveScalingPolicy({ ...POLICY, minReplicas: 5, maxReplicas: 3 })).toThrow(InputError);
    expect(() => resolveScalingPolicy({ ...POLICY, targetUtilisation: 1.5 })).toThrow(/targetUtilisation/);
  });
});
