/**
 * Remote-write ingest: samples decoded and stored per CPU second of one kad process (one thread does
 * the work), and its answers under overload. Run: `npm run bench:remote-write` (about a minute).
 * Rates are per CPU second of kad's process (process.cpuUsage: GC helpers included) so that a shared
 * machine does not halve them; the wall-clock rate is printed beside, with the load average.
 *
 * The fleet: PODS pods (default 4,000), 13 series each as cAdvisor and kube-state-metrics label them
 * without relabelling (kubelet's `id`, `image`, `name`, `instance`… labels: about 430 bytes of labels
 * per series), scraped every 15 s. As Prometheus does, each series belongs to one of SHARDS (16)
 * shards and every round (scrape) each shard sends its samples in batches of at most
 * `max_samples_per_send` (500, Prometheus 2.42's default, and 2000), one sample per series per batch,
 * snappy-compressed.
 *
 * 1. Memory per series with a full window (272 samples: 68 minutes at 15 s), with `--expose-gc`.
 * 2. Decode + store, in process: `ingest()` over every batch of ROUNDS (6) rounds after a first round
 *    that creates the series; the median round. Also a snapshot of every pod (`current()`, what the
 *    engine asks each cycle).
 * 3. The same over HTTP: kad's fastify server (POST /api/v1/write) in this process, the shards pushing
 *    from a child process, each shard one request at a time (as Prometheus's are). kad's CPU is
 *    counted from the sender's first request to its last answer (not while the sender's file is
 *    written and its process started: some 0.1 s of this process's CPU that is the bench's, not
 *    kad's). Twice: rounds 1 to ROUNDS right after the series are created (in the first row, the
 *    first requests this process serves: V8 is still compiling node's and fastify's HTTP code, 0.2–0.4
 *    ms of CPU a request more), and ROUNDS more after WARMUP (16) rounds of retried batches (what a kad
 *    that has run for some minutes spends).
 * 4. Overload: 64 shards pushing as fast as they can into a 1 MiB ingest buffer: how many answers are
 *    429, and whether every sample is stored once the shards have retried (backoff 30 ms doubling to
 *    1 s, as Prometheus's `min_backoff`/`max_backoff`).
 * ONLY=2,3 runs some sections; PODS, ROUNDS, SHARDS change the fleet; WARMUP the retried rounds of 3.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Registry } from 'prom-client';
import { manualClock } from '../src/core/clock.js';
import { buildServer } from '../src/api/server.js';
import type { Engine } from '../src/engine/engine.js';
import { RemoteWriteSource, type RemoteWriteSourceOptions } from '../src/sources/remote-write.js';
import { hashBytes } from '../src/sources/remote-write-series.js';
import { snappyEncode } from '../src/sources/remote-write.testkit.js';
import { createTelemetry } from '../src/telemetry/metrics.js';

const PODS = Number(process.env.PODS ?? 4000);
const ROUNDS = Number(process.env.ROUNDS ?? 6);
const SHARDS = Number(process.env.SHARDS ?? 16);
const WARMUP = Number(process.env.WARMUP ?? 16);
const SCRAPE_MS = 15_000;
const T0 = Date.UTC(2026, 0, 5, 12);
const gc = (globalThis as { gc?: () => void }).gc;
/** Sections to run (comma-separated numbers); default all. */
const ONLY = new Set((process.env.ONLY ?? '1,2,3,4').split(',').map(Number));

