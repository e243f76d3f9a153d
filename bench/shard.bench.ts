/**
 * Sharded `kad serve` against one real Prometheus: synthetic cAdvisor / kube-state-metrics series of
 * PODS pods (default 40,000; bench/synth-pods.ts) are backfilled with promtool into a Prometheus 2.42
 * (/usr/bin/prometheus on a free loopback port, stopped by its PID). Each shard then runs in a process
 * of its own, one after the other (as each replica has its own pod): a PrometheusSource given the
 * shard's ownership (KAD_SHARDS, KAD_SHARD: it asks only for its workloads' pods), behind the
 * ShardedSource every source goes through, and the real Engine (per-workload pod model) trained
 * through it on 10 minutes of history, then scoring CYCLES cycles (the pod model of bench:cycle, per
 * workload; the service's default streaming kind would need a day of warm-up history). Prints per shard: pods and
 * workloads scored, cycle time (query + scoring; the first cycle also reads every pod's limits and
 * owner), training time (10 minutes of history through the source, one model per workload), RSS and heap per 10,000 pods; asserts that every pod is scored exactly once across the 4
 * shards. Then the same with a 5th shard: the share of workloads that moved (about 1/5, all to the new
 * shard), every pod once again, and what a rolling update shows while old and new replicas overlap.
 * First, as a baseline on the same machine and Prometheus: one unsharded kad watching a shard's worth
 * of pods (whole namespaces, by NAMESPACE_REGEX).
 * Exits non-zero when a pod is scored twice or not at all.
 *
 * Then (RULES=0: not) it records kad's recording rules (`kad rules`) over the backfill with promtool and runs
 * the shards again reading them (KAD_RECORDING_RULES=on), with what one evaluation of the rules costs
 * Prometheus.
 *
 * Run: `npm run bench:shard` (PODS=40000 SHARDS=4 CYCLES=4 RULES=1; KAD_SHARD_BY=namespace shards by namespace,
 * KAD_QUERY_CONCURRENCY and KAD_QUERY_BATCH_PODS as in the service; WORKER_NODE_ARGS="--cpu-prof" profiles the shards). Needs /usr/bin/prometheus and
 * /usr/bin/promtool; at 40,000 pods about 0.8 GB of temporary disk and several minutes on 2 cores.
 */
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Registry } from 'prom-client';
import { loadConfig } from '../src/config/load.js';
import { manualClock } from '../src/core/clock.js';
import { shardOf, ShardOwnership } from '../src/core/shard.js';
import { createPodModel } from '../src/detectors/pod-model.js';
import { Engine } from '../src/engine/engine.js';
import { policyParamsFromConfig } from '../src/policy/alert-policy.js';
import { PrometheusClient } from '../src/sources/prometheus-client.js';
import { podListQuery, PrometheusSource, prometheusSourceSettings } from '../src/sources/prometheus.js';
import { ShardedSource } from '../src/sources/sharded.js';
import { createTelemetry } from '../src/telemetry/metrics.js';
import { recordingExpressions, recordingRulesYaml } from '../src/sources/prometheus-rules.js';
import { tempDir } from '../test/integration.js';
import { backfillOpenMetrics, backfillRules, startPrometheus, type PrometheusServer } from '../test/prometheus.js';
import { synthPods, writeHistory } from './synth-pods.js';

const MIN = 60_000;
const STEP = 60_000; // samples a minute: the rate window below holds three
const RATE_WINDOW = '3m';
// 3 h ago, on the hour; the shards' processes are given the parent's (they may start after the hour turns).
const T0 = Number(process.env.BENCH_SHARD_T0 ?? Math.floor((Date.now() - 3 * 3_600_000) / 3_600_000) * 3_600_000);
const T1 = T0 + 17 * MIN;
const TRAIN_AT = T0 + 13 * MIN;
/** Wall time between two cycles of a shard (the service's are 60 s apart). */
const CYCLE_GAP_MS = Number(process.env.CYCLE_GAP_MS ?? 2000);
/** What a shard owns (KAD_SHARD_BY): workloads (the default) or whole namespaces. */
const BY = process.env.KAD_SHARD_BY ?? 'workload';

