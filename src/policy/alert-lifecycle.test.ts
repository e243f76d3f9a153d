import { describe, expect, it } from 'vitest';
import { AlertLifecycle, type AlertInstance } from './alert-lifecycle.js';

const T0 = Date.UTC(2024, 0, 1, 12);
const R = 60_000;

function alert(key: string, labels: Record<string, string> = { pod: key }): AlertInstance {
  return { key, labels, annotations: { summary: key }, generatorURL: '' };
}

describe('AlertLifecycle', () => {
  it('sends a new alert with endsAt four re-sends ahead, re-sends it each interval, resolves it once', () => {
    const lc = new AlertLifecycle({ resendMs: R });
    expect(lc.update(T0, [alert('a')])).toEqual([
      { status: 'firing', labels: { pod: 'a' }, annotations: { summary: 'a' }, generatorURL: '', startsAt: T0, endsAt: T0 + 4 * R },
    ]);
    expect(lc.update(T0 + R / 2, [alert('a')])).toEqual([]);
    expect(lc.update(T0 + R, [alert('a')])).toMatchObject([{ status: 'firing', startsAt: T0, endsAt: T0 + 5 * R }]);
    expect(lc.update(T0 + R + 10, [])).toMatchObject([{ status: 'resolved', startsAt: T0, endsAt: T0 + R + 10 }]);
    expect(lc.firing()).toBe(0);
    expect(lc.update(T0 + 2 * R, [])).toEqual([]);
  });

  it('starts a new episode when the labels change or the last send expired', () => {
    const lc = new AlertLifecycle({ resendMs: R });
    lc.update(T0, [alert('a')]);
    const relabelled = lc.update(T0 + 1000, [alert('a', { pod: 'a', workload: 'v2' })]);
    expect(relabelled.map((c) => c.status)).toEqual(['resolved', 'firing']);
    const expired = lc.update(T0 + 1000 + 4 * R, [alert('a', { pod: 'a', workload: 'v2' })]);
    expect(expired).toMatchObject([{ status: 'firing', startsAt: T0 + 1000 + 4 * R }]);
  });

  it('round-trips its state and refuses a malformed one', () => {
    const lc = new AlertLifecycle({ resendMs: R });
    lc.update(T0, [alert('a')]);
    const copy = new AlertLifecycle({ resendMs: R });
    copy.restore(JSON.parse(JSON.stringify(lc)));
    expect(copy.activeAlerts().get('a')).toMatchObject({ startsAt: T0, lastSentAt: T0, endsAt: T0 + 4 * R });
    expect(() => copy.restore({ kind: 'kad-alert-lifecycle', formatVersion: 1, active: { a: { labels: 1 } } })).toThrow(/malformed/);
    expect(() => new AlertLifecycle({ resendMs: 0 })).toThrow(RangeError);
  });
});
