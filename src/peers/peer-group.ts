/**
 * Peer-group scorer: each replica of a workload compared with its sibling replicas at the same moment,
 * which no single-series detector can see (a replica that is busier, or leakier, than its peers while
 * all of them follow the same traffic). Called once per workload per cycle; writes one score in [0, 1)
 * per replica, higher = more unlike its peers.
 *
 * Per feature, each replica's recent window (the last `window` points; one point for
 * {@link PeerGroupScorer.scoreGroup}) is one series, and the group of series goes to one of augurs'
 * outlier algorithms, `mad` or `dbscan`: `mad` through augurs' `OutlierDetector`
 * (`@bsull/augurs/outlier`), `dbscan` through the same algorithm in TypeScript (dbscan-1d.ts; augurs'
 * wasm glue cost half of a scoring cycle at 10,000 pods). What is used of their answer is `scores`,
 * one per sample of each series:
 *
 * - `mad`: a distance, |x − m| / (1.4826 · MAD_side), where m is the Harrell–Davis median of all the
 *   group's values pooled and MAD_side the median deviation on x's side of m (a "double MAD"). A sample
 *   is outlying above augurs' threshold T(sensitivity) = 7.94 − 7.10 · √sensitivity (2.92 at 0.5).
 *   Throws "division by zero" when either side's MAD is 0 (e.g. most replicas equal).
 * - `dbscan`: 0 or 1 per sample (in the main cluster of that timestamp or not): no distance.
 *
 * Mapping to a score, the same for both: a per-sample distance z_i, then the replica's z for the
 * feature is the median of z_i over its window (a sustained difference, not a one-sample blip: blips
 * are the single-series detectors' job), then `zToScore(z, T, power)`, so 0.5 is where augurs' MAD
 * threshold lies. The replica's score is the largest over the features. Per sample:
 * - `mad`: z_i = min(augurs score, dF_i);
 * - `dbscan`: z_i = min(flagged ? max(d_i, T) : min(d_i, T⁻), dF_i), so a sample reaches 0.5 iff DBSCAN
 *   put it outside the main cluster, graded by its distance;
 * where d_i = |x − med| / s is the plain robust distance from the pooled median (s = max(1.4826 · MAD,
 * floor)), and dF_i = |x − med| / floor caps it with the scale floors, floor = max(minScale[j],
 * relativeFloor · |med|, defaultMinScale): augurs has no floor, and would call a replica 2 % busier
 * than nearly identical peers an outlier. When augurs throws, z_i = d_i.
 *
 * Caveat (measured): augurs' double MAD is computed per side over the pooled values, so an outlying
 * replica that is a large share of one side (one of 3 replicas; 2 of 5) inflates that side's MAD and
 * masks itself. `dbscan` (the default) does not have this weakness.
 *
 * Missing values: NaN and ±Infinity samples are missing; augurs is given the pooled median in their
 * place and they are left out of the window median. A replica with no finite sample of a feature is
 * left out of that feature. A peer comparison needs at least 3 replicas (`minReplicas`): a feature
 * with fewer present, or a group of fewer rows, scores 0 for everyone. Deterministic (no randomness).
 */
import type { OutlierDetector } from '@bsull/augurs/outlier';
import { useAugurs } from '../core/augurs.js';
import { paramReader } from '../core/params.js';
import { InputError, ModelFormatError } from '../core/errors.js';
import type { Frame } from '../core/frame.js';
import { zToScore } from '../core/score-map.js';
import { checkSnapshot, type DetectorSnapshot } from '../core/snapshot.js';
import { deviation, onlyAboveParam, readOnlyAbove } from '../detectors/scale-settings.js';
import { Dbscan1d } from './dbscan-1d.js';

const KIND = 'peer-group';
const FORMAT_VERSION = 1;
const MAD_TO_SD = 1.482602218505602;
/** augurs' MAD threshold bounds (augurs-outlier `mad.rs`): T(0) and T(1). */
const MAX_T = 7.941444487;
const MIN_T = 0.841621234;
const PARAMS = ['algorithm', 'sensitivity', 'window', 'minReplicas', 'minScale', 'defaultMinScale', 'relativeFloor', 'power', 'onlyAbove'];

