/**
 * Daily-profile z detector: per feature, the value expected at this time of day (the mean of the
 * same time-of-day bin over past days) or, where that does not fit better, the feature's running
 * mean; each point's surprise is the sum over features of two squared z-scores, of the level
 * (the residual from the expectation) and of the change (the residual minus a short EWMA of the
 * residuals before it), turned into one standard-normal z and mapped into [0, 1).
 *
 * Why: on server and pod metrics most of the spread is the daily cycle, so a global mean and standard
 * deviation (zmax) sees only a fraction of the deviations; measured from the daily profile, a
 * deviation of a few percent stands out. Anomalies often move many correlated metrics at once by a
 * little, so the squared z's are summed rather than maxed; the change term catches the onset of a
 * shift that the level alone would see only once it is large.
 *
 * Model, per feature j (all streaming, O(features) per point, no allocation when scoring):
 * - Profile: `periodSeconds / binSeconds` bins by time of day (from `t`, epoch ms). A bin's mean is
 *   over past days only: points of the current visit to a bin are kept apart and folded in (as one
 *   day's mean) when the bin is next visited on a later day, with weight max(1/days, 1/maxDays). The
 *   expectation averages bins b − h .. b + h (h = `smoothBins`) with triangular weights.
 * - Global: running mean with weight max(1/n, 1/memory).
 * - For each of the two expectations e: residual r = x − e, change c = r − EWMA_alpha(r before it),
 *   and their running mean squares (weight max(1/n, 1/memory)). The profile is used for a feature
 *   once it has a period's worth of residuals (one per bin) and a smaller mean-square residual than
 *   the global mean, and only at bins with a past day; otherwise the global mean.
 * - Scales: √(mean square), floored at max(minScale[j] or defaultMinScale, relativeFloor · |mean|).
 * - Robust: once a feature has 30 residuals, each value is clamped before it is learned (robust-clip.ts
 *   `clampWelford`, on the global mean and level mean square over min(n, memory) points), so one
 *   absurd reading raises the spread at most about threefold instead of blinding the feature.
 *
 * Score: S = Σ_j (r_j/σ_r)² + (c_j/σ_c)² over the k/2 features scored; if the z's were independent
 * normals S would be χ²(k), so z = Wilson–Hilferty((S/k)^(1/3)) is a standard-normal z whatever the
 * number of features; score = zToScore(softplus(z), z50, power) (softplus keeps z ≤ 0 ordered). A
 * feature is scored once its model has `minPoints` residuals (none: score 0); NaN features are
 * skipped in scoring and learning.
 *
 * Constants chosen on ASD (12 entities, best F1 with point-adjust): `alpha` = 0.3 (flat from 0.2 to 1)
 * and `smoothBins` = 2 (0 → 0.957, 1 → 0.963, 2 → 0.966, 3 → 0.967); the rest are defaults by
 * construction (a day, 5-minute bins, 30 days) and `z50` = 6 as zmax.
 */
import { paramReader } from '../core/params.js';
import { InputError, ModelFormatError } from '../core/errors.js';
import type { Features } from '../core/frame.js';
import { zToScore, type ZScored } from '../core/score-map.js';
import { CLIP_AFTER, clampWelford, learnable } from '../stats/robust-clip.js';
import { type Detector, type Explainer } from './base.js';
import { deviation, onlyAboveParam, readOnlyAbove, readScaleSettings, scaleFloor, SCALE_PARAMS, type ScaleParams, type ScaleSettings } from './scale-settings.js';
import { openSnapshot, type DetectorSnapshot, type FeatureContribution } from '../core/snapshot.js';

const KIND = 'profile-z';
const FORMAT_VERSION = 1;
const PARAMS = ['periodSeconds', 'binSeconds', 'smoothBins', 'alpha', 'maxDays', 'memory', 'minPoints', 'onlyAbove', ...SCALE_PARAMS];
const STATE = ['profMean', 'profDays', 'curSum', 'curCount', 'visit', 'gMean', 'gN', 'ewma', 'msLevel', 'msChange', 'nRes'] as const;

