import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreError } from '../core/errors.js';
import { MIGRATIONS, SCHEMA_VERSION } from './event-schema.js';
import { EVENT_STORE_FILE, HISTORY_METRICS, openEventStore, type EventStore, type NewAnomaly, type PodCycleRow } from './event-store.js';

const T0 = Date.UTC(2026, 0, 5, 12);
const MIN = 60_000;
const open: EventStore[] = [];
const tmp = () => mkdtempSync(join(tmpdir(), 'kad-events-'));
function store(opts: Parameters<typeof openEventStore>[0] = {}): EventStore {
  const s = openEventStore(opts);
  open.push(s);
  return s;
}
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

function row(pod: string, score: number, extra: Partial<PodCycleRow> = {}): PodCycleRow {
  const metrics = Object.fromEntries(HISTORY_METRICS.map((m, i) => [m, i + score])) as PodCycleRow['metrics'];
  return { namespace: 'shop', pod, workload: 'web', score, threshold: 0.9, flagged: score > 0.9, modelScore: score, peerScore: 0, metrics, ...extra };
}

function anomaly(pod: string, start: number, extra: Partial<NewAnomaly> = {}): NewAnomaly {
  return {
    namespace: 'shop', workload: 'web', pod, start, peakScore: 0.95, threshold: 0.9, modelVersion: 'v1',
    topFeatures: [{ feature: 'cpu', contribution: 7, value: 2, expected: [0, 1] }], explanation: `pod ${pod} is using too much cpu`, ...extra,
  };
}

