/**
 * Streaming principal-subspace detector: a running mean and covariance of all features, their top
 * principal components (on the correlation scale) refreshed every `refreshEvery` points by a few
 * orthogonal (block power) iterations, and per point one chi-square statistic made of the
 * Mahalanobis distance inside the subspace (Hotelling's T²) and the residual energy outside it
 * (SPE, the Q statistic). Metrics of one server move together; an anomaly often breaks that
 * relation (a residual no single feature's z sees) or moves along a component far past its spread.
 * Simple PCA is a strong published baseline on server metrics (SMD: best F1 ≈ 0.57 without
 * point-adjust).
 *
 * Model (all in Float64Arrays; scoring allocates nothing):
 * - Mean μ and covariance C, exponentially weighted with weight w · max(1/n, a), a = 1/`memory`, or
 *   with `memorySeconds` set, min(1/`memory`, Δt/`memorySeconds`) where Δt is the sampling step (the
 *   last positive time step seen): the estimates forget over `memory` points or `memorySeconds`,
 *   whichever is longer. Bounded
 *   influence, twice: once 30 points are learned, each feature's value is clamped before it is
 *   learned (robust-clip.ts `clampWelford` on its mean and variance over min(n, memory) points), so
 *   one absurd reading raises a feature's spread at most about threefold; and a point whose z (below)
 *   passes `influence` learns with weight w = S_c / S < 1, S_c the S at which z = `influence`
 *   (Huber-type M-estimation of a covariance): a long anomaly is not learned as normal within a few
 *   hundred points, a lasting change is still learned, more slowly the further out it is.
 * - Scales s_j = √C_jj floored at max(minScale[j] or `defaultMinScale`, `relativeFloor` · |μ_j|);
 *   z_j = (x_j − μ_j) / s_j. The components are those of R = S⁻¹ C S⁻¹ (s fixed at the refresh).
 * - Refresh: `maxComponents` vectors, warm-started from the last refresh (random, seeded, at first),
 *   `powerIters` iterations of R·B then modified Gram–Schmidt (20 at the first refresh), eigenvalues
 *   λ_i by Rayleigh quotient. k = the fewest components whose λ sum reaches `variance` of trace(R).
 *   The residual's eigenvalue sums θ1 = tr R − Σλ_i, θ2 = ‖R‖²_F − Σλ_i² need no residual vectors.
 * - Score: y = Bᵀz, T² = Σ y_i² / λ_i, Q = ‖z‖² − Σ y_i². Q is about g·χ²(h) with g = θ2/θ1,
 *   h = θ1²/θ2 (Box 1954, as Jackson & Mudholkar's SPE limit), so S = T² + Q/g is about χ²(k + h):
 *   the Mahalanobis distance of probabilistic PCA with the residual's own spread. z = Wilson–Hilferty
 *   of S (as profile-z), score = zToScore(softplus(z), z50, power).
 *
 * With fewer than `minFeatures` features the detector learns and scores nothing (score 0): a member
 * beside a univariate z (adaptive) sets 2, so a single series pays neither time nor memory for it.
 * With one feature and the default 1 it is a plain exponentially weighted z.
 *
 * Memory: 8·d² bytes for C plus 16·m·d for the components and their work copy (m = min(d,
 * maxComponents)), plus O(d): for 38 features and m = 16, 21 KiB; for 19, 8 KiB.
 * Cost per point: learning d²/2 multiply-adds, scoring m·d; every `refreshEvery` points
 * (powerIters + 1)·m·d² more.
 *
 * Constants (none chosen on a corpus's labels): `influence` = `z50` (a point this detector alone
 * would call anomalous is not learned at full weight; no constant of its own), `variance` 0.9 (the classic share of variance a
 * principal subspace keeps, Jolliffe), `memory` 10,000 points (profile-z's), `refreshEvery` 256
 * and `powerIters` 3 (a covariance over 10,000 points moves little in 256, and a warm start converges
 * across refreshes), `maxComponents` 16 (memory bound), `z50` 6 as zmax and profile-z, `minPoints`
 * 64 (a covariance of fewer points than a few times the features is mostly noise).
 */
