/**
 * The detector contract (CONVENTIONS.md point 11): one vitest suite every detector runs, as River's
 * `checks/` and PyOD's ROC floors do, plus the seeded fixture it runs on. `contract.test.ts` calls
 * `detectorContract(kind, (seed) => createDetector(kind, …))` for every kind of the registry.
 */
import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.js';
import { row, type Frame } from '../core/frame.js';
import { ModelFormatError } from '../core/errors.js';
import { rocAuc } from '../core/metrics.js';
import type { BatchDetector, Detector } from './base.js';
import type { DetectorSnapshot } from '../core/snapshot.js';
import { loadDetector } from './index.js';

/** A labeled fixture: a frame (one row a minute) and 1 where a row is a planted anomaly. */
export interface PlantedData {
  frame: Frame;
  labels: Uint8Array;
}

/** Options of {@link plantedAnomalies}. */
export interface PlantedOptions {
  /** Rows (default 2000). */
  rows?: number;
  /** Features (default 4). */
  dims?: number;
  /** Share of planted anomalies (default 0.02). */
  rate?: number;
}

/**
 * A seeded fixture: correlated Gaussian normal points (z ~ N(0, I) through a random lower-triangular
 * mixing matrix, then per-feature offsets and scales from 1 to 100) with a share `rate` of planted
 * anomalies, which are whitened-space points at radius 4.5 to 7 in a random direction, mixed the same
 * way. The same seed gives the same data; the anomalies' positions are random.
 */
export function plantedAnomalies(seed: number, opts: PlantedOptions = {}): PlantedData {
  const { rows = 2000, dims = 4, rate = 0.02 } = opts;
  const rng = createRng(seed);
  const mix = new Float64Array(dims * dims);
  for (let i = 0; i < dims; i++) {
    for (let j = 0; j < i; j++) mix[i * dims + j] = 0.6 * rng.normal();
    mix[i * dims + i] = 1;
  }
  const data = new Float64Array(rows * dims);
  const labels = new Uint8Array(rows);
  const times = new Float64Array(rows);
  const z = new Float64Array(dims);
  for (let r = 0; r < rows; r++) {
    let norm = 0;
    for (let j = 0; j < dims; j++) {
      z[j] = rng.normal();
      norm += z[j] * z[j];
    }
    if (rng.next() < rate) {
      labels[r] = 1;
      const radius = 4.5 + 2.5 * rng.next();
      for (let j = 0; j < dims; j++) z[j] *= radius / Math.sqrt(norm);
    }
    for (let i = 0; i < dims; i++) {
      let v = 0;
      for (let j = 0; j <= i; j++) v += mix[i * dims + j] * z[j];
      data[r * dims + i] = 10 * i + 10 ** (i % 3) * v;
    }
    times[r] = 1_700_000_000_000 + r * 60_000;
  }
  return { frame: { names: Array.from({ length: dims }, (_, j) => `f${j}`), rows, cols: dims, data, times }, labels };
}

function learnAll(d: Detector, f: Frame): void {
  for (let i = 0; i < f.rows; i++) d.learnOne(row(f, i), f.times?.[i] ?? i);
}

function scoreAll(d: Detector, f: Frame): Float64Array {
  const out = new Float64Array(f.rows);
  for (let i = 0; i < f.rows; i++) out[i] = d.scoreOne(row(f, i), f.times?.[i] ?? i);
  return out;
}

function expectUnit(scores: ArrayLike<number>): void {
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    if (!(Number.isFinite(s) && s >= 0 && s <= 1)) expect.fail(`score ${i} is ${s}, not a finite number in [0, 1]`);
  }
}

function roundTrip(d: Detector): Detector {
  return loadDetector(JSON.parse(JSON.stringify(d.toJSON())) as DetectorSnapshot);
}

/**
 * Registers the contract suite for one detector: fresh and trained scores finite in [0, 1];
 * same seed, same scores, and scoring leaves the detector unchanged; JSON round trip (through `loadDetector`) scores and keeps learning
 * identically, also after learning ±1.8e308 from the first point; NaN and extra features handled; wrong kind, formatVersion or state refused with
 * {@link ModelFormatError}; ROC-AUC above `aucFloor` (default 0.8) after learning online from a
 * stream with planted anomalies; and for batch detectors, `score` equal to `scoreOne` row by row.
 */
