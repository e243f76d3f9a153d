import { describe, expect, it } from 'vitest';
import { SimulatedCluster } from './cluster.js';
import { backgroundEvents, slowLeaks } from './scenarios.js';
import { DEFAULT_DURATION_MS, rolloutEstimateMs } from './schedule.js';
import { defaultTopology } from './topology.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2026, 10, 16);

describe('slowLeaks', () => {
  it('makes one memory_leak per spec, relative to `from`', () => {
    const ev = slowLeaks(T0, [{ namespace: 'shop', workload: 'cart', afterMs: HOUR, durationMs: 6 * HOUR, replica: 1 }]);
    expect(ev).toEqual([{ kind: 'memory_leak', at: T0 + HOUR, durationMs: 6 * HOUR, namespace: 'shop', workload: 'cart', replica: 1 }]);
  });
});

describe('backgroundEvents', () => {
  const topology = defaultTopology();
  const leaks = slowLeaks(T0, [{ namespace: 'shop', workload: 'cart', afterMs: 2 * HOUR, durationMs: 24 * HOUR }]);
  const opts = { seed: 5, from: T0 + HOUR, until: T0 + 3 * 24 * HOUR, topology, avoid: leaks };

  it('is a pure function of its seed', () => {
    expect(backgroundEvents(opts)).toEqual(backgroundEvents(opts));
    expect(backgroundEvents({ ...opts, seed: 6 })).not.toEqual(backgroundEvents(opts));
  });

  it('has every kind but memory_leak, never overlaps on a workload, and keeps noisy neighbours apart', () => {
    const ev = backgroundEvents(opts);
    expect(ev.length).toBeGreaterThan(200); // one every ~15 minutes over 71 hours, less the skipped
    expect(new Set(ev.map((e) => e.kind))).toEqual(new Set(['cpu_runaway', 'crash_loop', 'packet_loss', 'noisy_neighbour', 'rollout', 'oom_kill', 'scale']));
    const span = (e: (typeof ev)[number]) => {
      const w = topology.workloads.find((x) => x.name === e.workload)!;
      const len = e.kind === 'rollout' ? rolloutEstimateMs(w.autoscale?.maxReplicas ?? w.replicas) : e.durationMs ?? DEFAULT_DURATION_MS[e.kind];
      return [e.at, e.at + len] as const;
    };
    const all = [...leaks, ...ev];
    for (let i = 0; i < all.length; i++) {
      for (let j = i + 1; j < all.length; j++) {
        const [a0, a1] = span(all[i]);
        const [b0, b1] = span(all[j]);
        if (a0 >= b1 || b0 >= a1) continue;
        expect(all[i].workload).not.toBe(all[j].workload);
        if (i >= leaks.length) expect(all[i].kind !== 'noisy_neighbour' && all[j].kind !== 'noisy_neighbour').toBe(true);
      }
    }
    for (const e of ev) {
      if (e.kind === 'noisy_neighbour') expect(e.namespace).toBe('batch');
      if (e.kind === 'scale') expect(topology.workloads.find((w) => w.name === e.workload)!.autoscale).toBeUndefined();
    }
  });

  it('is accepted by the cluster, and the leak runs to its OOM kill', () => {
    const cluster = new SimulatedCluster({ seed: 5, start: T0, scenario: { random: false, events: [...leaks, ...backgroundEvents(opts)] } });
    cluster.advanceTo(T0 + 27 * HOUR);
    const truth = cluster.incidents();
    const leak = truth.find((i) => i.kind === 'memory_leak')!;
    expect(leak.workload).toBe('cart');
    expect(truth.some((i) => i.kind === 'oom_kill' && i.detail?.cause === leak.id)).toBe(true);
  });
});
