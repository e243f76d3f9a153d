/**
 * Standard scaling: `(x - mean) / std` per feature, like scikit-learn's `StandardScaler` (population
 * standard deviation), learned in one batch (`fit`) or a point at a time (`learnOne`, Welford's
 * algorithm, numerically stable). Missing values are imputed as the mean, so they come out as 0:
 * NaN and ±Infinity are skipped when learning and map to 0 when transforming; so does a feature
 * missing because a point is shorter than the learned dimension. A feature with zero variance
 * (std below 10 × machine epsilon × max(1, |mean|)) gets scale 1, as in scikit-learn. Features past
 * the learned dimension are dropped. Once a feature has 30 values, each value it learns is clamped
 * (robust-clip.ts `clampWelford`: it may raise the standard deviation at most about threefold), so
 * one absurd reading (1e308) cannot make every other value scale to 0; ordinary data scales as
 * scikit-learn's.
 */
import type { Features, Frame } from '../core/frame.js';
import { InputError, ModelFormatError } from '../core/errors.js';
import { openSnapshot, type DetectorSnapshot } from '../core/snapshot.js';
import { CLIP_AFTER, clampWelford, learnable } from '../stats/robust-clip.js';

const KIND = 'standard-scaler';
const FORMAT_VERSION = 1;

/** A per-feature standardiser with batch and streaming learning; saves as a snapshot like detectors do. */
export class StandardScaler {
  /** Snapshot kind and pipeline step name. */
  readonly kind = KIND;
  private d = 0;
  private n = new Float64Array(0);
  private mu = new Float64Array(0);
  private m2 = new Float64Array(0);
  private inv = new Float64Array(0); // 1 / scale, kept current by learning

  /** The learned feature dimension (0 before any data): the first point's or frame's width. */
  get dims(): number {
    return this.d;
  }

  /** Per-feature means (a copy). */
  get means(): Float64Array {
    return this.mu.slice();
  }

  /** Per-feature scales: the population standard deviation, or 1 where it is (near) zero (a copy). */
  get scales(): Float64Array {
    return this.inv.map((v) => 1 / v);
  }

  /** Forgets everything and learns every row of `frame`; returns the scaler. */
  fit(frame: Frame): this {
    this.reset(frame.cols);
    for (let i = 0; i < frame.rows; i++) this.learnRow(frame.data, i * frame.cols, frame.cols);
    return this;
  }

  /** Returns a new frame with every row scaled (NaN → 0). */
  transform(frame: Frame): Frame {
    const d = this.d;
    const data = new Float64Array(frame.rows * d);
    for (let i = 0; i < frame.rows; i++) this.scaleRow(frame.data, i * frame.cols, frame.cols, data, i * d);
    return { names: Array.from({ length: d }, (_, j) => frame.names[j] ?? `f${j}`), rows: frame.rows, cols: d, data, times: frame.times };
  }

  /** Updates the running mean and variance with one point (its first `dims` features). */
  learnOne(x: Features): void {
    if (this.d === 0) {
      if (x.length === 0) throw new InputError('standard-scaler: learnOne got an empty feature vector');
      this.reset(x.length);
    }
    this.learnRow(x, 0, x.length);
  }

  /** Scales one point into `out` (its first `dims` slots) and returns `out`. Does not allocate. */
  transformOne(x: Features, out: Float64Array): Float64Array {
    this.scaleRow(x, 0, x.length, out, 0);
    return out;
  }

  /** Saves the counts, means and squared-deviation sums as JSON-safe data. */
  toJSON(): DetectorSnapshot {
    return {
      kind: KIND,
      formatVersion: FORMAT_VERSION,
      params: {},
      state: { dims: this.d, count: Array.from(this.n), mean: Array.from(this.mu), m2: Array.from(this.m2) },
    };
  }

  /** Restores a scaler saved by {@link StandardScaler.toJSON}; throws {@link ModelFormatError} naming the bad field. */
  static fromJSON(s: DetectorSnapshot): StandardScaler {
    const { model: m, state: st } = openSnapshot(s, KIND, FORMAT_VERSION, () => new StandardScaler());
    const d = st.dims;
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new ModelFormatError(`standard-scaler snapshot: field "state.dims" must be a non-negative integer, got ${JSON.stringify(d)}`);
    }
    m.reset(d);
    for (const [name, arr] of [['count', m.n], ['mean', m.mu], ['m2', m.m2]] as const) {
      const v = st[name];
      if (!Array.isArray(v) || v.length !== d || !v.every((e) => typeof e === 'number' && Number.isFinite(e))) {
        throw new ModelFormatError(`standard-scaler snapshot: field "state.${name}" must be ${d} finite numbers`);
      }
      arr.set(v as number[]);
    }
    for (let j = 0; j < d; j++) m.updateScale(j);
    return m;
  }

  private reset(d: number): void {
    this.d = d;
    this.n = new Float64Array(d);
    this.mu = new Float64Array(d);
    this.m2 = new Float64Array(d);
    this.inv = new Float64Array(d).fill(1);
  }

  private learnRow(x: Float64Array, off: number, len: number): void {
    const d = Math.min(this.d, len);
    for (let j = 0; j < d; j++) {
      let v = x[off + j];
      if (!Number.isFinite(v)) continue;
      // Robust (robust-clip.ts): past the first points, one value raises the spread at most ~3-fold.
      v = learnable(v);
      if (this.n[j] >= CLIP_AFTER) v = clampWelford(v, this.mu[j], this.m2[j], this.n[j], 10 * Number.EPSILON * Math.max(1, Math.abs(this.mu[j])));
      const n = ++this.n[j];
      const delta = v - this.mu[j];
      this.mu[j] += delta / n;
      this.m2[j] += delta * (v - this.mu[j]);
      this.updateScale(j);
    }
  }

  private updateScale(j: number): void {
    const n = this.n[j];
    const std = n > 0 ? Math.sqrt(Math.max(0, this.m2[j]) / n) : 0;
    this.inv[j] = std > 10 * Number.EPSILON * Math.max(1, Math.abs(this.mu[j])) ? 1 / std : 1;
  }

  private scaleRow(x: Float64Array, off: number, len: number, out: Float64Array, o: number): void {
    const d = this.d;
    for (let j = 0; j < d; j++) {
      const v = j < len ? x[off + j] : NaN;
      out[o + j] = Number.isFinite(v) ? (v - this.mu[j]) * this.inv[j] : 0;
    }
  }
}
