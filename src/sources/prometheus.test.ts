import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.js';
import { ConfigError, SourceError } from '../core/errors.js';
import { shardOf, ShardOwnership } from '../core/shard.js';
import { planPodBatches } from './prometheus-shard.js';
import type { Labels, MatrixSeries, PrometheusApi, VectorSample } from './prometheus-client.js';
import { planBatches, podListQuery, PrometheusSource, prometheusSourceSettings } from './prometheus.js';
import { POD_METRICS, type PodMetric } from './prometheus-queries.js';
import { promqlString, regexLiteral } from './promql.js';
import { recordedMeshNames, recordedNames } from './prometheus-rules.js';
import { MESH_METRICS, type MeshMetric } from './prometheus-mesh.js';
import { workloadOf } from '../core/series.js';

/** The source's settings as the config's defaults give them. */
const SETTINGS = { ...prometheusSourceSettings(loadConfig({ env: {} }).prometheus), recordingRules: 'off' as const };

describe('queries', () => {
  it('lists pods by their memory and restart series, over a range for history', () => {
    // At an instant one selector for both; over a range two (last_over_time drops the metric name).
    expect(podListQuery('namespace=~"a"', 'pod')).toBe('group by (namespace, pod) ({__name__=~"container_memory_working_set_bytes|kube_pod_container_status_restarts_total",namespace=~"a",container!="",container!="POD"})');
    expect(podListQuery('namespace=~"a"', 'pod', undefined, true)).toBe('group by (namespace, pod) (container_memory_usage_bytes{namespace=~"a",container!="",container!="POD"})');
    expect(podListQuery('namespace=~"a"', 'pod', 3600.5)).toBe('group by (namespace, pod) (last_over_time(container_memory_working_set_bytes{namespace=~"a",container!="",container!="POD"}[3601s]))'
      + ' or group by (namespace, pod) (last_over_time(kube_pod_container_status_restarts_total{namespace=~"a"}[3601s]))');
  });

  it('escapes regular expressions and PromQL strings', () => {
    expect(regexLiteral('web-1.example')).toBe('web-1\\.example');
    expect(promqlString('a\\d"b')).toBe('a\\\\d\\"b');
    expect(promqlString(regexLiteral('a.b'))).toBe('a\\\\.b');
  });
});

describe('planBatches', () => {
  const pods = (ns: string, n: number) => Array.from({ length: n }, (_, i) => ({ namespace: ns, pod: `${ns}-p${String(i).padStart(3, '0')}` }));

  it('asks for everything at once when it fits', () => {
    expect(planBatches(pods('a', 2), 10, 'pod', 'namespace=~".*"')).toEqual([{ selector: 'namespace=~".*"', pods: ['a/a-p000', 'a/a-p001'] }]);
  });

  it('packs small namespaces together and splits large ones by pod', () => {
    const all = [...pods('big', 7), ...pods('s1', 2), ...pods('s2', 2), ...pods('s.3', 1)];
    const b = planBatches(all, 3, 'pod', 'namespace=~".*"');
    expect(b[3].pods).toEqual(['s.3/s.3-p000', 's1/s1-p000', 's1/s1-p001']);
    expect(b.map((x) => x.pods.length)).toEqual([3, 3, 1, 3, 2]);
    expect(b.map((x) => x.selector)).toEqual([
      'namespace="big",pod=~"big-p000|big-p001|big-p002"',
      'namespace="big",pod=~"big-p003|big-p004|big-p005"',
      'namespace="big",pod=~"big-p006"',
      'namespace=~"s\\\\.3|s1"',
      'namespace=~"s2"',
    ]);
  });
});

describe('workloadOf', () => {
  it('strips the ReplicaSet hash and a CronJob Job suffix, else guesses from the pod name', () => {
    expect(workloadOf('web-7d4b9c8f6d-x2k9p', 'ReplicaSet', 'web-7d4b9c8f6d')).toBe('web');
    expect(workloadOf('redis-0', 'StatefulSet', 'redis')).toBe('redis');
    expect(workloadOf('backup-28453920-abcde', 'Job', 'backup-28453920')).toBe('backup');
    expect(workloadOf('node-exporter-x2k9p', 'DaemonSet', 'node-exporter')).toBe('node-exporter');
    expect(workloadOf('web-7d4b9c8f6d-x2k9p', undefined, undefined)).toBe('web');
    expect(workloadOf('static-pod', '<none>', '')).toBe('static-pod');
  });
});

/** A pod in the fake cluster; values as functions of time (ms), undefined = no such series. */
interface FakePod {
  namespace: string;
  pod: string;
  from?: number;
  to?: number;
  values: Partial<Record<Exclude<PodMetric, 'info'>, (t: number) => number>>;
  /** container_memory_usage_bytes. */
  usage?: (t: number) => number;
  info?: Labels;
  /** Not (yet) in the recording rules' series. */
  unrecorded?: boolean;
  /** Istio values (the answers of `meshQueries`, prometheus-mesh.ts, and of the mesh rules' series). */
  mesh?: Partial<Record<MeshMetric, (t: number) => number>>;
}

