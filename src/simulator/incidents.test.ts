import { describe, expect, it } from 'vitest';
import { SimulatedCluster } from './cluster.js';
import { BACKOFF_CAP_S, OOM_WINDOW_MS } from './incidents.js';
import { selectSamples } from './metrics.js';
import type { Incident, ScheduledEvent } from './types.js';

const MONDAY = Date.parse('2024-03-04T00:00:00Z');
const MIN = 60_000;

function cluster(events: ScheduledEvent[], seed = 21): SimulatedCluster {
  return new SimulatedCluster({ seed, start: MONDAY, scenario: { random: false, events } });
}

function value(c: SimulatedCluster, name: string, match: Record<string, string>): number {
  const s = selectSamples(c.samples(), name, match);
  if (s.length !== 1) throw new Error(`${s.length} samples of ${name} ${JSON.stringify(match)}`);
  return s[0].value;
}

function find(c: SimulatedCluster, kind: Incident['kind']): Incident {
  const i = c.incidents().find((x) => x.kind === kind);
  if (!i) throw new Error(`no ${kind} incident`);
  return i;
}

const COUNTERS = [
  'container_cpu_usage_seconds_total', 'container_network_receive_bytes_total',
  'container_network_receive_packets_total', 'container_network_receive_packets_dropped_total',
] as const;
type Counter = (typeof COUNTERS)[number];

/** Per-second rates of `pod`'s counters over [from, to] in cluster `c` (advancing it to `to`). */
function rates(c: SimulatedCluster, pod: string, from: number, to: number): Record<Counter, number> {
  c.advanceTo(from);
  const before = COUNTERS.map((n) => value(c, n, { pod }));
  c.advanceTo(to);
  const out = {} as Record<Counter, number>;
  COUNTERS.forEach((n, i) => { out[n] = (value(c, n, { pod }) - before[i]) / ((to - from) / 1000); });
  return out;
}

function rate(c: SimulatedCluster, name: Counter, pod: string, from: number, to: number): number {
  return rates(c, pod, from, to)[name];
}

describe('memory_leak and oom_kill', () => {
  it('climbs linearly to the limit, then an OOM kill restarts the container and resets memory and CPU', () => {
    const at = MONDAY + 10 * MIN;
    const c = cluster([{ kind: 'memory_leak', at, durationMs: 20 * MIN, workload: 'recommendation' }]);
    c.advanceTo(at);
    const leak = find(c, 'memory_leak');
    const pod = leak.pod;
    const limit = value(c, 'kube_pod_container_resource_limits', { pod, resource: 'memory' });
    const baseline = value(c, 'container_memory_working_set_bytes', { pod });
    let last = baseline;
    for (let t = at + MIN; t < leak.end; t += MIN) {
      c.advanceTo(t);
      const ws = value(c, 'container_memory_working_set_bytes', { pod });
      expect(ws).toBeGreaterThan(last);
      last = ws;
    }
    expect(last).toBeGreaterThan(0.9 * limit);
    expect(last).toBeLessThanOrEqual(limit);
    const cpuBefore = value(c, 'container_cpu_usage_seconds_total', { pod });
    expect(value(c, 'kube_pod_container_status_restarts_total', { pod })).toBe(0);

    c.advanceTo(leak.end);
    expect(value(c, 'kube_pod_container_status_restarts_total', { pod })).toBe(1);
    expect(value(c, 'container_cpu_usage_seconds_total', { pod })).toBeLessThan(cpuBefore);
    expect(value(c, 'container_cpu_usage_seconds_total', { pod })).toBeLessThan(1);
    expect(value(c, 'container_memory_working_set_bytes', { pod })).toBeLessThan(0.5 * baseline);
    expect(value(c, 'kube_pod_container_status_last_terminated_reason', { pod, reason: 'OOMKilled' })).toBe(1);
    c.advanceTo(leak.end + 3 * MIN);
    const after = value(c, 'container_memory_working_set_bytes', { pod });
    expect(Math.abs(after / baseline - 1)).toBeLessThan(0.08);

    const oom = find(c, 'oom_kill');
    expect(oom).toMatchObject({ pod, benign: false, start: leak.end, end: leak.end + OOM_WINDOW_MS, workload: 'recommendation' });
    expect(leak.end - leak.start).toBe(20 * MIN);
  });
});

