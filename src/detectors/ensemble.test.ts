import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { createRng } from '../core/rng.js';
import { createDetector, loadDetector } from './index.js';
import { EnsembleDetector } from './ensemble.js';
import { TailCalibrator, resolveTailParams } from '../stats/tail-calibrator.js';

const MIN = 60_000;

describe('TailCalibrator', () => {
  it('gives tail shares that match the learned distribution and shrink beyond its maximum', () => {
    const c = new TailCalibrator(resolveTailParams({}, 'test'));
    const rng = createRng(3);
    for (let i = 0; i < 5000; i++) c.learn(rng.next() * 0.9);
    expect(c.pValue(0.45)).toBeGreaterThan(0.4);
    expect(c.pValue(0.45)).toBeLessThan(0.6);
    expect(c.pValue(0.89)).toBeLessThan(0.05);
    expect(c.pValue(0.99)).toBeLessThan(c.pValue(0.95));
    expect(c.pValue(0.9999)).toBeLessThan(c.pValue(0.99));
    expect(c.pValue(0.9999)).toBeGreaterThan(0);
  });

  it('says p = 1 until it has minPoints scores', () => {
    const c = new TailCalibrator(resolveTailParams({ minPoints: 10 }, 'test'));
    for (let i = 0; i < 9; i++) c.learn(0.1);
    expect(c.pValue(0.99)).toBe(1);
    c.learn(0.1);
    expect(c.pValue(0.99)).toBeLessThan(0.05);
  });

  it('rejects bad settings, naming them', () => {
    expect(() => resolveTailParams({ tailQuantile: 1 }, 'x')).toThrow(/x: tailQuantile/);
    expect(() => resolveTailParams({ minPoints: 100, window: 150 }, 'x')).toThrow(/window/);
  });
});

describe('EnsembleDetector', () => {
  /** A noisy series and a quiet one, each with one spike of the same relative size at row 1500. */
  function series(noise: number, seed: number): number[] {
    const rng = createRng(seed);
    return Array.from({ length: 2000 }, (_, i) => 100 + noise * rng.normal() + (i === 1500 ? 8 * noise : 0));
  }

  it('scores a spike far above the rest on series of very different noise, on one scale', () => {
    for (const noise of [0.01, 50]) {
      const d = createDetector('ensemble', {}, 1);
      const v = series(noise, 9);
      let maxOther = 0;
      let spike = 0;
      v.forEach((x, i) => {
        const s = d.scoreOne(Float64Array.of(x), i * MIN);
        if (i === 1500) spike = s;
        else if (i > 200) maxOther = Math.max(maxOther, s);
        d.learnOne(Float64Array.of(x), i * MIN);
      });
      expect(spike).toBeGreaterThan(d.threshold);
      expect(spike).toBeGreaterThan(maxOther);
    }
  });

  it('builds its members through the registry and restores them from a snapshot', () => {
    const d = createDetector('ensemble', { members: [{ kind: 'zmax' }, { kind: 'robust-z', params: { window: 30 } }] }, 1) as EnsembleDetector;
    expect(d.memberKinds).toEqual(['zmax', 'robust-z']);
    for (let i = 0; i < 300; i++) d.learnOne(Float64Array.of(Math.sin(i / 10)), i * MIN);
    const back = loadDetector(JSON.parse(JSON.stringify(d.toJSON()))) as EnsembleDetector;
    expect(back.memberKinds).toEqual(['zmax', 'robust-z']);
    expect(back.scoreOne(Float64Array.of(3), 300 * MIN)).toBe(d.scoreOne(Float64Array.of(3), 300 * MIN));
  });

  it('has the novelty detector as its default core and no calibrated members', () => {
    const d = createDetector('ensemble', {}, 1) as EnsembleDetector;
    expect(d.coreKind).toBe('novelty');
    expect(d.memberKinds).toEqual([]);
    const core = createDetector('novelty', {}, 1);
    const rng = createRng(4);
    for (let i = 0; i < 1500; i++) {
      const x = Float64Array.of(10 + rng.normal() + (i === 1200 ? 12 : 0));
      expect(d.scoreOne(x, i * MIN)).toBe(core.scoreOne(x, i * MIN));
      d.learnOne(x, i * MIN);
      core.learnOne(x, i * MIN);
    }
  });

  it('scores the larger of its core and its calibrated members, and restores both', () => {
    const members = [{ kind: 'zmax' }];
    const both = createDetector('ensemble', { members }, 1) as EnsembleDetector;
    const core = createDetector('novelty', {}, 1);
    const only = createDetector('ensemble', { core: null, members }, 1) as EnsembleDetector;
    expect(only.coreKind).toBeNull();
    const rng = createRng(6);
    for (let i = 0; i < 800; i++) {
      const x = Float64Array.of(5 + rng.normal());
      const s = [both.scoreOne(x, i * MIN), core.scoreOne(x, i * MIN), only.scoreOne(x, i * MIN)];
      expect(s[0]).toBe(Math.max(s[1], s[2]));
      for (const d of [both, core, only]) d.learnOne(x, i * MIN);
    }
    const back = loadDetector(JSON.parse(JSON.stringify(both.toJSON()))) as EnsembleDetector;
    expect([back.coreKind, back.memberKinds]).toEqual(['novelty', ['zmax']]);
    expect(back.scoreOne(Float64Array.of(9), 800 * MIN)).toBe(both.scoreOne(Float64Array.of(9), 800 * MIN));
  });

  it('loads a formatVersion 1 snapshot (before cores) as an ensemble without a core', () => {
    const d = createDetector('ensemble', { core: null, members: [{ kind: 'zmax' }] }, 1) as EnsembleDetector;
    for (let i = 0; i < 100; i++) d.learnOne(Float64Array.of(i % 7), i * MIN);
    const snap = JSON.parse(JSON.stringify(d.toJSON()));
    delete snap.params.core;
    delete snap.state.core;
    const v1 = loadDetector({ ...snap, formatVersion: 1 }) as EnsembleDetector;
    expect(v1.coreKind).toBeNull();
    expect(v1.scoreOne(Float64Array.of(30), 100 * MIN)).toBe(d.scoreOne(Float64Array.of(30), 100 * MIN));
    expect(() => loadDetector({ ...snap, formatVersion: 3 })).toThrow(/formatVersion/);
    expect(() => loadDetector({ ...snap, params: { ...snap.params, core: { kind: 'novelty' } }, state: { ...snap.state, core: null } })).toThrow(/state.core/);
  });

  it('rejects bad settings and unknown members', () => {
    expect(() => createDetector('ensemble', { s50: -1 }, 1)).toThrow(/ensemble: s50/);
    expect(() => createDetector('ensemble', { core: null, members: [] }, 1)).toThrow(InputError);
    expect(() => createDetector('ensemble', { core: { kind: 'ensemble' } }, 1)).toThrow(/ensemble: core/);
    expect(() => createDetector('ensemble', { members: [{ kind: 'nope' }] }, 1)).toThrow(/unknown detector kind "nope"/);
    expect(() => createDetector('ensemble', { bogus: 1 }, 1)).toThrow(/unknown parameter "bogus"/);
  });
});
