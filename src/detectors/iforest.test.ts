import { describe, expect, it } from 'vitest';
import { frameFromRows, type Frame } from '../core/frame.js';
import { createRng } from '../core/rng.js';
import { InputError, ModelFormatError } from '../core/errors.js';
import { averagePathLength, IsolationForest } from './iforest.js';
import type { DetectorSnapshot } from '../core/snapshot.js';

function gaussian(seed: number, rows: number, cols: number): Frame {
  const rng = createRng(seed);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  return { names: Array.from({ length: cols }, (_, j) => `f${j}`), rows, cols, data };
}

/** Decodes the trees from a snapshot, to check their shape. */
function trees(m: IsolationForest) {
  const f = (m.toJSON().state as { forest: Record<string, string | number> }).forest;
  const dec = <A>(C: { new (b: ArrayBuffer): A }, s: string | number): A => {
    const b = Buffer.from(s as string, 'base64');
    return new C(b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer);
  };
  return {
    psi: f.psi as number,
    root: dec(Int32Array, f.root), depth: dec(Int32Array, f.depth), feature: dec(Int32Array, f.feature),
    threshold: dec(Float64Array, f.threshold), child: dec(Int32Array, f.child), value: dec(Float64Array, f.value),
  };
}

describe('averagePathLength', () => {
  it('matches c(n) = 2H(n-1) - 2(n-1)/n with H(i) = ln(i) + Euler, and the small cases', () => {
    expect(averagePathLength(0)).toBe(0);
    expect(averagePathLength(1)).toBe(0);
    expect(averagePathLength(2)).toBe(1);
    expect(averagePathLength(256)).toBe(10.244770920119917); // sklearn 1.2's _average_path_length([256])
  });
});

