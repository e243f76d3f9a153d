import { describe, expect, it } from 'vitest';
import { SimulatedCluster } from './cluster.js';
import { Planner, ROTATION } from './schedule.js';
import { defaultTopology } from './topology.js';
import type { Incident } from './types.js';

const MONDAY = Date.parse('2024-03-04T00:00:00Z');
const MIN = 60_000;
const H = 3_600_000;

function overlaps(a: Incident, b: Incident): boolean {
  return a.start < b.end && b.start < a.end;
}

describe('random schedule', () => {
  const c = new SimulatedCluster({ seed: 13, start: MONDAY });
  c.advanceTo(MONDAY + 24 * H);
  const all = c.incidents();
  const faults = all.filter((i) => !i.benign);

  it('keeps the first hour quiet apart from the daily pattern', () => {
    const early = all.filter((i) => i.start < MONDAY + H && i.kind !== 'traffic_peak' && i.kind !== 'scale');
    expect(early).toEqual([]);
    expect(all.filter((i) => i.start >= MONDAY + H).length).toBeGreaterThan(20);
  });

  it('shows every incident kind and a rollout within four hours of the quiet period', () => {
    const window = all.filter((i) => i.start >= MONDAY + H && i.start < MONDAY + 5 * H);
    const kinds = new Set(window.map((i) => i.kind));
    for (const k of [...ROTATION, 'oom_kill'] as const) expect(kinds).toContain(k);
    expect(all.filter((i) => i.kind === 'traffic_peak').map((i) => i.namespace)).toEqual(expect.arrayContaining(['shop', 'platform', 'batch']));
  });

  it('never overlaps two events on the same pod, nor anything with a noisy neighbour', () => {
    for (let i = 0; i < faults.length; i++) {
      for (let j = i + 1; j < faults.length; j++) {
        const a = faults[i], b = faults[j];
        if (!overlaps(a, b)) continue;
        expect(a.pod).not.toBe(b.pod);
        expect(a.kind !== 'noisy_neighbour' && b.kind !== 'noisy_neighbour').toBe(true);
      }
    }
    for (const r of all.filter((i) => i.kind === 'rollout')) {
      for (const f of faults) if (overlaps(r, f)) expect(f.workload === r.workload && f.namespace === r.namespace).toBe(false);
    }
  });

  it('records ground truth with pod, node and times for every fault', () => {
    const pods = new Set<string>();
    for (const f of faults) {
      expect(f.pod).toMatch(new RegExp(`^${f.workload}-[0-9a-f]{10}-[0-9a-z]{5}$`));
      expect(f.node).toMatch(/^kad-worker-\d$/);
      expect(f.end).toBeGreaterThan(f.start);
      pods.add(f.pod);
    }
    expect(pods.size).toBeGreaterThan(5);
    const leaks = faults.filter((f) => f.kind === 'memory_leak');
    for (const l of leaks) expect(faults.some((o) => o.kind === 'oom_kill' && o.pod === l.pod && o.start === l.end)).toBe(true);
  });

  it('plans ahead exactly what then happens', () => {
    const fresh = new SimulatedCluster({ seed: 13, start: MONDAY });
    const plan = fresh.incidents({ includeFuture: true }).filter((i) => /^r\d+$/.test(i.id) && i.start < MONDAY + 20 * H);
    const happened = all.filter((i) => /^r\d+$/.test(i.id) && i.start < MONDAY + 20 * H);
    expect(plan.map((i) => [i.id, i.kind, i.workload, i.start])).toEqual(happened.map((i) => [i.id, i.kind, i.workload, i.start]));
    expect(plan.every((i) => i.pod === '')).toBe(true);
  });
});

describe('Planner', () => {
  const topology = defaultTopology();

  it('honours everyMinutes and random: false', () => {
    const count = (every: number) => new Planner(1, topology, MONDAY, 5000, { everyMinutes: every }).planUntil(MONDAY + 24 * H).length;
    const dense = count(10);
    const sparse = count(40);
    expect(dense).toBeGreaterThan(100);
    expect(dense / sparse).toBeGreaterThan(2.5);
    expect(new Planner(1, topology, MONDAY, 5000, { random: false }).planUntil(MONDAY + 24 * H)).toEqual([]);
  });

  it('gives the same plan however far ahead it is asked, and another for another seed', () => {
    const a = new Planner(7, topology, MONDAY, 5000);
    const b = new Planner(7, topology, MONDAY, 5000);
    const stepwise = [...b.planUntil(MONDAY + 2 * H), ...b.planUntil(MONDAY + 5 * H), ...b.planUntil(MONDAY + 10 * H)];
    const once = a.planUntil(MONDAY + 10 * H);
    expect(stepwise).toEqual(once);
    const other = new Planner(8, topology, MONDAY, 5000).planUntil(MONDAY + 10 * H);
    expect(other.map((e) => [e.kind, e.workload, e.at])).not.toEqual(once.map((e) => [e.kind, e.workload, e.at]));
    for (const e of once) expect((e.at - MONDAY) % 5000).toBe(0);
  });

  it('keeps random events off the workloads of explicit ones while those run', () => {
    const at = MONDAY + 2 * H;
    const p = new Planner(3, topology, MONDAY, 5000, { quietUntil: MONDAY + H, everyMinutes: 5,
      events: [{ kind: 'cpu_runaway', at, durationMs: 60 * MIN, workload: 'frontend' }] });
    const planned = p.planUntil(MONDAY + 6 * H);
    for (const e of planned) {
      if (e.workload === 'frontend') expect(e.at >= at + 60 * MIN || e.end <= at - MIN).toBe(true);
    }
    expect(p.explicit[0]).toMatchObject({ id: 'e1', namespace: 'shop', workload: 'frontend', at, end: at + 60 * MIN });
  });

  it('validates explicit events', () => {
    expect(() => new Planner(1, topology, MONDAY, 5000, { events: [{ kind: 'meteor' as 'scale', at: MONDAY }] })).toThrow(/kind "meteor"/);
    expect(() => new Planner(1, topology, MONDAY, 5000, { events: [{ kind: 'crash_loop', at: NaN }] })).toThrow(/epoch/);
    expect(() => new Planner(1, topology, MONDAY, 5000, { everyMinutes: 0 })).toThrow(/everyMinutes/);
    const byPod = new Planner(1, topology, MONDAY, 5000, { events: [{ kind: 'crash_loop', at: MONDAY, pod: 'cart-0123456789-abcde' }] });
    expect(byPod.explicit[0].workload).toBe('cart');
  });
});
