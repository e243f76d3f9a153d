/**
 * `kad check` against a real Prometheus scraping the simulated cluster's exporter (the series kad
 * reads, as cAdvisor and kube-state-metrics export them) and a real Alertmanager: all ok; then the
 * mistakes a first configuration makes, each a FAIL or warn line that says what to do.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { main } from '../src/cli/kad.js';
import { systemClock } from '../src/core/clock.js';
import { SimulatedCluster } from '../src/simulator/cluster.js';
import { startExporter, type Exporter } from '../src/simulator/exporter.js';
import { PrometheusClient } from '../src/sources/prometheus-client.js';
import { startAlertmanager, type AlertmanagerServer } from './alertmanager.js';
import { captureIO, waitFor } from './helpers.js';
import { describeWithServers } from './integration.js';
import { startPrometheus, type PrometheusServer } from './prometheus.js';

describeWithServers('kad check', ['prometheus', 'alertmanager'], () => {
  let exporter: Exporter;
  let prom: PrometheusServer;
  let am: AlertmanagerServer;

  beforeAll(async () => {
    const cluster = new SimulatedCluster({ seed: 3, start: Date.now() - 3_600_000 });
    exporter = await startExporter({ cluster, clock: systemClock, host: '127.0.0.1', port: 0 });
    [prom, am] = await Promise.all([
      startPrometheus({ scrape: [{ job: 'kad-sim', targets: [exporter.url.replace('http://', '')], intervalSeconds: 2 }] }),
      startAlertmanager(),
    ]);
    const client = new PrometheusClient({ url: prom.url, timeoutMs: 5000, maxRetries: 0 });
    await waitFor(async () => ((await client.query('up{job="kad-sim"}', Date.now()))[0]?.value === 1 ? true : undefined), 20_000, 'the first scrape');
    await client.close();
  }, 60_000);

  afterAll(async () => {
    await Promise.all([prom?.stop(), am?.stop()]);
    await exporter?.close();
  });

  const check = async (env: Record<string, string>) => {
    const io = captureIO({ PROMETHEUS_URL: prom.url, ALERTMANAGER_URL: am.url, ...env });
    const code = await main(['check'], io);
    return { code, out: io.out };
  };

  it('is all ok on a Prometheus with every series kad reads, and says the recording rules are not loaded', async () => {
    const { code, out } = await check({});
    expect(code).toBe(0);
    expect(out).toMatch(/^ok {4}Prometheus: http:\/\/127\.0\.0\.1:\d+ answers$/m);
    for (const m of ['container_cpu_usage_seconds_total', 'container_memory_working_set_bytes', 'kube_pod_container_status_restarts_total', 'kube_pod_info']) {
      expect(out).toMatch(new RegExp(`^ok {4}${m}: \\d+ pods in any namespace`, 'm'));
    }
    expect(out).toMatch(/^warn {2}recording rules: not loaded \(kad_pod:container_cpu_usage_seconds_total:sum_rate1m has no series\)/m);
    expect(out).toMatch(/^ok {4}Alertmanager: http:\/\/127\.0\.0\.1:\d+ answers \(version 0\.25\.0; clustering off\)$/m);
    expect(out).toMatch(/^12 checks: 0 failed, 1 warnings$/m);
  });

  it('names the mistake: a pod label the series do not have, namespaces that match none, a dead Alertmanager', async () => {
    const label = await check({ POD_LABEL: 'pod_name' });
    expect(label.code).toBe(1);
    expect(label.out).toMatch(/^FAIL {2}container_cpu_usage_seconds_total: no pods: \d+ series in any namespace, none with a "pod_name" label \(POD_LABEL\): set POD_LABEL to the label holding the pod's name/m);
    const ns = await check({ NAMESPACE_REGEX: 'no-such-namespace' });
    expect(ns.code).toBe(1);
    expect(ns.out).toMatch(/^FAIL {2}container_memory_working_set_bytes: no pods: \d+ series, none in namespaces matching NAMESPACE_REGEX="no-such-namespace"; without it kad has no memory$/m);
    const dead = await check({ ALERTMANAGER_URL: `${am.url},http://127.0.0.1:1` });
    expect(dead.code).toBe(1);
    expect(dead.out).toMatch(/^FAIL {2}Alertmanager: Alertmanager http:\/\/127\.0\.0\.1:1\/api\/v2\/status: connection refused \(ECONNREFUSED\)$/m);
  });
});
