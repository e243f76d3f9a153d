import { describe, expect, it } from 'vitest';
import { frameFromRows } from '../core/frame.js';
import { zToScore } from '../core/score-map.js';
import { ZMaxDetector } from './zmax.js';

describe('ZMaxDetector', () => {
  it('scores a change in a feature that was constant in training, thanks to its scale floor', () => {
    const d = new ZMaxDetector({ minScale: [0.1, 0.1] });
    d.fit(frameFromRows(['cpu', 'restarts'], Array.from({ length: 100 }, (_, i) => [1 + 0.01 * Math.sin(i), 0])));
    expect(d.scoreOne(Float64Array.of(1, 0))).toBeLessThan(0.01);
    expect(d.scoreOne(Float64Array.of(1, 1))).toBeCloseTo(zToScore(10, 6, 4), 9); // one restart: z = 10 > z50
    expect(d.zOf(Float64Array.of(1, 1))).toBeCloseTo(10, 6);
  });

  it('maps z smoothly: 0.5 at z50, increasing, below 1', () => {
    const d = new ZMaxDetector({ z50: 6 });
    d.fit(frameFromRows(['x'], [[-1], [1], [-1], [1]]));
    const sd = Math.sqrt(4 / 3);
    expect(d.scoreOne(Float64Array.of(6 * sd))).toBeCloseTo(0.5, 9);
    const s = [2, 5, 10, 50, 1000, 10_000].map((z) => d.scoreOne(Float64Array.of(z * sd)));
    for (let i = 1; i < s.length; i++) expect(s[i]).toBeGreaterThan(s[i - 1]);
    expect(s[s.length - 1]).toBeLessThan(1);
  });
});

describe('ZMaxDetector unionBound', () => {
  it('divides the largest |z| by √features, keeps it in snapshots, and widens the explained range to match', () => {
    const rows = Array.from({ length: 100 }, (_, i) => [i % 2 ? 1 : -1, i % 2 ? -1 : 1, 0, 0]);
    const plain = new ZMaxDetector({ minScale: [0.1, 0.1, 0.1, 0.1] });
    const bound = new ZMaxDetector({ minScale: [0.1, 0.1, 0.1, 0.1], unionBound: true });
    plain.fit(frameFromRows(['a', 'b', 'c', 'd'], rows));
    bound.fit(frameFromRows(['a', 'b', 'c', 'd'], rows));
    const x = Float64Array.of(0, 0, 2, 0); // z = 20 on one of 4 features
    expect(plain.scoreZ(x)).toBeCloseTo(20, 9);
    expect(bound.scoreZ(x)).toBeCloseTo(10, 9);
    expect(bound.scoreOne(x)).toBeCloseTo(zToScore(10, 6, 4), 12);
    const restored = ZMaxDetector.fromJSON(JSON.parse(JSON.stringify(bound.toJSON())));
    expect(restored.scoreOne(x)).toBe(bound.scoreOne(x));
    const c = bound.explain(x, ['a', 'b', 'c', 'd'])[0];
    expect(c.name).toBe('c');
    expect(c.expected[1]).toBeCloseTo(12 * 0.1, 9); // z50 · √4 · scale
  });
});

describe('ZMaxDetector.explain', () => {
  it('ranks features by |z| and gives the range it considers normal', () => {
    const d = new ZMaxDetector({ minScale: [0.1, 0.1], z50: 6 });
    d.fit(frameFromRows(['cpu', 'restarts'], Array.from({ length: 100 }, (_, i) => [1 + 0.01 * Math.sin(i), 0])));
    const e = d.explain(Float64Array.of(1.05, 2), ['cpu', 'restarts']);
    expect(e.map((c) => c.name)).toEqual(['restarts', 'cpu']);
    expect(e[0].z).toBeCloseTo(20, 6);
    expect(e[0].expected[0]).toBeCloseTo(-0.6, 6);
    expect(e[0].expected[1]).toBeCloseTo(0.6, 6);
  });
});
