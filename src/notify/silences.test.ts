import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OperatorFeedback } from '../policy/feedback.js';
import { WorkloadBars } from '../policy/workload-bars.js';
import { openEventStore, type EventStore } from '../store/event-store.js';
import { alertLabels } from './alerts.js';
import { flaggedPod, recordingLogger } from './notify.testkit.js';
import { matcherMatches, silenceCovers, SilenceWatcher, type Silence, type SilenceMatcher } from './silences.js';

const T0 = Date.UTC(2026, 0, 5, 12);
const MIN = 60_000;
const eq = (name: string, value: string, over: Partial<SilenceMatcher> = {}): SilenceMatcher => ({ name, value, isRegex: false, isEqual: true, ...over });
const silence = (id: string, matchers: SilenceMatcher[], state: Silence['status']['state'] = 'active'): Silence => ({
  id, matchers, startsAt: new Date(T0).toISOString(), endsAt: new Date(T0 + 60 * MIN).toISOString(), createdBy: 'sre@example.com', comment: 'deploying cart', status: { state },
});

describe('matchers', () => {
  const labels = alertLabels(flaggedPod('cart-7f9-abc'), 'warning');
  it('follow Alertmanager: equal, negated, anchored regex, missing label as empty', () => {
    expect(matcherMatches(eq('alertname', 'KadPodAnomaly'), labels)).toBe(true);
    expect(matcherMatches(eq('pod', 'cart-7f9-abc', { isEqual: false }), labels)).toBe(false);
    expect(matcherMatches(eq('pod', 'cart-.*', { isRegex: true }), labels)).toBe(true);
    expect(matcherMatches(eq('pod', 'cart', { isRegex: true }), labels)).toBe(false); // anchored
    expect(matcherMatches(eq('team', ''), labels)).toBe(true);
    expect(matcherMatches(eq('pod', '(', { isRegex: true }), labels)).toBe(false);
  });

  it('count only silences that name a pod or workload', () => {
    expect(silenceCovers(silence('a', [eq('alertname', 'KadPodAnomaly'), eq('workload', 'cart')]), labels)).toBe(true);
    expect(silenceCovers(silence('b', [eq('alertname', 'KadPodAnomaly')]), labels)).toBe(false);
    expect(silenceCovers(silence('c', [eq('pod', 'other')]), labels)).toBe(false);
    expect(silenceCovers(silence('d', [eq('pod', 'x', { isEqual: false })]), labels)).toBe(false);
  });
});

describe('SilenceWatcher', () => {
  let server: Server;
  let url = '';
  let answer: { status: number; body: unknown } = { status: 200, body: [] };
  let store: EventStore;
  let ids: { cart: number; api: number };

  beforeAll(async () => {
    server = createServer((req, res) => {
      res.writeHead(req.url === '/api/v2/silences' ? answer.status : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  afterEach(() => store.close());

  const seed = () => {
    store = openEventStore();
    ids = store.write(() => {
      const open = (pod: string, workload: string, namespace = 'shop') => {
        const id = store.openAnomaly({ namespace, workload, pod, start: T0, peakScore: 0.95, threshold: 0.8, topFeatures: [], explanation: 'x', modelVersion: 'v1' });
        const p = flaggedPod(pod, { workload, namespace });
        store.openAlert({ kind: 'anomaly', key: `${namespace}/${pod}`, namespace, workload, pod, startsAt: T0, summary: 's', labels: alertLabels(p, 'warning'), annotations: {}, anomalyId: id });
        return id;
      };
      return { cart: open('cart-1', 'cart'), api: open('api-1', 'api') };
    });
  };

  it('marks the anomalies an active silence covers, once, without touching the workload floor', async () => {
    seed();
    const registry = new Registry();
    const seen: [number, string][] = [];
    const w = new SilenceWatcher({ url, events: store, now: () => T0 + 5 * MIN, registry, onSilenced: (a, s) => seen.push([a.id, s.id]) });
    answer = { status: 200, body: [silence('s1', [eq('alertname', 'KadPodAnomaly'), eq('workload', 'cart')]), silence('s2', [eq('pod', 'api-1')], 'expired'), silence('s3', [eq('alertname', 'KadPodAnomaly')])] };
    expect(await w.pollOnce()).toBe(1);
    expect(seen).toEqual([[ids.cart, 's1']]);
    expect(store.anomaly(ids.cart)!.feedback).toEqual({ verdict: 'silenced', incidentType: null, comment: 'deploying cart', at: T0 + 5 * MIN, silenceId: 's1', createdBy: 'sre@example.com' });
    expect(store.anomaly(ids.api)!.feedback).toBeNull();
    expect(store.falseAlarms('shop', 'cart')).toEqual({ count: 0, peak: 0 });
    expect(store.anomalies({ withFeedback: true })).toEqual([]); // not an operator's label
    expect(await w.pollOnce()).toBe(0);
    expect(await registry.getSingleMetricAsString('anomaly_detector_alertmanager_silences_active')).toContain('anomaly_detector_alertmanager_silences_active 1');
    // An operator's verdict replaces the silence, and only then counts as a false alarm.
    const bars = new WorkloadBars();
    const out = new OperatorFeedback(store, bars, { now: () => T0 + 9 * MIN }).give(ids.cart, { verdict: 'false_alarm' });
    expect(out).toMatchObject({ counted: true, floor: 0.95 });
    expect(out.anomaly.feedback).toEqual({ verdict: 'false_alarm', incidentType: null, comment: null, at: T0 + 9 * MIN });
    expect(await w.pollOnce()).toBe(0); // and a later poll does not put it back
  });

  it('keeps running when Alertmanager does not answer, reports it, and recovers', async () => {
    seed();
    const registry = new Registry();
    const log = recordingLogger();
    const w = new SilenceWatcher({ url, events: store, now: () => T0, registry, log });
    answer = { status: 500, body: { error: 'boom' } };
    expect(await w.pollOnce()).toBe(0);
    expect(await w.pollOnce()).toBe(0);
    expect(w.status()).toMatchObject({ up: false });
    expect(w.status().lastError).toContain('HTTP 500');
    expect(log.lines.filter((l) => l.level === 'warn')).toHaveLength(1); // once per outage
    expect(await registry.getSingleMetricAsString('anomaly_detector_alertmanager_silences_up')).toContain('anomaly_detector_alertmanager_silences_up 0');
    const gone = new SilenceWatcher({ url: 'http://127.0.0.1:1', events: store, now: () => T0, timeoutMs: 500 });
    expect(await gone.pollOnce()).toBe(0);
    expect(gone.status().lastError).toContain('http://127.0.0.1:1/api/v2/silences');
    answer = { status: 200, body: [silence('s1', [eq('pod', 'api-1')])] };
    expect(await w.pollOnce()).toBe(1);
    expect(w.status()).toEqual({ up: true, lastError: null, active: 1 });
    expect(log.text('info')).toContain('readable again');
  });
});
