import { describe, expect, it } from 'vitest';
import { InputError, ModelFormatError } from '../core/errors.js';
import { frameFromRows, type Frame } from '../core/frame.js';
import { createRng } from '../core/rng.js';
import { madThreshold, PeerGroupScorer, type PeerAlgorithm } from './peer-group.js';

const NAMES = ['cpu', 'mem', 'restarts', 'drops', 'net'];

/** R replicas × 5 features × n points: every replica ~ the same levels with 3 % noise; `mult` scales one replica's CPU. */
function workload(seed: number, R: number, n = 10, bad: Record<number, number> = {}): Frame[] {
  const rng = createRng(seed);
  const level = [0.5, 0.4, 0, 0.001, 2e6];
  return Array.from({ length: R }, (_, r) =>
    frameFromRows(
      NAMES,
      Array.from({ length: n }, () => level.map((l, j) => (j === 0 ? (bad[r] ?? 1) : 1) * l * (1 + 0.03 * rng.normal()))),
    ),
  );
}

const argmax = (a: ArrayLike<number>): number => Array.prototype.indexOf.call(a, Math.max(...Array.from(a)));

describe.each<PeerAlgorithm>(['dbscan', 'mad'])('PeerGroupScorer (%s)', (algorithm) => {
  const scorer = new PeerGroupScorer({ algorithm, minScale: [0.01, 0.01, 0.1, 0.005, 1e4] });

  it('flags the one replica of 5 whose CPU window is 3× the others, on the CPU feature', () => {
    const out = new Float64Array(5);
    const top = new Int32Array(5);
    scorer.scoreWindows(workload(1, 5, 10, { 2: 3 }), out, top);
    expect(argmax(out)).toBe(2);
    expect(out[2]).toBeGreaterThanOrEqual(scorer.threshold);
    expect(top[2]).toBe(0);
    for (const r of [0, 1, 3, 4]) expect(out[r]).toBeLessThan(scorer.threshold);
  });

  it('flags nobody when all replicas are equal, or differ only by noise', () => {
    const out = new Float64Array(5);
    const same = Array.from({ length: 5 }, () => frameFromRows(NAMES, Array.from({ length: 10 }, () => [0.5, 0.4, 0, 0, 2e6])));
    scorer.scoreWindows(same, out);
    expect(Array.from(out)).toEqual([0, 0, 0, 0, 0]);
    scorer.scoreWindows(workload(2, 5), out);
    for (const v of out) expect(v).toBeLessThan(scorer.threshold);
  });

  it('scores 0 for everyone in a group of 2 (a peer comparison needs 3 replicas)', () => {
    const out = new Float64Array(2).fill(7);
    scorer.scoreWindows(workload(3, 2, 10, { 1: 10 }), out);
    expect(Array.from(out)).toEqual([0, 0]);
    scorer.scoreGroup(frameFromRows(NAMES, [[1, 1, 1, 1, 1], [9, 9, 9, 9, 9]]), out);
    expect(Array.from(out)).toEqual([0, 0]);
  });

  it('treats NaN and ±Infinity as missing, never returning NaN', () => {
    const w = workload(4, 5, 10, { 2: 3 });
    w[0].data.fill(NaN); // replica 0: no data at all
    w[1].data[3] = NaN;
    w[2].data[5] = Infinity; // a missing sample of the outlier's CPU window
    w[3].data.fill(NaN, 0, 5 * 5); // replica 3: only the last 5 points
    const out = new Float64Array(5);
    scorer.scoreWindows(w, out);
    for (const v of out) expect(Number.isFinite(v)).toBe(true);
    expect(out[0]).toBe(0);
    expect(argmax(out)).toBe(2);
    expect(out[2]).toBeGreaterThanOrEqual(scorer.threshold);
  });

  it('scores one moment (rows = replicas) with scoreGroup', () => {
    const rows = [[0.5, 0.4], [0.52, 0.41], [1.6, 0.39], [0.49, 0.4], [0.51, 0.42]];
    const out = new Float64Array(5);
    scorer.scoreGroup(frameFromRows(['cpu', 'mem'], rows), out);
    expect(argmax(out)).toBe(2);
    expect(out[2]).toBeGreaterThanOrEqual(scorer.threshold);
  });

  it('is deterministic and round-trips its settings through JSON', () => {
    const w = workload(5, 8, 10, { 6: 2 });
    const a = new Float64Array(8);
    const b = new Float64Array(8);
    scorer.scoreWindows(w, a);
    PeerGroupScorer.fromJSON(JSON.parse(JSON.stringify(scorer.toJSON()))).scoreWindows(w, b);
    expect(Array.from(b)).toEqual(Array.from(a));
  });
});

