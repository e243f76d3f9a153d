/**
 * Largest-z detector: the biggest absolute z-score over all features, relative to the mean and
 * standard deviation it has learned, mapped smoothly into [0, 1). Each feature's scale has a floor
 * (`minScale`), so a feature that never moved in training (restarts, dropped packets) still has a
 * finite scale and a change in it scores high — exactly what Isolation Forest cannot see, since it
 * never splits on a feature that was constant in its sample.
 *
 * Mapping: `zToScore` (score-map.ts), 0.5 at z = z50 (default 6), steepness p = 4; scores keep their
 * order and do not tie at 1.
 *
 * With `unionBound`, the largest |z| over d features is divided by √d before it is mapped: by
 * Chebyshev's inequality and a union bound, the largest of d |z|'s passes t with probability at most
 * d / t², so the z that is as rare for d features as z for one is √d · z (whatever the distributions).
 * Without it, a detector of many features fires more often on normal points the more features it
 * has (adaptive.ts sets it: its zmax member is compared with members whose scale does not grow with d).
 *
 * Robust: once a feature has 30 values, each value it learns is clamped (robust-clip.ts
 * `clampWelford`) so that it raises the spread at most about threefold: one absurd reading (1e308)
 * does not inflate the spread for good, and a real change is learned within a few points.
 */
import { ModelFormatError } from '../core/errors.js';
import type { Features, Frame } from '../core/frame.js';
import { zToScore, type ZScored } from '../core/score-map.js';
import { CLIP_AFTER, clampWelford, learnable } from '../stats/robust-clip.js';
import { type BatchDetector, type Detector, type Explainer } from './base.js';
import { deviation, onlyAboveParam, readOnlyAbove } from './scale-settings.js';
import { checkSnapshot, type DetectorSnapshot, type FeatureContribution } from '../core/snapshot.js';

const FORMAT_VERSION = 1;

/** Parameters of {@link ZMaxDetector}. */
export interface ZMaxParams {
  /** Smallest scale per feature (its own units); missing entries use `defaultMinScale`. */
  minScale?: ArrayLike<number>;
  /** Scale floor for features without an entry in `minScale`. Default 1e-6. */
  defaultMinScale?: number;
  /** The z at which the score is 0.5. Default 6. */
  z50?: number;
  /** Steepness of the mapping. Default 4. */
  power?: number;
  /** Divide the largest |z| by √(features) before mapping it (see the module comment). Default false. */
  unionBound?: boolean;
  /** Features scored only above their mean: a value below it has z 0 (scale-settings.ts `readOnlyAbove`). Default none. */
  onlyAbove?: readonly number[];
}

/** Max-|z| detector with per-feature scale floors. Streaming (Welford) and batch. */
export class ZMaxDetector implements Detector, BatchDetector, Explainer, ZScored {
  readonly kind = 'zmax';
  readonly threshold = 0.5;
  private n = 0;
  private mean = new Float64Array(0);
  private m2 = new Float64Array(0);
  private counts = new Float64Array(0);
  private readonly minScale: Float64Array;
  private readonly defaultMinScale: number;
  private readonly z50: number;
  private readonly power: number;
  private readonly unionBound: boolean;
  private readonly above: Uint8Array;
  /** 1 / √(features) with `unionBound`, else 1. */
  private zScale = 1;

  constructor(params: ZMaxParams = {}) {
    this.minScale = Float64Array.from(params.minScale ?? []);
    this.defaultMinScale = params.defaultMinScale ?? 1e-6;
    this.z50 = params.z50 ?? 6;
    this.power = params.power ?? 4;
    this.unionBound = params.unionBound === true;
    this.above = readOnlyAbove('zmax', params as Record<string, unknown>);
  }

  private setDims(d: number): void {
    this.zScale = this.unionBound && d > 1 ? 1 / Math.sqrt(d) : 1;
  }

  private ensure(d: number): void {
    if (this.mean.length >= d) return;
    const grow = (a: Float64Array) => {
      const b = new Float64Array(d);
      b.set(a);
      return b;
    };
    this.mean = grow(this.mean);
    this.m2 = grow(this.m2);
    this.counts = grow(this.counts);
    this.setDims(d);
  }

  learnOne(x: Features): void {
    this.ensure(x.length);
    this.n++;
    for (let j = 0; j < x.length; j++) {
      let v = x[j];
      if (Number.isNaN(v)) continue;
      // Robust (robust-clip.ts): past the first points, one value raises the spread at most ~3-fold.
      v = learnable(v);
      if (this.counts[j] >= CLIP_AFTER) v = clampWelford(v, this.mean[j], this.m2[j], this.counts[j], this.floorOf(j));
      const c = ++this.counts[j];
      const d = v - this.mean[j];
      this.mean[j] += d / c;
      this.m2[j] += d * (v - this.mean[j]);
    }
  }