/**
 * Parameters of {@link ProfileZDetector}; every field has a default. Scale floors and mapping (see
 * scale-settings.ts): `defaultMinScale` 1e-6, `relativeFloor` of the feature's |mean| 1e-3, `z50`
 * (of the combined z) 6, `power` 4.
 */
export interface ProfileZParams extends ScaleParams {
  /** Length of the cycle in seconds (default 86,400: a day). */
  periodSeconds?: number;
  /** Width of a time-of-day bin in seconds (default 300; must divide the period). */
  binSeconds?: number;
  /** Neighbouring bins on each side averaged into the expectation, triangular weights (default 2). */
  smoothBins?: number;
  /** Weight of the newest residual in the change term's EWMA (default 0.3). */
  alpha?: number;
  /** Days after which a bin's mean forgets exponentially (default 30). */
  maxDays?: number;
  /** Points after which the global mean and the mean squares forget exponentially (default 10,000). */
  memory?: number;
  /** Residuals a feature's model needs before the feature is scored (default 10). */
  minPoints?: number;
  /** Features scored only above what is expected: a level or a change below it counts as 0 (scale-settings.ts `readOnlyAbove`). Default none. */
  onlyAbove?: readonly number[];
}

type Resolved = Required<Omit<ProfileZParams, keyof ScaleParams | 'onlyAbove'>> & ScaleSettings;

function resolve(p: Record<string, unknown>): Resolved {
  const num = paramReader(KIND, p, PARAMS);
  const pos = (v: number) => Number.isFinite(v) && v > 0;
  const periodSeconds = num('periodSeconds', 86_400, pos, 'a finite number > 0');
  const binSeconds = num('binSeconds', 300, (v) => pos(v) && Number.isInteger(periodSeconds / v) && periodSeconds / v <= 100_000, `a divisor of periodSeconds = ${periodSeconds} giving at most 100,000 bins`);
  const { minScale, ...scale } = readScaleSettings(KIND, p, num, { defaultMinScale: 1e-6, z50: 6 });
  return {
    periodSeconds, binSeconds, minScale,
    smoothBins: num('smoothBins', 2, (v) => Number.isInteger(v) && v >= 0 && 2 * v < periodSeconds / binSeconds, 'an integer >= 0 below half the bins a period'),
    alpha: num('alpha', 0.3, (v) => v > 0 && v <= 1, 'a number in (0, 1]'),
    maxDays: num('maxDays', 30, (v) => Number.isFinite(v) && v >= 1, 'a finite number >= 1'),
    memory: num('memory', 10_000, (v) => Number.isFinite(v) && v >= 2, 'a finite number >= 2'),
    minPoints: num('minPoints', 10, (v) => Number.isInteger(v) && v >= 1, 'an integer >= 1'),
    ...scale,
  };
}

/** Standard-normal z of a sum of squares S with k degrees of freedom (Wilson–Hilferty). */
export function chiSquareZ(s: number, k: number): number {
  if (k <= 0) return 0;
  const v = 2 / (9 * k);
  return (Math.cbrt(s / k) - (1 - v)) / Math.sqrt(v);
}

/** Daily-profile level and change z detector, streaming; see the file comment. */
export class ProfileZDetector implements Detector, Explainer, ZScored {
  /** Registry key and snapshot kind. */
  readonly kind = KIND;
  /** A point is anomalous on its own past score 0.5 (combined z = z50). */
  readonly threshold = 0.5;
  /** The settings, defaults filled in. */
  readonly params: Readonly<Resolved>;
  /** The `onlyAbove` features' mask. */
  private readonly above: Uint8Array;
  private readonly bins: number;
  private readonly periodMs: number;
  private readonly binMs: number;
  private d = 0;
  // Per bin b, feature j at [b·d + j]: mean over past days and their count; the current visit's sum and count.
  private profMean = new Float64Array(0);
  private profDays = new Float64Array(0);
  private curSum = new Float64Array(0);
  private curCount = new Float64Array(0);
  /** Per bin: the day index of its current visit (-1: none). */
  private visit = new Float64Array(0);
  private gMean = new Float64Array(0);
  private gN = new Float64Array(0);
  // Per model m (0 global, 1 profile), feature j at [m·d + j]: residual EWMA, mean squares, residual count.
  private ewma = new Float64Array(0);
  private msLevel = new Float64Array(0);
  private msChange = new Float64Array(0);
  private nRes = new Float64Array(0);
  /** Per feature: the profile expectation zOf computed at time cT (NaN: none), for learnOne of the same t; and that time's bin and day. */
  private cE = new Float64Array(0);
  private cT = NaN;
  private cB = 0;
  private cDay = 0;
  /** Time of the last learned point (epoch ms): what {@link ProfileZDetector.explain} uses by default. */
  private lastT = 0;

