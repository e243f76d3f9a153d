import { describe, expect, it } from 'vitest';
import { flagStarts, NAB_PROFILES, nabScore, nabScores, probationaryLength, scaledSigmoid } from './nab-score.js';

const std = NAB_PROFILES.standard;
/** A series of n rows with one window, scores 1 at the given rows, 0 elsewhere. */
function series(n: number, windows: { start: number; end: number }[], fire: number[], name = 's'): { name: string; scores: Float64Array; windows: typeof windows } {
  const scores = new Float64Array(n);
  for (const i of fire) scores[i] = 1;
  return { name, scores, windows };
}

describe('NAB scaled sigmoid and probationary period', () => {
  it('matches the values in NAB sweeper.py', () => {
    expect(scaledSigmoid(-1)).toBeCloseTo(0.98661, 5);
    expect(scaledSigmoid(-0.5)).toBeCloseTo(0.84828, 5);
    expect(scaledSigmoid(0)).toBe(0);
    expect(scaledSigmoid(1)).toBeCloseTo(-0.98661, 5);
    expect(scaledSigmoid(3)).toBe(-1);
  });
  it('is 15% of the rows, at most 750', () => {
    expect(probationaryLength(1000)).toBe(150);
    expect(probationaryLength(1001)).toBe(150);
    expect(probationaryLength(10_000)).toBe(750);
  });
});

describe('nabScore', () => {
  const w = [{ start: 500, end: 599 }];
  it('gives 100 to a detector firing at the start of every window and 0 to one that never fires', () => {
    const corpus = [series(1000, w, [500], 'a'), series(1000, [{ start: 300, end: 309 }, { start: 700, end: 749 }], [300, 700], 'b')];
    for (const r of nabScores(corpus)) expect(r.score).toBeCloseTo(100, 10);
    const silent = [series(1000, w, [], 'a'), series(1000, [{ start: 300, end: 309 }], [], 'b')];
    for (const r of nabScores(silent)) {
      expect(r.score).toBe(0);
      expect(r.threshold).toBe(1.1);
    }
  });

  it('rewards an early detection more than a late one, and counts only the first in a window', () => {
    const early = nabScore([series(1000, w, [525])], std);
    const late = nabScore([series(1000, w, [575])], std);
    expect(early.score).toBeGreaterThan(late.score);
    // Row 525 of [500, 599]: position -(599 - 525 + 1)/100 = -0.75; score S(-0.75)/S(-1) (tpWeight 1).
    expect(early.raw).toBeCloseTo(scaledSigmoid(-0.75) / scaledSigmoid(-1), 12);
    const both = nabScore([series(1000, w, [525, 575])], std);
    expect(both.raw).toBeCloseTo(early.raw, 12);
  });

  it('charges false positives the profile weight, less just after a window', () => {
    // Detections at 520 (TP) and 900 (FP, 300 rows past the window's end, beyond 3 widths: -fpWeight).
    const r = nabScore([series(1000, w, [520, 900])], NAB_PROFILES.standard);
    const tp = scaledSigmoid(-(599 - 520 + 1) / 100) / scaledSigmoid(-1);
    expect(r.raw).toBeCloseTo(tp - 0.11, 12);
    // An FP 10 rows after the window's end: position |599 - 609| / (100 - 1).
    const near = nabScore([series(1000, w, [520, 609])], NAB_PROFILES.standard);
    expect(near.raw).toBeCloseTo(tp + 0.11 * scaledSigmoid(10 / 99), 12);
    // reward_low_FP_rate doubles the FP cost, reward_low_FN_rate doubles a missed window's.
    expect(nabScore([series(1000, w, [520, 900])], NAB_PROFILES.reward_low_FP_rate).raw).toBeCloseTo(tp - 0.22, 12);
    const miss = nabScore([series(1000, w, [])], NAB_PROFILES.reward_low_FN_rate);
    expect(miss.raw).toBe(-2);
    expect(miss.baseline).toBe(-2);
  });

  it('ignores the probationary period', () => {
    // 1000 rows: rows 0..149 are probationary; a detection there costs nothing.
    const r = nabScore([series(1000, w, [10, 500])], std);
    expect(r.score).toBeCloseTo(100, 10);
  });

  it('chooses one threshold for the whole corpus', () => {
    const a = { name: 'a', scores: new Float64Array(1000), windows: w };
    const b = { name: 'b', scores: new Float64Array(1000), windows: w };
    a.scores[500] = 0.9; // a TP at 0.9
    b.scores[950] = 0.8; // an FP at 0.8 in b (over 3 widths past the window), and b's TP only at 0.5
    b.scores[500] = 0.5;
    const r = nabScore([a, b], std);
    // Threshold 0.5 catches both windows (+2) and one FP (-0.11); 0.9 catches one (+1 - 1).
    expect(r.threshold).toBe(0.5);
    expect(r.raw).toBeCloseTo(2 - 0.11, 12);
    expect(r.score).toBeCloseTo((100 * (2 - 0.11 + 2)) / 4, 10);
    expect(r.perSeries.map((p) => p.name)).toEqual(['a', 'b']);
    expect(r.perSeries[0].score).toBeCloseTo(100, 10);
  });

  it('scores a corpus without windows as NaN and firing everywhere below zero', () => {
    expect(Number.isNaN(nabScore([series(1000, [], [])], std).score)).toBe(true);
    const all = nabScore([{ name: 'x', scores: new Float64Array(1000).fill(1), windows: w }], std);
    expect(all.threshold).toBe(1.1); // firing everywhere is worse than never firing
  });
});

describe('nabScore at a fixed threshold', () => {
  it('scores 0/1 flags as they are, even when never firing would score better', () => {
    const w = [{ start: 500, end: 599 }];
    // Many false positives and one late detection: the sweep would choose not to fire (0).
    const fire = [200, 210, 220, 230, 240, 250, 260, 270, 280, 290, 300, 310, 590];
    const corpus = [series(1000, w, fire, 'a')];
    expect(nabScore(corpus, std).score).toBe(0);
    const fixed = nabScore(corpus, std, 'standard', 0.15, 1);
    expect(fixed.threshold).toBe(1);
    expect(fixed.score).toBeLessThan(0);
    expect(nabScores(corpus, { standard: std }, 0.15, 1)[0].score).toBe(fixed.score);
  });
});


describe('flagStarts', () => {
  it('keeps the first point of each run of flags: an alert that stays up is one detection', () => {
    expect(Array.from(flagStarts([0, 1, 1, 1, 0, 0, 1, 0, 1, 1]))).toEqual([0, 1, 0, 0, 0, 0, 1, 0, 1, 0]);
    expect(Array.from(flagStarts([1, 1, 0]))).toEqual([1, 0, 0]);
    expect(Array.from(flagStarts([]))).toEqual([]);
  });
});
