/**
 * The Prometheus source's service-mesh reading against a real Prometheus: 40 minutes of two simulated
 * clusters backfilled with promtool, one with Istio sidecars (an error fault on a payment pod in the
 * last 15 minutes, a cart pod deleted 6 minutes before the end), one with Linkerd's (another seed, so other pod names). Checks each pod's request
 * rate, 5xx share, latency and missing callees against the simulator source's reading of the same
 * series, the call graph of either mesh, and that `auto` finds the mesh by itself. And a few
 * hand-written outbound counters (namespace `probe`, no pod metrics) for the missing-callees PromQL:
 * a caller that stops calling one of its callees, as the simulated callers never do. Last, kad's
 * recording rules (`kad rules`) evaluated over the backfill by promtool: the source reads each mesh's
 * values from them, the same as its queries'.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { podKey } from '../src/core/series.js';
import type { PodSample } from '../src/core/samples.js';
import { SimulatedCluster, type SimulatorOptions } from '../src/simulator/cluster.js';
import { writeOpenMetricsHistory } from '../src/simulator/openmetrics.js';
import { defaultTopology } from '../src/simulator/topology.js';
import { PrometheusClient, prometheusClientSettings } from '../src/sources/prometheus-client.js';
import { PrometheusSource, prometheusSourceSettings } from '../src/sources/prometheus.js';
import { meshQueries } from '../src/sources/prometheus-mesh.js';
import { recordingRulesYaml } from '../src/sources/prometheus-rules.js';
import { SimulatorSource } from '../src/sources/simulator.js';
import type { MeshMode } from '../src/sources/mesh-series.js';
import { describeWithServers, tempDir } from './integration.js';
import { backfillRules, startPrometheus, type PrometheusServer } from './prometheus.js';

const MIN = 60_000;
const GRID = 15_000;
const PROMETHEUS = loadConfig({ env: {} }).prometheus;

describeWithServers('PrometheusSource reading a service mesh', ['prometheus', 'promtool'], () => {
  let prom: PrometheusServer;
  let start: number;
  let end: number;
  const closers: (() => Promise<void>)[] = [];
  const istio = (): SimulatorOptions => ({
    seed: 21, start, mesh: 'istio',
    scenario: {
      random: false,
      events: [
        { kind: 'error_fault', at: start + 25 * MIN, durationMs: 30 * MIN, namespace: 'shop', workload: 'payment', intensity: 0.3 },
        // A cart pod goes away within the call graph's 10 minutes: its series end with a NaN sample
        // (the backfill's stand-in for a staleness marker), which must not hide cart's callers.
        { kind: 'scale', at: end - 6 * MIN, namespace: 'shop', workload: 'cart', replicas: 1 },
      ],
    },
  });
  const linkerd = (): SimulatorOptions => ({ seed: 22, start, mesh: 'linkerd', scenario: { random: false } });
  const source = (mesh: MeshMode) => {
    const s = new PrometheusSource({ ...prometheusSourceSettings(PROMETHEUS), api: new PrometheusClient({ ...prometheusClientSettings(PROMETHEUS), url: prom.url }), mesh });
    closers.push(() => s.close());
    return s;
  };

  beforeAll(async () => {
    end = Math.floor(Date.now() / MIN) * MIN - 2 * MIN;
    start = end - 40 * MIN;
    const dir = tempDir('mesh-hist');
    const files = [join(dir, 'istio.om'), join(dir, 'linkerd.om'), join(dir, 'probe.om')];
    await writeOpenMetricsHistory(new SimulatedCluster(istio()), files[0], start, end, GRID);
    await writeOpenMetricsHistory(new SimulatedCluster(linkerd()), files[1], start, end, GRID);
    writeFileSync(files[2], probeCounters(start, end));
    prom = await startPrometheus({ backfill: files });
  }, 120_000);

  afterAll(async () => {
    for (const c of closers) await c().catch(() => {});
    await prom?.stop();
  });

  /** The simulator source's reading of a twin cluster at `t`, by pod. */
  const truthAt = async (opts: SimulatorOptions, t: number) => {
    const snaps = await new SimulatorSource(new SimulatedCluster(opts), { rateWindowMs: MIN }).history(t - 5 * MIN, t, GRID);
    return new Map<string, PodSample>(snaps.at(-1)!.pods.map((p) => [podKey(p.ref), p]));
  };

  it('reads Istio\'s request rate, 5xx share and latency per pod as the simulator source does', async () => {
    const t = end - 2 * MIN;
    const snaps = await source('istio').history(t - 2 * MIN, t, MIN);
    const got = snaps.at(-1)!;
    expect(got.t).toBe(t);
    const want = await truthAt(istio(), t);
    let compared = 0;
    for (const p of got.pods) {
      const w = want.get(podKey(p.ref));
      if (!w) continue; // a pod of the Linkerd cluster
      if (w.requestRate === undefined) {
        expect(p.requestRate).toBeUndefined();
        continue;
      }
      compared++;
      expect(p.requestRate! / w.requestRate!).toBeGreaterThan(0.9);
      expect(p.requestRate! / w.requestRate!).toBeLessThan(1.1);
      expect(Math.abs(p.errorRatio! - w.errorRatio!)).toBeLessThan(0.02);
      expect(p.latencyMs! / w.latencyMs!).toBeGreaterThan(0.9);
      expect(p.latencyMs! / w.latencyMs!).toBeLessThan(1.1);
      expect(p.latencyP99Ms! / w.latencyP99Ms!).toBeGreaterThan(0.7);
      expect(p.latencyP99Ms! / w.latencyP99Ms!).toBeLessThan(1.4);
      expect(p.missingCallees ?? NaN).toEqual(w.missingCallees ?? NaN); // a pod that calls nothing: NaN here, absent there
    }
    expect(compared).toBeGreaterThanOrEqual(16); // the mesh's pods, one cart pod fewer since the scale-in
    const payment = got.pods.filter((p) => p.ref.workload === 'payment' && want.has(podKey(p.ref))).map((p) => p.errorRatio!).sort((a, b) => a - b);
    expect(payment[1]).toBeGreaterThan(0.25);
    // Pods without 5xx series have a share of 0, not a gap.
    expect(got.pods.filter((p) => p.ref.workload === 'redis-cart' && want.has(podKey(p.ref))).every((p) => p.errorRatio! < 0.01)).toBe(true);
  });

  it('counts a caller\'s callees that got no request over the window, 0 where it called all; only callers have a value', async () => {
    const client = new PrometheusClient({ ...prometheusClientSettings(PROMETHEUS), url: prom.url });
    closers.push(() => client.close());
    const missing = async (flavour: 'istio' | 'linkerd', t: number) => new Map((await client.query(meshQueries('namespace="probe"', 'pod', '1m', flavour).missingCallees, t))
      .map((s) => [s.metric.pod, s.value]));
    // Before the stops both callers called both callees. caller-b stopped calling email 2 minutes
    // ago: missing. caller-a stopped 18 minutes ago: email is no longer a regular callee (5 of the
    // last 10 windows), so it is not missing any more.
    expect(await missing('istio', start + 10 * MIN)).toEqual(new Map([['caller-a', 0], ['caller-b', 0]]));
    expect(await missing('istio', end - 2 * MIN)).toEqual(new Map([['caller-a', 0], ['caller-b', 1]]));
    expect(await missing('istio', end - 14 * MIN)).toEqual(new Map([['caller-a', 1], ['caller-b', 0]]));
    expect(await missing('linkerd', end - 2 * MIN)).toEqual(new Map([['caller-l', 1]]));
    // Of the simulated Istio cluster, only pods that call something have a value (payment calls nothing).
    const sim = await client.query(meshQueries('namespace="shop"', 'pod', '1m', 'istio').missingCallees, end - 2 * MIN);
    expect(sim.some((s) => s.metric.pod.startsWith('checkout-'))).toBe(true);
    expect(sim.some((s) => s.metric.pod.startsWith('payment-'))).toBe(false);
  });

  it('reads the call graph of either mesh, and finds the mesh by itself with auto', async () => {
    const expected = defaultTopology().calls!.map((c) => `${c.from}>${c.to}`).sort();
    // The hand-written probe callers (their own namespace) are left out.
    const edges = async (mode: MeshMode) => (await source(mode).callGraph(end, undefined)).map((e) => `${e.from}>${e.to}`).filter((e) => !e.startsWith('probe/')).sort();
    expect(await edges('istio')).toEqual(expected);
    expect(await edges('linkerd')).toEqual(expected);
    expect(await edges('auto')).toEqual(expected);
    expect(await edges('off')).toEqual([]);
    const snap = await source('linkerd').current(end - MIN);
    const want = await truthAt(linkerd(), end - MIN);
    const ours = snap.pods.filter((p) => want.has(podKey(p.ref)) && want.get(podKey(p.ref))!.requestRate !== undefined);
    expect(ours.length).toBeGreaterThanOrEqual(17);
    for (const p of ours) expect(p.requestRate! / want.get(podKey(p.ref))!.requestRate!).toBeGreaterThan(0.9);
  });

  it('with kad\'s recording rules, reads each mesh\'s values with one selector per batch, the same as its queries\'', async () => {
    // The rules, evaluated every 15 s over the backfill's last 25 minutes (the missing callees look 10
    // minutes back), written as blocks by promtool and loaded by a restart.
    const dir = tempDir('mesh-rules');
    const rules = join(dir, 'kad-rules.yml');
    writeFileSync(rules, recordingRulesYaml(PROMETHEUS, { interval: '15s' }));
    await backfillRules(prom, rules, start + 15 * MIN, end);
    const t = end - 2 * MIN; // an evaluation time of the rules
    for (const mesh of ['istio', 'linkerd'] as const) {
      const api = new PrometheusClient({ ...prometheusClientSettings(PROMETHEUS), url: prom.url });
      closers.push(() => api.close());
      const asked: string[] = [];
      const query = api.query.bind(api);
      api.query = (expr, time, signal) => {
        asked.push(expr);
        return query(expr, time, signal);
      };
      const recorded = new PrometheusSource({ ...prometheusSourceSettings(PROMETHEUS), api, mesh, recordingRules: 'on' });
      closers.push(() => recorded.close());
      const raw = new PrometheusSource({ ...prometheusSourceSettings(PROMETHEUS), api: new PrometheusClient({ ...prometheusClientSettings(PROMETHEUS), url: prom.url }), mesh, recordingRules: 'off' });
      closers.push(() => raw.close());
      // The rules' newest evaluation at or before t (promtool's evaluation times need not fall on t):
      // the queries at that time are what the rules recorded.
      const [newest] = await api.query(`max(timestamp(kad_pod:${mesh}_requests:rate1m))`, t);
      const evaluated = newest.value * 1000;
      expect(t - evaluated).toBeLessThan(15_000);
      const [got, want] = await Promise.all([recorded.current(t), raw.current(evaluated)]);
      asked.splice(0, 1);
      const batches = recorded.lastStats().batches;
      expect(asked.filter((e) => e.startsWith(`{__name__=~"kad_pod:${mesh}_`))).toHaveLength(batches);
      expect(asked.filter((e) => e.includes('count_over_time('))).toHaveLength(0); // no missing-callees query
      expect(got.pods.map((p) => podKey(p.ref))).toEqual(want.pods.map((p) => podKey(p.ref)));
      const byKey = new Map(want.pods.map((p) => [podKey(p.ref), p]));
      let meshed = 0;
      for (const p of got.pods) {
        const w = byKey.get(podKey(p.ref))!;
        for (const f of ['requestRate', 'errorRatio', 'latencyMs', 'latencyP99Ms', 'missingCallees'] as const) {
          const [a, b] = [p[f] ?? NaN, w[f] ?? NaN];
          if (Number.isNaN(b)) expect(a, `${f} of ${p.ref.pod}`).toBeNaN();
          else expect(Math.abs(a - b), `${f} of ${p.ref.pod}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(b)));
        }
        if (Number.isFinite(p.requestRate)) meshed++;
      }
      expect(meshed).toBeGreaterThanOrEqual(16); // Istio's cluster has one cart pod fewer since the scale-in
      expect(got.pods.filter((p) => p.ref.workload === 'checkout' && p.missingCallees === 0).length).toBeGreaterThan(0); // callers have a value
    }
  }, 120_000);
});

/**
 * Outbound counters in OpenMetrics, every 15 s from `start` to `end`: Istio callers caller-a and caller-b
 * (namespace probe) call payment and email 10 times a step; caller-a stops calling email 20 minutes
 * before the end, caller-b 4 minutes before (their counters stay). A Linkerd caller-l stops calling
 * redis 4 minutes before the end.
 */
function probeCounters(start: number, end: number): string {
  const lines: string[] = ['# TYPE istio_requests_total counter'];
  const series = (pod: string, callee: string, stop: number, labels: (pod: string, callee: string) => string, name: string) => {
    let n = 0;
    for (let t = start; t <= end; t += GRID) {
      if (t <= stop) n += 10;
      lines.push(`${name}{${labels(pod, callee)}} ${n} ${t / 1000}`);
    }
  };
  const stops = (pod: string, callee: string): number => (callee !== 'email' && callee !== 'redis' ? Infinity : pod === 'caller-a' ? end - 20 * MIN : end - 4 * MIN);
  const istio = (pod: string, callee: string) => `reporter="source",namespace="probe",pod="${pod}",source_workload="caller",source_workload_namespace="probe",destination_workload="${callee}",destination_workload_namespace="probe",response_code="200"`;
  for (const pod of ['caller-a', 'caller-b']) for (const callee of ['payment', 'email']) series(pod, callee, stops(pod, callee), istio, 'istio_requests_total');
  lines.push('# TYPE request_total counter');
  const linkerd = (pod: string, callee: string) => `direction="outbound",namespace="probe",pod="${pod}",deployment="caller",dst_namespace="probe",dst_deployment="${callee}"`;
  for (const callee of ['redis', 'cache']) series('caller-l', callee, stops('caller-l', callee), linkerd, 'request_total');
  lines.push('# EOF', '');
  return lines.join('\n');
}