describe('EventStore', () => {
  it('keeps each pod\'s history per cycle, oldest first, with non-finite numbers as null', () => {
    const s = store();
    s.write(() => {
      s.appendHistory(T0, [row('web-1', 0.2), row('web-2', 0.3)]);
      s.appendHistory(T0 + MIN, [row('web-1', 0.95, { metrics: { ...row('x', 0).metrics, network_rx: NaN } })]);
    });
    const h = s.history('shop', 'web-1', T0, T0 + MIN);
    expect(h.t).toEqual([T0, T0 + MIN]);
    expect(h.score).toEqual([0.2, 0.95]);
    expect(h.flagged).toEqual([false, true]);
    expect(h.metrics.cpu).toEqual([0.2, 0]);
    expect(h.metrics.network_rx[1]).toBeNull();
    expect(h.workload).toBe('web');
    expect(s.history('shop', 'web-1', T0 + 1, Infinity).t).toEqual([T0 + MIN]);
    expect(s.history('shop', 'nope', -Infinity, Infinity).t).toEqual([]);
  });

  it('opens, raises and closes anomalies; lists them newest first, filtered and searched', () => {
    const s = store();
    const a = s.openAnomaly(anomaly('web-1', T0));
    const b = s.openAnomaly(anomaly('web-2', T0 + 10 * MIN, { workload: 'api', explanation: 'restarts 100% above normal' }));
    s.raisePeak(a, 0.99, [{ feature: 'memory', contribution: 9, value: 5, expected: [1, 2] }], 'memory');
    s.raisePeak(a, 0.5, [], 'lower: ignored');
    s.closeAnomaly(a, T0 + 5 * MIN);
    expect(s.anomaly(a)).toMatchObject({ peakScore: 0.99, end: T0 + 5 * MIN, explanation: 'memory', feedback: null });
    expect(s.anomalies().map((x) => x.id)).toEqual([b, a]);
    expect(s.anomalies({ workload: 'api' }).map((x) => x.id)).toEqual([b]);
    expect(s.anomalies({ from: T0 + 6 * MIN }).map((x) => x.id)).toEqual([b]);
    expect(s.anomalies({ to: T0 + MIN }).map((x) => x.id)).toEqual([a]);
    expect(s.anomalies({ q: '100%' }).map((x) => x.id)).toEqual([b]);
    expect(s.anomalies({ q: 'WEB-1' }).map((x) => x.id)).toEqual([a]);
    expect(s.anomalies({ limit: 1 }).map((x) => x.id)).toEqual([b]);
    expect(s.openAnomalies().map((x) => x.id)).toEqual([b]);
  });

  it('keeps alert history: firing until closed, and the alerts overlapping a window', () => {
    const s = store();
    const base = { kind: 'anomaly' as const, key: 'shop/web-1', namespace: 'shop', workload: 'web', pod: 'web-1', summary: 's', labels: { alertname: 'KadPodAnomaly' }, annotations: {}, anomalyId: null };
    const x = s.openAlert({ ...base, startsAt: T0 });
    const y = s.openAlert({ ...base, kind: 'early_warning', key: 'w', startsAt: T0 + 30 * MIN });
    s.closeAlert(x, T0 + 10 * MIN);
    expect(s.openAlerts().map((a) => a.id)).toEqual([y]);
    expect(s.alerts().map((a) => a.id)).toEqual([y, x]);
    expect(s.alerts(T0 + 11 * MIN).map((a) => a.id)).toEqual([y]);
    expect(s.alerts(-Infinity, T0 + 5 * MIN)[0]).toMatchObject({ id: x, endsAt: T0 + 10 * MIN, labels: { alertname: 'KadPodAnomaly' } });
  });

  it('records feedback, saying what the verdict was before; unknown ids answer undefined', () => {
    const s = store();
    const a = s.openAnomaly(anomaly('web-1', T0));
    const first = s.setFeedback(a, { verdict: 'false_alarm', incidentType: null, comment: 'deploy', at: T0 + MIN });
    expect(first?.previous).toBeNull();
    expect(first?.anomaly.feedback).toEqual({ verdict: 'false_alarm', incidentType: null, comment: 'deploy', at: T0 + MIN });
    expect(s.setFeedback(a, { verdict: 'real_incident', incidentType: 'oom', comment: null, at: T0 + 2 * MIN })?.previous).toBe('false_alarm');
    expect(s.setFeedback(999, { verdict: 'false_alarm', incidentType: null, comment: null, at: 0 })).toBeUndefined();
    expect(s.anomalies({ withFeedback: true }).length).toBe(1);
  });

  it('saves workload bars, and finds the highest peak of a workload\'s false alarms', () => {
    const s = store();
    s.saveWorkloadBar({ namespace: 'shop', workload: 'web', falseAlarms: 1, scoreFloor: 0.7, updatedAt: T0 });
    s.saveWorkloadBar({ namespace: 'shop', workload: 'web', falseAlarms: 2, scoreFloor: 0.8, updatedAt: T0 + 1 });
    expect(s.workloadBars()).toEqual([{ namespace: 'shop', workload: 'web', falseAlarms: 2, scoreFloor: 0.8, updatedAt: T0 + 1 }]);
    expect(s.falseAlarms('shop', 'web')).toEqual({ count: 0, peak: 0 });
    const a = s.openAnomaly(anomaly('web-1', T0, { peakScore: 0.93 }));
    const b = s.openAnomaly(anomaly('web-2', T0, { peakScore: 0.99 }));
    s.openAnomaly(anomaly('web-3', T0, { peakScore: 0.999 }));
    s.setFeedback(a, { verdict: 'false_alarm', incidentType: null, comment: null, at: T0 });
    s.setFeedback(b, { verdict: 'real_incident', incidentType: null, comment: null, at: T0 });
    expect(s.falseAlarms('shop', 'web')).toEqual({ count: 1, peak: 0.93 });
  });

  it('prunes past the retention (keeping anomalies with feedback) and caps each pod\'s history', () => {
    const s = store({ retentionDays: 1, historyPointsPerPod: 3 });
    const DAY = 86_400_000;
    s.write(() => {
      for (let i = 0; i < 5; i++) s.appendHistory(T0 + i * MIN, [row('web-1', 0.1), ...(i === 0 ? [row('web-2', 0.1)] : [])]);
    });
    const old = s.openAnomaly(anomaly('web-1', T0 - 3 * DAY));
    s.closeAnomaly(old, T0 - 3 * DAY + MIN);
    const kept = s.openAnomaly(anomaly('web-1', T0 - 3 * DAY));
    s.closeAnomaly(kept, T0 - 3 * DAY + MIN);
    s.setFeedback(kept, { verdict: 'real_incident', incidentType: 'oom', comment: null, at: T0 });
    s.prune(T0 + 5 * MIN);
    expect(s.history('shop', 'web-1', -Infinity, Infinity).t).toEqual([T0 + 2 * MIN, T0 + 3 * MIN, T0 + 4 * MIN]);
    expect(s.history('shop', 'web-2', -Infinity, Infinity).t).toEqual([T0]);
    expect(s.anomalies().map((a) => a.id)).toEqual([kept]);
    s.prune(T0 + 2 * DAY);
    expect(s.history('shop', 'web-1', -Infinity, Infinity).t).toEqual([]);
  });

  it('a rolled-back cycle leaves nothing behind', () => {
    const s = store();
    expect(() => s.write(() => {
      s.appendHistory(T0, [row('web-9', 0.1)]);
      throw new Error('boom');
    })).toThrow('boom');
    expect(s.history('shop', 'web-9', -Infinity, Infinity).t).toEqual([]);
    s.write(() => s.appendHistory(T0, [row('web-9', 0.1)]));
    expect(s.history('shop', 'web-9', -Infinity, Infinity).t).toEqual([T0]);
  });
});

