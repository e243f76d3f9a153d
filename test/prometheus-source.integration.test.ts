/**
 * The Prometheus source against a real Prometheus: 90 minutes of a simulated cluster's history
 * backfilled with promtool, then live scrapes of the same cluster every 2 s. Checks history and
 * current values against the simulator's own, namespace filtering, a pod going away, a server that
 * stops answering or is down, and recovery after a restart. Prometheus also evaluates the recording
 * rules `kad rules` prints (every 2 s): read instead of the six queries (KAD_RECORDING_RULES), they
 * give the same pods and values; the other tests ask the raw series (`off`).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { systemClock } from '../src/core/clock.js';
import { SourceError } from '../src/core/errors.js';
import { podKey } from '../src/core/series.js';
import { SimulatedCluster } from '../src/simulator/cluster.js';
import { startExporter, type Exporter } from '../src/simulator/exporter.js';
import { writeOpenMetricsHistory } from '../src/simulator/openmetrics.js';
import type { ScenarioOptions } from '../src/simulator/types.js';
import type { PodSample, PodSnapshot } from '../src/core/samples.js';
import { PrometheusClient, prometheusClientSettings } from '../src/sources/prometheus-client.js';
import { PrometheusSource, prometheusSourceSettings } from '../src/sources/prometheus.js';
import { recordingRulesYaml } from '../src/sources/prometheus-rules.js';
import { ConfigError } from '../src/core/errors.js';
import { writeFileSync } from 'node:fs';
import { SimulatorSource } from '../src/sources/simulator.js';
import { waitFor } from './helpers.js';
import { describeWithServers, tempDir } from './integration.js';
import { startPrometheus, type PrometheusServer } from './prometheus.js';

const MIN = 60_000;
/** The `prometheus` config section's defaults. */
const PROMETHEUS = loadConfig({ env: {} }).prometheus;
const GRID = 15_000; // backfill resolution
const SEED = 11;

/** |a − b| relative to the larger of |b| and `floor`. */
function relErr(a: number, b: number, floor: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), floor);
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

