/**
 * Alertmanager silences as weak feedback, against a real Alertmanager 0.25: kad's anomaly alert is
 * delivered (AlertmanagerSink), an operator silences its pod through Alertmanager's API, and the
 * silence watcher marks the anomaly `silenced` with the silence's id, author and comment; GET
 * /anomalies shows it and /metrics counts it (anomaly_detector_feedback_total{verdict="silenced"}), and the
 * workload's floor is untouched. Alertmanager stopped: the watcher keeps running and reports it down;
 * started again: it recovers.
 */
import { Registry } from 'prom-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../src/api/server.js';
import type { Engine } from '../src/engine/engine.js';
import { AlertmanagerSink } from '../src/notify/alertmanager.js';
import { alertLabels } from '../src/notify/alerts.js';
import { flaggedPod } from '../src/notify/notify.testkit.js';
import { SilenceWatcher } from '../src/notify/silences.js';
import { OperatorFeedback } from '../src/policy/feedback.js';
import { WorkloadBars } from '../src/policy/workload-bars.js';
import { openEventStore, type EventStore } from '../src/store/event-store.js';
import { createTelemetry, type Telemetry } from '../src/telemetry/metrics.js';
import { startAlertmanager, type AlertmanagerServer } from './alertmanager.js';
import { describeWithServers } from './integration.js';

describeWithServers('Alertmanager silences as weak feedback, on a real Alertmanager', ['alertmanager'], () => {
  let am: AlertmanagerServer;
  let store: EventStore;
  let telemetry: Telemetry;
  let app: FastifyInstance;
  let watcher: SilenceWatcher;
  const bars = new WorkloadBars();
  const now = Date.now();
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    am = await startAlertmanager();
    store = openEventStore();
    telemetry = createTelemetry(new Registry());
    const sink = new AlertmanagerSink({ url: am.url });
    for (const [pod, workload] of [['checkout-1', 'checkout'], ['search-1', 'search']]) {
      const p = flaggedPod(pod, { namespace: 'shop', workload });
      const labels = alertLabels(p, 'warning');
      ids[pod] = store.write(() => {
        const id = store.openAnomaly({ namespace: 'shop', workload, pod, start: now - 60_000, peakScore: 0.95, threshold: 0.8, topFeatures: [], explanation: `${pod} is anomalous`, modelVersion: 'v1' });
        store.openAlert({ kind: 'anomaly', key: `shop/${pod}`, namespace: 'shop', workload, pod, startsAt: now - 60_000, summary: 's', labels, annotations: {}, anomalyId: id });
        return id;
      });
      await sink.send([{ status: 'firing', labels, annotations: { summary: `${pod} is anomalous` }, startsAt: new Date(now - 60_000).toISOString(), endsAt: new Date(now + 3_600_000).toISOString(), generatorURL: '' }]);
    }
    watcher = new SilenceWatcher({
      url: am.url, events: store, now: () => Date.now(), registry: telemetry.registry, timeoutMs: 2_000,
      onSilenced: () => telemetry.feedback.inc({ verdict: 'silenced' }),
    });
    const engine = { status: () => ({ trained: true, lastCycleAt: now }), seriesStore: { newest: now } } as unknown as Engine;
    const feedback = new OperatorFeedback(store, bars, { now: () => Date.now() });
    app = await buildServer({ engine, telemetry, version: 'test', events: store, feedback, auth: {} });
  }, 60_000);

  afterAll(async () => {
    await watcher?.stop();
    await app?.close();
    store?.close();
    await am?.stop();
  });

  it('marks the anomaly whose alert an operator silenced in Alertmanager', async () => {
    expect(await watcher.pollOnce()).toBe(0);
    const res = await fetch(`${am.url}/api/v2/silences`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        matchers: [{ name: 'alertname', value: 'KadPodAnomaly', isRegex: false, isEqual: true }, { name: 'pod', value: 'checkout-.*', isRegex: true, isEqual: true }],
        startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + 3_600_000).toISOString(), createdBy: 'sre@example.com', comment: 'known: checkout deploy',
      }),
    });
    expect(res.status).toBe(200);
    const { silenceID } = (await res.json()) as { silenceID: string };
    // Alertmanager itself silences the alert kad sent.
    await expect.poll(async () => (await am.alerts('silenced=true')).find((a) => a.labels.pod === 'checkout-1')?.status.silencedBy, { timeout: 10_000 }).toEqual([silenceID]);

    expect(await watcher.pollOnce()).toBe(1);
    const list = (await app.inject({ method: 'GET', url: '/anomalies' })).json().anomalies as { id: number; feedback: Record<string, unknown> | null }[];
    expect(list.find((a) => a.id === ids['checkout-1'])!.feedback).toMatchObject({ verdict: 'silenced', silenceId: silenceID, createdBy: 'sre@example.com', comment: 'known: checkout deploy' });
    expect(list.find((a) => a.id === ids['search-1'])!.feedback).toBeNull();
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('anomaly_detector_feedback_total{verdict="silenced"} 1');
    expect(metrics).toContain('anomaly_detector_alertmanager_silences_up 1');
    expect(metrics).toContain('anomaly_detector_alertmanager_silences_active 1');
    expect(bars.floor('shop/checkout')).toBe(0); // not a false alarm
    expect(await watcher.pollOnce()).toBe(0); // counted once
  });

  it('keeps running while Alertmanager is down, says so, and recovers', async () => {
    await am.stop();
    expect(await watcher.pollOnce()).toBe(0);
    expect(watcher.status().up).toBe(false);
    expect((await app.inject({ method: 'GET', url: '/metrics' })).body).toContain('anomaly_detector_alertmanager_silences_up 0');
    await am.restart();
    expect(await watcher.pollOnce()).toBe(0);
    expect(watcher.status()).toMatchObject({ up: true, lastError: null });
  }, 60_000);
});
