import { describe, expect, it } from 'vitest';
import { AlertFeed, detectLink, featureText, fingerprint, num, sig } from './alerts.js';
import type { FlaggedPod } from './base.js';

const T0 = Date.UTC(2024, 0, 1, 12, 0, 0);
const R = 60_000;

function pod(name: string, over: Partial<FlaggedPod> = {}): FlaggedPod {
  return {
    namespace: 'shop',
    pod: name,
    workload: 'cart',
    node: 'node-1',
    score: 0.97341234,
    threshold: 0.8,
    modelVersion: 'shop/cart@3',
    topFeatures: [
      { name: 'cpu_above_peers', value: 1.3812, z: 13.81, expected: [-0.2, 0.3] },
      { name: 'cpu_per_byte', value: 0.004, z: 4.2, expected: [0.001, 0.002] },
      { name: 'mem_share', value: 0.5, z: 1.1, expected: [0.2, 0.45] },
      { name: 'restarts', value: 0, z: 0, expected: [0, 0] },
    ],
    ...over,
  };
}

const lifecycle = (externalUrl?: string) => new AlertFeed({ resendMs: R, severity: 'warning', externalUrl });

describe('AlertLifecycle', () => {
  it('fires a newly flagged pod with its labels and annotations', () => {
    const lc = lifecycle('https://kad.example.com/');
    const [a, ...rest] = lc.update(T0, [pod('cart-1')]);
    expect(rest).toEqual([]);
    expect(a.status).toBe('firing');
    expect(a.labels).toEqual({ alertname: 'KadPodAnomaly', namespace: 'shop', pod: 'cart-1', workload: 'cart', severity: 'warning', source: 'kad' });
    expect(a.startsAt).toBe(new Date(T0).toISOString());
    expect(a.endsAt).toBe(new Date(T0 + 4 * R).toISOString());
    expect(a.generatorURL).toBe('https://kad.example.com/detect?namespace=shop');
    expect(a.annotations.score).toBe('0.973412');
    expect(a.annotations.threshold).toBe('0.8');
    expect(a.annotations.model_version).toBe('shop/cart@3');
    expect(a.annotations.top_features).toBe(
      'cpu_above_peers=1.38 (z=13.8, expected -0.2..0.3); cpu_per_byte=0.004 (z=4.2, expected 0.001..0.002); mem_share=0.5 (z=1.1, expected 0.2..0.45)',
    );
    expect(a.annotations.expected_range).toBe('-0.2..0.3');
    expect(a.annotations.link).toBe('https://kad.example.com/detect?namespace=shop');
    expect(a.annotations.summary).toContain('shop/cart-1');
    expect(a.annotations.summary).toContain('cpu_above_peers=1.38');
    expect(a.annotations.description).toContain('node node-1');
    expect(lc.firing()).toBe(1);
  });

  it('re-sends every resend interval with a later endsAt, same startsAt', () => {
    const lc = lifecycle();
    expect(lc.update(T0, [pod('a')])).toHaveLength(1);
    expect(lc.update(T0 + 30_000, [pod('a')])).toEqual([]);
    const [again] = lc.update(T0 + R, [pod('a', { score: 0.99 })]);
    expect(again.status).toBe('firing');
    expect(again.startsAt).toBe(new Date(T0).toISOString());
    expect(again.endsAt).toBe(new Date(T0 + 5 * R).toISOString());
    expect(again.annotations.score).toBe('0.990000');
    expect(lc.update(T0 + R + 59_999, [pod('a')])).toEqual([]);
    expect(lc.update(T0 + 2 * R, [pod('a')])).toHaveLength(1);
  });

  it('resolves once with endsAt = now, then forgets; flagged again is a new episode', () => {
    const lc = lifecycle();
    lc.update(T0, [pod('a'), pod('b')]);
    const out = lc.update(T0 + 50_000, [pod('b')]);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ status: 'resolved', startsAt: new Date(T0).toISOString(), endsAt: new Date(T0 + 50_000).toISOString() });
    expect(out[0].labels.pod).toBe('a');
    expect(lc.update(T0 + 55_000, [pod('b')])).toEqual([]);
    expect(lc.firing()).toBe(1);
    const again = lc.update(T0 + 58_000, [pod('a'), pod('b')]);
    expect(again).toHaveLength(1);
    expect(again[0]).toMatchObject({ status: 'firing', startsAt: new Date(T0 + 58_000).toISOString() });
    expect(again[0].labels.pod).toBe('a');
  });

  it('starts a new episode when the last send expired (kad was down), without a late resolution', () => {
    const lc = lifecycle();
    lc.update(T0, [pod('a'), pod('b')]);
    const later = T0 + 4 * R;
    const out = lc.update(later, [pod('a')]);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ status: 'firing', startsAt: new Date(later).toISOString() });
  });

  it('resolves the old label set and fires the new one when the labels change', () => {
    const lc = lifecycle();
    lc.update(T0, [pod('a')]);
    const out = lc.update(T0 + 1000, [pod('a', { workload: 'cart-v2' })]);
    expect(out.map((a) => [a.status, a.labels.workload])).toEqual([['resolved', 'cart'], ['firing', 'cart-v2']]);
  });

  it('round-trips through toJSON/restore and refuses what is not a snapshot', () => {
    const lc = lifecycle();
    lc.update(T0, [pod('a')]);
    const copy = lifecycle();
    copy.restore(JSON.parse(JSON.stringify(lc)));
    expect(copy.firing()).toBe(1);
    expect(copy.update(T0 + 1000, [pod('a')])).toEqual([]);
    expect(copy.update(T0 + 2000, [])[0]).toMatchObject({ status: 'resolved', startsAt: new Date(T0).toISOString() });
    expect(() => copy.restore({ kind: 'x' })).toThrow(/snapshot/);
    expect(() => copy.restore({ kind: 'kad-alert-lifecycle', formatVersion: 1, active: { a: { labels: 1 } } })).toThrow(/malformed/);
  });

  it('leaves out links without an external URL and features when there are none', () => {
    const [a] = lifecycle().update(T0, [pod('a', { topFeatures: [] })]);
    expect(a.generatorURL).toBe('');
    expect(a.annotations.link).toBeUndefined();
    expect(a.annotations.top_features).toBeUndefined();
    expect(a.annotations.summary).toMatch(/score 0\.973412 is above the threshold 0\.8$/);
  });
});

