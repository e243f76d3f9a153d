import { describe, expect, it } from 'vitest';
import { InputError, ModelFormatError } from '../core/errors.js';
import { ForecastAccuracy } from './accuracy.js';
import type { SeriesForecast } from './forecaster.js';

const MIN = 60_000;

/** A hand-made forecast: `point` with a band of ±`half80` / ±`half95`, and a naive baseline. */
function fc(issuedAt: number, point: number[], naive: number[], half80 = 1, half95 = 2): SeriesForecast {
  const p = Float64Array.from(point);
  return {
    model: 'seasonal', issuedAt, stepMs: MIN, startMs: issuedAt + MIN, point: p,
    lower80: p.map((v) => v - half80), upper80: p.map((v) => v + half80), lower95: p.map((v) => v - half95), upper95: p.map((v) => v + half95),
    naive: Float64Array.from(naive), naiveLagMs: 86_400_000, periodsMs: [],
  };
}

describe('ForecastAccuracy', () => {
  it('scores each actual against every pending forecast with a step at its time', () => {
    const acc = new ForecastAccuracy();
    acc.issue('a', fc(0, [10, 10, 10], [12, 12, 12]));
    acc.issue('a', fc(MIN, [11, 11, 11], [12, 12, 12]));
    expect(acc.observe('a', MIN, 10)).toBe(1); // only the first forecast has a step at 1 min
    expect(acc.observe('a', 2 * MIN + 5_000, 11)).toBe(2); // within half a step of 2 min: both
    expect(acc.observe('a', 2 * MIN, 11)).toBe(0); // that step is scored already
    const s = acc.stats('a')!;
    expect(s.points).toBe(3);
    // |e| = 0, 1, 0; |e_naive| = 2, 1, 1.
    expect(s.mase).toBeCloseTo(1 / 4, 12);
    expect(s.maeModel).toBeCloseTo(1 / 3, 12);
    expect(s.mape).toBeCloseTo((100 * (1 / 11)) / 3, 5); // pairs are kept as float32
    expect(s.coverage80).toBe(1);
    expect(acc.observe('b', MIN, 1)).toBe(0);
    expect(acc.stats('b')).toBeUndefined();
  });

  it('measures interval coverage', () => {
    const acc = new ForecastAccuracy();
    acc.issue('a', fc(0, [0, 0, 0, 0], [0, 0, 0, 0]));
    [0.5, 1.5, 2.5, -0.2].forEach((y, i) => acc.observe('a', (i + 1) * MIN, y));
    const s = acc.stats('a')!;
    expect(s.coverage80).toBe(0.5); // 0.5 and −0.2 inside ±1
    expect(s.coverage95).toBe(0.75); // 2.5 outside ±2
  });

  it('marks a series poor once it has enough points no better than naive, and forgets the oldest beyond the window', () => {
    const acc = new ForecastAccuracy({ minPoints: 20, window: 50 });
    for (let k = 0; k < 10; k++) {
      acc.issue('s', fc(k * 10 * MIN, new Array(10).fill(5), new Array(10).fill(10)));
      for (let i = 1; i <= 10; i++) acc.observe('s', (k * 10 + i) * MIN, 8); // |e| 3 vs |e_naive| 2
      if (k === 0) expect(acc.isPoor('s')).toBe(false); // 10 points: not enough to judge
    }
    const poor = acc.stats('s')!;
    expect(poor.points).toBe(50);
    expect(poor.mase).toBeCloseTo(1.5, 12);
    expect(poor.poor).toBe(true);
    // Better forecasts push the poor ones out of the window.
    for (let k = 10; k < 16; k++) {
      acc.issue('s', fc(k * 10 * MIN, new Array(10).fill(8), new Array(10).fill(10)));
      for (let i = 1; i <= 10; i++) acc.observe('s', (k * 10 + i) * MIN, 8);
    }
    expect(acc.stats('s')!.mase).toBe(0);
    expect(acc.isPoor('s')).toBe(false);
  });

  it('drops forecasts whose steps have all passed, and keeps at most maxPending', () => {
    const acc = new ForecastAccuracy({ maxPending: 2 });
    acc.issue('a', fc(0, [1, 1], [1, 1]));
    acc.issue('a', fc(MIN, [1, 1], [1, 1]));
    acc.issue('a', fc(2 * MIN, [1, 1], [1, 1])); // the first is dropped
    expect(acc.observe('a', 2 * MIN, 1)).toBe(1); // only the second has a step at 2 min left
    expect(acc.observe('a', 10 * MIN, 1)).toBe(0);
    expect(acc.toJSON().series.a.pending).toEqual([]);
  });

  it('round-trips through JSON and refuses bad options or another kind', () => {
    const acc = new ForecastAccuracy({ window: 8 });
    acc.issue('a', fc(0, [1, 2, 3], [0, 0, 0]));
    acc.observe('a', MIN, 1.5);
    const back = ForecastAccuracy.fromJSON(JSON.parse(JSON.stringify(acc.toJSON())));
    expect(back.stats('a')).toEqual(acc.stats('a'));
    back.observe('a', 2 * MIN, 0);
    acc.observe('a', 2 * MIN, 0);
    expect(back.stats('a')).toEqual(acc.stats('a'));
    expect(() => ForecastAccuracy.fromJSON({ ...acc.toJSON(), formatVersion: 2 } as never)).toThrow(ModelFormatError);
    expect(() => new ForecastAccuracy({ window: 0 })).toThrow(InputError);
  });
});
