import { describe, expect, it } from 'vitest';
import { frameFromRows } from '../core/frame.js';
import { ModelFormatError } from '../core/errors.js';
import { StandardScaler } from './standard-scaler.js';
import type { DetectorSnapshot } from '../core/snapshot.js';

const rows = [
  [1, 10, 5],
  [2, 20, 5],
  [3, 30, 5],
  [6, 60, 5],
];
const frame = frameFromRows(['a', 'b', 'c'], rows);

describe('StandardScaler', () => {
  it('learns population mean and std in batch, like scikit-learn', () => {
    const s = new StandardScaler().fit(frame);
    expect(Array.from(s.means)).toEqual([3, 30, 5]);
    const std = Math.sqrt((4 + 1 + 0 + 9) / 4);
    expect(s.scales[0]).toBeCloseTo(std, 12);
    expect(s.scales[1]).toBeCloseTo(10 * std, 12);
    const z = s.transform(frame);
    expect(z.cols).toBe(3);
    expect(z.data[0]).toBeCloseTo(-2 / std, 12);
  });

  it('gives a zero-variance feature scale 1, so it maps to 0', () => {
    const s = new StandardScaler().fit(frame);
    expect(s.scales[2]).toBe(1);
    expect(s.transformOne(Float64Array.of(3, 30, 5), new Float64Array(3))[2]).toBe(0);
    expect(s.transformOne(Float64Array.of(3, 30, 7), new Float64Array(3))[2]).toBe(2);
  });

  it('streams (Welford) to the same statistics as a batch fit', () => {
    const b = new StandardScaler().fit(frame);
    const s = new StandardScaler();
    for (const r of rows) s.learnOne(Float64Array.from(r));
    for (let j = 0; j < 3; j++) {
      expect(s.means[j]).toBeCloseTo(b.means[j], 12);
      expect(s.scales[j]).toBeCloseTo(b.scales[j], 12);
    }
  });

  it('skips NaN and ±Infinity when learning and imputes them as the mean (0) when transforming', () => {
    const s = new StandardScaler();
    s.learnOne(Float64Array.of(1, NaN));
    s.learnOne(Float64Array.of(3, 4));
    s.learnOne(Float64Array.of(Infinity, 6));
    expect(Array.from(s.means)).toEqual([2, 5]);
    const out = s.transformOne(Float64Array.of(NaN, -Infinity), new Float64Array(2));
    expect(Array.from(out)).toEqual([0, 0]);
  });

  it('treats features missing from a short point as missing and drops extra ones, writing into out', () => {
    const s = new StandardScaler().fit(frame);
    const out = new Float64Array(3).fill(99);
    const ret = s.transformOne(Float64Array.of(3), out);
    expect(ret).toBe(out);
    expect(Array.from(out)).toEqual([0, 0, 0]);
    s.transformOne(Float64Array.of(3, 30, 5, 1e9), out);
    expect(Array.from(out)).toEqual([0, 0, 0]);
    s.learnOne(Float64Array.of(3, 30, 5, 1e9));
    expect(s.dims).toBe(3);
  });

  it('round-trips through JSON and refuses a wrong kind, formatVersion or field', () => {
    const s = new StandardScaler().fit(frame);
    const snap = JSON.parse(JSON.stringify(s.toJSON())) as DetectorSnapshot;
    expect(snap.kind).toBe('standard-scaler');
    expect(snap.formatVersion).toBe(1);
    const r = StandardScaler.fromJSON(snap);
    const x = Float64Array.of(4, 15, 9);
    expect(r.transformOne(x, new Float64Array(3))).toEqual(s.transformOne(x, new Float64Array(3)));
    expect(() => StandardScaler.fromJSON({ ...snap, kind: 'iforest' })).toThrow(ModelFormatError);
    expect(() => StandardScaler.fromJSON({ ...snap, formatVersion: 7 })).toThrow(/formatVersion 7/);
    expect(() => StandardScaler.fromJSON({ ...snap, state: { ...(snap.state as object), mean: [1] } })).toThrow(/state.mean/);
  });
});
