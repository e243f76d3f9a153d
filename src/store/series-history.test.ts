import { describe, expect, it } from 'vitest';
import { InputError, ModelFormatError } from '../core/errors.js';
import { SeriesHistory, historyFromValues } from './series-history.js';

const T0 = Date.parse('2024-03-05T00:00:00Z');
const MIN = 60_000;

describe('SeriesHistory', () => {
  it('keeps the newest values at their step and complete 5-minute bucket means', () => {
    const h = new SeriesHistory({ stepMs: MIN, tailMs: 10 * MIN, keepMs: 60 * MIN });
    for (let i = 0; i < 23; i++) h.push(T0 + i * MIN, i);
    const v = h.view()!;
    expect(v.endMs).toBe(T0 + 22 * MIN);
    expect(Array.from(v.tail)).toEqual([13, 14, 15, 16, 17, 18, 19, 20, 21, 22]);
    // Buckets [0..4], [5..9], [10..14], [15..19] are complete; [20..22] is in progress.
    expect(Array.from(v.buckets)).toEqual([2, 7, 12, 17]);
    expect(v.bucketsEndMs).toBe(T0 + 20 * MIN);
  });

  it('marks skipped steps missing, ignores repeated or older times, and snaps times to the grid', () => {
    const h = new SeriesHistory({ stepMs: MIN, tailMs: 10 * MIN });
    h.push(T0, 1);
    h.push(T0 + 3 * MIN + 2_000, 4); // snapped to T0 + 3 min
    h.push(T0 + 3 * MIN, 99); // same slot: ignored
    h.push(T0 + MIN, 99); // older: ignored
    h.push(T0 + 4 * MIN, Infinity); // not finite: missing
    expect(Array.from(h.view()!.tail)).toEqual([1, NaN, NaN, 4, NaN]);
  });

  it('averages only the finite values of a bucket, and drops the oldest buckets when full', () => {
    const h = new SeriesHistory({ stepMs: MIN, keepMs: 15 * MIN, tailMs: 5 * MIN });
    for (let i = 0; i < 30; i++) h.push(T0 + i * MIN, i % 5 === 0 ? NaN : i);
    const v = h.view()!;
    expect(v.buckets.length).toBe(3);
    // The bucket holding the newest value (25…29) is still open: (11+12+13+14)/4, …
    expect(Array.from(v.buckets)).toEqual([12.5, 17.5, 22.5]);
    expect(h.spanMs()).toBe(15 * MIN); // what the buffers hold, not all that was pushed
  });

  it('historyFromValues shows what pushing the values shows', () => {
    const values = Array.from({ length: 100 }, (_, i) => Math.sin(i / 7));
    const h = new SeriesHistory({ stepMs: MIN });
    values.forEach((x, i) => h.push(T0 + i * MIN, x));
    expect(historyFromValues(T0, values, { stepMs: MIN })).toEqual(h.view());
  });

  it('round-trips through JSON and refuses another kind', () => {
    const h = new SeriesHistory({ stepMs: MIN, tailMs: 30 * MIN });
    for (let i = 0; i < 47; i++) h.push(T0 + i * MIN, i % 7 === 3 ? NaN : i * 1.5);
    const back = SeriesHistory.fromJSON(JSON.parse(JSON.stringify(h.toJSON())));
    expect(back.view()).toEqual(h.view());
    back.push(T0 + 47 * MIN, 1);
    h.push(T0 + 47 * MIN, 1);
    expect(back.view()).toEqual(h.view());
    expect(() => SeriesHistory.fromJSON({ ...h.toJSON(), kind: 'other' } as never)).toThrow(ModelFormatError);
  });

  it('refuses a bucket width that is not a multiple of the step', () => {
    expect(() => new SeriesHistory({ stepMs: 7 * 1000, fitStepMs: 60_000 })).toThrow(InputError);
    expect(new SeriesHistory({ stepMs: 300_000 }).view()).toBeUndefined();
  });
});
