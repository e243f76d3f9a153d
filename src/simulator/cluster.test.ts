import { describe, expect, it } from 'vitest';
import { workloadFromPodName } from '../core/series.js';
import { SimulatedCluster } from './cluster.js';
import { selectSamples } from './metrics.js';
import type { MetricSample } from './types.js';

const MONDAY = Date.parse('2024-03-04T00:00:00Z');
const H = 3_600_000;
const MIN = 60_000;

const COUNTERS = [
  'container_cpu_usage_seconds_total',
  'container_network_receive_bytes_total',
  'container_network_transmit_bytes_total',
  'container_network_receive_packets_total',
  'container_network_transmit_packets_total',
  'container_network_receive_packets_dropped_total',
  'kube_pod_container_status_restarts_total',
];

function key(s: MetricSample): string {
  return `${s.name}${JSON.stringify(s.labels)}`;
}

function snapshot(samples: MetricSample[]): Map<string, number> {
  return new Map(samples.map((s) => [key(s), s.value]));
}

/** Per-pod rate of counter `name` between two snapshots taken `dtS` apart (pods alive at both). */
function podRates(prev: MetricSample[], cur: MetricSample[], name: string, dtS: number): Map<string, number> {
  const before = new Map(selectSamples(prev, name).map((s) => [s.labels.pod, s.value]));
  const out = new Map<string, number>();
  for (const s of selectSamples(cur, name)) {
    const b = before.get(s.labels.pod);
    if (b !== undefined && s.value >= b) out.set(s.labels.pod, (s.value - b) / dtS);
  }
  return out;
}

