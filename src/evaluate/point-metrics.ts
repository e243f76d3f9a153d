/**
 * Point and event metrics of anomaly scores against labels: precision, recall and best F1 per point
 * over every threshold, with and without point-adjust; at a given operating point (flags): F1,
 * precision and recall of the flags per point, the flagged share, event recall, mean detection delay
 * and false alerts per series-day; ROC-AUC.
 *
 * Point-adjust (Xu et al. 2018, used by the ASD/OmniAnomaly papers): when any point of a labelled
 * anomaly segment is detected, the whole segment counts as detected. It flatters detectors; the
 * unadjusted figures are always reported beside it.
 */
import { rocAuc } from '../core/metrics.js';
import type { AnomalyEvent } from './corpus.js';

/** The best F1 over thresholds and where it is reached. */
export interface BestF1 {
  f1: number;
  precision: number;
  recall: number;
  /** Points scoring at or above this are called anomalous. */
  threshold: number;
}

/**
 * The best F1 over every threshold (a point is anomalous when its score is at or above it). NaN
 * fields when there are no labelled points.
 */
export function bestF1(scores: ArrayLike<number>, labels: ArrayLike<number>): BestF1 {
  const n = scores.length;
  let pos = 0;
  for (let i = 0; i < n; i++) if (labels[i]) pos++;
  const out: BestF1 = { f1: NaN, precision: NaN, recall: NaN, threshold: NaN };
  if (pos === 0) return out;
  out.f1 = 0;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k];
    if (labels[i]) tp++;
    else fp++;
    if (k + 1 < n && scores[order[k + 1]] === scores[i]) continue; // ties decide together
    const precision = tp / (tp + fp);
    const recall = tp / pos;
    const f1 = tp === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    if (f1 > out.f1) Object.assign(out, { f1, precision, recall, threshold: scores[i] });
  }
  return out;
}

/** Precision, recall and F1 of per-point flags (NaN fields when there are no labelled points; precision 0 with no flags). */
export function flagF1(flags: ArrayLike<number>, labels: ArrayLike<number>): Omit<BestF1, 'threshold'> {
  let tp = 0;
  let fp = 0;
  let pos = 0;
  for (let i = 0; i < flags.length; i++) {
    if (labels[i]) pos++;
    if (flags[i]) {
      if (labels[i]) tp++;
      else fp++;
    }
  }
  if (pos === 0) return { f1: NaN, precision: NaN, recall: NaN };
  const precision = tp + fp ? tp / (tp + fp) : 0;
  const recall = tp / pos;
  return { f1: tp ? (2 * precision * recall) / (precision + recall) : 0, precision, recall };
}

/** Point-adjusted scores: every point of a labelled segment gets the segment's highest score. */
export function pointAdjust(scores: ArrayLike<number>, labels: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(scores);
  for (let i = 0; i < out.length; i++) {
    if (!labels[i]) continue;
    let j = i;
    let m = out[i];
    while (j + 1 < out.length && labels[j + 1]) m = Math.max(m, out[++j]);
    out.fill(m, i, j + 1);
    i = j;
  }
  return out;
}

/** Events detected at an operating point and their delays. */
export interface EventDetection {
  detected: number;
  total: number;
  /** Per detected event: seconds from its start (`t0`) to its first flag. */
  delays: number[];
}

/**
 * Which events have a flag run that starts inside them, and how late the first such start came. A run
 * that began before an event and goes on into it does not count: an operator would see no new alert
 * for it (with faults minutes apart on the same pod, as on Nezha, one long run would otherwise catch
 * several). The service path counts alert starts the same way (nezha-engine.ts).
 */
export function eventDetection(flags: ArrayLike<number>, times: ArrayLike<number>, events: readonly AnomalyEvent[]): EventDetection {
  const out: EventDetection = { detected: 0, total: events.length, delays: [] };
  for (const e of events) {
    for (let i = e.start; i <= e.end; i++) {
      if (!flags[i] || (i > 0 && flags[i - 1])) continue; // a run that starts inside the event
      out.detected++;
      out.delays.push(Math.max(0, (times[i] - e.t0) / 1000));
      break;
    }
  }
  return out;
}

