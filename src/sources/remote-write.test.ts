import { readFileSync } from 'node:fs';
import { Registry } from 'prom-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../core/clock.js';
import { InputError, SourceError } from '../core/errors.js';
import type { PodSample } from '../core/samples.js';
import { podKey } from '../core/series.js';
import { SimulatedCluster } from '../simulator/cluster.js';
import { WriteRequestDecoder } from './remote-write-proto.js';
import { REMOTE_WRITE_METRICS } from './remote-write-series.js';
import { RemoteWriteSource, remoteWriteSettings, type RemoteWriteSourceOptions } from './remote-write.js';
import { snappyDecode } from './snappy.js';
import { seriesFromSamples, STALE_NAN, writeRequestBody, type WriteSeries } from './remote-write.testkit.js';
import { SimulatorSource } from './simulator.js';

const MIN = 60_000;
const SCRAPE = 15_000;
const START = Date.UTC(2026, 0, 6, 8, 0, 0);

function source(extra: Partial<RemoteWriteSourceOptions> = {}, clock = manualClock(START)) {
  const registry = new Registry();
  const s = new RemoteWriteSource({
    namespaceRegex: '.*', podLabel: 'pod', rateWindowMs: MIN, keepMs: 75 * MIN, maxSeries: 10_000, maxSamplesPerSeries: 400, bufferBytes: 1 << 20,
    clock, registry, ...extra,
  });
  return { s, clock, registry };
}

/** Prometheus-style batches of at most `per` samples (series split across batches as its shards do). */
function batches(series: WriteSeries[], per = 500): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < series.length; i += per) out.push(writeRequestBody(series.slice(i, i + per)));
  return out;
}

async function metric(registry: Registry, name: string, labels: string): Promise<number> {
  const text = await registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').pop()) : NaN;
}

function relErr(a: number, b: number, floor: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), floor);
}

describe('RemoteWriteSource fed the simulated cluster\'s samples every 15 s for 70 minutes', () => {
  const { s, clock, registry } = source();
  const cluster = new SimulatedCluster({ seed: 4, start: START - 10 * MIN, scenario: { random: false } });
  let pushed = 0;
  let firstBody: Buffer;

  beforeAll(() => {
    for (let t = START; t <= START + 70 * MIN; t += SCRAPE) {
      cluster.advanceTo(t);
      clock.set(t);
      for (const body of batches(seriesFromSamples(cluster.samples(), t))) {
        firstBody ??= body;
        const r = s.ingest(body);
        pushed += r.samples;
        expect(r.outOfOrder + r.tooOld + r.refused).toBe(0);
      }
    }
  });

  it('current(): every live pod, values as the simulator\'s own source derives them', async () => {
    const now = START + 70 * MIN;
    const snap = await s.current(now);
    const truth = await new SimulatorSource(new SimulatedCluster({ seed: 4, start: START - 10 * MIN, scenario: { random: false } })).current(now);
    expect(snap.pods.map((p) => podKey(p.ref))).toEqual(truth.pods.map((p) => podKey(p.ref)).sort());
    const byKey = new Map<string, PodSample>(truth.pods.map((p) => [podKey(p.ref), p]));
    for (const p of snap.pods) {
      const w = byKey.get(podKey(p.ref))!;
      expect(p.ref).toEqual(w.ref);
      for (const k of ['memory', 'restarts', 'cpuLimit', 'memoryLimit', 'cpuRequest'] as const) expect(p[k], `${k} of ${p.ref.pod}`).toBe(w[k]);
      expect(Math.abs(p.startedAt! - w.startedAt!)).toBeLessThan(1000); // kube_pod_start_time is in whole seconds
      expect(relErr(p.cpu, w.cpu, 0.005), `cpu of ${p.ref.pod}`).toBeLessThan(0.25);
      expect(relErr(p.rxBytes, w.rxBytes, 100), `rxBytes of ${p.ref.pod}`).toBeLessThan(0.25);
      expect(Number.isFinite(p.txBytes) && Number.isFinite(p.rxPackets) && Number.isFinite(p.rxDropped)).toBe(true);
    }
  });

  it('history(): a snapshot per step of the window, the first training window', async () => {
    const end = START + 70 * MIN;
    const snaps = await s.history(end - 60 * MIN, end, MIN);
    expect(snaps.map((x) => x.t)).toEqual(Array.from({ length: 61 }, (_, i) => end - 60 * MIN + i * MIN));
    const now = await s.current(end);
    expect(snaps.at(-1)).toEqual(now);
    expect(snaps[0].pods.length).toBeGreaterThanOrEqual(20);
  });

  it('a window before the first sample is empty (the engine\'s warm-up), one reaching now with too little history says so', async () => {
    expect(await s.history(START - 24 * 60 * MIN, START - 1, MIN)).toEqual([]);
    clock.set(START + 70 * MIN);
    await expect(s.history(START + 70 * MIN - 200 * MIN, START + 70 * MIN, MIN)).rejects.toThrow(
      /holds 71 of 200 minutes of history; training starts when 100 minutes have been pushed/,
    );
  });

  it('a retried batch stores nothing twice, and every sample is counted', async () => {
    const r = s.ingest(firstBody);
    expect(r.stored).toBe(0);
    expect(r.outOfOrder).toBe(r.samples - r.unused);
    const sum = ['stored', 'unused', 'out_of_order', 'too_old', 'refused'];
    let total = 0;
    for (const result of sum) total += await metric(registry, 'anomaly_detector_remote_write_samples_total', `result="${result}"`);
    expect(total).toBe(pushed + r.samples);
    expect(await metric(registry, 'anomaly_detector_remote_write_samples_total', 'result="unused"')).toBeGreaterThan(0); // kube_pod_status_ready and others
  });

  it('keeps memory bounded: samples beyond the window are dropped, series and pods that went quiet too', () => {
    const { series, pods, bytes } = s.stats();
    expect(pods).toBeGreaterThanOrEqual(20);
    expect(series).toBeLessThan(pods * 16);
    expect(bytes / series).toBeLessThan(400 * 16 + 200);
  });
});