/** What one shard's process reports. */
interface ShardReport {
  shard: number;
  shards: number;
  pods: string[];
  workloads: number;
  trainMs: number;
  cycleMs: number[];
  queryMs: number[];
  rssMiB: number;
  heapMiB: number;
  /** Typed arrays (series rings, models) live outside the JS heap. */
  buffersMiB: number;
}

/** One shard: train through its own source, score CYCLES cycles, write its report to `out`. */
async function worker(url: string, shard: number, shards: number, cycles: number, out: string, namespaceRegex?: string): Promise<void> {
  const env: Record<string, string> = namespaceRegex ? { NAMESPACE_REGEX: namespaceRegex } : {};
  for (const k of ['KAD_QUERY_BATCH_PODS', 'KAD_QUERY_CONCURRENCY', 'KAD_SHARD_BY', 'KAD_RECORDING_RULES']) if (process.env[k]) env[k] = process.env[k]!;
  const config = loadConfig({ env });
  const ownership = new ShardOwnership({ shard, shards, by: config.sharding.by });
  const api = new PrometheusClient({ url, timeoutMs: 120_000, maxRetries: 0 });
  const prom = new PrometheusSource({ ...prometheusSourceSettings(config.prometheus), rateWindow: RATE_WINDOW, api, shard: ownership });
  let lastQueryMs = 0;
  const inner = new ShardedSource(prom, ownership);
  const source = {
    name: inner.name,
    history: inner.history.bind(inner),
    current: async (t: number, signal?: AbortSignal) => {
      const q0 = performance.now();
      const s = await inner.current(t, signal);
      lastQueryMs = performance.now() - q0;
      return s;
    },
    close: () => inner.close(),
  };
  const clock = manualClock(TRAIN_AT);
  const engine = new Engine({
    source, clock, telemetry: createTelemetry(new Registry()), log: { info() {}, warn() {}, error() {}, debug() {} },
    createModel: (s) => createPodModel(config.iforest, s),
    options: { lookbackMs: 10 * MIN, stepMs: MIN, retrainMs: 0, policy: policyParamsFromConfig(config.policy), seed: 42, store: config.store },
  });
  const t = performance.now();
  await engine.train();
  const trainMs = performance.now() - t;
  const cycleMs: number[] = [];
  const queryMs: number[] = [];
  for (let i = 0; i < cycles; i++) {
    // The service's cycles are QUERY_STEP_SECONDS (60 s) apart; a sharded replica lists the fleet for
    // its next cycle in that time (prometheus-shard.ts). Here they are CYCLE_GAP_MS apart.
    if (i > 0) await new Promise((r) => setTimeout(r, CYCLE_GAP_MS));
    clock.set(TRAIN_AT + i * MIN);
    const c0 = performance.now();
    await engine.cycle();
    cycleMs.push(performance.now() - c0);
    queryMs.push(lastQueryMs);
  }
  const scored = engine.detect();
  (globalThis as { gc?: () => void }).gc?.();
  const mem = process.memoryUsage();
  const report: ShardReport = {
    shard, shards, pods: scored.map((r) => `${r.ref.namespace}/${r.ref.pod}`),
    workloads: new Set(scored.map((r) => `${r.ref.namespace}/${r.ref.workload}`)).size,
    trainMs, cycleMs, queryMs, rssMiB: mem.rss / 2 ** 20, heapMiB: mem.heapUsed / 2 ** 20, buffersMiB: mem.arrayBuffers / 2 ** 20,
  };
  writeFileSync(out, JSON.stringify(report));
  await source.close();
}

const run = promisify(execFile);

