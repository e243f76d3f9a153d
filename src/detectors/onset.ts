/**
 * Onset detector for per-pod service metrics: per column, how far the point is from the median of the
 * last few points (`baseline`, default 5), in units of the size of the moves that column usually
 * makes. A fault that lifts CPU, latency or memory scores at its onset and for the next few points;
 * once the short median has caught up with a new level (about baseline / 2 points) the level no longer
 * scores, so a lasting shift raises one short alert rather than one that fires for an hour and hides
 * the next fault behind it. The largest z over the columns is mapped into [0, 1) by `zToScore`
 * (score-map.ts): 0.5 at z = z50 (default 12: twelve times the column's usual large move), steepness
 * `power` (default 4).
 *
 * The unit (spread) is learned per column from its own history: the `spreadQuantile` (default 0.95)
 * of |x − rolling median of the last `centerWindow` (60) points| over the last `spreadWindow` (720)
 * points. A high quantile rather than a MAD, because service metrics are mostly flat with bursts
 * (latency percentiles sit on a histogram bucket for hours, memory moves in steps): their MAD is 0 or
 * nearly so, and a robust z against it flags every ordinary burst. A column whose bursts are large
 * (a client latency that jumps tenfold every few minutes) gets a large unit, and only a move well past
 * its usual bursts scores. Floors: max(quantile, `minScale[j]` (or `defaultMinScale`),
 * `relativeFloor` · |baseline median|), so a constant column still has a finite unit.
 *
 * `direction` scores rises only (default "up": for pod metrics trouble means more CPU, latency, memory,
 * errors, and the falls are mostly recoveries and scrape gaps read as 0), falls only ("down") or both.
 * A column is scored once it has `minPoints` values (default 20); a point with no scored column
 * scores 0.
 *
 * `gapSeconds` (default 0: off): when more than this passes between two learned points (by the times
 * given to `learnOne`), the level is relearned: the baseline and centre windows are emptied, and a
 * column is scored again once its baseline holds min(3, baseline) values. The spread (the unit) is
 * kept. Series stitched from separate recordings (yesterday's rows as training for today's) otherwise
 * score the jump between them as an onset.
 *
 * Streaming and causal: `scoreOne(x_t)` reads statistics cached when the points before t were learned
 * (O(columns), no allocation); `learnOne(x_t)` then adds x_t to the three rolling windows (sorted
 * windows, O(window) per column, no allocation; sorted-windows.ts). NaN and ±Infinity are not learned;
 * at scoring NaN columns are skipped and ±Infinity gives z = Infinity (score 1 − 1e-12) in a scored
 * direction. The feature dimension is fixed by the first learned point; features past it are ignored.
 */
import { intIn, paramReader } from '../core/params.js';
import { InputError, ModelFormatError } from '../core/errors.js';
import type { Features } from '../core/frame.js';
import { zToScore } from '../core/score-map.js';
import { learnable } from '../stats/robust-clip.js';
import { SortedWindows } from '../stats/sorted-windows.js';
import { type Detector, type Explainer } from './base.js';
import { readScaleSettings, scaleFloor, SCALE_PARAMS, type ScaleParams, type ScaleSettings } from './scale-settings.js';
import { openSnapshot, type DetectorSnapshot, type FeatureContribution } from '../core/snapshot.js';

const KIND = 'onset';
const FORMAT_VERSION = 1;
const PARAMS = ['baseline', 'centerWindow', 'spreadWindow', 'spreadQuantile', 'direction', 'minPoints', ...SCALE_PARAMS, 'gapSeconds'];
const DIRECTIONS = ['both', 'up', 'down'] as const;

/** Which moves score: rises, falls or both. */
export type OnsetDirection = (typeof DIRECTIONS)[number];

/**
 * Settings of {@link OnsetDetector}; every field has a default. Spread floors and mapping (see
 * scale-settings.ts): `defaultMinScale` 1e-9, `relativeFloor` of |baseline median| 1e-3, `z50` 12,
 * `power` 4.
 */
export interface OnsetParams extends ScaleParams {
  /** Points whose median is the level a new point is compared with (default 5). */
  baseline?: number;
  /** Points whose median the spread's deviations are measured from (default 60). */
  centerWindow?: number;
  /** Deviations whose quantile is the spread (default 720: 12 hours of one-minute points). */
  spreadWindow?: number;
  /** Quantile of the deviations that is the unit of z (default 0.95). */
  spreadQuantile?: number;
  /** Score rises, falls or both (default "up"). */
  direction?: OnsetDirection;
  /** Values a column needs before it is scored (default 20). */
  minPoints?: number;
  /** A gap between learned points longer than this (seconds) relearns the level (default 0: never). */
  gapSeconds?: number;
}