/** Every series of the fleet: its label fields' bytes (protobuf Label fields, sorted as Prometheus sends them). */
export function fleet(pods: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  const enc = (labels: Record<string, string>) => {
    const parts: number[] = [];
    for (const name of Object.keys(labels).sort()) {
      const n = Buffer.from(name);
      const v = Buffer.from(labels[name]);
      const body = [0x0a, ...varint(n.length), ...n, 0x12, ...varint(v.length), ...v];
      parts.push(0x0a, ...varint(body.length), ...body);
    }
    return Uint8Array.from(parts);
  };
  for (let p = 0; p < pods; p++) {
    const ns = `team-${p % 40}`;
    const workload = `svc-${Math.floor(p / 4)}`;
    const pod = `${workload}-7d4b9c8f6d-${(p * 7919).toString(36).padStart(5, 'x').slice(-5)}`;
    const node = `ip-10-0-${p % 250}-${(p * 13) % 250}.eu-west-1.compute.internal`;
    const uid = `${(p * 2654435761 >>> 0).toString(16).padStart(8, '0')}-3f2a-4c1d-9e8b-${p.toString(16).padStart(12, '0')}`;
    const cid = `${uid.replace(/-/g, '')}${uid.replace(/-/g, '')}`.slice(0, 64);
    const kubelet = { endpoint: 'https-metrics', instance: `10.0.${p % 250}.${(p * 7) % 250}:10250`, job: 'kubelet', metrics_path: '/metrics/cadvisor', namespace: ns, node, pod, service: 'kubelet' };
    const container = { ...kubelet, container: 'app', id: `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${uid}.slice/cri-containerd-${cid}.scope`, image: `registry.example.com/${ns}/${workload}:1.24.${p % 10}`, name: cid };
    const netns = { ...kubelet, id: `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${uid}.slice`, interface: 'eth0' };
    const ksm = { container: 'app', endpoint: 'http', instance: '10.0.3.17:8080', job: 'kube-state-metrics', namespace: ns, pod, service: 'kube-state-metrics', uid };
    out.push(
      enc({ __name__: 'container_cpu_usage_seconds_total', ...container, cpu: 'total' }),
      enc({ __name__: 'container_memory_working_set_bytes', ...container }),
      enc({ __name__: 'container_memory_usage_bytes', ...container }),
      enc({ __name__: 'container_network_receive_bytes_total', ...netns }),
      enc({ __name__: 'container_network_transmit_bytes_total', ...netns }),
      enc({ __name__: 'container_network_receive_packets_total', ...netns }),
      enc({ __name__: 'container_network_receive_packets_dropped_total', ...netns }),
      enc({ __name__: 'kube_pod_container_status_restarts_total', ...ksm }),
      enc({ __name__: 'kube_pod_container_resource_limits', ...ksm, node, resource: 'cpu', unit: 'core' }),
      enc({ __name__: 'kube_pod_container_resource_limits', ...ksm, node, resource: 'memory', unit: 'byte' }),
      enc({ __name__: 'kube_pod_container_resource_requests', ...ksm, node, resource: 'cpu', unit: 'core' }),
      enc({ __name__: 'kube_pod_start_time', ...ksm, container: '' }),
      enc({ __name__: 'kube_pod_info', ...ksm, container: '', created_by_kind: 'ReplicaSet', created_by_name: `${workload}-7d4b9c8f6d`, host_ip: '10.0.0.1', node, pod_ip: '10.1.2.3', priority_class: '' }),
    );
  }
  return out;
}

function varint(v: number): number[] {
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return out;
}