describe('crash_loop', () => {
  it('restarts with backoff 10s, 20s, 40s … capped at 5 min, near-zero CPU and traffic while down', () => {
    const at = MONDAY + 5 * MIN;
    const c = cluster([{ kind: 'crash_loop', at, durationMs: 30 * MIN, workload: 'payment' }]);
    c.advanceTo(at);
    const inc = find(c, 'crash_loop');
    const pod = inc.pod;
    const runMs = Number(inc.detail!.runSeconds) * 1000;
    const control = cluster([]);
    control.advanceTo(at);
    const restartTimes: number[] = [];
    let restarts = value(c, 'kube_pod_container_status_restarts_total', { pod });
    let cpuPrev = value(c, 'container_cpu_usage_seconds_total', { pod });
    let rxPrev = value(c, 'container_network_receive_bytes_total', { pod });
    let rxControlPrev = value(control, 'container_network_receive_bytes_total', { pod });
    let wasDown = true;
    let resets = 0;
    let rxDown = 0, rxNormal = 0, downTicks = 0;
    for (let t = at + c.tickMs; t < inc.end; t += c.tickMs) {
      c.advanceTo(t);
      control.advanceTo(t);
      const r = value(c, 'kube_pod_container_status_restarts_total', { pod });
      const cpu = value(c, 'container_cpu_usage_seconds_total', { pod });
      const rx = value(c, 'container_network_receive_bytes_total', { pod });
      const rxControl = value(control, 'container_network_receive_bytes_total', { pod });
      const down = selectSamples(c.samples(), 'kube_pod_container_status_waiting_reason', { pod, reason: 'CrashLoopBackOff' }).length === 1;
      if (r > restarts) {
        restartTimes.push(t);
        if (cpu < cpuPrev) resets++;
      } else {
        expect(cpu).toBeGreaterThanOrEqual(cpuPrev);
      }
      if (down && wasDown) {
        // Waiting out a backoff: no CPU at all, only background traffic.
        expect(cpu).toBe(cpuPrev);
        rxDown += rx - rxPrev;
        rxNormal += rxControl - rxControlPrev;
        downTicks++;
      }
      expect(c.pods().find((p) => p.pod === pod)!.ready).toBe(false);
      restarts = r;
      cpuPrev = cpu;
      rxPrev = rx;
      rxControlPrev = rxControl;
      wasDown = down;
    }
    expect(restartTimes[0] - at).toBe(10_000);
    const gaps = restartTimes.slice(1).map((t, i) => t - restartTimes[i] - runMs);
    const want = gaps.map((_, i) => Math.min(BACKOFF_CAP_S * 1000, 10_000 * 2 ** (i + 1)));
    expect(gaps.length).toBeGreaterThanOrEqual(6);
    for (let i = 0; i < gaps.length; i++) expect(Math.abs(gaps[i] - want[i])).toBeLessThanOrEqual(c.tickMs);
    expect(gaps.at(-1)).toBeCloseTo(300_000, -4);
    expect(resets).toBe(restartTimes.length);
    expect(downTicks * c.tickMs).toBeGreaterThan(20 * MIN);
    expect(rxDown).toBeLessThan(0.05 * rxNormal);

    c.advanceTo(inc.end + MIN);
    expect(c.pods().find((p) => p.pod === pod)!.ready).toBe(true);
    expect(selectSamples(c.samples(), 'kube_pod_container_status_waiting_reason', { pod })).toHaveLength(0);
  });
});

describe('cpu_runaway', () => {
  it('drives CPU to its limit while the pod traffic stays the same', () => {
    const at = MONDAY + 10 * MIN;
    const events: ScheduledEvent[] = [{ kind: 'cpu_runaway', at, durationMs: 15 * MIN, workload: 'checkout' }];
    const c = cluster(events);
    const control = cluster([]);
    c.advanceTo(at);
    const pod = find(c, 'cpu_runaway').pod;
    const limit = value(c, 'kube_pod_container_resource_limits', { pod, resource: 'cpu' });
    const from = at + 2 * MIN, to = at + 12 * MIN;
    const run = rates(c, pod, from, to);
    const normal = rates(control, pod, from, to);
    const cpu = run.container_cpu_usage_seconds_total;
    expect(cpu).toBeGreaterThan(0.85 * limit);
    expect(cpu).toBeLessThanOrEqual(limit);
    expect(cpu).toBeGreaterThan(3 * normal.container_cpu_usage_seconds_total);
    expect(run.container_network_receive_bytes_total).toBeGreaterThan(1000);
    expect(run.container_network_receive_bytes_total).toBeCloseTo(normal.container_network_receive_bytes_total, 0);
    const after = rate(c, 'container_cpu_usage_seconds_total', pod, at + 20 * MIN, at + 30 * MIN);
    expect(after).toBeLessThan(1.3 * rate(control, 'container_cpu_usage_seconds_total', pod, at + 20 * MIN, at + 30 * MIN));
  });
});