  /** Creates an empty detector; throws {@link InputError} naming a bad setting. */
  constructor(params: ProfileZParams = {}) {
    this.params = Object.freeze(resolve(params as Record<string, unknown>));
    this.above = readOnlyAbove(KIND, params as Record<string, unknown>);
    this.bins = Math.round(this.params.periodSeconds / this.params.binSeconds);
    this.periodMs = this.params.periodSeconds * 1000;
    this.binMs = this.params.binSeconds * 1000;
  }

  /** The feature dimension (0 before any point is learned). */
  get dims(): number {
    return this.d;
  }

  /** Learns one point at time `t` (epoch ms): profile, global mean and residual statistics. */
  learnOne(x: Features, t = 0): void {
    if (this.d === 0) this.init(x.length);
    if (!Number.isFinite(t)) t = 0;
    this.lastT = t;
    const d = this.d;
    // Folding bin b's last visit does not change its mean, so expectations cached by zOf at t still hold.
    const cached = t === this.cT;
    this.cT = NaN;
    const day = cached ? this.cDay : Math.floor(t / this.periodMs);
    const b = cached ? this.cB : this.binOf(t);
    if (this.visit[b] !== day) this.fold(b, day);
    const { alpha, memory } = this.params;
    for (let j = 0; j < d && j < x.length; j++) {
      let v = x[j];
      if (!Number.isFinite(v)) continue;
      // Robust (robust-clip.ts): what one value teaches raises the global spread at most ~3-fold.
      v = learnable(v);
      const nEff = Math.min(this.nRes[j], memory);
      if (nEff >= CLIP_AFTER) v = clampWelford(v, this.gMean[j], this.msLevel[j] * nEff, nEff, this.floor(j));
      if (this.gN[j] > 0) this.learnResidual(j, v - this.gMean[j], alpha, memory);
      const e = cached ? this.cE[j] : this.expected(b, j, day);
      if (!Number.isNaN(e)) this.learnResidual(d + j, v - e, alpha, memory);
      this.gN[j]++;
      this.gMean[j] += Math.max(1 / this.gN[j], 1 / memory) * (v - this.gMean[j]);
      this.curSum[b * d + j] += v;
      this.curCount[b * d + j]++;
    }
  }

  /**
   * The combined standard-normal z of `x` at `t` (epoch ms); −Infinity when no feature is ready.
   * Does not allocate.
   */
  zOf(x: Features, t = 0): number {
    if (this.d === 0) return -Infinity;
    if (!Number.isFinite(t)) t = 0;
    const day = Math.floor(t / this.periodMs);
    const b = this.binOf(t);
    const d = this.d;
    // Each feature's profile expectation at t, kept for learnOne of the same t (it does not depend on x).
    for (let j = 0; j < d; j++) this.cE[j] = this.expected(b, j, day);
    this.cT = t;
    this.cB = b;
    this.cDay = day;
    let s = 0;
    let k = 0;
    for (let j = 0; j < d && j < x.length; j++) {
      const v = x[j];
      if (Number.isNaN(v)) continue;
      const eP = this.profileUsable(j) ? this.cE[j] : NaN;
      const m = Number.isNaN(eP) ? 0 : d;
      if (this.nRes[m + j] < this.params.minPoints) continue;
      const fl = this.floor(j);
      const f2 = fl * fl;
      const d0 = v - (m === 0 ? this.gMean[j] : eP);
      const r = deviation(d0, this.above, j);
      const c = deviation(d0 - this.ewma[m + j], this.above, j);
      s += (r * r) / Math.max(this.msLevel[m + j], f2) + (c * c) / Math.max(this.msChange[m + j], f2);
      k += 2;
    }
    return k === 0 ? -Infinity : chiSquareZ(s, k);
  }

