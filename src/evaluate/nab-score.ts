/**
 * The Numenta Anomaly Benchmark score, as NAB's `sweeper.py` computes it (Lavin & Ahmad 2015; NAB
 * v1.1). Per series, the first 15% of rows (at most 750) are a probationary period and not scored.
 * A detection inside a window earns `tpWeight × S(p) / S(-1)` where `S(p) = 2·sigmoid(-5p) - 1` and
 * `p = -(right - i + 1) / width` runs from -1 at the window's first row towards 0 at its last; only the
 * best (= earliest) detection of a window counts, and a window without one costs `-fnWeight`. A
 * detection outside every window costs `fpWeight × S(p)` with `p` its distance past the previous
 * window's end in window widths (`-fpWeight` when no window precedes it or it is 3 widths or more
 * away). One threshold per profile is chosen over the whole corpus (every distinct score is tried, a
 * point is a detection when its score is at or above the threshold), and the corpus total is
 * normalised: `100 × (raw - null) / (perfect - null)`, where perfect = `tpWeight × windows` and null =
 * the never-firing detector's `-fnWeight × windows scored`.
 *
 * Choices where NAB's code leaves a gap: windows are given as row ranges (the readers map window times
 * to the rows inside them instead of requiring exact timestamps); a one-row window's "past the window"
 * denominator (NAB's `width - 1`, zero there) is taken as 1; among equally good thresholds the highest
 * is kept (NAB's stable sort does the same).
 */

/** A cost profile (NAB's `profiles.json` CostMatrix). */
export interface NabCostMatrix {
  tpWeight: number;
  fpWeight: number;
  fnWeight: number;
  tnWeight: number;
}

/** NAB's three profiles, as in `nab/profiles.json`. */
export const NAB_PROFILES: Readonly<Record<string, NabCostMatrix>> = Object.freeze({
  standard: { tpWeight: 1, fnWeight: 1, fpWeight: 0.11, tnWeight: 1 },
  reward_low_FP_rate: { tpWeight: 1, fnWeight: 1, fpWeight: 0.22, tnWeight: 1 },
  reward_low_FN_rate: { tpWeight: 1, fnWeight: 2, fpWeight: 0.11, tnWeight: 1 },
});

/** One series to score: its anomaly scores and its windows as inclusive row ranges. */
export interface NabSeriesInput {
  name: string;
  scores: ArrayLike<number>;
  windows: ReadonlyArray<{ start: number; end: number }>;
}

/** The NAB result of one profile. */
export interface NabResult {
  profile: string;
  /** The corpus-wide threshold (1.1 when never firing scores best). */
  threshold: number;
  /** Normalised corpus score: perfect = 100, never firing = 0 (NaN without windows). */
  score: number;
  raw: number;
  perfect: number;
  baseline: number;
  perSeries: { name: string; raw: number; score: number | null }[];
}

/** NAB's probationary length: min(floor(percent × rows), percent × 5000). */
export function probationaryLength(rows: number, percent = 0.15): number {
  return Math.min(Math.floor(percent * rows), percent * 5000);
}

/** NAB's scaled sigmoid of a relative position (see the module comment). */
export function scaledSigmoid(p: number): number {
  if (p >= 3) return -1;
  return 2 / (1 + Math.exp(5 * p)) - 1;
}

const PROBATION = -2;
const OUTSIDE = -1;

/** Per-row sweep scores and window ids (-1 outside, -2 probationary, else the window index). */
function sweep(n: number, windows: NabSeriesInput['windows'], cost: NabCostMatrix, percent: number): { value: Float64Array; win: Int32Array } {
  const value = new Float64Array(n);
  const win = new Int32Array(n);
  const maxTp = scaledSigmoid(-1);
  const prob = probationaryLength(n, percent);
  let w = 0;
  let prevRight = -1;
  let prevWidth = 0;
  for (let i = 0; i < n; i++) {
    const cur = w < windows.length && i >= windows[w].start ? windows[w] : undefined;
    if (cur) {
      const width = cur.end - cur.start + 1;
      value[i] = (scaledSigmoid(-(cur.end - i + 1) / width) * cost.tpWeight) / maxTp;
      win[i] = w;
    } else {
      const p = prevRight < 0 ? 3 : Math.abs(prevRight - i) / Math.max(1, prevWidth - 1);
      value[i] = scaledSigmoid(p) * cost.fpWeight;
      win[i] = OUTSIDE;
    }
    if (i < prob) win[i] = PROBATION;
    if (cur && i === cur.end) {
      prevRight = i;
      prevWidth = cur.end - cur.start + 1;
      w++;
    }
  }
  return { value, win };
}

