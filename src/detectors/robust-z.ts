/**
 * Robust z-score detector: per feature, the distance of a point from the median of the last
 * `window` values, in units of their scaled median absolute deviation (MAD), the rolling-median fix
 * for noisy flags from the seed `003`. The largest |z| over the features is mapped smoothly into
 * [0, 1) as `zmax.ts` does: score = z^p / (z^p + z50^p), 0.5 at z = z50 (default 6), p = 4.
 *
 * Streaming and causal: `scoreOne(x_t)` reads only the windows of points learned before it, and
 * `learnOne(x_t)` then adds it. Each feature keeps a ring buffer (arrival order) and the same values
 * kept sorted in a Float64Array, updated by one deletion and one insertion (O(window) per point, no
 * allocation); the median is read off the sorted window and the MAD is found by merging outward from
 * the median (also O(window), no allocation). Both are computed when a point is learned and cached,
 * so `scoreOne` is O(features).
 *
 * Scale: max(1.4826 · MAD, minScale[j] (or defaultMinScale), relativeFloor · |median|), so a constant
 * series (MAD 0) still has a finite scale and a change in it scores high instead of infinitely.
 *
 * Missing values: NaN and ±Infinity are not learned (the feature's window is left as it was). At
 * scoring, NaN features and features not yet seen `minPoints` times are skipped (a point with none
 * left scores 0); ±Infinity gives z = Infinity and the score 1 − 1e-12. The feature dimension is fixed
 * by the first learned point; features past it are ignored.
 */
import { paramReader } from '../core/params.js';
import { InputError, ModelFormatError } from '../core/errors.js';
import type { Features } from '../core/frame.js';
import { zToScore } from '../core/score-map.js';
import { madOf, medianOf } from '../stats/sorted-median.js';
import { insertSorted, removeSorted } from '../stats/sorted-windows.js';
import { type Detector, type Explainer } from './base.js';
import { deviation, onlyAboveParam, readOnlyAbove, readScaleSettings, scaleFloor, SCALE_PARAMS, type ScaleParams, type ScaleSettings } from './scale-settings.js';
import { openSnapshot, type DetectorSnapshot, type FeatureContribution } from '../core/snapshot.js';

const KIND = 'robust-z';
const FORMAT_VERSION = 1;
/** MAD → standard deviation of a normal distribution. */
const MAD_TO_SD = 1.482602218505602;
export { madOf, medianOf };
const PARAMS = ['window', 'minPoints', 'onlyAbove', ...SCALE_PARAMS];

/**
 * Parameters of {@link RobustZDetector}; every field has a default. Scale floors and mapping (see
 * scale-settings.ts): `defaultMinScale` 1e-9, `relativeFloor` of |median| 1e-3 (a 1% change of a
 * constant series is z = 10), `z50` 6, `power` 4.
 */
export interface RobustZParams extends ScaleParams {
  /** Points per feature in the rolling window (default 60). */
  window?: number;
  /** Values a feature needs in its window before it is scored (default 10, at most `window`). */
  minPoints?: number;
  /** Features scored only above their median: a value below it has z 0 (scale-settings.ts `readOnlyAbove`). Default none. */
  onlyAbove?: readonly number[];
}

type Resolved = { window: number; minPoints: number } & ScaleSettings;

function resolve(p: Record<string, unknown>): Resolved {
  const num = paramReader('robust-z', p, PARAMS);
  const window = num('window', 60, (v) => Number.isInteger(v) && v >= 3 && v <= 1e6, 'an integer in [3, 1e6]');
  const minPoints = num('minPoints', Math.min(10, window), (v) => Number.isInteger(v) && v >= 1 && v <= window, `an integer in [1, window = ${window}]`);
  return { window, minPoints, ...readScaleSettings('robust-z', p, num, { defaultMinScale: 1e-9, z50: 6 }) };
}

/** Rolling median / MAD robust z-score detector, per feature, streaming. See the file comment. */
export class RobustZDetector implements Detector, Explainer {
  /** Registry key and snapshot kind. */
  readonly kind = KIND;
  /** A point is anomalous on its own past score 0.5 (z = z50). */
  readonly threshold = 0.5;
  /** The settings, defaults filled in. */
  readonly params: Readonly<Resolved>;
  /** The `onlyAbove` features' mask. */
  private readonly above: Uint8Array;
  private d = 0;
  private ring = new Float64Array(0); // per feature j: window values at [j·W, (j+1)·W), arrival order
  private sorted = new Float64Array(0); // per feature j: its count values sorted ascending at [j·W, j·W + count)
  private count = new Int32Array(0);
  private head = new Int32Array(0); // next ring slot per feature
  private med = new Float64Array(0); // per feature: the window's median and scale, updated by learnOne
  private scale = new Float64Array(0);

  /** Creates an empty detector; throws {@link InputError} naming a bad setting. */
  constructor(params: RobustZParams = {}) {
    this.params = Object.freeze(resolve(params as Record<string, unknown>));
    this.above = readOnlyAbove(KIND, params as Record<string, unknown>);
  }