describe('formatting', () => {
  it('writes scores with 6 significant digits and features with 3', () => {
    expect(sig(0.5, 6)).toBe('0.500000');
    expect(sig(Number.NaN, 6)).toBe('NaN');
    expect(num(1_500_000_000)).toBe('1500000000');
    expect(num(-0.20001)).toBe('-0.2');
    expect(featureText({ name: 'x', value: 2, z: -3.333, expected: [0, 1] })).toBe('x=2 (z=-3.33, expected 0..1)');
    expect(detectLink('http://k/', 'a b')).toBe('http://k/detect?namespace=a%20b');
  });
});

describe('fingerprint', () => {
  it("equals Alertmanager's (observed from Alertmanager 0.25)", () => {
    expect(fingerprint({ alertname: 'X', pod: 'a' })).toBe('b3ca63deb80a9132');
    expect(fingerprint({ pod: 'c', alertname: 'X' })).toBe('b3c463deb8062584');
    expect(fingerprint({ alertname: 'X', pod: 'd', empty: '' })).toBe('b3d663deb8164bb7');
  });

  it('keeps an early warning of the same pod as a separate alert with its own name, labels and annotations', () => {
    const lc = lifecycle();
    const warn = pod('cart-1', {
      alertname: 'KadResourceExhaustion', labels: { resource: 'memory' }, topFeatures: [],
      annotations: { summary: 'memory of shop/cart-1 reaches its limit in about 1h 10m', time_to_exhaustion_seconds: '4200' },
    });
    const both = lc.update(T0, [pod('cart-1'), warn]);
    expect(both.map((a) => a.labels.alertname).sort()).toEqual(['KadPodAnomaly', 'KadResourceExhaustion']);
    const w = both.find((a) => a.labels.alertname === 'KadResourceExhaustion')!;
    expect(w.labels).toEqual({ alertname: 'KadResourceExhaustion', resource: 'memory', namespace: 'shop', pod: 'cart-1', workload: 'cart', severity: 'warning', source: 'kad' });
    expect(w.annotations).toEqual({ summary: 'memory of shop/cart-1 reaches its limit in about 1h 10m', time_to_exhaustion_seconds: '4200', model_version: 'shop/cart@3' });
    // The anomaly ends; the warning keeps firing.
    const next = lc.update(T0 + R, [warn]);
    expect(next.map((a) => [a.labels.alertname, a.status])).toEqual([['KadPodAnomaly', 'resolved'], ['KadResourceExhaustion', 'firing']]);
    expect(lc.firing()).toBe(1);
  });
});