/** Runs one shard in a child process of its own (RSS and heap are then the shard's alone). */
async function runShard(url: string, dir: string, shard: number, shards: number, cycles: number, namespaceRegex?: string): Promise<ShardReport> {
  const out = join(dir, `shard-${shards}-${shard}${namespaceRegex ? '-ns' : ''}.json`);
  const nodeArgs = process.env.WORKER_NODE_ARGS?.split(' ').filter(Boolean) ?? []; // e.g. --cpu-prof, to profile the shards
  await run(process.execPath, [...nodeArgs, '--expose-gc', '--import', 'tsx', process.argv[1], '--worker', url, String(shard), String(shards), String(cycles), out, ...(namespaceRegex ? [namespaceRegex] : [])], {
    maxBuffer: 16 * 1024 * 1024, timeout: 15 * MIN, env: { ...process.env, BENCH_SHARD_T0: String(T0) },
  });
  return JSON.parse(readFileSync(out, 'utf8')) as ShardReport;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
/** The median of `xs` after the first (a shard's first cycle also reads every pod's limits and owner). */
const steady = (xs: number[]) => median(xs.length > 1 ? xs.slice(1) : xs);
/** The slowest shard's steady cycle, ms. */
const slowestCycle = (reports: ShardReport[]) => Math.max(...reports.map((r) => steady(r.cycleMs)));

/** Prints one row per shard; returns the pods scored twice or not at all. */
function table(reports: ShardReport[], all: ReadonlySet<string>): { twice: number; lost: number } {
  console.log(['shard', 'pods', 'workloads', 'cycle ms', 'first', 'query ms', 'train ms', 'RSS MiB', 'heap MiB', 'buffers', 'RSS/10k', 'heap/10k'].map((h) => h.padStart(11)).join(''));
  for (const r of reports) {
    const per10k = 10_000 / Math.max(1, r.pods.length);
    console.log([`${r.shard}/${r.shards}`, r.pods.length.toLocaleString('en'), r.workloads.toLocaleString('en'), ms(steady(r.cycleMs)), ms(r.cycleMs[0]), ms(steady(r.queryMs)),
      ms(r.trainMs), r.rssMiB.toFixed(0), r.heapMiB.toFixed(0), r.buffersMiB.toFixed(0), (r.rssMiB * per10k).toFixed(0), (r.heapMiB * per10k).toFixed(0)].map((c) => c.padStart(11)).join(''));
  }
  const count = new Map<string, number>();
  for (const r of reports) for (const p of r.pods) count.set(p, (count.get(p) ?? 0) + 1);
  const twice = [...count.values()].filter((c) => c > 1).length;
  const lost = [...all].filter((p) => !count.has(p)).length;
  const stray = [...count.keys()].filter((p) => !all.has(p)).length;
  console.log(`pods scored: ${[...count.keys()].length.toLocaleString('en')} of ${all.size.toLocaleString('en')}; twice: ${twice}; not at all: ${lost}; unknown: ${stray}`);
  return { twice, lost: lost + stray };
}

/** CPU milliseconds process `pid` has used (Linux /proc, 100 ticks a second). */
function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

/**
 * Waits until Prometheus `pid` is idle (under 5% of a core for 3 s in a row, at most 3 minutes): after a
 * start it compacts what it found on disk (the backfill's blocks, the recorded ones overlapping them),
 * which would otherwise run beside the shards. Returns the seconds waited.
 */
async function settle(pid: number): Promise<number> {
  const t0 = performance.now();
  let quiet = 0;
  let last = cpuMs(pid);
  while (quiet < 3 && performance.now() - t0 < 180_000) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = cpuMs(pid);
    quiet = now - last < 50 ? quiet + 1 : 0;
    last = now;
  }
  return (performance.now() - t0) / 1000;
}

/**
 * kad's recording rules (`kad rules`) evaluated over the backfill by promtool, Prometheus
 * restarted with the recorded blocks, and the shards run again reading them (KAD_RECORDING_RULES=on).
 * Prints what one evaluation of the rules costs Prometheus (its CPU for the seven expressions over the
 * whole fleet, as instant queries), the work the rules move out of kad's cycles.
 */