describeWithServers('PrometheusSource against a real Prometheus', ['prometheus', 'promtool'], () => {
  let clusterStart: number;
  let historyEnd: number;
  let scaleAt: number;
  let cluster: SimulatedCluster;
  let exporter: Exporter;
  let prom: PrometheusServer;
  let source: PrometheusSource;
  const closers: (() => Promise<void>)[] = [];

  const scenario = (): ScenarioOptions => ({
    random: false,
    // A scale-in once Prometheus scrapes live: one cart pod goes away.
    events: [{ kind: 'scale', at: scaleAt, namespace: 'shop', workload: 'cart', replicas: 1 }],
  });
  const newSource = (extra: Partial<ConstructorParameters<typeof PrometheusSource>[0]> = {}, client: Partial<ConstructorParameters<typeof PrometheusClient>[0]> = {}) => {
    const s = new PrometheusSource({
      ...prometheusSourceSettings(PROMETHEUS), recordingRules: 'off', api: new PrometheusClient({ ...prometheusClientSettings(PROMETHEUS), url: prom.url, ...client }), ...extra,
    });
    closers.push(() => s.close());
    return s;
  };
  const livePods = (ns?: RegExp) => cluster.pods().filter((p) => !ns || ns.test(p.namespace)).map((p) => podKey(p)).sort();

  beforeAll(async () => {
    const now = Date.now();
    clusterStart = Math.floor((now - 90 * MIN) / GRID) * GRID;
    historyEnd = Math.floor(now / GRID) * GRID;
    // Late enough that the tests before the scale-in's own (the recording rules' wait for every pod's
    // recorded values included, up to 20 s) are over by then: once, in CI, the scale-in came 4 s into
    // that wait and no call in its 20 s asked only the recorded selector (cause not found: perhaps the
    // deleted pod, listed by its restarts series for a few seconds more, without a recorded working set).
    scaleAt = now + 45_000;
    cluster = new SimulatedCluster({ seed: SEED, start: clusterStart, scenario: scenario() });
    exporter = await startExporter({ cluster, clock: systemClock, host: '127.0.0.1', port: 0 });
    const target = exporter.url.replace('http://', '');
    // The backfill carries the labels the scrape adds, so history and live samples are one series.
    const file = join(tempDir('prom-hist'), 'history.om');
    await writeOpenMetricsHistory(cluster, file, clusterStart, historyEnd, GRID, { labels: { job: 'kad-sim', instance: target } });
    const rules = join(tempDir('prom-rules'), 'kad-rules.yml');
    writeFileSync(rules, recordingRulesYaml(PROMETHEUS, { interval: '2s' }));
    prom = await startPrometheus({ backfill: [file], scrape: [{ job: 'kad-sim', targets: [target], intervalSeconds: 2 }], extraConfig: `rule_files:\n  - ${JSON.stringify(rules)}\n` });
    source = newSource();
    const client = new PrometheusClient({ ...prometheusClientSettings(PROMETHEUS), url: prom.url });
    closers.push(() => client.close());
    await waitFor(async () => ((await client.query('up{job="kad-sim"}', Date.now()))[0]?.value === 1 ? true : undefined), 20_000, 'the first scrape');
  }, 60_000);

  afterAll(async () => {
    for (const c of closers) await c().catch(() => {});
    await prom?.stop();
    await exporter?.close();
  });

  it('history(): a snapshot per minute over the last hour, every pod, values close to the simulator\'s', async () => {
    const end = Math.floor(Date.now() / MIN) * MIN; // history() evaluates at multiples of the step
    const start = end - 60 * MIN;
    const snaps = await source.history(start, end, MIN);
    expect(snaps.map((s) => s.t)).toEqual(Array.from({ length: 61 }, (_, i) => start + i * MIN));

    const twin = new SimulatedCluster({ seed: SEED, start: clusterStart, scenario: scenario() });
    const truth = await new SimulatorSource(twin).history(start, end, MIN);
    const byT = new Map<number, PodSnapshot>(truth.map((s) => [s.t, s]));
    const err: Record<'cpu' | 'memory' | 'rx' | 'tx', number[]> = { cpu: [], memory: [], rx: [], tx: [] };
    let restartsEqual = 0;
    let compared = 0;
    let maxMemoryErr = 0;
    // Pods alive at the end of the backfill: one deleted before the first scrape has no staleness
    // marker (it was never in a scrape) and is still seen for up to 5 minutes.
    const atBackfillEnd = new Set(truth.filter((s) => s.t <= historyEnd).at(-1)!.pods.map((p) => podKey(p.ref)));
    for (const snap of snaps) {
      const want = byT.get(snap.t)!;
      const backfilled = snap.t <= historyEnd;
      const got = new Map<string, PodSample>(snap.pods.map((p) => [podKey(p.ref), p]));
      const when = new Date(snap.t).toISOString();
      // Every pod the simulator had (for more than a scrape) is there, and nothing else.
      for (const w of want.pods) {
        if (w.startedAt !== undefined && w.startedAt > snap.t - 30_000) continue;
        expect(got.has(podKey(w.ref)), `${podKey(w.ref)} at ${when}`).toBe(true);
      }
      const wantKeys = new Set(want.pods.map((w) => podKey(w.ref)));
      for (const key of got.keys()) {
        const ok = wantKeys.has(key) || (!backfilled && atBackfillEnd.has(key));
        expect(ok, `unexpected ${key} at ${when} (backfill ends ${new Date(historyEnd).toISOString()})`).toBe(true);
      }
      for (const w of want.pods) {
        const g = got.get(podKey(w.ref));
        if (!g) continue;
        // Rates need two samples in the rate window: a pod younger than that has none yet (NaN).
        const young = w.startedAt !== undefined && w.startedAt > snap.t - (MIN + GRID);
        const rates = ['cpu', 'rxBytes', 'txBytes', 'rxPackets', 'rxDropped'] as const;
        for (const k of [...(young ? [] : rates), 'memory', 'restarts', 'cpuLimit', 'memoryLimit'] as const) {
          expect(Number.isFinite(g[k]), `${k} of ${podKey(g.ref)} at ${when}`).toBe(true);
        }
        if (young) continue;
        expect(g.ref).toMatchObject({ workload: w.ref.workload, node: w.ref.node });
        expect(g.cpuLimit).toBe(w.cpuLimit);
        expect(g.memoryLimit).toBe(w.memoryLimit);
        compared++;
        if (g.restarts === w.restarts) restartsEqual++;
        err.cpu.push(relErr(g.cpu, w.cpu, 0.005));
        // No series counted twice where the backfill meets the scrapes (that would double the sum).
        expect(g.memory / w.memory, `memory of ${podKey(w.ref)} at ${when}`).toBeLessThan(1.5);
        if (backfilled) maxMemoryErr = Math.max(maxMemoryErr, relErr(g.memory, w.memory, 1e6));
        err.memory.push(relErr(g.memory, w.memory, 1e6));
        err.rx.push(relErr(g.rxBytes, w.rxBytes, 100));
        err.tx.push(relErr(g.txBytes, w.txBytes, 100));
      }
    }
    expect(compared).toBeGreaterThan(61 * 20);
    expect(restartsEqual / compared).toBeGreaterThan(0.99);
    // Prometheus's rate() over [1m] of 15 s samples averages the last 45 s; the simulator's source the last 60 s.
    const report = Object.fromEntries(Object.entries(err).map(([k, v]) => [k, { median: quantile(v, 0.5), p95: quantile(v, 0.95) }]));
    console.log('relative error vs the simulator:', JSON.stringify(report));
    expect(report.memory.p95).toBeLessThan(0.01);
    expect(maxMemoryErr).toBeLessThan(0.001); // backfilled steps: the same samples
    expect(report.cpu.median).toBeLessThan(0.05);
    expect(report.cpu.p95).toBeLessThan(0.2);
    expect(report.rx.p95).toBeLessThan(0.2);
    expect(report.tx.p95).toBeLessThan(0.2);
  });

  it('current(): every live pod, with finite values', async () => {
    const snap = await waitFor(async () => {
      const s = await source.current(Date.now());
      return JSON.stringify(s.pods.map((p) => podKey(p.ref)).sort()) === JSON.stringify(livePods()) ? s : undefined;
    }, 10_000, 'current() to list the live pods');
    expect(snap.pods.length).toBeGreaterThanOrEqual(24);
    const created = new Map(cluster.pods().map((p) => [podKey(p), p.createdAt]));
    for (const p of snap.pods) {
      for (const k of ['memory', 'restarts', 'cpuLimit', 'memoryLimit'] as const) expect(Number.isFinite(p[k]), `${k} of ${p.ref.pod}`).toBe(true);
      if ((created.get(podKey(p.ref)) ?? 0) > snap.t - (MIN + GRID)) continue; // rates need two samples in the window
      for (const k of ['cpu', 'rxBytes', 'txBytes', 'rxPackets', 'rxDropped'] as const) expect(Number.isFinite(p[k]), `${k} of ${p.ref.pod}`).toBe(true);
      expect(p.cpu).toBeGreaterThan(0);
    }
  });

  it('NAMESPACE_REGEX filters, and small batches give the same answer', async () => {
    const ns = newSource({ namespaceRegex: 'shop|monitoring' });
    const small = newSource({ batchSize: 3, concurrency: 2 });
    const [filtered, all, batched] = await Promise.all([ns.current(Date.now()), source.current(Date.now()), small.current(Date.now())]);
    expect(filtered.pods.length).toBeGreaterThan(0);
    expect(filtered.pods.every((p) => p.ref.namespace === 'shop' || p.ref.namespace === 'monitoring')).toBe(true);
    expect(filtered.pods.map((p) => podKey(p.ref))).toEqual(all.pods.filter((p) => /^(shop|monitoring)$/.test(p.ref.namespace)).map((p) => podKey(p.ref)));
    expect(small.lastStats().batches).toBeGreaterThan(5);
    expect(batched.pods.map((p) => p.ref.pod)).toEqual(all.pods.map((p) => p.ref.pod));
  });

  it('recording rules: read with one query per batch, the same pods and values as the six queries; missing ones are an error with `on`', async () => {
    const raw = newSource({ batchSize: 5 });
    // The first call: the listing, the look for the rules, and per batch the recorded selector and the 5
    // static queries; and the six queries by name for listed pods without recorded values (the rules'
    // first evaluations come a few seconds after the start, a new pod's a few seconds after its first
    // scrape; and a pod whose backfilled history ended less than 5 minutes ago is still listed by the
    // instant selectors' lookback, with no value by name either: asked once, then not for
    // staticRefreshMs, as a completed Job's pod would be).
    const recorded = newSource({ recordingRules: 'auto', batchSize: 5 });
    await recorded.current(Date.now());
    const batches = recorded.lastStats().batches;
    expect(batches).toBeGreaterThan(3);
    expect(recorded.lastStats().requests).toBeGreaterThanOrEqual(2 + 6 * batches);
    console.log(`recorded: ${recorded.lastStats().pods} pods listed, ${batches} batches, ${recorded.lastStats().requests} requests at the first call`);
    // Then: the listing, one selector per batch (statics are fresh) and the check that the rules are still evaluated.
    const { a, b } = await waitFor(async () => {
      const t = Date.now();
      const [x, y] = await Promise.all([recorded.current(t), raw.current(t)]);
      return recorded.lastStats().requests === 2 + recorded.lastStats().batches ? { a: x, b: y } : undefined;
    }, 20_000, 'a call that reads every listed pod from the recorded series alone');
    expect(a.pods.map((p) => podKey(p.ref))).toEqual(b.pods.map((p) => podKey(p.ref)));
    const rawB = new Map(b.pods.map((p) => [podKey(p.ref), p]));
    for (const p of a.pods) {
      const q = rawB.get(podKey(p.ref))!;
      expect(p.ref.workload).toBe(q.ref.workload);
      expect(p.restarts, p.ref.pod).toBe(q.restarts);
      expect(p.memoryLimit).toBe(q.memoryLimit);
      // The recorded values are at most one evaluation (2 s) older than the raw queries' at the same time.
      expect(relErr(p.memory, q.memory, 1e6), `memory of ${p.ref.pod}`).toBeLessThan(0.05);
      if (Number.isFinite(q.cpu)) expect(relErr(p.cpu, q.cpu, 0.01), `cpu of ${p.ref.pod}`).toBeLessThan(0.25);
      if (Number.isFinite(q.rxBytes)) expect(relErr(p.rxBytes, q.rxBytes, 1e3), `rx of ${p.ref.pod}`).toBeLessThan(0.25);
    }
    // Rules for another rate window are not these: `auto` asks the raw series, `on` says what is missing.
    const other = newSource({ recordingRules: 'auto', rateWindow: '2m' });
    expect((await other.current(Date.now())).pods.length).toBe(a.pods.length);
    expect(other.lastStats().requests).toBeGreaterThan(6 * other.lastStats().batches);
    const strict = newSource({ recordingRules: 'on', rateWindow: '2m' });
    const err = await strict.current(Date.now()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(String((err as Error).message)).toMatch(/KAD_RECORDING_RULES=on.*kad_pod:container_cpu_usage_seconds_total:sum_rate2m.*kad rules/);
    // Rules written for another pod label are not these either.
    const otherLabel = newSource({ recordingRules: 'on', podLabel: 'pod_name' });
    await expect(otherLabel.current(Date.now())).rejects.toThrow(/with a pod_name label/);
  });

  it('a pod the simulator deletes leaves current() at the next scrape', async () => {
    const before = (await source.current(Date.now())).pods.filter((p) => p.ref.workload === 'cart').map((p) => p.ref.pod);
    expect(before).toHaveLength(2);
    await new Promise((r) => setTimeout(r, Math.max(0, scaleAt - Date.now())));
    const after = await waitFor(async () => {
      const cart = (await source.current(Date.now())).pods.filter((p) => p.ref.workload === 'cart').map((p) => p.ref.pod);
      return cart.length === 1 ? cart : undefined;
    }, 15_000, 'the deleted cart pod to go');
    const gone = before.filter((p) => !after.includes(p));
    expect(gone).toHaveLength(1);
    expect(cluster.pods().some((p) => p.pod === gone[0])).toBe(false);
    console.log(`deleted pod left current() ${((Date.now() - scaleAt) / 1000).toFixed(1)} s after the scale-in`);
  });

  it('a server that does not answer: SourceError after the request timeout', async () => {
    const quick = newSource({}, { timeoutMs: 500, maxRetries: 1, retryBaseMs: 100 });
    await quick.current(Date.now()); // connections open
    process.kill(prom.pid!, 'SIGSTOP');
    try {
      const t0 = Date.now();
      const e = await quick.current(Date.now()).then(() => undefined, (x: unknown) => x);
      const took = Date.now() - t0;
      expect(e).toBeInstanceOf(SourceError);
      expect((e as Error).message).toContain(`Prometheus ${prom.url} timed out after 0.5 s`);
      expect(took).toBeGreaterThanOrEqual(1000);
      expect(took).toBeLessThan(2500);
    } finally {
      process.kill(prom.pid!, 'SIGCONT');
    }
  });

  it('Prometheus down: SourceError naming the URL at once; restarted: works again', async () => {
    await prom.stop();
    const t0 = Date.now();
    const e = await source.current(Date.now()).then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(SourceError);
    expect((e as Error).message).toMatch(new RegExp(`^Prometheus ${prom.url.replace(/[.]/g, '\\.')} unreachable \\(ECONNREFUSED\\) for query group by \\(namespace, pod\\)`));
    expect(Date.now() - t0).toBeLessThan(3000); // 3 retries with 250–1000 ms backoff
    await expect(source.history(Date.now() - 10 * MIN, Date.now(), MIN)).rejects.toThrow(SourceError);

    await prom.restart();
    const snap = await waitFor(async () => {
      const s = await source.current(Date.now());
      return s.pods.length === livePods().length ? s : undefined;
    }, 15_000, 'current() after the restart');
    expect(snap.pods.map((p) => podKey(p.ref)).sort()).toEqual(livePods());
    const hist = await source.history(Date.now() - 30 * MIN, Date.now(), MIN);
    expect(hist.length).toBeGreaterThanOrEqual(30);
  });
});
