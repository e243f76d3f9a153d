import { describe, expect, it } from 'vitest';
import type { PodSample } from '../core/samples.js';
import { POD_FEATURES, PodFeatureExtractor } from './pod-features.js';

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
    expect(v.get('shop/b-3')![ABOVE]).toBeCloseTo(Math.log(1.201 / 0.301), 6);
    expect(v.get('shop/b-1')![ABOVE]).toBe(0);
  });
});
