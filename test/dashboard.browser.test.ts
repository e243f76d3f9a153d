/**
 * The dashboard in a real browser (Debian's chromium through playwright-core, headless) against `kad
 * serve` on the embedded simulated cluster with a fast clock (KAD_SIM_SPEED=60: one scoring interval
 * a second) and an API token. The overview lists every pod kad scores and gets the cycles live (Server-
 * Sent Events); the pod of the first abrupt simulated incident (from the simulator's ground truth at
 * /incidents) shows flagged on the overview within the scoring intervals the engine needs; its pod
 * view draws non-empty charts (uPlot's data and the canvas pixels) with the flagged interval shaded
 * and the expected range as a band with data;
 * its workload view draws the forecast with bands and the replicas; "false alarm" given in the anomaly
 * history (token pasted in the dialog) is stored, counted for its workload with the score floor it
 * set, and still there after kad is killed (SIGKILL) and started again on the same state directory; the incidents page shows it with a timeline; no page
 * error and no CSP violation. A screenshot of each page goes to test-output/dashboard/. With
 * KAD_DOCS_SCREENSHOTS=1 it also writes the README's docs/screenshots/{overview,pod}.png (viewport
 * size, each under 150 KB). Without /usr/bin/chromium it is skipped (fails with KAD_REQUIRE_INTEGRATION=1).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ROOT, spawnKad, waitFor } from './helpers.js';
import { BINARIES, describeWithServers, tempDir } from './integration.js';

const OUT = join(ROOT, 'test-output', 'dashboard');
const DOCS = process.env.KAD_DOCS_SCREENSHOTS === '1' ? join(ROOT, 'docs', 'screenshots') : null;
const SPEED = 60;
const STEP = 60_000; // QUERY_STEP_SECONDS: one scoring interval, simulated ms
/** Scoring intervals from an incident's start to its pod's flag: the engine's two (test/e2e-simulated.test.ts), and one for the fast clock's jitter (0.1 s late here is 6 simulated s). */
const FLAG_WITHIN = 3;
const TOKEN = 'dashboard-test-token';
const ABRUPT = ['cpu_runaway', 'crash_loop', 'packet_loss', 'noisy_neighbour', 'oom_kill'];

interface Kad { child: ChildProcess & { output: () => string }; url: string }
interface TruthIncident { kind: string; namespace: string; workload: string; pod: string; start: number; benign: boolean }

async function startKad(stateDir: string): Promise<Kad> {
  const child = spawnKad(['serve', '--port', '0', '--host', '127.0.0.1'], { KAD_STATE_DIR: stateDir, KAD_SIM_SPEED: String(SPEED), KAD_API_TOKEN: TOKEN });
  const url = await waitFor(() => {
    if (child.exitCode !== null) throw new Error(`kad serve exited ${child.exitCode}: ${child.output()}`);
    return /serving on (http:\/\/\S+) /.exec(child.output())?.[1];
  }, 60_000, 'kad serve to listen');
  await waitFor(async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined), 60_000, '/readyz 200');
  return { child, url };
}