  /** The feature dimension (0 before any point is learned). */
  get dims(): number {
    return this.d;
  }

  /** Adds one point to each feature's window (NaN and ±Infinity skipped). */
  learnOne(x: Features, _t = 0): void {
    if (this.d === 0) this.init(x.length);
    const W = this.params.window;
    for (let j = 0; j < this.d && j < x.length; j++) {
      const v = x[j];
      if (!Number.isFinite(v)) continue;
      const base = j * W;
      const c = this.count[j];
      if (c === W) removeSorted(this.sorted, base, c, this.ring[base + this.head[j]]);
      else this.count[j] = c + 1;
      insertSorted(this.sorted, base, this.count[j] - 1, v);
      this.ring[base + this.head[j]] = v;
      this.head[j] = (this.head[j] + 1) % W;
      const m = medianOf(this.sorted, base, this.count[j]);
      this.med[j] = m;
      this.scale[j] = this.scaleOf(j, base, this.count[j], m);
    }
  }

  /** The largest robust |z| of `x` over the features with enough history (0 when none). */
  zOf(x: Features): number {
    let zmax = 0;
    const n = Math.min(this.d, x.length);
    for (let j = 0; j < n; j++) {
      const v = x[j];
      if (Number.isNaN(v) || this.count[j] < this.params.minPoints) continue;
      const z = deviation(v - this.med[j], this.above, j) / this.scale[j];
      if (z > zmax) zmax = z;
    }
    return zmax;
  }

  /** Scores one point in [0, 1) against the windows learned before it; does not allocate. */
  scoreOne(x: Features, _t = 0): number {
    return zToScore(this.zOf(x), this.params.z50, this.params.power);
  }

  /**
   * Every scored feature's robust |z|, largest first, with the normal range median ± z50 · scale
   * (where the score reaches 0.5). Allocates: for explanations, not scoring.
   */
  explain(x: Features, names: readonly string[]): FeatureContribution[] {
    const out: FeatureContribution[] = [];
    for (let j = 0; j < Math.min(this.d, x.length); j++) {
      if (Number.isNaN(x[j]) || this.count[j] < this.params.minPoints) continue;
      const med = this.med[j];
      const s = this.scale[j];
      out.push({ name: names[j] ?? `x${j}`, value: x[j], z: deviation(x[j] - med, this.above, j) / s, expected: [med - this.params.z50 * s, med + this.params.z50 * s] });
    }
    return out.sort((a, b) => b.z - a.z);
  }

  /** Saves settings and every feature's window (oldest value first) as JSON. */
  toJSON(): DetectorSnapshot {
    const W = this.params.window;
    const windows: number[][] = [];
    for (let j = 0; j < this.d; j++) {
      const c = this.count[j];
      const start = c < W ? 0 : this.head[j];
      const w: number[] = [];
      for (let i = 0; i < c; i++) w.push(this.ring[j * W + ((start + i) % W)]);
      windows.push(w);
    }
    return { kind: KIND, formatVersion: FORMAT_VERSION, params: { ...this.params, ...onlyAboveParam(this.above) }, state: { dims: this.d, windows } };
  }

  /** Restores a detector saved by {@link RobustZDetector.toJSON}; throws {@link ModelFormatError} naming the bad field. */
  static fromJSON(s: DetectorSnapshot): RobustZDetector {
    const { model: m, state: st } = openSnapshot(s, KIND, FORMAT_VERSION, (p) => new RobustZDetector(p as RobustZParams));
    const { dims, windows } = st;
    if (typeof dims !== 'number' || !Number.isInteger(dims) || dims < 0 || !Array.isArray(windows) || windows.length !== dims) {
      throw new ModelFormatError('robust-z snapshot: "state.dims" must be an integer >= 0 and "state.windows" an array of that many windows');
    }
    const W = m.params.window;
    for (const w of windows as unknown[]) {
      if (!Array.isArray(w) || w.length > W || !w.every((v) => typeof v === 'number' && Number.isFinite(v))) {
        throw new ModelFormatError(`robust-z snapshot: each of "state.windows" must be at most ${W} finite numbers`);
      }
    }
    if (dims === 0) return m;
    m.init(dims);
    const one = new Float64Array(dims).fill(NaN);
    for (let j = 0; j < dims; j++) {
      for (const v of windows[j] as number[]) {
        one[j] = v;
        m.learnOne(one);
      }
      one[j] = NaN;
    }
    return m;
  }

  private init(d: number): void {
    if (d === 0) throw new InputError('robust-z: learnOne got an empty feature vector');
    const W = this.params.window;
    this.d = d;
    this.ring = new Float64Array(d * W);
    this.sorted = new Float64Array(d * W);
    this.count = new Int32Array(d);
    this.head = new Int32Array(d);
    this.med = new Float64Array(d);
    this.scale = new Float64Array(d);
  }

  private scaleOf(j: number, base: number, c: number, med: number): number {
    const p = this.params;
    return Math.max(MAD_TO_SD * madOf(this.sorted, base, c, med), scaleFloor(p, j, med), p.defaultMinScale);
  }
}
