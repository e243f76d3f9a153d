import { describe, expect, it } from 'vitest';
import { frameFromRows } from '../core/frame.js';
import { createRng } from '../core/rng.js';
import { CalibratedDetector } from './calibrated.js';
import { ZMaxDetector } from './zmax.js';

describe('CalibratedDetector', () => {
  it('puts the training tail below the threshold and keeps the order of raw scores', () => {
    const rng = createRng(4);
    const rows = Array.from({ length: 500 }, () => [rng.normal()]);
    const inner = new ZMaxDetector({ z50: 3 });
    const d = new CalibratedDetector(inner, { quantile: 0.99, k: 1.5 });
    const frame = frameFromRows(['x'], rows);
    d.fit(frame);
    const cal = d.score(frame);
    const flagged = cal.filter((s) => s >= d.threshold).length;
    expect(flagged / rows.length).toBeLessThan(0.01); // training points sit below the 1.5× tail
    const xs = [0, 1, 2, 3, 5, 8, 20].map((x) => d.scoreOne(Float64Array.of(x), 0));
    for (let i = 1; i < xs.length; i++) expect(xs[i]).toBeGreaterThanOrEqual(xs[i - 1]);
    expect(xs[xs.length - 1]).toBeGreaterThan(0.5);
    expect(xs[xs.length - 1]).toBeLessThan(1);
  });
});
