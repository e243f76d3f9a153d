import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.js';
import { ConfigError } from '../core/errors.js';
import { PrometheusQueryError, type Labels, type MatrixSeries, type PrometheusApi, type VectorSample } from './prometheus-client.js';
import { checkCustomSeries } from './prometheus-custom.js';
import { PrometheusSource, prometheusSourceSettings } from './prometheus.js';

const SETTINGS = prometheusSourceSettings(loadConfig({ env: {} }).prometheus);
const QUEUE = { name: 'queue_depth', query: 'sum by (namespace, pod) (app_queue_depth)', scaleFloor: 1 };
const T0 = 1_700_000_040_000; // a whole minute

/**
 * Two listed pods with a working set; `app_queue_depth` answers for web-1 (its value t / 1e9) and for
 * a pod that is not listed; any other query answers nothing, a query with `[bad` is refused.
 */
class StubApi implements PrometheusApi {
  readonly exprs: string[] = [];
  private readonly pods: Labels[] = [{ namespace: 'shop', pod: 'web-1' }, { namespace: 'shop', pod: 'web-2' }];
  private answer(expr: string): { metric: Labels; f: (t: number) => number }[] {
    this.exprs.push(expr);
    if (expr.includes('[bad')) throw new PrometheusQueryError('http://prom', expr, 'bad_data: parse error', 1, 400);
    if (expr.startsWith('group by')) return expr.includes('working_set') ? this.pods.map((metric) => ({ metric, f: () => 1 })) : [];
    if (expr.includes('container_memory_working_set_bytes')) return this.pods.map((metric) => ({ metric, f: () => 1e8 }));
    if (expr.includes('app_queue_depth')) return [{ metric: { namespace: 'shop', pod: 'web-1' }, f: (t) => t / 1e9 }, { metric: { namespace: 'shop', pod: 'gone' }, f: () => 7 }];
    if (expr.includes('no_labels')) return [{ metric: { job: 'app' }, f: () => 1 }];
    if (expr.includes('per_container')) return ['a', 'b'].map((container) => ({ metric: { namespace: 'shop', pod: 'web-1', container }, f: () => 1 }));
    return [];
  }
  async query(expr: string, t: number): Promise<VectorSample[]> {
    return this.answer(expr).map(({ metric, f }) => ({ metric, t, value: f(t) }));
  }
  async queryRange(expr: string, start: number, end: number, stepMs: number): Promise<MatrixSeries[]> {
    return this.answer(expr).map(({ metric, f }) => {
      const times: number[] = [];
      for (let t = start; t <= end; t += stepMs) times.push(t);
      return { metric, times: Float64Array.from(times), values: Float64Array.from(times, f) };
    });
  }
  async close(): Promise<void> {}
}

describe('PrometheusSource with custom series', () => {
  it('current(): each listed pod\'s value of each query by feature name, missing where the pod has no series', async () => {
    const api = new StubApi();
    const src = new PrometheusSource({ ...SETTINGS, api, custom: [QUEUE, { name: 'absent', query: 'app_other', scaleFloor: 0 }] });
    const snap = await src.current(T0);
    expect(snap.pods.map((p) => p.ref.pod)).toEqual(['web-1', 'web-2']);
    expect(snap.pods[0].custom).toEqual({ queue_depth: T0 / 1e9, absent: NaN });
    expect(snap.pods[1].custom).toBeUndefined();
    // Each query once, as written.
    expect(api.exprs.filter((e) => e === QUEUE.query)).toHaveLength(1);
  });

  it('history(): the same values at every step, from one range query per query and time span', async () => {
    const api = new StubApi();
    const src = new PrometheusSource({ ...SETTINGS, api, custom: [QUEUE] });
    const snaps = await src.history(T0, T0 + 4 * 60_000, 60_000);
    expect(snaps).toHaveLength(5);
    for (const s of snaps) {
      expect(s.pods[0].custom).toEqual({ queue_depth: s.t / 1e9 });
      expect(s.pods[1].custom).toBeUndefined();
    }
    expect(api.exprs.filter((e) => e === QUEUE.query)).toHaveLength(1);
  });

  it('without custom series, asks nothing more and carries none', async () => {
    const api = new StubApi();
    const snap = await new PrometheusSource({ ...SETTINGS, api }).current(T0);
    expect(snap.pods.every((p) => p.custom === undefined)).toBe(true);
    expect(api.exprs.some((e) => e.includes('app_queue_depth'))).toBe(false);
  });
});

describe('checkCustomSeries', () => {
  const check = (query: string) => checkCustomSeries(new StubApi(), [{ ...QUEUE, query }], 'pod', T0);

  it('passes a query that answers per pod', async () => {
    expect(await check(QUEUE.query)).toEqual([]);
  });

  it('warns of a query that answers nothing now', async () => {
    const w = await check('sum by (namespace, pod) (app_other)');
    expect(w).toHaveLength(1);
    expect(w[0]).toMatch(/^features\.custom\[0\] \(queue_depth\): query "sum by \(namespace, pod\) \(app_other\)" answers no series now/);
  });

  it('refuses a query whose series have no pod and namespace labels, naming it and the labels', async () => {
    await expect(check('sum(no_labels)')).rejects.toThrow(ConfigError);
    await expect(check('sum(no_labels)')).rejects.toThrow(/features\.custom\[0\] \(queue_depth\): query "sum\(no_labels\)" answers series without the namespace and pod labels \(the first has job\)/);
  });

  it('warns of a query that answers several series for one pod', async () => {
    expect(await check('app_per_container')).toEqual([expect.stringMatching(/answers several series for pod shop\/web-1 \(other labels differ\): aggregate them/)]);
  });

  it('refuses a query Prometheus cannot parse, with its reason', async () => {
    await expect(check('rate(x[bad')).rejects.toThrow(/query "rate\(x\[bad" is refused by Prometheus \(bad_data: parse error\)/);
  });

  it('warns, not fails, when Prometheus cannot be asked', async () => {
    const api = new StubApi();
    api.query = async () => {
      throw new PrometheusQueryError('http://prom', 'q', 'unreachable (ECONNREFUSED)', 3);
    };
    const w = await checkCustomSeries(api, [QUEUE], 'pod', T0);
    expect(w[0]).toMatch(/could not be checked: Prometheus http:\/\/prom unreachable/);
  });
});
