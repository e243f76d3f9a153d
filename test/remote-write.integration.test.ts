/**
 * Remote write from a real Prometheus (Debian's 2.42) into `kad serve` (in-process, KAD_SOURCE=remote-write):
 * Prometheus scrapes the simulator's exporter every second and `remote_write`s what kad reads (the
 * README's `write_relabel_configs`) to kad's /api/v1/write; kad trains on what was pushed and
 * /detect lists the simulated pods.
 *
 * The simulated cluster, its exporter and kad share one clock running 15 times real time, and the
 * exporter stamps its samples with it (Prometheus honours them), so a 5-minute training window fills
 * in about 20 s. The clock starts a minute ahead of the wall clock: Prometheus's remote write sends
 * only samples newer than its own start.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { acceleratedClock } from '../src/core/clock.js';
import { startService, type Service } from '../src/main.js';
import { SimulatedCluster } from '../src/simulator/cluster.js';
import { startExporter, type Exporter } from '../src/simulator/exporter.js';
import { REMOTE_WRITE_METRICS } from '../src/sources/remote-write-series.js';
import { waitFor } from './helpers.js';
import { describeWithServers, tempDir } from './integration.js';
import { startPrometheus, type PrometheusServer } from './prometheus.js';

const MIN = 60_000;
const SPEED = 15;

/**
 * The `remote_write` section sending kad what it reads, retrying 429s (2.42 drops a 429'd batch
 * without `retry_on_http_429`), from 8 shards at once so that kad's small buffer fills.
 */
function remoteWrite(url: string): string {
  return [
    'remote_write:',
    `  - url: ${url}/api/v1/write`,
    '    queue_config:',
    '      min_shards: 8',
    '      batch_send_deadline: 1s',
    '      max_samples_per_send: 500',
    '      min_backoff: 50ms',
    '      max_backoff: 1s',
    '      retry_on_http_429: true',
    '    write_relabel_configs:',
    '      - source_labels: [__name__]',
    `        regex: "${REMOTE_WRITE_METRICS.join('|')}"`,
    '        action: keep',
    '      - source_labels: [__name__, phase]',
    '        regex: "kube_pod_status_phase;(Pending|Running|Unknown)"',
    '        action: drop',
    '',
  ].join('\n');
}

async function metric(url: string, series: string): Promise<number | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : undefined;
}

/** The sum of every series of metric `name` (whatever its labels). */
async function total(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let sum = 0;
  for (const l of text.split('\n')) if (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) sum += Number(l.split(' ').pop());
  return sum;
}

