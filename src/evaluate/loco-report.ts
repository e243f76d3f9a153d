/**
 * Renders a leave-one-corpus-out result (loco.ts): the held-out figures first (constants chosen on
 * the other folds), then the NAB categories together, then, labelled so, the figures with constants
 * tuned on each fold itself.
 */
import { NEAR_TIE, type LocoResult, type LocoRow } from './loco.js';
import { FALSE_ALERT_BUDGETS } from './recall-curve.js';
import { pct, table } from './report.js';

const num = (x: number | undefined, digits = 3): string => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits));

/** Where a row's constants came from: the data sets of its source folds, with fold counts. */
function sourceText(row: LocoRow, datasetOf: Map<string, string>): string {
  if (row.source[0] === 'itself') return 'itself';
  const counts = new Map<string, number>();
  for (const f of row.source) counts.set(datasetOf.get(f) ?? f, (counts.get(datasetOf.get(f) ?? f) ?? 0) + 1);
  return [...counts].map(([d, n]) => (n > 1 ? `${d}×${n}` : d)).join(' ');
}

function rowsTable(result: LocoResult, rows: readonly LocoRow[], datasetOf: Map<string, string>): string {
  const head = [
    'fold', 'detector', 'rate', 'K', 'hyst', 'chosen on', 'best F1', 'ROC-AUC', 'flag F1', 'flag P', 'flag R', 'flagged (labelled)', 'FA/series-day',
    'events', 'NAB std', 'NAB flags', ...FALSE_ALERT_BUDGETS.map((b) => `R@${b}FA`), 'objective',
  ];
  const body = rows.map((r) => {
    const s = r.figures.summary;
    return [
      r.fold, result.grid.detectors[r.point.detector].label, String(r.point.rate), String(r.point.k), String(r.point.hysteresis), sourceText(r, datasetOf),
      num(s.f1), num(s.rocAuc), num(s.flagF1), num(s.flagPrecision), num(s.flagRecall), `${pct(s.flaggedShare)} (${pct(s.labeledShare)})`,
      num(s.falseAlertsPerSeriesDay, 2), `${s.eventsDetected}/${s.events}`, num(r.figures.nabStandard, 1), num(r.figures.nabFlags, 1),
      ...FALSE_ALERT_BUDGETS.map((b) => num(r.figures.recallAt?.[b])), num(r.figures.objective),
    ];
  });
  return table(head, body);
}

/** The text report of a leave-one-corpus-out run. */
export function formatLoco(result: LocoResult, datasetOf: Map<string, string>): string {
  const parts = [
    'Leave-one-corpus-out: each fold scored with the constants (detector setting, flags\' target false-alarm rate, policy K and\n' +
    'hysteresis: a flag needs K points in a row with p < rate and stays up while p < rate + hyst)\n' +
    'that maximise the mean objective over the OTHER folds (mean per data set; Nezha pod and mesh never choose for each other;\n' +
    `among points within ${NEAR_TIE} of the best mean, the one whose worst data set is best).\n` +
    'Objectives: NAB = NAB standard of the flags / 100; ASD, SMD = flag F1; Nezha = event recall × min(1, 2 / false alerts per pod-day).\n' +
    'best F1 and ROC-AUC: per point, no point-adjust, mean over series; flags: is_anomaly (score rarer than the rate among the\n' +
    'series\' earlier scores, K in a row); events: labelled events with a flag run starting inside; R@nFA: best event recall at <= n false\n' +
    'alerts per series-day over rates (Nezha: faults within 5 minutes at <= n false alerts per pod-day).\n' +
    rowsTable(result, result.heldOut, datasetOf),
    `Near-ties (grid points whose mean objective over the other folds is within ${NEAR_TIE} of the best; the held-out\n` +
    'fold\'s own objective over them): ' +
    result.heldOut.map((r) => (r.nearTies ? `${r.fold} ${r.nearTies.points} (${num(r.nearTies.min)}–${num(r.nearTies.max)})` : `${r.fold} -`)).join(', '),
  ];
  if (result.nab) {
    parts.push(`NAB, all ${result.nab.folds.length} category folds together at their held-out constants: standard ${num(result.nab.standard, 1)} (NAB's threshold), ${num(result.nab.flags, 1)} at the flags`);
  }
  parts.push('Tuned on each fold itself (optimistic; NOT the headline):\n' + rowsTable(result, result.selfTuned, datasetOf));
  const g = result.grid;
  parts.push(`Grid: ${g.detectors.map((d) => d.label).join('; ')} × rate ${g.rates.join(', ')} × K ${g.k.join(', ')} × hysteresis ${g.hysteresis.join(', ')}`);
  parts.push(`Scoring seconds per fold: ${Object.entries(result.seconds).map(([f, s]) => `${f} ${s.toFixed(1)}`).join(', ')}`);
  return parts.join('\n\n') + '\n';
}