/** Raw score of one series at `threshold`, and its count of scored windows. */
function seriesRaw(scores: ArrayLike<number>, value: Float64Array, win: Int32Array, nWindows: number, threshold: number, cost: NabCostMatrix): { raw: number; scored: number } {
  const best = new Float64Array(nWindows).fill(-cost.fnWeight);
  const scoredWin = new Uint8Array(nWindows);
  let fp = 0;
  for (let i = 0; i < win.length; i++) {
    const w = win[i];
    if (w === PROBATION) continue;
    if (w >= 0) scoredWin[w] = 1;
    if (!(scores[i] >= threshold)) continue;
    if (w === OUTSIDE) fp += value[i];
    else if (value[i] > best[w]) best[w] = value[i];
  }
  let raw = fp;
  let scored = 0;
  for (let w = 0; w < nWindows; w++) {
    if (!scoredWin[w]) continue;
    raw += best[w];
    scored++;
  }
  return { raw, scored };
}

/**
 * Scores a corpus under one cost profile: picks the threshold that maximises the corpus total (or
 * uses `fixedThreshold`, e.g. 1 to score 0/1 flags as they are), then scores every series at it and
 * normalises (see the module comment). Scores must not be NaN.
 */
export function nabScore(series: readonly NabSeriesInput[], cost: NabCostMatrix, profile = 'standard', probationPercent = 0.15, fixedThreshold?: number): NabResult {
  const sweeps = series.map((s) => sweep(s.scores.length, s.windows, cost, probationPercent));
  // Pool every scorable point of the corpus, with a corpus-wide window id.
  let total = 0;
  for (const sw of sweeps) for (let i = 0; i < sw.win.length; i++) if (sw.win[i] !== PROBATION) total++;
  const score = new Float64Array(total);
  const value = new Float64Array(total);
  const win = new Int32Array(total);
  let k = 0;
  let base = 0;
  const seen = new Set<number>();
  for (let s = 0; s < series.length; s++) {
    const { value: v, win: w } = sweeps[s];
    for (let i = 0; i < w.length; i++) {
      if (w[i] === PROBATION) continue;
      score[k] = series[s].scores[i];
      value[k] = v[i];
      win[k] = w[i] >= 0 ? base + w[i] : OUTSIDE;
      if (w[i] >= 0) seen.add(base + w[i]);
      k++;
    }
    base += series[s].windows.length;
  }
  const bestThreshold = fixedThreshold ?? bestCorpusThreshold(score, value, win, base, seen.size, cost);
  const perSeries = series.map((s, j) => {
    const r = seriesRaw(s.scores, sweeps[j].value, sweeps[j].win, s.windows.length, bestThreshold, cost);
    const perfect = cost.tpWeight * s.windows.length;
    const baseline = -cost.fnWeight * r.scored;
    return { name: s.name, raw: r.raw, score: s.windows.length ? normalise(r.raw, perfect, baseline) : null };
  });
  const raw = perSeries.reduce((a, p) => a + p.raw, 0);
  const perfect = cost.tpWeight * base;
  const baseline = -cost.fnWeight * seen.size;
  return { profile, threshold: bestThreshold, score: normalise(raw, perfect, baseline), raw, perfect, baseline, perSeries };
}

/** The threshold that maximises the pooled corpus total (NAB's sweep; ties keep the highest). */
function bestCorpusThreshold(score: Float64Array, value: Float64Array, win: Int32Array, windows: number, seen: number, cost: NabCostMatrix): number {
  const total = score.length;
  const best = new Float64Array(windows).fill(-cost.fnWeight);
  const order = Array.from({ length: total }, (_, i) => i).sort((a, b) => score[b] - score[a]);
  let cur = -cost.fnWeight * seen; // nothing detected
  let curThreshold = 1.1;
  let bestScore = cur;
  let bestThreshold = curThreshold;
  for (const i of order) {
    if (score[i] !== curThreshold) {
      if (cur > bestScore) { bestScore = cur; bestThreshold = curThreshold; }
      curThreshold = score[i];
    }
    if (win[i] === OUTSIDE) cur += value[i];
    else if (value[i] > best[win[i]]) { cur += value[i] - best[win[i]]; best[win[i]] = value[i]; }
  }
  if (cur > bestScore) { bestScore = cur; bestThreshold = curThreshold; }
  return bestThreshold;
}

/**
 * The starts of a 0/1 flag series (1 where a run of flags begins): what NAB scores for flags, since an
 * alert that stays up is one detection, as a person paged once sees it, not one per flagged point.
 */
export function flagStarts(flags: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(flags.length);
  for (let i = 0; i < flags.length; i++) out[i] = flags[i] && !(i > 0 && flags[i - 1]) ? 1 : 0;
  return out;
}

/** Scores a corpus under every profile of `profiles` (default: NAB's three), at `fixedThreshold` when given. */
export function nabScores(
  series: readonly NabSeriesInput[], profiles: Readonly<Record<string, NabCostMatrix>> = NAB_PROFILES, probationPercent = 0.15, fixedThreshold?: number,
): NabResult[] {
  return Object.entries(profiles).map(([name, cost]) => nabScore(series, cost, name, probationPercent, fixedThreshold));
}

function normalise(raw: number, perfect: number, baseline: number): number {
  return perfect === baseline ? NaN : (100 * (raw - baseline)) / (perfect - baseline);
}
