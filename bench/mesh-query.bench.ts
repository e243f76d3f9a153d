/**
 * What reading the service mesh costs Prometheus, at 1,000 and 3,000 pods: synthetic cAdvisor /
 * kube-state-metrics history and each pod's Istio sidecar series (bench/synth-pods.ts `meshFamilies`:
 * 15 series a pod, 3 callees each) over 25 minutes at 30 s are backfilled with promtool into a
 * Prometheus 2.42 with no scrapes (/usr/bin/prometheus on a free loopback port, stopped by its PID).
 * Prints, per size, the median time of each mesh query of the Prometheus source (src/sources/prometheus-mesh.ts)
 * as one instant query over every pod, `mesh_missing_callees` (its 10-window subquery) among them,
 * and the query time of a whole `PrometheusSource.current()` with KAD_MESH=istio against KAD_MESH=off;
 * checks that the missing-callees query finds the pods the history stopped (one in 20). Then kad's
 * recording rules (`kad rules`, both groups) are evaluated over the last 12 minutes by promtool and
 * loaded by a restart, and the same two `current()` are timed reading them (KAD_RECORDING_RULES=on),
 * beside what one evaluation of the rules over every pod costs (the sum of their queries' times).
 *
 * Run: `npm run bench:mesh-query` (PODS=1000,3000 RUNS=5 to change). Needs /usr/bin/prometheus and
 * /usr/bin/promtool; about 2 minutes and 1 GB of temporary disk at 3,000 pods.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load.js';
import { hashString } from '../src/core/rng.js';
import { PrometheusClient } from '../src/sources/prometheus-client.js';
import { MESH_METRICS, meshQueries } from '../src/sources/prometheus-mesh.js';
import { PrometheusSource, prometheusSourceSettings } from '../src/sources/prometheus.js';
import { meshRecordingRuleGroup, recordingRuleGroup, recordingRulesYaml } from '../src/sources/prometheus-rules.js';
import { tempDir } from '../test/integration.js';
import { backfillOpenMetrics, backfillRules, startPrometheus } from '../test/prometheus.js';
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
const head = ['pods', 'series', ...MESH_METRICS, 'current() off', 'current() istio', 'rules: pod group', 'mesh group', 'current() off', 'current() istio'];
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
      console.error(`[${n} pods] ${counted} of ${n} pods miss a callee, as written`);
      // kad's recording rules: one evaluation over every pod (each rule's query once, timed), then
      // evaluated every 30 s over the last 12 minutes by promtool and loaded by a restart.
      const rulesSettings = { ...config.prometheus, namespaceRegex: '.*' };
      const evalMs = async (rules: { expr: string }[]) => {
        let sum = 0;
        for (const r of rules) sum += await timed(() => api.query(r.expr, AT));
        return sum;
      };
      const podGroupMs = await evalMs(recordingRuleGroup(rulesSettings).rules);
      const meshGroupMs = await evalMs(meshRecordingRuleGroup(rulesSettings).rules);
      const rulesFile = join(dir, 'kad-rules.yml');
      writeFileSync(rulesFile, recordingRulesYaml(rulesSettings, { interval: `${STEP / 1000}s` }));
      t = performance.now();
      await backfillRules(prom, rulesFile, T1 - 12 * MIN, T1);
      console.error(`[${n} pods] promtool: the rules over 12 minutes in ${((performance.now() - t) / 1000).toFixed(1)} s; Prometheus restarted`);
      const rec = new PrometheusClient({ url: prom.url, timeoutMs: 120_000, maxRetries: 0 });
      const offRules = new PrometheusSource({ ...settings, api: rec, mesh: 'off', recordingRules: 'on' });
      const istioRules = new PrometheusSource({ ...settings, api: rec, mesh: 'istio', recordingRules: 'on' });
      const offRulesMs = await timed(() => offRules.current(AT));
      const istioRulesMs = await timed(() => istioRules.current(AT));
      // The mesh values read from the rules are the queries' (the bench's check): the pods that miss a callee.
      const snap = await istioRules.current(AT);
      const fromRules = snap.pods.filter((p) => p.missingCallees === 1).length;
      if (fromRules !== expected) throw new Error(`missingCallees from the rules: ${fromRules} pods count one (expected ${expected})`);
      await rec.close();
      rows.push([n.toLocaleString('en'), series.toLocaleString('en'), ...perQuery.map((x) => x.toFixed(1)), offMs.toFixed(0), istioMs.toFixed(0),
        podGroupMs.toFixed(0), meshGroupMs.toFixed(0), offRulesMs.toFixed(0), istioRulesMs.toFixed(0)]);
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