function pearson(x: number[], y: number[]): number {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

describe('SimulatedCluster: shape', () => {
  const c = new SimulatedCluster({ seed: 11, start: MONDAY });

  it('starts with at least 22 pods over 4 namespaces and 4 nodes', () => {
    const pods = c.pods();
    expect(pods.length).toBeGreaterThanOrEqual(22);
    expect(new Set(pods.map((p) => p.namespace))).toEqual(new Set(['shop', 'platform', 'batch', 'monitoring']));
    expect(new Set(pods.map((p) => p.node)).size).toBe(4);
    expect(pods.every((p) => p.ready)).toBe(true);
  });

  it('names pods <deployment>-<10 hex>-<5 chars> so workloadFromPodName finds the deployment', () => {
    for (const p of c.pods()) {
      expect(p.pod).toMatch(/^[a-z0-9-]+-[0-9a-f]{10}-[0-9a-z]{5}$/);
      expect(workloadFromPodName(p.pod)).toBe(p.workload);
      expect(p.replicaSet).toBe(p.pod.slice(0, p.pod.length - 6));
    }
  });

  it('labels cAdvisor, network and kube-state-metrics series as the real exporters do', () => {
    const s = c.samples();
    const pods = c.pods();
    for (const x of selectSamples(s, 'container_cpu_usage_seconds_total')) {
      expect(Object.keys(x.labels).sort()).toEqual(['container', 'namespace', 'node', 'pod']);
    }
    for (const x of selectSamples(s, 'container_network_receive_packets_dropped_total')) {
      expect(Object.keys(x.labels).sort()).toEqual(['interface', 'namespace', 'pod']);
      expect(x.labels.interface).toBe('eth0');
    }
    for (const x of selectSamples(s, 'kube_pod_container_status_restarts_total')) {
      expect(Object.keys(x.labels).sort()).toEqual(['container', 'namespace', 'pod']);
    }
    const limits = selectSamples(s, 'kube_pod_container_resource_limits');
    expect(limits).toHaveLength(2 * pods.length);
    expect(new Set(limits.map((x) => `${x.labels.resource}/${x.labels.unit}`))).toEqual(new Set(['cpu/core', 'memory/byte']));
    for (const x of selectSamples(s, 'kube_pod_info')) {
      const p = pods.find((q) => q.pod === x.labels.pod)!;
      expect(x.labels).toMatchObject({ created_by_kind: 'ReplicaSet', created_by_name: p.replicaSet, node: p.node, namespace: p.namespace });
    }
    const frontend = pods.filter((p) => p.workload === 'frontend').length;
    expect(selectSamples(s, 'kube_deployment_spec_replicas', { deployment: 'frontend' })[0].value).toBe(frontend);
  });

  it('rejects bad options with coded errors', () => {
    expect(() => new SimulatedCluster({ start: NaN })).toThrow(/start/);
    expect(() => new SimulatedCluster({ start: MONDAY, tickSeconds: 0 })).toThrow(expect.objectContaining({ code: 'KAD_ERR_INPUT' }));
  });
});

describe('SimulatedCluster: determinism and speed', () => {
  it('gives identical samples for the same seed however advanceTo is split, and different ones for another seed', () => {
    const a = new SimulatedCluster({ seed: 5, start: MONDAY });
    const b = new SimulatedCluster({ seed: 5, start: MONDAY });
    const d = new SimulatedCluster({ seed: 6, start: MONDAY });
    a.advanceTo(MONDAY + 3 * H);
    for (let t = MONDAY; t <= MONDAY + 3 * H; t += 7 * MIN + 1234) b.advanceTo(t);
    b.advanceTo(MONDAY + 3 * H);
    d.advanceTo(MONDAY + 3 * H);
    expect(b.time).toBe(a.time);
    expect(b.samples()).toEqual(a.samples());
    expect(b.incidents()).toEqual(a.incidents());
    expect(d.samples()).not.toEqual(a.samples());
    expect(d.pods().map((p) => p.pod)).not.toEqual(a.pods().map((p) => p.pod));
  });

  it('does not go back in time', () => {
    const c = new SimulatedCluster({ seed: 1, start: MONDAY });
    c.advanceTo(MONDAY + 10 * MIN);
    const before = c.samples();
    c.advanceTo(MONDAY);
    expect(c.time).toBe(MONDAY + 10 * MIN);
    expect(c.samples()).toEqual(before);
  });

  it('simulates 24 h of the default cluster in well under 2 s', () => {
    const c = new SimulatedCluster({ seed: 3, start: MONDAY });
    const t0 = performance.now();
    c.advanceTo(MONDAY + 24 * H);
    const ms = performance.now() - t0;
    expect(c.time).toBe(MONDAY + 24 * H);
    expect(ms).toBeLessThan(2000);
  });
});

describe('SimulatedCluster: metric semantics', () => {
  it('keeps counters monotonic except the container CPU counter on a restart, and usage >= working set', () => {
    const c = new SimulatedCluster({ seed: 9, start: MONDAY, scenario: { quietUntil: MONDAY + 10 * MIN, everyMinutes: 10 } });
    let prev = snapshot(c.samples());
    let restartResets = 0;
    for (let t = MONDAY + MIN; t <= MONDAY + 5 * H; t += MIN) {
      c.advanceTo(t);
      const s = c.samples();
      const restarts = new Map(selectSamples(s, 'kube_pod_container_status_restarts_total').map((x) => [x.labels.pod, x.value]));
      for (const x of s) {
        if (!COUNTERS.includes(x.name)) continue;
        const before = prev.get(key(x));
        if (before === undefined || x.value >= before) continue;
        expect(x.name).toBe('container_cpu_usage_seconds_total');
        const k = `kube_pod_container_status_restarts_total${JSON.stringify({ namespace: x.labels.namespace, pod: x.labels.pod, container: x.labels.container })}`;
        expect(restarts.get(x.labels.pod)).toBeGreaterThan(prev.get(k)!);
        restartResets++;
      }
      for (const ws of selectSamples(s, 'container_memory_working_set_bytes')) {
        const usage = selectSamples(s, 'container_memory_usage_bytes', { pod: ws.labels.pod })[0];
        expect(usage.value).toBeGreaterThanOrEqual(ws.value);
      }
      prev = snapshot(s);
    }
    expect(restartResets).toBeGreaterThan(0); // the schedule had OOM kills or crash loops
  });

  it('has a daily peak/trough ratio of 3-4x and quieter weekends', () => {
    const c = new SimulatedCluster({ seed: 2, start: MONDAY, scenario: { random: false } });
    const rxOf = (from: number, to: number): number => {
      let total = 0;
      c.advanceTo(from);
      let prev = c.samples();
      for (let t = from + 5 * MIN; t <= to; t += 5 * MIN) {
        c.advanceTo(t);
        const cur = c.samples();
        for (const [pod, r] of podRates(prev, cur, 'container_network_receive_bytes_total', 300)) {
          if (pod.startsWith('frontend-')) total += r;
        }
        prev = cur;
      }
      return total;
    };
    const trough = rxOf(MONDAY + 2 * H, MONDAY + 4 * H);
    const peak = rxOf(MONDAY + 14 * H, MONDAY + 16 * H);
    expect(peak / trough).toBeGreaterThan(2.8);
    expect(peak / trough).toBeLessThan(4.5);

    const saturday = MONDAY + 5 * 24 * H;
    const w = new SimulatedCluster({ seed: 2, start: saturday + 14 * H, scenario: { random: false } });
    const m = new SimulatedCluster({ seed: 2, start: MONDAY + 14 * H, scenario: { random: false } });
    let sat = 0, mon = 0;
    for (let i = 1; i <= 24; i++) {
      w.advanceTo(w.start + i * 5 * MIN);
      m.advanceTo(m.start + i * 5 * MIN);
      sat += w.workloads().find((x) => x.workload === 'frontend')!.requestsPerSecond;
      mon += m.workloads().find((x) => x.workload === 'frontend')!.requestsPerSecond;
    }
    expect(sat / mon).toBeLessThan(0.8);
    expect(sat / mon).toBeGreaterThan(0.5);
  });

  it('makes CPU follow received bytes', () => {
    const c = new SimulatedCluster({ seed: 4, start: MONDAY, scenario: { random: false } });
    const cpu = new Map<string, number[]>();
    const rx = new Map<string, number[]>();
    let prev = c.samples();
    for (let t = MONDAY + 10 * MIN; t <= MONDAY + 24 * H; t += 10 * MIN) {
      c.advanceTo(t);
      const cur = c.samples();
      const rc = podRates(prev, cur, 'container_cpu_usage_seconds_total', 600);
      const rr = podRates(prev, cur, 'container_network_receive_bytes_total', 600);
      for (const [pod, v] of rc) {
        if (!rr.has(pod)) continue;
        if (!cpu.has(pod)) { cpu.set(pod, []); rx.set(pod, []); }
        cpu.get(pod)!.push(v);
        rx.get(pod)!.push(rr.get(pod)!);
      }
      prev = cur;
    }
    let checked = 0;
    for (const [pod, xs] of cpu) {
      if (!/^(frontend|catalog|cart|recommendation)-/.test(pod) || xs.length < 100) continue;
      expect(pearson(xs, rx.get(pod)!)).toBeGreaterThan(0.8);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(6);
  });

  it('keeps memory steady within about ±5% on a healthy pod', () => {
    const c = new SimulatedCluster({ seed: 8, start: MONDAY, scenario: { random: false } });
    const pod = c.pods().find((p) => p.workload === 'cart')!.pod;
    const values: number[] = [];
    for (let t = MONDAY + 5 * MIN; t <= MONDAY + 24 * H; t += 5 * MIN) {
      c.advanceTo(t);
      values.push(selectSamples(c.samples(), 'container_memory_working_set_bytes', { pod })[0].value);
    }
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    for (const v of values) expect(Math.abs(v / mean - 1)).toBeLessThan(0.06);
  });
});
