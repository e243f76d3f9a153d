import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '../core/errors.js';
import type { PodSample, PodSnapshot } from '../sources/base.js';
import { WorkloadSeriesStore } from './workload-series.js';

const MIN = 60_000;
const pod = (name: string, workload: string, cpu: number, memory = 1e8): PodSample => ({
  ref: { namespace: 'ns', pod: name, workload }, cpu, memory, restarts: 0, rxBytes: 1000, txBytes: 0, rxPackets: 0, rxDropped: 0, cpuLimit: 1, memoryLimit: 5e8,
});
const snap = (t: number, pods: PodSample[]): PodSnapshot => ({ t, pods });

describe('WorkloadSeriesStore', () => {
  it('sums pods per workload at each snapshot and averages the sums over each bucket', () => {
    const s = new WorkloadSeriesStore(5 * MIN, 100);
    for (let m = 0; m < 10; m++) s.add(snap(m * MIN, [pod('a-1', 'a', 0.1 * (m + 1)), pod('a-2', 'a', 0.1), pod('b-1', 'b', 2)]));
    s.add(snap(10 * MIN, [pod('a-1', 'a', 0)])); // closes the second bucket
    const cpu = s.series('ns/a', 'cpu')!;
    expect(cpu.start).toBe(0);
    expect(cpu.stepMs).toBe(5 * MIN);
    // Bucket 0: minutes 0..4, a-1 = 0.1..0.5 (mean 0.3) + a-2 0.1; bucket 1: a-1 0.6..1.0 (0.8) + 0.1.
    expect(Array.from(cpu.values, (v) => Number(v.toFixed(6)))).toEqual([0.4, 0.9]);
    expect(Array.from(s.series('ns/a', 'replicas')!.values)).toEqual([2, 2]);
    expect(Array.from(s.series('ns/a', 'memory_limit')!.values)).toEqual([1e9, 1e9]);
    expect(Array.from(s.series('ns/b', 'cpu')!.values)).toEqual([2, 2]);
    expect(s.workloads().sort()).toEqual(['ns/a', 'ns/b']);
  });

  it('keeps gaps as NaN, keeps at most capacity buckets, and ignores snapshots older than the open bucket', () => {
    const s = new WorkloadSeriesStore(MIN, 4);
    for (const m of [0, 1, 3, 4, 5, 6]) s.add(snap(m * MIN, [pod('a-1', 'a', m)]));
    s.add(snap(2 * MIN, [pod('a-1', 'a', 99)]));
    const v = s.series('ns/a', 'cpu')!;
    expect(v.start).toBe(2 * MIN);
    expect(Array.from(v.values)).toEqual([NaN, 3, 4, 5]);
    expect(s.series('ns/zzz', 'cpu')).toBeUndefined();
  });

  it('round-trips through JSON and refuses a foreign snapshot', () => {
    const s = new WorkloadSeriesStore(MIN, 10);
    for (let m = 0; m < 6; m++) s.add(snap(m * MIN, [pod('a-1', 'a', m)]));
    const back = WorkloadSeriesStore.fromJSON(JSON.parse(JSON.stringify(s.toJSON())));
    back.add(snap(6 * MIN, [pod('a-1', 'a', 6)]));
    s.add(snap(6 * MIN, [pod('a-1', 'a', 6)]));
    expect(back.series('ns/a', 'cpu')).toEqual(s.series('ns/a', 'cpu'));
    expect(() => WorkloadSeriesStore.fromJSON({ kind: 'other' } as never)).toThrow(ModelFormatError);
  });
});
