import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.js';
import type { LabeledSeries } from './corpus.js';
import { eventsFromLabels } from './corpus.js';
import { datasetMean, datasetMeans, decide, foldFigures, leaveOneCorpusOut, NEAR_TIE, scoreFold, steadiest, type Fold, type LocoGrid } from './loco.js';

/** A noisy 1-minute series with `spikes` planted as 3-point anomalies. */
function series(name: string, seed: number, spikes: number[], rows = 1500): LabeledSeries {
  const rng = createRng(seed);
  const data = new Float64Array(rows);
  const times = new Float64Array(rows);
  const labels = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    times[i] = Date.UTC(2024, 0, 1) + i * 60_000;
    const hit = spikes.some((s) => i >= s && i < s + 3);
    data[i] = rng.normal() + (hit ? 8 : 0);
    labels[i] = hit ? 1 : 0;
  }
  return { name, frame: { names: ['v'], rows, cols: 1, data, times }, labels, events: eventsFromLabels(labels, times), warmup: 0 };
}

const fold = (name: string, dataset: string, seed: number, labels?: string): Fold => ({
  name, dataset, labels, objective: name.startsWith('ev') ? 'events' : 'flag-f1',
  series: [series(`${name}-1`, seed, [600, 900, 1200]), series(`${name}-2`, seed + 1, [700, 1100])],
});

