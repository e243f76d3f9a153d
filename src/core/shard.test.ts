import { describe, expect, it } from 'vitest';
import type { PodSnapshot } from './samples.js';
import { ordinalFromHostname, shardOf, ShardOwnership } from './shard.js';

const keys = Array.from({ length: 20_000 }, (_, i) => `team-${i % 97}/svc-${i}`);

describe('shardOf (rendezvous hashing)', () => {
  it('is stable: the same owners in every process (pinned values)', () => {
    // Pinned so that a change of the hash (which would move every workload on upgrade) fails here.
    const pinned = ['shop/catalog', 'shop/cart', 'platform/ingress-nginx', 'kube-system/coredns'].map((k) => shardOf(k, 4));
    expect(pinned).toEqual([3, 1, 0, 2]);
    expect(shardOf('anything', 1)).toBe(0);
  });

  it('is balanced: each of 4 shards owns 25% ± 2% of 20,000 workloads', () => {
    const counts = new Array(4).fill(0);
    for (const k of keys) counts[shardOf(k, 4)]++;
    for (const c of counts) expect(Math.abs(c / keys.length - 0.25)).toBeLessThan(0.02);
  });

  it('moves only the workloads that must move from N to N+1 shards: about 1/(N+1), all to the new shard', () => {
    for (const n of [1, 2, 4, 7]) {
      let moved = 0;
      for (const k of keys) {
        const before = shardOf(k, n);
        const after = shardOf(k, n + 1);
        if (before !== after) {
          moved++;
          expect(after).toBe(n);
        }
      }
      expect(Math.abs(moved / keys.length - 1 / (n + 1))).toBeLessThan(0.02);
    }
  });
});

describe('ShardOwnership', () => {
  const pod = (namespace: string, workload: string, i: number) => ({
    ref: { namespace, workload, pod: `${workload}-${i}` }, cpu: 0, memory: 0, restarts: 0, rxBytes: NaN, txBytes: NaN, rxPackets: NaN, rxDropped: NaN, cpuLimit: NaN, memoryLimit: NaN,
  });
  const snap: PodSnapshot = { t: 1, pods: Array.from({ length: 300 }, (_, i) => pod(`ns-${i % 7}`, `w-${i % 50}`, i)) };

  it('splits a snapshot between shards: no pod twice, none lost, a workload\'s pods together', () => {
    const parts = [0, 1, 2].map((shard) => new ShardOwnership({ shard, shards: 3 }).filter(snap));
    const all = parts.flatMap((p) => p.pods.map((s) => `${s.ref.namespace}/${s.ref.pod}`));
    expect(all.length).toBe(snap.pods.length);
    expect(new Set(all).size).toBe(snap.pods.length);
    for (const p of parts) {
      expect(p.pods.length).toBeGreaterThan(0);
      expect(p.t).toBe(1);
    }
    const owner = new Map<string, number>();
    parts.forEach((p, s) => p.pods.forEach((x) => {
      const wk = `${x.ref.namespace}/${x.ref.workload}`;
      expect(owner.get(wk) ?? s).toBe(s);
      owner.set(wk, s);
    }));
  });

  it('by namespace: a namespace\'s pods all on one shard, every pod once', () => {
    const parts = [0, 1, 2].map((shard) => new ShardOwnership({ shard, shards: 3, by: 'namespace' }).filter(snap));
    expect(parts.reduce((n, p) => n + p.pods.length, 0)).toBe(snap.pods.length);
    parts.forEach((p, s) => {
      for (const x of p.pods) expect(shardOf(x.ref.namespace, 3)).toBe(s);
    });
    // 7 namespaces over 3 shards: some shard has more than one namespace, and no namespace is split.
    expect(parts.map((p) => new Set(p.pods.map((x) => x.ref.namespace)).size).reduce((a, b) => a + b, 0)).toBe(7);
  });

  it('owns everything with one shard and returns the snapshot itself', () => {
    const one = new ShardOwnership({ shard: 0, shards: 1 });
    expect(one.sharded).toBe(false);
    expect(one.filter(snap)).toBe(snap);
  });

  it('refuses a shard outside [0, shards)', () => {
    expect(() => new ShardOwnership({ shard: 2, shards: 2 })).toThrow(/shard 2 of 2/);
    expect(() => new ShardOwnership({ shard: -1, shards: 2 })).toThrow(RangeError);
  });
});

describe('ordinalFromHostname', () => {
  it('reads a StatefulSet pod\'s ordinal', () => {
    expect(ordinalFromHostname('kad-0')).toBe(0);
    expect(ordinalFromHostname('kad-anomaly-detector-12')).toBe(12);
    expect(ordinalFromHostname('kad-3.kad-headless.monitoring.svc')).toBe(3);
    expect(ordinalFromHostname('laptop')).toBeUndefined();
    expect(ordinalFromHostname('kad-7d4b9c8f6d-x2k9p')).toBeUndefined();
    expect(ordinalFromHostname(undefined)).toBeUndefined();
  });
});
