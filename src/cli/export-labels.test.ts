import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HISTORY_METRICS, openEventStore } from '../store/event-store.js';
import { main } from './kad.js';
import { csvField } from './output-file.js';

const T0 = Date.UTC(2026, 0, 5, 12);
const MIN = 60_000;

function io(env: Record<string, string | undefined> = {}) {
  const o = { out: '', err: '', env, stopSignal: new AbortController().signal, stdout: (s: string) => { o.out += s; }, stderr: (s: string) => { o.err += s; } };
  return o;
}

describe('kad export-labels', () => {
  it('writes one row per cycle of each anomaly with feedback: real incidents anomalous with their type, false alarms normal', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kad-labels-'));
    const store = openEventStore({ dir });
    const metrics = Object.fromEntries(HISTORY_METRICS.map((m) => [m, 2])) as Record<(typeof HISTORY_METRICS)[number], number>;
    store.write(() => {
      for (let i = 0; i < 10; i++) {
        store.appendHistory(T0 + i * MIN, ['a-1', 'b-1', 'c-1'].map((pod) => ({ namespace: 'ns', pod, workload: pod.slice(0, 1), score: i / 10, threshold: 0.8, flagged: false, modelScore: 0, peerScore: 0, metrics })));
      }
    });
    const open = (pod: string, start: number) => store.openAnomaly({ namespace: 'ns', workload: pod.slice(0, 1), pod, start, peakScore: 0.9, threshold: 0.8, topFeatures: [], explanation: 'x', modelVersion: 'v' });
    const real = open('a-1', T0 + 2 * MIN);
    store.closeAnomaly(real, T0 + 4 * MIN);
    const fa = open('b-1', T0 + 7 * MIN); // still open: to the newest point
    open('c-1', T0); // no feedback: not exported
    store.setFeedback(real, { verdict: 'real_incident', incidentType: 'oom_kill', comment: 'paged, "bad"', at: T0 });
    store.setFeedback(fa, { verdict: 'false_alarm', incidentType: null, comment: null, at: T0 });
    store.close();
    const out = join(dir, 'labels.csv');
    const o = io();
    expect(await main(['export-labels', '--state-dir', dir, '--output', out], o), o.err).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe(`anomaly_id,verdict,is_anomaly,incident_type,namespace,workload,pod,timestamp,score,threshold,flagged,${HISTORY_METRICS.join(',')}`);
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 8).join(','))).toEqual([
      ...[2, 3, 4].map((i) => `${real},real_incident,1,oom_kill,ns,a,a-1,${new Date(T0 + i * MIN).toISOString()}`),
      ...[7, 8, 9].map((i) => `${fa},false_alarm,0,,ns,b,b-1,${new Date(T0 + i * MIN).toISOString()}`),
    ]);
    expect(lines[1].split(',').slice(8)).toEqual(['0.2', '0.8', '0', ...HISTORY_METRICS.map(() => '2')]);
    expect(o.err).toContain('2 anomalies with feedback, 6 rows');
  });

  it('needs a state directory holding an event store, and an output', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kad-labels-'));
    const a = io();
    expect(await main(['export-labels', '--output', join(dir, 'x.csv')], a)).toBe(2);
    expect(a.err).toContain('--state-dir');
    const b = io({ KAD_STATE_DIR: dir });
    expect(await main(['export-labels', '--output', join(dir, 'x.csv')], b)).toBe(2);
    expect(b.err).toContain('no event store there');
    expect(existsSync(join(dir, 'kad.db'))).toBe(false);
    expect(existsSync(join(dir, 'x.csv'))).toBe(false);
  });

  it('quotes CSV fields that need it', () => {
    expect([csvField('a,b'), csvField('say "hi"'), csvField(null), csvField(1.5)]).toEqual(['"a,b"', '"say ""hi"""', '', '1.5']);
  });
});