/** Which value a query of `podQueries` (prometheus-queries.ts) asks for, by a string only it contains. */
const MARKERS: [string, PodMetric | 'memoryUsage'][] = [
  ['container_cpu_usage_seconds_total', 'cpu'], ['container_memory_working_set_bytes', 'memory'], ['container_memory_usage_bytes', 'memoryUsage'],
  ['kube_pod_container_status_restarts_total', 'restarts'], ['container_network_receive_bytes_total', 'rxBytes'],
  ['container_network_transmit_bytes_total', 'txBytes'], ['container_network_receive_packets_total', 'rxPackets'],
  ['container_network_receive_packets_dropped_total', 'rxDropped'], ['kube_pod_container_resource_requests', 'cpuRequest'], ['resource="cpu"', 'cpuLimit'],
  ['resource="memory"', 'memoryLimit'], ['kube_pod_start_time', 'startedAt'], ['kube_pod_status_phase', 'finished'], ['kube_pod_info', 'info'],
];

/**
 * A stub of the query API that understands just enough of the source's queries: the pod list, and
 * each of `podQueries` (prometheus-queries.ts) with the selectors {@link planBatches} writes.
 */
class FakeApi implements PrometheusApi {
  calls: { expr: string; start?: number; end?: number; t?: number }[] = [];
  inFlight = 0;
  maxInFlight = 0;
  failOn?: (expr: string) => boolean;
  /** Whether this Prometheus has kad's recorded series (for rate window 1m and pod label `pod`), and how old the newest is (ms). */
  recorded = false;
  recordedAge = 0;
  constructor(private readonly pods: FakePod[]) {}

  protected matching(expr: string): FakePod[] {
    const sel = /\{([^}]*)\}/.exec(expr)![1];
    const ns = /namespace(=~?)"((?:[^"\\]|\\.)*)"/.exec(sel)!;
    const nsRe = new RegExp(`^(?:${ns[2].replace(/\\\\/g, '\\')})$`);
    const podM = /,pod=~"((?:[^"\\]|\\.)*)"/.exec(sel);
    const podRe = podM ? new RegExp(`^(?:${podM[1].replace(/\\\\/g, '\\')})$`) : /.*/;
    return this.pods.filter((p) => (ns[1] === '=' ? p.namespace === ns[2] : nsRe.test(p.namespace)) && podRe.test(p.pod));
  }

  protected alive(p: FakePod, t: number): boolean {
    return (p.from ?? -Infinity) <= t && t <= (p.to ?? Infinity);
  }

  private async enter<T>(expr: string, f: () => T): Promise<T> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((r) => setTimeout(r, 5));
    this.inFlight--;
    if (this.failOn?.(expr)) throw new SourceError(`Prometheus fake failed for query ${expr.slice(0, 20)}`);
    return f();
  }

  async query(expr: string, t: number): Promise<VectorSample[]> {
    this.calls.push({ expr, t });
    return this.enter(expr, () => {
      if (expr.startsWith('max(timestamp(kad_pod:')) {
        // The newest recorded CPU rate of the pods the selector names: none when none of them is recorded.
        const any = this.matching(expr).some((p) => this.alive(p, t) && !p.unrecorded);
        return this.recorded && any && expr.includes(':sum_rate1m{') && expr.includes(',pod!=""') ? [{ metric: {}, t, value: (t - this.recordedAge) / 1000 }] : [];
      }
      if (expr.startsWith('{__name__=~"kad_pod:')) {
        if (!this.recorded) return [];
        const names = recordedNames('1m');
        return this.matching(expr).filter((p) => this.alive(p, t) && !p.unrecorded).flatMap((p) => [...names].flatMap(([name, m]) => {
          const f = m === 'memory' ? p.values.memory ?? p.usage : p.values[m];
          return f ? [{ metric: { __name__: name, namespace: p.namespace, pod: p.pod }, t, value: f(t - this.recordedAge) }] : [];
        }));
      }
      if (expr.startsWith('group by')) {
        const range = /\[(\d+)s\]/.exec(expr);
        const from = range ? t - Number(range[1]) * 1000 : t;
        const usage = expr.includes('container_memory_usage_bytes');
        return this.matching(expr)
          .filter((p) => (usage ? p.usage : p.values.memory ?? p.values.restarts) !== undefined)
          .filter((p) => (p.from ?? -Infinity) <= t && (p.to ?? Infinity) >= from)
          .map((p) => ({ metric: { namespace: p.namespace, pod: p.pod }, t, value: 1 }));
      }
      return this.matching(expr).filter((p) => this.alive(p, t)).flatMap((p) => this.series(p, expr).map(([metric, f]) => ({ metric, t, value: f(t) })));
    });
  }

  async queryRange(expr: string, start: number, end: number, stepMs: number): Promise<MatrixSeries[]> {
    this.calls.push({ expr, start, end });
    return this.enter(expr, () => this.matching(expr).flatMap((p) => this.series(p, expr).map(([metric, f]) => {
      const times: number[] = [];
      for (let t = start; t <= end; t += stepMs) if (this.alive(p, t)) times.push(t);
      return { metric, times: Float64Array.from(times), values: Float64Array.from(times, f) };
    })).filter((s) => s.times.length > 0));
  }

  /** The pod's series answering `expr`: none, or one (the working set and the restarts, by metric name, for their query). */
  private series(p: FakePod, expr: string): [Labels, (t: number) => number][] {
    const base = { namespace: p.namespace, pod: p.pod };
    if (expr.includes('__name__=~"container_memory_working_set_bytes|kube_pod_container_status_restarts_total"')) {
      return (['memory', 'restarts'] as const).flatMap((m): [Labels, (t: number) => number][] => {
        const f = p.values[m];
        return f ? [[{ ...base, __name__: m === 'memory' ? 'container_memory_working_set_bytes' : 'kube_pod_container_status_restarts_total' }, f]] : [];
      });
    }
    const m = MARKERS.find(([marker]) => expr.includes(marker))![1];
    if (m === 'info') return p.info ? [[{ ...base, ...p.info }, () => 1]] : [];
    const f = m === 'memoryUsage' ? p.usage : p.values[m];
    return f ? [[base, f]] : [];
  }

  async close(): Promise<void> {}
}

