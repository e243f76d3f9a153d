/**
 * Classification metrics as the issue asks for them: never accuracy alone. Per class precision,
 * recall, F1 and support (0 where a ratio is undefined, scikit-learn's `zero_division=0`); macro-F1,
 * the unweighted mean of the F1 of the classes present or predicted (scikit-learn's
 * `f1_score(average="macro")`); the confusion matrix; and both printed as small tables.
 */

/** Rows: true class; columns: predicted class. */
export function confusionMatrix(y: Int32Array, pred: Int32Array, nClasses: number): Int32Array[] {
  const m = Array.from({ length: nClasses }, () => new Int32Array(nClasses));
  for (let i = 0; i < y.length; i++) if (y[i] >= 0 && pred[i] >= 0) m[y[i]][pred[i]]++;
  return m;
}

/** One class's figures. */
export interface ClassScore {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/** Every class's figures, macro-F1 and accuracy. */
export interface ClassificationReport {
  classes: string[];
  perClass: ClassScore[];
  macroF1: number;
  accuracy: number;
  confusion: number[][];
}

/** Per-class scores from a confusion matrix (precision or recall 0 where undefined). */
export function classScores(m: Int32Array[]): ClassScore[] {
  const C = m.length;
  return m.map((row, k) => {
    const tp = row[k];
    let actual = 0, predicted = 0;
    for (let j = 0; j < C; j++) {
      actual += row[j];
      predicted += m[j][k];
    }
    const precision = predicted > 0 ? tp / predicted : 0;
    const recall = actual > 0 ? tp / actual : 0;
    return { precision, recall, f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0, support: actual };
  });
}

/** Macro-F1 over the classes `0 … nClasses − 1` present in `y` or `pred` (scikit-learn's label set). */
export function macroF1(y: Int32Array, pred: Int32Array, nClasses: number): number {
  const m = confusionMatrix(y, pred, nClasses);
  const scores = classScores(m);
  let s = 0, n = 0;
  for (let k = 0; k < nClasses; k++) {
    let seen = scores[k].support > 0;
    for (let j = 0; j < nClasses && !seen; j++) seen = m[j][k] > 0;
    if (!seen) continue;
    s += scores[k].f1;
    n++;
  }
  return n > 0 ? s / n : 0;
}

/** The full report of predictions `pred` against truth `y` (class indices into `classes`). */
export function classificationReport(y: Int32Array, pred: Int32Array, classes: readonly string[]): ClassificationReport {
  const m = confusionMatrix(y, pred, classes.length);
  let hit = 0;
  for (let i = 0; i < y.length; i++) if (y[i] === pred[i]) hit++;
  return {
    classes: [...classes], perClass: classScores(m), macroF1: macroF1(y, pred, classes.length),
    accuracy: y.length ? hit / y.length : 0, confusion: m.map((r) => Array.from(r)),
  };
}

/** The report as text: a per-class table, macro-F1 and accuracy, then the confusion matrix. */
export function formatReport(r: ClassificationReport): string {
  const w = Math.max(9, ...r.classes.map((c) => c.length));
  const f = (x: number): string => x.toFixed(3).padStart(9);
  const lines = [`${'class'.padEnd(w)} precision    recall        f1   support`];
  r.classes.forEach((c, k) => {
    const s = r.perClass[k];
    lines.push(`${c.padEnd(w)}${f(s.precision)} ${f(s.recall)} ${f(s.f1)} ${String(s.support).padStart(9)}`);
  });
  const total = r.perClass.reduce((a, s) => a + s.support, 0);
  lines.push(`${'macro-F1'.padEnd(w)}${''.padStart(20)}${f(r.macroF1)} ${String(total).padStart(9)}`);
  lines.push(`${'accuracy'.padEnd(w)}${''.padStart(20)}${f(r.accuracy)}`);
  lines.push('', 'confusion matrix (rows: true class, columns: predicted)');
  const cw = Math.max(6, ...r.confusion.flat().map((v) => String(v).length + 1));
  const abbrev = r.classes.map((c) => (c.length > cw - 1 ? c.slice(0, cw - 1) : c).padStart(cw));
  lines.push(`${''.padEnd(w)} ${abbrev.join('')}`);
  r.classes.forEach((c, k) => lines.push(`${c.padEnd(w)} ${r.confusion[k].map((v) => String(v).padStart(cw)).join('')}`));
  return lines.join('\n') + '\n';
}