import { InputError, ModelFormatError } from '../core/errors.js';
import type { Features } from '../core/frame.js';
import { intIn, paramReader } from '../core/params.js';
import { createRng } from '../core/rng.js';
import { zToScore, type ZScored } from '../core/score-map.js';
import { fromBase64, openSnapshot, toBase64, type DetectorSnapshot } from '../core/snapshot.js';
import { CLIP_AFTER, clampWelford, learnable } from '../stats/robust-clip.js';
import type { Detector } from './base.js';
import { chiSquareZ } from './profile-z.js';
import { onlyAboveAt, onlyAboveParam, readOnlyAbove, readScaleSettings, scaleFloor, SCALE_PARAMS, type ScaleParams, type ScaleSettings } from './scale-settings.js';

const KIND = 'subspace';
const FORMAT_VERSION = 1;
const PARAMS = ['variance', 'maxComponents', 'memory', 'memorySeconds', 'refreshEvery', 'powerIters', 'minPoints', 'minFeatures', 'influence', 'onlyAbove', ...SCALE_PARAMS];
/** Iterations of the first refresh, from a random start. */
const FIRST_ITERS = 20;
/** Eigenvalues below this share of trace(R) are treated as 0. */
const EPS = 1e-9;
/** Every array before the first point: a skipped single series (minFeatures) holds no buffers of its own. */
const NONE = new Float64Array(0);

/** Settings of {@link SubspaceDetector}; every field has a default (see the module comment). */
export interface SubspaceParams extends ScaleParams {
  /** Share of trace(R) the kept components explain (default 0.9). */
  variance?: number;
  /** Most components computed (default 16). */
  maxComponents?: number;
  /** Points after which mean and covariance forget exponentially (default 10,000). */
  memory?: number;
  /** With a value > 0: they forget over at least this many seconds of the points' times (default 0: points only). */
  memorySeconds?: number;
  /** Learned points between refreshes of the components (default 256). */
  refreshEvery?: number;
  /** Orthogonal iterations per refresh (default 3). */
  powerIters?: number;
  /** Learned points before the first refresh and the first score (default 64). */
  minPoints?: number;
  /** Fewer features than this: score 0, learn nothing (default 1). */
  minFeatures?: number;
  /** A point whose z (Wilson–Hilferty, before the mapping) passes this learns with weight S_c / S (default `z50`; 0: every point weight 1). */
  influence?: number;
  /** Features scored only above their mean: a standardised value below it counts as 0 (scale-settings.ts `readOnlyAbove`). Default none. */
  onlyAbove?: readonly number[];
}

type Resolved = Required<Omit<SubspaceParams, keyof ScaleParams | 'onlyAbove'>> & ScaleSettings;

function resolve(p: Record<string, unknown>): Resolved {
  const num = paramReader(KIND, p, PARAMS);
  const scale = readScaleSettings(KIND, p, num, { defaultMinScale: 1e-6, z50: 6 });
  return {
    variance: num('variance', 0.9, (v) => v > 0 && v <= 1, 'a number in (0, 1]'),
    maxComponents: num('maxComponents', 16, intIn(1, 256), 'an integer from 1 to 256'),
    memory: num('memory', 10_000, (v) => Number.isFinite(v) && v >= 16, 'a finite number >= 16'),
    memorySeconds: num('memorySeconds', 0, (v) => Number.isFinite(v) && v >= 0, 'a finite number >= 0'),
    refreshEvery: num('refreshEvery', 256, intIn(1, 1e9), 'an integer >= 1'),
    powerIters: num('powerIters', 3, intIn(1, 100), 'an integer from 1 to 100'),
    minPoints: num('minPoints', 64, intIn(2, 1e9), 'an integer >= 2'),
    minFeatures: num('minFeatures', 1, intIn(1, 1e6), 'an integer >= 1'),
    influence: num('influence', scale.z50, (v) => Number.isFinite(v) && v >= 0, 'a finite number >= 0'),
    ...scale,
  };
}

