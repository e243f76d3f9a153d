import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.js';
import { DAY_MS, WEEK_MS, fitSeasonal, seasonalAt, selectPeriods } from './seasonal.js';

const F = 300_000; // 5-minute buckets
const P = DAY_MS / F; // 288
const T0 = Date.parse('2024-03-05T00:00:00Z'); // a Tuesday, 00:00

/** `days` of 5-minute buckets from T0 + offset: daily cosine (peak 15:00), optional weekend dip, noise. */
function buckets(days: number, o: { amp?: number; weekend?: number; noise?: number; seed?: number; offsetMs?: number } = {}): { y: Float64Array; endMs: number } {
  const rng = createRng(o.seed ?? 1);
  const start = T0 + (o.offsetMs ?? 0);
  const n = days * P;
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = start + i * F;
    const dow = (Math.floor(t / DAY_MS) + 4) % 7;
    const w = dow === 0 || dow === 6 ? (o.weekend ?? 1) : 1;
    y[i] = 100 * w + (o.amp ?? 40) * Math.cos((2 * Math.PI * ((t % DAY_MS) / 3_600_000 - 15)) / 24) + (o.noise ?? 5) * rng.normal();
  }
  return { y, endMs: start + n * F };
}

describe('selectPeriods', () => {
  it('finds a daily season, and no season in white noise or a random walk', () => {
    expect(selectPeriods(buckets(7).y, F, [DAY_MS, WEEK_MS])).toEqual([DAY_MS]);
    expect(selectPeriods(buckets(7, { amp: 0 }).y, F, [DAY_MS, WEEK_MS])).toEqual([]);
    const rng = createRng(3);
    let v = 0;
    const walk = Float64Array.from({ length: 7 * P }, () => (v += rng.normal()));
    expect(selectPeriods(walk, F, [DAY_MS, WEEK_MS])).toEqual([]);
  });

  it('adds the week only when weekends differ and there are two weeks after detrending', () => {
    expect(selectPeriods(buckets(16, { weekend: 0.5, amp: 40 }).y, F, [DAY_MS, WEEK_MS])).toEqual([DAY_MS, WEEK_MS]);
    expect(selectPeriods(buckets(16).y, F, [DAY_MS, WEEK_MS])).toEqual([DAY_MS]);
    expect(selectPeriods(buckets(12, { weekend: 0.5 }).y, F, [DAY_MS, WEEK_MS])).toEqual([DAY_MS]);
  });

  it('needs three days for a daily season (two after the moving average)', () => {
    expect(selectPeriods(buckets(2).y, F, [DAY_MS])).toEqual([]);
    expect(selectPeriods(buckets(3).y, F, [DAY_MS])).toEqual([DAY_MS]);
  });
});

describe('fitSeasonal', () => {
  it('recovers the daily shape, anchored to the time of day whatever the data start', () => {
    for (const offsetMs of [0, 7 * 3_600_000 + 35 * 60_000]) {
      const { y, endMs } = buckets(7, { offsetMs });
      const fit = fitSeasonal(y, endMs, F, 60_000, [DAY_MS]);
      expect(fit.cycles).toEqual([6]);
      for (let hour = 0; hour < 24; hour += 1.5) {
        const t = T0 + 30 * DAY_MS + hour * 3_600_000;
        // Noise 5 per bucket: a median of 6, smoothed over 3 buckets, is within about ±1.5.
        expect(Math.abs(seasonalAt(fit, t) - 40 * Math.cos((2 * Math.PI * (hour - 15)) / 24))).toBeLessThan(3.5);
      }
    }
  });

  it('keeps a day with an incident out of the shape (medians)', () => {
    const { y, endMs } = buckets(7, { noise: 1 });
    for (let i = 3 * P + 100; i < 3 * P + 160; i++) y[i] += 500; // five hours of a runaway
    const fit = fitSeasonal(y, endMs, F, F, [DAY_MS]);
    const t = T0 + 100 * F + 20 * F + F / 2; // inside the incident's hours of the day
    expect(Math.abs(seasonalAt(fit, t) - 40 * Math.cos((2 * Math.PI * ((t % DAY_MS) / 3_600_000 - 15)) / 24))).toBeLessThan(20);
  });

  it('splits a daily and a weekly shape, and gives 0 with no periods', () => {
    const { y, endMs } = buckets(16, { weekend: 0.5, noise: 2 });
    const fit = fitSeasonal(y, endMs, F, F, [DAY_MS, WEEK_MS]);
    expect(fit.profiles.map((p) => p.length)).toEqual([288, 2016]);
    // Saturday noon sits below Wednesday noon by about the weekend drop (trend is a one-day moving
    // average, so part of the drop is in the trend; the weekly shape carries the rest).
    const wed = Date.parse('2024-03-27T12:00:00Z');
    const sat = Date.parse('2024-03-30T12:00:00Z');
    expect(seasonalAt(fit, sat)).toBeLessThan(seasonalAt(fit, wed));
    expect(seasonalAt(fitSeasonal(y, endMs, F, F, []), wed)).toBe(0);
  });
});