/**
 * {@link FakeApi} with Istio: each of the five `meshQueries` (told apart by a string only it has) and,
 * when `meshRecorded`, the mesh rules' series and their probe.
 */
class MeshFakeApi extends FakeApi {
  meshRecorded = false;

  override async query(expr: string, t: number): Promise<VectorSample[]> {
    const mesh = (ps: FakePod[], f: (p: FakePod) => [Labels, (t: number) => number][]) => ps.filter((p) => this.alive(p, t)).flatMap((p) => f(p).map(([metric, g]) => ({ metric, t, value: g(t) })));
    if (expr.startsWith('max(timestamp(kad_pod:istio_')) {
      this.calls.push({ expr, t });
      return this.meshRecorded && this.matching(expr).some((p) => p.mesh) ? [{ metric: {}, t, value: t / 1000 }] : [];
    }
    if (expr.startsWith('{__name__=~"kad_pod:istio_')) {
      this.calls.push({ expr, t });
      if (!this.meshRecorded) return [];
      const names = [...recordedMeshNames('istio', '1m')];
      return mesh(this.matching(expr), (p) => names.flatMap(([name, m]) => {
        const g = p.mesh?.[MESH_METRICS[m]];
        return g ? [[{ __name__: name, namespace: p.namespace, pod: p.pod }, g] as [Labels, (t: number) => number]] : [];
      }));
    }
    if (expr.includes('istio_')) {
      this.calls.push({ expr, t });
      const m: MeshMetric = expr.includes('reporter="source"') ? 'missingCallees' : expr.startsWith('histogram_quantile') ? 'latencyP99Ms'
        : expr.includes('_sum') ? 'latencyMs' : expr.includes('response_code') ? 'errorRatio' : 'requestRate';
      return mesh(this.matching(expr), (p) => (p.mesh?.[m] ? [[{ namespace: p.namespace, pod: p.pod }, p.mesh[m]!]] : []));
    }
    return super.query(expr, t);
  }
}

const full = (ns: string, pod: string, extra: Partial<FakePod> = {}): FakePod => ({
  namespace: ns, pod,
  values: {
    cpu: (t) => 0.1 + t / 1e9, memory: () => 100e6, restarts: () => 2, rxBytes: () => 1000, txBytes: () => 2000,
    rxPackets: () => 10, rxDropped: () => 0, cpuLimit: () => 1, memoryLimit: () => 0, cpuRequest: () => 0.25, startedAt: () => 1_600_000_000,
  },
  info: { created_by_kind: 'ReplicaSet', created_by_name: `${pod.split('-')[0]}-5d4f8b9c6d`, node: 'n1' },
  ...extra,
});