/** Streaming PCA detector (T² inside the principal subspace plus residual energy outside); see the module comment. */
export class SubspaceDetector implements Detector, ZScored {
  /** Registry key and snapshot kind. */
  readonly kind = KIND;
  /** A point is anomalous on its own past score 0.5 (z = z50). */
  readonly threshold = 0.5;
  /** The settings, defaults filled in. */
  readonly params: Readonly<Resolved>;
  /** The `onlyAbove` features' mask. */
  private readonly above: Uint8Array;
  private readonly seed: number;
  private d = 0;
  private m = 0;
  private n = 0;
  private sinceRefresh = 0;
  /** Kept components (0: not refreshed yet). */
  private k = 0;
  /** Box's residual scale g and degrees of freedom h (h = 0: no residual). */
  private g = 1;
  private h = 0;
  private mean = NONE;
  /** Upper triangle learned; the lower is filled at each refresh. */
  private cov = NONE;
  /** Scales at the last refresh. */
  private scale = NONE;
  /** m components, row i at [i·d, (i+1)·d); orthonormal. */
  private basis = NONE;
  private lambda = NONE;
  private work = NONE;
  private z = NONE;
  /** S_c of {@link SubspaceDetector.weightOf} for the current k and h (set at each refresh and restore). */
  private sCut = 0;
  /** The values whose statistic `sLast` holds (scored since the last change of state: sValid). */
  private sX = NONE;
  private sLast = 0;
  private sValid = false;
  /** Time of the last learned point and the last positive step between learned points (ms; NaN: none yet). */
  private lastT = NaN;
  private stepMs = NaN;

  /** Creates an empty detector; `seed` sets the first refresh's random start. Throws {@link InputError} naming a bad setting. */
  constructor(params: SubspaceParams = {}, seed = 0) {
    this.params = Object.freeze(resolve(params as Record<string, unknown>));
    this.above = readOnlyAbove(KIND, params as Record<string, unknown>);
    this.seed = seed;
  }

  /** Components kept at the last refresh (0 before it). */
  get components(): number {
    return this.k;
  }

  private init(d: number): void {
    if (d === 0) throw new InputError(`${KIND}: learnOne got an empty feature vector`);
    const m = Math.min(d, this.params.maxComponents);
    this.d = d;
    this.m = m;
    this.mean = new Float64Array(d);
    this.cov = new Float64Array(d * d);
    this.scale = new Float64Array(d).fill(1);
    this.basis = new Float64Array(m * d);
    this.lambda = new Float64Array(m);
    this.work = new Float64Array(m * d);
    this.z = new Float64Array(d);
    this.sX = new Float64Array(d);
    this.sValid = false;
    const rng = createRng(this.seed);
    for (let i = 0; i < m * d; i++) this.basis[i] = rng.normal();
    this.orthonormalise(this.basis);
  }

  learnOne(x: Features, t = NaN): void {
    if (this.d === 0) {
      if (x.length < this.params.minFeatures) return;
      this.init(x.length);
    }
    const w = this.weightOf(x);
    this.sValid = false;
    const { d, mean, cov } = this;
    const forget = this.forgetting(t);
    const nEff = Math.min(this.n, 1 / forget);
    const clip = nEff >= CLIP_AFTER;
    const dev = this.z;
    for (let j = 0; j < d; j++) {
      let v = j < x.length ? x[j] : NaN;
      if (!Number.isFinite(v)) {
        dev[j] = 0;
        continue;
      }
      // Robust (robust-clip.ts): one value raises a feature's spread at most ~3-fold.
      v = learnable(v);
      if (clip) v = clampWelford(v, mean[j], cov[j * d + j] * nEff, nEff, scaleFloor(this.params, j, mean[j]));
      dev[j] = v - mean[j];
    }
    this.n++;
    const a = w * Math.max(1 / this.n, forget);
    const b = 1 - a;
    for (let i = 0; i < d; i++) {
      mean[i] += a * dev[i];
      const ai = a * dev[i];
      const row = i * d;
      for (let j = i; j < d; j++) cov[row + j] = b * (cov[row + j] + ai * dev[j]);
    }
    this.sinceRefresh++;
    if (this.n === this.params.minPoints || (this.n > this.params.minPoints && this.sinceRefresh >= this.params.refreshEvery)) this.refresh();
  }

