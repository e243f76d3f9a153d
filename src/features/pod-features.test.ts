import { describe, expect, it } from 'vitest';
import type { PodSample } from '../core/samples.js';
import { MESH_FEATURES, POD_FEATURE_MIN_SCALE, POD_FEATURES, PodFeatureExtractor, podFeatureMinScale, podFeatureNames, podFeatureOnlyAbove, podFeatureScoring } from './pod-features.js';

const ABOVE = POD_FEATURES.indexOf('cpu_above_peers');

function pod(name: string, workload: string, cpu: number): PodSample {
  return {
    ref: { namespace: 'shop', pod: name, workload }, cpu, memory: 2e8, restarts: 0, rxBytes: 1e5, txBytes: 1e5,
    rxPackets: 100, rxDropped: 0, cpuLimit: 2, memoryLimit: 1e9,
  };
}

describe('PodFeatureExtractor cpu_above_peers', () => {
  it('is 0 in a two-replica workload whose other replica is throttled (which one is odd cannot be told)', () => {
    const v = new PodFeatureExtractor().update({ t: 0, pods: [pod('a-1', 'a', 0.5), pod('a-2', 'a', 0.3)] });
    expect(v.get('shop/a-1')![ABOVE]).toBe(0);
    expect(v.get('shop/a-2')![ABOVE]).toBe(0);
  });

  it('is the log ratio to the median of three or more serving replicas, floored at 0', () => {
    const v = new PodFeatureExtractor().update({ t: 0, pods: [pod('b-1', 'b', 0.3), pod('b-2', 'b', 0.3), pod('b-3', 'b', 1.2)] });
    // CPU above a floor of 1 millicore per core of limit (2 cores here).
    expect(v.get('shop/b-3')![ABOVE]).toBeCloseTo(Math.log(1.202 / 0.302), 6);
    expect(v.get('shop/b-1')![ABOVE]).toBe(0);
  });
});

describe('PodFeatureExtractor cpu_per_traffic', () => {
  const PER = POD_FEATURES.indexOf('cpu_per_traffic');
  const at = (cpu: number, cpuLimit: number) => new PodFeatureExtractor().update({ t: 0, pods: [{ ...pod('s-1', 's', cpu), cpuLimit }] }).get('shop/s-1')![PER];

  it('reads CPU above a floor of 1 millicore per core of limit, so a small container\'s runaway is as large a move as a big one\'s', () => {
    // Limited to 20 millicores, idle at 0.07 and then at its limit: ln((0.02 + 2e-5) / (7e-5 + 2e-5)).
    expect(at(0.02, 0.02) - at(7e-5, 0.02)).toBeCloseTo(Math.log(0.02002 / 0.00009), 9);
    // The same shares of a 2-core limit move it as far.
    expect(at(2, 2) - at(7e-3, 2)).toBeCloseTo(at(0.02, 0.02) - at(7e-5, 0.02), 9);
    // Without a limit: 1 millicore, as for a 1-core limit; an infinite one is no limit either.
    expect(at(0.02, NaN) - at(7e-5, NaN)).toBeCloseTo(Math.log(0.021 / 0.00107), 9);
    expect(at(0.02, Infinity)).toBe(at(0.02, NaN));
  });

  it('keeps the floor of the last limit seen while a sample has none', () => {
    const x = new PodFeatureExtractor();
    const value = (t: number, cpuLimit: number) => x.update({ t, pods: [{ ...pod('s-1', 's', 7e-5), cpuLimit }] }).get('shop/s-1')![PER];
    const limited = value(0, 0.02);
    expect(value(60_000, NaN)).toBe(limited);
    expect(value(120_000, 0)).toBe(limited);
    expect(value(180_000, 2) - limited).toBeCloseTo(Math.log(2.07e-3 / 9e-5), 9); // a new limit (2 cores): a 100-fold floor
  });
});

