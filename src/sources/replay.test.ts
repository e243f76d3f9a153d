import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readPodRecordings, ReplaySource } from './replay.js';

const MIN = 60_000;
const T0 = Date.UTC(2022, 7, 22, 10, 0, 19, 800);
const HEADER = 'Time,TimeStamp,PodName,CpuUsage(m),CpuUsageRate(%),MemoryUsage(Mi),MemoryUsageRate(%),NetworkReceiveBytes,NetworkTransmitBytes,PodSuccessRate(%)';
const go = (t: number, i: number) => `${new Date(t).toISOString().slice(0, 23).replace('T', ' ')}158889 +0000 UTC m=+${(i * 60.01).toFixed(6)}`;

/**
 * A Nezha day folder: `frontend-579b9bff58-t2dbm` with 30 rows a minute apart (a few ms of jitter),
 * `cartservice-579f59597d-wc2lz` with rows 0–9 and 20–29 (a 10-minute hole), plus a mesh file.
 */
function writeNezha(root: string): string {
  const m = join(root, '2022-08-22', 'metric');
  mkdirSync(m, { recursive: true });
  for (const pod of ['frontend-579b9bff58-t2dbm', 'cartservice-579f59597d-wc2lz']) {
    const lines = [HEADER];
    for (let i = 0; i < 30; i++) {
      if (pod.startsWith('cart') && i >= 10 && i < 20) continue;
      const t = T0 + i * MIN + (i % 3) * 7;
      // 5 m of CPU at 25% of the limit (20 m); 16 Mi at 12.5% of 128 Mi.
      lines.push(`${go(t, i)},${1861140279 + i * 60},${pod},${5 + i},${(5 + i) / 0.2},16,12.5,${1000 * i},${2000 * i},100`);
    }
    writeFileSync(join(m, `${pod}_metric.csv`), lines.join('\n') + '\n');
  }
  writeFileSync(join(m, 'source_50.csv'), 'time,timestamp,frontend_cartservice\n2022-08-22 10:00:20,1,0.1\n');
  return m;
}

