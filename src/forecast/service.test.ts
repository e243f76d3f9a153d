import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.js';
import { seasonalSeries } from './fixtures.testkit.js';
import { ForecastService } from './service.js';

const MIN = 60_000;
/** One-minute series, refreshed as the config's default says. */
const OPTIONS = { stepMs: MIN, refreshMs: loadConfig({ env: {} }).forecast.refreshMinutes * MIN };

describe('ForecastService', () => {
  const s = seasonalSeries({ seed: 2, days: 3 });
  const feed = (svc: ForecastService, keys: string[], from: number, to: number): void => {
    for (let i = from; i < to; i++) for (const k of keys) svc.observe(k, s.startMs + i * MIN, s.values[i]);
  };

  it('refreshes each series when due, least recently refreshed first, and feeds the accuracy tracker', () => {
    const svc = new ForecastService({ ...OPTIONS, refreshMs: 5 * MIN });
    feed(svc, ['a', 'b'], 0, 2000);
    let now = s.startMs + 1999 * MIN;
    expect(svc.refresh(now)).toMatchObject({ refreshed: 2, failed: 0, deferred: 0 });
    expect(svc.forecast('a')!.issuedAt).toBe(now);
    expect(svc.refresh(now + MIN).refreshed).toBe(0); // not due for 5 minutes
    for (let i = 2000; i < 2030; i++) {
      feed(svc, ['a', 'b'], i, i + 1);
      now = s.startMs + i * MIN;
      svc.refresh(now);
    }
    expect(svc.forecast('a')!.issuedAt).toBe(s.startMs + 2029 * MIN - ((2029 - 1999) % 5) * MIN);
    const acc = svc.accuracy('a')!;
    expect(acc.points).toBeGreaterThan(30);
    expect(acc.mase).toBeLessThan(1);
    expect(svc.status('a')).toMatchObject({ lastError: null });
  });

  it('stops at the budget and carries the rest over to the next call', () => {
    let clock = 0;
    const svc = new ForecastService(OPTIONS, { elapsedMs: () => (clock += 10) }); // every reading 10 ms later
    const keys = Array.from({ length: 6 }, (_, i) => `k${i}`);
    feed(svc, keys, 0, 500);
    const now = s.startMs + 499 * MIN;
    const first = svc.refresh(now, 25);
    expect(first.refreshed).toBeGreaterThanOrEqual(1);
    expect(first.refreshed + first.deferred).toBe(6);
    const second = svc.refresh(now, Infinity);
    expect(second.refreshed).toBe(first.deferred); // those never refreshed come first
  });

  it('records a series that cannot be forecast yet and carries on with the others', () => {
    const svc = new ForecastService(OPTIONS);
    feed(svc, ['long'], 0, 300);
    svc.observe('short', s.startMs, 1);
    const r = svc.refresh(s.startMs + 299 * MIN);
    expect(r).toMatchObject({ refreshed: 1, failed: 1 });
    expect(svc.status('short')!.lastError).toMatch(/need 60/);
    expect(svc.forecast('short')).toBeUndefined();
    svc.forget('long');
    expect(svc.keys()).toEqual(['short']);
    expect(svc.accuracy('long')).toBeUndefined();
  });
});