/** False alerts: maximal runs of consecutive flags that start on an unlabelled point (as {@link eventDetection}, what counts is where an alert starts). */
export function falseAlerts(flags: ArrayLike<number>, labels: ArrayLike<number>): number {
  let count = 0;
  for (let i = 0; i < flags.length; i++) {
    if (!flags[i] || (i > 0 && flags[i - 1])) continue;
    if (!labels[i]) count++; // a run that starts outside every labelled point
  }
  return count;
}

/** ROC-AUC, or NaN when only one class is present. */
export function safeRocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  let pos = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i]) pos++;
  return pos === 0 || pos === labels.length ? NaN : rocAuc(scores, labels);
}

/** The events that reach row `warmup` or later, clipped to start there and re-indexed from it. */
function eventsFrom(events: readonly AnomalyEvent[], warmup: number): AnomalyEvent[] {
  return events.filter((e) => e.end >= warmup).map((e) => ({ start: Math.max(e.start, warmup) - warmup, end: e.end - warmup, t0: e.t0 }));
}

/** Every point metric of one series. */
export interface SeriesPointMetrics {
  /** Best F1 per point, no adjustment. */
  raw: BestF1;
  /** Best F1 per point with point-adjust. */
  adjusted: BestF1;
  rocAuc: number;
  /** Per-point F1, precision and recall of the flags. */
  flag: Omit<BestF1, 'threshold'>;
  /** Scored rows, flagged rows and labelled rows. */
  points: number;
  flagged: number;
  labeled: number;
  events: EventDetection;
  falseAlerts: number;
  /** Days the scored rows span. */
  days: number;
}

/** The metrics of a series that depend on its scores alone (not on the flags). */
export type ScoreMetrics = Pick<SeriesPointMetrics, 'raw' | 'adjusted' | 'rocAuc'>;

/** Best F1 with and without point-adjust, and ROC-AUC, from row `warmup` on. */
export function scoreMetrics(scores: Float64Array, labels: Uint8Array, warmup = 0): ScoreMetrics {
  const s = scores.subarray(warmup);
  const l = labels.subarray(warmup);
  return { raw: bestF1(s, l), adjusted: bestF1(pointAdjust(s, l), l), rocAuc: safeRocAuc(s, l) };
}

/** The metrics of a series that depend on its flags alone, from row `warmup` on. */
export function flagMetrics(flags: Uint8Array, labels: Uint8Array, times: Float64Array, events: readonly AnomalyEvent[], warmup = 0): Omit<SeriesPointMetrics, keyof ScoreMetrics> {
  const l = labels.subarray(warmup);
  const f = flags.subarray(warmup);
  const t = times.subarray(warmup);
  return {
    flag: flagF1(f, l),
    points: f.length,
    flagged: f.reduce((a, b) => a + b, 0),
    labeled: l.reduce((a, b) => a + b, 0),
    events: eventDetection(f, t, eventsFrom(events, warmup)),
    falseAlerts: falseAlerts(f, l),
    days: t.length > 1 ? (t[t.length - 1] - t[0]) / 86_400_000 : 0,
  };
}

/**
 * All point metrics of one series from row `warmup` on. `flags` is the operating point (1 = the
 * detector called the point anomalous) for events, delays and false alerts.
 */
export function seriesPointMetrics(
  scores: Float64Array, flags: Uint8Array, labels: Uint8Array, times: Float64Array, events: readonly AnomalyEvent[], warmup = 0,
): SeriesPointMetrics {
  return { ...scoreMetrics(scores, labels, warmup), ...flagMetrics(flags, labels, times, events, warmup) };
}

/** Corpus-wide point metrics: means over series (NaN ones skipped) and pooled event counts. */
export interface PointSummary {
  f1: number;
  precision: number;
  recall: number;
  f1Adjusted: number;
  precisionAdjusted: number;
  recallAdjusted: number;
  rocAuc: number;
  /** Flags' per-point F1, precision and recall: means over series with labels. */
  flagF1: number;
  flagPrecision: number;
  flagRecall: number;
  /** Flagged and labelled shares of all scored points (pooled). */
  flaggedShare: number;
  labeledShare: number;
  eventRecall: number;
  eventsDetected: number;
  events: number;
  /** Mean seconds from event start to first flag, over detected events. */
  meanDelaySeconds: number;
  falseAlerts: number;
  falseAlertsPerSeriesDay: number;
}

