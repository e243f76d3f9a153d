/**
 * Calibration wrapper: rescales a detector's raw score by where it falls in the scores the detector
 * gave its own training data, so members of a combination share one decision scale (0.5 = "as far
 * beyond the training tail as `k` times the tail's distance from the median").
 *
 * At fit: m = median of training scores, q = their `quantile` (default 0.99). Then
 * u = (s − m) / (q − m), and the calibrated score is `zToScore(u, k, p)` (score-map.ts; 0 for u ≤ 0):
 * smooth, order-preserving, in [0, 1), so no two points tie at 1 and a threshold can fall between any two.
 * Raw Isolation Forest scores on small, clean training sets sit around 0.4–0.7; its "auto" threshold
 * of 0.5 would flag a large share of normal points, which this removes.
 * Calibration comes from the training scores given to `fit`, or, when streaming, from the inner
 * scores of the last `window` points passed to `learnOne` (each scored before it is learned, so
 * causal), recomputed every `window / 4` points.
 */
import type { Features, Frame } from '../core/frame.js';
import { ModelFormatError } from '../core/errors.js';
import { zToScore } from '../core/score-map.js';
import { type BatchDetector, type Detector } from './base.js';
import { checkSnapshot, type DetectorSnapshot } from '../core/snapshot.js';

const FORMAT_VERSION = 1;

/** Settings of {@link CalibratedDetector}. */
export interface CalibrationParams {
  /** Training-score quantile that anchors u = 1. Default 0.99. */
  quantile?: number;
  /** u at which the calibrated score is 0.5. Default 1.5. */
  k?: number;
  /** Steepness. Default 4. */
  power?: number;
  /** Streaming: how many recent learned points' scores calibrate. Default 1024. */
  window?: number;
}

/** A detector whose scores are calibrated against its training scores. */
export class CalibratedDetector implements Detector, BatchDetector {
  readonly kind = 'calibrated';
  readonly threshold = 0.5;
  private median = 0;
  private tail = 1;
  private readonly quantile: number;
  private readonly k: number;
  private readonly power: number;
  private readonly recent: Float64Array;
  private seen = 0;

  constructor(readonly inner: Detector & BatchDetector, params: CalibrationParams = {}) {
    this.quantile = params.quantile ?? 0.99;
    this.k = params.k ?? 1.5;
    this.power = params.power ?? 4;
    this.recent = new Float64Array(Math.max(8, params.window ?? 1024));
  }

  learnOne(x: Features, t: number): void {
    const n = this.recent.length;
    this.recent[this.seen % n] = this.inner.scoreOne(x, t);
    this.seen++;
    if (this.seen === 32 || this.seen % (n >> 2) === 0) this.recalibrate(this.recent.subarray(0, Math.min(this.seen, n)));
    this.inner.learnOne(x, t);
  }

  /** Sets median and tail from a set of inner scores (copied and sorted; not on the per-point path). */
  private recalibrate(scores: ArrayLike<number>): void {
    const s = Float64Array.from(scores).sort();
    if (s.length === 0) return;
    const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.round(p * (s.length - 1))))];
    this.median = at(0.5);
    this.tail = Math.max(1e-9, at(this.quantile) - this.median);
  }

  /** Maps a raw inner score to the calibrated scale. */
  calibrate(s: number): number {
    return zToScore((s - this.median) / this.tail, this.k, this.power);
  }

  scoreOne(x: Features, t: number): number {
    return this.calibrate(this.inner.scoreOne(x, t));
  }

  fit(frame: Frame): void {
    this.inner.fit(frame);
    this.recalibrate(this.inner.score(frame));
  }

  score(frame: Frame): Float64Array {
    const raw = this.inner.score(frame);
    const out = new Float64Array(raw.length);
    for (let i = 0; i < raw.length; i++) out[i] = this.calibrate(raw[i]);
    return out;
  }

  toJSON(): DetectorSnapshot {
    return {
      kind: this.kind,
      formatVersion: FORMAT_VERSION,
      params: { quantile: this.quantile, k: this.k, power: this.power, window: this.recent.length },
      state: { median: this.median, tail: this.tail, seen: this.seen, recent: [...this.recent], inner: this.inner.toJSON() },
    };
  }

  /** Restores a saved calibrated detector; `load` restores the inner one (the registry's loadDetector). */
  static fromJSON(s: DetectorSnapshot, load: (m: DetectorSnapshot) => Detector): CalibratedDetector {
    checkSnapshot(s, 'calibrated', FORMAT_VERSION);
    const st = s.state as { median?: unknown; tail?: unknown; inner?: unknown };
    if (typeof st?.median !== 'number' || typeof st.tail !== 'number' || typeof st.inner !== 'object') {
      throw new ModelFormatError('calibrated model: state must have numbers "median" and "tail" and an "inner" snapshot');
    }
    const d = new CalibratedDetector(load(st.inner as DetectorSnapshot) as Detector & BatchDetector, s.params as CalibrationParams);
    d.median = st.median;
    d.tail = st.tail;
    const recent = (s.state as { recent?: unknown }).recent;
    if (Array.isArray(recent) && recent.length === d.recent.length) {
      d.recent.set(recent as number[]);
      d.seen = Number((s.state as { seen?: unknown }).seen) || 0;
    }
    return d;
  }
}
