import { describe, expect, it } from 'vitest';
import { bestF1, eventDetection, falseAlerts, pointAdjust, safeRocAuc, seriesPointMetrics, summarisePointMetrics } from './point-metrics.js';

describe('bestF1', () => {
  it('finds the threshold with the best F1, ties deciding together', () => {
    // labels 1 1 0 0 1; scores .9 .8 .7 .2 .1 → at .8: P=1 R=2/3 F1=.8; at .1: P=3/5 R=1 F1=.75.
    const r = bestF1([0.9, 0.8, 0.7, 0.2, 0.1], [1, 1, 0, 0, 1]);
    expect(r.f1).toBeCloseTo(0.8, 12);
    expect(r.precision).toBe(1);
    expect(r.recall).toBeCloseTo(2 / 3, 12);
    expect(r.threshold).toBe(0.8);
    // All scores tied: only "everything anomalous" exists: P=2/4, R=1, F1=2/3.
    expect(bestF1([0.5, 0.5, 0.5, 0.5], [1, 0, 1, 0]).f1).toBeCloseTo(2 / 3, 12);
  });
  it('is NaN without labelled points', () => {
    expect(Number.isNaN(bestF1([0.1, 0.2], [0, 0]).f1)).toBe(true);
  });
});

describe('point-adjust', () => {
  it('gives every point of a labelled segment the segment maximum', () => {
    expect(Array.from(pointAdjust([0.1, 0.9, 0.2, 0.3, 0.1, 0.5], [0, 1, 1, 1, 0, 1]))).toEqual([0.1, 0.9, 0.9, 0.9, 0.1, 0.5]);
  });
  it('turns one hit in a segment into a detected segment', () => {
    // 20 normal points at 0.1 and one at 0.6; one 4-point segment scoring 0.95 at one point only.
    const scores = [...new Array<number>(20).fill(0.1), 0.6, 0.95, 0, 0, 0];
    const labels = [...new Array<number>(21).fill(0), 1, 1, 1, 1];
    const raw = bestF1(scores, labels); // at .95: P=1 R=1/4 → F1=.4
    expect(raw.f1).toBeCloseTo(0.4, 12);
    const adj = bestF1(pointAdjust(scores, labels), labels); // at .95: P=1 R=1 → F1=1
    expect(adj.f1).toBe(1);
  });
});

describe('events and false alerts', () => {
  const times = Float64Array.from({ length: 10 }, (_, i) => i * 60_000);
  it('counts detected events and the delay to their first flag', () => {
    const flags = [0, 0, 0, 1, 1, 0, 0, 0, 0, 0];
    const r = eventDetection(flags, times, [{ start: 2, end: 4, t0: 90_000 }, { start: 7, end: 8, t0: 420_000 }]);
    expect(r).toEqual({ detected: 1, total: 2, delays: [90] });
  });
  it('counts runs of flags with no labelled point as false alerts', () => {
    expect(falseAlerts([1, 1, 0, 1, 0, 0, 1, 1, 0, 1], [0, 0, 0, 1, 1, 0, 0, 0, 0, 0])).toBe(3);
  });
  it('counts where a run starts: one that began before an event catches none and is a false alert; one that starts inside catches it', () => {
    // A run from row 1 to row 5 covers the event at rows 3-4 (and the one at 4-5) but started before both.
    const long = [0, 1, 1, 1, 1, 1, 0, 0, 0, 0];
    const events = [{ start: 3, end: 4, t0: 180_000 }, { start: 4, end: 5, t0: 240_000 }];
    const labels = [0, 0, 0, 1, 1, 1, 0, 0, 0, 0];
    expect(eventDetection(long, times, events)).toEqual({ detected: 0, total: 2, delays: [] });
    expect(falseAlerts(long, labels)).toBe(1);
    // Broken at row 2, the same flags start a run inside the first event: it is caught, nothing is false
    // but the run before it.
    const split = [0, 1, 0, 1, 1, 1, 0, 0, 0, 0];
    expect(eventDetection(split, times, events)).toEqual({ detected: 1, total: 2, delays: [0] });
    expect(falseAlerts(split, labels)).toBe(1);
  });
  it('summarises series: means of F1, pooled events, false alerts per series-day', () => {
    const labels = Uint8Array.from([0, 0, 0, 1, 1, 0, 0, 0, 0, 0]);
    const scores = Float64Array.from([0, 0, 0, 1, 0.5, 0, 0, 0.9, 0, 0]);
    const flags = Uint8Array.from(scores, (s) => (s >= 0.9 ? 1 : 0));
    const m = seriesPointMetrics(scores, flags, labels, times, [{ start: 3, end: 4, t0: 180_000 }]);
    expect(m.raw.f1).toBeCloseTo(0.8, 12); // at .5: P=2/3, R=1
    expect(m.adjusted.f1).toBe(1); // adjusted, both labelled points score 1
    expect(m.rocAuc).toBeCloseTo(safeRocAuc(scores, labels), 12);
    expect(m.falseAlerts).toBe(1);
    const s = summarisePointMetrics([m, m]);
    expect(s.eventRecall).toBe(1);
    expect(s.meanDelaySeconds).toBe(0);
    expect(s.falseAlertsPerSeriesDay).toBeCloseTo(2 / ((2 * 9 * 60_000) / 86_400_000), 9);
  });
  it('leaves the warm-up rows out', () => {
    const labels = Uint8Array.from([1, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    const scores = Float64Array.from([0, 1, 0, 1, 0, 0, 0, 0, 0, 0]);
    const m = seriesPointMetrics(scores, Uint8Array.from(scores), labels, times, [{ start: 0, end: 0, t0: 0 }, { start: 3, end: 3, t0: 180_000 }], 2);
    expect(m.events.total).toBe(1);
    expect(m.falseAlerts).toBe(0);
    expect(m.raw.f1).toBe(1);
    expect(Number.isNaN(safeRocAuc([1, 2], [1, 1]))).toBe(true);
  });
});