export function detectorContract(name: string, factory: (seed: number) => Detector, opts: { aucFloor?: number; dims?: number } = {}): void {
  const { aucFloor = 0.8, dims = 4 } = opts;
  const train = plantedAnomalies(101, { dims });
  const test = plantedAnomalies(202, { dims });
  const trained = (seed: number): Detector => {
    const d = factory(seed);
    learnAll(d, train.frame);
    return d;
  };

  describe(`detector contract: ${name}`, () => {
    it('scores a fresh detector finitely in [0, 1], with a threshold in [0, 1]', () => {
      const d = factory(1);
      expectUnit(scoreAll(d, test.frame).subarray(0, 10));
      expectUnit([d.threshold]);
    });

    it('scores finitely in [0, 1] after learning, with a threshold in [0, 1]', () => {
      const d = trained(1);
      expectUnit(scoreAll(d, test.frame));
      expectUnit([d.threshold]);
    });

    it('gives the same scores for the same seed, and scoring does not change them', () => {
      const d = trained(7);
      const first = scoreAll(d, test.frame);
      expect(scoreAll(trained(7), test.frame)).toEqual(first);
      expect(scoreAll(d, test.frame)).toEqual(first);
    });

    it('round-trips through JSON: same kind, threshold and scores, and keeps learning the same', () => {
      const a = trained(3);
      const b = roundTrip(a);
      expect(b.kind).toBe(a.kind);
      expect(b.threshold).toBe(a.threshold);
      expect(scoreAll(b, test.frame)).toEqual(scoreAll(a, test.frame));
      learnAll(a, test.frame);
      learnAll(b, test.frame);
      expect(scoreAll(b, train.frame)).toEqual(scoreAll(a, train.frame));
      expect(roundTrip(b).toJSON()).toEqual(JSON.parse(JSON.stringify(a.toJSON())));
    });

    it('saves and loads back after learning the largest doubles from its first point (a model file it wrote is never refused)', () => {
      const d = factory(7);
      const big = [Number.MAX_VALUE, -Number.MAX_VALUE, Number.MAX_VALUE, Infinity, -Number.MAX_VALUE];
      big.forEach((v, i) => d.learnOne(new Float64Array(dims).fill(v), 1_600_000_000_000 + i * 60_000));
      learnAll(d, train.frame);
      const back = roundTrip(d);
      expectUnit(scoreAll(back, test.frame).subarray(0, 50));
    });

    it('scores points with missing (NaN) features finitely in [0, 1], and learns from them', () => {
      const d = trained(4);
      const x = Float64Array.from(row(test.frame, 0));
      const out: number[] = [];
      for (let j = 0; j < dims; j++) {
        const y = x.slice();
        y[j] = NaN;
        out.push(d.scoreOne(y, 0));
        d.learnOne(y, 0);
      }
      out.push(d.scoreOne(new Float64Array(dims).fill(NaN), 0));
      expectUnit(out);
      expectUnit(scoreAll(d, test.frame));
    });

    it('ignores features past the trained dimension', () => {
      const d = trained(5);
      const x = row(test.frame, 1);
      const wide = Float64Array.from([...x, 1e9, -3, NaN]);
      expect(d.scoreOne(wide, 0)).toBe(d.scoreOne(x, 0));
      d.learnOne(wide, 0);
      expectUnit([d.scoreOne(wide, 0)]);
    });

    it('refuses snapshots with a wrong kind, formatVersion or state (ModelFormatError)', () => {
      const snap = JSON.parse(JSON.stringify(trained(6).toJSON())) as DetectorSnapshot;
      expect(() => loadDetector({ ...snap, kind: 'no-such-detector' })).toThrow(ModelFormatError);
      expect(() => loadDetector({ ...snap, kind: `no-such-step|${snap.kind}` })).toThrow(ModelFormatError);
      expect(() => loadDetector({ ...snap, formatVersion: 999 })).toThrow(ModelFormatError);
      expect(() => loadDetector({ ...snap, state: null })).toThrow(ModelFormatError);
      expect(() => loadDetector({ ...snap, formatVersion: 999 })).toThrow(/formatVersion/);
    });

    it(`learns online to a ROC-AUC above ${aucFloor} on planted anomalies`, () => {
      const auc = rocAuc(scoreAll(trained(8), test.frame), test.labels);
      expect(auc).toBeGreaterThan(aucFloor);
    });

    it('scores in batch exactly as point by point, when it is a batch detector', () => {
      const d = factory(9) as Detector & Partial<BatchDetector>;
      if (!d.fit || !d.score) return;
      d.fit(train.frame);
      const batch = d.score(test.frame);
      expectUnit(batch);
      const one = scoreAll(d, test.frame);
      for (let i = 0; i < one.length; i++) expect(batch[i]).toBeCloseTo(one[i], 12);
      expect(rocAuc(batch, test.labels)).toBeGreaterThan(aucFloor);
    });
  });
}