/** The augurs outlier algorithm a {@link PeerGroupScorer} uses. */
export type PeerAlgorithm = 'mad' | 'dbscan';

/** Parameters of {@link PeerGroupScorer}; every field has a default. */
export interface PeerGroupParams {
  /** augurs algorithm (default 'dbscan'; see the file comment for why not 'mad'). */
  algorithm?: PeerAlgorithm;
  /** augurs sensitivity in (0, 1), higher = more outliers (default 0.5: threshold z = 2.92). */
  sensitivity?: number;
  /** Points per replica {@link PeerGroupScorer.scoreWindows} uses: the last `window` rows (default 10). */
  window?: number;
  /** Fewest replicas with a value of a feature for that feature to be compared (default and minimum 3). */
  minReplicas?: number;
  /** Smallest scale per feature (its own units); missing entries use `defaultMinScale`. */
  minScale?: ArrayLike<number>;
  /** Scale floor for features without an entry in `minScale` (default 1e-9). */
  defaultMinScale?: number;
  /** Scale floor relative to the group's |median| (default 0.05: 0.5 needs ~15 % off at sensitivity 0.5). */
  relativeFloor?: number;
  /** Steepness of the score mapping (default 4). */
  power?: number;
  /** Features where only a replica above its peers is unlike them (latency, errors, memory: detectors/scale-settings.ts `readOnlyAbove`). Default none. */
  onlyAbove?: readonly number[];
}

type Resolved = Required<Omit<PeerGroupParams, 'minScale' | 'onlyAbove'>> & { minScale: number[] };

/** augurs' MAD outlier threshold (a z in robust SDs) for a sensitivity in (0, 1). */
export function madThreshold(sensitivity: number): number {
  return MAX_T - (MAX_T - MIN_T) * Math.sqrt(sensitivity);
}

function resolve(p: Record<string, unknown>): Resolved {
  const num = paramReader('peer-group', p, PARAMS);
  const algorithm = p.algorithm ?? 'dbscan';
  if (algorithm !== 'mad' && algorithm !== 'dbscan') throw new InputError(`peer-group: algorithm must be "mad" or "dbscan", got ${JSON.stringify(algorithm)}`);
  const nonNeg = (v: number) => Number.isFinite(v) && v >= 0;
  const minScale = Array.from((p.minScale ?? []) as ArrayLike<number>);
  if (!minScale.every(nonNeg)) throw new InputError('peer-group: minScale must be an array of finite numbers >= 0');
  return {
    algorithm,
    sensitivity: num('sensitivity', 0.5, (v) => v > 0 && v < 1, 'a number in (0, 1)'),
    window: num('window', 10, (v) => Number.isInteger(v) && v >= 1 && v <= 10_000, 'an integer in [1, 10000]'),
    minReplicas: num('minReplicas', 3, (v) => Number.isInteger(v) && v >= 3, 'an integer >= 3 (a peer comparison needs 3 replicas)'),
    minScale,
    defaultMinScale: num('defaultMinScale', 1e-9, (v) => Number.isFinite(v) && v > 0, 'a finite number > 0'),
    relativeFloor: num('relativeFloor', 0.05, nonNeg, 'a finite number >= 0'),
    power: num('power', 4, (v) => Number.isFinite(v) && v > 0, 'a finite number > 0'),
  };
}

/** Scores each replica of a workload against its peers, per feature, through augurs. See the file comment. */
export class PeerGroupScorer {
  /** Snapshot kind. */
  readonly kind = KIND;
  /** A replica scoring at or above this is unlike its peers (its window median passed augurs' threshold). */
  readonly threshold = 0.5;
  /** The settings, defaults filled in. */
  readonly params: Readonly<Resolved>;
  /** The distance that maps to 0.5: augurs' MAD threshold for `sensitivity`. */
  readonly z50: number;
  private buf = new Float64Array(0); // one feature: replica r, sample i at r·n + i
  private pooled = new Float64Array(0);
  private devs = new Float64Array(0);
  private zs = new Float64Array(0);
  private present = new Int32Array(0); // replicas with a finite sample of the feature
  private outlying = new Float64Array(0); // per present replica q and sample i, at q·n + i: the outlier algorithm's score
  private readonly dbscan = new Dbscan1d();
  /** The `onlyAbove` features' mask. */
  private readonly above: Uint8Array;
  private views: Float64Array[] = []; // `mad`: augurs' input, views into `pooled`