  private floorOf(j: number): number {
    return j < this.minScale.length ? this.minScale[j] : this.defaultMinScale;
  }

  /** The largest |z| of `x` over the learned features (NaN and unseen features ignored; for an `onlyAbove` feature, its z above the mean). */
  zOf(x: Features): number {
    let zmax = 0;
    const d = Math.min(x.length, this.mean.length);
    for (let j = 0; j < d; j++) {
      const v = x[j];
      const c = this.counts[j];
      if (Number.isNaN(v) || c === 0) continue;
      const sd = c > 1 ? Math.sqrt(this.m2[j] / (c - 1)) : 0;
      const z = deviation(v - this.mean[j], this.above, j) / Math.max(sd, this.floorOf(j));
      if (z > zmax) zmax = z;
    }
    return zmax;
  }

  /**
   * Every learned feature's |z| for `x`, largest first, with the range the detector considers normal
   * (mean ± z50 · scale, times √features with `unionBound`: where the score would reach 0.5). Allocates: for explanations, not scoring.
   */
  explain(x: Features, names: readonly string[]): FeatureContribution[] {
    const out: FeatureContribution[] = [];
    const d = Math.min(x.length, this.mean.length);
    for (let j = 0; j < d; j++) {
      const c = this.counts[j];
      if (Number.isNaN(x[j]) || c === 0) continue;
      const floor = j < this.minScale.length ? this.minScale[j] : this.defaultMinScale;
      const scale = Math.max(c > 1 ? Math.sqrt(this.m2[j] / (c - 1)) : 0, floor);
      const m = this.mean[j];
      const w = (this.z50 / this.zScale) * scale;
      out.push({ name: names[j] ?? `x${j}`, value: x[j], z: deviation(x[j] - m, this.above, j) / scale, expected: [m - w, m + w] });
    }
    return out.sort((a, b) => b.z - a.z);
  }

  scoreOne(x: Features): number {
    return zToScore(this.scoreZ(x), this.z50, this.power);
  }

  /** The z that {@link ZMaxDetector.scoreOne} maps: the largest |z| (over √features with `unionBound`), 0 before any point is learned. */
  scoreZ(x: Features): number {
    return this.n === 0 ? 0 : this.zOf(x) * this.zScale;
  }

  /** The z at which the score is 0.5. */
  get scoreZ50(): number {
    return this.z50;
  }

  /** The steepness of the mapping. */
  get scorePower(): number {
    return this.power;
  }

  fit(frame: Frame): void {
    this.n = 0;
    this.mean = new Float64Array(frame.cols);
    this.m2 = new Float64Array(frame.cols);
    this.counts = new Float64Array(frame.cols);
    this.setDims(frame.cols);
    for (let i = 0; i < frame.rows; i++) this.learnOne(frame.data.subarray(i * frame.cols, (i + 1) * frame.cols));
  }

  score(frame: Frame): Float64Array {
    const out = new Float64Array(frame.rows);
    for (let i = 0; i < frame.rows; i++) out[i] = this.scoreOne(frame.data.subarray(i * frame.cols, (i + 1) * frame.cols));
    return out;
  }

  toJSON(): DetectorSnapshot {
    return {
      kind: this.kind,
      formatVersion: FORMAT_VERSION,
      params: { minScale: [...this.minScale], defaultMinScale: this.defaultMinScale, z50: this.z50, power: this.power, ...(this.unionBound ? { unionBound: true } : {}), ...onlyAboveParam(this.above) },
      state: { n: this.n, mean: [...this.mean], m2: [...this.m2], counts: [...this.counts] },
    };
  }

  /** Restores a detector saved by {@link ZMaxDetector.toJSON}. */
  static fromJSON(s: DetectorSnapshot): ZMaxDetector {
    checkSnapshot(s, 'zmax', FORMAT_VERSION);
    const st = s.state as { n?: unknown; mean?: unknown; m2?: unknown; counts?: unknown };
    for (const f of ['mean', 'm2', 'counts'] as const) {
      if (!Array.isArray(st?.[f])) throw new ModelFormatError(`zmax model: state.${f} must be an array of numbers`);
    }
    const d = new ZMaxDetector(s.params as ZMaxParams);
    d.n = Number(st.n);
    d.mean = Float64Array.from(st.mean as number[]);
    d.m2 = Float64Array.from(st.m2 as number[]);
    d.counts = Float64Array.from(st.counts as number[]);
    d.setDims(d.mean.length);
    return d;
  }
}
