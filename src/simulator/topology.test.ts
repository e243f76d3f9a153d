import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.js';
import { SimulatedCluster } from './cluster.js';
import { defaultTopology, podSuffix, replicaSetHash, validateTopology, type ClusterTopology } from './topology.js';

const MONDAY = Date.parse('2024-03-04T00:00:00Z');

describe('topology', () => {
  it('describes at least 22 pods over 4 namespaces and 4 nodes, with HPA on two workloads', () => {
    const t = defaultTopology();
    expect(t.workloads.reduce((n, w) => n + w.replicas, 0)).toBeGreaterThanOrEqual(22);
    expect(new Set(t.workloads.map((w) => w.namespace)).size).toBe(4);
    expect(t.nodes).toHaveLength(4);
    expect(t.workloads.filter((w) => w.autoscale).map((w) => w.name)).toEqual(['frontend', 'catalog']);
    expect(validateTopology(t)).toBeUndefined();
  });

  it('makes ReplicaSet hashes of 10 hex digits that change with the revision and the seed', () => {
    const h1 = replicaSetHash(1, 'shop', 'cart', 1);
    expect(h1).toMatch(/^[0-9a-f]{10}$/);
    expect(replicaSetHash(1, 'shop', 'cart', 1)).toBe(h1);
    expect(replicaSetHash(1, 'shop', 'cart', 2)).not.toBe(h1);
    expect(replicaSetHash(2, 'shop', 'cart', 1)).not.toBe(h1);
    const rng = createRng(5);
    for (let i = 0; i < 50; i++) expect(podSuffix(rng)).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it('rejects broken topologies and runs a custom small one', () => {
    const base = defaultTopology();
    expect(validateTopology({ nodes: [], workloads: base.workloads })).toMatch(/node/);
    expect(validateTopology({ nodes: base.nodes, workloads: [base.workloads[0], base.workloads[0]] })).toMatch(/twice/);
    expect(validateTopology({ nodes: base.nodes, workloads: [{ ...base.workloads[1], name: 'Bad_Name' }] })).toMatch(/DNS/);
    expect(() => new SimulatedCluster({ start: MONDAY, topology: { nodes: [], workloads: [] } })).toThrow(/topology/);

    const small: ClusterTopology = { nodes: base.nodes.slice(0, 1), workloads: [{ ...base.workloads[1], replicas: 3 }] };
    const c = new SimulatedCluster({ seed: 1, start: MONDAY, topology: small, scenario: { quietUntil: MONDAY, everyMinutes: 5 } });
    c.advanceTo(MONDAY + 3 * 3_600_000);
    expect(c.pods()).toHaveLength(3);
    expect(c.incidents().filter((i) => !i.benign).length).toBeGreaterThan(5);
  });
});