type Resolved = Required<Omit<OnsetParams, keyof ScaleParams>> & ScaleSettings;

function resolve(p: Record<string, unknown>): Resolved {
  const num = paramReader('onset', p, PARAMS);
  const direction = p.direction ?? 'up';
  if (!DIRECTIONS.includes(direction as OnsetDirection)) throw new InputError(`onset: direction must be one of ${DIRECTIONS.join(', ')}, got ${JSON.stringify(direction)}`);
  return {
    baseline: num('baseline', 5, intIn(1, 1000), 'an integer in [1, 1000]'),
    centerWindow: num('centerWindow', 60, intIn(1, 100_000), 'an integer in [1, 100000]'),
    spreadWindow: num('spreadWindow', 720, intIn(2, 100_000), 'an integer in [2, 100000]'),
    spreadQuantile: num('spreadQuantile', 0.95, (v) => v > 0 && v <= 1, 'a number in (0, 1]'),
    direction: direction as OnsetDirection,
    minPoints: num('minPoints', 20, intIn(2, 1_000_000), 'an integer >= 2'),
    ...readScaleSettings('onset', p, num, { defaultMinScale: 1e-9, z50: 12 }),
    gapSeconds: num('gapSeconds', 0, (v) => Number.isFinite(v) && v >= 0, 'a finite number >= 0'),
  };
}

/** Per-column onset z against a short rolling median, in units of the column's usual moves. See the file comment. */
export class OnsetDetector implements Detector, Explainer {
  /** Registry key and snapshot kind. */
  readonly kind = KIND;
  /** A point is anomalous on its own past score 0.5 (z = z50). */
  readonly threshold = 0.5;
  /** The settings, defaults filled in. */
  readonly params: Readonly<Resolved>;
  private d = 0;
  private base = new SortedWindows(0, 1);
  private center = new SortedWindows(0, 1);
  private spread = new SortedWindows(0, 1);
  /** Values learned per column (capped at minPoints). */
  private seen = new Int32Array(0);
  /** Cached per column after each learned value: the baseline median and the spread (floors applied). */
  private level = new Float64Array(0);
  private scale = new Float64Array(0);
  /** Time of the last learned point (epoch ms as given; -Infinity before any). */
  private lastT = -Infinity;
  /** Baseline values a column needs to be scored: min(3, baseline, minPoints). */
  private readonly minBase: number;
  private readonly sign: number;

  /** Creates an empty detector; throws {@link InputError} naming a bad setting. */
  constructor(params: OnsetParams = {}) {
    this.params = Object.freeze(resolve(params as Record<string, unknown>));
    this.sign = this.params.direction === 'up' ? 1 : this.params.direction === 'down' ? -1 : 0;
    this.minBase = Math.min(3, this.params.baseline, this.params.minPoints);
  }

  /** The feature dimension (0 before any point is learned). */
  get dims(): number {
    return this.d;
  }

  /** Adds one point: each finite feature joins its column's windows (NaN and ±Infinity skipped). */
  learnOne(x: Features, t = 0): void {
    if (this.d === 0) this.init(x.length);
    const gap = this.params.gapSeconds;
    if (gap > 0 && Number.isFinite(t)) {
      if (t - this.lastT > gap * 1000 && this.lastT > -Infinity) this.relearnLevel();
      this.lastT = Math.max(this.lastT, t);
    }
    for (let j = 0; j < this.d && j < x.length; j++) {
      if (!Number.isFinite(x[j])) continue;
      const v = learnable(x[j]);
      if (this.center.count(j) > 0) this.spread.push(j, Math.abs(v - this.center.median(j)));
      this.center.push(j, v);
      this.base.push(j, v);
      if (this.seen[j] < this.params.minPoints) this.seen[j]++;
      this.refresh(j);
    }
  }

  /** The largest onset z of `x` over the scored columns, in the scored direction (0 when none). */
  zOf(x: Features): number {
    let zmax = 0;
    const n = Math.min(this.d, x.length);
    for (let j = 0; j < n; j++) {
      const z = this.zAt(x, j);
      if (z > zmax) zmax = z;
    }
    return zmax;
  }

  /** Scores one point in [0, 1) against the windows learned before it; does not allocate. */
  scoreOne(x: Features, _t = 0): number {
    return zToScore(this.zOf(x), this.params.z50, this.params.power);
  }