  /** Creates a scorer; throws {@link InputError} naming a bad setting. */
  constructor(params: PeerGroupParams = {}) {
    this.params = Object.freeze(resolve(params as Record<string, unknown>));
    this.above = readOnlyAbove(KIND, params as Record<string, unknown>);
    this.z50 = madThreshold(this.params.sensitivity);
  }

  /**
   * Scores replicas at one moment: `values` has one row per replica and one column per feature.
   * Writes `out[r]` in [0, 1) and, when given, `topFeature[r]` (the column behind the score, −1 for 0).
   */
  scoreGroup(values: Frame, out: Float64Array, topFeature?: Int32Array): void {
    const R = values.rows;
    this.begin(R, 1, out, topFeature);
    if (R < this.params.minReplicas) return;
    for (let j = 0; j < values.cols; j++) {
      for (let r = 0; r < R; r++) this.buf[r] = values.data[r * values.cols + j];
      this.scoreFeature(j, R, 1, out, topFeature);
    }
  }

  /**
   * Scores replicas over their recent windows: `windows[r]` is replica r's recent points (rows = time,
   * oldest first; cols = features, the same for all). Uses the last min(`window`, shortest non-empty
   * window) rows of each; a replica with no rows scores 0. Outputs as {@link PeerGroupScorer.scoreGroup}.
   */
  scoreWindows(windows: readonly Frame[], out: Float64Array, topFeature?: Int32Array): void {
    const R = windows.length;
    let n = this.params.window;
    let cols = -1;
    for (const w of windows) {
      if (w.rows === 0) continue;
      if (cols === -1) cols = w.cols;
      else if (w.cols !== cols) throw new InputError(`peer-group: every window needs the same features; got ${cols} and ${w.cols} columns`);
      n = Math.min(n, w.rows);
    }
    this.begin(R, n, out, topFeature);
    if (R < this.params.minReplicas || cols === -1) return;
    for (let j = 0; j < cols; j++) {
      for (let r = 0; r < R; r++) {
        const w = windows[r];
        for (let i = 0; i < n; i++) this.buf[r * n + i] = w.rows === 0 ? NaN : w.data[(w.rows - n + i) * cols + j];
      }
      this.scoreFeature(j, R, n, out, topFeature);
    }
  }

  /** Saves the settings (the scorer keeps no state between calls). */
  toJSON(): DetectorSnapshot {
    return { kind: KIND, formatVersion: FORMAT_VERSION, params: { ...this.params, ...onlyAboveParam(this.above) }, state: null };
  }

  /** Restores a scorer saved by {@link PeerGroupScorer.toJSON}; throws {@link ModelFormatError} on a bad snapshot. */
  static fromJSON(s: DetectorSnapshot): PeerGroupScorer {
    checkSnapshot(s, KIND, FORMAT_VERSION);
    try {
      return new PeerGroupScorer(s.params as PeerGroupParams);
    } catch (e) {
      throw new ModelFormatError(`peer-group snapshot: field "params" is invalid: ${(e as Error).message}`);
    }
  }

  private begin(R: number, n: number, out: Float64Array, top?: Int32Array): void {
    if (out.length < R) throw new InputError(`peer-group: out has ${out.length} slots for ${R} replicas`);
    if (top && top.length < R) throw new InputError(`peer-group: topFeature has ${top.length} slots for ${R} replicas`);
    out.fill(0, 0, R);
    top?.fill(-1, 0, R);
    if (this.buf.length < R * n) {
      this.buf = new Float64Array(R * n);
      this.pooled = new Float64Array(R * n);
      this.devs = new Float64Array(R * n);
      this.outlying = new Float64Array(R * n);
    }
    if (this.zs.length < n) this.zs = new Float64Array(n);
    if (this.present.length < R) this.present = new Int32Array(R);
  }

