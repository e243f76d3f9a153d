import { describe, expect, it } from 'vitest';
import { InputError, ModelFormatError } from '../core/errors.js';
import { createRng } from '../core/rng.js';
import type { DetectorSnapshot } from '../core/snapshot.js';
import { HalfSpaceTrees } from './hst.js';

/** n points of a 2-d Gaussian around (10, -5), sd (1, 3), seeded. */
function gaussian(n: number, seed: number): Float64Array[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => Float64Array.of(10 + rng.normal(), -5 + 3 * rng.normal()));
}

const small = { nTrees: 10, height: 8, windowSize: 100 };

describe('HalfSpaceTrees', () => {
  it('scores 0 until the first window is complete, then scores outliers above normal points', () => {
    const d = new HalfSpaceTrees(small, 1);
    const pts = gaussian(400, 2);
    for (let i = 0; i < 99; i++) d.learnOne(pts[i]);
    expect(d.built).toBe(false);
    expect(d.scoreOne(Float64Array.of(1e6, 1e6))).toBe(0);
    for (let i = 99; i < 400; i++) d.learnOne(pts[i]);
    expect(d.built).toBe(true);
    const normal = d.scoreOne(Float64Array.of(10, -5));
    const outlier = d.scoreOne(Float64Array.of(16, -5));
    expect(normal).toBeLessThan(0.1);
    expect(outlier).toBeGreaterThan(0.5);
    expect(outlier).toBeLessThan(1);
  });

  it('builds the same trees for the same seed and different ones for another seed', () => {
    const run = (seed: number) => {
      const d = new HalfSpaceTrees(small, seed);
      for (const p of gaussian(300, 3)) d.learnOne(p);
      return gaussian(50, 4).map((p) => d.scoreOne(p));
    };
    expect(run(7)).toEqual(run(7));
    expect(run(8)).not.toEqual(run(7));
  });

  it('swaps mass profiles every window: the reference follows the data', () => {
    const d = new HalfSpaceTrees({ ...small, limits: [[0, 100]] }, 1);
    expect(d.scoreOne(Float64Array.of(20))).toBe(0);
    for (let i = 0; i < 100; i++) d.learnOne(Float64Array.of(20 + (i % 10) * 0.1));
    d.learnOne(Float64Array.of(20)); // built from the given limits on the first point
    expect(d.scoreOne(Float64Array.of(80))).toBeGreaterThan(0.5);
    for (let i = 0; i < 199; i++) d.learnOne(Float64Array.of(80 + (i % 10) * 0.1)); // two windows at the new level
    expect(d.scoreOne(Float64Array.of(80))).toBeLessThan(0.5);
    expect(d.scoreOne(Float64Array.of(20))).toBeGreaterThan(0.5);
  });

  it('sends NaN features to the child that has seen more points, and ignores extra features', () => {
    const d = new HalfSpaceTrees(small, 5);
    for (const p of gaussian(300, 6)) d.learnOne(p);
    const s = d.scoreOne(Float64Array.of(NaN, NaN));
    expect(s).toBeLessThan(0.5); // all-missing follows the bulk of the data
    expect(d.scoreOne(Float64Array.of(NaN, -5))).toBeLessThan(0.5);
    expect(d.scoreOne(Float64Array.of(10, -5, 1e9))).toBe(d.scoreOne(Float64Array.of(10, -5)));
    expect(Number.isFinite(d.scoreOne(Float64Array.of(Infinity, -Infinity)))).toBe(true);
  });

  it('saves only non-zero masses and round-trips mid-window', () => {
    const d = new HalfSpaceTrees({ windowSize: 50 }, 9);
    for (const p of gaussian(170, 10)) d.learnOne(p);
    const text = JSON.stringify(d.toJSON());
    expect(text.length).toBeLessThan(200_000); // the full trees would be megabytes
    const e = HalfSpaceTrees.fromJSON(JSON.parse(text) as DetectorSnapshot);
    for (const p of gaussian(120, 11)) {
      expect(e.scoreOne(p)).toBe(d.scoreOne(p));
      d.learnOne(p);
      e.learnOne(p);
    }
    expect(e.toJSON()).toEqual(d.toJSON());
  });

  it('refuses bad settings (InputError) and bad snapshots (ModelFormatError)', () => {
    expect(() => new HalfSpaceTrees({ height: 0 })).toThrow(InputError);
    expect(() => new HalfSpaceTrees({ limits: [[1, 1]] })).toThrow(/limits/);
    expect(() => new HalfSpaceTrees({ trees: 3 } as never)).toThrow(/unknown parameter "trees"/);
    const d = new HalfSpaceTrees(small, 1);
    for (const p of gaussian(150, 1)) d.learnOne(p);
    const snap = JSON.parse(JSON.stringify(d.toJSON())) as DetectorSnapshot;
    const bad = (state: Record<string, unknown>) => () => HalfSpaceTrees.fromJSON({ ...snap, state: { ...(snap.state as object), ...state } });
    expect(bad({ counter: 100 })).toThrow(ModelFormatError);
    expect(bad({ lo: [0] })).toThrow(ModelFormatError);
    expect(bad({ window: 'AAAA' })).toThrow(ModelFormatError);
    expect(bad({ r: Buffer.from(Uint32Array.of(1e9, 1).buffer).toString('base64') })).toThrow(/out of range/);
  });
});