/** The varint of a non-negative integer below 2^53 (a timestamp), appended to `out` at `o`; returns the new offset. */
function putVarint(out: Uint8Array, o: number, v: number): number {
  while (v >= 0x80) {
    out[o++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  out[o++] = v;
  return o;
}

/** One TimeSeries (its labels, then `count` samples from `t` every 15 s) appended to `out` at `o`; returns the new offset. */
function putSeries(out: Uint8Array, o: number, labels: Uint8Array, t: number, v: number, f64: DataView, count = 1): number {
  const sampleLen = 1 + 8 + 1 + putVarint(new Uint8Array(10), 0, t);
  const body = labels.length + count * (2 + sampleLen);
  out[o++] = 0x0a;
  o = putVarint(out, o, body);
  out.set(labels, o);
  o += labels.length;
  for (let k = 0; k < count; k++) {
    out[o++] = 0x12;
    out[o++] = sampleLen;
    out[o++] = 0x09;
    f64.setFloat64(o, v + k, true);
    o += 8;
    out[o++] = 0x10;
    o = putVarint(out, o, t + k * SCRAPE_MS);
  }
  return o;
}

/** Per shard, per round, the batches (snappy bodies) of at most `perSend` samples. */
export function shardBatches(series: Uint8Array[], rounds: number, perSend: number, shards = SHARDS): Uint8Array[][][] {
  const byShard: number[][] = Array.from({ length: shards }, () => []);
  series.forEach((s, i) => byShard[hashBytes(new DataView(s.buffer, s.byteOffset, s.byteLength), 0, s.length) % shards].push(i));
  const scratch = new Uint8Array(perSend * 600);
  const f64 = new DataView(scratch.buffer);
  return byShard.map((ids) => Array.from({ length: rounds }, (_, r) => {
    const t = T0 + r * SCRAPE_MS;
    const batches: Uint8Array[] = [];
    for (let i = 0; i < ids.length; i += perSend) {
      let o = 0;
      for (const id of ids.slice(i, i + perSend)) o = putSeries(scratch, o, series[id], t, r * 1000 + (id % 977), f64);
      batches.push(snappyEncode(scratch.subarray(0, o)));
    }
    return batches;
  }));
}

function newSource(extra: Partial<RemoteWriteSourceOptions> = {}, registry?: Registry) {
  return new RemoteWriteSource({
    namespaceRegex: '.*', podLabel: 'pod', rateWindowMs: 60_000, keepMs: 68 * 60_000, maxSeries: 10_000_000, maxSamplesPerSeries: 360, bufferBytes: 32 << 20,
    clock: manualClock(T0 + ROUNDS * SCRAPE_MS), registry, ...extra,
  });
}

const fmt = (n: number) => Math.round(n).toLocaleString('en');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * The shards' sender, a child process (so that kad's CPU time is its own): each shard sends its
 * batches in order, one request at a time, retrying 429s (node:http, keep-alive). It reads the
 * batches from a file: per shard, per batch, a 4-byte length and the body; a zero length ends a shard.
 * Then it writes a line and waits for one on stdin before it sends anything.
 */
const SENDER = `
const http = require('node:http');
const fs = require('node:fs');
const [url, file, minBackoff, maxBackoff] = [process.argv[1], process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const data = fs.readFileSync(file);
const shards = [];
for (let o = 0, cur = []; o < data.length; ) {
  const n = data.readUInt32LE(o);
  o += 4;
  if (n === 0) { shards.push(cur); cur = []; continue; }
  cur.push(data.subarray(o, o + n));
  o += n;
}
const agent = new http.Agent({ keepAlive: true, maxSockets: shards.length });
const u = new URL(url);
let attempts = 0, tooMany = 0, other = 0;
function post(body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent, headers: {
      'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0', 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end(body);
  });
}
async function shard(batches) {
  for (const body of batches) {
    for (let backoff = minBackoff; ; backoff = Math.min(2 * backoff, maxBackoff)) {
      attempts++;
      const status = await post(body);
      if (status === 204) break;
      if (status === 429) tooMany++; else other++;
      await new Promise((res) => setTimeout(res, backoff));
    }
  }
}
process.stdout.write('ready\\n');
process.stdin.once('data', async () => {
  const t0 = performance.now();
  await Promise.all(shards.map(shard));
  agent.destroy();
  process.stdout.write(JSON.stringify({ ms: performance.now() - t0, attempts, tooMany, other }));
});
`;

/** What the sender reports, and the CPU seconds kad's process used from its first request to its report. */
interface Pushed {
  ms: number;
  attempts: number;
  tooMany: number;
  other: number;
  cpu: number;
}

async function push(url: string, shards: Uint8Array[][]): Promise<Pushed> {
  const file = join(mkdtempSync(join(tmpdir(), 'kad-rw-bench-')), 'batches.bin');
  const parts: Uint8Array[] = [];
  const len = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };
  for (const shard of shards) {
    for (const body of shard) parts.push(len(body.length), body);
    parts.push(len(0));
  }
  writeFileSync(file, Buffer.concat(parts));
  try {
    const child = spawn(process.execPath, ['-e', SENDER, url, file, '30', '1000'], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    let c0: NodeJS.CpuUsage | undefined;
    const exited = new Promise<number | null>((resolve, reject) => child.on('error', reject).on('close', resolve));
    const reported = new Promise<number>((resolve) => child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!c0 && out.endsWith('\n')) {
        out = '';
        c0 = process.cpuUsage();
        child.stdin.end('go\n');
      } else if (c0 && out.endsWith('}')) {
        resolve(cpuSeconds(c0));
      }
    }));
    const code = await exited;
    if (code !== 0 || !c0) throw new Error(`the sender exited with ${code}: ${out}`);
    return { ...(JSON.parse(out) as Omit<Pushed, 'cpu'>), cpu: await reported };
  } finally {
    rmSync(dirname(file), { recursive: true, force: true });
  }
}

