import { describe, expect, it } from 'vitest';
import { workloadFromPodName } from '../core/series.js';
import { SimulatedCluster } from './cluster.js';
import { selectSamples } from './metrics.js';
import type { ScheduledEvent } from './types.js';

const MONDAY = Date.parse('2024-03-04T00:00:00Z');
const MIN = 60_000;
const H = 3_600_000;

function cluster(events: ScheduledEvent[], start = MONDAY, seed = 31): SimulatedCluster {
  return new SimulatedCluster({ seed, start, scenario: { random: false, events } });
}

describe('rollout', () => {
  it('replaces pods one by one under a new ReplicaSet, never dropping below desired-1 ready', () => {
    const at = MONDAY + 5 * MIN;
    const c = cluster([{ kind: 'rollout', at, workload: 'catalog' }]);
    const before = c.pods().filter((p) => p.workload === 'catalog');
    const desired = before.length;
    const oldRs = before[0].replicaSet;
    let maxPods = 0;
    let minReady = Infinity;
    const seen = new Set<string>();
    for (let t = at; t <= at + 10 * MIN; t += c.tickMs) {
      c.advanceTo(t);
      const pods = c.pods().filter((p) => p.workload === 'catalog');
      for (const p of pods) seen.add(p.pod);
      maxPods = Math.max(maxPods, pods.length);
      minReady = Math.min(minReady, pods.filter((p) => p.ready).length);
    }
    const after = c.pods().filter((p) => p.workload === 'catalog');
    expect(after).toHaveLength(desired);
    expect(after.every((p) => p.ready)).toBe(true);
    const newRs = after[0].replicaSet;
    expect(newRs).not.toBe(oldRs);
    expect(new Set(after.map((p) => p.replicaSet)).size).toBe(1);
    for (const p of after) {
      expect(before.some((b) => b.pod === p.pod)).toBe(false);
      expect(workloadFromPodName(p.pod)).toBe('catalog');
      expect(p.createdAt).toBeGreaterThanOrEqual(at);
    }
    expect(maxPods).toBe(desired + 1); // surge 1
    expect(minReady).toBeGreaterThanOrEqual(desired - 1);
    expect(seen.size).toBe(2 * desired);

    const truth = c.incidents().find((i) => i.kind === 'rollout')!;
    expect(truth).toMatchObject({ benign: true, workload: 'catalog', namespace: 'shop', pod: '', start: at });
    expect(new Set(truth.affected)).toEqual(seen);
    // Each new pod needs 20-40 s to become ready, one after the other.
    expect(truth.end - truth.start).toBeGreaterThanOrEqual(desired * 20_000);
    expect(truth.end - truth.start).toBeLessThanOrEqual(desired * 45_000);
    const info = selectSamples(c.samples(), 'kube_pod_info', { pod: after[0].pod })[0];
    expect(info.labels.created_by_name).toBe(newRs);
  });

  it('warms new pods up: memory starts low and reaches its level within about 2 minutes', () => {
    const at = MONDAY + 5 * MIN;
    const c = cluster([{ kind: 'rollout', at, workload: 'cart' }]);
    const old = c.pods().find((p) => p.workload === 'cart')!;
    const steady = selectSamples(c.samples(), 'container_memory_working_set_bytes', { pod: old.pod })[0].value;
    c.advanceTo(at);
    const fresh = c.pods().find((p) => p.workload === 'cart' && p.createdAt === at)!;
    const ws = (t: number) => {
      c.advanceTo(t);
      return selectSamples(c.samples(), 'container_memory_working_set_bytes', { pod: fresh.pod })[0].value;
    };
    expect(ws(at)).toBeLessThan(0.5 * steady);
    expect(ws(at + 30_000)).toBeLessThan(0.85 * steady);
    expect(ws(at + 150_000)).toBeGreaterThan(0.93 * steady);
  });
});

describe('autoscaling', () => {
  it('scales frontend out towards the afternoon peak and back in at night, recording benign scale events', () => {
    const c = cluster([], MONDAY + 6 * H);
    const replicas: number[] = [];
    for (let t = c.start; t <= c.start + 18 * H; t += 10 * MIN) {
      c.advanceTo(t);
      replicas.push(c.workloads().find((w) => w.workload === 'frontend')!.desiredReplicas);
    }
    expect(Math.max(...replicas)).toBeGreaterThanOrEqual(5);
    expect(replicas.at(-1)).toBe(3);
    const scales = c.incidents().filter((i) => i.kind === 'scale' && i.workload === 'frontend');
    expect(scales.length).toBeGreaterThanOrEqual(2);
    for (const s of scales) {
      expect(s.benign).toBe(true);
      expect(s.affected!.length).toBeGreaterThan(0);
    }
    // Stabilisation: no flapping, at most a handful of decisions over the day.
    expect(scales.length).toBeLessThanOrEqual(12);
    const ups = scales.filter((s) => Number(s.detail!.to) > Number(s.detail!.from)).length;
    expect(ups).toBeGreaterThan(0);
    expect(scales.length - ups).toBeGreaterThan(0);
  });

  it('spreads traffic over the current ready replicas', () => {
    const c = cluster([{ kind: 'scale', at: MONDAY + 5 * MIN, workload: 'cart', replicas: 4 }]);
    const rx = () => selectSamples(c.samples(), 'container_network_receive_bytes_total')
      .filter((s) => s.labels.pod.startsWith('cart-'));
    c.advanceTo(MONDAY + MIN);
    const a = new Map(rx().map((s) => [s.labels.pod, s.value]));
    c.advanceTo(MONDAY + 5 * MIN);
    const b = new Map(rx().map((s) => [s.labels.pod, s.value]));
    c.advanceTo(MONDAY + 7 * MIN);
    const pods = c.pods().filter((p) => p.workload === 'cart');
    expect(pods).toHaveLength(4);
    expect(pods.every((p) => p.ready)).toBe(true);
    const d = new Map(rx().map((s) => [s.labels.pod, s.value]));
    c.advanceTo(MONDAY + 11 * MIN);
    const e = new Map(rx().map((s) => [s.labels.pod, s.value]));
    const oldPod = [...a.keys()][0];
    const perOldBefore = (b.get(oldPod)! - a.get(oldPod)!) / 240;
    const perOldAfter = (e.get(oldPod)! - d.get(oldPod)!) / 240;
    expect(perOldAfter / perOldBefore).toBeLessThan(0.65); // 2 → 4 replicas halves each one's share
    expect(c.incidents().find((i) => i.kind === 'scale')).toMatchObject({ benign: true, workload: 'cart', detail: { from: 2, to: 4 } });
  });
});