async function withRecordingRules(prom: PrometheusServer, dir: string, shards: number, cycles: number, all: ReadonlySet<string>): Promise<boolean> {
  const settings = { namespaceRegex: '.*', podLabel: 'pod', rateWindow: RATE_WINDOW };
  const rulesFile = join(dir, 'kad-rules.yml');
  writeFileSync(rulesFile, recordingRulesYaml(settings, { interval: `${STEP / 1000}s` }));
  const api = new PrometheusClient({ url: prom.url, timeoutMs: 120_000, maxRetries: 0 });
  const evalCpu: number[] = [];
  for (let i = 0; i < 3; i++) {
    const c0 = cpuMs(prom.pid!);
    for (const expr of Object.values(recordingExpressions(settings))) await api.query(expr, TRAIN_AT + i * MIN);
    evalCpu.push(cpuMs(prom.pid!) - c0);
  }
  await api.close();
  const t = performance.now();
  await backfillRules(prom, rulesFile, T0, T1);
  console.error(`promtool: recording rules over the backfill in ${((performance.now() - t) / 1000).toFixed(1)} s; Prometheus restarted, idle after ${(await settle(prom.pid!)).toFixed(0)} s`);
  console.log(`with kad's recording rules (\`kad rules\`: 7 series per pod, evaluated every ${STEP / 1000} s; one evaluation over the ${all.size.toLocaleString('en')} pods costs Prometheus`
    + ` ${ms(median(evalCpu))} ms of CPU, median of 3), read with one selector per batch (KAD_RECORDING_RULES=on):`);
  process.env.KAD_RECORDING_RULES = 'on';
  try {
    const reports: ShardReport[] = [];
    for (let s = 0; s < shards; s++) reports.push(await runShard(prom.url, dir, s, shards, cycles));
    const { twice, lost } = table(reports, all);
    console.log(`slowest shard's cycle with the rules (median after the first): ${ms(slowestCycle(reports))} ms (target < 1000 ms)`);
    return twice + lost > 0;
  } finally {
    delete process.env.KAD_RECORDING_RULES;
  }
}

