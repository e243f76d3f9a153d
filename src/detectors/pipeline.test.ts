import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.js';
import type { Features, Frame } from '../core/frame.js';
import { ModelFormatError } from '../core/errors.js';
import { StandardScaler } from '../features/standard-scaler.js';
import { IsolationForest } from './iforest.js';
import { Pipeline, pipeline } from './pipeline.js';
import type { Detector } from './base.js';
import type { DetectorSnapshot } from '../core/snapshot.js';

function data(seed: number, rows: number, cols: number): Frame {
  const rng = createRng(seed);
  const d = new Float64Array(rows * cols);
  for (let i = 0; i < d.length; i++) d[i] = 50 + 20 * rng.normal();
  return { names: Array.from({ length: cols }, (_, j) => `f${j}`), rows, cols, data: d };
}

/** A streaming-only detector: the sum of the point's values squashed into [0, 1). */
class SumDetector implements Detector {
  readonly kind = 'sum';
  readonly threshold = 0.9;
  learned = 0;
  learnOne(): void {
    this.learned++;
  }
  scoreOne(x: Features): number {
    let s = 0;
    for (const v of x) s += Math.abs(v);
    return s / (1 + s);
  }
  toJSON(): DetectorSnapshot {
    return { kind: 'sum', formatVersion: 1, params: {}, state: null };
  }
}

describe('pipeline', () => {
  it('is named after its steps and reports the detector threshold', () => {
    const p = pipeline(new StandardScaler(), new IsolationForest({}, 1));
    expect(p.kind).toBe('standard-scaler|iforest');
    expect(p.threshold).toBe(1);
  });

  it('fits and scores in batch exactly as scaler then forest by hand', () => {
    const f = data(1, 800, 3);
    const p = pipeline(new StandardScaler(), new IsolationForest({}, 5));
    p.fit(f);
    const s = new StandardScaler().fit(f);
    const m = new IsolationForest({}, 5);
    m.fit(s.transform(f));
    expect(p.score(f)).toEqual(m.score(s.transform(f)));
    expect(p.threshold).toBe(0.5);
  });

  it('scores one point as the batch does, reusing one buffer', () => {
    const f = data(2, 600, 3);
    const p = pipeline(new StandardScaler(), new IsolationForest({}, 6));
    p.fit(f);
    const batch = p.score(f);
    for (let i = 0; i < 50; i++) expect(p.scoreOne(f.data.subarray(3 * i, 3 * i + 3), 0)).toBe(batch[i]);
  });

  it('learns online: the scaler first, then the detector on scaled points', () => {
    const f = data(3, 300, 2);
    const p = pipeline(new StandardScaler(), new IsolationForest({ minSamples: 100 }, 7));
    for (let i = 0; i < 300; i++) p.learnOne(f.data.subarray(2 * i, 2 * i + 2), i);
    expect((p.transformer as StandardScaler).means[0]).toBeGreaterThan(40);
    expect((p.detector as IsolationForest).fitted).toBe(true);
    const s = p.scoreOne(Float64Array.of(50, 50), 0);
    expect(s).toBeGreaterThan(0);
    expect(p.scoreOne(Float64Array.of(500, -500), 0)).toBeGreaterThan(s);
  });

  it('falls back to point-by-point learning and scoring for a streaming-only detector', () => {
    const f = data(4, 20, 2);
    const d = new SumDetector();
    const p = pipeline(new StandardScaler(), d);
    p.fit(f);
    expect(d.learned).toBe(20);
    const out = p.score(f);
    expect(out[3]).toBe(p.scoreOne(f.data.subarray(6, 8), 0));
  });

  it('refuses a snapshot whose steps do not match its kind, or a wrong formatVersion', () => {
    const p = pipeline(new StandardScaler(), new IsolationForest({}, 8));
    p.fit(data(5, 100, 2));
    const snap = JSON.parse(JSON.stringify(p.toJSON())) as DetectorSnapshot;
    const load = (s: DetectorSnapshot) => Pipeline.fromJSON(s, StandardScaler.fromJSON, IsolationForest.fromJSON);
    expect(load(snap).score(data(6, 10, 2))).toEqual(p.score(data(6, 10, 2)));
    expect(() => load({ ...snap, kind: 'standard-scaler|hst' })).toThrow(/step 1 has kind "iforest", expected "hst"/);
    expect(() => load({ ...snap, kind: 'iforest' })).toThrow(ModelFormatError);
    expect(() => load({ ...snap, formatVersion: 0 })).toThrow(/formatVersion 0/);
    expect(() => load({ ...snap, state: { steps: [] } })).toThrow(/state.steps/);
  });
});