  /** The forgetting weight at time `t`: 1/memory, or less with `memorySeconds` and a known step (see the module comment); notes the step. */
  private forgetting(t: number): number {
    const { memory, memorySeconds } = this.params;
    if (memorySeconds === 0) return 1 / memory;
    const dt = t - this.lastT;
    if (dt > 0 && Number.isFinite(dt)) this.stepMs = dt;
    if (Number.isFinite(t)) this.lastT = t;
    return this.stepMs > 0 ? Math.min(1 / memory, this.stepMs / (1000 * memorySeconds)) : 1 / memory;
  }

  /** Scores one point in [0, 1) against what was learned before it; does not allocate. */
  scoreOne(x: Features): number {
    return zToScore(this.scoreZ(x), this.params.z50, this.params.power);
  }

  /** The z that {@link SubspaceDetector.scoreOne} maps (softplus of S's Wilson–Hilferty z; Infinity for a non-finite S); 0 before the first refresh. */
  scoreZ(x: Features): number {
    if (this.k === 0) return 0;
    const s = this.statistic(x);
    // learnOne of the same values (before any other change of state) reuses it.
    const { d, sX } = this;
    for (let j = 0; j < d; j++) sX[j] = j < x.length ? x[j] : NaN;
    this.sLast = s;
    this.sValid = true;
    if (!Number.isFinite(s)) return Infinity;
    const zs = chiSquareZ(s, this.k + this.h);
    // softplus keeps the order of z ≤ 0 (a distance below its mean) instead of tying them at 0.
    return zs > 30 ? zs : Math.log1p(Math.exp(zs));
  }

  /** The z at which the score is 0.5. */
  get scoreZ50(): number {
    return this.params.z50;
  }

  /** The steepness of the mapping. */
  get scorePower(): number {
    return this.params.power;
  }

  /** S = T² + Q/g of `x` (about χ²(k + h) on normal points); needs k ≥ 1. Does not allocate. */
  private statistic(x: Features): number {
    const { d, k, mean, scale, basis, lambda, above } = this;
    const z = this.z;
    let total = 0;
    for (let j = 0; j < d; j++) {
      const v = j < x.length ? x[j] : NaN;
      let zj = Number.isFinite(v) ? (v - mean[j]) / scale[j] : v === Infinity || v === -Infinity ? 1e150 : 0;
      // An onlyAbove feature below its mean is where it is expected.
      if (zj < 0 && onlyAboveAt(above, j)) zj = 0;
      z[j] = zj;
      total += zj * zj;
    }
    let t2 = 0;
    let inside = 0;
    for (let i = 0; i < k; i++) {
      let y = 0;
      const row = i * d;
      for (let j = 0; j < d; j++) y += basis[row + j] * z[j];
      inside += y * y;
      t2 += (y * y) / lambda[i];
    }
    return this.h > 0 ? t2 + Math.max(0, total - inside) / this.g : t2;
  }

  /** The weight a point learns with: 1 up to z = `influence`, then S_c / S (bounded influence, a Huber-type M-estimator's weight). */
  private weightOf(x: Features): number {
    if (this.k === 0 || this.params.influence === 0) return 1;
    const s = this.scored(x) ? this.sLast : this.statistic(x);
    if (!(s > 0)) return 1;
    const sc = this.sCut;
    return s > sc ? sc / s : 1;
  }