describe('PeerGroupScorer details', () => {
  it('maps 0.5 to augurs MAD threshold for the sensitivity', () => {
    expect(madThreshold(0.5)).toBeCloseTo(2.921, 3);
    expect(new PeerGroupScorer({ sensitivity: 0.5 }).z50).toBeCloseTo(2.921, 3);
  });

  it('with dbscan, finds 2 outlying replicas of 5 (augurs MAD masks them: see the file comment)', () => {
    const out = new Float64Array(5);
    new PeerGroupScorer({ algorithm: 'dbscan' }).scoreWindows(workload(6, 5, 10, { 1: 3, 3: 3 }), out);
    expect(out[1]).toBeGreaterThanOrEqual(0.5);
    expect(out[3]).toBeGreaterThanOrEqual(0.5);
    for (const r of [0, 2, 4]) expect(out[r]).toBeLessThan(0.5);
  });

  it('with onlyAbove, a replica below its peers in that feature is not unlike them; above it is, and other features both ways', () => {
    const low = [[0.5, 0.4], [0.52, 0.41], [0.05, 0.39], [0.49, 0.4], [0.51, 0.4]];
    const high = [[0.5, 0.4], [0.52, 0.41], [1.6, 0.39], [0.49, 0.4], [0.51, 0.4]];
    const lowMem = [[0.5, 0.4], [0.52, 0.41], [0.5, 0.02], [0.49, 0.4], [0.51, 0.4]];
    for (const algorithm of ['mad', 'dbscan'] as const) {
      const score = (rows: number[][], onlyAbove: number[]) => {
        const out = new Float64Array(5);
        new PeerGroupScorer({ algorithm, onlyAbove }).scoreGroup(frameFromRows(['latency', 'mem'], rows), out);
        return out[2];
      };
      expect(score(low, [])).toBeGreaterThanOrEqual(0.5);
      expect(score(low, [0])).toBeLessThan(1e-3); // what is left is its mem, 0.39 against 0.4
      expect(score(high, [0])).toBeGreaterThanOrEqual(0.5);
      expect(score(lowMem, [0])).toBeGreaterThanOrEqual(0.5);
    }
    const scorer = new PeerGroupScorer({ onlyAbove: [0] });
    expect(scorer.toJSON().params).toMatchObject({ onlyAbove: [0] });
    const back = PeerGroupScorer.fromJSON(JSON.parse(JSON.stringify(scorer.toJSON())));
    const out = new Float64Array(5);
    back.scoreGroup(frameFromRows(['latency', 'mem'], low), out);
    expect(out[2]).toBeLessThan(1e-3);
  });

  it('does not flag a replica a few percent off nearly identical peers (relative scale floor)', () => {
    const rows = [[1.0], [1.001], [0.999], [1.03], [1.0]];
    for (const algorithm of ['mad', 'dbscan'] as const) {
      const out = new Float64Array(5);
      new PeerGroupScorer({ algorithm }).scoreGroup(frameFromRows(['cpu'], rows), out);
      for (const v of out) expect(v).toBeLessThan(0.5);
    }
  });

  it('rejects bad settings with an InputError naming the setting', () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ algorithm: 'knn' }, 'algorithm'],
      [{ sensitivity: 1 }, 'sensitivity'],
      [{ window: 0 }, 'window'],
      [{ minReplicas: 2 }, 'minReplicas'],
      [{ relativeFloor: -1 }, 'relativeFloor'],
      [{ minScale: [NaN] }, 'minScale'],
      [{ windw: 3 }, 'windw'],
    ];
    for (const [p, name] of bad) {
      expect(() => new PeerGroupScorer(p)).toThrow(InputError);
      expect(() => new PeerGroupScorer(p)).toThrow(name);
    }
    const s = new PeerGroupScorer();
    expect(() => s.scoreWindows(workload(1, 5), new Float64Array(3))).toThrow(InputError);
    expect(() => PeerGroupScorer.fromJSON({ ...s.toJSON(), kind: 'robust-z' })).toThrow(ModelFormatError);
  });

  it('measures scoring a workload of 10 replicas × 5 features × 10 points', () => {
    for (const algorithm of ['dbscan', 'mad'] as const) {
      const s = new PeerGroupScorer({ algorithm });
      const w = workload(7, 10, 10, { 4: 2 });
      const out = new Float64Array(10);
      for (let i = 0; i < 200; i++) s.scoreWindows(w, out);
      const reps = 1000;
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) s.scoreWindows(w, out);
      const us = ((performance.now() - t0) / reps) * 1000;
      console.log(`peer-group ${algorithm}: ${us.toFixed(0)} µs per workload (10 replicas × 5 features × 10 points)`);
      expect(us).toBeLessThan(20_000);
    }
  });
});
