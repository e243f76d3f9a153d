/**
 * One scoring cycle end to end against a real Prometheus, for 1,000 and 10,000 pods: synthetic
 * cAdvisor / kube-state-metrics history (70 min at 15 s, the series the Prometheus source queries) is
 * written as OpenMetrics, backfilled with promtool, and served by a Prometheus with no scrapes. The
 * real Engine (features, the pod model of `createPodModel`, the policy) is trained on the first hour
 * through `PrometheusSource.history`, then scores cycles at times inside the backfilled range.
 * Prints, per size: the query time of `current()`, the scoring time, and their sum (medians), and
 * then the query time for other batch sizes and concurrencies.
 *
 * Run: `npm run bench:cycle` (PODS=1000,10000 CYCLES=7 to change). Needs /usr/bin/prometheus and
 * /usr/bin/promtool; takes a few minutes and ~5 GB of temporary disk at 10,000 pods. KEEP=1 keeps the
 * backfilled TSDB and prints where it is.
 */
import { rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { loadConfig } from '../src/config/load.js';
import { manualClock } from '../src/core/clock.js';
import { createPodModel } from '../src/detectors/pod-model.js';
import { Engine } from '../src/engine/engine.js';
import { policyParamsFromConfig } from '../src/policy/alert-policy.js';
import type { Source } from '../src/sources/base.js';
import type { PodSnapshot } from '../src/core/samples.js';
import { PrometheusClient } from '../src/sources/prometheus-client.js';
import { PrometheusSource, prometheusSourceSettings } from '../src/sources/prometheus.js';
import { createTelemetry } from '../src/telemetry/metrics.js';
import { tempDir } from '../test/integration.js';
import { backfillOpenMetrics, startPrometheus } from '../test/prometheus.js';
import { synthPods, writeHistory } from './synth-pods.js';

const MIN = 60_000;
const STEP = 15_000;
const HISTORY_MIN = 70;
const SIZES = (process.env.PODS ?? '1000,10000').split(',').map(Number);
const CYCLES = Number(process.env.CYCLES ?? 7);
/** A Source that times each current() call. */
class TimedSource implements Source {
  readonly name: string;
  lastCurrentMs = 0;
  constructor(readonly inner: Source) {
    this.name = inner.name;
  }
  history(start: number, end: number, stepMs: number, signal?: AbortSignal): Promise<PodSnapshot[]> {
    return this.inner.history(start, end, stepMs, signal);
  }
  async current(t: number, signal?: AbortSignal): Promise<PodSnapshot> {
    const t0 = performance.now();
    const s = await this.inner.current(t, signal);
    this.lastCurrentMs = performance.now() - t0;
    return s;
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const config = loadConfig({ env: {} });
const T0 = Math.floor((Date.now() - 3 * 3_600_000) / 3_600_000) * 3_600_000; // 3 h ago, on the hour
const T1 = T0 + HISTORY_MIN * MIN;
const TRAIN_AT = T0 + 65 * MIN;

console.log(`Scoring cycle against a real Prometheus (2.42, backfilled ${HISTORY_MIN} min at ${STEP / 1000} s, no scrapes); ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}`);
console.log(`trained through PrometheusSource.history on 60 min at 60 s; ${CYCLES} cycles at 60-s steps after ${new Date(TRAIN_AT).toISOString()}; batch ${config.prometheus.batchSize} pods, 4 in flight; medians\n`);
const rows: string[][] = [];
const sweeps: string[] = [];
for (const n of SIZES) {
  const dir = tempDir(`bench-cycle-${n}`);
  const pods = synthPods(n, 7);
  let t = performance.now();
  const file = join(dir, 'history.om');
  const { bytes, samples } = await writeHistory(file, pods, T0, T1, STEP);
  const writeS = (performance.now() - t) / 1000;
  t = performance.now();
  await backfillOpenMetrics(file, join(dir, 'data'));
  const backfillS = (performance.now() - t) / 1000;
  rmSync(file);
  console.error(`[${n} pods] ${samples.toLocaleString('en')} samples, ${(bytes / 2 ** 20).toFixed(0)} MiB OpenMetrics written in ${writeS.toFixed(1)} s, promtool ${backfillS.toFixed(1)} s`);
  const prom = await startPrometheus({ dataDir: join(dir, 'data'), readyTimeoutMs: 120_000 });
  try {
    const api = new PrometheusClient({ url: prom.url, timeoutMs: 60_000, maxRetries: 0 });
    // Warm Prometheus's caches with another source, so the first timed cycle reads every pod's static values.
    await new PrometheusSource({ ...prometheusSourceSettings(config.prometheus), api }).current(TRAIN_AT);
    const source = new TimedSource(new PrometheusSource({ ...prometheusSourceSettings(config.prometheus), api, concurrency: 4 }));
    const clock = manualClock(TRAIN_AT);
    const engine = new Engine({
      source, clock, telemetry: createTelemetry(new Registry()), log: { info() {}, warn() {}, error() {}, debug() {} },
      createModel: (s) => createPodModel(config.iforest, s),
      options: { lookbackMs: 60 * MIN, stepMs: MIN, retrainMs: 0, policy: policyParamsFromConfig(config.policy), seed: 42, store: config.store },
    });
    t = performance.now();
    const hist = await source.history(TRAIN_AT - 60 * MIN, TRAIN_AT, MIN);
    const historyMs = performance.now() - t;
    t = performance.now();
    await engine.train();
    const trainMs = performance.now() - t;
    const query: number[] = [];
    const score: number[] = [];
    const total: number[] = [];
    for (let i = 1; i <= CYCLES; i++) {
      clock.set(TRAIN_AT + Math.min(i, 5) * MIN - (i > 5 ? (i - 5) * 7_000 : 0));
      const c0 = performance.now();
      await engine.cycle();
      const ms = performance.now() - c0;
      total.push(ms);
      query.push(source.lastCurrentMs);
      score.push(ms - source.lastCurrentMs);
    }
    const scored = engine.detect().length;
    if (scored !== n) console.error(`warning: ${scored} pods scored, expected ${n}`);
    rows.push([n.toLocaleString('en'), (samples / 1e6).toFixed(1), fmt(median(query)), fmt(median(score)), fmt(median(total)),
      `${fmt(Math.min(...total))}–${fmt(Math.max(...total))}`, fmt(historyMs), fmt(trainMs), String(hist.length)]);
    // The query path with other batch sizes, concurrencies, and without the cache of static values.
    const variants: [number, number, number][] = [[100_000, 4, 600_000], [2000, 4, 600_000], [1000, 4, 600_000], [500, 1, 600_000],
      [500, 4, 600_000], [500, 8, 600_000], [250, 4, 600_000], [500, 4, 0]];
    for (const [batchSize, concurrency, staticRefreshMs] of variants) {
      if (batchSize >= n && batchSize !== 100_000) continue;
      const s = new PrometheusSource({ ...prometheusSourceSettings(config.prometheus), api, batchSize, concurrency, staticRefreshMs });
      const ms: number[] = [];
      for (let i = 0; i <= 5; i++) {
        const q0 = performance.now();
        await s.current(TRAIN_AT + i * MIN);
        if (i > 0) ms.push(performance.now() - q0); // the first call reads the static values of every pod
      }
      sweeps.push([n.toLocaleString('en'), batchSize >= n ? 'all' : String(batchSize), String(concurrency), staticRefreshMs ? 'cached' : 'every call',
        String(s.lastStats().requests), fmt(median(ms))].map((c) => c.padStart(11)).join(''));
    }
    await api.close();
  } finally {
    await prom.stop();
    if (process.env.KEEP === '1') console.error(`kept ${join(dir, 'data')} (T0 ${T0})`);
    else rmSync(dir, { recursive: true, force: true });
  }
}
const head = ['pods', 'samples M', 'query ms', 'score ms', 'total ms', 'total range', 'history ms', 'train ms', 'snapshots'];
console.log(head.map((h) => h.padStart(12)).join(''));
for (const r of rows) console.log(r.map((c) => c.padStart(12)).join(''));
console.log('\nquery ms = PrometheusSource.current(); the first cycle also reads every pod\'s limits, start time and owner (the slowest in "total range"),');
console.log('which later cycles take from a 10-minute cache;');
console.log('score ms = features + detectors + policy + gauges (Engine.cycle minus the query);');
console.log('history ms = PrometheusSource.history(60 min at 60 s); train ms = Engine.train (history again + fitting one model per workload)\n');
console.log('current() by batch size, concurrency, and whether limits/owner/start time are cached (10 min) or read every call (median of 5):');
console.log(['pods', 'batch', 'in flight', 'statics', 'requests', 'query ms'].map((h) => h.padStart(11)).join(''));
for (const s of sweeps) console.log(s);
