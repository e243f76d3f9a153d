/**
 * The event store end to end (issue 16): `kad serve` on the simulated cluster at a fast clock with a
 * state directory records anomalies and each pod's history; feedback needs the API token (401
 * without, 200 with); after SIGKILL a restarted `kad serve` on the same directory still has the
 * anomaly, its feedback, the workload's score floor and the pod's scored history.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exited, spawnKad, waitFor } from './helpers.js';

const TOKEN = 'integration-token';
const dir = mkdtempSync(join(tmpdir(), 'kad-event-history-'));
const children: ReturnType<typeof spawnKad>[] = [];

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function start(): Promise<{ child: ReturnType<typeof spawnKad>; url: string }> {
  const child = spawnKad(['serve', '--port', '0', '--host', '127.0.0.1'], {
    KAD_STATE_DIR: dir, KAD_SIM_SPEED: '120', KAD_FORECAST: 'false', KAD_WARMUP_MINUTES: '120', KAD_API_TOKEN: TOKEN, KAD_LOG_LEVEL: 'warn',
  });
  children.push(child);
  const url = await waitFor(() => /serving on (http:\/\/\S+) /.exec(child.output())?.[1], 60_000, 'kad serve to listen');
  return { child, url };
}

interface Anomaly { id: number; namespace: string; workload: string; pod: string; start: number; feedback: { verdict: string } | null }
interface Series { t: number[]; score: (number | null)[]; flagged: boolean[]; metrics: Record<string, (number | null)[]> }

const json = async <T>(url: string): Promise<T> => {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return (await r.json()) as T;
};

describe('kad serve keeps its event history across SIGKILL', () => {
  it('records an anomaly and the pod history, takes feedback with the token only, and still has all of it after SIGKILL and a restart', async () => {
    const first = await start();
    const anomaly = await waitFor(async () => (await json<{ anomalies: Anomaly[] }>(`${first.url}/anomalies`)).anomalies.at(-1), 90_000, 'a first anomaly');
    const post = (url: string, auth?: string) => fetch(`${url}/anomalies/${anomaly.id}/feedback`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) }, body: JSON.stringify({ verdict: 'false_alarm', comment: 'load test' }),
    });
    expect((await post(first.url)).status).toBe(401);
    expect((await post(first.url, 'Bearer wrong')).status).toBe(401);
    const ok = await post(first.url, `Bearer ${TOKEN}`);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { anomaly: Anomaly }).anomaly.feedback?.verdict).toBe('false_alarm');
    const q = `namespace=${anomaly.namespace}&pod=${encodeURIComponent(anomaly.pod)}`;
    const before = await waitFor(async () => {
      const s = await json<Series>(`${first.url}/api/series?${q}`);
      return s.score.filter((x) => x !== null).length >= 5 ? s : undefined;
    }, 30_000, 'scored history of the pod');
    const scored = before.t.filter((_, i) => before.score[i] !== null);
    first.child.kill('SIGKILL');
    expect(await exited(first.child)).toBeNull();

    const second = await start();
    const after = (await json<{ anomalies: Anomaly[] }>(`${second.url}/anomalies?pod=${encodeURIComponent(anomaly.pod)}`)).anomalies.find((a) => a.id === anomaly.id);
    expect(after).toMatchObject({ id: anomaly.id, start: anomaly.start, pod: anomaly.pod, feedback: { verdict: 'false_alarm' } });
    const s = await json<Series>(`${second.url}/api/series?${q}&from=${scored[0]}&to=${scored[scored.length - 1]}`);
    const kept = s.t.filter((_, i) => s.score[i] !== null);
    expect(kept).toEqual(scored);
    expect(s.metrics.cpu.filter((x) => x !== null).length).toBeGreaterThanOrEqual(scored.length);
    const metrics = await (await fetch(`${second.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`anomaly_detector_workload_score_floor\\{namespace="${anomaly.namespace}",workload="${anomaly.workload}"\\} 0\\.\\d+`));
    second.child.kill('SIGTERM');
    expect(await exited(second.child)).toBe(0); // serve stops cleanly on SIGTERM
  }, 240_000);
});
