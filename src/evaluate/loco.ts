/**
 * Leave-one-corpus-out evaluation (issue 13 item 4): every tunable constant of a corpus's figures is
 * chosen on the *other* corpora, so the figures say what a user gets on data nobody tuned for.
 *
 * A {@link Fold} is a unit held out: a NAB category, ASD, SMD-dev, Nezha's pod metric files, Nezha
 * with the mesh columns, ... Folds that share labels (Nezha with and without the mesh columns: the
 * same faults) are never used for each other. A declared {@link LocoGrid} lists candidate values: the
 * detector (kind and settings), the calibrated flags' target false-alarm rate
 * (src/policy/flag-calibrator.ts), the alert policy's K (K hot points in a row) and its hysteresis (a
 * firing flag stays up while p < rate + hysteresis). Each fold has a
 * normalised objective at a grid point ({@link foldObjective}); for each held-out fold the grid point
 * with the best mean objective over the other folds wins, the mean taken per data set first (the NAB
 * categories left count as one data set) so that a data set split into many folds does not outvote
 * the others; among points within {@link NEAR_TIE} of the best mean, the one whose worst data set is
 * best. The held-out fold is then measured at that point.
 *
 * Scoring is separate from deciding: each detector setting scores each fold once (scores and the
 * tail probabilities of the flag calibrator, which do not depend on the rate); every rate and K then
 * only re-decides. The alert policy runs with `stopLearning` off here, so decisions do not feed back
 * into what the detector learns.
 */
import type { LabeledSeries } from './corpus.js';
import { AlertPolicy } from '../policy/alert-policy.js';
import { flagStarts, nabScores, NAB_PROFILES } from './nab-score.js';
import { flagMetrics, scoreMetrics, summarisePointMetrics, type PointSummary, type ScoreMetrics } from './point-metrics.js';
import { CURVE_RATES, FALSE_ALERT_BUDGETS, recallAtBudget } from './recall-curve.js';
import { runStepsAsync, runSteps } from '../core/steps.js';
import { runSeries, type SeriesRun } from './runner.js';

/** How a fold's objective is computed. */
export type FoldObjective = 'nab' | 'flag-f1' | 'events';

/** A unit held out. */
export interface Fold {
  /** e.g. `nab/realTweets`, `asd`, `smd`, `nezha-pod`, `nezha-mesh`. */
  name: string;
  /** The data set it belongs to (`nab`, `asd`, `smd`, `nezha`, `sim`): objectives are averaged per data set. */
  dataset: string;
  /** Folds with the same `labels` never tune each other (default: the name). */
  labels?: string;
  objective: FoldObjective;
  series: LabeledSeries[];
}

/** One detector setting of the grid. */
export interface DetectorChoice {
  kind: string;
  params?: Record<string, unknown>;
  /** Short name for tables, e.g. `ensemble` or `novelty onsetDecay=0.9`. */
  label: string;
}

/** The declared candidate values. */
export interface LocoGrid {
  detectors: DetectorChoice[];
  /** Targets of the calibrated flags (share of a series' points). */
  rates: number[];
  /** K of the alert policy (K hot points in a row). */
  k: number[];
  /** The alert policy's hysteresis on 1 − p: a firing flag stays up while p < rate + this. */
  hysteresis: number[];
}

/** A grid point. */
export interface GridPoint {
  detector: number;
  rate: number;
  k: number;
  hysteresis: number;
}

/** What a fold scores at a grid point. */
export interface FoldFigures {
  summary: PointSummary;
  /** NAB folds: NAB standard score with the threshold chosen over the fold (NAB's protocol; the detector alone). */
  nabStandard?: number;
  /** NAB folds: NAB standard score of the flags themselves (every flag a detection, no threshold chosen). */
  nabFlags?: number;
  /** Event folds: event recall at 1, 2, 5 and 10 false alerts per series-day (over rates, at this K). */
  recallAt?: Record<number, number>;
  objective: number;
}