describe('ReplaySource', () => {
  const root = mkdtempSync(join(tmpdir(), 'kad-replay-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const metric = writeNezha(root);

  it('reads Nezha pod files as PodSamples: cores, bytes, network, limits from usage rates, workload from the pod name', () => {
    for (const dir of [root, join(root, '2022-08-22'), metric]) {
      const recs = readPodRecordings(dir);
      expect(recs.map((r) => r.ref)).toEqual([
        { namespace: 'default', pod: 'cartservice-579f59597d-wc2lz', workload: 'cartservice' },
        { namespace: 'default', pod: 'frontend-579b9bff58-t2dbm', workload: 'frontend' },
      ]);
    }
    const [, fe] = readPodRecordings(root, 'nezha', 'shop');
    expect(fe.ref.namespace).toBe('shop');
    expect(fe.times[1]).toBe(T0 + MIN + 7);
    const s = fe.samples[2];
    expect(s.cpu).toBeCloseTo(0.007, 12);
    expect(s.cpuLimit).toBeCloseTo(0.02, 12);
    expect(s.memory).toBe(16 * 2 ** 20);
    expect(s.memoryLimit).toBe(128 * 2 ** 20);
    expect([s.rxBytes, s.txBytes, s.restarts]).toEqual([2000, 4000, 0]);
    expect(Number.isNaN(s.rxPackets) && Number.isNaN(s.rxDropped)).toBe(true);
  });

  it('snaps rows to the step grid with a 5-minute staleness, as a Prometheus range query does, and leaves out empty steps', async () => {
    const src = new ReplaySource({ dir: root, stepMs: MIN });
    const snaps = [...src.snapshots()];
    // Rows at 10:00:19.8 … 10:29:19.8 → grid 10:01 … 10:30 (the last row is still fresh at 10:30).
    expect(snaps[0].t).toBe(Date.UTC(2022, 7, 22, 10, 1));
    expect(snaps).toHaveLength(30);
    const at = (t: number) => snaps.find((s) => s.t === t)!.pods.map((p) => p.ref.pod.split('-')[0]);
    // The cart pod's last row before its hole is at 10:09:19.8: seen until 10:14, stale from 10:15 to 10:20.
    expect(at(Date.UTC(2022, 7, 22, 10, 14))).toEqual(['cartservice', 'frontend']);
    expect(at(Date.UTC(2022, 7, 22, 10, 15))).toEqual(['frontend']);
    expect(at(Date.UTC(2022, 7, 22, 10, 21))).toEqual(['cartservice', 'frontend']);
    // Each step holds each pod's latest row at or before it.
    expect(snaps[4].pods[1].cpu).toBeCloseTo(0.009, 12);
    // Range and instant queries answer the same; steps with no pod (after the recording) are left out.
    const h = await src.history(Date.UTC(2022, 7, 22, 10, 28), Date.UTC(2022, 7, 22, 11, 0), MIN);
    expect(h.map((s) => s.t)).toEqual([28, 29, 30, 31, 32, 33, 34].map((m) => Date.UTC(2022, 7, 22, 10, m)));
    expect(h[0]).toEqual(snaps[snaps.length - 3]);
    expect((await src.current(Date.UTC(2022, 7, 22, 12))).pods).toEqual([]);
  });

  it('shifts the recording to start at startAt (kad serve plays it as if it had started a training window ago)', async () => {
    const start = Date.UTC(2030, 0, 1);
    const src = new ReplaySource({ dir: metric, stepMs: MIN, startAt: start });
    expect(src.span()).toEqual({ start, end: start + 29 * MIN + 14 });
    expect((await src.current(start + 4 * MIN + 10)).pods.map((p) => Math.round(p.cpu * 1000))).toEqual([9, 9]);
  });

  it('reads per-pod CSV exports with documented columns (any case, with or without _), missing ones NaN, restarts 0', () => {
    const dir = join(root, 'export');
    mkdirSync(dir);
    const rows = (f: (i: number) => string) => Array.from({ length: 5 }, (_, i) => `${Math.floor(T0 / 1000) + i * 60},${f(i)}`).join('\n');
    writeFileSync(join(dir, 'web-7d4b9c8f6d-x2k9p.csv'), `timestamp,cpu,Memory,rxBytes,TX_BYTES,cpu_limit,restarts,other\n${rows((i) => `0.5,1e8,${i},2,1,${i > 2 ? 1 : 0},7`)}\n`);
    writeFileSync(join(dir, 'redis-0.csv'), `time,cpu\n${rows(() => '0.1')}\n`);
    const [redis, web] = readPodRecordings(dir);
    expect(redis.ref).toEqual({ namespace: 'default', pod: 'redis-0', workload: 'redis' });
    expect(redis.samples[0]).toMatchObject({ cpu: 0.1, restarts: 0 });
    expect(Number.isNaN(redis.samples[0].memory) && Number.isNaN(redis.samples[0].memoryLimit)).toBe(true);
    expect(web.ref.workload).toBe('web');
    expect(web.samples[4]).toMatchObject({ cpu: 0.5, memory: 1e8, rxBytes: 4, txBytes: 2, cpuLimit: 1, restarts: 1 });
    expect(web.times[4]).toBe((Math.floor(T0 / 1000) + 240) * 1000); // epoch seconds in the file
    writeFileSync(join(dir, 'bad.csv'), `timestamp,memory\n${rows(() => '1')}\n`);
    expect(() => readPodRecordings(dir)).toThrow(/bad\.csv:1: no "cpu" column/);
  });

  it('with mesh, reads the mesh side of each pod (request rate, latency into its service, the frontend\'s errors, missing callees) and the call graph', async () => {
    const m = join(root, 'mesh', '2022-08-22', 'metric');
    mkdirSync(m, { recursive: true });
    const head = 'Time,TimeStamp,PodName,CpuUsage(m),CpuUsageRate(%),MemoryUsage(Mi),MemoryUsageRate(%),NetworkReceiveBytes,NetworkTransmitBytes,PodServerLatencyP99(s),PodWorkload(Ops),PodSuccessRate(%)';
    for (const pod of ['frontend-579b9bff58-t2dbm', 'cartservice-579f59597d-wc2lz']) {
      const rows = [0, 1, 2].map((i) => `${go(T0 + i * MIN, i)},1,${pod},5,25,16,12.5,1000,2000,${0.01 * (i + 1)},${4 + i},0`);
      writeFileSync(join(m, `${pod}_metric.csv`), [head, ...rows].join('\n') + '\n');
    }
    const minute = (i: number) => `${go(T0 + i * MIN + 200, i)},1`;
    // Calls into cartservice from two callers (the second's missing in minute 1); the frontend's from front_service.
    writeFileSync(join(m, 'source_50.csv'), `time,timestamp,frontend_cartservice,checkoutservice_cartservice,frontend_checkoutservice\n${minute(0)},0.002,0.004,0.3\n${minute(1)},0.003,,0.3\n`);
    writeFileSync(join(m, 'front_service.csv'), `Time,TimeStamp,ServiceName,SuccessRate(%),LatencyP50(s),LatencyP99(s)\n${minute(0)},Frontend,100,0.2,1\n${minute(1)},Frontend,90,0.25,1\n`);
    writeFileSync(join(m, 'dependency.csv'), 'Source,Target,Weight\nfrontend,cartservice,1\ncheckoutservice,cartservice,1\ncartservice,33.33.33.80,1\n');
    const [cart, fe] = readPodRecordings(m, 'nezha', 'default', true);
    expect(cart.samples[0]).toMatchObject({ requestRate: 4, latencyMs: 3 });
    expect(cart.samples[0].latencyP99Ms).toBeCloseTo(10, 9);
    expect(Number.isNaN(cart.samples[0].errorRatio)).toBe(true); // only the frontend's is recorded
    expect(cart.samples[1].latencyMs).toBeCloseTo(3, 9); // the callers that called that minute
    expect(Number.isNaN(cart.samples[2].latencyMs)).toBe(true); // no row for the minute
    expect(fe.samples[1]).toMatchObject({ requestRate: 5, latencyMs: 250 });
    expect(fe.samples[1].errorRatio).toBeCloseTo(0.1, 12);
    // Two minutes of calls: no callee is regular yet (5 of 10 minutes); cartservice calls nothing traced.
    expect(fe.samples.slice(0, 2).map((x) => x.missingCallees)).toEqual([NaN, NaN]);
    expect(Number.isNaN(cart.samples[0].missingCallees)).toBe(true);
    // Without mesh, none of it.
    expect(readPodRecordings(m, 'nezha')[0].samples[0].requestRate).toBeUndefined();
    const src = new ReplaySource({ dir: join(root, 'mesh'), stepMs: MIN, mesh: true });
    expect(await src.callGraph()).toEqual([{ from: 'default/frontend', to: 'default/cartservice' }, { from: 'default/checkoutservice', to: 'default/cartservice' }]);
    expect(await new ReplaySource({ dir: m, stepMs: MIN }).callGraph()).toEqual([]);
  });

  it('says what it expected when the folder holds no per-pod files', () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    expect(() => readPodRecordings(empty)).toThrow(/no per-pod files to replay/);
    expect(() => readPodRecordings(join(root, 'nope'))).toThrow(/no such folder/);
    expect(() => readPodRecordings(metric, 'csv')).toThrow(/_metric\.csv:2: column "Time"/); // not the csv layout
  });
});
