import { describe, expect, it } from 'vitest';
import { SimulatedCluster } from '../simulator/cluster.js';
import { SimulatorSource } from './simulator.js';

const H = 3_600_000;
const START = Date.UTC(2026, 0, 5);

describe('SimulatorSource', () => {
  it('serves history the live cluster has passed by replaying a twin cluster: the same values as a fresh source', async () => {
    const opts = { seed: 3, start: START };
    const live = new SimulatorSource(new SimulatedCluster(opts), { keepMs: H });
    const fresh = new SimulatorSource(new SimulatedCluster(opts));
    await live.history(START + 30 * H, START + 31 * H, 60_000);
    const old = await live.history(START + 2 * H, START + 3 * H, 300_000);
    const ref = await fresh.history(START + 2 * H, START + 3 * H, 300_000);
    expect(old.map((s) => s.t)).toEqual(ref.map((s) => s.t));
    expect(old.map((s) => s.pods.map((p) => [p.ref.pod, p.cpu, p.memory, p.cpuRequest]))).toEqual(ref.map((s) => s.pods.map((p) => [p.ref.pod, p.cpu, p.memory, p.cpuRequest])));
    expect(old[0].pods[0].cpuRequest).toBeGreaterThan(0);
    // A range that spans replayed and kept times joins them in order, and the live cluster did not move back.
    const joined = await live.history(START + 29 * H, START + 31 * H, 600_000);
    expect(joined[0].t).toBe(START + 29 * H);
    expect(joined.every((s, i) => i === 0 || s.t > joined[i - 1].t)).toBe(true);
    expect(joined[joined.length - 1].t).toBe(START + 31 * H);
  });
});
