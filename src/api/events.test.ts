/**
 * The dashboard's JSON routes over a stub engine and a real in-memory event store: the pods now,
 * a pod's history joined from the store and the series store, anomalies with search, alerts,
 * incidents, feedback behind the bearer token, and the Server-Sent Events stream.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { get, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.js';
import { NotReadyError } from '../core/errors.js';
import type { PodSample } from '../core/samples.js';
import type { Engine, PodResult } from '../engine/engine.js';
import { OperatorFeedback } from '../policy/feedback.js';
import { WorkloadBars } from '../policy/workload-bars.js';
import { HISTORY_METRICS, openEventStore, type EventStore } from '../store/event-store.js';
import { SeriesStore, seriesStoreOptions } from '../store/series-store.js';
import { createTelemetry, type Telemetry } from '../telemetry/metrics.js';
import { LiveFeed } from './live-feed.js';
import { buildServer } from './server.js';

const T0 = Date.UTC(2026, 0, 5, 12);
const MIN = 60_000;
const TOKEN = 's3cret-token';

function sample(pod: string, cpu: number): PodSample {
  return { ref: { namespace: 'shop', pod, workload: 'web' }, cpu, memory: 2e8, restarts: 0, rxBytes: 1e4, txBytes: 2e4, rxPackets: 10, rxDropped: 0, cpuLimit: 1, memoryLimit: 5e8 };
}

function result(pod: string, score: number, flagged: boolean): PodResult {
  return {
    ref: { namespace: 'shop', pod, workload: 'web', node: 'n1' }, t: T0 + 10 * MIN, sample: sample(pod, 0.3), score, flagged, threshold: 0.8,
    features: { cpu_z: 1.5, gone: NaN }, model: 'pod', modelScore: score, peerScore: 0,
    anomaly: flagged ? { threshold: 0.8, topFeatures: [{ name: 'cpu_z', value: 1.5, z: 9, expected: [-1, 1] }], peer: null, change: 'spike' } : null,
    exhaustion: { memorySeconds: Infinity, cpuSeconds: 600, warnings: ['cpu'] },
  };
}

function stubEngine(series: SeriesStore, ready: { trained: boolean }): Engine {
  return {
    detect: () => {
      if (!ready.trained) throw new NotReadyError('No model trained yet');
      return [result('web-1', 0.95, true), result('web-2', 0.1, false)];
    },
    status: () => ({ trained: ready.trained, sourceUp: true, source: 'stub', models: 1, pods: 2, trainedAt: T0, lastCycleAt: T0 + 10 * MIN, lastError: null, modelVersion: 'm1' }),
    seriesStore: series,
    workloadForecasts: () => null,
    forecastStatus: () => ({ enabled: false, backfilling: false, lastError: null }),
  } as unknown as Engine;
}

function seed(store: EventStore): { a: number; b: number } {
  const metrics = Object.fromEntries(HISTORY_METRICS.map((m) => [m, 1])) as Record<(typeof HISTORY_METRICS)[number], number>;
  store.write(() => {
    for (let i = 5; i <= 10; i++) store.appendHistory(T0 + i * MIN, [{ namespace: 'shop', pod: 'web-1', workload: 'web', score: i / 10, threshold: 0.8, flagged: i >= 9, modelScore: i / 10, peerScore: 0, metrics }]);
  });
  const top = [{ feature: 'cpu_z', contribution: 9, value: 1.5, expected: [-1, 1] as [number, number] }];
  const a = store.openAnomaly({ namespace: 'shop', workload: 'web', pod: 'web-1', start: T0 + 9 * MIN, peakScore: 0.95, threshold: 0.8, topFeatures: top, explanation: 'cpu far above normal', modelVersion: 'm1' });
  const b = store.openAnomaly({ namespace: 'platform', workload: 'dns', pod: 'dns-1', start: T0 - 60 * MIN, peakScore: 0.9, threshold: 0.8, topFeatures: [], explanation: 'restarts', modelVersion: 'm1' });
  store.closeAnomaly(b, T0 - 50 * MIN);
  store.openAlert({ kind: 'anomaly', key: 'shop/web-1', namespace: 'shop', workload: 'web', pod: 'web-1', startsAt: T0 + 9 * MIN, summary: 'web-1 is anomalous', labels: { alertname: 'KadPodAnomaly' }, annotations: {}, anomalyId: a });
  store.openAlert({ kind: 'early_warning', key: 'w', namespace: 'shop', workload: 'cart', pod: 'cart-1', startsAt: T0 + 11 * MIN, summary: 'memory soon full', labels: {}, annotations: { resource: 'memory' }, anomalyId: null });
  return { a, b };
}

describe('dashboard JSON routes', () => {
  let app: FastifyInstance;
  let store: EventStore;
  let telemetry: Telemetry;
  let ids: { a: number; b: number };
  const ready = { trained: true };
  const feed = new LiveFeed();
  const bars = new WorkloadBars();

  beforeAll(async () => {
    const series = new SeriesStore(seriesStoreOptions(loadConfig({ env: {} }).store, MIN, false));
    for (let i = 0; i <= 10; i++) series.append({ t: T0 + i * MIN, pods: [sample('web-1', i), sample('web-2', 1)] });
    store = openEventStore();
    ids = seed(store);
    telemetry = createTelemetry(new Registry());
    const feedback = new OperatorFeedback(store, bars, { now: () => T0 + 20 * MIN });
    app = await buildServer({ engine: stubEngine(series, ready), telemetry, version: 'test', events: store, feedback, feed, auth: { token: TOKEN } });
  });
  afterAll(async () => {
    await app.close();
    store.close();
  });

  it('serves the JSON index at /api', async () => {
    const r = await app.inject({ method: 'GET', url: '/api' });
    expect(r.json()).toMatchObject({ name: 'k8s-anomaly-detector', version: 'test' });
    expect(r.json().endpoints).toEqual(expect.arrayContaining(['/api/pods', '/api/series', '/anomalies', '/api/events']));
  });

  it('GET /api/pods: every pod with its threshold and firing finding; 503 before training', async () => {
    const r = await app.inject({ method: 'GET', url: '/api/pods' });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body).toMatchObject({ t: T0 + 10 * MIN, modelVersion: 'm1' });
    expect(body.pods[0]).toMatchObject({
      pod: 'web-1', workload: 'web', flagged: true, threshold: 0.8, features: { cpu_z: 1.5, gone: null },
      anomaly: { topFeatures: [{ feature: 'cpu_z', contribution: 9, value: 1.5, expected: [-1, 1] }], peer: null, change: 'spike' },
      exhaustion: { memorySeconds: null, cpuSeconds: 600, warnings: ['cpu'] },
    });
    expect(body.pods[1].anomaly).toBeNull();
    ready.trained = false;
    const cold = await app.inject({ method: 'GET', url: '/api/pods' });
    ready.trained = true;
    expect(cold.statusCode).toBe(503);
    expect(cold.json().code).toBe('KAD_ERR_NOT_READY');
  });

  it('GET /api/series: the store\'s scored history joined with the samples held in memory; 404 for an unknown pod', async () => {
    const r = await app.inject({ method: 'GET', url: `/api/series?namespace=shop&pod=web-1&from=${T0}&to=${T0 + 10 * MIN}` });
    expect(r.statusCode).toBe(200);
    const s = r.json();
    expect(s).toMatchObject({ namespace: 'shop', pod: 'web-1', workload: 'web', stepMs: MIN });
    expect(s.t).toEqual(Array.from({ length: 11 }, (_, i) => T0 + i * MIN));
    expect(s.score.slice(0, 5)).toEqual([null, null, null, null, null]);
    expect(s.score.slice(5)).toEqual([0.5, 0.6, 0.7, 0.8, 0.9, 1]);
    expect(s.metrics.cpu.slice(0, 6)).toEqual([0, 1, 2, 3, 4, 1]); // memory's samples, then the store's rows
    expect(s.flagged.slice(-2)).toEqual([true, true]);
    expect(Object.keys(s.metrics)).toEqual([...HISTORY_METRICS]);
    const dflt = (await app.inject({ method: 'GET', url: '/api/series?namespace=shop&pod=web-1' })).json();
    expect(dflt.t.length).toBe(11); // the last 3 hours before the last cycle
    const none = await app.inject({ method: 'GET', url: '/api/series?namespace=shop&pod=nope' });
    expect(none.statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/api/series?pod=web-1' })).statusCode).toBe(400);
  });

  it('GET /api/series: an expected range per metric from the pod\'s earlier days, aligned with t; a spike falls outside', async () => {
    const day = 1440 * MIN;
    const start = T0 - 3 * day;
    const metrics = (i: number) => {
      const m = Object.fromEntries(HISTORY_METRICS.map((k) => [k, 1])) as Record<(typeof HISTORY_METRICS)[number], number>;
      m.cpu = 1 + 0.5 * Math.sin((2 * Math.PI * i) / 1440) + 0.01 * ((i * 7919) % 13);
      if (i === 3 * 1440 - 30) m.cpu = 5;
      return m;
    };
    store.write(() => {
      for (let i = 0; i < 3 * 1440; i++) store.appendHistory(start + i * MIN, [{ namespace: 'shop', pod: 'batch-1', workload: 'batch', score: 0.1, threshold: 0.8, flagged: false, modelScore: 0.1, peerScore: 0, metrics: metrics(i) }]);
    });
    const s = (await app.inject({ method: 'GET', url: `/api/series?namespace=shop&pod=batch-1&from=${T0 - 60 * MIN}&to=${T0}` })).json();
    expect(s.t.length).toBe(60);
    for (const k of ['cpu', 'memory', 'network_rx', 'network_tx']) {
      expect(s.expected[k].lo.length, k).toBe(60);
      expect(s.expected[k].hi.every((v: number | null) => v !== null), k).toBe(true);
    }
    const spike = s.t.indexOf(T0 - 30 * MIN);
    s.metrics.cpu.forEach((v: number, i: number) => {
      if (i === spike) expect(v).toBeGreaterThan(s.expected.cpu.hi[i]);
      else expect(v >= s.expected.cpu.lo[i] && v <= s.expected.cpu.hi[i], `cpu ${v} at ${i} in [${s.expected.cpu.lo[i]}, ${s.expected.cpu.hi[i]}]`).toBe(true);
    });
    // A pod with minutes of history: no band until the last hour holds 10 values (the 11th point's).
    const short = (await app.inject({ method: 'GET', url: `/api/series?namespace=shop&pod=web-1&from=${T0}&to=${T0 + 10 * MIN}` })).json();
    expect(short.expected.cpu.lo.slice(0, 10)).toEqual(Array(10).fill(null));
    expect(short.expected.cpu.lo[10]).toBeTypeOf('number');
  });

  it('GET /anomalies: newest first, filtered and searched', async () => {
    const all = (await app.inject({ method: 'GET', url: '/anomalies' })).json();
    expect(all.count).toBe(2);
    expect(all.anomalies.map((a: { id: number }) => a.id)).toEqual([ids.a, ids.b]);
    expect(all.anomalies[0]).toMatchObject({ pod: 'web-1', end: null, peakScore: 0.95, explanation: 'cpu far above normal', feedback: null });
    expect((await app.inject({ method: 'GET', url: '/anomalies?q=RESTART' })).json().anomalies.map((a: { id: number }) => a.id)).toEqual([ids.b]);
    expect((await app.inject({ method: 'GET', url: `/anomalies?namespace=shop&from=${T0}` })).json().count).toBe(1);
    expect((await app.inject({ method: 'GET', url: '/anomalies?limit=0' })).statusCode).toBe(400);
  });

  it('GET /api/alerts and /api/incidents', async () => {
    const alerts = (await app.inject({ method: 'GET', url: '/api/alerts' })).json();
    expect(alerts.alerts.map((a: { kind: string }) => a.kind)).toEqual(['early_warning', 'anomaly']);
    expect(alerts.alerts[1]).toMatchObject({ startsAt: T0 + 9 * MIN, endsAt: null, anomalyId: ids.a, labels: { alertname: 'KadPodAnomaly' } });
    const inc = (await app.inject({ method: 'GET', url: '/api/incidents' })).json();
    expect(inc.incidents).toHaveLength(2);
    expect(inc.incidents[0]).toMatchObject({ namespace: 'shop', workloads: ['cart', 'web'], anomalies: [ids.a], end: null });
    expect(inc.incidents[0].alerts).toHaveLength(2);
    expect((await app.inject({ method: 'GET', url: '/api/incidents?windowMinutes=1' })).json().incidents).toHaveLength(3);
  });

  it('POST /anomalies/{id}/feedback: 401 without or with a wrong token, 200 with it; 404, 400; counted on /metrics', async () => {
    const url = `/anomalies/${ids.a}/feedback`;
    const body = { verdict: 'false_alarm', comment: 'a load test' };
    const none = await app.inject({ method: 'POST', url, payload: body });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ code: 'KAD_ERR_UNAUTHORIZED' });
    expect(none.headers['www-authenticate']).toContain('Bearer');
    const wrong = await app.inject({ method: 'POST', url, payload: body, headers: { authorization: `Bearer ${TOKEN}x` } });
    expect(wrong.statusCode).toBe(401);
    const ok = await app.inject({ method: 'POST', url, payload: body, headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().anomaly).toMatchObject({ id: ids.a, feedback: { verdict: 'false_alarm', comment: 'a load test', incidentType: null, at: T0 + 20 * MIN } });
    expect(store.anomaly(ids.a)?.feedback?.verdict).toBe('false_alarm');
    expect(bars.floor('shop/web')).toBe(0.95);
    const auth = { authorization: `Bearer ${TOKEN}` };
    expect((await app.inject({ method: 'POST', url: '/anomalies/999/feedback', payload: body, headers: auth })).statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url, payload: { verdict: 'maybe' }, headers: auth })).statusCode).toBe(400);
    const metrics = await telemetry.registry.metrics();
    expect(metrics).toContain('anomaly_detector_feedback_total{verdict="false_alarm"} 1');
    expect(metrics).toContain('anomaly_detector_false_alarms_total{namespace="shop",workload="web"} 1');
    expect(metrics).toContain('anomaly_detector_workload_score_floor{namespace="shop",workload="web"} 0.95');
  });

  it('lists the new routes in the OpenAPI document, feedback with its bearer scheme', async () => {
    const spec = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    for (const p of ['/api/pods', '/api/series', '/anomalies', '/api/alerts', '/api/incidents', '/api/events', '/anomalies/{id}/feedback']) expect(Object.keys(spec.paths)).toContain(p);
    expect(spec.paths['/anomalies/{id}/feedback'].post.security).toEqual([{ bearer: [] }]);
    expect(spec.components.securitySchemes.bearer.scheme).toBe('bearer');
  });

  it('GET /api/events streams the pods now and after each cycle, with the security headers', async () => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as AddressInfo).port;
    const res = await new Promise<IncomingMessage>((resolve) => get({ port, host: '127.0.0.1', path: '/api/events' }, resolve));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/event-stream');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    let text = '';
    res.on('data', (b) => (text += b));
    const events = () => [...text.matchAll(/event: cycle\ndata: (.*)\n\n/g)].map((m) => JSON.parse(m[1]));
    for (let i = 0; i < 50 && events().length < 1; i++) await new Promise((r) => setTimeout(r, 20));
    expect(events()[0].pods).toHaveLength(2);
    expect(feed.size).toBe(1);
    feed.observe({ t: T0, decided: true, modelVersion: 'm1', pods: [], departed: [] });
    for (let i = 0; i < 50 && events().length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect(events()).toHaveLength(2);
    res.destroy();
  });
});

describe('feedback access control', () => {
  it('answers 403 when no token is configured, and reads a token file at each request', async () => {
    const store = openEventStore();
    const id = seed(store).a;
    const series = new SeriesStore(seriesStoreOptions(loadConfig({ env: {} }).store, MIN, false));
    const off = await buildServer({ engine: stubEngine(series, { trained: true }), telemetry: createTelemetry(new Registry()), version: 't', events: store });
    const r = await off.inject({ method: 'POST', url: `/anomalies/${id}/feedback`, payload: { verdict: 'false_alarm' }, headers: { authorization: 'Bearer x' } });
    expect(r.statusCode).toBe(403);
    expect(r.json()).toMatchObject({ code: 'KAD_ERR_FORBIDDEN' });
    expect((await off.inject({ method: 'GET', url: '/anomalies' })).statusCode).toBe(200); // reading stays open
    await off.close();
    const file = join(mkdtempSync(join(tmpdir(), 'kad-token-')), 'token');
    writeFileSync(file, 'first\n');
    const on = await buildServer({ engine: stubEngine(series, { trained: true }), telemetry: createTelemetry(new Registry()), version: 't', events: store, auth: { tokenFile: file } });
    const post = (token: string) => on.inject({ method: 'POST', url: `/anomalies/${id}/feedback`, payload: { verdict: 'real_incident', incidentType: 'cpu_runaway' }, headers: { authorization: `Bearer ${token}` } });
    expect((await post('first')).statusCode).toBe(200);
    writeFileSync(file, 'second');
    expect((await post('first')).statusCode).toBe(401);
    expect((await post('second')).statusCode).toBe(200);
    await on.close();
    store.close();
  });
});
