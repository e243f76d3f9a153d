/**
 * Runs a detector over labelled series the way `kad score` does, and measures it. Without training
 * rows the detector is causal and online: row t is scored, then learned. With training rows (ASD) it
 * is fitted on them first (`fit` when it has one, else `learnOne` row by row) and then scores the test
 * rows, still learning from each after scoring it when it has no `fit`. NaN scores count as 0. A row
 * is flagged when its score reaches the detector's own `threshold` at that moment.
 */
import { row } from '../core/frame.js';
import { createDetector } from '../detectors/index.js';
import type { LabeledSeries } from './corpus.js';
import { nabScores, type NabCostMatrix, type NabResult } from './nab-score.js';
import { seriesPointMetrics, summarisePointMetrics, type PointSummary, type SeriesPointMetrics } from './point-metrics.js';

/** Scores of one series and the detector's flags at its own threshold. */
export interface SeriesRun {
  scores: Float64Array;
  flags: Uint8Array;
}

/** Options of a run. */
export interface RunOptions {
  seed?: number;
  /** Detector settings passed to `createDetector`. */
  params?: Record<string, unknown>;
}

/** Runs detector `kind` over one series (see the module comment). */
export function runSeries(kind: string, series: LabeledSeries, opts: RunOptions = {}): SeriesRun {
  const det = createDetector(kind, opts.params ?? {}, opts.seed ?? 42);
  const { frame } = series;
  const fitted = series.train !== undefined && det.fit !== undefined;
  if (series.train) {
    if (det.fit) det.fit(series.train);
    else for (let i = 0; i < series.train.rows; i++) det.learnOne(row(series.train, i), series.train.times[i]);
  }
  const scores = new Float64Array(frame.rows);
  const flags = new Uint8Array(frame.rows);
  for (let i = 0; i < frame.rows; i++) {
    const x = row(frame, i);
    const s = det.scoreOne(x, frame.times[i]);
    scores[i] = Number.isFinite(s) ? s : 0;
    flags[i] = scores[i] >= det.threshold ? 1 : 0;
    if (!fitted) det.learnOne(x, frame.times[i]);
  }
  return { scores, flags };
}

/** One series' result for one detector. */
export interface SeriesResult {
  name: string;
  rows: number;
  metrics: SeriesPointMetrics;
  /** Normalised NAB score per profile at the corpus threshold (null: the series has no window). */
  nab?: Record<string, number | null>;
  seconds: number;
}

/** One detector's result over a corpus. */
export interface DetectorResult {
  detector: string;
  series: SeriesResult[];
  summary: PointSummary;
  /** With `nab` profiles: the corpus NAB score per profile. */
  nab?: NabResult[];
  seconds: number;
}

/** Options of {@link evaluateDetector}. */
export interface EvaluateOptions extends RunOptions {
  /** Compute NAB scores with these profiles. */
  nabProfiles?: Readonly<Record<string, NabCostMatrix>>;
  /** Called after each series (progress). */
  onSeries?: (r: SeriesResult) => void;
}

/** Runs and measures detector `kind` over every series of a corpus. */
export function evaluateDetector(kind: string, corpus: readonly LabeledSeries[], opts: EvaluateOptions = {}): DetectorResult {
  const t0 = performance.now();
  const runs: SeriesRun[] = [];
  const series: SeriesResult[] = corpus.map((s) => {
    const start = performance.now();
    const run = runSeries(kind, s, opts);
    runs.push(run);
    const metrics = seriesPointMetrics(run.scores, run.flags, s.labels, s.frame.times, s.events, s.warmup);
    const r: SeriesResult = { name: s.name, rows: s.frame.rows, metrics, seconds: (performance.now() - start) / 1000 };
    opts.onSeries?.(r);
    return r;
  });
  const out: DetectorResult = { detector: kind, series, summary: summarisePointMetrics(series.map((s) => s.metrics)), seconds: 0 };
  if (opts.nabProfiles) {
    out.nab = nabScores(corpus.map((s, i) => ({ name: s.name, scores: runs[i].scores, windows: s.events })), opts.nabProfiles);
    series.forEach((s, i) => {
      s.nab = Object.fromEntries(out.nab?.map((r) => [r.profile, r.perSeries[i].score]) ?? []);
    });
  }
  out.seconds = (performance.now() - t0) / 1000;
  return out;
}