describe('EventStore file', () => {
  it('lives in the state directory in WAL mode at the current schema version, and keeps what it holds across reopening', () => {
    const dir = tmp();
    const s = openEventStore({ dir });
    expect(s.inMemory).toBe(false);
    s.write(() => s.appendHistory(T0, [row('web-1', 0.4)]));
    const id = s.openAnomaly(anomaly('web-1', T0));
    s.close();
    const db = new Database(join(dir, EVENT_STORE_FILE), { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    db.close();
    const again = store({ dir });
    expect(again.history('shop', 'web-1', -Infinity, Infinity).score).toEqual([0.4]);
    expect(again.anomaly(id)?.pod).toBe('web-1');
  });

  it('migrates a version-1 store (before silences) and keeps its anomalies and feedback', () => {
    const dir = tmp();
    const db = new Database(join(dir, EVENT_STORE_FILE));
    db.exec(MIGRATIONS[0]);
    db.pragma('user_version = 1');
    db.prepare("INSERT INTO anomalies (namespace, workload, pod, start_at, peak_score, threshold, top_features, explanation, model_version, verdict, feedback_at) VALUES ('shop', 'web', 'web-1', ?, 0.9, 0.8, '[]', 'x', 'v1', 'false_alarm', ?)").run(T0, T0);
    db.close();
    const s = store({ dir });
    expect(s.anomaly(1)?.feedback).toEqual({ verdict: 'false_alarm', incidentType: null, comment: null, at: T0 });
    const id = s.openAnomaly(anomaly('web-2', T0));
    expect(s.markSilenced(id, { silenceId: 'abc', createdBy: 'sre', comment: 'deploy', at: T0 + MIN })).toBe(true);
    expect(s.markSilenced(1, { silenceId: 'abc', createdBy: 'sre', comment: 'deploy', at: T0 + MIN })).toBe(false); // an operator's verdict stays
    expect(s.anomaly(id)?.feedback).toEqual({ verdict: 'silenced', incidentType: null, comment: 'deploy', at: T0 + MIN, silenceId: 'abc', createdBy: 'sre' });
    expect(s.anomalies({ withFeedback: true }).map((a) => a.id)).toEqual([1]);
  });

  it('refuses a database of a newer schema, naming the file', () => {
    const dir = tmp();
    const db = new Database(join(dir, EVENT_STORE_FILE));
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    let err: unknown;
    try {
      openEventStore({ dir });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('KAD_ERR_STORE');
    expect((err as Error).message).toContain(join(dir, EVENT_STORE_FILE));
    expect((err as Error).message).toMatch(/newer kad/);
  });

  it('refuses a file that is not a database, naming the file', () => {
    const dir = tmp();
    writeFileSync(join(dir, EVENT_STORE_FILE), 'this is not sqlite, just text that is long enough to be read as a header'.repeat(20));
    expect(() => openEventStore({ dir })).toThrow(new RegExp(`${join(dir, EVENT_STORE_FILE).replace(/[.]/g, '\\.')}.*move it aside`));
  });

  it('survives SIGKILL of a process writing to it: the file passes the integrity check and every committed cycle is there', async () => {
    const dir = tmp();
    const script = join(dir, 'writer.mts');
    const mod = resolve(__dirname, 'event-store.ts');
    writeFileSync(script, `
      import { openEventStore, HISTORY_METRICS } from ${JSON.stringify(mod)};
      const s = openEventStore({ dir: ${JSON.stringify(dir)} });
      const metrics = Object.fromEntries(HISTORY_METRICS.map((m) => [m, 1]));
      for (let i = 0; ; i++) {
        s.write(() => {
          s.appendHistory(${T0} + i * 60000, Array.from({ length: 50 }, (_, k) => ({ namespace: 'ns', pod: 'p' + k, workload: 'w', score: 0.5, threshold: 0.9, flagged: false, modelScore: 0.5, peerScore: 0, metrics })));
          if (i % 10 === 0) s.openAnomaly({ namespace: 'ns', workload: 'w', pod: 'p0', start: ${T0} + i * 60000, peakScore: 1, threshold: 0.9, topFeatures: [], explanation: 'x', modelVersion: 'v' });
        });
        process.stdout.write(i + '\\n');
      }
    `);
    const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let committed = -1;
    let err = '';
    child.stderr.on('data', (b) => (err += b));
    await new Promise<void>((done, fail) => {
      child.stdout.on('data', (b: Buffer) => {
        const lines = b.toString().trim().split('\n');
        committed = Number(lines[lines.length - 1]);
        if (committed >= 300) done();
      });
      child.once('exit', () => fail(new Error(`writer exited early: ${err}`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const s = store({ dir });
    expect(s.integrityCheck()).toBe('ok');
    const h = s.history('ns', 'p49', -Infinity, Infinity);
    expect(h.t.length).toBeGreaterThanOrEqual(committed + 1);
    expect(h.t).toEqual(Array.from({ length: h.t.length }, (_, i) => T0 + i * 60_000));
    expect(s.anomalies({ limit: 10_000 }).length).toBe(Math.ceil(h.t.length / 10));
  }, 60_000);
});
