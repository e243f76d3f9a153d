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
import { once } from 'node:events';
import { createWriteStream, rmSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { loadConfig } from '../src/config/load.js';
import { manualClock } from '../src/core/clock.js';
import { createRng, hash32, hashString } from '../src/core/rng.js';
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

const MIN = 60_000;
const STEP = 15_000;
const HISTORY_MIN = 70;
const SIZES = (process.env.PODS ?? '1000,10000').split(',').map(Number);
const CYCLES = Number(process.env.CYCLES ?? 7);
const PODS_PER_NAMESPACE = 50;
const REPLICAS = 5;

interface SynthPod {
  namespace: string;
  pod: string;
  workload: string;
  replicaSet: string;
  node: string;
  cpu: number; // mean cores
  phase: number;
  memory: number;
  cpuLimit: number;
  memoryLimit: number;
  restarts: number;
  drop: number; // dropped share of packets
}

function synthPods(n: number, seed: number): SynthPod[] {
  const pods: SynthPod[] = [];
  const nodes = Math.max(1, Math.ceil(n / 30));
  for (let i = 0; i < n; i++) {
    const ns = `team-${String(Math.floor(i / PODS_PER_NAMESPACE)).padStart(3, '0')}`;
    const w = Math.floor((i % PODS_PER_NAMESPACE) / REPLICAS);
    const workload = `svc-${w}`;
    const hash = hash32(seed, hashString(`${ns}/${workload}`)).toString(16).padStart(8, '0').slice(0, 8) + '4d';
    const rng = createRng(hash32(seed, hashString(`${ns}/${workload}`), i));
    const wr = createRng(hash32(seed, hashString(`${ns}/${workload}`)));
    const cpu = 0.05 + 0.5 * wr.next();
    const memory = (64 + 900 * wr.next()) * 2 ** 20;
    pods.push({
      namespace: ns, workload, replicaSet: `${workload}-${hash}`, pod: `${workload}-${hash}-${rng.int(1e5).toString(36).padStart(5, 'x')}`,
      node: `node-${i % nodes}`, cpu: cpu * (0.95 + 0.1 * rng.next()), phase: rng.next() * 2 * Math.PI,
      memory: memory * (0.97 + 0.06 * rng.next()), cpuLimit: Math.ceil(cpu * 4 * 10) / 10, memoryLimit: Math.ceil((memory * 2) / 2 ** 20) * 2 ** 20,
      restarts: rng.next() < 0.02 ? 1 + rng.int(3) : 0, drop: rng.next() < 0.05 ? 0.001 : 0,
    });
  }
  return pods;
}

const W = (2 * Math.PI) / (40 * MIN); // one slow swing every 40 minutes

/** ∫ cores dt from t0 to t, seconds: mean `c` with a ±30% swing; always increasing. */
function cpuSeconds(p: SynthPod, t0: number, t: number): number {
  const dt = (t - t0) / 1000;
  return p.cpu * dt + ((0.3 * p.cpu) / (W * 1000)) * (Math.cos(W * t0 + p.phase) - Math.cos(W * t + p.phase));
}

type Family = [name: string, type: string, labels: (p: SynthPod) => string, value: (p: SynthPod, t: number, t0: number) => number];

function families(): Family[] {
  const cad = (p: SynthPod) => `namespace="${p.namespace}",pod="${p.pod}",container="${p.workload}",node="${p.node}"`;
  const net = (p: SynthPod) => `namespace="${p.namespace}",pod="${p.pod}",interface="eth0"`;
  const ksm = (p: SynthPod) => `namespace="${p.namespace}",pod="${p.pod}",container="${p.workload}"`;
  const lim = (r: string, u: string) => (p: SynthPod) => `namespace="${p.namespace}",pod="${p.pod}",container="${p.workload}",node="${p.node}",resource="${r}",unit="${u}"`;
  const rx = (p: SynthPod, t: number, t0: number) => Math.floor(cpuSeconds(p, t0, t) * 4e6);
  return [
    ['container_cpu_usage_seconds_total', 'counter', cad, (p, t, t0) => +cpuSeconds(p, t0, t).toFixed(4)],
    ['container_memory_working_set_bytes', 'gauge', cad, (p, t) => Math.round(p.memory * (1 + 0.01 * Math.sin(W * t + p.phase)))],
    ['container_memory_usage_bytes', 'gauge', cad, (p, t) => Math.round(p.memory * (1.2 + 0.01 * Math.sin(W * t + p.phase)))],
    ['container_network_receive_bytes_total', 'counter', net, rx],
    ['container_network_transmit_bytes_total', 'counter', net, (p, t, t0) => 3 * rx(p, t, t0)],
    ['container_network_receive_packets_total', 'counter', net, (p, t, t0) => Math.floor(rx(p, t, t0) / 1200)],
    ['container_network_receive_packets_dropped_total', 'counter', net, (p, t, t0) => Math.floor((p.drop * rx(p, t, t0)) / 1200)],
    ['kube_pod_container_status_restarts_total', 'counter', ksm, (p) => p.restarts],
    ['kube_pod_container_resource_limits', 'gauge', lim('cpu', 'core'), (p) => p.cpuLimit],
    ['kube_pod_container_resource_limits', 'gauge', lim('memory', 'byte'), (p) => p.memoryLimit],
    ['kube_pod_info', 'gauge', (p) => `namespace="${p.namespace}",pod="${p.pod}",node="${p.node}",created_by_kind="ReplicaSet",created_by_name="${p.replicaSet}"`, () => 1],
  ];
}

/** Writes the pods' history [t0, t1] every STEP as OpenMetrics; resolves with bytes and samples. */
async function writeHistory(file: string, pods: SynthPod[], t0: number, t1: number): Promise<{ bytes: number; samples: number }> {
  const out = createWriteStream(file);
  let buf = '';
  let samples = 0;
  const flush = async () => {
    if (!out.write(buf)) await once(out, 'drain');
    buf = '';
  };
  const times: string[] = [];
  for (let t = t0; t <= t1; t += STEP) times.push((t / 1000).toFixed(3));
  let lastName = '';
  for (const [name, type, labels, value] of families()) {
    if (name !== lastName) buf += `# TYPE ${type === 'counter' ? name.replace(/_total$/, '') : name} ${type}\n`;
    lastName = name;
    for (const p of pods) {
      const head = `${name}{${labels(p)}} `;
      for (let i = 0, t = t0; i < times.length; i++, t += STEP) buf += `${head}${value(p, t, t0)} ${times[i]}\n`;
      samples += times.length;
      if (buf.length > 1 << 20) await flush();
    }
  }
  buf += '# EOF\n';
  await flush();
  out.end();
  await once(out, 'close');
  return { bytes: statSync(file).size, samples };
}

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
  const { bytes, samples } = await writeHistory(file, pods, T0, T1);
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
