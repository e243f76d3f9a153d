/**
 * The expected range of a series, point by point, as an operator reads "normal": what the same
 * series did before, never what it does now. For the point at time t:
 * - **same time on earlier days**: the values within ±`toleranceMs` (10 minutes) of t − d days, for
 *   d = 1 … `days` (7); when at least `minDays` (2) of those days have a value, the band is
 *   median ± `k` (3) × σ of all of them pooled;
 * - otherwise **the last hour**: the values in [t − `rollingMs`, t) (60 minutes, the point itself
 *   left out); with at least `minPoints` (10) of them, median ± `k` × σ of those;
 * - otherwise none (NaN).
 * σ = max(1.4826 × MAD, `relativeFloor` (1%) × |median|), so a flat series still gets a visible band
 * and a spike on it falls outside. `lower` clips the low edge (0 for metrics that cannot be negative).
 *
 * Causal: the band at t reads only values at times before t. Missing values (NaN, ±Infinity) are
 * skipped; times need not be evenly spaced but must be ascending. Pure: no store, no clock.
 */
import { madOf, MAD_TO_SD, medianOf } from '../stats/sorted-median.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

/** Options of {@link expectedRange}; every field has a default (see the module comment). */
export interface ExpectedRangeOptions {
  /** Earlier days looked at (default 7). */
  days?: number;
  /** Half-width of the window around the same time of an earlier day, ms (default 10 minutes). */
  toleranceMs?: number;
  /** Earlier days with a value needed to use them (default 2). */
  minDays?: number;
  /** The fallback's window before the point, ms (default 60 minutes). */
  rollingMs?: number;
  /** Values the fallback needs in its window (default 10). */
  minPoints?: number;
  /** Half-width of the band in σ (default 3). */
  k?: number;
  /** Floor of σ as a share of |median| (default 0.01). */
  relativeFloor?: number;
  /** The low edge is never below this (default −Infinity). */
  lower?: number;
}

/** The band of {@link expectedRange}: one low and high edge per point asked for (NaN: no band there). */
export interface ExpectedBand {
  lo: Float64Array;
  hi: Float64Array;
  /** Per point, which rule made it: 2 earlier days, 1 the last hour, 0 none. */
  rule: Uint8Array;
}

/** Rules of {@link ExpectedBand.rule}. */
export const RULE_NONE = 0;
/** The band came from the last hour. */
export const RULE_ROLLING = 1;
/** The band came from the same time on earlier days. */
export const RULE_DAILY = 2;

/** The first index of ascending `t` whose time is at least `x` (t.length when none). */
function lowerBound(t: ArrayLike<number>, x: number, lo = 0): number {
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The expected range (see the module comment) of the values `v` at ascending times `t` (epoch ms),
 * for the points from index `start` on (default 0: all); the arrays returned have `t.length − start`
 * entries. History before `start` is read, not banded.
 */
export function expectedRange(t: ArrayLike<number>, v: ArrayLike<number>, options: ExpectedRangeOptions = {}, start = 0): ExpectedBand {
  const days = options.days ?? 7;
  const tol = options.toleranceMs ?? 10 * MINUTE;
  const minDays = options.minDays ?? 2;
  const rollingMs = options.rollingMs ?? 60 * MINUTE;
  const minPoints = options.minPoints ?? 10;
  const k = options.k ?? 3;
  const floor = options.relativeFloor ?? 0.01;
  const lower = options.lower ?? -Infinity;
  const n = t.length;
  const m = Math.max(0, n - start);
  const out: ExpectedBand = { lo: new Float64Array(m).fill(NaN), hi: new Float64Array(m).fill(NaN), rule: new Uint8Array(m) };
  const work = new Float64Array(n);

  /** Appends the finite values of v[a .. b) with t < before to work from c; returns the new count. */
  const gather = (a: number, b: number, before: number, c: number) => {
    for (let j = a; j < b && t[j] < before; j++) if (Number.isFinite(v[j])) work[c++] = v[j];
    return c;
  };

  for (let i = Math.max(0, start); i < n; i++) {
    const ti = t[i];
    if (!Number.isFinite(ti)) continue;
    let c = 0;
    let seen = 0;
    for (let d = 1; d <= days; d++) {
      const at = ti - d * DAY;
      const a = lowerBound(t, at - tol);
      const before = c;
      c = gather(a, n, Math.min(at + tol + 1, ti), c);
      if (c > before) seen++;
    }
    let rule = RULE_DAILY;
    if (seen < minDays) {
      c = gather(lowerBound(t, ti - rollingMs), i, ti, 0);
      rule = c >= minPoints ? RULE_ROLLING : RULE_NONE;
    }
    if (rule === RULE_NONE) continue;
    const run = work.subarray(0, c).sort();
    const med = medianOf(run, 0, c);
    const sigma = Math.max(MAD_TO_SD * madOf(run, 0, c, med), floor * Math.abs(med));
    out.lo[i - start] = Math.max(lower, med - k * sigma);
    out.hi[i - start] = med + k * sigma;
    out.rule[i - start] = rule;
  }
  return out;
}
