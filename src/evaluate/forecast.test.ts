import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { seasonalSeries } from '../forecast/fixtures.testkit.js';
import { readNabTrafficCorpus, toGrid } from './forecast-corpus.js';
import { evaluateForecastCorpus, evaluateForecastSeries, formatForecastReport } from './forecast.js';

const NAB = '../shared/data/nab';
const DAY = 86_400_000;

describe('toGrid', () => {
  it('puts each observation on the nearest grid time within half a step; the rest are missing', () => {
    const t0 = 1_000 * 300_000;
    const times = Float64Array.of(t0 + 10_000, t0 + 290_000, t0 + 600_000, t0 + 1_050_000, t0 + 1_500_000);
    const g = toGrid(times, Float64Array.of(1, 2, 3, 4, 5), 300_000);
    expect(g.startMs).toBe(t0 + 300_000);
    // 10 s is before the first grid time (300 s); 290 s → 300 s; 600 s; 1,050 s is half a step from
    // 900 s and 1,200 s and rounds to 1,200 s, so 900 s has nothing; 1,500 s.
    expect(Array.from(g.values)).toEqual([2, 3, NaN, 4, 5]);
  });
});

describe('evaluateForecastSeries', () => {
  const s = seasonalSeries({ seed: 4, days: 5 });
  const series = { name: 'fixture', ...s };

  it('scores every step of every origin after the warm-up, and beats seasonal naive on a seasonal series', () => {
    const r = evaluateForecastSeries(series, { warmupMs: 3 * DAY, originEveryMs: 60 * 60_000 });
    // Origins every hour over the last two days (the last, at 23:00, still has 30 steps after it).
    expect(r.origins).toBe(48);
    expect(r.points).toBe(48 * 30);
    expect(r.failures).toBe(0);
    expect(r.mase).toBeLessThan(0.9);
    expect(r.maseInSample).toBeLessThan(1);
    expect(r.coverage95).toBeGreaterThan(r.coverage80);
    expect(r.coverage95).toBeGreaterThan(0.85);
    expect(r.mape).toBeGreaterThan(0);
    expect(r.periodsMs).toEqual([DAY]);
  });

  it('scores only observed values', () => {
    const values = s.values.slice();
    for (let i = 1; i < values.length; i += 3) values[i] = NaN; // origins (whole hours) stay observed
    const r = evaluateForecastSeries({ ...series, values }, { warmupMs: 3 * DAY, originEveryMs: 60 * 60_000 });
    expect(r.points).toBeLessThan(r.origins * 30);
    expect(r.points).toBeGreaterThan(r.origins * 19);
    expect(r.mase).toBeLessThan(0.9);
  });

  it('summarises a corpus and prints what MASE means', () => {
    const rep = evaluateForecastCorpus('fixtures', [series, { ...series, name: 'second' }], { warmupMs: 4 * DAY });
    expect(rep.summary.series).toBe(2);
    expect(rep.summary.mase).toBeCloseTo((rep.series[0].mase + rep.series[1].mase) / 2, 12);
    const text = formatForecastReport([rep], true);
    expect(text).toContain('seasonal naive from one season earlier, same horizon');
    expect(text).toMatch(/^second\s+\d+/m);
  });
});

describe.skipIf(!existsSync(`${NAB}/data/realTraffic`))('NAB realTraffic (skipped when ../shared/data/nab is absent)', () => {
  it('reads the series on a 5-minute grid and forecasts them no worse than seasonal naive', () => {
    const [s] = readNabTrafficCorpus(NAB, { only: ['speed_t4013.csv'] });
    expect(s.stepMs).toBe(300_000);
    expect(s.values.some(Number.isNaN)).toBe(true);
    const r = evaluateForecastSeries(s, { warmupMs: 3 * DAY });
    expect(r.points).toBeGreaterThan(1000);
    expect(r.mase).toBeLessThan(1);
  });
});