  /** Whether `sLast` holds the statistic of x (scored since the state last changed). */
  private scored(x: Features): boolean {
    if (!this.sValid) return false;
    const { d, sX } = this;
    for (let j = 0; j < d; j++) {
      const a = j < x.length ? x[j] : NaN;
      const b = sX[j];
      if (a !== b && !(a !== a && b !== b)) return false;
    }
    return true;
  }

  /** S_c: the S at which z (Wilson–Hilferty) reaches `influence`, for the current k and h. */
  private cutOf(): number {
    const c = this.params.influence;
    const nu = this.k + this.h;
    const v = 2 / (9 * nu);
    return nu * Math.max(0, 1 - v + c * Math.sqrt(v)) ** 3;
  }

  /** R·v for v in `src` row `i` (into `dst` row `i`), with R = S⁻¹ C S⁻¹ (C full). */
  private mulR(src: Float64Array, dst: Float64Array, i: number): void {
    const { d, cov, scale, z } = this;
    const off = i * d;
    for (let j = 0; j < d; j++) z[j] = src[off + j] / scale[j];
    for (let r = 0; r < d; r++) {
      let acc = 0;
      const row = r * d;
      for (let j = 0; j < d; j++) acc += cov[row + j] * z[j];
      dst[off + r] = acc / scale[r];
    }
  }

  /** Modified Gram–Schmidt on the m rows of `a`; a row that vanishes is replaced by a unit vector. */
  private orthonormalise(a: Float64Array): void {
    const { d, m } = this;
    for (let i = 0; i < m; i++) {
      const off = i * d;
      for (let tries = 0; ; tries++) {
        for (let p = 0; p < i; p++) {
          let dot = 0;
          for (let j = 0; j < d; j++) dot += a[off + j] * a[p * d + j];
          for (let j = 0; j < d; j++) a[off + j] -= dot * a[p * d + j];
        }
        let norm = 0;
        for (let j = 0; j < d; j++) norm += a[off + j] * a[off + j];
        norm = Math.sqrt(norm);
        if (norm > 1e-12 || tries >= d) {
          for (let j = 0; j < d; j++) a[off + j] = norm > 0 ? a[off + j] / norm : 0;
          break;
        }
        // R annihilated this direction: restart it from a coordinate axis not yet in the span.
        for (let j = 0; j < d; j++) a[off + j] = j === (i + tries) % d ? 1 : 0;
      }
    }
  }

