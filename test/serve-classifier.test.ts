/**
 * The incident classifier inside `kad serve`, end to end (in process, port 0, on an accelerated
 * simulated cluster): a watched labelled CSV is trained on at start, retrained when it is rewritten
 * with changed data (a new version, promoted) and with worse data (a new version held back as a
 * candidate), while /healthz and /detect keep answering during each training; GET /models lists the
 * versions with production marked; firing pods' alerts and /detect carry incident_type once a model
 * is in production; anomaly_detector_model_accuracy reports its macro-F1.
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { labeledDatasetCsv, simulatorLabeledDataset } from '../src/evaluate/simulator-labeled.js';
import { startService, type Service } from '../src/main.js';

interface ModelsBody {
  production: string | null;
  in_use: string | null;
  training: boolean;
  last_training: { ok: boolean; version?: string; stage?: string; macro_f1?: number; reason?: string; duration_ms?: number } | null;
  versions: { version: string; stage: string; macro_f1: number; production: boolean; kind: string }[];
  count: number;
}

async function until<T>(f: () => Promise<T | undefined> | T | undefined, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await f();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The simulator's labelled export (`kad simulate --export-labeled`), as CSV text; `shuffle` scrambles the classes (a worse data set). */
function exportCsv(hours: number, seed: number, shuffle = false): string {
  const ds = simulatorLabeledDataset({ hours, seed });
  if (shuffle) {
    let s = 12345;
    for (let i = ds.labels.length - 1; i > 0; i--) {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      const j = s % (i + 1);
      [ds.labels[i], ds.labels[j]] = [ds.labels[j], ds.labels[i]];
    }
  }
  return [...labeledDatasetCsv(ds)].join('\n') + '\n';
}

/** Writes `text` to `path` as an atomic writer does (temporary file, rename). */
function replace(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

describe('kad serve: incident classifier with a watched data set', () => {
  let dir = '';
  let data = '';
  let service: Service;
  let url = '';
  const get = async <T>(path: string): Promise<T> => (await (await fetch(`${url}${path}`)).json()) as T;

  /** While a training runs: /healthz and /detect answer, and how slowly at worst. */
  async function answersWhileTraining(): Promise<{ answered: number; worstMs: number }> {
    let answered = 0, worstMs = 0;
    await until(async () => ((await get<ModelsBody>('/models')).training ? true : undefined), 60_000, 'a training to start');
    while ((await get<ModelsBody>('/models')).training) {
      for (const path of ['/healthz', '/detect']) {
        const t0 = performance.now();
        const r = await fetch(`${url}${path}`);
        await r.arrayBuffer(); // a body left unread keeps the connection busy, and the server's close waits for it
        worstMs = Math.max(worstMs, performance.now() - t0);
        if (r.status === 200 || (path === '/detect' && r.status === 503)) answered++;
      }
    }
    return { answered, worstMs };
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kad-serve-clf-'));
    data = join(dir, 'labelled.csv');
    writeFileSync(data, exportCsv(4, 7));
    const config = loadConfig({
      env: {
        KAD_STATE_DIR: join(dir, 'state'), KAD_CLASSIFIER_DATA: data, KAD_CLASSIFIER_DEBOUNCE_MS: '200', KAD_CLASSIFIER_PROMOTE_MARGIN: '0.3',
        KAD_SIM_SPEED: '120', KAD_FORECAST: 'false', PORT: '0', KAD_HOST: '127.0.0.1', KAD_LOG_LEVEL: 'silent',
      },
    });
    service = await startService(config);
    url = service.url;
  }, 60_000);

  afterAll(async () => {
    await service?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('trains the data set at start while the service answers; the version is production and listed by GET /models', async () => {
    const during = await answersWhileTraining();
    expect(during.answered).toBeGreaterThan(0);
    expect(during.worstMs).toBeLessThan(2000);
    const m = await until(async () => {
      const b = await get<ModelsBody>('/models');
      return b.in_use === 'v0001' ? b : undefined;
    }, 60_000, 'v0001 in use');
    expect(m.production).toBe('v0001');
    expect(m.versions).toEqual([expect.objectContaining({ version: 'v0001', stage: 'production', production: true, kind: 'random-forest' })]);
    expect(m.versions[0].macro_f1).toBeGreaterThan(0.5);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/^anomaly_detector_model_accuracy\{model="random-forest",version="v0001"\} 0\.\d+$/m);
    const spec = await get<{ paths: Record<string, unknown> }>('/docs/json');
    expect(Object.keys(spec.paths)).toContain('/models');
  }, 120_000);

  it('names the incident type of firing pods on /detect and in their alerts\' annotations', async () => {
    type Pod = { pod: string; anomaly_flag: number; incident_type?: string; incident_probability?: number };
    const flagged = await until(async () => {
      const r = await fetch(`${url}/detect?flagged=true`);
      if (r.status !== 200) return void (await r.arrayBuffer());
      return ((await r.json()) as { pods: Pod[] }).pods.find((p) => p.incident_type !== undefined);
    }, 90_000, 'a flagged pod with an incident type');
    expect(typeof flagged.incident_type).toBe('string');
    expect(flagged.incident_probability).toBeGreaterThan(0);
    expect(flagged.incident_probability).toBeLessThanOrEqual(1);
    const alert = await until(() => service.runtime.events!.alerts().find((a) => a.kind === 'anomaly' && a.annotations.incident_type !== undefined), 60_000, 'an alert with incident_type');
    expect(Number(alert.annotations.incident_probability)).toBeGreaterThan(0);
    const unflagged = ((await get<{ pods: Pod[] }>('/detect?flagged=false')).pods);
    expect(unflagged.every((p) => p.incident_type === undefined)).toBe(true);
  }, 180_000);

  it('retrains a rewritten file: changed data is promoted, worse data is held back as a candidate; the service answers meanwhile', async () => {
    replace(data, exportCsv(4, 8));
    const during = await answersWhileTraining();
    expect(during.answered).toBeGreaterThan(0);
    expect(during.worstMs).toBeLessThan(2000);
    const second = await until(async () => {
      const b = await get<ModelsBody>('/models');
      return b.in_use === 'v0002' ? b : undefined;
    }, 60_000, 'v0002 in use');
    expect(second.versions.map((v) => [v.version, v.stage])).toEqual([['v0001', 'archived'], ['v0002', 'production']]);
    expect(second.last_training).toMatchObject({ ok: true, version: 'v0002', stage: 'production' });

    replace(data, exportCsv(4, 8, true));
    const third = await until(async () => {
      const b = await get<ModelsBody>('/models');
      return b.count === 3 && !b.training ? b : undefined;
    }, 60_000, 'v0003 registered');
    expect(third.versions.map((v) => [v.version, v.stage])).toEqual([['v0001', 'archived'], ['v0002', 'production'], ['v0003', 'candidate']]);
    expect(third.production).toBe('v0002');
    expect(third.in_use).toBe('v0002');
    expect(third.last_training?.reason).toMatch(/more than the margin 0\.3/);
    const health = await fetch(`${url}/healthz`);
    await health.arrayBuffer();
    expect(health.status).toBe(200);
  }, 180_000);
});
