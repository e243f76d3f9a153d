/**
 * What reading the service mesh costs Prometheus, at 1,000 and 3,000 pods: synthetic cAdvisor /
 * kube-state-metrics history and each pod's Istio sidecar series (bench/synth-pods.ts `meshFamilies`:
 * 15 series a pod, 3 callees each) over 25 minutes at 30 s are backfilled with promtool into a
 * Prometheus 2.42 with no scrapes (/usr/bin/prometheus on a free loopback port, stopped by its PID).
 * Prints, per size, the median time of each mesh query of the Prometheus source (src/sources/prometheus-mesh.ts)
 * as one instant query over every pod, `mesh_missing_callees` (its 10-window subquery) among them,
 * and the query time of a whole `PrometheusSource.current()` with KAD_MESH=istio against KAD_MESH=off;
 * checks that the missing-callees query finds the pods the history stopped (one in 20).
 *
 * Run: `npm run bench:mesh-query` (PODS=1000,3000 RUNS=5 to change). Needs /usr/bin/prometheus and
 * /usr/bin/promtool; about 2 minutes and 1 GB of temporary disk at 3,000 pods.
 */
import { rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load.js';
import { hashString } from '../src/core/rng.js';
import { PrometheusClient } from '../src/sources/prometheus-client.js';
import { MESH_METRICS, meshQueries } from '../src/sources/prometheus-mesh.js';
import { PrometheusSource, prometheusSourceSettings } from '../src/sources/prometheus.js';
import { tempDir } from '../test/integration.js';
import { backfillOpenMetrics, startPrometheus } from '../test/prometheus.js';
import { meshFamilies, synthPods, writeHistory } from './synth-pods.js';

const MIN = 60_000;
const STEP = 30_000;
const HISTORY_MIN = 25;
const CALLEES = 3;
const SIZES = (process.env.PODS ?? '1000,3000').split(',').map(Number);
const RUNS = Number(process.env.RUNS ?? 5);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Median milliseconds of `RUNS` calls of `f`, after one untimed call. */
async function timed(f: () => Promise<unknown>): Promise<number> {
  await f();
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await f();
    ms.push(performance.now() - t);
  }
  return median(ms);
}

const config = loadConfig({ env: {} });
const settings = prometheusSourceSettings(config.prometheus);
const T0 = Math.floor((Date.now() - 3 * 3_600_000) / 3_600_000) * 3_600_000;
const T1 = T0 + HISTORY_MIN * MIN;
const STOP = T1 - 3 * MIN; // where one pod in 20 stops calling its first callee
const AT = T1 - 15_000;

console.log(`Service-mesh queries against a real Prometheus (2.42, backfilled ${HISTORY_MIN} min at ${STEP / 1000} s, Istio, ${CALLEES} callees a pod, rate window ${settings.rateWindow}); ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}`);
console.log(`median ms of ${RUNS} instant queries over every pod (after one untimed), and of PrometheusSource.current() (batches of ${settings.batchSize} pods, ${settings.concurrency} in flight)\n`);
const head = ['pods', 'series', ...MESH_METRICS, 'current() off', 'current() istio'];
const rows: string[][] = [];
for (const n of SIZES) {
  const dir = tempDir(`bench-mesh-${n}`);
  try {
    const pods = synthPods(n, 7);
    const file = join(dir, 'history.om');
    let t = performance.now();
    const { bytes, samples } = await writeHistory(file, pods, T0, T1, STEP, meshFamilies(CALLEES, STOP));
    console.error(`[${n} pods] ${samples.toLocaleString('en')} samples, ${(bytes / 2 ** 20).toFixed(0)} MiB OpenMetrics in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    t = performance.now();
    await backfillOpenMetrics(file, join(dir, 'data'));
    rmSync(file);
    console.error(`[${n} pods] promtool ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const prom = await startPrometheus({ dataDir: join(dir, 'data'), readyTimeoutMs: 120_000 });
    try {
      const api = new PrometheusClient({ url: prom.url, timeoutMs: 120_000, maxRetries: 0 });
      const queries = meshQueries('namespace=~"team-.*"', settings.podLabel, settings.rateWindow, 'istio');
      const perQuery: number[] = [];
      for (const k of MESH_METRICS) perQuery.push(await timed(() => api.query(queries[k], AT)));
      // The history stopped one pod in 20 calling its first callee 3 minutes before: those, and only those, count one.
      const missing = await api.query(queries.missingCallees, AT);
      const counted = missing.filter((s) => s.value === 1).length;
      const expected = pods.filter((p) => hashString(p.pod) % 20 === 0).length;
      if (counted !== expected || missing.length !== n) throw new Error(`missingCallees: ${counted} pods count one (expected ${expected}), ${missing.length} answered (expected ${n})`);
      const off = new PrometheusSource({ ...settings, api, mesh: 'off' });
      const istio = new PrometheusSource({ ...settings, api, mesh: 'istio' });
      const offMs = await timed(() => off.current(AT));
      const istioMs = await timed(() => istio.current(AT));
      const series = (await api.query('count({__name__=~".+"})', AT))[0]?.value ?? NaN;
      rows.push([n.toLocaleString('en'), series.toLocaleString('en'), ...perQuery.map((x) => x.toFixed(1)), offMs.toFixed(0), istioMs.toFixed(0)]);
      console.error(`[${n} pods] ${counted} of ${n} pods miss a callee, as written`);
    } finally {
      await prom.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const widths = head.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
console.log(head.map((h, j) => h.padStart(widths[j])).join('  '));
for (const r of rows) console.log(r.map((c, j) => c.padStart(widths[j])).join('  '));