  /**
   * Every scored feature's onset z (in the scored direction), largest first, with the range it
   * considers normal: baseline median ± z50 · spread. Allocates: for explanations, not scoring.
   */
  explain(x: Features, names: readonly string[]): FeatureContribution[] {
    const out: FeatureContribution[] = [];
    const z50 = this.params.z50;
    for (let j = 0; j < Math.min(this.d, x.length); j++) {
      if (Number.isNaN(x[j]) || this.seen[j] < this.params.minPoints || this.base.count(j) < this.minBase) continue;
      const m = this.level[j];
      const s = this.scale[j];
      out.push({ name: names[j] ?? `x${j}`, value: x[j], z: this.zAt(x, j), expected: [m - z50 * s, m + z50 * s] });
    }
    return out.sort((a, b) => b.z - a.z);
  }

  /** Saves settings and every column's windows (oldest value first) as JSON. */
  toJSON(): DetectorSnapshot {
    const cols = (w: SortedWindows) => Array.from({ length: this.d }, (_, j) => w.values(j));
    return {
      kind: KIND, formatVersion: FORMAT_VERSION, params: { ...this.params },
      state: {
        dims: this.d, seen: [...this.seen], baseline: cols(this.base), center: cols(this.center), spread: cols(this.spread),
        lastT: Number.isFinite(this.lastT) ? this.lastT : null,
      },
    };
  }

  /** Restores a detector saved by {@link OnsetDetector.toJSON}; throws {@link ModelFormatError} naming the bad field. */
  static fromJSON(s: DetectorSnapshot): OnsetDetector {
    const { model: m, state: st } = openSnapshot(s, KIND, FORMAT_VERSION, (p) => new OnsetDetector(p as OnsetParams));
    const dims = st.dims;
    if (typeof dims !== 'number' || !Number.isInteger(dims) || dims < 0) throw new ModelFormatError('onset snapshot: "state.dims" must be an integer >= 0');
    const p = m.params;
    const windows = (field: string, size: number): number[][] => {
      const w = st[field];
      const ok = Array.isArray(w) && w.length === dims &&
        w.every((c: unknown) => Array.isArray(c) && c.length <= size && c.every((v) => typeof v === 'number' && Number.isFinite(v)));
      if (!ok) throw new ModelFormatError(`onset snapshot: "state.${field}" must hold ${dims} arrays of at most ${size} finite numbers`);
      return w as number[][];
    };
    const seen = st.seen;
    if (!Array.isArray(seen) || seen.length !== dims || !seen.every((v) => Number.isInteger(v) && v >= 0 && v <= p.minPoints)) {
      throw new ModelFormatError(`onset snapshot: "state.seen" must hold ${dims} integers in [0, minPoints]`);
    }
    const [base, center, spread] = [windows('baseline', p.baseline), windows('center', p.centerWindow), windows('spread', p.spreadWindow)];
    if (st.lastT !== undefined && st.lastT !== null && (typeof st.lastT !== 'number' || !Number.isFinite(st.lastT))) {
      throw new ModelFormatError('onset snapshot: "state.lastT" must be a finite number or null');
    }
    if (typeof st.lastT === 'number') m.lastT = st.lastT;
    if (dims === 0) return m;
    m.init(dims);
    for (let j = 0; j < dims; j++) {
      for (const v of base[j]) m.base.push(j, v);
      for (const v of center[j]) m.center.push(j, v);
      for (const v of spread[j]) m.spread.push(j, v);
      m.seen[j] = seen[j] as number;
      if (m.base.count(j) > 0) m.refresh(j);
    }
    return m;
  }

  /** Column `j`'s z for `x` in the scored direction (0 when not scored yet or NaN). */
  private zAt(x: Features, j: number): number {
    const v = x[j];
    if (Number.isNaN(v) || this.seen[j] < this.params.minPoints || this.base.count(j) < this.minBase) return 0;
    const dev = this.sign === 0 ? Math.abs(v - this.level[j]) : this.sign * (v - this.level[j]);
    return dev > 0 ? dev / this.scale[j] : 0;
  }

  private refresh(j: number): void {
    const p = this.params;
    const m = this.base.median(j);
    const q = this.spread.count(j) > 0 ? this.spread.quantile(j, p.spreadQuantile) : 0;
    this.level[j] = m;
    this.scale[j] = Math.max(q, scaleFloor(p, j, m), p.defaultMinScale);
  }

  /** Empties the baseline and centre windows (after a gap); the spread windows stay. */
  private relearnLevel(): void {
    this.base = new SortedWindows(this.d, this.params.baseline);
    this.center = new SortedWindows(this.d, this.params.centerWindow);
  }

  private init(d: number): void {
    if (d === 0) throw new InputError('onset: learnOne got an empty feature vector');
    const p = this.params;
    this.d = d;
    this.base = new SortedWindows(d, p.baseline);
    this.center = new SortedWindows(d, p.centerWindow);
    this.spread = new SortedWindows(d, p.spreadWindow);
    this.seen = new Int32Array(d);
    this.level = new Float64Array(d);
    this.scale = new Float64Array(d);
  }
}