describe('IsolationForest', () => {
  it('grows trees as scikit-learn does: height limit ceil(log2(psi)), leaves valued depth + c(size)', () => {
    const m = new IsolationForest({ nEstimators: 20, maxSamples: 100 }, 1);
    m.fit(gaussian(1, 1000, 3));
    const t = trees(m);
    expect(t.psi).toBe(100);
    expect(t.root.length).toBe(20);
    for (let k = 0; k < 20; k++) expect(t.depth[k]).toBeLessThanOrEqual(7);
    let leaves = 0;
    for (let n = 0; n < t.child.length; n++) {
      if (t.child[n] === n) {
        leaves++;
        expect(t.threshold[n]).toBe(Infinity);
        expect(t.value[n]).toBeGreaterThan(0);
      } else {
        expect(t.feature[n]).toBeGreaterThanOrEqual(0);
        expect(t.feature[n]).toBeLessThan(3);
      }
    }
    expect(t.child.length).toBe(2 * leaves - 20); // every tree is a full binary tree
  });

  it('uses min(256, rows) samples per tree for maxSamples "auto", and caps a number at the rows', () => {
    const a = new IsolationForest({ maxSamples: 'auto' }, 1);
    a.fit(gaussian(2, 100, 2));
    expect(trees(a).psi).toBe(100);
    const b = new IsolationForest({ maxSamples: 512 }, 1);
    b.fit(gaussian(2, 300, 2));
    expect(trees(b).psi).toBe(300);
  });

  it('never splits on a constant feature; all-constant data scores exactly 0.5', () => {
    const rows = Array.from({ length: 300 }, (_, i) => [7, Math.sin(i)]);
    const m = new IsolationForest({}, 3);
    m.fit(frameFromRows(['c', 'x'], rows));
    const t = trees(m);
    for (let n = 0; n < t.child.length; n++) if (t.child[n] !== n) expect(t.feature[n]).toBe(1);
    const flat = new IsolationForest({}, 3);
    flat.fit(frameFromRows(['a', 'b'], Array.from({ length: 50 }, () => [1, 2])));
    expect(flat.scoreOne(Float64Array.of(1, 2))).toBeCloseTo(0.5, 12);
    expect(flat.scoreOne(Float64Array.of(100, -5))).toBeCloseTo(0.5, 12);
  });

  it('scores outliers high and inliers low, in (0, 1)', () => {
    const m = new IsolationForest({}, 4);
    m.fit(gaussian(4, 2000, 2));
    const inlier = m.scoreOne(Float64Array.of(0, 0));
    const outlier = m.scoreOne(Float64Array.of(6, -6));
    expect(inlier).toBeLessThan(0.45);
    expect(outlier).toBeGreaterThan(0.7);
    expect(outlier).toBeLessThan(1);
    expect(m.threshold).toBe(0.5);
  });

  it('gives identical trees for the same seed and different ones for another seed', () => {
    const f = gaussian(5, 500, 3);
    const [a, b, c] = [1, 1, 2].map((s) => new IsolationForest({}, s));
    for (const m of [a, b, c]) m.fit(f);
    expect(b.toJSON()).toEqual(a.toJSON());
    expect(c.score(f)).not.toEqual(a.score(f));
  });

  it('sets the threshold to the (1 - c) quantile of training scores for a numeric contamination', () => {
    const f = gaussian(6, 1000, 3);
    const m = new IsolationForest({ contamination: 0.05 }, 6);
    m.fit(f);
    const above = m.score(f).filter((s) => s > m.threshold).length;
    expect(above).toBeGreaterThanOrEqual(49);
    expect(above).toBeLessThanOrEqual(51);
  });

  it('scores in batch bit-identically to scoreOne, rows with NaN and short frames included', () => {
    const f = gaussian(7, 1003, 3);
    const m = new IsolationForest({ nEstimators: 37 }, 7); // trees not a multiple of 8
    m.fit(f);
    for (const i of [0, 5, 17, 1002]) f.data[i * 3 + (i % 3)] = NaN;
    const batch = m.score(f);
    for (let i = 0; i < f.rows; i++) expect(batch[i]).toBe(m.scoreOne(f.data.subarray(i * 3, i * 3 + 3)));
    const short = m.score({ names: ['f0', 'f1'], rows: 2, cols: 2, data: Float64Array.of(0, 0, 9, 9) });
    expect(short[1]).toBe(m.scoreOne(Float64Array.of(9, 9)));
  });

  it('sends a missing feature down the larger child, so a gap does not look anomalous', () => {
    const rows = Array.from({ length: 500 }, (_, i) => [i % 50 === 0 ? 100 + i : Math.cos(i), Math.sin(i)]);
    const m = new IsolationForest({}, 8);
    m.fit(frameFromRows(['a', 'b'], rows));
    const gap = m.scoreOne(Float64Array.of(NaN, 0));
    expect(gap).toBeLessThan(m.scoreOne(Float64Array.of(300, 0)));
    expect(gap).toBeLessThan(0.5);
    expect(m.scoreOne(new Float64Array(0))).toBeLessThan(0.5); // all features missing
  });

  it('keeps thresholds finite when training data holds NaN or ±Infinity', () => {
    const f = gaussian(12, 400, 2);
    for (let i = 0; i < 400; i += 7) f.data[i] = [NaN, Infinity, -Infinity][i % 3];
    const m = new IsolationForest({}, 12);
    m.fit(f);
    const t = trees(m);
    for (let n = 0; n < t.child.length; n++) if (t.child[n] !== n) expect(Number.isFinite(t.threshold[n])).toBe(true);
    for (const s of m.score(f)) expect(s > 0 && s < 1).toBe(true);
  });

  it('streams: 0 and threshold 1 before minSamples, a model after, refits every refitEvery points', () => {
    const f = gaussian(9, 400, 2);
    const m = new IsolationForest({ minSamples: 50, refitEvery: 100, windowSize: 200 }, 9);
    const rngState = () => JSON.stringify((m.toJSON().state as { rng: number[] }).rng);
    for (let i = 0; i < 49; i++) m.learnOne(f.data.subarray(2 * i, 2 * i + 2), i);
    expect(m.fitted).toBe(false);
    expect(m.scoreOne(Float64Array.of(5, 5))).toBe(0);
    expect(m.threshold).toBe(1);
    m.learnOne(f.data.subarray(98, 100), 49);
    expect(m.fitted).toBe(true);
    expect(m.threshold).toBe(0.5);
    expect(trees(m).psi).toBe(50);
    const before = rngState();
    for (let i = 50; i < 149; i++) m.learnOne(f.data.subarray(2 * i, 2 * i + 2), i);
    expect(rngState()).toBe(before);
    m.learnOne(f.data.subarray(298, 300), 149);
    expect(rngState()).not.toBe(before);
    for (let i = 150; i < 400; i++) m.learnOne(f.data.subarray(2 * i, 2 * i + 2), i);
    expect((m.toJSON().state as { window: { count: number } }).window.count).toBe(200);
    expect(trees(m).psi).toBe(200);
  });

  it('continues streaming after a batch fit from the frame tail', () => {
    const f = gaussian(10, 3000, 2);
    const m = new IsolationForest({ refitEvery: 10 }, 10);
    m.fit(f);
    const w = (m.toJSON().state as { window: { count: number; head: number } }).window;
    expect(w).toMatchObject({ count: 1024, head: 0 });
    for (let i = 0; i < 10; i++) m.learnOne(Float64Array.of(i, -i), i);
    expect(trees(m).psi).toBe(256);
  });

  it('rejects bad settings and too little data with InputError', () => {
    expect(() => new IsolationForest({ contamination: 0.6 })).toThrow(InputError);
    expect(() => new IsolationForest({ maxSamples: 1 })).toThrow(/maxSamples/);
    expect(() => new IsolationForest({ minSamples: 500, windowSize: 100 })).toThrow(/minSamples/);
    expect(() => new IsolationForest({ trees: 5 } as never)).toThrow(/unknown parameter "trees"/);
    expect(() => new IsolationForest().fit(gaussian(1, 1, 2))).toThrow(InputError);
  });

  it('refuses snapshots with a wrong kind, formatVersion or field, naming it', () => {
    const m = new IsolationForest({ nEstimators: 5 }, 11);
    m.fit(gaussian(11, 100, 2));
    const snap = JSON.parse(JSON.stringify(m.toJSON())) as DetectorSnapshot;
    expect(() => IsolationForest.fromJSON({ ...snap, kind: 'hst' })).toThrow(/kind "iforest", got kind "hst"/);
    expect(() => IsolationForest.fromJSON({ ...snap, formatVersion: 2 })).toThrow(/formatVersion 2/);
    const st = snap.state as Record<string, unknown>;
    expect(() => IsolationForest.fromJSON({ ...snap, state: { ...st, dims: 'x' } })).toThrow(/"dims"/);
    const forest = st.forest as Record<string, unknown>;
    const badChild = Buffer.from(Int32Array.of(99999).buffer).toString('base64');
    expect(() => IsolationForest.fromJSON({ ...snap, state: { ...st, forest: { ...forest, child: badChild } } })).toThrow(ModelFormatError);
    expect(() => IsolationForest.fromJSON({ ...snap, state: { ...st, rng: [1, 2] } })).toThrow(/state.rng/);
    expect(() => IsolationForest.fromJSON({ ...snap, params: { nEstimators: -1 } })).toThrow(/params/);
  });
});