/** The figures of one fold at the grid point chosen for it, and where it came from. */
export interface LocoRow {
  fold: string;
  point: GridPoint;
  /** The folds whose objectives chose the point ("itself" for the self-tuned rows). */
  source: string[];
  figures: FoldFigures;
  /**
   * Held-out rows: the grid points whose mean objective over the other folds is within
   * {@link NEAR_TIE} of the best (the chosen one among them), and the range of this fold's own
   * objective over them (its finite values): how much the figure hangs on which of near-equal points
   * is taken. Absent where the other folds or the fold itself give no finite objective.
   */
  nearTies?: { points: number; min: number; max: number };
}

/**
 * Mean objectives over the other folds closer than this count as tied: objectives run from 0 to 1,
 * and on Nezha one fault of 56 moves a fold's by 0.018. Among the points tied with the best mean, the
 * one whose worst data set is best is chosen ({@link steadiest}): tied on average, the held-out corpus
 * is one more data set, and a point that fails none of the others is the one that carries over. (Until
 * this rule the argmax of the mean chose, and near-ties flipped held-out figures: SMD's flag F1 moved
 * from 0.386 to 0.269 on a difference of 0.0009 in the mean.)
 */
export const NEAR_TIE = 0.005;

/** One fold scored under one detector setting: per series, the run (scores, tail probabilities) and the score-only metrics. */
export interface Scored {
  runs: SeriesRun[];
  metrics: ScoreMetrics[];
}

/** Scores every series of a fold with a detector setting (flags calibrated; rate and K decided later). */
export function scoreFold(fold: Fold, d: DetectorChoice, seed = 42): Scored {
  return runSteps(scoreFoldSteps(fold, d, seed));
}

/** The work of {@link scoreFold}, yielding before each series. */
function* scoreFoldSteps(fold: Fold, d: DetectorChoice, seed: number): Generator<void, Scored, void> {
  const runs: SeriesRun[] = [];
  for (const s of fold.series) {
    yield;
    runs.push(runSeries(d.kind, s, { seed, params: d.params, targetFalseAlarmRate: 0.5 }));
  }
  return { runs, metrics: runs.map((r, i) => scoreMetrics(r.scores, fold.series[i].labels, fold.series[i].warmup)) };
}

/** Event folds: the false-alert budget of the objective (alerts per series-day). */
const EVENT_BUDGET = 2;

/** Flags of one series at a point: the alert policy firing on calibrated hot points (p < rate). */
export function decide(run: SeriesRun, times: Float64Array, p: Omit<GridPoint, 'detector'>): Uint8Array {
  const pv = run.pValues;
  if (!pv) throw new Error('decide: the run has no tail probabilities (run it with targetFalseAlarmRate)');
  const flags = new Uint8Array(pv.length);
  if (p.k === 1 && p.hysteresis === 0) {
    for (let i = 0; i < pv.length; i++) flags[i] = pv[i] < p.rate ? 1 : 0;
    return flags;
  }
  const policy = new AlertPolicy({ k: p.k, n: p.k, hysteresis: p.hysteresis, stopLearning: false });
  for (let i = 0; i < pv.length; i++) flags[i] = policy.observe('', 1 - pv[i], times[i], 1 - p.rate).firing ? 1 : 0;
  return flags;
}

/** The figures of a fold scored under a detector setting (`scored`) at a point's rate, K and hysteresis. */
export function foldFigures(fold: Fold, scored: Scored, p: Omit<GridPoint, 'detector'>, curve = false): FoldFigures {
  const flags = fold.series.map((s, i) => decide(scored.runs[i], s.frame.times, p));
  const summary = summarisePointMetrics(fold.series.map((s, i) => ({ ...scored.metrics[i], ...flagMetrics(flags[i], s.labels, s.frame.times, s.events, s.warmup) })));
  const out: FoldFigures = { summary, objective: NaN };
  if (fold.objective === 'nab') {
    const standard = { standard: NAB_PROFILES.standard };
    out.nabFlags = nabScores(fold.series.map((s, i) => ({ name: s.name, scores: flagStarts(flags[i]), windows: s.events })), standard, undefined, 1)[0].score;
    out.objective = out.nabFlags / 100;
  } else if (fold.objective === 'flag-f1') {
    out.objective = summary.flagF1;
  } else {
    out.objective = eventObjective(summary);
  }
  if (curve && fold.objective === 'events') out.recallAt = recallAtBudgets(fold, scored, p);
  return out;
}

