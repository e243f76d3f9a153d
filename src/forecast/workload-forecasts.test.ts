import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import type { PodSample, PodSnapshot } from '../core/samples.js';
import { SeriesStore, type SeriesStoreOptions } from '../store/series-store.js';
import { WorkloadForecasts, type ForecastingOptions } from './workload-forecasts.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.parse('2024-03-05T00:00:00Z');

const OPTIONS: ForecastingOptions = {
  horizonMinutes: 30, model: 'seasonal', refreshMinutes: 5, refreshBudgetMs: 60_000, historyDays: 1,
  scaling: { targetUtilisation: 0.7, minReplicas: 1, maxReplicas: 100, scaleDownStabilisationSeconds: 300 },
};
const STORE: SeriesStoreOptions = { stepMs: MIN, recentCycles: 10, history: { fitStepMs: 5 * MIN, keepMs: 2 * 24 * HOUR, tailMs: 2 * HOUR }, workloadTtlMs: 30 * MIN };

function snap(t: number, workloads: string[], cpu = 1): PodSnapshot {
  const pods: PodSample[] = workloads.map((w) => ({
    ref: { namespace: 'ns', pod: `${w}-0`, workload: w }, cpu, memory: 10, restarts: 0, rxBytes: NaN, txBytes: NaN, rxPackets: NaN, rxDropped: NaN,
    cpuLimit: NaN, memoryLimit: NaN, cpuRequest: 0.5,
  }));
  return { t, pods };
}

describe('WorkloadForecasts', () => {
  it('needs a store that keeps history', () => {
    expect(() => new WorkloadForecasts(OPTIONS, new SeriesStore({ ...STORE, history: null }))).toThrow(InputError);
  });

  it('backfills the store\'s history in chunks before the live cycles, and reads each cycle the engine appended', async () => {
    const store = new SeriesStore(STORE);
    const f = new WorkloadForecasts(OPTIONS, store);
    const now = T0 + 24 * HOUR;
    const live = snap(now, ['web', 'api'], 5);
    store.append(live); // the engine appends first ...
    const calls: [number, number, number][] = [];
    const loading = f.backfill(now, async (start, end, stepMs) => {
      calls.push([start, end, stepMs]);
      const out: PodSnapshot[] = [];
      for (let t = start; t <= end; t += stepMs) out.push(snap(t, ['web', 'old']));
      return out;
    });
    expect(f.backfilling).toBe(true);
    f.observe(live); // ... then observes: held until the backfill is done
    expect(f.refresh(now)).toEqual({ refreshed: 0, failed: 0, deferred: 0, ms: 0 });
    await loading;
    expect(f.backfilling).toBe(false);
    // 22 hours at the bucket width, then the 2-hour tail at the cycle step.
    expect(calls).toEqual([[T0, now - 2 * HOUR - 5 * MIN, 5 * MIN], [now - 2 * HOUR, now - MIN, MIN]]);
    expect(store.history('ns/web/cpu')!.view()!.tail.at(-1)).toBe(5);
    expect(store.history('ns/web/cpu')!.spanMs()).toBe(24 * HOUR);
    expect(f.workloads()).toEqual([['ns', 'web'], ['ns', 'old'], ['ns', 'api']]);
    expect(f.refresh(now)).toMatchObject({ refreshed: 4, failed: 2 }); // api has one value: too little to fit
    expect(f.get('ns', 'web', 'cpu').forecast!.point).toHaveLength(30);
    expect(f.recommendations().get('ns/web')!.recommendation.replicas).toBeGreaterThanOrEqual(1);
    // A workload the store forgets (not seen for workloadTtlMs) is forgotten here too.
    const later = snap(now + 31 * MIN, ['web']);
    store.append(later);
    f.observe(later);
    expect(f.workloads()).toEqual([['ns', 'web']]);
    expect(f.get('ns', 'api', 'cpu').status).toBeUndefined();
  });
});