  /** Scores one point in [0, 1) against what was learned before it; does not allocate. */
  scoreOne(x: Features, t = 0): number {
    return zToScore(this.scoreZ(x, t), this.params.z50, this.params.power);
  }

  /** The z that {@link ProfileZDetector.scoreOne} maps: softplus of {@link ProfileZDetector.zOf}. */
  scoreZ(x: Features, t = 0): number {
    const z = this.zOf(x, t);
    // softplus keeps the order of z ≤ 0 (a sum of squares below its mean) instead of tying them at 0.
    return z > 30 ? z : Math.log1p(Math.exp(z));
  }

  /** The z at which the score is 0.5. */
  get scoreZ50(): number {
    return this.params.z50;
  }

  /** The steepness of the mapping. */
  get scorePower(): number {
    return this.params.power;
  }

  /**
   * Every scored feature's level |z| (residual over its scale) at time `t` (default: the last learned
   * point's), largest first, with the range expected ± z50 · scale. Allocates: for explanations.
   */
  explain(x: Features, names: readonly string[], t = this.lastT): FeatureContribution[] {
    const out: FeatureContribution[] = [];
    if (!Number.isFinite(t)) t = 0;
    const day = Math.floor(t / this.periodMs);
    const b = this.d > 0 ? this.binOf(t) : 0;
    for (let j = 0; j < Math.min(this.d, x.length); j++) {
      if (Number.isNaN(x[j])) continue;
      const eP = this.profileExpected(j, b, day);
      const m = Number.isNaN(eP) ? 0 : this.d;
      if (this.nRes[m + j] < this.params.minPoints) continue;
      const e = m === 0 ? this.gMean[j] : eP;
      const sc = Math.max(Math.sqrt(this.msLevel[m + j]), this.floor(j));
      const w = this.params.z50 * sc;
      out.push({ name: names[j] ?? `x${j}`, value: x[j], z: deviation(x[j] - e, this.above, j) / sc, expected: [e - w, e + w] });
    }
    return out.sort((a, c) => c.z - a.z);
  }

  /** Saves settings and state as JSON. */
  toJSON(): DetectorSnapshot {
    const state: Record<string, unknown> = { dims: this.d, lastT: this.lastT };
    for (const f of STATE) state[f] = Array.from(this[f]);
    return { kind: KIND, formatVersion: FORMAT_VERSION, params: { ...this.params, ...onlyAboveParam(this.above) }, state };
  }

  /** Restores a detector saved by {@link ProfileZDetector.toJSON}; throws {@link ModelFormatError} naming the bad field. */
  static fromJSON(s: DetectorSnapshot): ProfileZDetector {
    const { model: m, state: st } = openSnapshot(s, KIND, FORMAT_VERSION, (p) => new ProfileZDetector(p as ProfileZParams));
    const dims = st.dims;
    if (typeof dims !== 'number' || !Number.isInteger(dims) || dims < 0) throw new ModelFormatError(`${KIND} snapshot: "state.dims" must be an integer >= 0`);
    if (typeof st.lastT !== 'number' || !Number.isFinite(st.lastT)) throw new ModelFormatError(`${KIND} snapshot: "state.lastT" must be a finite number`);
    m.lastT = st.lastT;
    if (dims === 0) return m;
    m.init(dims);
    for (const f of STATE) {
      const a = st[f];
      const want = m[f].length;
      if (!Array.isArray(a) || a.length !== want || !a.every((v) => typeof v === 'number' && Number.isFinite(v))) {
        throw new ModelFormatError(`${KIND} snapshot: "state.${f}" must be an array of ${want} finite numbers`);
      }
      m[f].set(a as number[]);
    }
    return m;
  }

