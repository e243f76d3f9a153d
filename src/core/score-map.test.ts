import { describe, expect, it } from 'vitest';
import { scoreToZ, zToScore } from './score-map.js';

describe('zToScore', () => {
  it('is 0 at 0, 0.5 at z50, increasing, and below 1', () => {
    expect(zToScore(0, 6, 4)).toBe(0);
    expect(zToScore(6, 6, 4)).toBeCloseTo(0.5, 12);
    const zs = [0.5, 1, 3, 5.99, 6, 6.01, 10, 100, 1e4, 1e9, 1e15, 1e100, 1e300];
    const s = zs.map((z) => zToScore(z, 6, 4));
    for (let i = 1; i < s.length; i++) expect(s[i], `z=${zs[i]}`).toBeGreaterThan(s[i - 1]);
    expect(s[s.length - 1]).toBeLessThan(1);
  });

  it('is smooth at z50: the two pieces meet with the same slope', () => {
    const h = 1e-6;
    const below = (zToScore(6, 6, 4) - zToScore(6 - h, 6, 4)) / h;
    const above = (zToScore(6 + h, 6, 4) - zToScore(6, 6, 4)) / h;
    expect(above).toBeCloseTo(below, 4);
  });

  it('maps NaN and negatives to 0 and Infinity just below 1', () => {
    expect(zToScore(NaN, 6, 4)).toBe(0);
    expect(zToScore(-1, 6, 4)).toBe(0);
    expect(zToScore(Infinity, 6, 4)).toBe(1 - 1e-12);
  });

  it('is undone by scoreToZ', () => {
    for (const z of [0, 0.01, 1, 5.9, 6, 6.1, 50, 1e4]) expect(scoreToZ(zToScore(z, 6, 4), 6, 4)).toBeCloseTo(z, Math.max(0, 8 - Math.ceil(Math.log10(z + 1))));
    expect(scoreToZ(0, 6, 4)).toBe(0);
    expect(scoreToZ(1, 6, 4)).toBe(Infinity);
  });
});
