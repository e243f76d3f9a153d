import { afterEach, describe, expect, it } from 'vitest';
import type { CycleResult, PodOutcome } from '../policy/cycle-result.js';
import { openEventStore, type EventStore } from '../store/event-store.js';
import { EventRecorder, explanationOf } from './event-recorder.js';

const T0 = Date.UTC(2026, 0, 5, 12);
const MIN = 60_000;
const stores: EventStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

function outcome(pod: string, score: number, firing: boolean, warn = false): PodOutcome {
  const sample = { ref: { namespace: 'shop', pod, workload: 'web' }, cpu: 0.5, memory: 2e8, restarts: 0, rxBytes: 1e4, txBytes: NaN, rxPackets: 10, rxDropped: 0, cpuLimit: 1, memoryLimit: 5e8 };
  const estimate = {
    at: T0, tteSeconds: 1800, tteLowerSeconds: 1200, tteUpperSeconds: 2400, slopePerSecond: 1000, slopeStdErr: 1,
    level: 4e8, limit: 5e8, confidence: 0.9, score: 0.8, windowSeconds: 3600, warmingUp: false,
  };
  return {
    result: { ref: sample.ref, t: 0, sample, score, flagged: firing, features: {}, model: 'pod', modelScore: score, peerScore: 0, threshold: 0.9 },
    started: false,
    anomaly: firing ? { threshold: 0.9, topFeatures: [{ name: 'cpu', value: 0.5, z: 8, expected: [0.1, 0.2] }], peer: null, change: 'level-shift' } : null,
    warnings: warn ? [{ resource: 'memory', estimate }] : [],
  };
}

const cycle = (t: number, pods: PodOutcome[], decided = true): CycleResult => ({ t, decided, modelVersion: 'm1', pods, departed: [] });