async function json<T>(url: string): Promise<T> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: ${r.status} ${await r.text()}`);
  return r.json() as Promise<T>;
}

describeWithServers('the dashboard in headless Chromium, on kad serve with the simulated cluster', ['chromium'], () => {
  const state = tempDir('dashboard');
  let kad: Kad;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  let incident: TruthIncident;
  let flaggedAt = 0;

  const shot = async (name: string) => page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
  const docShot = async (name: string, height: number) => {
    if (!DOCS) return;
    await page.setViewportSize({ width: 1200, height });
    await page.waitForTimeout(500);
    const path = join(DOCS, `${name}.png`);
    await page.screenshot({ path });
    await page.setViewportSize({ width: 1280, height: 900 });
    expect(statSync(path).size, `${path} is small`).toBeLessThan(150_000);
  };

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    if (DOCS) mkdirSync(DOCS, { recursive: true });
    kad = await startKad(state);
    browser = await chromium.launch({ executablePath: BINARIES.chromium, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content.Security.Policy|Refused to/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (kad?.child.exitCode === null) kad.child.kill('SIGKILL');
  });

  it('lists every pod kad scores on the overview, with live cycles', async () => {
    await page.goto(`${kad.url}/`);
    await page.waitForSelector('#live[data-mode="live"]', { timeout: 20_000 });
    await page.waitForFunction(() => document.querySelectorAll('#pods tbody tr').length >= 20, undefined, { timeout: 20_000 });
    const api = await json<{ pods: { namespace: string; pod: string }[] }>(`${kad.url}/api/pods`);
    const shown = await page.$$eval('#pods tbody tr', (rows) => rows.map((r) => (r as HTMLElement).dataset.pod));
    expect(api.pods.length).toBeGreaterThanOrEqual(20);
    // Pods come and go between the two reads (rollouts, crash loops): allow one of each.
    const missing = api.pods.filter((p) => !shown.includes(p.pod));
    expect(missing.length, JSON.stringify(missing)).toBeLessThanOrEqual(1);
    // Sorting and filtering: by pod name, then only the namespace "shop".
    await page.click('th[data-sort="pod"]');
    const names = await page.$$eval('#pods tbody tr', (rows) => rows.map((r) => (r as HTMLElement).dataset.pod!));
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));
    await page.selectOption('select[aria-label="Namespace"]', 'shop');
    const namespaces = await page.$$eval('#pods tbody tr', (rows) => rows.map((r) => (r as HTMLElement).dataset.namespace));
    expect(new Set(namespaces)).toEqual(new Set(['shop']));
    await page.selectOption('select[aria-label="Namespace"]', '');
    await page.click('th[data-sort="score"]');
    await expect.poll(() => page.$$eval('[data-health]', (cards) => cards.map((c) => (c as HTMLElement).dataset.health))).toEqual(expect.arrayContaining(['source', 'model', 'ready']));
  }, 60_000);

  it(`flags the pod of a simulated incident on the overview within ${FLAG_WITHIN} scoring intervals of its start`, async () => {
    const since = (await json<{ t: number }>(`${kad.url}/api/pods`)).t;
    // What the overview shows at each cycle, read every 150 ms (a cycle comes every second).
    const seen: { t: number; flagged: string[] }[] = [];
    let reading = true;
    const reader = (async () => {
      while (reading) {
        const s = await page.evaluate(() => ({
          t: Number(document.getElementById('main')!.dataset.cycle),
          flagged: [...document.querySelectorAll('#pods tbody tr[data-flagged="1"]')].map((r) => (r as HTMLElement).dataset.pod!),
        })).catch(() => null);
        if (s && s.t !== seen.at(-1)?.t) seen.push(s);
        await new Promise((r) => setTimeout(r, 150));
      }
    })();
    try {
      incident = await waitFor(async () => {
        const truth = await json<TruthIncident[]>(`${kad.url}/incidents`);
        return truth.find((i) => !i.benign && i.pod && ABRUPT.includes(i.kind) && i.start > since);
      }, 120_000, 'an abrupt simulated incident');
      await waitFor(() => seen.find((s) => s.t >= incident.start + FLAG_WITHIN * STEP), 60_000, 'the overview to pass the deadline');
    } finally {
      reading = false;
      await reader;
    }
    const first = seen.find((s) => s.t >= incident.start && s.flagged.includes(incident.pod));
    const where = `${incident.kind} on ${incident.pod} at ${new Date(incident.start).toISOString()}; cycles seen ${seen.filter((s) => s.t >= incident.start).slice(0, 5).map((s) => `${new Date(s.t).toISOString()} [${s.flagged.join(' ')}]`).join(', ')}`;
    expect(first, where).toBeDefined();
    expect(first!.t - incident.start, where).toBeLessThanOrEqual(FLAG_WITHIN * STEP);
    flaggedAt = first!.t;
    console.log(`dashboard: ${incident.kind} on ${incident.pod} shown flagged ${((flaggedAt - incident.start) / 1000).toFixed(0)} simulated s after its start (scoring interval ${STEP / 1000} s)`);
    expect(await page.$eval(`#pods tr[data-pod="${incident.pod}"]`, (r) => r.textContent)).toContain(incident.workload);
    await shot('overview');
    await docShot('overview', 760);
  }, 240_000);

  it('draws the pod view: non-empty charts, with the flagged interval shaded', async () => {
    await page.goto(`${kad.url}/#/pod/${incident.namespace}/${incident.pod}`);
    await page.waitForFunction(() => Number((document.querySelector('[data-chart="score"]') as HTMLElement | null)?.dataset.shaded) >= 1, undefined, { timeout: 30_000 });
    for (const key of ['cpu', 'memory', 'restarts', 'network', 'score']) {
      const c = await page.$eval(`[data-chart="${key}"]`, (el) => {
        const u = (el as HTMLElement & { uplot: { data: (number | null)[][]; ctx: CanvasRenderingContext2D } }).uplot;
        const { width, height } = u.ctx.canvas;
        const px = u.ctx.getImageData(0, 0, width, height).data;
        let ink = 0;
        for (let i = 0; i < px.length; i += 4) if (px[i + 3] > 0 && (px[i] < 200 || px[i + 1] < 200 || px[i + 2] < 200)) ink++;
        return { points: u.data[0].length, values: u.data[1].filter((v) => v !== null).length, ink };
      });
      expect(c.points, key).toBeGreaterThan(30);
      expect(c.values, key).toBeGreaterThan(key === 'score' ? 5 : 30);
      expect(c.ink, `${key}: drawn pixels`).toBeGreaterThan(1000);
    }
    // The expected range (GET /api/series' `expected`) is drawn as a band on the metric charts: its series hold values.
    for (const key of ['cpu', 'memory', 'network']) {
      const band = await page.$eval(`[data-chart="${key}"]`, (el) => {
        const u = (el as HTMLElement & { uplot: { data: (number | null)[][]; series: { label?: string }[] } }).uplot;
        const at = u.series.map((x, i) => [x.label ?? '', i] as const).filter(([l]) => l.startsWith('expected '));
        return { series: at.length, values: Math.min(...at.map(([, i]) => u.data[i].filter((v) => v !== null).length)) };
      });
      expect(band.series, `${key}: band series`).toBeGreaterThanOrEqual(2);
      expect(band.values, `${key}: band values`).toBeGreaterThan(30);
    }
    // The flag the overview showed lies in a shaded interval; a pixel column through it is shaded, one outside is not.
    const shade = await page.$eval('[data-chart="score"]', (el, t) => {
      const e = el as HTMLElement & { shaded: [number, number][]; uplot: { ctx: CanvasRenderingContext2D; bbox: { left: number; top: number; width: number; height: number }; valToPos: (v: number, s: string, c: boolean) => number } };
      const u = e.uplot;
      const hit = e.shaded.find(([from, to]) => from <= t && t <= to);
      /** The share of reddish pixels in the plot's column at canvas x. */
      const red = (x: number) => {
        const px = u.ctx.getImageData(Math.round(x), u.bbox.top, 1, u.bbox.height).data;
        let n = 0;
        for (let i = 0; i < px.length; i += 4) if (px[i + 3] > 0 && px[i] > px[i + 1] + 15 && px[i] > px[i + 2] + 15) n++;
        return n / (px.length / 4);
      };
      const mid = hit ? (Math.max(hit[0], t - 30_000) + Math.min(hit[1], t + 30_000)) / 2 : 0;
      // The first hours of the window have metrics but no scores yet (kad started minutes ago): nothing is shaded there.
      const outside = Math.max(...[0.05, 0.15, 0.3].map((f) => red(u.bbox.left + f * u.bbox.width)));
      return { intervals: e.shaded, hit, inside: hit ? red(u.valToPos(mid / 1000, 'x', true)) : 0, outside };
    }, flaggedAt);
    expect(shade.hit, `flag at ${new Date(flaggedAt).toISOString()} in ${JSON.stringify(shade.intervals)}`).toBeDefined();
    expect(shade.inside).toBeGreaterThan(0.6);
    expect(shade.outside).toBeLessThan(0.2);
    await expect.poll(() => page.$$eval('.peers tbody tr', (rows) => rows.length), { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    await shot('pod');
    if (DOCS) {
      // The README's picture: the incident some minutes on, so that its flagged interval shows.
      await page.waitForFunction((t) => {
        const shaded = (document.querySelector('[data-chart="score"]') as (HTMLElement & { shaded?: [number, number][] }) | null)?.shaded ?? [];
        return shaded.some(([from, to]) => from <= t && to - from >= 8 * 60_000);
      }, flaggedAt, { timeout: 30_000 });
      await docShot('pod', 1150);
    }
  }, 60_000);

  it('draws the workload view: the 30-minute forecast with its bands, and the replicas', async () => {
    await page.goto(`${kad.url}/#/workload/${incident.namespace}/${incident.workload}`);
    await page.waitForSelector('[data-scaling]', { timeout: 30_000 });
    await page.waitForFunction(() => {
      const u = (document.querySelector('[data-chart="forecast-cpu"]') as (HTMLElement & { uplot?: { data: (number | null)[][] } }) | null)?.uplot;
      // actual, point, then the 95% and 80% bands (high, low).
      return u && u.data[1].some((v) => v !== null) && u.data[2].filter((v) => v !== null).length >= 10 && u.data[3].some((v) => v !== null);
    }, undefined, { timeout: 30_000 });
    await shot('workload');
  }, 60_000);

  it('stores "false alarm" given in the anomaly history, and it survives kad being killed and started again', async () => {
    type Anomalies = { anomalies: { id: number; pod: string; start: number; feedback: { verdict: string; comment: string | null } | null }[] };
    const anomaly = await waitFor(async () => (await json<Anomalies>(`${kad.url}/anomalies?pod=${incident.pod}`)).anomalies.find((a) => a.start <= flaggedAt), 20_000, 'the incident\'s anomaly');
    await page.goto(`${kad.url}/#/anomalies?q=${incident.pod}`);
    const item = `li.anomaly[data-anomaly="${anomaly.id}"]`;
    await page.waitForSelector(item, { timeout: 20_000 });
    await page.click('#token-button');
    await page.fill('dialog.token input', TOKEN);
    await page.click('dialog.token button[value="save"]');
    await page.fill(`${item} input[aria-label="Comment"]`, 'load test, expected');
    await page.click(`${item} button[data-verdict="false_alarm"]`);
    await page.waitForSelector(`${item} .feedback-state[data-verdict="false_alarm"]`, { timeout: 10_000 });
    // The feedback summary counts it for the workload, with the score floor it set (anomaly_detector_workload_score_floor on /metrics).
    const summary = `tr[data-workload="${incident.namespace}/${incident.workload}"]`;
    const cells = async () => page.$$eval(`${summary} td`, (tds) => tds.map((td) => td.textContent));
    await expect.poll(cells, { timeout: 10_000 }).toEqual([expect.stringContaining(incident.workload), '1', '0', '0', expect.stringMatching(/^\d/), expect.any(String), expect.any(String)]); // false alarms, real incidents, silenced, floor
    await shot('anomalies');
    const stored = (await json<Anomalies>(`${kad.url}/anomalies?pod=${incident.pod}`)).anomalies.find((a) => a.id === anomaly.id)!;
    expect(stored.feedback).toMatchObject({ verdict: 'false_alarm', comment: 'load test, expected' });

    kad.child.kill('SIGKILL');
    await new Promise((r) => kad.child.once('exit', r));
    kad = await startKad(state);
    await page.goto(`${kad.url}/#/anomalies?q=${incident.pod}`);
    await page.waitForSelector(`${item} .feedback-state[data-verdict="false_alarm"]`, { timeout: 20_000 });
    await expect.poll(cells, { timeout: 10_000 }).toEqual([expect.stringContaining(incident.workload), '1', '0', '0', expect.stringMatching(/^\d/), expect.any(String), expect.any(String)]); // false alarms, real incidents, silenced, floor
    const after = (await json<Anomalies>(`${kad.url}/anomalies?pod=${incident.pod}`)).anomalies.find((a) => a.id === anomaly.id)!;
    expect(after.feedback).toMatchObject({ verdict: 'false_alarm', comment: 'load test, expected' });
  }, 120_000);

  it('shows the incident on the incidents page with a timeline', async () => {
    await page.goto(`${kad.url}/#/incidents`);
    const card = await page.waitForSelector(`article.incident:has(a:text-is("${incident.pod}"))`, { timeout: 20_000 });
    expect(await card.$$eval('.tl-track .span', (spans) => spans.length)).toBeGreaterThanOrEqual(1);
    await shot('incidents');
  }, 60_000);

  it('raised no page error and no CSP violation', () => {
    expect(problems).toEqual([]);
  });
});
