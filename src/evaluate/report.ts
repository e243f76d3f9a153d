/**
 * Renders evaluation results: a fixed-width table for stdout (per series, then one summary row per
 * detector) and a JSON document. "PA" columns are point-adjusted; the others are not.
 */
import type { CorpusName } from './corpus.js';
import type { DetectorResult } from './runner.js';

/** What `kad evaluate --json` prints. */
export interface EvaluationReport {
  corpus: CorpusName;
  data: string;
  seed: number;
  /** The flags' target false-alarm rate (0: each detector's own threshold). */
  targetFalseAlarmRate?: number;
  detectors: DetectorResult[];
}

const num = (x: number | null | undefined, digits = 3): string => (x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(digits));
/** A share as a percentage (2 significant digits below 1%). */
export const pct = (x: number): string => (Number.isFinite(x) ? `${x < 0.01 && x > 0 ? (100 * x).toPrecision(2) : (100 * x).toFixed(1)}%` : '-');

/** A fixed-width table: the first column left-aligned, the others right-aligned. */
export function table(head: string[], rows: string[][]): string {
  const w = head.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (r: string[]): string => r.map((c, j) => (j === 0 ? c.padEnd(w[j]) : c.padStart(w[j]))).join('  ');
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

/** The per-series table of one detector. */
export function seriesTable(result: DetectorResult): string {
  const nab = result.nab !== undefined;
  const head = ['series', 'rows', ...(nab ? ['NAB std'] : []), 'F1', 'F1 PA', 'ROC-AUC', 'flag F1', 'flagged', 'events', 'delay s', 'false alerts'];
  const rows = result.series.map((s) => [
    s.name, String(s.rows), ...(nab ? [num(s.nab?.standard, 1)] : []), num(s.metrics.raw.f1), num(s.metrics.adjusted.f1), num(s.metrics.rocAuc),
    num(s.metrics.flag.f1), pct(s.metrics.points ? s.metrics.flagged / s.metrics.points : NaN),
    `${s.metrics.events.detected}/${s.metrics.events.total}`,
    num(s.metrics.events.delays.length ? s.metrics.events.delays.reduce((a, b) => a + b, 0) / s.metrics.events.delays.length : NaN, 0),
    String(s.metrics.falseAlerts),
  ]);
  return table(head, rows);
}

/** The summary table: one row per detector. */
export function summaryTable(results: readonly DetectorResult[]): string {
  const profiles = results.find((r) => r.nab)?.nab?.map((n) => n.profile) ?? [];
  const head = [
    'detector', ...profiles.map((p) => `NAB ${p === 'standard' ? 'std' : p.replace('reward_', '')}`),
    'F1', 'P', 'R', 'F1 PA', 'P PA', 'R PA', 'ROC-AUC', ...(profiles.length ? ['NAB flags'] : []), 'flag F1', 'flag P', 'flag R', 'flagged (labelled)', 'event recall', 'delay s', 'FA/series-day', 'seconds',
  ];
  const rows = results.map((r) => {
    const s = r.summary;
    return [
      r.detector, ...profiles.map((p) => num(r.nab?.find((n) => n.profile === p)?.score, 1)),
      num(s.f1), num(s.precision), num(s.recall), num(s.f1Adjusted), num(s.precisionAdjusted), num(s.recallAdjusted), num(s.rocAuc),
      ...(profiles.length ? [num(r.nabFlags, 1)] : []), num(s.flagF1), num(s.flagPrecision), num(s.flagRecall), `${pct(s.flaggedShare)} (${pct(s.labeledShare)})`,
      `${num(s.eventRecall)} (${s.eventsDetected}/${s.events})`, num(s.meanDelaySeconds, 0), num(s.falseAlertsPerSeriesDay, 2), num(r.seconds, 1),
    ];
  });
  return table(head, rows);
}

/**
 * The policy table: per detector run through a policy, false alerts and event recall of the raw
 * per-point flags (points and runs) and of the policy's alerts, and the reduction.
 */
export function policyTable(results: readonly DetectorResult[]): string {
  const head = ['detector', 'raw false points', 'raw false runs', 'policy false alerts', 'cut vs points', 'cut vs runs', 'event recall raw', 'event recall policy', 'recall change'];
  const rows = results.filter((r) => r.policy).map((r) => {
    const c = r.policy!.comparison;
    const rawRecall = c.events ? c.rawEventsDetected / c.events : NaN;
    const polRecall = c.events ? c.policyEventsDetected / c.events : NaN;
    return [
      r.detector, String(c.rawFalsePoints), String(c.rawFalseRuns), String(c.policyFalseAlerts),
      pct(c.rawFalsePoints ? 1 - c.policyFalseAlerts / c.rawFalsePoints : NaN), pct(c.rawFalseRuns ? 1 - c.policyFalseAlerts / c.rawFalseRuns : NaN),
      `${num(rawRecall)} (${c.rawEventsDetected}/${c.events})`, `${num(polRecall)} (${c.policyEventsDetected}/${c.events})`,
      Number.isFinite(rawRecall) && Number.isFinite(polRecall) ? `${((polRecall - rawRecall) * 100).toFixed(1)} pts` : '-',
    ];
  });
  return table(head, rows);
}

/** How the report's flags were decided. */
export function flagRule(rate: number): string {
  return rate > 0 ? `score rarer than ${rate} among the series' earlier scores` : 'score at or above each detector\'s own threshold';
}

/** The whole text report: per-series tables (unless `summaryOnly`), then the summary. */
export function formatReport(report: EvaluationReport, opts: { summaryOnly?: boolean } = {}): string {
  const parts: string[] = [];
  if (!opts.summaryOnly) for (const r of report.detectors) parts.push(`${report.corpus} · ${r.detector}\n${seriesTable(r)}`);
  parts.push(
    `${report.corpus} (${report.data}), seed ${report.seed}: F1/P/R = best per point over thresholds, mean over series; PA = point-adjusted;\n` +
    `flags (flag F1/P/R, flagged share, events, delay, false alerts (FA)): ${flagRule(report.targetFalseAlarmRate ?? 0)} ("+policy": alert starts of the alert policy)\n` +
    summaryTable(report.detectors),
  );
  if (report.detectors.some((r) => r.policy)) {
    parts.push('Alert policy vs raw per-point flags (false = on an unlabelled point; events detected by a flag / alert start inside them)\n' + policyTable(report.detectors));
  }
  return parts.join('\n\n') + '\n';
}

/** The JSON text of a report (NaN written as null). */
export function reportJson(report: EvaluationReport): string {
  return JSON.stringify(report, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n';
}
