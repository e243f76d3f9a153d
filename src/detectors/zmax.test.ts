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