  /** Recomputes scales, components, k and the residual's g and h (see the module comment). */
  private refresh(): void {
    const { d, m, cov, mean, scale, basis, work, lambda } = this;
    this.sinceRefresh = 0;
    for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) cov[i * d + j] = cov[j * d + i];
    for (let j = 0; j < d; j++) scale[j] = Math.max(Math.sqrt(Math.max(0, cov[j * d + j])), scaleFloor(this.params, j, mean[j]));
    const iters = this.k === 0 ? FIRST_ITERS : this.params.powerIters;
    for (let it = 0; it < iters; it++) {
      for (let i = 0; i < m; i++) this.mulR(basis, work, i);
      this.orthonormalise(work);
      basis.set(work);
    }
    // Rayleigh quotients, then components sorted by eigenvalue (selection sort, rows swapped in place).
    for (let i = 0; i < m; i++) {
      this.mulR(basis, work, i);
      let q = 0;
      for (let j = 0; j < d; j++) q += basis[i * d + j] * work[i * d + j];
      lambda[i] = Math.max(0, q);
    }
    for (let i = 0; i < m; i++) {
      let best = i;
      for (let p = i + 1; p < m; p++) if (lambda[p] > lambda[best]) best = p;
      if (best === i) continue;
      const l = lambda[i];
      lambda[i] = lambda[best];
      lambda[best] = l;
      for (let j = 0; j < d; j++) {
        const v = basis[i * d + j];
        basis[i * d + j] = basis[best * d + j];
        basis[best * d + j] = v;
      }
    }
    let trace = 0;
    let frob = 0;
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        const r = cov[i * d + j] / (scale[i] * scale[j]);
        frob += r * r;
        if (i === j) trace += r;
      }
    }
    let k = 0;
    let sum = 0;
    let sum2 = 0;
    while (k < m && sum < this.params.variance * trace && lambda[k] > EPS * trace) {
      sum += lambda[k];
      sum2 += lambda[k] * lambda[k];
      k++;
    }
    // A point scores only after a refresh with k ≥ 1: a constant series keeps one unit component.
    if (k === 0) {
      lambda[0] = Math.max(lambda[0], EPS);
      k = 1;
    }
    this.k = k;
    const t1 = trace - sum;
    const t2 = frob - sum2;
    if (t1 > EPS * trace && t2 > 0 && k < d) {
      this.g = t2 / t1;
      this.h = (t1 * t1) / t2;
    } else {
      this.g = 1;
      this.h = 0;
    }
    this.sCut = this.cutOf();
  }

  toJSON(): DetectorSnapshot {
    const state: Record<string, unknown> = { dims: this.d, n: this.n, sinceRefresh: this.sinceRefresh, k: this.k, g: this.g, h: this.h };
    if (Number.isFinite(this.lastT)) state.lastT = this.lastT;
    if (Number.isFinite(this.stepMs)) state.stepMs = this.stepMs;
    if (this.d > 0) {
      for (const f of ['mean', 'cov', 'scale', 'basis', 'lambda'] as const) state[f] = toBase64(this[f]);
    }
    return { kind: KIND, formatVersion: FORMAT_VERSION, params: { ...this.params, ...onlyAboveParam(this.above), seed: this.seed }, state };
  }

  /** Restores a detector saved by {@link SubspaceDetector.toJSON}; throws {@link ModelFormatError} naming the bad field. */
  static fromJSON(s: DetectorSnapshot): SubspaceDetector {
    const { model: det, state: st } = openSnapshot(s, KIND, FORMAT_VERSION, (p) => {
      const { seed, ...rest } = p;
      return new SubspaceDetector(rest as SubspaceParams, typeof seed === 'number' ? seed : 0);
    });
    const num = (f: string, ok: (v: number) => boolean): number => {
      const v = st[f];
      if (typeof v !== 'number' || !ok(v)) throw new ModelFormatError(`${KIND} snapshot: "state.${f}" is missing or out of range`);
      return v;
    };
    const dims = num('dims', (v) => Number.isInteger(v) && v >= 0);
    if (dims === 0) return det;
    det.init(dims);
    det.n = num('n', (v) => Number.isInteger(v) && v >= 0);
    det.sinceRefresh = num('sinceRefresh', (v) => Number.isInteger(v) && v >= 0);
    det.k = num('k', (v) => Number.isInteger(v) && v >= 0 && v <= det.m);
    det.g = num('g', (v) => Number.isFinite(v) && v > 0);
    det.h = num('h', (v) => Number.isFinite(v) && v >= 0);
    for (const f of ['mean', 'cov', 'scale', 'basis', 'lambda'] as const) {
      const a = fromBase64(Float64Array, st[f], KIND, `state.${f}`);
      if (a.length !== det[f].length) throw new ModelFormatError(`${KIND} snapshot: "state.${f}" must hold ${det[f].length} numbers`);
      det[f].set(a);
    }
    // Optional (snapshots before memorySeconds lack them: no step known yet).
    for (const f of ['lastT', 'stepMs'] as const) {
      const v = st[f];
      if (v === undefined) continue;
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new ModelFormatError(`${KIND} snapshot: "state.${f}" must be a finite number`);
      det[f] = v;
    }
    det.sCut = det.cutOf();
    return det;
  }
}