describe('packet_loss', () => {
  it('drops the given fraction of received packets', () => {
    const at = MONDAY + 10 * MIN;
    const c = cluster([{ kind: 'packet_loss', at, durationMs: 15 * MIN, workload: 'catalog', intensity: 0.2 }]);
    c.advanceTo(at);
    const pod = find(c, 'packet_loss').pod;
    const r = rates(c, pod, at + MIN, at + 14 * MIN);
    const dropped = r.container_network_receive_packets_dropped_total;
    const received = r.container_network_receive_packets_total;
    expect(dropped / received).toBeGreaterThan(0.17);
    expect(dropped / received).toBeLessThan(0.23);
    const later = rate(c, 'container_network_receive_packets_dropped_total', pod, at + 20 * MIN, at + 40 * MIN);
    expect(later).toBeLessThan(0.01);
    expect(find(c, 'packet_loss').detail!.dropFraction).toBe(0.2);
  });

  it('draws the fraction between 5% and 30% when not given, starting on the next tick', () => {
    const c = cluster([{ kind: 'packet_loss', at: MONDAY + MIN + 1234, workload: 'frontend' }]);
    expect(c.incidents({ includeFuture: true }).find((i) => i.kind === 'packet_loss')!.start).toBe(MONDAY + MIN + 5000);
    c.advanceTo(MONDAY + 2 * MIN);
    expect(find(c, 'packet_loss').start).toBe(MONDAY + MIN + 5000);
    const f = Number(find(c, 'packet_loss').detail!.dropFraction);
    expect(f).toBeGreaterThanOrEqual(0.05);
    expect(f).toBeLessThanOrEqual(0.3);
  });
});

describe('noisy_neighbour', () => {
  it('burns cores and network on the aggressor and throttles the pods on its node by 10-30%', () => {
    const at = MONDAY + 10 * MIN;
    const c = cluster([{ kind: 'noisy_neighbour', at, durationMs: 10 * MIN }]);
    const control = cluster([]);
    c.advanceTo(at);
    const inc = find(c, 'noisy_neighbour');
    expect(inc.workload).toBe('report-worker');
    const node = inc.node;
    const victims = c.pods().filter((p) => p.node === node && p.pod !== inc.pod).map((p) => p.pod);
    expect(victims.length).toBeGreaterThan(0);
    expect(new Set(inc.affected)).toEqual(new Set(victims));
    const from = at + MIN, to = at + 9 * MIN;
    // Read every pod's counters at `from` and `to` in both clusters.
    const read = (x: SimulatedCluster, t: number) => { x.advanceTo(t); return x.samples(); };
    const a = [read(c, from), read(c, to)];
    const b = [read(control, from), read(control, to)];
    const r = (s: typeof a, name: string, pod: string) =>
      (selectSamples(s[1], name, { pod })[0].value - selectSamples(s[0], name, { pod })[0].value) / ((to - from) / 1000);
    expect(r(a, 'container_cpu_usage_seconds_total', inc.pod)).toBeGreaterThan(2.4);
    expect(r(a, 'container_network_receive_bytes_total', inc.pod)).toBeGreaterThan(20e6);
    expect(r(a, 'container_network_transmit_bytes_total', inc.pod)).toBeGreaterThan(10e6);
    for (const v of victims) {
      const ratio = r(a, 'container_cpu_usage_seconds_total', v) / r(b, 'container_cpu_usage_seconds_total', v);
      expect(ratio).toBeGreaterThan(0.68);
      expect(ratio).toBeLessThan(0.92);
    }
    const other = c.pods().find((p) => p.node !== node)!.pod;
    expect(r(a, 'container_cpu_usage_seconds_total', other)).toBeCloseTo(r(b, 'container_cpu_usage_seconds_total', other), 6);
  });
});

describe('explicit events', () => {
  it('kills a pod on oom_kill and rejects unknown workloads or bad scale events', () => {
    const c = cluster([{ kind: 'oom_kill', at: MONDAY + 2 * MIN, workload: 'cart', replica: 1 }]);
    c.advanceTo(MONDAY + 3 * MIN);
    const oom = find(c, 'oom_kill');
    expect(value(c, 'kube_pod_container_status_restarts_total', { pod: oom.pod })).toBe(1);
    expect(() => cluster([{ kind: 'crash_loop', at: MONDAY, workload: 'nope' }])).toThrow(/no workload named "nope"/);
    expect(() => cluster([{ kind: 'scale', at: MONDAY, workload: 'frontend', replicas: 4 }])).toThrow(/autoscaler/);
    expect(() => cluster([{ kind: 'scale', at: MONDAY, workload: 'cart' }])).toThrow(/replicas/);
  });

  it('targets an exact pod by name', () => {
    const probe = cluster([]);
    const target = probe.pods().filter((p) => p.workload === 'catalog')[2].pod;
    const c = cluster([{ kind: 'cpu_runaway', at: MONDAY + MIN, pod: target }]);
    c.advanceTo(MONDAY + 2 * MIN);
    expect(find(c, 'cpu_runaway').pod).toBe(target);
  });
});
