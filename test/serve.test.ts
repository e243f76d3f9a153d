/**
 * `kad serve` as a real process on the embedded simulated cluster: ready quickly, at least 20 pods
 * scored, the seed's metrics on /metrics, API docs, forecasts and replica recommendations, and a
 * clean exit on SIGTERM.
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
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/detect', '/forecast', '/scaling', '/healthz', '/readyz', '/metrics']));
  });

  it('filters /detect and rejects a bad query with a coded error', async () => {
    const shop = (await (await fetch(`${url}/detect?namespace=shop`)).json()) as { pods: { namespace: string }[] };
    expect(shop.pods.length).toBeGreaterThan(0);
    expect(shop.pods.every((p) => p.namespace === 'shop')).toBe(true);
    const bad = await fetch(`${url}/detect?flagged=maybe`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { code: string }).code).toBe('KAD_ERR_INPUT');
  });

  it('forecasts every workload\'s CPU and memory 30 minutes ahead with intervals, and recommends replicas', async () => {
    type Fc = { namespace: string; workload: string; metric: string; steps: { point: number; lower95: number; upper95: number }[] };
    // The first cycle starts loading 8 days of simulated history; forecasts follow within seconds.
    const body = await waitFor(async () => {
      const b = (await (await fetch(`${url}/forecast?namespace=shop`)).json()) as { forecasts: Fc[]; backfilling: boolean };
      return !b.backfilling && b.forecasts.some((f) => f.steps.length) ? b : undefined;
    }, 60_000, '/forecast with steps');
    const cpu = body.forecasts.find((f) => f.workload === 'frontend' && f.metric === 'cpu')!;
    expect(cpu.steps).toHaveLength(30);
    for (const s of cpu.steps) {
      expect(s.lower95).toBeLessThanOrEqual(s.point);
      expect(s.point).toBeLessThanOrEqual(s.upper95);
    }
    expect(body.forecasts.every((f) => f.namespace === 'shop')).toBe(true);
    const bad = await fetch(`${url}/forecast?metric=disk`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toContain('metric must be one of cpu, memory');
    const none = await fetch(`${url}/forecast?workload=nope`);
    expect(none.status).toBe(200);
    expect(await none.json()).toMatchObject({ forecasts: [], count: 0 });
    const scaling = (await (await fetch(`${url}/scaling`)).json()) as { recommendations: { workload: string; replicas: number; mode: string }[] };
    expect(scaling.recommendations.find((r) => r.workload === 'frontend')?.replicas).toBeGreaterThanOrEqual(1);
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toMatch(/^anomaly_detector_forecast\{namespace="shop",workload="frontend",metric="cpu",bound="point"\} [0-9.e-]+$/m);
    expect(text).toMatch(/^anomaly_detector_recommended_replicas\{namespace="shop",workload="frontend"\} \d+$/m);
  });

  it('shuts down cleanly on SIGTERM', async () => {
    child.kill('SIGTERM');
    const code = await Promise.race([exited(child), new Promise((r) => setTimeout(() => r('timeout'), 10_000))]);
    expect(code).toBe(0);
  });
});
