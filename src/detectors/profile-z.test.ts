import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError, ModelFormatError } from '../core/errors.js';
import { createRng } from '../core/rng.js';
import { readAsdCorpus } from '../evaluate/asd.js';
import { evaluateDetector } from '../evaluate/runner.js';
import type { DetectorSnapshot } from '../core/snapshot.js';
import { chiSquareZ, ProfileZDetector } from './profile-z.js';

const STEP = 300_000; // 5-minute points
const DAY = 288;
const T0 = Date.UTC(2024, 0, 1);

/** A daily sine (amplitude 10 around 50) with N(0, noise) noise, `days` days of 5-minute points. */
function dailySine(days: number, seed: number, noise = 0.5): Float64Array {
  const rng = createRng(seed);
  return Float64Array.from({ length: days * DAY }, (_, i) => 50 + 10 * Math.sin((2 * Math.PI * i) / DAY) + noise * rng.normal());
}

function learnSeries(d: ProfileZDetector, v: Float64Array, from = 0): void {
  for (let i = 0; i < v.length; i++) d.learnOne(Float64Array.of(v[i]), T0 + (from + i) * STEP);
}

describe('ProfileZDetector', () => {
  it('judges a value against its time of day once it has seen past days', () => {
    const d = new ProfileZDetector();
    learnSeries(d, dailySine(5, 1));
    const peak = T0 + (5 * DAY + DAY / 4) * STEP; // sine = +1 here
    const trough = T0 + (5 * DAY + (3 * DAY) / 4) * STEP; // sine = -1 here
    // 60 is normal at the peak and anomalous at the trough (expected 40, noise 0.5)...
    expect(d.scoreOne(Float64Array.of(60), peak)).toBeLessThan(0.05);
    expect(d.scoreOne(Float64Array.of(60), trough)).toBeGreaterThan(d.threshold);
    // ...where a global mean and spread (zmax) sees |60 − 50| / 7.07 = 1.4 standard deviations.
    expect(d.explain(Float64Array.of(60), ['x'], trough)[0].z).toBeGreaterThan(20);
  });

  it('uses the running mean where there is no cycle to learn (no usable times)', () => {
    const rng = createRng(2);
    const d = new ProfileZDetector();
    for (let i = 0; i < 500; i++) d.learnOne(Float64Array.of(10 + rng.normal()), i);
    expect(d.scoreOne(Float64Array.of(10), 500)).toBeLessThan(0.01);
    expect(d.scoreOne(Float64Array.of(20), 500)).toBeGreaterThan(d.threshold);
    expect(d.explain(Float64Array.of(20), ['x'], 500)[0].z).toBeCloseTo(10, 0);
  });

  it('scores the onset of a shift above the same level held for a while (the change term)', () => {
    const rng = createRng(3);
    const d = new ProfileZDetector();
    for (let i = 0; i < 1000; i++) d.learnOne(Float64Array.of(rng.normal()), i);
    const onset = d.scoreOne(Float64Array.of(5), 1000);
    for (let i = 1000; i < 1010; i++) d.learnOne(Float64Array.of(5), i);
    expect(onset).toBeGreaterThan(d.scoreOne(Float64Array.of(5), 1010));
  });

  it('adds up small deviations across features: many at 3σ outscore one at 3σ', () => {
    const rng = createRng(4);
    const d = new ProfileZDetector();
    for (let i = 0; i < 2000; i++) d.learnOne(Float64Array.from({ length: 10 }, () => rng.normal()), i);
    const one = new Float64Array(10);
    one[0] = 3;
    const all = new Float64Array(10).fill(3);
    expect(d.scoreOne(all, 2000)).toBeGreaterThan(d.threshold);
    expect(d.scoreOne(one, 2000)).toBeLessThan(d.scoreOne(all, 2000));
    expect(d.scoreOne(new Float64Array(10), 2000)).toBeLessThan(d.scoreOne(one, 2000));
  });

  it('builds the profile from past days only: a visit counts from the next day on', () => {
    const d = new ProfileZDetector({ smoothBins: 0 });
    learnSeries(d, dailySine(3, 5, 0.1));
    const bin = 3 * DAY + 100;
    const mid = (t: number) => {
      const [c] = d.explain(Float64Array.of(0), ['x'], t);
      return (c.expected[0] + c.expected[1]) / 2;
    };
    const before = mid(T0 + bin * STEP);
    d.learnOne(Float64Array.of(before + 40), T0 + bin * STEP);
    expect(mid(T0 + bin * STEP)).toBeCloseTo(before, 9); // same day: unchanged
    expect(mid(T0 + (bin + DAY) * STEP)).toBeCloseTo(before + 40 / 4, 9); // next day: the 4th day of that bin
  });

  it('is causal: scores before a change in the data do not depend on it', () => {
    const a = dailySine(4, 6);
    const b = a.slice();
    for (let i = 3 * DAY; i < b.length; i++) b[i] += 100;
    const run = (v: Float64Array) => {
      const d = new ProfileZDetector();
      return Array.from(v, (x, i) => {
        const s = d.scoreOne(Float64Array.of(x), T0 + i * STEP);
        d.learnOne(Float64Array.of(x), T0 + i * STEP);
        return s;
      });
    };
    const sa = run(a);
    const sb = run(b);
    expect(sb.slice(0, 3 * DAY)).toEqual(sa.slice(0, 3 * DAY));
    expect(sb[3 * DAY]).toBeGreaterThan(sa[3 * DAY]);
  });

  it('turns a sum of squares into a standard-normal z (Wilson–Hilferty)', () => {
    // χ²(2) has survival exp(−S/2): S = 2 ln 1000 is the 1e-3 tail, z = 3.09.
    expect(chiSquareZ(2 * Math.log(1000), 2)).toBeCloseTo(3.09, 1);
    expect(Math.abs(chiSquareZ(38 - 2 / 3, 38))).toBeLessThan(0.1); // about the median of χ²(38)
    expect(chiSquareZ(100, 38)).toBeGreaterThan(chiSquareZ(60, 38));
  });

  it('scores 0 before it has learned enough, and near 1 for an infinite value', () => {
    const d = new ProfileZDetector();
    expect(d.scoreOne(Float64Array.of(1, 2), T0)).toBe(0);
    learnSeries(d, dailySine(1, 7));
    const s = d.scoreOne(Float64Array.of(Infinity), T0 + DAY * STEP);
    expect(s).toBeLessThan(1);
    expect(s).toBeGreaterThan(0.999);
  });

  it('refuses bad settings and malformed snapshots, naming them', () => {
    expect(() => new ProfileZDetector({ binSeconds: 7 })).toThrow(InputError);
    expect(() => new ProfileZDetector({ alpha: 0 })).toThrow(/alpha/);
    expect(() => new ProfileZDetector({ bogus: 1 } as never)).toThrow(/unknown parameter "bogus"/);
    const d = new ProfileZDetector();
    learnSeries(d, dailySine(1, 8));
    const snap = JSON.parse(JSON.stringify(d.toJSON())) as DetectorSnapshot;
    const state = snap.state as Record<string, unknown>;
    expect(() => ProfileZDetector.fromJSON({ ...snap, state: { ...state, gMean: [1, 2] } })).toThrow(/state\.gMean/);
    expect(() => ProfileZDetector.fromJSON({ ...snap, params: { z50: -1 } })).toThrow(ModelFormatError);
  });
});

const ASD = '../shared/data/asd';
describe.skipIf(!existsSync(ASD))('ProfileZDetector on the ASD corpus in ../shared/data', () => {
  it('reaches a mean point-adjusted best F1 of at least 0.95 over the 12 entities (issue 4)', () => {
    const r = evaluateDetector('profile-z', readAsdCorpus(ASD));
    expect(r.series).toHaveLength(12);
    expect(r.summary.f1Adjusted).toBeGreaterThanOrEqual(0.95);
    expect(r.summary.rocAuc).toBeGreaterThan(0.8);
  });
});
if (!existsSync(ASD)) console.warn(`skipping the profile-z ASD test: ${ASD} not found (the labelled corpora live in ../shared/data)`);