const stubEngine = { status: () => ({}), detect: () => [] } as unknown as Engine;

async function main(): Promise<void> {
  const series = fleet(PODS);
  const labelBytes = series.reduce((a, s) => a + s.length, 0) / series.length;
  console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} CPUs`);
  console.log(`Remote write into kad: ${fmt(PODS)} pods, ${fmt(series.length)} series (${Math.round(labelBytes)} label bytes each on average), ${SHARDS} shards, a sample per series every 15 s`);

  // Memory first, on a clean heap.
  if (ONLY.has(1)) memory(series);
  if (ONLY.has(2)) await decodeAndStore(series);
  if (ONLY.has(3)) await overHttp(series);
  if (ONLY.has(4)) await overload(series);
}

/** CPU seconds this process used (all threads: GC helpers too) since `from`. */
function cpuSeconds(from: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(from);
  return (c.user + c.system) / 1e6;
}

async function decodeAndStore(series: Uint8Array[]): Promise<void> {
  console.log('\n2. decode + store, in process, one thread; samples per CPU second (the machine may be shared: wall-clock rate beside it)');
  console.log('max_samples_per_send  requests/round  bytes/request  new series/CPU s  samples/CPU s (median round)  samples/s wall  MB/CPU s compressed');
  for (const perSend of [500, 2000]) {
    const batches = shardBatches(series, ROUNDS + 1, perSend);
    const rounds = Array.from({ length: ROUNDS + 1 }, (_, r) => batches.flatMap((shard) => shard[r]));
    const source = newSource();
    const c0 = process.cpuUsage();
    for (const b of rounds[0]) source.ingest(b);
    const createCpu = cpuSeconds(c0);
    const cpuRates: number[] = [];
    const wallRates: number[] = [];
    let bytes = 0;
    for (let r = 1; r <= ROUNDS; r++) {
      const c = process.cpuUsage();
      const t = performance.now();
      let stored = 0;
      for (const b of rounds[r]) stored += source.ingest(b).stored;
      cpuRates.push(stored / cpuSeconds(c));
      wallRates.push(stored / ((performance.now() - t) / 1000));
      if (stored !== series.length) throw new Error(`round ${r}: stored ${stored} of ${series.length}`);
      bytes = rounds[r].reduce((a, b) => a + b.length, 0);
    }
    const rate = median(cpuRates);
    console.log(`${String(perSend).padStart(21)}  ${String(rounds[1].length).padStart(14)}  ${fmt(bytes / rounds[1].length).padStart(13)}  ${fmt(series.length / createCpu).padStart(16)}  ` +
      `${fmt(rate).padStart(28)}  ${fmt(median(wallRates)).padStart(14)}  ${((rate * bytes) / series.length / 1e6).toFixed(1).padStart(19)}`);
    if (perSend === 500) {
      const c = process.cpuUsage();
      const snap = await source.current(T0 + ROUNDS * SCRAPE_MS);
      console.log(`   current(): a snapshot of ${fmt(snap.pods.length)} pods from the rings in ${(cpuSeconds(c) * 1000).toFixed(0)} CPU ms`);
    }
  }
}

async function overHttp(series: Uint8Array[]): Promise<void> {
  console.log('\n3. the same over HTTP (POST /api/v1/write): kad\'s fastify server in this process, the shards pushing from another');
  const warmHead = `after ${WARMUP} retried rounds`;
  console.log(`max_samples_per_send  samples/s (wall)  samples/kad CPU s: first rounds  ${warmHead}  429s`);
  for (const perSend of [500, 2000]) {
    const batches = shardBatches(series, 2 * ROUNDS + 1, perSend);
    const registry = new Registry();
    const source = newSource({}, registry);
    const app = await buildServer({ engine: stubEngine, telemetry: createTelemetry(registry), version: 'bench', remoteWrite: source });
    const url = `${await app.listen({ host: '127.0.0.1', port: 0 })}/api/v1/write`;
    const stored = async () => Number(/result="stored"} (\d+)/.exec(await registry.metrics())?.[1]);
    await push(url, batches.map((shard) => shard[0]));
    const first = await push(url, batches.map((shard) => shard.slice(1, ROUNDS + 1).flat()));
    // Retries of the first round: decoded and looked up, nothing stored (not newer than each series' newest).
    const before = await stored();
    await push(url, batches.map((shard) => Array.from({ length: WARMUP }, () => shard[0]).flat()));
    if ((await stored()) !== before) throw new Error('the retried rounds stored samples');
    const warm = await push(url, batches.map((shard) => shard.slice(ROUNDS + 1).flat()));
    const samples = series.length * ROUNDS;
    console.log(`${String(perSend).padStart(21)}  ${fmt(samples / (warm.ms / 1000)).padStart(16)}  ${fmt(samples / first.cpu).padStart(31)}  ` +
      `${fmt(samples / warm.cpu).padStart(warmHead.length)}  ${String(first.tooMany + warm.tooMany).padStart(4)}`);
    await app.close();
  }
}

async function overload(series: Uint8Array[]): Promise<void> {
  console.log('\n4. overload: 64 shards pushing as fast as they can into a 1 MiB buffer (KAD_REMOTE_WRITE_BUFFER_BYTES), retrying 429s');
  {
    const registry = new Registry();
    const source = newSource({ bufferBytes: 1 << 20 }, registry);
    const app = await buildServer({ engine: stubEngine, telemetry: createTelemetry(registry), version: 'bench', remoteWrite: source });
    const url = `${await app.listen({ host: '127.0.0.1', port: 0 })}/api/v1/write`;
    const many = shardBatches(series, 3, 500, 64);
    const r = await push(url, many.map((shard) => shard.flat()));
    const text = await registry.metrics();
    const count = (labels: string) => Number(/ (\d+)$/.exec(text.split('\n').find((l) => l.includes(labels)) ?? '')?.[1] ?? NaN);
    const stored = count('anomaly_detector_remote_write_samples_total{result="stored"}');
    const requests = many.reduce((a, s) => a + s.flat().length, 0);
    console.log(`   ${fmt(requests)} requests took ${fmt(r.attempts)} attempts: ${fmt(r.tooMany)} answered 429 (${((r.tooMany / r.attempts) * 100).toFixed(0)}%), ${r.other} other errors; ` +
      `rejected_total{reason="buffer_full"} ${count('reason="buffer_full"')}`);
    console.log(`   once the shards had retried: ${fmt(stored)} of ${fmt(series.length * 3)} samples stored${stored === series.length * 3 ? ', none lost, none twice' : ' — SAMPLES LOST'} (${fmt(r.ms)} ms)`);
    await app.close();
  }

}

function memory(series: Uint8Array[]): void {
  console.log('\n1. memory per series with a full window (272 samples: 68 minutes at 15 s)');
  {
    gc?.();
    gc?.();
    const used = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    const before = used();
    const source = newSource();
    const some = series.slice(0, 10_000);
    // Each request: 100 series with the whole window each (fewer, larger requests than Prometheus's; the same rings).
    const scratch = new Uint8Array(100 * (600 + 272 * 22));
    const f64 = new DataView(scratch.buffer);
    for (let i = 0; i < some.length; i += 100) {
      let o = 0;
      for (const s of some.slice(i, i + 100)) o = putSeries(scratch, o, s, T0 + ROUNDS * SCRAPE_MS - 271 * SCRAPE_MS, 1, f64, 272);
      source.ingest(snappyEncode(scratch.subarray(0, o)));
    }
    gc?.();
    const st = source.stats();
    const heap = used() - before;
    console.log(`   ${fmt(st.series)} series: rings and label bytes ${fmt(st.bytes / st.series)} B/series; ` +
      (gc ? `heap + array buffers ${fmt(heap / st.series)} B/series (${(heap / 2 ** 20).toFixed(0)} MiB; ${((heap / st.series) * 13 * 10_000 / 2 ** 30).toFixed(2)} GiB per 10,000 pods of 13 series)` : 'run with node --expose-gc for the heap figure'));
  }
}

if (!process.env.BENCH_NO_MAIN) await main();