describe('leave-one-corpus-out', () => {
  it('decides K in a row on the tail probabilities', () => {
    const run = { scores: new Float64Array(6), flags: new Uint8Array(6), pValues: Float64Array.from([1, 0.0001, 0.5, 0.0001, 0.0001, 0.0001]) };
    const times = Float64Array.from([0, 1, 2, 3, 4, 5].map((i) => i * 60_000));
    expect([...decide(run, times, { rate: 0.001, k: 1, hysteresis: 0 })]).toEqual([0, 1, 0, 1, 1, 1]);
    expect([...decide(run, times, { rate: 0.001, k: 2, hysteresis: 0 })]).toEqual([0, 0, 0, 0, 1, 1]);
    const held = { ...run, pValues: Float64Array.from([0.0001, 0.005, 0.5, 0.0001, 0.05, 0.005]) };
    expect([...decide(held, times, { rate: 0.001, k: 1, hysteresis: 0.01 })]).toEqual([1, 1, 0, 1, 0, 0]); // up while p < 0.011
    expect(() => decide({ scores: run.scores, flags: run.flags }, times, { rate: 0.001, k: 1, hysteresis: 0 })).toThrow(/tail probabilities/);
  });

  it('averages per data set first', () => {
    expect(datasetMean([{ dataset: 'a', value: 1 }, { dataset: 'a', value: 0 }, { dataset: 'b', value: 1 }, { dataset: 'c', value: NaN }])).toBeCloseTo(0.75);
  });

  it('chooses each fold\'s constants on the other folds only, never on folds sharing its labels', () => {
    const folds = [fold('a', 'x', 1), fold('b', 'x', 3), fold('c', 'y', 5, 'same'), fold('ev', 'z', 7, 'same')];
    const grid: LocoGrid = { detectors: [{ kind: 'zmax', label: 'zmax' }], rates: [1e-3, 1e-2, 0.1], k: [1, 2], hysteresis: [0] };
    const r = leaveOneCorpusOut(folds, grid);
    expect(r.heldOut.map((h) => h.fold)).toEqual(['a', 'b', 'c', 'ev']);
    expect(r.heldOut[0].source).toEqual(['b', 'c', 'ev']);
    expect(r.heldOut[2].source).toEqual(['a', 'b']); // c and ev share labels
    expect(r.selfTuned.every((s) => s.source[0] === 'itself')).toBe(true);
    // The held-out point of fold a is within NEAR_TIE of the best per-data-set mean objective of b, c
    // and ev, and among those its worst data set is best.
    const scored = folds.map((f) => scoreFold(f, grid.detectors[0]));
    const values = (rate: number, k: number) => [1, 2, 3].map((j) => ({ dataset: folds[j].dataset, value: foldFigures(folds[j], scored[j], { rate, k, hysteresis: 0 }).objective }));
    const score = (rate: number, k: number) => datasetMean(values(rate, k));
    const worst = (rate: number, k: number) => Math.min(...datasetMeans(values(rate, k)));
    const chosen = r.heldOut[0].point;
    const all = grid.rates.flatMap((rate) => grid.k.map((k) => ({ rate, k })));
    const top = Math.max(...all.map((p) => score(p.rate, p.k)));
    expect(score(chosen.rate, chosen.k)).toBeGreaterThanOrEqual(top - NEAR_TIE);
    for (const p of all) if (score(p.rate, p.k) >= top - NEAR_TIE) expect(worst(p.rate, p.k)).toBeLessThanOrEqual(worst(chosen.rate, chosen.k));
    // The self-tuned point is at least as good on the fold itself.
    r.selfTuned.forEach((s, j) => expect(s.figures.objective).toBeGreaterThanOrEqual(r.heldOut[j].figures.objective));
    expect(r.heldOut[3].figures.recallAt?.[2]).toBeGreaterThan(0.5);
    expect(r.heldOut[0].figures.summary.flagF1).toBeGreaterThan(0.5);
    // Near-ties: the points within NEAR_TIE of the best mean, and fold a's own objective over them.
    const tied = all.filter((p) => score(p.rate, p.k) >= top - NEAR_TIE);
    const own = tied.map((p) => foldFigures(folds[0], scored[0], { ...p, hysteresis: 0 }).objective);
    expect(r.heldOut[0].nearTies).toEqual({ points: tied.length, min: Math.min(...own), max: Math.max(...own) });
    expect(r.heldOut[0].nearTies!.min).toBeLessThanOrEqual(r.heldOut[0].figures.objective);
    expect(r.heldOut[0].nearTies!.max).toBeGreaterThanOrEqual(r.heldOut[0].figures.objective);
    expect(r.selfTuned.every((s) => s.nearTies === undefined)).toBe(true);
  });

  it('chooses among near-ties the point whose worst data set is best, then the higher mean', () => {
    const means = [0.5, 0.3, 0.5, 0.499, 0.498];
    // Points 0, 2, 3 and 4 are tied; 3 and 4 share the best worst data set, 3 has the higher mean.
    expect(steadiest([0, 2, 3, 4], 0, means, [0.2, 0.1, 0.4, 0.4])).toBe(3);
    expect(steadiest([0, 2, 3, 4], 0, means, [0.2, 0.1, 0.4, 0.5])).toBe(4);
    // No finite worst: the best mean; a NaN worst never wins over a finite one.
    expect(steadiest([0, 2], 2, means, [NaN, NaN])).toBe(2);
    expect(steadiest([0, 2], 0, means, [NaN, 0.1])).toBe(2);
    const per = datasetMeans([{ dataset: 'x', value: 0.2 }, { dataset: 'x', value: 0.4 }, { dataset: 'y', value: NaN }, { dataset: 'z', value: 0.1 }]);
    expect(per).toHaveLength(2); // y has no finite value
    expect(per[0]).toBeCloseTo(0.3, 12);
    expect(per[1]).toBe(0.1);
  });

  it('measures a fold with no other fold to choose on (no finite mean): at the point the argmax gives, with no near-ties', () => {
    const r = leaveOneCorpusOut([fold('a', 'x', 1)], { detectors: [{ kind: 'zmax', label: 'zmax' }], rates: [1e-3, 1e-2], k: [1, 2], hysteresis: [0] });
    expect(r.heldOut[0].source).toEqual([]);
    expect(r.heldOut[0].point).toMatchObject({ rate: 1e-2, k: 2 }); // argmax over NaN means: the last point, as before the near-tie rule
    expect(r.heldOut[0].nearTies).toBeUndefined();
  });

  it('scores NAB folds by NAB at the flags, and all NAB folds together', () => {
    const nab = (name: string, seed: number): Fold => ({ ...fold(name, 'nab', seed), objective: 'nab' });
    const r = leaveOneCorpusOut([nab('n1', 11), nab('n2', 13), fold('a', 'x', 1)], { detectors: [{ kind: 'zmax', label: 'zmax' }], rates: [1e-3, 1e-2], k: [1], hysteresis: [0, 0.01] });
    expect(r.heldOut[0].figures.objective).toBeCloseTo((r.heldOut[0].figures.nabFlags as number) / 100, 9);
    expect(r.heldOut[0].figures.nabStandard).toBeGreaterThan(50);
    expect(r.nab?.folds).toEqual(['n1', 'n2']);
    expect(r.nab?.flags).toBeGreaterThan(0);
  });
});
