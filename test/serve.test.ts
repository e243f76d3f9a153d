/**
 * `kad serve` as a real process on the embedded simulated cluster: ready quickly, at least 20 pods
 * scored, the seed's metrics on /metrics, API docs, and a clean exit on SIGTERM.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { exited, spawnKad, waitFor } from './helpers.js';

describe('kad serve (simulated cluster)', () => {
  let child: ChildProcess & { output: () => string };
  let url = '';

  beforeAll(async () => {
    child = spawnKad(['serve', '--port', '0', '--host', '127.0.0.1']);
    url = await waitFor(() => /serving on (http:\/\/\S+) /.exec(child.output())?.[1], 30_000, 'kad serve to listen');
  });

  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('becomes ready within 30 s and lists at least 20 pods with scores', async () => {
    await waitFor(async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined), 30_000, '/readyz 200');
    const body = (await (await fetch(`${url}/detect`)).json()) as { pods: { pod: string; anomaly_score: number; anomaly_flag: number; cpu: number }[] };
    expect(body.pods.length).toBeGreaterThanOrEqual(20);
    for (const p of body.pods) {
      expect(p.anomaly_score).toBeGreaterThanOrEqual(0);
      expect(p.anomaly_score).toBeLessThan(1);
      expect([0, 1]).toContain(p.anomaly_flag);
      expect(p.cpu).toBeGreaterThan(0);
    }
  });

  it('exports the seed metrics and process metrics on /metrics', async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    for (const name of ['anomaly_score', 'anomaly_flag', 'anomaly_detector_inference_duration_seconds_bucket', 'anomaly_detector_predictions_total',
      'anomaly_detector_anomalies_detected_total', 'anomaly_detector_source_up', 'process_cpu_seconds_total']) {
      expect(text).toContain(name);
    }
    expect(text).toMatch(/^anomaly_score\{namespace="[^"]+",pod="[^"]+",workload="[^"]+"\} [0-9.e-]+$/m);
  });

  it('reports health and serves OpenAPI docs', async () => {
    const h = (await (await fetch(`${url}/healthz`)).json()) as { status: string; trained: boolean; source: string };
    expect(h).toMatchObject({ status: 'ok', trained: true, source: 'simulator' });
    expect((await fetch(`${url}/docs`)).status).toBe(200);
    const spec = (await (await fetch(`${url}/docs/json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/detect', '/healthz', '/readyz', '/metrics']));
  });

  it('filters /detect and rejects a bad query with a coded error', async () => {
    const shop = (await (await fetch(`${url}/detect?namespace=shop`)).json()) as { pods: { namespace: string }[] };
    expect(shop.pods.length).toBeGreaterThan(0);
    expect(shop.pods.every((p) => p.namespace === 'shop')).toBe(true);
    const bad = await fetch(`${url}/detect?flagged=maybe`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { code: string }).code).toBe('KAD_ERR_INPUT');
  });

  it('shuts down cleanly on SIGTERM', async () => {
    child.kill('SIGTERM');
    const code = await Promise.race([exited(child), new Promise((r) => setTimeout(() => r('timeout'), 10_000))]);
    expect(code).toBe(0);
  });
});