  /** Scores feature `j` from `buf` (R series of n samples), raising `out[r]` where it beats the other features. */
  private scoreFeature(j: number, R: number, n: number, out: Float64Array, top?: Int32Array): void {
    const p = this.params;
    const buf = this.buf;
    let k = 0;
    let P = 0;
    for (let r = 0; r < R; r++) {
      let any = false;
      for (let i = r * n; i < (r + 1) * n; i++) {
        if (Number.isFinite(buf[i])) {
          this.pooled[k++] = buf[i];
          any = true;
        } else buf[i] = NaN;
      }
      if (any) this.present[P++] = r;
    }
    if (P < p.minReplicas) return;
    const sorted = this.pooled.subarray(0, k).sort();
    const med = medianSorted(sorted, k);
    for (let i = 0; i < k; i++) this.devs[i] = Math.abs(sorted[i] - med);
    const mad = medianSorted(this.devs.subarray(0, k).sort(), k);
    const floor = Math.max(j < p.minScale.length ? p.minScale[j] : p.defaultMinScale, p.relativeFloor * Math.abs(med), p.defaultMinScale);
    const s = Math.max(MAD_TO_SD * mad, floor);
    const res = this.detect(n, P, med);
    const below = this.z50 * (1 - 1e-9);
    for (let q = 0; q < P; q++) {
      const r = this.present[q];
      let c = 0;
      for (let i = 0; i < n; i++) {
        const v = buf[r * n + i];
        if (Number.isNaN(v)) continue;
        // An onlyAbove feature below the group's median is not unlike the peers (0 caps every z below).
        const dev = deviation(v - med, this.above, j);
        const d = dev / s;
        const a = res ? res[q * n + i] : NaN;
        let z: number;
        if (!Number.isFinite(a)) z = d;
        else if (p.algorithm === 'mad') z = Math.min(a, dev / floor);
        else z = Math.min(a > 0 ? Math.max(d, this.z50) : Math.min(d, below), dev / floor);
        this.zs[c++] = z;
      }
      const score = zToScore(medianSorted(this.zs.subarray(0, c).sort(), c), this.z50, p.power);
      if (score > out[r]) {
        out[r] = score;
        if (top) top[r] = j;
      }
    }
  }

  /**
   * The outlying samples of the P present replicas' series (missing samples given the median), one
   * score per sample at `q·n + i` (series q, sample i): `dbscan` here (dbscan-1d.ts, augurs'
   * algorithm), `mad` through augurs; null when augurs throws.
   */
  private detect(n: number, P: number, med: number): Float64Array | null {
    const series = this.pooled; // free again: reused for the series
    for (let q = 0; q < P; q++) {
      const r = this.present[q];
      for (let i = 0; i < n; i++) {
        const x = this.buf[r * n + i];
        series[q * n + i] = Number.isNaN(x) ? med : x;
      }
    }
    if (this.params.algorithm === 'dbscan') {
      this.dbscan.detect(series, P, n, this.params.sensitivity, this.outlying);
      return this.outlying;
    }
    const views = this.views;
    views.length = P;
    for (let q = 0; q < P; q++) views[q] = series.subarray(q * n, (q + 1) * n);
    let det: OutlierDetector | null = null;
    try {
      det = new (useAugurs('outlier').OutlierDetector)(this.params.algorithm, { sensitivity: this.params.sensitivity });
      const res = det.detect(views);
      for (let q = 0; q < P; q++) {
        const sc = res.seriesResults[q]?.scores;
        for (let i = 0; i < n; i++) this.outlying[q * n + i] = sc ? sc[i] : NaN;
      }
      return this.outlying;
    } catch {
      return null; // MAD's "division by zero" (a side with MAD 0): the plain robust distance is used
    } finally {
      det?.free();
    }
  }
}

/** The median of the first `c` values of sorted `a` (NaN when c = 0). */
function medianSorted(a: Float64Array, c: number): number {
  if (c === 0) return NaN;
  const h = c >> 1;
  return c % 2 === 1 ? a[h] : 0.5 * (a[h - 1] + a[h]);
}