describe('EventRecorder', () => {
  it('writes every pod\'s row each cycle, and opens, raises and closes an anomaly with its alert', () => {
    const store = openEventStore();
    stores.push(store);
    const opened: string[] = [];
    const rec = new EventRecorder(store, { severity: 'warning', onAnomaly: (ns, wl) => opened.push(`${ns}/${wl}`) });
    rec.observe(cycle(T0, [outcome('web-1', 0.2, false), outcome('web-2', 0.3, false)], false));
    rec.observe(cycle(T0 + MIN, [outcome('web-1', 0.95, true), outcome('web-2', 0.3, false)]));
    rec.observe(cycle(T0 + 2 * MIN, [outcome('web-1', 0.99, true), outcome('web-2', 0.3, false)]));
    rec.observe(cycle(T0 + 3 * MIN, [outcome('web-1', 0.2, false), outcome('web-2', 0.3, false)]));
    const h = store.history('shop', 'web-1', -Infinity, Infinity);
    expect(h.t).toEqual([T0, T0 + MIN, T0 + 2 * MIN, T0 + 3 * MIN]);
    expect(h.flagged).toEqual([false, true, true, false]);
    expect(h.metrics.network_tx).toEqual([null, null, null, null]);
    const [a] = store.anomalies();
    expect(a).toMatchObject({ pod: 'web-1', start: T0 + MIN, end: T0 + 3 * MIN, peakScore: 0.99, threshold: 0.9, modelVersion: 'm1' });
    expect(a.topFeatures).toEqual([{ feature: 'cpu', contribution: 8, value: 0.5, expected: [0.1, 0.2] }]);
    expect(a.explanation).toContain('shop/web-1');
    expect(a.explanation).toContain('level shift');
    const alerts = store.alerts();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ kind: 'anomaly', startsAt: T0 + MIN, endsAt: T0 + 3 * MIN, anomalyId: a.id });
    expect(alerts[0].labels).toMatchObject({ alertname: 'KadPodAnomaly', pod: 'web-1', severity: 'warning' });
    expect(opened).toEqual(['shop/web']);
  });

  it('records an anomaly whose alert topology inhibition holds, naming what holds it, and its alert once it is sent', () => {
    const store = openEventStore();
    stores.push(store);
    const alarms: string[] = [];
    const rec = new EventRecorder(store, { severity: 'warning', onAnomaly: (ns, wl) => alarms.push(`${ns}/${wl}`) });
    const held = (): PodOutcome => ({ ...outcome('web-1', 0.95, true), inhibitedBy: [{ namespace: 'shop', workload: 'db', pod: 'db-0' }], held: true });
    rec.observe(cycle(T0, [held()]));
    rec.observe(cycle(T0 + MIN, [held()]));
    const [a] = store.anomalies();
    expect(a).toMatchObject({ pod: 'web-1', start: T0, end: null });
    expect(a.explanation).toContain('Workloads it calls fire too: KadPodAnomaly{namespace="shop",workload="db",pod="db-0"}');
    expect(store.alerts()).toEqual([]); // held: not sent, so not in the alert history, and no alarm
    expect(alarms).toEqual([]);
    rec.observe(cycle(T0 + 2 * MIN, [outcome('web-1', 0.96, true)])); // nothing downstream fires: sent now
    expect(store.anomalies()).toHaveLength(1);
    expect(store.alerts()).toHaveLength(1);
    expect(store.alerts()[0]).toMatchObject({ kind: 'anomaly', startsAt: T0 + 2 * MIN, anomalyId: a.id });
    expect(alarms).toEqual(['shop/web']);
  });

  it('keeps early warnings as alerts of their own kind', () => {
    const store = openEventStore();
    stores.push(store);
    const rec = new EventRecorder(store, { severity: 'page' });
    rec.observe(cycle(T0, [outcome('web-1', 0.2, false, true)]));
    rec.observe(cycle(T0 + MIN, [outcome('web-1', 0.2, false, true)]));
    const [w] = store.alerts();
    expect(w).toMatchObject({ kind: 'early_warning', endsAt: null, anomalyId: null });
    expect(w.summary).toContain('memory predicted');
    expect(w.labels).toMatchObject({ alertname: 'KadResourceExhaustion', resource: 'memory' });
    rec.observe(cycle(T0 + 2 * MIN, []));
    expect(store.alerts()[0].endsAt).toBe(T0 + 2 * MIN);
  });

  it('a restarted recorder continues what was open, and closes it when it no longer fires', () => {
    const store = openEventStore();
    stores.push(store);
    new EventRecorder(store, { severity: 'w' }).observe(cycle(T0, [outcome('web-1', 0.95, true)]));
    const again = new EventRecorder(store, { severity: 'w' });
    again.observe(cycle(T0 + MIN, [outcome('web-1', 0.2, false)], false)); // the undecided pass changes nothing
    expect(store.openAnomalies()).toHaveLength(1);
    again.observe(cycle(T0 + 2 * MIN, [outcome('web-1', 0.97, true)]));
    expect(store.anomalies()).toHaveLength(1);
    expect(store.anomalies()[0].peakScore).toBe(0.97);
    again.observe(cycle(T0 + 3 * MIN, [outcome('web-1', 0.2, false)]));
    expect(store.anomalies()[0].end).toBe(T0 + 3 * MIN);
    expect(store.openAlerts()).toEqual([]);
  });

  it('a restart with other alert labels (KAD_ALERT_LABELS) closes the open alert and opens one with the new labels, as Alertmanager sees them', () => {
    const store = openEventStore();
    stores.push(store);
    new EventRecorder(store, { severity: 'w' }).observe(cycle(T0, [outcome('web-1', 0.95, true)]));
    const again = new EventRecorder(store, { severity: 'w', labels: { cluster: 'prod-eu' } });
    again.observe(cycle(T0 + MIN, [outcome('web-1', 0.96, true)]));
    const open = store.openAlerts();
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ startsAt: T0 + MIN, labels: { cluster: 'prod-eu', pod: 'web-1' } });
    again.observe(cycle(T0 + 2 * MIN, [outcome('web-1', 0.97, true)])); // the same labels: the same record
    expect(store.openAlerts().map((a) => a.id)).toEqual([open[0].id]);
    expect(store.anomalies()).toHaveLength(1); // the anomaly itself goes on
  });

  it('explains with the peer group and the shape of recent scores', () => {
    expect(explanationOf({ description: 'd.', peer_outlier: 'unlike the others', change: 'spike' })).toBe('d. Peer group: unlike the others. Recent scores show a spike.');
  });
});