describe('PrometheusSource', () => {
  it('current(): one sample per listed pod, NaN for what the cluster lacks', async () => {
    const api = new FakeApi([
      full('shop', 'web-5d4f8b9c6d-abcde'),
      { namespace: 'shop', pod: 'bare-pod', values: { memory: () => 5e6 } },
      { namespace: 'other', pod: 'x-0', values: { memory: () => 1 } },
    ]);
    const src = new PrometheusSource({ ...SETTINGS, api, namespaceRegex: 'shop' });
    const snap = await src.current(1_700_000_000_000);
    expect(snap.t).toBe(1_700_000_000_000);
    expect(snap.pods.map((p) => p.ref.pod)).toEqual(['bare-pod', 'web-5d4f8b9c6d-abcde']);
    const [bare, web] = snap.pods;
    expect(web).toEqual({
      ref: { namespace: 'shop', pod: 'web-5d4f8b9c6d-abcde', workload: 'web', node: 'n1' },
      cpu: 1700.1, memory: 100e6, restarts: 2, rxBytes: 1000, txBytes: 2000, rxPackets: 10, rxDropped: 0,
      cpuLimit: 1, memoryLimit: NaN, cpuRequest: 0.25, startedAt: 1_600_000_000_000,
    });
    expect(bare.ref).toEqual({ namespace: 'shop', pod: 'bare-pod', workload: 'bare-pod' });
    for (const k of ['cpu', 'restarts', 'rxBytes', 'txBytes', 'rxPackets', 'rxDropped', 'cpuLimit', 'memoryLimit'] as const) expect(bare[k]).toBeNaN();
    expect(bare.startedAt).toBeUndefined();
    expect(bare.cpuRequest).toBeUndefined();
    expect(src.lastStats()).toMatchObject({ pods: 2, batches: 1, requests: 1 + POD_METRICS.length - 1 }); // a listing; the restarts come with the working set
    expect(api.calls[1].expr).toContain('namespace=~"shop"');
  });

  it('leaves out pods whose phase is Succeeded or Failed (a Job\'s pod kept after its run, listed by its restart series); in history from the step it finished', async () => {
    // kube-state-metrics: kube_pod_status_phase{phase="Succeeded"} 1 once the pod finished (the query
    // asks for the Succeeded and Failed series and takes their max); the container series go, the restarts stay.
    const job: FakePod = {
      namespace: 'batch', pod: 'report-28390560-x7k2p',
      values: { memory: (t) => (t < 120_000 ? 50e6 : NaN), restarts: () => 0, finished: (t) => (t < 120_000 ? 0 : 1) },
      info: { created_by_kind: 'Job', created_by_name: 'report-28390560' },
    };
    const api = new FakeApi([full('batch', 'web-5d4f8b9c6d-abcde'), job]);
    const src = new PrometheusSource({ ...SETTINGS, api, staticRefreshMs: 0 });
    expect((await src.current(60_000)).pods.map((p) => p.ref.pod)).toEqual(['report-28390560-x7k2p', 'web-5d4f8b9c6d-abcde']);
    expect((await src.current(180_000)).pods.map((p) => p.ref.pod)).toEqual(['web-5d4f8b9c6d-abcde']);
    const hist = await src.history(0, 240_000, 60_000);
    expect(hist.map((s) => s.pods.length)).toEqual([2, 2, 1, 1, 1]);
    expect(api.calls.some((c) => c.expr.includes('kube_pod_status_phase') && c.expr.includes('phase=~"Succeeded|Failed"'))).toBe(true);
  });

  it('batches large clusters with bounded concurrency and merges the answers', async () => {
    const pods = [
      ...Array.from({ length: 23 }, (_, i) => full('big', `api-5d4f8b9c6d-p${i}`)),
      ...Array.from({ length: 9 }, (_, i) => full(`ns${i}`, `db-${i}`)),
    ];
    const api = new FakeApi(pods);
    const src = new PrometheusSource({ ...SETTINGS, api, batchSize: 5, concurrency: 3 });
    const snap = await src.current(1_000);
    expect(snap.pods).toHaveLength(32);
    expect(api.maxInFlight).toBeLessThanOrEqual(3);
    expect(api.maxInFlight).toBeGreaterThan(1);
    const { batches } = src.lastStats();
    expect(batches).toBe(5 + 2); // big: 5+5+5+5+3; nine 1-pod namespaces: 5 + 4
  });

  it('history(): one snapshot per step; pods come and go; long ranges are split without overlap', async () => {
    const step = 60_000;
    const start = 1_700_000_040_000; // a multiple of the step
    const api = new FakeApi([
      full('shop', 'old-0', { to: start + 10 * step }),
      full('shop', 'new-0', { from: start + 5 * step }),
      full('shop', 'all-0'),
    ]);
    const src = new PrometheusSource({ ...SETTINGS, api, maxPointsPerRequest: 3 * 7 }); // 3 pods: 7 points per request
    const snaps = await src.history(start, start + 20 * step, step);
    expect(snaps).toHaveLength(21);
    expect(snaps.map((s) => s.t)).toEqual(Array.from({ length: 21 }, (_, i) => start + i * step));
    expect(snaps[0].pods.map((p) => p.ref.pod)).toEqual(['all-0', 'old-0']);
    expect(snaps[7].pods.map((p) => p.ref.pod)).toEqual(['all-0', 'new-0', 'old-0']);
    expect(snaps[20].pods.map((p) => p.ref.pod)).toEqual(['all-0', 'new-0']);
    expect(snaps[20].pods[0].cpu).toBeCloseTo(0.1 + (start + 20 * step) / 1e9, 9);
    const ranges = [...new Set(api.calls.filter((c) => c.start !== undefined).map((c) => `${c.start}-${c.end}`))].map((r) => r.split('-').map(Number));
    expect(api.calls.length).toBe(1 + 3 * (POD_METRICS.length - 1)); // the restarts come with the working set
    expect(ranges).toEqual([[start, start + 6 * step], [start + 7 * step, start + 13 * step], [start + 14 * step, start + 20 * step]]);
    expect(api.calls[0].expr).toContain('[1500s]'); // 20 min + 5 min of lookback
  });

  it('aligns steps to multiples of the step, and lists long ranges window by window', async () => {
    const step = 60_000;
    const api = new FakeApi([full('a', 'early-0', { to: 30 * step }), full('a', 'late-0', { from: 200 * step })]);
    const src = new PrometheusSource({ ...SETTINGS, api });
    const snaps = await src.history(0.5 * step, 300.2 * step, step);
    expect(snaps[0].t).toBe(step);
    expect(snaps.at(-1)!.t).toBe(300 * step);
    expect(snaps.map((s) => s.t % step).every((r) => r === 0)).toBe(true);
    const lists = api.calls.filter((c) => c.expr.startsWith('group by') && !c.expr.includes('usage')); // (an empty window also asks by usage)
    expect(lists.map((c) => c.t! / step)).toEqual([300, 180, 60]);
    expect(lists.map((c) => /\[(\d+)s\]/.exec(c.expr)![1])).toEqual(['7500', '7500', '3840']);
    expect(snaps.find((s) => s.t === 10 * step)!.pods.map((p) => p.ref.pod)).toEqual(['early-0']);
    expect(snaps.at(-1)!.pods.map((p) => p.ref.pod)).toEqual(['late-0']);
  });

  it('leaves out steps with no data, and needs a positive step', async () => {
    const step = 60_000;
    const api = new FakeApi([full('a', 'p-0', { from: 5 * step })]);
    const snaps = await new PrometheusSource({ ...SETTINGS, api }).history(0, 9 * step, step);
    expect(snaps.map((s) => s.t / step)).toEqual([5, 6, 7, 8, 9]);
    await expect(new PrometheusSource({ ...SETTINGS, api }).history(0, 1, 0)).rejects.toThrow(/positive/);
    expect(await new PrometheusSource({ ...SETTINGS, api }).history(10, 0, step)).toEqual([]);
  });

  it('fails the whole call with the first batch error and stops the others', async () => {
    const api = new FakeApi(Array.from({ length: 40 }, (_, i) => full('big', `p-${i}`)));
    api.failOn = (e) => e.includes('p-10|');
    const src = new PrometheusSource({ ...SETTINGS, api, batchSize: 5, concurrency: 2 });
    await expect(src.current(0)).rejects.toThrow(/Prometheus fake failed/);
    expect(api.calls.length).toBeLessThan(1 + 2 * POD_METRICS.length);
  });

  it('falls back to container_memory_usage_bytes where there is no working set', async () => {
    const api = new FakeApi([{ namespace: 'a', pod: 'p-0', values: { cpu: () => 0.5 }, usage: () => 7e6 }]);
    const src = new PrometheusSource({ ...SETTINGS, api });
    const snap = await src.current(0);
    expect(snap.pods.map((p) => [p.ref.pod, p.memory, p.cpu])).toEqual([['p-0', 7e6, 0.5]]);
    const hist = await src.history(0, 120_000, 60_000);
    expect(hist.map((s) => s.pods[0].memory)).toEqual([7e6, 7e6, 7e6]);
  });

  it('re-reads limits, requests, start time and owner only for new pods, or after staticRefreshMs', async () => {
    const pods = [full('a', 'web-5d4f8b9c6d-aaaaa'), full('a', 'web-5d4f8b9c6d-bbbbb')];
    const api = new FakeApi(pods);
    const src = new PrometheusSource({ ...SETTINGS, api, staticRefreshMs: 60_000 });
    const first = await src.current(0);
    expect(src.lastStats().requests).toBe(POD_METRICS.length);
    const again = await src.current(30_000);
    expect(src.lastStats().requests).toBe(POD_METRICS.length - 6); // without the six static queries
    expect(again.pods.map((p) => [p.ref, p.cpuLimit, p.memoryLimit, p.startedAt])).toEqual(first.pods.map((p) => [p.ref, p.cpuLimit, p.memoryLimit, p.startedAt]));
    pods.push(full('a', 'web-5d4f8b9c6d-ccccc'));
    const grown = await src.current(40_000);
    expect(src.lastStats().requests).toBe(POD_METRICS.length);
    expect(grown.pods[2].ref.workload).toBe('web');
    await src.current(50_000);
    expect(src.lastStats().requests).toBe(POD_METRICS.length - 6); // without the six static queries
    await src.current(100_000 + 1);
    expect(src.lastStats().requests).toBe(POD_METRICS.length);
    const always = new PrometheusSource({ ...SETTINGS, api, staticRefreshMs: 0 });
    await always.current(0);
    await always.current(1);
    expect(always.lastStats().requests).toBe(POD_METRICS.length);
  });

  it('recording rules (KAD_RECORDING_RULES): with auto, read when Prometheus has them, one query per batch, the same samples; looked for again every staticRefreshMs', async () => {
    const pods = Array.from({ length: 12 }, (_, i) => full(`ns-${i % 3}`, `web-5d4f8b9c6d-${'abcdefghijkl'[i]}xxxx`));
    pods.push({ namespace: 'ns-0', pod: 'old-0', values: { cpu: () => 0.5 }, usage: () => 7e6 }); // no working set: the rule's usage
    const raw = new PrometheusSource({ ...SETTINGS, api: new FakeApi(pods), batchSize: 5 });
    const api = new FakeApi(pods);
    api.recorded = true;
    const reading: boolean[] = [];
    const src = new PrometheusSource({ ...SETTINGS, api, batchSize: 5, recordingRules: 'auto', staticRefreshMs: 60_000, onRecordedSeries: (r) => reading.push(r) });
    const want = await raw.current(0);
    const got = await src.current(0);
    expect(got).toEqual(want);
    const batches = src.lastStats().batches;
    expect(batches).toBe(3);
    expect(raw.lastStats().requests - src.lastStats().requests).toBe(5 * batches - 1); // the six are one; one look for the rules
    api.calls = [];
    expect(await src.current(30_000)).toEqual(await raw.current(30_000));
    // The listing, one selector per batch, and the check that the rules are still evaluated.
    expect(api.calls.map((c) => c.expr.slice(0, 20))).toEqual(['group by (namespace,', ...Array(batches).fill('{__name__=~"kad_pod:'), 'max(timestamp(kad_po']);
    // The rules stop being evaluated: their last values linger, are seen to be old, and every pod is asked the six queries.
    api.recordedAge = 200_000;
    expect(await src.current(35_000)).toEqual(await raw.current(35_000));
    api.recordedAge = 0;
    // A pod the rules have not evaluated yet: asked the six queries in the same call.
    const fresh = { ...full('ns-1', 'api-7c9d8e6f5a-zzzzz'), unrecorded: true };
    pods.push(fresh);
    api.calls = [];
    expect(await src.current(40_000)).toEqual(await raw.current(40_000));
    expect(api.calls.filter((c) => c.expr.includes('rate(container_cpu_usage_seconds_total') && c.expr.includes('api-7c9d8e6f5a-zzzzz'))).toHaveLength(1);
    // The rules go away: every pod is asked the six queries at once, and the rules are looked for at the next call.
    api.recorded = false;
    expect(await src.current(45_000)).toEqual(await raw.current(45_000));
    api.calls = [];
    expect(await src.current(46_000)).toEqual(await raw.current(46_000));
    expect(api.calls.filter((c) => c.expr.startsWith('max(timestamp(kad_pod:'))).toHaveLength(1);
    expect(src.lastStats().requests).toBe(1 + 1 + 6 * batches); // listing, the look, six per batch
    expect(reading).toEqual([true, true, false]); // told at each look: at the start, after the old values, after the rules went away
  });

  it('recording rules: the per-call check that they are still evaluated asks about pods that had recorded values, not a first batch of new pods', async () => {
    // Namespace "aa" sorts first: its pods make the first batch, and the rules have not evaluated them yet.
    const pods = [
      ...Array.from({ length: 5 }, (_, i) => ({ ...full('aa', `new-5d4f8b9c6d-${'abcde'[i]}xxxx`), unrecorded: true })),
      ...Array.from({ length: 5 }, (_, i) => full('bb', `web-5d4f8b9c6d-${'abcde'[i]}xxxx`)),
    ];
    const raw = new PrometheusSource({ ...SETTINGS, api: new FakeApi(pods), batchSize: 5 });
    const api = new FakeApi(pods);
    api.recorded = true;
    const src = new PrometheusSource({ ...SETTINGS, api, batchSize: 5, recordingRules: 'auto', staticRefreshMs: 60_000 });
    expect(await src.current(0)).toEqual(await raw.current(0));
    api.calls = [];
    expect(await src.current(30_000)).toEqual(await raw.current(30_000));
    const probes = api.calls.filter((c) => c.expr.startsWith('max(timestamp(kad_pod:'));
    expect(probes).toHaveLength(1);
    expect(probes[0].expr).toMatch(/namespace=~?"bb"/);
    expect(probes[0].expr).not.toContain('aa');
    // The rules stop: their last values linger, the check on bb's pods sees them old, and every pod is asked the six queries.
    api.recordedAge = 200_000;
    expect(await src.current(35_000)).toEqual(await raw.current(35_000));
  });

  it('recording rules: a listed pod with no memory value by name either (a completed Job\'s pod, listed by its restarts) is asked by name once per staticRefreshMs, not at every call', async () => {
    const done: FakePod = {
      namespace: 'bb', pod: 'report-28391540-x7k2q', values: { restarts: () => 0, startedAt: () => 1_600_000_000 },
      info: { created_by_kind: 'Job', created_by_name: 'report-28391540', node: 'n1' },
    };
    const pods = [...Array.from({ length: 4 }, (_, i) => full('bb', `web-5d4f8b9c6d-${'abcd'[i]}xxxx`)), done];
    const raw = new PrometheusSource({ ...SETTINGS, api: new FakeApi(pods), batchSize: 5 });
    const api = new FakeApi(pods);
    api.recorded = true;
    const src = new PrometheusSource({ ...SETTINGS, api, batchSize: 5, recordingRules: 'auto', staticRefreshMs: 60_000 });
    const byName = () => api.calls.filter((c) => c.expr.includes('rate(container_cpu_usage_seconds_total') && c.expr.includes(done.pod)).length;
    for (const [t, asked] of [[0, 1], [30_000, 0], [45_000, 0], [61_000, 1], [90_000, 0]] as const) {
      api.calls = [];
      const got = await src.current(t);
      expect(got).toEqual(await raw.current(t));
      expect(got.pods.map((p) => p.ref.pod)).toContain(done.pod);
      expect([t, byName()]).toEqual([t, asked]);
    }
    // Once it has a working set (the pod was not done after all), it is read from the rules again.
    done.values.memory = () => 50e6;
    done.values.cpu = () => 0.2;
    api.calls = [];
    expect(await src.current(95_000)).toEqual(await raw.current(95_000));
    expect(byName()).toBe(0);
  });

  it('recording rules with a service mesh: the mesh rules\' values with one selector per batch, the same as the five mesh queries; without the mesh group (older rules), the five queries', async () => {
    const meshOf = (i: number) => ({ requestRate: (t: number) => 10 + i + t / 1e6, errorRatio: () => i / 100, latencyMs: () => 20 + i, latencyP99Ms: () => 90 + i, missingCallees: () => i % 2 });
    const pods = Array.from({ length: 8 }, (_, i) => full(`ns-${i % 2}`, `web-5d4f8b9c6d-${'abcdefgh'[i]}xxxx`, i < 7 ? { mesh: meshOf(i) } : {})); // the last has no sidecar
    const raw = new PrometheusSource({ ...SETTINGS, api: new MeshFakeApi(pods), batchSize: 3, mesh: 'istio' });
    const api = new MeshFakeApi(pods);
    api.recorded = true;
    api.meshRecorded = true;
    const src = new PrometheusSource({ ...SETTINGS, api, batchSize: 3, mesh: 'istio', recordingRules: 'auto', staticRefreshMs: 60_000 });
    const meshCalls = () => api.calls.filter((c) => c.expr.includes('istio_'));
    const got = await src.current(0);
    expect(got).toEqual(await raw.current(0));
    expect(got.pods.filter((p) => Number.isFinite(p.requestRate))).toHaveLength(7);
    expect(got.pods.find((p) => p.ref.pod.startsWith('web-5d4f8b9c6d-c'))).toMatchObject({ requestRate: 12, errorRatio: 0.02, latencyMs: 22, latencyP99Ms: 92, missingCallees: 0 });
    const batches = src.lastStats().batches;
    expect(batches).toBeGreaterThan(1);
    expect(meshCalls().map((c) => c.expr.slice(0, 28))).toEqual(['max(timestamp(kad_pod:istio_', ...Array(batches).fill('{__name__=~"kad_pod:istio_re')]);
    // The next call: one selector per batch, no look.
    api.calls = [];
    expect(await src.current(30_000)).toEqual(await raw.current(30_000));
    expect(meshCalls()).toHaveLength(batches);
    // Rules from before the mesh group: the five queries per batch, the same values; looked for again after staticRefreshMs.
    const old = new MeshFakeApi(pods);
    old.recorded = true;
    const before = new PrometheusSource({ ...SETTINGS, api: old, batchSize: 3, mesh: 'istio', recordingRules: 'auto', staticRefreshMs: 60_000 });
    expect(await before.current(0)).toEqual(await raw.current(0));
    expect(old.calls.filter((c) => c.expr.includes('istio_'))).toHaveLength(1 + 5 * batches);
    old.meshRecorded = true;
    old.calls = [];
    expect(await before.current(30_000)).toEqual(await raw.current(30_000));
    expect(old.calls.filter((c) => c.expr.includes('istio_'))).toHaveLength(5 * batches);
    old.calls = [];
    expect(await before.current(61_000)).toEqual(await raw.current(61_000));
    expect(old.calls.filter((c) => c.expr.includes('istio_'))).toHaveLength(1 + batches);
    // The pod rules go stale: every value from the raw series, the mesh's too, and both looked for again.
    api.recordedAge = 200_000;
    api.calls = [];
    expect(await src.current(35_000)).toEqual(await raw.current(35_000));
    expect(meshCalls().filter((c) => c.expr.startsWith('{__name__'))).toHaveLength(0);
  });

  it('recording rules: with on, missing or stale ones are an error naming the setting; other pod labels are not these; with off, never looked for', async () => {
    const api = new FakeApi([full('a', 'web-5d4f8b9c6d-aaaaa')]);
    const on = new PrometheusSource({ ...SETTINGS, api, recordingRules: 'on' });
    await expect(on.current(0)).rejects.toThrow(ConfigError);
    await expect(on.current(0)).rejects.toThrow(/KAD_RECORDING_RULES=on.*kad_pod:container_cpu_usage_seconds_total:sum_rate1m series with a pod label.*there are none/);
    api.recorded = true;
    api.recordedAge = 200_000; // rules no longer evaluated: their last values linger
    await expect(on.current(300_000)).rejects.toThrow(/its newest is 200 s old/);
    api.recordedAge = 0;
    expect((await on.current(300_001)).pods.map((p) => p.cpu)).toEqual([0.1 + 300_001 / 1e9]);
    const otherLabel = new PrometheusSource({ ...SETTINGS, api, podLabel: 'pod_name', recordingRules: 'on' });
    await expect(otherLabel.current(0)).rejects.toThrow(/with a pod_name label/);
    api.calls = [];
    await new PrometheusSource({ ...SETTINGS, api, recordingRules: 'off' }).current(0);
    expect(api.calls.some((c) => c.expr.includes('kad_pod:'))).toBe(false);
  });

  it('rejects a pod label that is not a label name', () => {
    expect(() => new PrometheusSource({ ...SETTINGS, api: new FakeApi([]), podLabel: 'pod"}' })).toThrow(/POD_LABEL/);
  });
});

