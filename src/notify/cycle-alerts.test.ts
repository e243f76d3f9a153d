import { describe, expect, it } from 'vitest';
import type { PodOutcome } from '../policy/cycle-result.js';
import { exhaustionAnnotations, flaggedPods, formatDuration, inhibitedBy } from './cycle-alerts.js';

const T0 = Date.UTC(2026, 0, 5);
const MiB = 1024 * 1024;

describe('exhaustionAnnotations', () => {
  it('gives the predicted time as an ISO instant and seconds, with its interval', () => {
    const e = {
      at: T0, tteSeconds: 2712.4, tteLowerSeconds: 2000, tteUpperSeconds: Infinity, slopePerSecond: 1000, slopeStdErr: 10,
      level: 400 * MiB, limit: 512 * MiB, confidence: 0.81234, score: 0.6, windowSeconds: 3600, warmingUp: false,
    };
    const a = exhaustionAnnotations('memory', e);
    expect(a.resource).toBe('memory');
    expect(a.predicted_exhaustion_at).toBe(new Date(T0 + 2_712_400).toISOString());
    expect(a.time_to_exhaustion_seconds).toBe('2712');
    expect(a.time_to_exhaustion_upper_seconds).toBe('+Inf');
    expect(a.usage_ratio).toBe('0.7813');
    expect(a.summary).toContain('45m');
    expect(exhaustionAnnotations('cpu', { ...e, tteSeconds: Infinity }).predicted_exhaustion_at).toBe('');
  });

  it('formats durations', () => {
    expect(formatDuration(59)).toBe('1m');
    expect(formatDuration(3 * 3600 + 12 * 60)).toBe('3h12m');
    expect(formatDuration(50 * 3600)).toBe('2d2h');
    expect(formatDuration(Infinity)).toBe('never');
  });
});

describe('flaggedPods and topology inhibition', () => {
  const anomaly = { threshold: 0.5, topFeatures: [], peer: null, change: 'none' as const };
  const outcome = (pod: string, extra: Partial<PodOutcome> = {}): PodOutcome => ({
    result: { ref: { namespace: 'shop', pod, workload: pod.split('-')[0] }, score: 0.9 } as PodOutcome['result'],
    started: false, anomaly, warnings: [], ...extra,
  });

  it('leaves held alerts out and names the inhibiting alerts of the others', () => {
    const by = [{ namespace: 'shop', workload: 'payment', pod: 'payment-1' }, { namespace: 'shop', workload: 'cart' }];
    const flagged = flaggedPods({
      t: 0, decided: true, modelVersion: 'v', departed: [],
      pods: [outcome('payment-1'), outcome('checkout-1', { held: true, inhibitedBy: by }), outcome('frontend-1', { inhibitedBy: by })],
    });
    expect(flagged.map((f) => f.pod)).toEqual(['payment-1', 'frontend-1']);
    expect(flagged[0].annotations?.inhibited_by).toBeUndefined();
    expect(flagged[1].annotations?.inhibited_by).toBe('KadPodAnomaly{namespace="shop",workload="payment",pod="payment-1"}, KadPodAnomaly{namespace="shop",workload="cart"}');
    expect(inhibitedBy([])).toBe('');
  });

  it('states the incident type the classifier named, and its probability, in the annotations', () => {
    const named = { ...anomaly, incident: { type: 'memory_leak', probability: 0.8765432, version: 'v0002' } };
    const [f, g] = flaggedPods({ t: 0, decided: true, modelVersion: 'v', departed: [], pods: [outcome('cart-1', { anomaly: named }), outcome('cart-2')] });
    expect(f.annotations).toMatchObject({ incident_type: 'memory_leak', incident_probability: '0.876543' });
    expect(g.annotations?.incident_type).toBeUndefined();
  });
});