async function main(): Promise<void> {
  const n = Number(process.env.PODS ?? 40_000);
  const shards = Number(process.env.SHARDS ?? 4);
  const cycles = Number(process.env.CYCLES ?? 4);
  console.log(`Sharded kad against one real Prometheus 2.42 (backfilled ${(T1 - T0) / MIN} min at ${STEP / 1000} s, no scrapes); ${n.toLocaleString('en')} pods;`
    + ` ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}`);
  console.log(`each shard in its own process, one after the other: trained on 10 min at 60 s, then ${cycles} cycles at 60-s steps; batches of ${process.env.KAD_QUERY_BATCH_PODS ?? 500} pods, ${process.env.KAD_QUERY_CONCURRENCY ?? 4} in flight\n`);
  const dir = tempDir('bench-shard');
  let failed = false;
  try {
    const pods = synthPods(n, 7);
    const all = new Set(pods.map((p) => `${p.namespace}/${p.pod}`));
    const workloads = [...new Set(pods.map((p) => `${p.namespace}/${p.workload}`))];
    let t = performance.now();
    const file = join(dir, 'history.om');
    const { bytes, samples } = await writeHistory(file, pods, T0, T1, STEP);
    console.error(`${samples.toLocaleString('en')} samples, ${(bytes / 2 ** 20).toFixed(0)} MiB of OpenMetrics written in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    t = performance.now();
    await backfillOpenMetrics(file, join(dir, 'data'));
    rmSync(file);
    console.error(`promtool backfill: ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const prom = await startPrometheus({ dataDir: join(dir, 'data'), readyTimeoutMs: 180_000 });
    try {
      console.error(`Prometheus idle after ${(await settle(prom.pid!)).toFixed(0)} s`);
      // What every shard pays each cycle whatever its share: listing the whole fleet (after its own queries, off the cycle's path).
      const api = new PrometheusClient({ url: prom.url, timeoutMs: 120_000, maxRetries: 0 });
      const list = podListQuery('namespace=~".*"', 'pod');
      const listMs: number[] = [];
      for (let i = 0; i < 3; i++) {
        const l0 = performance.now();
        await api.query(list, TRAIN_AT + i * MIN);
        listMs.push(performance.now() - l0);
      }
      await api.close();
      console.log(`listing the fleet (one query, ${n.toLocaleString('en')} pods; every shard asks it each cycle, after its own queries, for the next cycle): median ${ms(median(listMs))} ms of 3`);
      // The baseline, side by side on the same machine and Prometheus: one unsharded kad watching a shard's
      // worth of pods (whole namespaces by NAMESPACE_REGEX, asked in namespace batches).
      const quarter = [...new Set(pods.slice(0, Math.round(n / shards)).map((p) => p.namespace))];
      const base = await runShard(prom.url, dir, 0, 1, cycles, quarter.join('|'));
      console.log(`baseline: one unsharded kad watching ${base.pods.length.toLocaleString('en')} pods (NAMESPACE_REGEX, ${quarter.length} namespaces):`);
      table([base], new Set(base.pods));
      console.log(`\n${shards} shards by ${BY}, ${workloads.length.toLocaleString('en')} workloads:`);
      const before: ShardReport[] = [];
      for (let s = 0; s < shards; s++) before.push(await runShard(prom.url, dir, s, shards, cycles));
      const a = table(before, all);
      console.log(`slowest shard's cycle (median after the first): ${ms(slowestCycle(before))} ms (target < 1000 ms)`);
      const rss = before.reduce((x, r) => x + r.rssMiB, 0);
      const heap = before.reduce((x, r) => x + r.heapMiB, 0);
      const buffers = before.reduce((x, r) => x + r.buffersMiB, 0);
      console.log(`all shards together: RSS ${rss.toFixed(0)} MiB, JS heap ${heap.toFixed(0)} MiB, typed arrays ${buffers.toFixed(0)} MiB`
        + ` = ${(rss * 10_000 / n).toFixed(0)} / ${(heap * 10_000 / n).toFixed(0)} / ${(buffers * 10_000 / n).toFixed(0)} MiB per 10,000 pods\n`);

      const next = shards + 1;
      // What is hashed: the workload key, or its namespace with KAD_SHARD_BY=namespace.
      const keyOf = (w: string) => (BY === 'namespace' ? w.slice(0, w.indexOf('/')) : w);
      const moved = workloads.filter((w) => shardOf(keyOf(w), shards) !== shardOf(keyOf(w), next));
      const toNew = moved.filter((w) => shardOf(keyOf(w), next) === shards).length;
      console.log(`adding shard ${shards} (${next} shards): ${moved.length.toLocaleString('en')} of ${workloads.length.toLocaleString('en')} workloads move`
        + ` (${((100 * moved.length) / workloads.length).toFixed(1)}%; 1/${next} = ${(100 / next).toFixed(1)}%), ${toNew === moved.length ? 'all' : `${toNew}`} to the new shard`);
      const after: ShardReport[] = [];
      for (let s = 0; s < next; s++) after.push(await runShard(prom.url, dir, s, next, 2));
      const b = table(after, all);
      // What the shards scored before and after: a pod's owner changes only when its workload moved.
      const ownerBefore = new Map<string, number>();
      before.forEach((r) => r.pods.forEach((p) => ownerBefore.set(p, r.shard)));
      let changed = 0;
      let changedToNew = 0;
      after.forEach((r) => r.pods.forEach((p) => {
        if (ownerBefore.get(p) !== r.shard) {
          changed++;
          if (r.shard === shards) changedToNew++;
        }
      }));
      console.log(`pods whose shard changed: ${changed.toLocaleString('en')} (${((100 * changed) / n).toFixed(1)}%), ${changedToNew === changed ? 'all' : changedToNew} to the new shard`);
      // A rolling update (the StatefulSet adds pod N, then restarts N-1 … 0 with the new KAD_SHARDS):
      // while an old replica still runs, the moved workloads' pods are scored by it and by the new one.
      const overlap = new Set(before.flatMap((r) => r.pods)).size + after[shards].pods.length - n;
      console.log(`during the rolling update (new shard up, old ones not yet restarted): no pod lost; the ${overlap.toLocaleString('en')} pods of moved workloads`
        + ` are scored by both their old shard and the new one until the old one restarts (the same alert labels: Alertmanager sends one notification)`);
      failed = a.twice + a.lost + b.twice + b.lost > 0;
      if (failed) console.log('FAIL: a pod was scored twice or not at all');
      if (process.env.RULES !== '0') {
        console.log('');
        failed = (await withRecordingRules(prom, dir, shards, cycles, all)) || failed;
      }
    } finally {
      await prom.stop();
    }
  } finally {
    if (process.env.KEEP === '1') console.error(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
  if (failed) process.exitCode = 1;
}

if (process.argv[2] === '--worker') {
  const [url, shard, shards, cycles, out, namespaceRegex] = process.argv.slice(3);
  await worker(url, Number(shard), Number(shards), Number(cycles), out, namespaceRegex);
} else {
  await main();
}