/** Summarises per-series metrics over a corpus. */
export function summarisePointMetrics(list: readonly SeriesPointMetrics[]): PointSummary {
  const mean = (xs: number[]): number => {
    const ok = xs.filter((x) => !Number.isNaN(x));
    return ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : NaN;
  };
  const delays = list.flatMap((m) => m.events.delays);
  const detected = list.reduce((a, m) => a + m.events.detected, 0);
  const events = list.reduce((a, m) => a + m.events.total, 0);
  const fa = list.reduce((a, m) => a + m.falseAlerts, 0);
  const days = list.reduce((a, m) => a + m.days, 0);
  const points = list.reduce((a, m) => a + m.points, 0);
  return {
    f1: mean(list.map((m) => m.raw.f1)),
    precision: mean(list.map((m) => m.raw.precision)),
    recall: mean(list.map((m) => m.raw.recall)),
    f1Adjusted: mean(list.map((m) => m.adjusted.f1)),
    precisionAdjusted: mean(list.map((m) => m.adjusted.precision)),
    recallAdjusted: mean(list.map((m) => m.adjusted.recall)),
    rocAuc: mean(list.map((m) => m.rocAuc)),
    flagF1: mean(list.map((m) => m.flag.f1)),
    flagPrecision: mean(list.map((m) => m.flag.precision)),
    flagRecall: mean(list.map((m) => m.flag.recall)),
    flaggedShare: points ? list.reduce((a, m) => a + m.flagged, 0) / points : NaN,
    labeledShare: points ? list.reduce((a, m) => a + m.labeled, 0) / points : NaN,
    eventRecall: events ? detected / events : NaN,
    eventsDetected: detected,
    events,
    meanDelaySeconds: mean(delays),
    falseAlerts: fa,
    falseAlertsPerSeriesDay: days > 0 ? fa / days : NaN,
  };
}

/**
 * The same detector's false alerts and event recall with and without the alert policy. Raw: every
 * flagged point is an alert (as when alerting on each score over the threshold); its false alerts are
 * the flagged points with no label, and also counted as runs. Policy: an alert is an alert start; it
 * is false when it starts on an unlabelled point.
 */
export interface PolicyComparison {
  rawFalsePoints: number;
  rawFalseRuns: number;
  rawEventsDetected: number;
  policyFalseAlerts: number;
  policyEventsDetected: number;
  events: number;
}

/** Counts {@link PolicyComparison} for one series from row `warmup` on. */
export function policyComparison(
  flags: Uint8Array, alerts: Uint8Array, labels: Uint8Array, times: Float64Array, events: readonly AnomalyEvent[], warmup = 0,
): PolicyComparison {
  const f = flags.subarray(warmup);
  const a = alerts.subarray(warmup);
  const l = labels.subarray(warmup);
  const t = times.subarray(warmup);
  const ev = eventsFrom(events, warmup);
  let rawFalsePoints = 0;
  let policyFalseAlerts = 0;
  for (let i = 0; i < f.length; i++) {
    if (l[i]) continue;
    rawFalsePoints += f[i];
    policyFalseAlerts += a[i];
  }
  return {
    rawFalsePoints, rawFalseRuns: falseAlerts(f, l), rawEventsDetected: eventDetection(f, t, ev).detected,
    policyFalseAlerts, policyEventsDetected: eventDetection(a, t, ev).detected, events: ev.length,
  };
}

/** Sums comparisons over a corpus. */
export function sumPolicyComparisons(list: readonly PolicyComparison[]): PolicyComparison {
  const out: PolicyComparison = { rawFalsePoints: 0, rawFalseRuns: 0, rawEventsDetected: 0, policyFalseAlerts: 0, policyEventsDetected: 0, events: 0 };
  for (const c of list) for (const k of Object.keys(out) as (keyof PolicyComparison)[]) out[k] += c[k];
  return out;
}