describe('RemoteWriteSource', () => {
  it('takes a body Prometheus 2.42 sent (Go\'s snappy, its protobuf; a fixture recorded from a real remote_write)', async () => {
    const body = readFileSync(new URL('./fixtures/remote-write/prometheus-2.42.bin', import.meta.url));
    let newest = 0;
    new WriteRequestDecoder().decode(snappyDecode(body, 1 << 20), { series: () => 0, sample: (_h, t) => void (newest = Math.max(newest, t)) });
    const clock = manualClock(newest);
    const { s } = source({}, clock);
    expect(s.ingest(body)).toMatchObject({ series: 72, samples: 72, stored: 72 });
    const pods = (await s.current(newest)).pods;
    expect(pods).toHaveLength(24);
    for (const p of pods) {
      expect(p.memory).toBeGreaterThan(0);
      expect(p.ref.node).toMatch(/^kad-worker-/);
      expect(p.ref.pod.startsWith(`${p.ref.workload}-`)).toBe(true);
    }
  });

  it('the README\'s remote_write example keeps exactly the metrics kad reads', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const regex = /remote_write:[\s\S]*?regex: "?([a-z_|]+)"?/.exec(readme)?.[1];
    expect(regex?.split('|').sort()).toEqual([...REMOTE_WRITE_METRICS].sort());
  });

  const pod = (name: string, ns = 'shop') => ({ namespace: ns, pod: name });
  const ws = (p: { namespace: string; pod: string }, t: number, v: number, container = 'app'): WriteSeries => ({
    labels: { __name__: 'container_memory_working_set_bytes', ...p, container }, samples: [{ t, v }],
  });

  it('reads no series of other namespaces, of the pause container, or without a pod label', async () => {
    const { s } = source({ namespaceRegex: 'shop|pay' });
    const r = s.ingest(writeRequestBody([
      ws(pod('a'), START, 1), ws(pod('b', 'other'), START, 2), ws(pod('c'), START, 3, 'POD'), ws(pod('d'), START, 4, ''),
      { labels: { __name__: 'container_memory_working_set_bytes', namespace: 'shop', container: 'x' }, samples: [{ t: START, v: 5 }] },
    ]));
    expect(r).toMatchObject({ samples: 5, stored: 1, unused: 4 });
    expect((await s.current(START)).pods.map((p) => [p.ref.pod, p.memory])).toEqual([['a', 1]]);
  });

  it('reads a sender that does not put __name__ first, and skips its metrics kad does not read', async () => {
    const { s } = source();
    const body = writeRequestBody([
      { labels: { pod: 'a', namespace: 'shop', container: 'app', __name__: 'container_memory_working_set_bytes' }, samples: [{ t: START, v: 7 }] },
      { labels: { pod: 'a', namespace: 'shop', __name__: 'kube_pod_status_ready' }, samples: [{ t: START, v: 1 }] },
      { labels: { pod: 'a', namespace: 'shop' }, samples: [{ t: START, v: 1 }] }, // no name at all
    ], false);
    expect(s.ingest(body)).toMatchObject({ stored: 1, unused: 2 });
    expect(s.ingest(body)).toMatchObject({ stored: 0, outOfOrder: 1, unused: 2 });
    expect((await s.current(START)).pods.map((p) => p.memory)).toEqual([7]);
  });

  it('sums a pod\'s containers, falls back to usage without a working set, and prefers v2 limits', async () => {
    const { s } = source();
    const t = START;
    s.ingest(writeRequestBody([
      ws(pod('a'), t, 100, 'app'), ws(pod('a'), t, 50, 'sidecar'),
      { labels: { __name__: 'container_memory_usage_bytes', ...pod('b'), container: 'app' }, samples: [{ t, v: 70 }] },
      { labels: { __name__: 'kube_pod_container_resource_limits', ...pod('a'), container: 'app', resource: 'cpu' }, samples: [{ t, v: 2 }] },
      { labels: { __name__: 'kube_pod_container_resource_limits_cpu_cores', ...pod('a'), container: 'app' }, samples: [{ t, v: 9 }] },
      { labels: { __name__: 'kube_pod_container_resource_limits_cpu_cores', ...pod('b'), container: 'app' }, samples: [{ t, v: 3 }] },
      { labels: { __name__: 'kube_pod_info', ...pod('a'), created_by_kind: 'ReplicaSet', created_by_name: 'web-5d8f9c7b6d', node: 'n1' }, samples: [{ t, v: 1 }] },
    ]));
    const pods = (await s.current(t)).pods;
    expect(pods.map((p) => [p.ref, p.memory, p.cpuLimit])).toEqual([
      [{ namespace: 'shop', pod: 'a', workload: 'web', node: 'n1' }, 150, 2],
      [{ namespace: 'shop', pod: 'b', workload: 'b' }, 70, 3],
    ]);
  });

  it('leaves out a pod whose phase is Succeeded or Failed, from the push that says so', async () => {
    const { s } = source();
    const t = START;
    const phase = (p: string, name: string, v: number, at: number) => ({ labels: { __name__: 'kube_pod_status_phase', ...pod(p), phase: name }, samples: [{ t: at, v }] });
    const restarts = (p: string, at: number) => ({ labels: { __name__: 'kube_pod_container_status_restarts_total', ...pod(p), container: 'job' }, samples: [{ t: at, v: 0 }] });
    s.ingest(writeRequestBody([ws(pod('a'), t, 1), restarts('job-x', t), phase('job-x', 'Running', 1, t), phase('job-x', 'Succeeded', 0, t), phase('job-x', 'Failed', 0, t)]));
    expect((await s.current(t)).pods.map((p) => p.ref.pod)).toEqual(['a', 'job-x']);
    const u = t + MIN;
    s.ingest(writeRequestBody([ws(pod('a'), u, 1), restarts('job-x', u), phase('job-x', 'Running', 0, u), phase('job-x', 'Succeeded', 1, u), phase('job-x', 'Failed', 0, u)]));
    expect((await s.current(u)).pods.map((p) => p.ref.pod)).toEqual(['a']);
  });

  it('a staleness marker ends a series at once; without one it lasts the 5-minute lookback', async () => {
    const { s, clock } = source();
    s.ingest(writeRequestBody([{ ...ws(pod('a'), START, 1), samples: [{ t: START, v: 1 }, { t: START + MIN, v: STALE_NAN }] }, ws(pod('b'), START, 2)]));
    clock.set(START + 2 * MIN);
    expect((await s.current(START + 2 * MIN)).pods.map((p) => p.ref.pod)).toEqual(['b']);
    expect((await s.current(START + 5 * MIN + 1)).pods).toEqual([]);
  });

  it('refuses new series beyond maxSeries (counted), stores the rest, and takes them on retry once old series are dropped', async () => {
    const { s, clock, registry } = source({ maxSeries: 2, keepMs: 10 * MIN });
    expect(s.ingest(writeRequestBody([ws(pod('a'), START, 1), ws(pod('b'), START, 2)])).stored).toBe(2);
    clock.set(START + MIN);
    const retry = writeRequestBody([ws(pod('a'), START + MIN, 1), ws(pod('c'), START + MIN, 3)]);
    expect(s.ingest(retry)).toMatchObject({ stored: 1, refused: 1, seriesRefused: 1 });
    expect(await metric(registry, 'anomaly_detector_remote_write_rejected_total', 'reason="series_limit"')).toBe(1);
    clock.set(START + 10 * MIN + 1); // b's only sample has left the window
    expect(s.ingest(retry)).toMatchObject({ stored: 1, outOfOrder: 1, refused: 0 });
    expect((await s.current(START + MIN)).pods.map((p) => p.ref.pod)).toEqual(['a', 'c']);
    expect(s.seriesCount()).toEqual({ series: 2, max: 2 });
  });

  it('drops samples older than the window, counted as too old', () => {
    const { s } = source({ keepMs: 10 * MIN });
    expect(s.ingest(writeRequestBody([{ ...ws(pod('a'), 0, 0), samples: [{ t: START - 11 * MIN, v: 1 }, { t: START, v: 2 }] }]))).toMatchObject({ tooOld: 1, stored: 1 });
  });

  it('bounds the request bodies in its buffer; one request is always taken', async () => {
    const { s, registry } = source({ bufferBytes: 100 });
    expect(s.admit(500)).toBe(true);
    expect(s.admit(1)).toBe(false);
    s.release(500);
    expect(s.admit(60)).toBe(true);
    expect(s.admit(40)).toBe(true);
    expect(s.admit(1)).toBe(false);
    expect(await metric(registry, 'anomaly_detector_remote_write_rejected_total', 'reason="buffer_full"')).toBe(2);
  });

  it('a body that is not a snappy WriteRequest: InputError, counted as malformed; what came before it is kept', async () => {
    const { s, registry } = source();
    expect(() => s.ingest(Buffer.from('{"not":"snappy"}'))).toThrow(InputError);
    expect(() => s.ingest(Buffer.from(writeRequestBody([ws(pod('a'), START, 1)])).subarray(0, 10))).toThrow(InputError);
    expect(await metric(registry, 'anomaly_detector_remote_write_rejected_total', 'reason="malformed"')).toBe(2);
  });

  it('says what is wrong before anything arrived, and when pushes stop', async () => {
    const { s, clock } = source();
    await expect(s.current(START)).rejects.toThrow(SourceError);
    await expect(s.history(START - MIN, START, MIN)).rejects.toThrow(/received nothing yet: point Prometheus's remote_write at kad's \/api\/v1\/write/);
    s.ingest(writeRequestBody([ws(pod('a'), START, 1)]));
    clock.set(START + 6 * MIN);
    await expect(s.current(START + 6 * MIN)).rejects.toThrow(/no request for 360 s/);
  });

  it('settings from the config: the window covers the lookback, the lookback delta, the rate window and two steps', () => {
    const cfg = { prometheus: { namespaceRegex: 'a', podLabel: 'p', rateWindow: '2m' }, remoteWrite: { maxSeries: 5, maxSamplesPerSeries: 6, bufferBytes: 7 }, training: { queryStepSeconds: 30 } };
    expect(remoteWriteSettings(cfg as never, 60 * MIN)).toEqual({
      namespaceRegex: 'a', podLabel: 'p', rateWindowMs: 2 * MIN, keepMs: (60 + 5 + 2 + 1) * MIN, maxSeries: 5, maxSamplesPerSeries: 6, bufferBytes: 7,
    });
  });
});