describe('PrometheusSource sharded (KAD_SHARDS)', () => {
  // 4 namespaces × 10 workloads × 2 pods, and a StatefulSet pod of the same name in every namespace.
  const cluster: FakePod[] = [];
  for (const ns of ['a', 'b', 'c', 'd']) {
    for (let w = 0; w < 10; w++) for (let r = 0; r < 2; r++) cluster.push(full(ns, `w${w}-5d4f8b9c6d-${'abcde'.slice(0, 4)}${r}`, { info: { created_by_kind: 'ReplicaSet', created_by_name: `w${w}-5d4f8b9c6d`, node: 'n1' } }));
    cluster.push(full(ns, 'redis-0', { info: { created_by_kind: 'StatefulSet', created_by_name: 'redis', node: 'n1' } }));
  }
  const T = 1_700_000_000_000;

  it('each shard asks only for its pods, in pod-name batches; together they have every pod once', async () => {
    const seen: string[] = [];
    for (let shard = 0; shard < 3; shard++) {
      const api = new FakeApi(cluster);
      const ownership = new ShardOwnership({ shard, shards: 3 });
      const src = new PrometheusSource({ ...SETTINGS, api, batchSize: 8, shard: ownership });
      const snap = await src.current(T);
      for (const p of snap.pods) expect(ownership.owns(p.ref)).toBe(true);
      seen.push(...snap.pods.map((p) => `${p.ref.namespace}/${p.ref.pod}`));
      // Only the listings and the owners read every pod; each metric query names its pods. The listing
      // for the next call is asked last, once this call's own queries were answered.
      const wide = api.calls.filter((c) => !/,pod=~"/.test(c.expr));
      expect(wide.length).toBe(3);
      expect(wide[1].expr).toBe('max by (namespace, pod, created_by_kind, created_by_name) (kube_pod_info{namespace=~".*"})');
      expect(wide[2].expr).toBe(wide[0].expr);
      expect(api.calls.at(-1)).toBe(wide[2]);
      const asked = new Set(api.calls.flatMap((c) => /,pod=~"([^"]*)"/.exec(c.expr)?.[1].split('|') ?? []));
      expect(asked.size).toBeLessThan(cluster.length / 2);
      // The next cycle does not read the owners again.
      const before = api.calls.length;
      await src.current(T + 60_000);
      expect(api.calls.slice(before).filter((c) => c.expr.startsWith('max by (namespace, pod, created_by_kind, created_by_name)')).length).toBe(0);
      // history() splits the same way.
      const hist = await new PrometheusSource({ ...SETTINGS, api: new FakeApi(cluster), batchSize: 8, shard: ownership }).history(T - 5 * 60_000, T, 60_000);
      expect(hist.at(-1)!.pods.map((p) => p.ref.pod)).toEqual(snap.pods.map((p) => p.ref.pod));
    }
    expect(seen.length).toBe(cluster.length);
    expect(new Set(seen).size).toBe(cluster.length);
  });

  it('sharded by namespace (KAD_SHARD_BY=namespace): each shard asks for its own namespaces by name, never by pod; together they have every pod once', async () => {
    const seen: string[] = [];
    for (let shard = 0; shard < 3; shard++) {
      const api = new FakeApi(cluster);
      const ownership = new ShardOwnership({ shard, shards: 3, by: 'namespace' });
      const src = new PrometheusSource({ ...SETTINGS, api, batchSize: 25, shard: ownership });
      const snap = await src.current(T);
      const mine = ['a', 'b', 'c', 'd'].filter((ns) => shardOf(ns, 3) === shard);
      expect([...new Set(snap.pods.map((p) => p.ref.namespace))].sort()).toEqual(mine);
      seen.push(...snap.pods.map((p) => `${p.ref.namespace}/${p.ref.pod}`));
      // No query names a pod; the metric queries name only this shard's namespaces.
      expect(api.calls.filter((c) => /,pod=~"/.test(c.expr))).toEqual([]);
      const named = api.calls.map((c) => /namespace=~?"([^"]*)"/.exec(c.expr)?.[1] ?? c.expr).filter((n) => n !== '.*');
      for (const n of named) for (const ns of n.split('|')) expect(mine).toContain(ns);
    }
    expect(seen.length).toBe(cluster.length);
    expect(new Set(seen).size).toBe(cluster.length);
  });

  it('asks with the previous call\'s listing, made after that call\'s queries: a new pod is scored from the next cycle, a gone one leaves at once', async () => {
    const late = full('a', 'late-5d4f8b9c6d-abcde', { from: T + 90_000, info: { created_by_kind: 'ReplicaSet', created_by_name: 'late-5d4f8b9c6d', node: 'n1' } });
    const gone = cluster.find((p) => p.pod === 'redis-0' && p.namespace === 'b')!;
    const pods = [...cluster.filter((p) => p !== gone), { ...gone, to: T + 150_000 }, late];
    const shard = shardOf('a/late', 2);
    const ownsGone = shardOf('b/redis', 2) === shard;
    const src = new PrometheusSource({ ...SETTINGS, api: new FakeApi(pods), batchSize: 8, shard: new ShardOwnership({ shard, shards: 2 }) });
    const has = async (t: number, pod: string) => (await src.current(t)).pods.some((p) => p.ref.pod === pod);
    expect(await has(T, late.pod)).toBe(false);
    expect(await has(T + 120_000, late.pod)).toBe(false); // listed after this call's queries
    expect(await has(T + 180_000, late.pod)).toBe(true);
    if (ownsGone) expect(await has(T + 240_000, 'redis-0')).toBe(true); // redis-0 of a, c and d
    const snap = await src.current(T + 300_000);
    expect(snap.pods.filter((p) => p.ref.pod === 'redis-0').map((p) => p.ref.namespace)).not.toContain('b');
  });

  it('plans batches of pod names, bounded in pods and characters', () => {
    const pods = Array.from({ length: 50 }, (_, i) => ({ namespace: `ns${i % 3}`, pod: `pod-${String(i).padStart(4, '0')}` }));
    const b = planPodBatches(pods, 20, 'pod');
    expect(b.map((x) => x.pods.length)).toEqual([20, 20, 10]);
    expect(b[0].selector).toMatch(/^namespace=~"ns0\|ns1",pod=~"pod-0000\|pod-0003\|/);
    expect(b[1].selector).toMatch(/^namespace=~"ns1\|ns2",pod=~"/);
    expect(b[2].selector).toMatch(/^namespace="ns2",pod=~"pod-0020\|/);
    const small = planPodBatches(pods, 1000, 'pod', 100);
    expect(small.length).toBeGreaterThanOrEqual(5);
    for (const x of small) expect(x.selector.length).toBeLessThan(140);
    expect(small.flatMap((x) => x.pods).length).toBe(50);
  });
});
