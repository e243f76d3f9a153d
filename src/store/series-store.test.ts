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

  it('keeps mesh fields and custom values per pod and gives them back as they came, absent staying absent', () => {
    const store = new SeriesStore(small({ history: null, recentCycles: 20 }));
    const p = (name: string, v: Partial<PodSample> = {}) => pod('ns', name, 'w', { cpuRequest: NaN, ...v }); // as the store gives it back
    const mesh = { requestRate: 12, errorRatio: NaN, latencyMs: 3.5, latencyP99Ms: 40 };
    const snaps: PodSnapshot[] = [
      { t: T0, pods: [p('a', mesh), p('b')] },
      { t: T0 + MIN, pods: [p('a', { requestRate: 5, custom: { queue: 7 } }), p('b', { custom: {} })] },
      // A new custom name widens every pod's extras; the values before keep their places.
      { t: T0 + 2 * MIN, pods: [p('a'), p('b', { custom: { lag: NaN, queue: 2 }, latencyP99Ms: 9 })] },
    ];
    for (const s of snaps) store.append(s);
    const back = store.snapshots(store.cycleTimes(), 'arrival');
    expect(back).toStrictEqual(snaps);
    expect('requestRate' in back[0].pods[1]).toBe(false);
    expect(back[2].pods[0]).not.toHaveProperty('custom');
    expect(Array.from(store.podSeries('ns/a', 'requestRate')!)).toEqual([12, 5, NaN]);
    expect(Array.from(store.podSeries('ns/b', 'latencyP99Ms')!)).toEqual([NaN, NaN, 9]);
    // They survive the rings' growth, and a JSON round trip.
    for (let i = 3; i < 12; i++) store.append({ t: T0 + i * MIN, pods: [p('a', { requestRate: i })] });
    expect(store.snapshots(snaps.map((s) => s.t), 'arrival')).toStrictEqual(snaps);
    const json = JSON.parse(JSON.stringify(store.toJSON()));
    expect(json).toMatchObject({ formatVersion: 3, custom: ['queue', 'lag'] });
    const loaded = SeriesStore.fromJSON(json);
    expect(loaded.snapshots(loaded.cycleTimes(), 'arrival')).toStrictEqual(store.snapshots(store.cycleTimes(), 'arrival'));
    expect(loaded.toJSON()).toEqual(store.toJSON());
    expect(() => SeriesStore.fromJSON({ ...json, pods: [{ ...json.pods[0], extra: [1] }] })).toThrow(ModelFormatError);
    expect(() => SeriesStore.fromJSON({ ...json, custom: ['queue', 'queue'] })).toThrow(ModelFormatError);
  });

  it('keeps past 32 custom names (more than one word of flags)', () => {
    const store = new SeriesStore(small({ history: null }));
    const p = (name: string, v: Partial<PodSample> = {}) => pod('ns', name, 'w', { cpuRequest: NaN, ...v });
    const custom = Object.fromEntries(Array.from({ length: 40 }, (_, k) => [`c${k}`, k]));
    const snaps: PodSnapshot[] = [
      { t: T0, pods: [p('a', { custom: { c39: 39 } })] },
      { t: T0 + MIN, pods: [p('a', { custom, requestRate: 1 })] },
    ];
    for (const s of snaps) store.append(s);
    expect(store.snapshots(store.cycleTimes())).toStrictEqual(snaps);
  });

  it('allocates nothing for mesh fields or custom values until a pod comes with some', () => {
    const cycles = 120;
    const plain = new SeriesStore(small({ history: null, recentCycles: cycles }));
    const meshed = new SeriesStore(small({ history: null, recentCycles: cycles }));
    for (let i = 0; i < cycles; i++) {
      plain.append({ t: T0 + i * MIN, pods: [pod('ns', 'a', 'w'), pod('ns', 'b', 'w')] });
      meshed.append({ t: T0 + i * MIN, pods: [pod('ns', 'a', 'w', { requestRate: 1, errorRatio: 0, latencyMs: 2, latencyP99Ms: 3 }), pod('ns', 'b', 'w')] });
    }
    // Per pod and cycle: 11 fields and the cycle number; with the mesh 5 values and a word of flags more.
    expect(plain.podBytes('ns/a')).toBe(cycles * 12 * 8);
    expect(plain.podBytes()).toBe(2 * cycles * 12 * 8);
    expect(meshed.podBytes('ns/a')).toBe(cycles * 18 * 8);
    expect(meshed.podBytes('ns/b')).toBe(cycles * 12 * 8); // b never had any
    expect(plain.toJSON().pods.every((p) => p.extra === undefined)).toBe(true);
    expect(plain.podSeries('ns/a', 'requestRate')).toEqual(new Float64Array(cycles).fill(NaN));
    expect(plain.podBytes('ns/x')).toBe(0);
  });

  it('loads a store saved in format 1 (before the mesh fields and custom values were kept)', () => {
    // Written by the previous release: two cycles, pod b in the first only, a with requestRate 3 in the first (not kept then).
    const v1 = JSON.parse('{"kind":"kad-series-store","formatVersion":1,"options":{"stepMs":60000,"recentCycles":2,"workloadTtlMs":1800000,"history":null},"next":2,"oldest":0,"flushed":0,"capacity":2,"times":[1709596800000,1709596860000],"order":[[0,1],[1]],"pods":[{"ref":{"namespace":"ns","pod":"b","workload":"w"},"seqs":[0,-1],"rows":[0.5,100,0,null,null,null,null,null,null,null,1709596740000,null,null,null,null,null,null,null,null,null,null,null]},{"ref":{"namespace":"ns","pod":"a","workload":"w"},"seqs":[0,1],"rows":[0.25,100,0,null,null,null,null,null,null,null,null,0.75,100,0,null,null,null,null,null,null,null,null]}],"workloads":[{"namespace":"ns","workload":"w","seqs":[0,1],"rows":[2,0.75,200,null,null,null,null,null,null,null,1,0.75,100,null,null,null,null,null,null,null],"latest":[1,0.75,100,null,null,null,null,null,null,null],"lastT":1709596860000,"history":null}]}');
    const store = SeriesStore.fromJSON(v1);
    expect(store.snapshots(store.cycleTimes(), 'arrival')).toStrictEqual([
      { t: T0, pods: [pod('ns', 'b', 'w', { cpu: 0.5, startedAt: T0 - MIN, cpuRequest: NaN }), pod('ns', 'a', 'w', { cpu: 0.25, cpuRequest: NaN })] },
      { t: T0 + MIN, pods: [pod('ns', 'a', 'w', { cpu: 0.75, cpuRequest: NaN })] },
    ]);
    expect(store.workloadLatest('ns/w')).toMatchObject({ cpu: 0.75, replicas: 1 });
    // It goes on in the new format, keeping mesh fields from now on.
    store.append({ t: T0 + 2 * MIN, pods: [pod('ns', 'a', 'w', { requestRate: 4 })] });
    expect(store.snapshots([T0 + 2 * MIN])[0].pods[0].requestRate).toBe(4);
    expect(store.toJSON().formatVersion).toBe(3);
    expect(() => SeriesStore.fromJSON({ ...v1, formatVersion: 4 })).toThrow(ModelFormatError);
  });

  it('loads a store saved in format 2 (before missingCallees) with its mesh fields and custom values where they were', () => {
    // Written by the previous release: pod a with mesh fields and a custom value, then other mesh fields; b with none.
    const v2 = JSON.parse('{"kind":"kad-series-store","formatVersion":2,"options":{"stepMs":60000,"recentCycles":3,"workloadTtlMs":1800000,"history":null},"next":2,"oldest":0,"flushed":0,"capacity":3,"times":[1709596800000,1709596860000],"order":[[0,1],[0]],"custom":["queue"],"pods":[{"ref":{"namespace":"ns","pod":"a","workload":"w"},"seqs":[0,1,-1],"rows":[0.5,100,0,null,null,null,null,null,null,null,null,0.5,100,0,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null],"extra":[3,null,12,null,7,43,null,0.5,null,40,null,20,null,null,null,null,null,null]},{"ref":{"namespace":"ns","pod":"b","workload":"w"},"seqs":[0,-1,-1],"rows":[0.5,100,0,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null]}],"workloads":[{"namespace":"ns","workload":"w","seqs":[0,1,-1],"rows":[2,1,200,null,null,null,null,null,null,null,1,0.5,100,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null],"latest":[1,0.5,100,null,null,null,null,null,null,null],"lastT":1709596860000,"history":null}]}');
    const store = SeriesStore.fromJSON(v2);
    // The snapshot passed in is left as it is: it loads again the same.
    expect(SeriesStore.fromJSON(v2).toJSON()).toEqual(store.toJSON());
    const [first, second] = store.snapshots(store.cycleTimes(), 'arrival');
    const a0 = first.pods.find((p) => p.ref.pod === 'a')!;
    expect([a0.requestRate, a0.errorRatio, a0.latencyMs, a0.latencyP99Ms, a0.missingCallees, a0.custom]).toEqual([3, undefined, 12, undefined, undefined, { queue: 7 }]);
    const a1 = second.pods[0];
    expect([a1.requestRate, a1.errorRatio, a1.latencyMs, a1.latencyP99Ms, a1.missingCallees, a1.custom]).toEqual([undefined, 0.5, undefined, 40, undefined, undefined]);
    expect(first.pods.find((p) => p.ref.pod === 'b')!.requestRate).toBeUndefined();
    // It goes on in format 3, keeping missingCallees, and a saved copy loads the same.
    store.append({ t: T0 + 2 * MIN, pods: [pod('ns', 'a', 'w', { missingCallees: 2, custom: { queue: 8 } })] });
    const again = SeriesStore.fromJSON(store.toJSON());
    expect(again.toJSON().formatVersion).toBe(3);
    expect(again.snapshots(again.cycleTimes(), 'arrival')).toStrictEqual(store.snapshots(store.cycleTimes(), 'arrival'));
    expect(again.snapshots([T0 + 2 * MIN])[0].pods[0]).toMatchObject({ missingCallees: 2, custom: { queue: 8 } });
    expect(() => SeriesStore.fromJSON({ ...v2, pods: [{ ...v2.pods[0], extra: v2.pods[0].extra.slice(1) }] })).toThrow(/mesh and custom values do not match/);
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
