import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.js';
import { InputError, ModelFormatError } from '../core/errors.js';
import type { PodSample, PodSnapshot } from '../core/samples.js';
import { STORE_DEFAULTS } from './series-history.js';
import { SeriesStore, seriesStoreOptions, type SeriesStoreOptions } from './series-store.js';

const MIN = 60_000;
const T0 = Date.parse('2024-03-05T00:00:00Z');

function pod(namespace: string, name: string, workload: string, v: Partial<PodSample> = {}): PodSample {
  return {
    ref: { namespace, pod: name, workload }, cpu: 1, memory: 100, restarts: 0, rxBytes: NaN, txBytes: NaN, rxPackets: NaN, rxDropped: NaN,
    cpuLimit: NaN, memoryLimit: NaN, ...v,
  };
}

const small = (o: Partial<SeriesStoreOptions> = {}): SeriesStoreOptions => ({
  stepMs: MIN, recentCycles: 3, history: { fitStepMs: 5 * MIN, keepMs: 60 * MIN, tailMs: 10 * MIN }, workloadTtlMs: 30 * MIN, ...o,
});

describe('SeriesStore', () => {
  it('sums each workload\'s pods: CPU and memory over finite values, replicas, mean CPU request, limits and traffic', () => {
    const store = new SeriesStore(small());
    const totals = store.append({
      t: T0,
      pods: [
        pod('shop', 'web-1', 'web', { cpu: 0.5, memory: 10, cpuRequest: 0.25, cpuLimit: 1, rxBytes: 5 }),
        pod('shop', 'db-0', 'db', { cpu: NaN, memory: NaN }),
        pod('shop', 'web-2', 'web', { cpu: 0.25, memory: NaN, cpuRequest: 0.75, rxBytes: 7 }),
        pod('shop', 'web-3', 'web', { cpu: 0.25, memory: 30 }),
      ],
    })!;
    expect([...totals.keys()]).toEqual(['shop/web', 'shop/db']);
    expect(totals.get('shop/web')).toEqual({
      namespace: 'shop', workload: 'web', t: T0, replicas: 3, cpu: 1, memory: 40, cpuRequest: 0.5, cpuLimit: 1, memoryLimit: NaN,
      rxBytes: 12, txBytes: NaN, rxPackets: NaN, rxDropped: NaN,
    });
    expect(totals.get('shop/db')).toMatchObject({ replicas: 1, cpu: 0, memory: 0, cpuRequest: NaN });
    expect(store.workloadLatest('shop/web')).toEqual(totals.get('shop/web'));
    expect(store.workloadAt('shop/db', T0)).toEqual(totals.get('shop/db'));
    expect(store.workloadAt('shop/db', T0 + MIN)).toBeUndefined();
  });

  it('keeps the newest cycles, ignores older or repeated times, and drops pods no longer in any cycle held', () => {
    const store = new SeriesStore(small());
    const snap = (i: number, names: string[]): PodSnapshot => ({ t: T0 + i * MIN, pods: names.map((n) => pod('ns', n, 'w', { cpu: i })) });
    store.append(snap(0, ['a', 'b']));
    store.append(snap(1, ['a']));
    expect(store.append(snap(1, ['a', 'b']))).toBeUndefined(); // repeated time
    expect(store.append(snap(0.5, ['a']))).toBeUndefined(); // older
    store.append(snap(2, ['a', 'c']));
    expect(store.cycleTimes()).toEqual([T0, T0 + MIN, T0 + 2 * MIN]);
    expect(Array.from(store.podSeries('ns/b', 'cpu')!)).toEqual([0, NaN, NaN]);
    expect(Array.from(store.workloadSeries('ns/w', 'replicas')!)).toEqual([2, 1, 2]);
    store.append(snap(3, ['a']));
    expect(store.cycleTimes()).toEqual([T0 + MIN, T0 + 2 * MIN, T0 + 3 * MIN]);
    expect(store.pods()).toEqual(['ns/a', 'ns/c']); // b is in no cycle held
    expect(Array.from(store.podSeries('ns/a', 'cpu')!)).toEqual([1, 2, 3]);
    expect(store.cycleTimes(T0 + 2 * MIN, T0 + 3 * MIN)).toEqual([T0 + 2 * MIN, T0 + 3 * MIN]);
    store.forget('ns/c');
    expect(store.pod('ns/c')).toBeUndefined();
    expect(store.newest).toBe(T0 + 3 * MIN);
  });

  it('grows its rings up to recentCycles and keeps every value across the growth', () => {
    const store = new SeriesStore(small({ recentCycles: 20 }));
    for (let i = 0; i < 25; i++) store.append({ t: T0 + i * MIN, pods: i % 3 === 0 ? [pod('ns', 'a', 'w', { cpu: i })] : [] });
    expect(store.cycleTimes()).toHaveLength(20);
    const cpu = Array.from(store.podSeries('ns/a', 'cpu')!);
    expect(cpu).toEqual(Array.from({ length: 20 }, (_, k) => ((k + 5) % 3 === 0 ? k + 5 : NaN)));
    store.reserve(30);
    for (let i = 25; i < 40; i++) store.append({ t: T0 + i * MIN, pods: [pod('ns', 'a', 'w', { cpu: i })] });
    expect(store.cycleTimes()).toHaveLength(30);
    expect(store.podSeries('ns/a', 'cpu')![29]).toBe(39);
  });

  it('gives back the snapshots it was fed, pods sorted by key', () => {
    const store = new SeriesStore(small({ history: null }));
    const a = pod('ns', 'b', 'w', { cpu: 0.1, cpuRequest: NaN, startedAt: T0 - MIN, memoryLimit: 2 ** 30 });
    const b = pod('ns', 'a', 'w', { cpu: 0.2, cpuRequest: 0.5 });
    store.append({ t: T0, pods: [a, b] });
    store.append({ t: T0 + MIN, pods: [a] });
    const [first, second] = store.snapshots(store.cycleTimes());
    expect(first).toEqual({ t: T0, pods: [b, a] });
    expect(second.pods).toEqual([a]);
    expect(store.snapshots([T0 + 2 * MIN])).toEqual([]);
    expect(store.history('ns/w/cpu')).toBeUndefined();
  });

  it('gives back each cycle\'s pods in the order they came, also after a JSON round trip', () => {
    const store = new SeriesStore(small({ history: null }));
    const zeta = pod('ns', 'zeta', 'w', { cpu: 0.1 });
    const alpha = pod('ns', 'alpha', 'w', { cpu: 0.2 });
    const mid = pod('ns', 'mid', 'w', { cpu: 0.3 });
    store.append({ t: T0, pods: [zeta, alpha] });
    store.append({ t: T0 + MIN, pods: [mid, zeta, { ...mid, cpu: 0.4 }] }); // mid twice: its first place, its last values
    const names = (snaps: PodSnapshot[]) => snaps.map((s) => s.pods.map((p) => `${p.ref.pod} ${p.cpu}`));
    const arrival = () => store.snapshots(store.cycleTimes(), 'arrival');
    expect(names(arrival())).toEqual([['zeta 0.1', 'alpha 0.2'], ['mid 0.4', 'zeta 0.1']]);
    expect(names(store.snapshots(store.cycleTimes()))).toEqual([['alpha 0.2', 'zeta 0.1'], ['mid 0.4', 'zeta 0.1']]);
    const back = SeriesStore.fromJSON(JSON.parse(JSON.stringify(store.toJSON())));
    expect(back.snapshots(back.cycleTimes(), 'arrival')).toEqual(arrival());
    const { order: _order, ...keyOrder } = store.toJSON(); // saved without the order: key order
    expect(SeriesStore.fromJSON(keyOrder).snapshots(store.cycleTimes(), 'arrival')).toEqual(store.snapshots(store.cycleTimes()));
    expect(() => SeriesStore.fromJSON({ ...store.toJSON(), order: [[0], [7]] })).toThrow(ModelFormatError);
    store.forget('ns/mid');
    expect(names(arrival())).toEqual([['zeta 0.1', 'alpha 0.2'], ['zeta 0.1']]);
  });

  it('keeps a window of cycles however dense they come (reserveSince)', () => {
    const store = new SeriesStore(small({ history: null, recentCycles: 3 }));
    for (let i = 0; i < 6; i++) {
      const t = T0 + i * 20_000; // three cycles a minute
      store.reserveSince(t - MIN);
      store.append({ t, pods: [pod('ns', 'a', 'w', { cpu: i })] });
    }
    expect(store.cycleTimes()).toEqual([2, 3, 4, 5].map((i) => T0 + i * 20_000)); // a minute back from the newest, both ends in
    expect(store.options.recentCycles).toBe(4);
    store.append({ t: T0 + 6 * 20_000, pods: [] });
    expect(store.cycleTimes()[0]).toBe(T0 + 3 * 20_000);
  });

  it('feeds a backfill into the coarse histories before the live cycles appended meanwhile', () => {
    const store = new SeriesStore(small({ recentCycles: 5 }));
    store.append({ t: T0 + 10 * MIN, pods: [pod('ns', 'a', 'w', { cpu: 10 })] }); // live, just before the backfill
    store.beginBackfill();
    expect(store.backfilling).toBe(true);
    store.append({ t: T0 + 11 * MIN, pods: [pod('ns', 'a', 'w', { cpu: 11 })] }); // live, during it
    for (let i = 0; i < 10; i++) {
      const totals = store.appendHistory({ t: T0 + i * MIN, pods: [pod('ns', 'a', 'w', { cpu: i }), pod('ns', 'b', 'old', { cpu: 1 })] });
      expect(totals.get('ns/w')!.cpu).toBe(i);
    }
    expect(store.workloadLatest('ns/w')!.cpu).toBe(11); // the live cycles are newer
    expect(store.history('ns/w/cpu')!.view()!.tail).toEqual(Float64Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    store.endBackfill();
    expect(store.backfilling).toBe(false);
    expect(store.history('ns/w/cpu')!.view()!.tail).toEqual(Float64Array.from([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]));
    expect(store.history('ns/w/memory')!.endMs).toBe(T0 + 11 * MIN);
    // Workloads not seen for workloadTtlMs go, with their history.
    store.append({ t: T0 + 39 * MIN, pods: [pod('ns', 'a', 'w')] });
    expect(store.workloads()).toEqual(['ns/w', 'ns/old']);
    store.append({ t: T0 + 40 * MIN, pods: [pod('ns', 'a', 'w')] });
    expect(store.workloads()).toEqual(['ns/w']);
    expect(store.history('ns/old/cpu')).toBeUndefined();
  });

  it('round-trips through JSON and refuses another kind', () => {
    const store = new SeriesStore(small({ recentCycles: 4 }));
    for (let i = 0; i < 6; i++) store.append({ t: T0 + i * MIN, pods: [pod('ns', 'a', 'w', { cpu: i }), pod('ns', `p${i % 2}`, 'v', { memory: i })] });
    const back = SeriesStore.fromJSON(JSON.parse(JSON.stringify(store.toJSON())));
    expect(back.toJSON()).toEqual(store.toJSON());
    expect(back.snapshots(back.cycleTimes())).toEqual(store.snapshots(store.cycleTimes()));
    const t = T0 + 6 * MIN;
    expect(back.append({ t, pods: [pod('ns', 'a', 'w', { cpu: 6 })] })).toEqual(store.append({ t, pods: [pod('ns', 'a', 'w', { cpu: 6 })] }));
    expect(back.history('ns/w/cpu')!.view()).toEqual(store.history('ns/w/cpu')!.view());
    expect(() => SeriesStore.fromJSON({ ...store.toJSON(), kind: 'other' } as never)).toThrow(ModelFormatError);
  });

  it('takes its sizes from the store config section, whose defaults are the schema\'s', () => {
    expect(loadConfig({ env: {} }).store).toEqual(STORE_DEFAULTS);
    expect(seriesStoreOptions(STORE_DEFAULTS, MIN)).toEqual({
      stepMs: MIN, recentCycles: 120, history: { fitStepMs: 5 * MIN, keepMs: 15 * 24 * 60 * MIN, tailMs: 26 * 60 * MIN }, workloadTtlMs: 24 * 60 * MIN,
    });
    expect(seriesStoreOptions(STORE_DEFAULTS, 10 * MIN, false)).toMatchObject({ recentCycles: 12, history: null });
    expect(() => new SeriesStore(small({ recentCycles: 0 }))).toThrow(InputError);
    expect(() => new SeriesStore(small({ stepMs: 7000 }))).toThrow(InputError); // 5-minute buckets are not whole 7 s steps
  });
});
