/**
 * Custom series as features against a real Prometheus: 40 minutes of a simulated cluster backfilled
 * with promtool, with a custom per-pod gauge `app_queue_depth` backfilled beside it (each pod's value
 * a constant of its own, and one series for a pod the cluster does not have). `kad serve` with
 * `features.custom` in its config file trains on the history and shows each pod's value in /detect's
 * features; the start-up check refuses a query without pod labels and warns of one that answers
 * nothing; a model trained without the custom series is refused, naming it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { ConfigError, ModelFormatError } from '../src/core/errors.js';
import { podKey } from '../src/core/series.js';
import { buildRuntime, startService, type Service } from '../src/main.js';
import { loadModels, saveModels } from '../src/registry/model-store.js';
import { SimulatedCluster, type SimulatorOptions } from '../src/simulator/cluster.js';
import { writeOpenMetricsHistory } from '../src/simulator/openmetrics.js';
import { SimulatorSource } from '../src/sources/simulator.js';
import { waitFor } from './helpers.js';
import { describeWithServers, tempDir } from './integration.js';
import { startPrometheus, type PrometheusServer } from './prometheus.js';

const MIN = 60_000;
const GRID = 15_000;
const QUERY = 'sum by (namespace, pod) (app_queue_depth)';

describeWithServers('custom series as features, from a real Prometheus', ['prometheus', 'promtool'], () => {
  const dir = tempDir('custom-series');
  let prom: PrometheusServer;
  let service: Service | undefined;
  /** Each pod's queue depth, by `namespace/pod`. */
  const depth = new Map<string, number>();

  /** The config: kad.yaml with `features.custom` (these entries), and the environment of a quick test service. */
  const config = (custom: { name: string; query: string; scaleFloor: number }[], env: Record<string, string> = {}) => {
    const file = join(dir, `kad-${custom.map((c) => c.name).join('-') || 'plain'}.yaml`);
    const yaml = custom.length
      ? ['features:', '  custom:', ...custom.flatMap((c) => [`    - name: ${c.name}`, `      query: ${JSON.stringify(c.query)}`, `      scaleFloor: ${c.scaleFloor}`])]
      : ['features:', '  custom: []'];
    writeFileSync(file, yaml.join('\n') + '\n');
    return loadConfig({
      file,
      env: {
        PROMETHEUS_URL: prom.url, QUERY_STEP_SECONDS: String(GRID / 1000), TRAINING_LOOKBACK_MINUTES: '30', KAD_WARMUP_MINUTES: '0',
        KAD_RETRAIN_MINUTES: '0', KAD_FORECAST: 'false', KAD_EARLY_WARNING: 'false', PORT: '0', KAD_HOST: '127.0.0.1', KAD_LOG_LEVEL: 'silent', ...env,
      },
    });
  };

  beforeAll(async () => {
    const end = Math.floor(Date.now() / GRID) * GRID;
    const start = end - 40 * MIN;
    const opts = (): SimulatorOptions => ({ seed: 5, start, scenario: { random: false } });
    const history = join(dir, 'history.om');
    await writeOpenMetricsHistory(new SimulatedCluster(opts()), history, start, end, GRID);
    // The custom gauge: every pod of the twin cluster at every step, 3 + its place in the pod list.
    const snaps = await new SimulatorSource(new SimulatedCluster(opts()), { rateWindowMs: MIN }).history(start, end, GRID);
    const series = new Map<string, string[]>();
    for (const s of snaps) {
      for (const p of s.pods) {
        const key = podKey(p.ref);
        if (!depth.has(key)) depth.set(key, 3 + depth.size);
        const head = `app_queue_depth{namespace="${p.ref.namespace}",pod="${p.ref.pod}"}`;
        if (!series.has(head)) series.set(head, []);
        series.get(head)!.push(`${head} ${depth.get(key)} ${(s.t / 1000).toFixed(3)}`);
      }
    }
    series.set('app_queue_depth{namespace="shop",pod="not-a-pod-0"}', snaps.map((s) => `app_queue_depth{namespace="shop",pod="not-a-pod-0"} 99 ${(s.t / 1000).toFixed(3)}`));
    const custom = join(dir, 'custom.om');
    writeFileSync(custom, `# TYPE app_queue_depth gauge\n${[...series.values()].flat().join('\n')}\n# EOF\n`);
    prom = await startPrometheus({ backfill: [history, custom] });
  }, 120_000);

  afterAll(async () => {
    await service?.close();
    await prom?.stop();
  });

  it('serves each pod\'s custom value in /detect\'s features, after training on its history', async () => {
    service = await startService(config([{ name: 'queue_depth', query: QUERY, scaleFloor: 1 }]));
    await waitFor(async () => ((await fetch(`${service!.url}/readyz`)).status === 200 ? true : undefined), 60_000, '/readyz 200');
    const body = (await (await fetch(`${service.url}/detect`)).json()) as { pods: { namespace: string; pod: string; features: Record<string, number | null> }[] };
    expect(body.pods.length).toBeGreaterThanOrEqual(20);
    for (const p of body.pods) expect(p.features.queue_depth, `${p.namespace}/${p.pod}`).toBe(depth.get(`${p.namespace}/${p.pod}`));
    expect(body.pods.some((p) => p.pod === 'not-a-pod-0')).toBe(false);
    // The history the models trained on (range queries) carries the values too.
    const now = Date.now();
    const history = await service.runtime.source.history(now - 20 * MIN, now - 10 * MIN, GRID);
    expect(history.length).toBeGreaterThan(30);
    for (const s of history) for (const p of s.pods) expect(p.custom?.queue_depth, podKey(p.ref)).toBe(depth.get(podKey(p.ref)));
    // The feature is in the models.
    const models = service.runtime.engine.exportModels();
    expect(models.features.at(-1)).toBe('queue_depth');
    expect(models.trainingRows).toBeGreaterThan(0);
    await service.close();
    service = undefined;
  }, 90_000);

  it('refuses at start a query whose series have no pod label, and warns of one that answers nothing', async () => {
    await expect(buildRuntime(config([{ name: 'queue_total', query: 'sum(app_queue_depth)', scaleFloor: 1 }]))).rejects.toThrow(ConfigError);
    await expect(buildRuntime(config([{ name: 'queue_total', query: 'sum(app_queue_depth)', scaleFloor: 1 }])))
      .rejects.toThrow(/features\.custom\[0\] \(queue_total\): query "sum\(app_queue_depth\)" answers series without the namespace and pod labels/);
    await expect(buildRuntime(config([{ name: 'queue_bad', query: 'rate(app_queue_depth[', scaleFloor: 1 }]))).rejects.toThrow(/refused by Prometheus/);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const rt = await buildRuntime(config([{ name: 'lag', query: 'sum by (namespace, pod) (app_consumer_lag)', scaleFloor: 1 }]));
      await rt.source.close();
      expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toMatch(/kad: warning: features\.custom\[0\] \(lag\): query .* answers no series now/);
    } finally {
      stderr.mockRestore();
    }
  }, 60_000);

  it('refuses a model trained without the custom series, naming it', async () => {
    const plain = await buildRuntime(config([]));
    await plain.engine.train();
    const modelDir = join(dir, 'models');
    saveModels(modelDir, plain.engine.exportModels());
    await plain.source.close();
    const rt = await buildRuntime(config([{ name: 'queue_depth', query: QUERY, scaleFloor: 1 }], { KAD_MODEL_DIR: modelDir }));
    try {
      expect(() => rt.engine.importModels(loadModels(modelDir))).toThrow(ModelFormatError);
      expect(() => rt.engine.importModels(loadModels(modelDir))).toThrow(/trained without custom feature queue_depth.*remove it from the config/);
    } finally {
      await rt.source.close();
    }
  }, 60_000);
});
