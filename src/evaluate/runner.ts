/**
 * Runs a detector over labelled series the way `kad score` does, and measures it. Without training
 * rows the detector is causal and online: row t is scored, then learned. With training rows (ASD) it
 * is fitted on them first (`fit` when it has one, else `learnOne` row by row) and then scores the test
 * rows, still learning from each after scoring it when it has no `fit`. NaN scores count as 0. A row
 * is flagged when its score reaches the detector's own `threshold` at that moment.
 *
 * With an alert policy, the policy decides at each row; events, delays and false alerts are then
 * counted on alert starts, NAB sees only alert starts (each with its score), and the result compares
 * the policy's false alerts and event recall with the raw flags'. The policy's `stopLearning` keeps
 * flagged rows out of online learning.
 */
import { row } from '../core/frame.js';
import { runSteps, runStepsAsync } from '../core/steps.js';
import { createDetector } from '../detectors/index.js';
import { AlertPolicy, type AlertPolicyParams } from '../policy/alert-policy.js';
import { FlagCalibrator } from '../policy/flag-calibrator.js';
import { inhibitAlertStarts } from '../policy/topology-inhibition.js';
import type { LabeledSeries } from './corpus.js';
import { flagStarts, NAB_PROFILES, nabScores, type NabCostMatrix, type NabResult } from './nab-score.js';
import {
  policyComparison, seriesPointMetrics, summarisePointMetrics, sumPolicyComparisons, type PointSummary, type PolicyComparison, type SeriesPointMetrics,
} from './point-metrics.js';

/** Scores of one series, the detector's flags at its own threshold, and the policy's alert starts. */
export interface SeriesRun {
  scores: Float64Array;
  /** Raw per-point flags: 1 where the score was calibrated rare enough, or reached the detector's threshold. */
  flags: Uint8Array;
  /** With calibration: each row's tail probability among the series' earlier scores (1 during warm-up). */
  pValues?: Float64Array;
  /** With a policy: 1 where an alert started. */
  alerts?: Uint8Array;
  /** With a policy: 1 where its alert was firing. */
  firing?: Uint8Array;
}

/** Options of a run. */
export interface RunOptions {
  seed?: number;
  /** Detector settings passed to `createDetector`. */
  params?: Record<string, unknown>;
  /** Decide alerts with this policy (its `stopLearning` applies to online learning). */
  policy?: AlertPolicyParams;
  /** Flag rows rarer than this among the series' own scores (unset or 0: the detector's threshold). */
  targetFalseAlarmRate?: number;
  /** Scores a series needs before calibrated flags start (default: the calibrator's). */
  calibrationWarmup?: number;
}

/** Runs detector `kind` over one series (see the module comment). */
export function runSeries(kind: string, series: LabeledSeries, opts: RunOptions = {}): SeriesRun {
  const det = createDetector(kind, opts.params ?? {}, opts.seed ?? 42);
  const { frame, train } = series;
  const fitted = train !== undefined && det.fit !== undefined;
  const rate = opts.targetFalseAlarmRate ?? 0;
  const flagger = rate > 0 ? new FlagCalibrator({ targetFalseAlarmRate: rate, warmup: opts.calibrationWarmup }) : undefined;
  if (train) {
    if (det.fit) det.fit(train);
    for (let i = 0; i < (flagger || !fitted ? train.rows : 0); i++) {
      const x = row(train, i);
      if (flagger) flagger.learn('', det.scoreOne(x, train.times[i]));
      if (!fitted) det.learnOne(x, train.times[i]);
    }
  }
  const scores = new Float64Array(frame.rows);
  const flags = new Uint8Array(frame.rows);
  const pValues = flagger ? new Float64Array(frame.rows) : undefined;
  const policy = opts.policy ? new AlertPolicy(opts.policy) : undefined;
  const alerts = policy ? new Uint8Array(frame.rows) : undefined;
  const firing = policy ? new Uint8Array(frame.rows) : undefined;
  for (let i = 0; i < frame.rows; i++) {
    const x = row(frame, i);
    const t = frame.times[i];
    const s = det.scoreOne(x, t);
    scores[i] = Number.isFinite(s) ? s : 0;
    let level = scores[i]; // what the policy sees, against `base`
    let base = det.threshold;
    if (flagger && pValues) {
      pValues[i] = flagger.observe('', scores[i]);
      flags[i] = flagger.flagged(pValues[i]) ? 1 : 0;
      level = 1 - pValues[i];
      base = 1 - rate;
    } else flags[i] = scores[i] >= det.threshold ? 1 : 0;
    let learn = true;
    if (policy && alerts && firing) {
      const d = policy.observe('', level, t, base);
      alerts[i] = d.started ? 1 : 0;
      firing[i] = d.firing ? 1 : 0;
      learn = d.learn;
    }
    if (!fitted && learn) det.learnOne(x, t);
  }
  return { scores, flags, pValues, alerts, firing };
}

/** One series' result for one detector. */
export interface SeriesResult {
  name: string;
  rows: number;
  metrics: SeriesPointMetrics;
  /** Normalised NAB score per profile at the corpus threshold (null: the series has no window). */
  nab?: Record<string, number | null>;
  /** With a policy: false alerts and detected events with and without it. */
  policy?: PolicyComparison;
  seconds: number;
}

