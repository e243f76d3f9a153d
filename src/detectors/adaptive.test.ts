import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { createRng } from '../core/rng.js';
import { scoreToZ, zToScore } from '../core/score-map.js';
import { AdaptiveDetector } from './adaptive.js';
import { createDetector } from './index.js';

const T0 = 1_700_000_000_000;
const MIN = 60_000;

function make(params: Record<string, unknown> = {}): AdaptiveDetector {
  return createDetector('adaptive', params, 1) as AdaptiveDetector;
}

/** Scores then learns every value; returns the scores. */
function run(d: AdaptiveDetector, xs: ArrayLike<number>): Float64Array {
  const x = new Float64Array(1);
  const out = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) {
    x[0] = xs[i];
    out[i] = d.scoreOne(x, T0 + i * MIN);
    d.learnOne(x, T0 + i * MIN);
  }
  return out;
}

describe('adaptive detector', () => {
  it('defaults to a novelty lead over a zmax, profile-z and subspace body, its threshold where a body member reaches its own (B = 1)', () => {
    const d = make();
    expect(d.memberKinds).toEqual(['novelty', 'zmax', 'profile-z', 'subspace']);
    expect(d.threshold).toBe(0.5 * zToScore(1, 100, 2));
    expect(d.leadTrusted).toBe(true);
  });

  it('scores a single series exactly as without the subspace member (it skips one-feature points)', () => {
    const rng = createRng(5);
    const xs = Float64Array.from({ length: 3000 }, (_, i) => Math.sin(i / 50) + 0.1 * rng.normal() + (i === 2500 ? 5 : 0));
    const without = make({ members: [{ kind: 'novelty' }, { kind: 'zmax' }, { kind: 'profile-z', params: { binSeconds: 600, smoothBins: 1 } }] });
    expect(run(make(), xs)).toEqual(run(without, xs));
  });

  it('flags a level never seen before through its trusted lead, and keeps ordinary points below 0.5', () => {
    const rng = createRng(3);
    const xs = Float64Array.from({ length: 3000 }, () => 10 + rng.normal());
    xs[2500] = 40;
    const s = run(make(), xs);
    expect(s[2500]).toBeGreaterThanOrEqual(0.5);
    let above = 0;
    for (let i = 500; i < 2500; i++) if (s[i] >= 0.5) above++;
    expect(above).toBeLessThanOrEqual(3);
  });

  it('stops trusting a lead that fires far more often than the target rate; the body decides', () => {
    // A lead that calls every point past half a standard deviation anomalous fires on most points.
    const d = make({ members: [{ kind: 'zmax', params: { z50: 0.5 } }, { kind: 'zmax' }], rateMemory: 256 });
    const rng = createRng(5);
    const xs = Float64Array.from({ length: 2000 }, () => rng.normal());
    const s = run(d, xs);
    expect(d.leadTrusted).toBe(false);
    expect(Math.max(...s.subarray(1000))).toBeLessThan(0.5);
    const x = Float64Array.of(8);
    expect(d.scoreOne(x, T0 + 2000 * MIN)).toBeGreaterThan(Math.max(...s.subarray(1000)));
  });

  it('maps the largest body z / z50 to 0.5 · zToScore(B, bodyScale, power) when the lead is quiet', () => {
    const d = make({ members: [{ kind: 'novelty' }, { kind: 'zmax' }] });
    const z = createDetector('zmax', {}, 2);
    const rng = createRng(9);
    const x = new Float64Array(1);
    for (let i = 0; i < 300; i++) {
      x[0] = rng.normal();
      d.learnOne(x, T0 + i * MIN);
      z.learnOne(x, T0 + i * MIN);
    }
    x[0] = 0.7;
    const b = scoreToZ(z.scoreOne(x, T0 + 300 * MIN), 1, 4);
    expect(d.scoreOne(x, T0 + 300 * MIN)).toBeCloseTo(0.5 * zToScore(b, 100, 2), 12);
  });

  it('keeps strong anomalies apart in the range the flag calibrator resolves (B = 3 and B = 30 more than 2 bins apart)', () => {
    // The calibrator resolves v = 0.5 · ln(−ln(1 − s)) in bins of 1/8 below s = 0.5 (flag-calibrator.ts).
    const v = (s: number) => 0.5 * Math.log(-Math.log(1 - s));
    const body = (b: number) => 0.5 * zToScore(b, 100, 2);
    expect(v(body(30)) - v(body(3))).toBeGreaterThan(2 / 8);
    expect(v(body(3)) - v(body(1))).toBeGreaterThan(2 / 8);
    // The members' own map left less than one bin between B = 3 and any larger B.
    expect(v(0.5 * zToScore(1e6, 1, 4)) - v(0.5 * zToScore(3, 1, 4))).toBeLessThan(1 / 8);
  });

  it('refuses bad settings with InputError', () => {
    expect(() => make({ members: [{ kind: 'novelty' }] })).toThrow(InputError);
    expect(() => make({ members: [{ kind: 'novelty' }, { kind: 'adaptive' }] })).toThrow(InputError);
    expect(() => make({ leadSlack: 0.5 })).toThrow(InputError);
    expect(() => make({ leadQuorum: -1 })).toThrow(InputError);
    expect(() => make({ nope: 1 })).toThrow(InputError);
  });

  it.each([1, 0])('scores as its members do (lead when it fires, is trusted and, on 3 features, the body reaches leadQuorum %d; else the map of the largest body z / z50), ties included', (leadQuorum) => {
    const rng = createRng(5);
    // Two identical zmax members tie on every point; profile-z and subspace on 3 features.
    const members = [{ kind: 'novelty' }, { kind: 'zmax' }, { kind: 'zmax' }, { kind: 'profile-z', params: { binSeconds: 600, smoothBins: 1 } }, { kind: 'subspace', params: { minFeatures: 2 } }];
    const det = createDetector('adaptive', { members, leadQuorum }, 3) as AdaptiveDetector;
    let vetoed = 0;
    const ref = members.map((m, i) => createDetector(m.kind, m.params ?? {}, 3 + i));
    const x = new Float64Array(3);
    for (let i = 0; i < 6000; i++) {
      const t = i * 300_000;
      for (let j = 0; j < 3; j++) x[j] = 10 * (j + 1) + 3 * Math.sin((2 * Math.PI * t) / 86_400_000) + rng.normal() + (rng.next() < 0.003 ? 15 : 0);
      if (i % 500 === 7) x[1] = NaN;
      if (i === 4000) x[0] = 1e308;
      const trusted = det.leadTrusted;
      const s = det.scoreOne(x, t);
      const r = ref.map((m) => m.scoreOne(x, t));
      const body = Math.max(0, ...r.slice(1));
      // The body's largest z / z50 reaches leadQuorum (1) where its largest score reaches zToScore(1, 1, 4) = 0.5.
      const quorum = leadQuorum === 0 || body >= 0.5;
      if (r[0] >= 0.5 && trusted && !quorum) vetoed++;
      const want = r[0] >= 0.5 && trusted && quorum ? r[0] : 0.5 * zToScore(scoreToZ(body, 1, 4), 100, 2);
      if (!(Math.abs(s - want) <= 1e-9 * want)) expect({ i, s }).toEqual({ i, s: want });
      det.learnOne(x, t);
      for (const m of ref) m.learnOne(x, t);
    }
    if (leadQuorum === 1) expect(vetoed).toBeGreaterThan(0);
  });

  it('keeps a single series lead alone whatever leadQuorum is', () => {
    const rng = createRng(7);
    const xs = Float64Array.from({ length: 3000 }, (_, i) => Math.sin(i / 50) + 0.1 * rng.normal() + (i % 700 === 0 ? 3 : 0));
    expect(run(make(), xs)).toEqual(run(make({ leadQuorum: 0 }), xs));
  });
});