/** Event recall, scaled down by how far false alerts exceed 2 per series-day. */
function eventObjective(s: PointSummary): number {
  const fa = s.falseAlertsPerSeriesDay;
  return s.eventRecall * (fa > EVENT_BUDGET ? EVENT_BUDGET / fa : 1);
}

/** Best event recall at each false-alert budget over the swept rates, at the point's K and hysteresis. */
export function recallAtBudgets(fold: Fold, scored: Scored, p: Omit<GridPoint, 'detector' | 'rate'>): Record<number, number> {
  const curve = CURVE_RATES.map((rate) => {
    const s = summarisePointMetrics(fold.series.map((x, i) => ({ ...scored.metrics[i], ...flagMetrics(decide(scored.runs[i], x.frame.times, { ...p, rate }), x.labels, x.frame.times, x.events, x.warmup) })));
    return { recall: s.eventRecall, falseAlertsPerDay: s.falseAlertsPerSeriesDay };
  });
  return Object.fromEntries(FALSE_ALERT_BUDGETS.map((b) => [b, recallAtBudget(curve, b)]));
}

/** Options of {@link leaveOneCorpusOut}. */
export interface LocoOptions {
  seed?: number;
  /** Called as each detector setting finishes a fold (progress). */
  onScored?: (fold: string, detector: string, seconds: number) => void;
}

/** Everything {@link leaveOneCorpusOut} found. */
export interface LocoResult {
  grid: LocoGrid;
  /** Per fold: the figures at the point chosen on the other folds. */
  heldOut: LocoRow[];
  /** Per fold: the figures at the point best on the fold itself (optimistic; for comparison only). */
  selfTuned: LocoRow[];
  /** NAB folds together, each at its own chosen point: NAB standard with NAB's threshold, and of the flags. */
  nab?: { standard: number; flags: number; folds: string[] };
  /** Seconds spent scoring, per fold. */
  seconds: Record<string, number>;
}

/** Runs the whole protocol; see the module comment. */
export function leaveOneCorpusOut(folds: readonly Fold[], grid: LocoGrid, opts: LocoOptions = {}): LocoResult {
  return runSteps(locoSteps(folds, grid, opts));
}

/**
 * {@link leaveOneCorpusOut}, awaiting `between()` before each series is scored with each detector
 * setting: it may let the event loop run and throw to stop (`kad evaluate --loco` on SIGINT/SIGTERM).
 */
export function leaveOneCorpusOutAsync(folds: readonly Fold[], grid: LocoGrid, opts: LocoOptions, between: () => Promise<void>): Promise<LocoResult> {
  return runStepsAsync(locoSteps(folds, grid, opts), between);
}

