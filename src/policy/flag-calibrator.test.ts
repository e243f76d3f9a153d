import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.js';
import { FlagCalibrator } from './flag-calibrator.js';

describe('FlagCalibrator', () => {
  it('flags about the target share of a series\' normal points, whatever the scale of its scores', () => {
    for (const scale of [0.3, 3]) {
      const rng = createRng(7);
      const cal = new FlagCalibrator({ targetFalseAlarmRate: 0.01 });
      let flags = 0;
      const n = 20_000;
      // Scores with an exponential tail in u = −ln(1 − s), as the calibrator models them.
      for (let i = 0; i < n; i++) flags += cal.flagged(cal.observe('a', 1 - Math.exp(scale * Math.log(1 - rng.next())))) ? 1 : 0;
      expect(flags / n).toBeGreaterThan(0.005);
      expect(flags / n).toBeLessThan(0.02);
    }
  });

  it('flags nothing during warm-up, then a score far beyond the series\' own', () => {
    const cal = new FlagCalibrator({ targetFalseAlarmRate: 0.001, warmup: 50 });
    const rng = createRng(1);
      const rand = (): number => rng.next();
    for (let i = 0; i < 50; i++) expect(cal.observe('a', 0.1 * rand())).toBe(1);
    for (let i = 0; i < 10; i++) cal.observe('c', 0.1 * rand());
    expect(cal.flagged(cal.observe('c', 0.99))).toBe(false); // still warming up
    for (let i = 0; i < 200; i++) cal.observe('a', 0.1 * rand());
    expect(cal.flagged(cal.observe('a', 0.9))).toBe(true);
    expect(cal.flagged(cal.observe('b', 0.9))).toBe(false); // another series has its own history
  });

  it('learns training scores without deciding, and a high-scoring series gets a higher bar', () => {
    const cal = new FlagCalibrator({ targetFalseAlarmRate: 0.001, warmup: 50 });
    const rng = createRng(3);
      const rand = (): number => rng.next();
    for (let i = 0; i < 1000; i++) {
      cal.learn('quiet', 0.1 * rand());
      cal.learn('noisy', 0.5 + 0.45 * rand());
    }
    expect(cal.flagged(cal.observe('quiet', 0.6))).toBe(true);
    expect(cal.flagged(cal.observe('noisy', 0.6))).toBe(false);
  });

  it('keeps a bar below 1 when one early outlier is among the warm-up scores: the tail is fitted on at least 10 of them', () => {
    // As a pod model's first 100 scores: 1e-8 to 1e-4, and one lead alert of 0.54 (Nezha's emailservice
    // with the mesh: fitted on that one score, the 1-in-1,000 bar was a score of 1 for days).
    const cal = new FlagCalibrator({ targetFalseAlarmRate: 0.001 });
    const rng = createRng(5);
    for (let i = 0; i < 100; i++) cal.learn('p', i === 59 ? 0.54 : Math.exp(-9.2 * (1 + rng.next())));
    expect(cal.scoreAt('p', 0.001)).toBeLessThan(0.5);
    expect(cal.flagged(cal.observe('p', 0.84))).toBe(true);
    expect(cal.flagged(cal.observe('p', 1e-5))).toBe(false);
  });

  it('refuses a bad rate with the setting\'s name', () => {
    expect(() => new FlagCalibrator({ targetFalseAlarmRate: 0 })).toThrow(/targetFalseAlarmRate/);
    expect(() => new FlagCalibrator({ targetFalseAlarmRate: 0.001, warmup: 0 })).toThrow(/minPoints/);
  });
});

describe('FlagCalibrator.warm and pValue', () => {
  it('says when a series has its warm-up of scores, and reads p without learning', () => {
    const cal = new FlagCalibrator({ targetFalseAlarmRate: 0.01, warmup: 20 });
    for (let i = 0; i < 19; i++) cal.learn('a', 0.1 + (i % 5) * 0.01);
    expect(cal.warm('a')).toBe(false);
    expect(cal.warm('b')).toBe(false);
    cal.learn('a', 0.12);
    expect(cal.warm('a')).toBe(true);
    const p = cal.pValue('a', 0.9);
    expect(p).toBeLessThan(0.01);
    expect(cal.pValue('a', 0.9)).toBe(p); // nothing learned
    expect(cal.observe('a', 0.9)).toBe(p);
  });
});

describe('FlagCalibrator.copy', () => {
  it('starts a series from a copy of another\'s calibration, which then learns apart', () => {
    const f = new FlagCalibrator({ targetFalseAlarmRate: 0.01 });
    for (let i = 0; i < 500; i++) f.learn('a', (i % 50) / 100);
    f.copy('a', 'b');
    expect(f.warm('b')).toBe(true);
    expect(f.pValue('b', 0.3)).toBe(f.pValue('a', 0.3));
    for (let i = 0; i < 500; i++) f.learn('b', 0.9);
    expect(f.pValue('b', 0.5)).toBeGreaterThan(f.pValue('a', 0.5));
    f.copy('nobody', 'c');
    expect(f.warm('c')).toBe(false);
  });
});

describe('FlagCalibrator.scoreAt', () => {
  it('is the score where the tail probability falls below p: just below it p is not below, at it p is', () => {
    const cal = new FlagCalibrator({ targetFalseAlarmRate: 0.01, warmup: 100 });
    const rng = createRng(5);
    for (let i = 0; i < 5000; i++) cal.learn('a', 0.5 * rng.next());
    for (const p of [0.05, 0.01, 0.001]) {
      const s = cal.scoreAt('a', p);
      expect(cal.pValue('a', s)).toBeLessThan(p);
      expect(cal.pValue('a', 1 - (1 - s) * 1.0001)).toBeGreaterThanOrEqual(p);
    }
    expect(cal.scoreAt('a', 0.001)).toBeGreaterThan(cal.scoreAt('a', 0.01));
    expect(cal.scoreAt('cold', 0.01)).toBe(1);
  });
});

describe('FlagCalibrator.scoreAt at the target rate', () => {
  it('is higher for a noisier series, and 1 while a series warms up', () => {
    const cal = new FlagCalibrator({ targetFalseAlarmRate: 0.001, warmup: 50 });
    const rng = createRng(5);
    expect(cal.scoreAt('quiet', cal.rate)).toBe(1);
    for (let i = 0; i < 2000; i++) {
      cal.learn('quiet', 0.1 * rng.next());
      cal.learn('noisy', 0.5 + 0.45 * rng.next());
    }
    const quiet = cal.scoreAt('quiet', cal.rate);
    expect(quiet).toBeGreaterThan(0.1);
    expect(cal.scoreAt('noisy', cal.rate)).toBeGreaterThan(quiet);
  });
});