describeWithServers('remote write from a real Prometheus into kad serve', ['prometheus'], () => {
  let cluster: SimulatedCluster;
  let exporter: Exporter;
  let prom: PrometheusServer;
  let kad: Service;
  let exporterClosed = false;

  beforeAll(async () => {
    const clock = acceleratedClock(Date.now() + MIN, SPEED);
    cluster = new SimulatedCluster({ seed: 9, start: clock.now() - 10 * MIN, scenario: { random: false } });
    exporter = await startExporter({ cluster, clock, host: '127.0.0.1', port: 0, withTimestamps: true });
    const config = loadConfig({
      env: {
        KAD_SOURCE: 'remote-write', KAD_REMOTE_WRITE_BUFFER_BYTES: '1024', TRAINING_LOOKBACK_MINUTES: '5', QUERY_STEP_SECONDS: '15', KAD_RATE_WINDOW: '2m', KAD_FORECAST: 'false',
        KAD_STATE_DIR: join(tempDir('rw'), 'state'), PORT: '0', KAD_HOST: '127.0.0.1', KAD_LOG_LEVEL: 'silent',
      },
    });
    kad = await startService(config, { clock });
    prom = await startPrometheus({
      scrape: [{ job: 'kad-sim', targets: [exporter.url.replace('http://', '')], intervalSeconds: 1 }],
      extraConfig: remoteWrite(kad.url),
    });
  }, 60_000);

  afterAll(async () => {
    await prom?.stop();
    await kad?.close();
    if (!exporterClosed) await exporter?.close();
  });

  it('kad receives the series, trains, and /detect lists the simulated pods', async () => {
    const started = Date.now();
    const pods = await waitFor(async () => {
      const r = await fetch(`${kad.url}/detect`);
      if (r.status !== 200) return undefined;
      const body = (await r.json()) as { pods: { namespace: string; pod: string; workload: string; node: string | null; cpu: number | null; memory: number | null; anomaly_score: number }[] };
      return body.pods.length >= 20 ? body.pods : undefined;
    }, 60_000, `/detect to list the simulated pods (Prometheus said: ${prom.output().slice(-500)})`);
    console.log(`[remote-write] trained and scoring ${pods.length} pods ${((Date.now() - started) / 1000).toFixed(1)} s after Prometheus started`);
    // Every pod listed is live, or one a scale or rollout of its workload (the simulator's ground truth)
    // replaced since (its series go stale a few minutes later).
    const live = new Set(cluster.pods().map((p) => `${p.namespace}/${p.pod}`));
    const moved = (p: { namespace: string; pod: string; workload: string }) => cluster.incidents().some((i) => i.namespace === p.namespace && (i.workload === p.workload || i.pod === p.pod || i.affected?.includes(p.pod)));
    for (const p of pods) {
      expect(live.has(`${p.namespace}/${p.pod}`) || moved(p), `${p.namespace}/${p.pod}`).toBe(true);
      expect(p.anomaly_score).toBeGreaterThanOrEqual(0);
      expect(p.anomaly_score).toBeLessThanOrEqual(1);
      expect(p.memory).toBeGreaterThan(0);
      expect(p.node).toMatch(/^kad-worker-/);
    }
    // Owners from kube_pod_info: each pod's workload is its Deployment, not the ReplicaSet.
    expect(pods.every((p) => p.pod.startsWith(`${p.workload}-`) && !/-[0-9a-f]{10}$/.test(p.workload))).toBe(true);
    expect(pods.filter((p) => (p.cpu ?? 0) > 0).length).toBeGreaterThan(pods.length / 2); // rates from the pushed counters
    const stored = (await metric(kad.url, 'anomaly_detector_remote_write_samples_total{result="stored"}'))!;
    expect(stored).toBeGreaterThan(1000);
    // The relabelling keeps the metrics kad reads; of those only the memory requests go unused.
    expect(await metric(kad.url, 'anomaly_detector_remote_write_samples_total{result="unused"}')).toBeLessThan(stored / 10);
    for (const reason of ['series_limit', 'malformed', 'unsupported_media_type']) {
      expect(await metric(kad.url, `anomaly_detector_remote_write_rejected_total{reason="${reason}"}`), reason).toBe(0);
    }
    expect(await metric(kad.url, 'anomaly_detector_source_up{source="remote-write"}')).toBe(1);
  });

  it('answers 429 when its buffer is full; Prometheus retries and, once the load falls, kad has every sample it sent', async () => {
    const promMetric = (name: string) => total(prom.url, name);
    expect(await metric(kad.url, 'anomaly_detector_remote_write_rejected_total{reason="buffer_full"}')).toBeGreaterThan(0);
    // The load falls: the target goes away (Prometheus sends its staleness markers), then nothing.
    await exporter.close();
    exporterClosed = true;
    const processed = async () => {
      let n = 0;
      for (const r of ['stored', 'unused', 'out_of_order', 'too_old', 'refused']) n += (await metric(kad.url, `anomaly_detector_remote_write_samples_total{result="${r}"}`))!;
      return n;
    };
    // Prometheus counts every attempt in samples_total and the retried ones again in samples_retried_total.
    const sent = async () => (await promMetric('prometheus_remote_storage_samples_total')) - (await promMetric('prometheus_remote_storage_samples_retried_total'));
    const [got, want] = await waitFor(async () => {
      const a = await processed();
      const b = await sent();
      await new Promise((r) => setTimeout(r, 2000));
      return a === (await processed()) && b === (await sent()) && (await promMetric('prometheus_remote_storage_samples_pending')) === 0 ? [a, b] : undefined;
    }, 30_000, 'remote write to go quiet');
    const retried = await promMetric('prometheus_remote_storage_samples_retried_total');
    console.log(`[remote-write] Prometheus sent ${want} samples (${retried} retried after a 429), kad took ${got}`);
    expect(retried).toBeGreaterThan(0);
    expect(await promMetric('prometheus_remote_storage_samples_failed_total'), prom.output().slice(-3000)).toBe(0);
    // Its samples_dropped_total counts those write_relabel_configs left out.
    expect(got).toBe(want);
    expect(await metric(kad.url, 'anomaly_detector_remote_write_samples_total{result="out_of_order"}')).toBe(0);
  });
});