function* locoSteps(folds: readonly Fold[], grid: LocoGrid, opts: LocoOptions): Generator<void, LocoResult, void> {
  const seconds: Record<string, number> = {};
  // Score once per (detector setting, fold).
  const scored: Scored[][] = [];
  for (const d of grid.detectors) {
    const row: Scored[] = [];
    for (const f of folds) {
      const t0 = performance.now();
      row.push(yield* scoreFoldSteps(f, d, opts.seed ?? 42));
      const sec = (performance.now() - t0) / 1000;
      seconds[f.name] = (seconds[f.name] ?? 0) + sec;
      opts.onScored?.(f.name, d.label, sec);
    }
    scored.push(row);
  }
  const points: GridPoint[] = grid.detectors.flatMap((_, detector) => grid.rates.flatMap((rate) => grid.k.flatMap((k) => grid.hysteresis.map((hysteresis) => ({ detector, rate, k, hysteresis })))));
  // objective[point][fold]
  const objective = points.map((p) => folds.map((f, j) => foldFigures(f, scored[p.detector][j], p).objective));
  const labelsOf = (f: Fold): string => f.labels ?? f.name;

  const measure = (j: number, pi: number, source: string[]): LocoRow => {
    const p = points[pi];
    const figures = foldFigures(folds[j], scored[p.detector][j], p, true);
    if (folds[j].objective === 'nab') figures.nabStandard = nabStandard(folds[j].series, scored[p.detector][j].runs);
    return { fold: folds[j].name, point: p, source, figures };
  };
  const heldOut: LocoRow[] = [];
  const selfTuned: LocoRow[] = [];
  folds.forEach((held, j) => {
    const others = folds.map((f, i) => i).filter((i) => labelsOf(folds[i]) !== labelsOf(held));
    const values = (pi: number) => others.map((i) => ({ dataset: folds[i].dataset, value: objective[pi][i] }));
    const means = points.map((_, pi) => datasetMean(values(pi)));
    const top = argmax(means);
    // The best mean's point is always among them (with no finite mean at all, it is the only one).
    const tied = points.map((_, pi) => pi).filter((pi) => pi === top || means[pi] >= means[top] - NEAR_TIE);
    const best = steadiest(tied, top, means, tied.map((pi) => Math.min(...datasetMeans(values(pi)))));
    const own = tied.map((pi) => objective[pi][j]).filter(Number.isFinite);
    const row = measure(j, best, others.map((i) => folds[i].name));
    // No finite mean over the other folds (none scored), or no finite objective of the fold's own: nothing to tell.
    if (Number.isFinite(means[best]) && own.length) row.nearTies = { points: tied.length, min: Math.min(...own), max: Math.max(...own) };
    heldOut.push(row);
    selfTuned.push(measure(j, argmax(points.map((_, pi) => objective[pi][j])), ['itself']));
  });
  const out: LocoResult = { grid, heldOut, selfTuned, seconds };
  const nabFolds = folds.map((f, j) => j).filter((j) => folds[j].objective === 'nab');
  if (nabFolds.length) {
    const series = nabFolds.flatMap((j) => folds[j].series);
    const chosen = nabFolds.flatMap((j) => {
      const p = heldOut[j].point;
      return scored[p.detector][j].runs.map((r, i) => ({ run: r, flags: decide(r, folds[j].series[i].frame.times, p) }));
    });
    const standard = { standard: NAB_PROFILES.standard };
    out.nab = {
      standard: nabScores(series.map((s, i) => ({ name: s.name, scores: chosen[i].run.scores, windows: s.events })), standard)[0].score,
      flags: nabScores(series.map((s, i) => ({ name: s.name, scores: flagStarts(chosen[i].flags), windows: s.events })), standard, undefined, 1)[0].score,
      folds: nabFolds.map((j) => folds[j].name),
    };
  }
  return out;
}

/** NAB standard score of a fold's raw scores (NAB picks the threshold over the fold). */
function nabStandard(series: readonly LabeledSeries[], runs: readonly SeriesRun[]): number {
  return nabScores(series.map((s, i) => ({ name: s.name, scores: runs[i].scores, windows: s.events })), { standard: NAB_PROFILES.standard })[0].score;
}

/** Mean over data sets of the mean over each data set's folds (NaN folds skipped). */
export function datasetMean(values: readonly { dataset: string; value: number }[]): number {
  const means = datasetMeans(values);
  return means.length ? means.reduce((a, b) => a + b, 0) / means.length : NaN;
}

/** The mean over each data set's folds (NaN folds skipped; a data set without a finite one left out). */
export function datasetMeans(values: readonly { dataset: string; value: number }[]): number[] {
  const by = new Map<string, number[]>();
  for (const v of values) if (Number.isFinite(v.value)) by.set(v.dataset, [...(by.get(v.dataset) ?? []), v.value]);
  return [...by.values()].map((xs) => xs.reduce((a, b) => a + b, 0) / xs.length);
}

/**
 * Among the near-tied grid points `tied` (indices, in grid order), the one whose worst data set
 * (`worst`, per entry of `tied`: its lowest per-data-set mean objective over the other folds) is
 * best; between equal worst ones, the higher mean (`means`, by point index), then the earlier point.
 * `top` (the best mean, one of `tied`) when no worst is finite.
 */
export function steadiest(tied: readonly number[], top: number, means: readonly number[], worst: readonly number[]): number {
  let k = tied.indexOf(top);
  for (let i = 0; i < tied.length; i++) {
    if (!(worst[i] === worst[i])) continue;
    if (!(worst[k] === worst[k]) || worst[i] > worst[k] || (worst[i] === worst[k] && means[tied[i]] > means[tied[k]])) k = i;
  }
  return tied[k];
}

/** Index of the largest value (the first among ties; NaN never wins). */
function argmax(xs: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i] > xs[best] || !(xs[best] === xs[best])) best = i;
  return best;
}
