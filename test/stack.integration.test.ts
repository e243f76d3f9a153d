/**
 * kad serve against a real monitoring stack: Debian's Prometheus (backfilled with 70 minutes of a
 * simulated cluster's history by promtool, then scraping the live `kad simulate` exporter every 2 s)
 * and Debian's Alertmanager, all on loopback ports, in real time. Shows: every pod scored; an injected
 * incident becomes an alert on the real Alertmanager with kad's labels and is resolved after the
 * incident ends; Prometheus stopped mid-run turns /readyz 503 with the reason while the service stays
 * up, and scoring resumes by itself after Prometheus restarts; Alertmanager stopped while an incident
 * starts receives the alert once it is back, exactly once.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { systemClock } from '../src/core/clock.js';
import { startService, type Service } from '../src/main.js';
import { SimulatedCluster } from '../src/simulator/cluster.js';
import { startExporter, type Exporter } from '../src/simulator/exporter.js';
import { writeOpenMetricsHistory } from '../src/simulator/openmetrics.js';
import type { Incident } from '../src/simulator/types.js';
import { waitFor } from './helpers.js';
import { startAlertmanager, type AlertmanagerServer } from './alertmanager.js';
import { describeWithServers, tempDir } from './integration.js';
import { startPrometheus, type PrometheusServer } from './prometheus.js';

const MIN = 60_000;
const GRID = 5_000; // history resolution = scoring step

interface DetectBody { pods: { namespace: string; pod: string; anomaly_flag: number; anomaly_score: number }[] }

describeWithServers('kad serve with real Prometheus and Alertmanager', ['prometheus', 'promtool', 'alertmanager'], () => {
  let cluster: SimulatedCluster;
  let exporter: Exporter;
  let prom: PrometheusServer;
  let am: AlertmanagerServer;
  let kad: Service;
  const dir = tempDir('stack');

  const get = async <T>(path: string): Promise<{ status: number; body: T }> => {
    const r = await fetch(`${kad.url}${path}`);
    return { status: r.status, body: (await r.json()) as T };
  };
  const flagged = async (pod: string) => (await get<DetectBody>('/detect')).body.pods.some((p) => p.pod === pod && p.anomaly_flag === 1);
  /** The ground truth of `kind` once it has started (the exporter advances the cluster on each scrape). */
  const incident = (kind: string): Promise<Incident> => waitFor(() => cluster.incidents().find((x) => x.kind === kind), 30_000, `the ${kind} to start`);
  const amAlertsFor = async (pod: string) => (await am.alerts()).filter((a) => a.labels.pod === pod);

  beforeAll(async () => {
    const now = Date.now();
    const start = Math.floor((now - 70 * MIN) / GRID) * GRID;
    // Each test that needs an incident injects it when it begins (at fixed times, one could begin
    // before training was over or while an earlier test still ran, on a slow machine).
    cluster = new SimulatedCluster({ seed: 5, start, scenario: { random: false } });
    exporter = await startExporter({ cluster, clock: systemClock, host: '127.0.0.1', port: 0 });
    const target = exporter.url.replace('http://', '');
    const history = join(dir, 'history.om');
    await writeOpenMetricsHistory(cluster, history, start, Math.floor(Date.now() / GRID) * GRID, GRID, { labels: { job: 'kad-sim', instance: target } });
    [prom, am] = await Promise.all([
      startPrometheus({ backfill: [history], scrape: [{ job: 'kad-sim', targets: [target], intervalSeconds: 2 }] }),
      startAlertmanager(),
    ]);
    const config = loadConfig({
      env: {
        PROMETHEUS_URL: prom.url, ALERTMANAGER_URL: am.url, QUERY_STEP_SECONDS: String(GRID / 1000), TRAINING_LOOKBACK_MINUTES: '60',
        KAD_RATE_WINDOW: '20s', REQUEST_TIMEOUT_SECONDS: '2', KAD_QUERY_RETRIES: '1', KAD_ALERT_RESEND_SECONDS: '10',
        KAD_STATE_DIR: join(dir, 'state'), KAD_EXTERNAL_URL: 'http://kad.example', PORT: '0', KAD_HOST: '127.0.0.1', KAD_LOG_LEVEL: 'silent',
      },
    });
    kad = await startService(config);
  }, 120_000);

  afterAll(async () => {
    await kad?.close();
    await Promise.all([prom?.stop(), am?.stop()]);
    await exporter?.close();
  });

  it('trains on Prometheus history and scores every pod of the cluster', async () => {
    await waitFor(async () => ((await get('/readyz')).status === 200 ? true : undefined), 60_000, '/readyz 200');
    const scored = new Set((await get<DetectBody>('/detect')).body.pods.map((p) => `${p.namespace}/${p.pod}`));
    const live = cluster.pods().filter((p) => Date.now() - p.createdAt > 30_000).map((p) => `${p.namespace}/${p.pod}`);
    expect(live.length).toBeGreaterThanOrEqual(20);
    for (const p of live) expect(scored, `${p} scored`).toContain(p);
    const h = (await get<{ source: string; sourceUp: boolean; trained: boolean }>('/healthz')).body;
    expect(h).toMatchObject({ source: 'prometheus', sourceUp: true, trained: true });
  }, 90_000);

  it('turns an injected incident into an Alertmanager alert with kad labels, resolved after the incident', async () => {
    cluster.inject({ kind: 'cpu_runaway', at: Date.now(), durationMs: 60_000, namespace: 'shop', workload: 'catalog', replica: 0 });
    const inc = await incident('cpu_runaway');
    const alert = await waitFor(async () => (await amAlertsFor(inc.pod))[0], 90_000, `an alert for ${inc.pod} on Alertmanager`);
    expect(alert.labels).toMatchObject({ alertname: 'KadPodAnomaly', namespace: 'shop', pod: inc.pod, workload: 'catalog', severity: 'warning' });
    expect(Number(alert.annotations.score)).toBeGreaterThan(0.5);
    expect(alert.annotations.top_features).toMatch(/cpu/);
    expect(alert.annotations.link).toBe('http://kad.example/detect?namespace=shop');
    const resolvedBefore = await am.metric('alertmanager_alerts_received_total{status="resolved",version="v2"}');
    // After the incident ends, kad resolves the alert: Alertmanager counts a resolution and drops it from the active alerts.
    await waitFor(async () => (Date.now() > inc.end && !(await flagged(inc.pod)) ? true : undefined), 120_000, `${inc.pod} no longer flagged`);
    await waitFor(async () => ((await amAlertsFor(inc.pod)).length === 0 ? true : undefined), 30_000, `the alert for ${inc.pod} resolved`);
    expect(await am.metric('alertmanager_alerts_received_total{status="resolved",version="v2"}')).toBeGreaterThan(resolvedBefore);
  }, 240_000);

  it('reports Prometheus down on /readyz, stays up, and resumes scoring after it restarts', async () => {
    await prom.stop();
    const down = await waitFor(async () => {
      const r = await get<{ ready: boolean; reason: string }>('/readyz');
      return r.status === 503 ? r.body : undefined;
    }, 30_000, '/readyz 503');
    expect(down.reason).toMatch(/metrics source prometheus is down/);
    expect(down.reason).toContain(prom.url.replace('http://', ''));
    expect((await get('/healthz')).status).toBe(200);
    const lastBefore = (await get<{ lastCycleAt: string }>('/healthz')).body.lastCycleAt;
    await prom.restart();
    await waitFor(async () => ((await get('/readyz')).status === 200 ? true : undefined), 60_000, '/readyz 200 again');
    await waitFor(async () => ((await get<{ lastCycleAt: string }>('/healthz')).body.lastCycleAt > lastBefore ? true : undefined), 30_000, 'a new scoring cycle');
  }, 120_000);

  it('delivers an alert raised while Alertmanager is down once it is back, exactly once', async () => {
    await am.stop();
    cluster.inject({ kind: 'packet_loss', at: Date.now(), durationMs: 120_000, namespace: 'shop', workload: 'checkout', replica: 0 });
    const inc = await incident('packet_loss');
    await waitFor(async () => ((await flagged(inc.pod)) ? true : undefined), 90_000, `${inc.pod} flagged`);
    const notReady = await waitFor(async () => {
      const r = await get<{ reason: string }>('/readyz');
      return r.status === 503 && /alertmanager/.test(r.body.reason) ? r.body : undefined;
    }, 30_000, '/readyz to report Alertmanager down');
    expect(notReady.reason).toMatch(/alert sink alertmanager is down/);
    await am.restart();
    const alerts = await waitFor(async () => {
      const a = await amAlertsFor(inc.pod);
      return a.length ? a : undefined;
    }, 60_000, `the queued alert for ${inc.pod}`);
    expect(alerts).toHaveLength(1);
    expect(alerts[0].labels).toMatchObject({ alertname: 'KadPodAnomaly', pod: inc.pod, namespace: 'shop' });
    await waitFor(async () => ((await get('/readyz')).status === 200 ? true : undefined), 30_000, '/readyz 200 after Alertmanager is back');
  }, 240_000);
});