describe('PodFeatureExtractor mesh features', () => {
  const meshPod = (name: string, workload: string, requestRate: number, errorRatio: number, latencyMs: number): PodSample => ({
    ...pod(name, workload, 0.3), requestRate, errorRatio, latencyMs,
  });
  const J = POD_FEATURES.length;

  it('adds request rate against the workload\'s replicas, 5xx share and ln latency after the pod\'s own, only when asked', () => {
    const snap = { t: 0, pods: [meshPod('c-1', 'c', 10, 0.01, 40), meshPod('c-2', 'c', 10, 0, 20), meshPod('c-3', 'c', 40, 0, 20), meshPod('d-1', 'd', 5, 0.2, 100)] };
    expect(new PodFeatureExtractor().update(snap).get('shop/c-1')).toHaveLength(J);
    const x = new PodFeatureExtractor({ mesh: true });
    expect(x.names).toEqual([...POD_FEATURES, ...MESH_FEATURES]);
    const v = x.update(snap);
    expect(v.get('shop/c-3')![J]).toBeCloseTo(Math.log(41 / 11), 9);
    expect(v.get('shop/c-1')![J]).toBeCloseTo(0, 9);
    expect(v.get('shop/c-1')![J + 1]).toBe(0.01);
    expect(v.get('shop/c-1')![J + 2]).toBeCloseTo(Math.log(40), 4);
    // Fewer than 3 replicas: no comparison (0).
    expect(v.get('shop/d-1')![J]).toBe(0);
    expect(v.get('shop/d-1')![J + 1]).toBe(0.2);
  });

  it('counts the callees the pod called before and not over the window, NaN for a pod without outbound series', () => {
    const v = new PodFeatureExtractor({ mesh: true }).update({ t: 0, pods: [{ ...meshPod('h-1', 'h', 5, 0, 20), missingCallees: 2 }, { ...meshPod('h-2', 'h', 5, 0, 20), missingCallees: 0 }, meshPod('h-3', 'h', 5, 0, 20)] });
    expect([v.get('shop/h-1')![J + 3], v.get('shop/h-2')![J + 3]]).toEqual([2, 0]);
    expect(v.get('shop/h-3')![J + 3]).toBeNaN();
  });

  it('is NaN for a pod without mesh data or without requests', () => {
    const v = new PodFeatureExtractor({ mesh: true }).update({ t: 0, pods: [pod('e-1', 'e', 0.3), meshPod('f-1', 'f', 0, NaN, NaN)] });
    expect(Array.from(v.get('shop/e-1')!.slice(J))).toEqual([NaN, NaN, NaN, NaN]);
    expect(v.get('shop/f-1')![J]).toBe(0);
    expect(v.get('shop/f-1')![J + 1]).toBeNaN();
    expect(v.get('shop/f-1')![J + 2]).toBeNaN();
  });
});

describe('PodFeatureExtractor custom series', () => {
  const J = POD_FEATURES.length;
  const custom = (name: string, values: Record<string, number> | undefined): PodSample => ({ ...pod(name, 'g', 0.3), ...(values ? { custom: values } : {}) });

  it('puts each custom value after the pod\'s own features and before the mesh\'s, NaN where the pod has none', () => {
    const x = new PodFeatureExtractor({ mesh: true, custom: ['queue_depth', 'gc_pause'] });
    expect(x.names).toEqual([...POD_FEATURES, 'queue_depth', 'gc_pause', ...MESH_FEATURES]);
    const v = x.update({ t: 0, pods: [custom('g-1', { queue_depth: 12, gc_pause: 0.25 }), custom('g-2', { queue_depth: NaN }), custom('g-3', undefined)] });
    expect(Array.from(v.get('shop/g-1')!.slice(J, J + 2))).toEqual([12, 0.25]);
    expect(Array.from(v.get('shop/g-2')!.slice(J, J + 2))).toEqual([NaN, NaN]);
    expect(Array.from(v.get('shop/g-3')!.slice(J, J + 2))).toEqual([NaN, NaN]);
    // The mesh's four follow (NaN: no mesh data).
    expect(v.get('shop/g-1')).toHaveLength(J + 2 + MESH_FEATURES.length);
  });

  it('has scale floors in the same order: the pod\'s, the custom ones, the mesh\'s', () => {
    expect(Array.from(podFeatureMinScale([3, 0]))).toEqual([...Array.from(POD_FEATURE_MIN_SCALE.subarray(0, J)), 3, 0, ...Array.from(POD_FEATURE_MIN_SCALE.subarray(J))]);
    expect(Array.from(podFeatureMinScale())).toEqual(Array.from(POD_FEATURE_MIN_SCALE));
    expect(podFeatureNames(false, ['q'])).toEqual([...POD_FEATURES, 'q']);
    expect(podFeatureNames(false)).toBe(POD_FEATURES);
  });

  it('scores latency, errors, missing callees, memory, restarts, drops and CPU above peers only above what is expected, at their places in the vector; CPU per traffic both ways, a custom series as its onlyAbove says', () => {
    const names = podFeatureNames(true, ['q', 'r']);
    expect(podFeatureOnlyAbove([false, false]).map((j) => names[j])).toEqual(['cpu_above_peers', 'memory_utilisation', 'restarts_recent', 'rx_drop_ratio', 'mesh_error_ratio', 'mesh_latency', 'mesh_missing_callees']);
    expect(podFeatureOnlyAbove([false, true]).map((j) => names[j])).toEqual(['cpu_above_peers', 'memory_utilisation', 'restarts_recent', 'rx_drop_ratio', 'r', 'mesh_error_ratio', 'mesh_latency', 'mesh_missing_callees']);
    expect(podFeatureOnlyAbove()).toEqual([1, 2, 3, 4, 6, 7, 8]);
    // Both, as the pod model and the peer group get them from the config's custom series.
    expect(podFeatureScoring([{ scaleFloor: 3 }, { scaleFloor: 0, onlyAbove: true }])).toEqual({ minScale: Array.from(podFeatureMinScale([3, 0])), onlyAbove: podFeatureOnlyAbove([false, true]) });
    expect(podFeatureScoring()).toEqual({ minScale: Array.from(POD_FEATURE_MIN_SCALE), onlyAbove: [1, 2, 3, 4, 6, 7, 8] });
  });
});