  private init(d: number): void {
    if (d === 0) throw new InputError(`${KIND}: learnOne got an empty feature vector`);
    this.d = d;
    const bd = this.bins * d;
    this.profMean = new Float64Array(bd);
    this.profDays = new Float64Array(bd);
    this.curSum = new Float64Array(bd);
    this.curCount = new Float64Array(bd);
    this.visit = new Float64Array(this.bins).fill(-1);
    this.gMean = new Float64Array(d);
    this.gN = new Float64Array(d);
    this.ewma = new Float64Array(2 * d);
    this.msLevel = new Float64Array(2 * d);
    this.msChange = new Float64Array(2 * d);
    this.nRes = new Float64Array(2 * d);
    this.cE = new Float64Array(d);
    this.cT = NaN;
  }

  private binOf(t: number): number {
    const b = Math.floor((((t % this.periodMs) + this.periodMs) % this.periodMs) / this.binMs);
    return Number.isFinite(b) ? Math.min(b, this.bins - 1) : 0;
  }

  /** Folds bin `b`'s current visit (an earlier day's points) into its mean over days; starts `day`'s visit. */
  private fold(b: number, day: number): void {
    for (let j = 0; j < this.d; j++) {
      const i = b * this.d + j;
      if (this.curCount[i] === 0) continue;
      this.profMean[i] = this.foldedMean(i);
      this.profDays[i]++;
      this.curSum[i] = 0;
      this.curCount[i] = 0;
    }
    this.visit[b] = day;
  }

  /** Bin mean with the current visit folded in, without changing anything. */
  private foldedMean(i: number): number {
    const cur = this.curSum[i] / this.curCount[i];
    const days = this.profDays[i];
    return days === 0 ? cur : this.profMean[i] + Math.max(1 / (days + 1), 1 / this.params.maxDays) * (cur - this.profMean[i]);
  }

  /** Bin b's mean of feature j over days before `day` (NaN without one). */
  private binMean(b: number, j: number, day: number): number {
    const i = b * this.d + j;
    if (this.visit[b] !== day && this.curCount[i] > 0) return this.foldedMean(i);
    return this.profDays[i] > 0 ? this.profMean[i] : NaN;
  }

  /**
   * The profile's expected value of feature j in bin b on `day`: the bin means over past days of bins
   * b − h .. b + h (h = smoothBins), weighted h + 1 − |offset|; NaN when bin b has no past day.
   */
  private expected(b: number, j: number, day: number): number {
    const centre = this.binMean(b, j, day);
    const h = this.params.smoothBins;
    if (h === 0 || Number.isNaN(centre)) return centre;
    let sum = (h + 1) * centre;
    let wsum = h + 1;
    for (let o = 1; o <= h; o++) {
      const w = h + 1 - o;
      const lo = this.binMean((b - o + this.bins) % this.bins, j, day);
      const hi = this.binMean((b + o) % this.bins, j, day);
      if (!Number.isNaN(lo)) { sum += w * lo; wsum += w; }
      if (!Number.isNaN(hi)) { sum += w * hi; wsum += w; }
    }
    return sum / wsum;
  }

  /**
   * The profile's expectation of feature j in bin b on `day` when the profile scores that feature
   * (it has `periodBins` residuals, a smaller mean-square residual than the global mean, and bin b a
   * past day); NaN when the global mean does.
   */
  private profileExpected(j: number, b: number, day: number): number {
    return this.profileUsable(j) ? this.expected(b, j, day) : NaN;
  }

  /** Whether the profile scores feature j (see {@link ProfileZDetector.profileExpected}). */
  private profileUsable(j: number): boolean {
    const d = this.d;
    return this.nRes[d + j] >= Math.max(this.params.minPoints, this.bins) && this.msLevel[d + j] < this.msLevel[j];
  }

  private learnResidual(i: number, r: number, alpha: number, memory: number): void {
    const c = r - this.ewma[i];
    const w = Math.max(1 / ++this.nRes[i], 1 / memory);
    this.msLevel[i] += w * (r * r - this.msLevel[i]);
    this.msChange[i] += w * (c * c - this.msChange[i]);
    this.ewma[i] += alpha * (r - this.ewma[i]);
  }

  private floor(j: number): number {
    return Math.max(scaleFloor(this.params, j, this.gMean[j]), Number.MIN_VALUE);
  }
}