/** One detector's result over a corpus. */
export interface DetectorResult {
  detector: string;
  series: SeriesResult[];
  summary: PointSummary;
  /** With `nab` profiles: the corpus NAB score per profile. */
  nab?: NabResult[];
  /** With `nab` profiles: the NAB standard score of the flags (or alert starts) themselves, no threshold chosen. */
  nabFlags?: number;
  /** With a policy: its settings and the corpus sums of the comparison. */
  policy?: { params: AlertPolicyParams; comparison: PolicyComparison };
  seconds: number;
}

/** Options of {@link evaluateDetector}. */
export interface EvaluateOptions extends RunOptions {
  /** Compute NAB scores with these profiles. */
  nabProfiles?: Readonly<Record<string, NabCostMatrix>>;
  /** Called after each series with its result, once all are run. */
  onSeries?: (r: SeriesResult) => void;
  /** Called as soon as each series has been run (progress), with its name. */
  onSeriesRun?: (name: string) => void;
  /**
   * With a policy, hold the alerts of series that have a `topology` while a service they call fires
   * (topology inhibition, src/policy/topology-inhibition.ts): only the alerts sent count.
   */
  inhibit?: boolean;
}

/** Runs and measures detector `kind` over every series of a corpus. */
export function evaluateDetector(kind: string, corpus: readonly LabeledSeries[], opts: EvaluateOptions = {}): DetectorResult {
  return runSteps(detectorSteps(kind, corpus, opts));
}

/**
 * {@link evaluateDetector}, awaiting `between()` before each series: it may let the event loop run
 * and throw to stop (e.g. on SIGINT), so a long evaluation can be interrupted between series.
 */
export async function evaluateDetectorAsync(kind: string, corpus: readonly LabeledSeries[], opts: EvaluateOptions, between: () => Promise<void>): Promise<DetectorResult> {
  return runStepsAsync(detectorSteps(kind, corpus, opts), between);
}

/** The work of {@link evaluateDetector}, yielding before each series. */
export function* detectorSteps(kind: string, corpus: readonly LabeledSeries[], opts: EvaluateOptions = {}): Generator<void, DetectorResult, void> {
  const t0 = performance.now();
  const seconds: number[] = [];
  const runs: SeriesRun[] = [];
  for (const s of corpus) {
    yield;
    const start = performance.now();
    runs.push(runSeries(kind, s, opts));
    seconds.push((performance.now() - start) / 1000);
    opts.onSeriesRun?.(s.name);
  }
  if (opts.policy && opts.inhibit) inhibitRuns(corpus, runs);
  const series: SeriesResult[] = corpus.map((s, i) => {
    const run = runs[i];
    const metrics = seriesPointMetrics(run.scores, run.alerts ?? run.flags, s.labels, s.frame.times, s.events, s.warmup);
    const r: SeriesResult = { name: s.name, rows: s.frame.rows, metrics, seconds: seconds[i] };
    if (run.alerts) r.policy = policyComparison(run.flags, run.alerts, s.labels, s.frame.times, s.events, s.warmup);
    opts.onSeries?.(r);
    return r;
  });
  const out: DetectorResult = { detector: kind, series, summary: summarisePointMetrics(series.map((s) => s.metrics)), seconds: 0 };
  if (opts.policy) out.policy = { params: opts.policy, comparison: sumPolicyComparisons(series.map((s) => s.policy as PolicyComparison)) };
  if (opts.nabProfiles) {
    // With a policy, NAB sees only alert starts (each with its score); otherwise every point's score.
    const nabInput = runs.map((r) => (r.alerts ? r.scores.map((v, i) => ((r.alerts as Uint8Array)[i] ? v : 0)) : r.scores));
    out.nab = nabScores(corpus.map((s, i) => ({ name: s.name, scores: nabInput[i], windows: s.events })), opts.nabProfiles);
    const standard = { standard: opts.nabProfiles.standard ?? NAB_PROFILES.standard };
    out.nabFlags = nabScores(corpus.map((s, i) => ({ name: s.name, scores: runs[i].alerts ?? flagStarts(runs[i].flags), windows: s.events })), standard, undefined, 1)[0].score;
    series.forEach((s, i) => {
      s.nab = Object.fromEntries(out.nab?.map((r) => [r.profile, r.perSeries[i].score]) ?? []);
    });
  }
  out.seconds = (performance.now() - t0) / 1000;
  return out;
}

/** Replaces the alert starts of series with a topology by those topology inhibition lets through, group by group. */
function inhibitRuns(corpus: readonly LabeledSeries[], runs: SeriesRun[]): void {
  const groups = new Map<string, number[]>();
  corpus.forEach((s, i) => {
    if (!s.topology) return;
    const g = groups.get(s.topology.group) ?? [];
    g.push(i);
    groups.set(s.topology.group, g);
  });
  for (const idx of groups.values()) {
    const graph = corpus[idx[0]].topology!.graph;
    const sent = inhibitAlertStarts(idx.map((i) => ({ service: corpus[i].topology!.service, times: corpus[i].frame.times, firing: runs[i].firing! })), graph);
    idx.forEach((i, k) => (runs[i].alerts = sent[k]));
  }
}
