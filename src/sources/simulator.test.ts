import { describe, expect, it } from 'vitest';
import { SimulatedCluster } from '../simulator/cluster.js';
import { SimulatorSource } from './simulator.js';

const H = 3_600_000;
const START = Date.UTC(2026, 0, 5);

describe('SimulatorSource', () => {
  it('serves history the live cluster has passed by replaying a twin cluster: the same values as a fresh source', async () => {
    const opts = { seed: 3, start: START };
    const live = new SimulatorSource(new SimulatedCluster(opts), { keepMs: H });
    const fresh = new SimulatorSource(new SimulatedCluster(opts));
    await live.history(START + 30 * H, START + 31 * H, 60_000);
    const old = await live.history(START + 2 * H, START + 3 * H, 300_000);
    const ref = await fresh.history(START + 2 * H, START + 3 * H, 300_000);
    expect(old.map((s) => s.t)).toEqual(ref.map((s) => s.t));
    expect(old.map((s) => s.pods.map((p) => [p.ref.pod, p.cpu, p.memory, p.cpuRequest]))).toEqual(ref.map((s) => s.pods.map((p) => [p.ref.pod, p.cpu, p.memory, p.cpuRequest])));
    expect(old[0].pods[0].cpuRequest).toBeGreaterThan(0);
    // A range that spans replayed and kept times joins them in order, and the live cluster did not move back.
    const joined = await live.history(START + 29 * H, START + 31 * H, 600_000);
    expect(joined[0].t).toBe(START + 29 * H);
    expect(joined.every((s, i) => i === 0 || s.t > joined[i - 1].t)).toBe(true);
    expect(joined[joined.length - 1].t).toBe(START + 31 * H);
  });

  it('counts the regular callees a crash-looping pod stops calling, and stops counting one it has not called for most of 10 windows', async () => {
    const at = START + 30 * 60_000;
    const events = [{ kind: 'crash_loop' as const, at, durationMs: 15 * 60_000, namespace: 'shop', workload: 'cart', replica: 0 }];
    const src = new SimulatorSource(new SimulatedCluster({ seed: 4, start: START, mesh: 'istio', scenario: { random: false, events } }));
    const snaps = await src.history(START + 60_000, at + 30 * 60_000, 60_000);
    const crashing = snaps.find((s) => s.t === at + 5 * 60_000)!.pods.filter((p) => p.ref.workload === 'cart');
    const byMinute = (pod: string) => snaps.map((s) => s.pods.find((p) => p.ref.pod === pod)?.missingCallees);
    // Before: cart calls redis-cart every minute, none missing.
    const before = snaps.filter((s) => s.t > START + 15 * 60_000 && s.t < at);
    expect(before.every((s) => s.pods.filter((p) => p.ref.workload === 'cart').every((p) => p.missingCallees === 0))).toBe(true);
    // The crash-looping pod misses redis-cart for a while, then (silent for most of 10 windows) it is no longer a regular callee.
    const victim = crashing.find((p) => p.missingCallees === 1);
    expect(victim).toBeDefined();
    const series = byMinute(victim!.ref.pod);
    const ones = series.filter((v) => v === 1).length;
    expect(ones).toBeGreaterThanOrEqual(3);
    expect(ones).toBeLessThanOrEqual(7);
  });

  it('reads each mesh pod\'s request rate, 5xx share and latency from Istio or Linkerd series alike, and the call graph', async () => {
    const at = START + 10 * 60_000;
    const events = [{ kind: 'error_fault' as const, at, durationMs: 20 * 60_000, namespace: 'shop', workload: 'payment', intensity: 0.3 }];
    const read = async (mesh: 'istio' | 'linkerd', mode?: 'off') => {
      const src = new SimulatorSource(new SimulatedCluster({ seed: 4, start: START, mesh, scenario: { random: false, events } }), mode ? { mesh: mode } : {});
      const snaps = await src.history(START + 60_000, at + 5 * 60_000, 60_000);
      return { last: snaps.at(-1)!, edges: await src.callGraph() };
    };
    const istio = await read('istio');
    const linkerd = await read('linkerd');
    const byPod = (s: typeof istio.last) => new Map(s.pods.map((p) => [p.ref.pod, p]));
    const l = byPod(linkerd.last);
    for (const p of istio.last.pods) {
      const q = l.get(p.ref.pod)!;
      if (p.requestRate === undefined) {
        expect(['coredns', 'metrics-server', 'report-worker', 'kube-state-metrics', 'grafana']).toContain(p.ref.workload);
        expect(q.requestRate).toBeUndefined();
        continue;
      }
      expect(p.requestRate).toBeGreaterThan(0);
      // The same counters under other names: the same rates, means and shares.
      expect(q.requestRate).toBeCloseTo(p.requestRate!, 6);
      expect(q.errorRatio).toBeCloseTo(p.errorRatio!, 6);
      expect(q.latencyMs).toBeCloseTo(p.latencyMs!, 6);
      expect(p.latencyP99Ms).toBeGreaterThan(p.latencyMs!);
      // Every caller calls each of its callees every minute here: none missing; a pod that calls nothing has no outbound side.
      const calls = istio.edges.some((e) => e.from === `${p.ref.namespace}/${p.ref.workload}`);
      expect(p.missingCallees).toBe(calls ? 0 : undefined);
      expect(q.missingCallees).toBe(p.missingCallees);
    }
    const payment = istio.last.pods.filter((p) => p.ref.workload === 'payment').map((p) => p.errorRatio!).sort((a, b) => a - b);
    expect(payment[1]).toBeGreaterThan(0.25);
    expect(payment[0]).toBeLessThan(0.02);
    const edges = (e: typeof istio.edges) => e.map((x) => `${x.from}>${x.to}`).sort();
    expect(edges(istio.edges)).toEqual(edges(linkerd.edges));
    expect(edges(istio.edges)).toContain('shop/checkout>shop/payment');
    const off = await read('istio', 'off');
    expect(off.last.pods.every((p) => p.requestRate === undefined)).toBe(true);
    expect(off.edges).toEqual([]);
  });
});
