import { describe, expect, it } from 'vitest';
import { InputError, NotReadyError } from '../core/errors.js';
import { loadProphet } from './augurs.js';
import { seasonalSeries } from './fixtures.testkit.js';
import { FORECAST_MODELS, forecastRows, forecastSeries, forecastTime, type ForecastOptions, type SeriesForecast } from './forecaster.js';
import { SeriesHistory, historyFromValues } from '../store/series-history.js';
import { DAY_MS } from './seasonal.js';

const MIN = 60_000;

/** Rolling-origin forecasts over the last day of `days` days of a seeded fixture: forecasts and actual values. */
function rollingOrigins(seed: number, opts: ForecastOptions = {}, days = 8, everyMin = 60): { f: SeriesForecast; actual: Float64Array; naive: Float64Array }[] {
  const s = seasonalSeries({ seed, days });
  const h = new SeriesHistory({ stepMs: MIN });
  const out: { f: SeriesForecast; actual: Float64Array; naive: Float64Array }[] = [];
  const first = s.values.length - 1440;
  for (let i = 0; i < s.values.length - 30; i++) {
    h.push(s.startMs + i * MIN, s.values[i]);
    if (i < first || (i - first) % everyMin !== 0) continue;
    const f = forecastSeries(h.view()!, opts);
    out.push({ f, actual: s.values.slice(i + 1, i + 31), naive: s.values.slice(i + 1 - 1440, i + 31 - 1440) });
  }
  return out;
}

/** Share of actual values inside the 95% band, with the band's half-widths scaled by `scale`. */
function coverage95(runs: ReturnType<typeof rollingOrigins>, scale = 1): number {
  let inside = 0;
  let n = 0;
  for (const { f, actual } of runs) {
    for (let h = 0; h < actual.length; h++, n++) {
      if (actual[h] >= f.point[h] - scale * (f.point[h] - f.lower95[h]) && actual[h] <= f.point[h] + scale * (f.upper95[h] - f.point[h])) inside++;
    }
  }
  return inside / n;
}

const calibrated = (c: number): boolean => c >= 0.9 && c <= 0.98;

describe('forecastSeries (seasonal)', () => {
  const runs = [1, 2, 3].flatMap((seed) => rollingOrigins(seed));

  it('beats the seasonal-naive forecast 30 minutes ahead on a daily cycle with noise', () => {
    let model = 0;
    let naive = 0;
    for (const { f, actual, naive: yNaive } of runs) {
      for (let h = 0; h < 30; h++) {
        model += Math.abs(actual[h] - f.point[h]);
        naive += Math.abs(actual[h] - yNaive[h]);
      }
      expect(f.periodsMs).toEqual([DAY_MS]);
    }
    expect(model / naive).toBeLessThan(0.9);
  });

  it('has calibrated intervals, and this check fails for bands too narrow or too wide', () => {
    expect(calibrated(coverage95(runs))).toBe(true);
    expect(calibrated(coverage95(runs, 0.6))).toBe(false);
    expect(calibrated(coverage95(runs, 1.8))).toBe(false);
    let in80 = 0;
    let n = 0;
    for (const { f, actual } of runs) for (let h = 0; h < 30; h++, n++) if (actual[h] >= f.lower80[h] && actual[h] <= f.upper80[h]) in80++;
    expect(in80 / n).toBeGreaterThan(0.72);
    expect(in80 / n).toBeLessThan(0.88);
  });

  it('gives one step per minute of the horizon, after the origin, with the naive value of a day before', () => {
    const s = seasonalSeries({ seed: 5, days: 2 });
    const view = historyFromValues(s.startMs, s.values, { stepMs: MIN });
    const f = forecastSeries(view, { horizonMs: 45 * MIN });
    expect(f.point.length).toBe(45);
    expect(f.issuedAt).toBe(s.startMs + (s.values.length - 1) * MIN);
    expect(forecastTime(f, 0)).toBe(f.issuedAt + MIN);
    expect(f.naiveLagMs).toBe(DAY_MS);
    expect(f.naive[0]).toBe(s.values[s.values.length - 1440]);
    for (let h = 0; h < 45; h++) {
      expect(f.lower95[h]).toBeLessThanOrEqual(f.lower80[h]);
      expect(f.lower80[h]).toBeLessThanOrEqual(f.point[h]);
      expect(f.point[h]).toBeLessThanOrEqual(f.upper80[h]);
      expect(f.upper80[h]).toBeLessThanOrEqual(f.upper95[h]);
    }
    expect(forecastRows(f)[0].time).toBe(new Date(f.startMs).toISOString());
  });

  it('uses configured periods, and the newest value as the naive baseline on a short history', () => {
    const s = seasonalSeries({ seed: 6, days: 4 });
    const view = historyFromValues(s.startMs, s.values, { stepMs: MIN });
    expect(forecastSeries(view, { periodsMs: [] }).periodsMs).toEqual([]);
    expect(forecastSeries(view, { periodsMs: [DAY_MS] }).periodsMs).toEqual([DAY_MS]);
    const short = historyFromValues(s.startMs, s.values.subarray(0, 300), { stepMs: MIN });
    const f = forecastSeries(short);
    expect(f.naiveLagMs).toBe(0);
    expect(Array.from(f.naive)).toEqual(new Array(30).fill(s.values[299]));
  });

  it('clamps at zero for a series that never goes negative, and refuses too little history or a bad model', () => {
    const values = Float64Array.from({ length: 600 }, (_, i) => (i % 50 === 0 ? 5 : 0.01));
    const f = forecastSeries(historyFromValues(0, values, { stepMs: MIN }));
    expect(Math.min(...f.lower95)).toBe(0);
    expect(() => forecastSeries(historyFromValues(0, values.subarray(0, 30), { stepMs: MIN }))).toThrow(NotReadyError);
    expect(() => forecastSeries(historyFromValues(0, values, { stepMs: MIN }), { model: 'arima' as never })).toThrow(InputError);
  });
});

describe('forecastSeries (augurs models)', () => {
  const s = seasonalSeries({ seed: 8, days: 4, stepMs: 5 * MIN });
  const view = historyFromValues(s.startMs, s.values, { stepMs: 5 * MIN });

  it('fits seasonal-ets, mstl and prophet to the same history with ordered, finite bands', async () => {
    await loadProphet();
    expect(FORECAST_MODELS[0]).toBe('seasonal');
    for (const model of ['seasonal-ets', 'mstl', 'prophet'] as const) {
      const f = forecastSeries(view, { model });
      expect(f.model).toBe(model);
      expect(f.point.length).toBe(6);
      for (let h = 0; h < 6; h++) {
        expect(Number.isFinite(f.point[h])).toBe(true);
        expect(f.lower95[h]).toBeLessThan(f.upper95[h]);
        // The daily cycle is known: each model's point is within 15% of the truth's shape.
        const t = forecastTime(f, h);
        const truth = 100 * (1 + 0.5 * Math.cos((2 * Math.PI * ((t % DAY_MS) / 3_600_000 - 15)) / 24));
        expect(Math.abs(f.point[h] - truth) / truth).toBeLessThan(0.15);
      }
    }
  });
});
