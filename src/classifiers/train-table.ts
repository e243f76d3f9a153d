/**
 * One training of an incident classifier on a labelled table, as `kad classify train`, `kad classify
 * watch` and the service's dataset watch all do it: check the class column, learn the table encoder
 * (a `timestamp` or `time` column is not a feature), hold out a stratified share of each class,
 * optionally balance the training part with SMOTE (SMOTE-NC over one-hot columns), fit, and score the
 * held-out rows (per-class precision, recall, F1, macro-F1). Seeded: the same table and settings give
 * the same model and report.
 */
import { InputError } from '../core/errors.js';
import type { Frame } from '../core/frame.js';
import { quoted, quotedList } from '../core/quote.js';
import { separatorHint } from '../sources/csv-text.js';
import type { Classifier, FitOptions } from './classifier.js';
import { TableEncoder, type TextTable } from './encoding.js';
import { createClassifier } from './index.js';
import { argmaxRows, encodeLabels, indexLabels } from './labels.js';
import { classificationReport, formatReport, type ClassificationReport } from './metrics.js';
import { smote } from './smote.js';
import { stratifiedSplit, takeItems, takeRows } from './split.js';

const TIME_COLUMNS = ['timestamp', 'time'];

/** The time column of a header (`timestamp` or `time`, any case), if any: not a feature. */
export function timeColumnOf(header: readonly string[]): string | undefined {
  return header.find((h) => TIME_COLUMNS.includes(h.toLowerCase()));
}

/** How to train: the class column, the classifier kind and its params, the split, SMOTE, class weights, seed. */
export interface TableTrainSettings {
  target: string;
  /** A classifier kind (classifiers/index.ts). */
  kind: string;
  params: Record<string, unknown>;
  testSize: number;
  seed: number;
  smote: boolean;
  classWeight: boolean;
}

/**
 * A table read block by block, as often as asked ({@link trainOnTable} reads it twice: what each column
 * holds, then the values), so that a large file is never held as text cells all at once.
 */
export interface TableSource {
  /** The file, for messages. */
  name: string;
  /** Its rows in blocks with the same header, each with its first line (TextTable.firstLine). */
  blocks(): Iterable<TextTable>;
}

/**
 * The first pass: each row's class (from the `target` column; a row without one is an error naming
 * its line) and the encoder of the other columns (a `timestamp` or `time` column is not a feature).
 */
function classesAndEncoder(source: TableSource, target: string): { labels: string[]; encoder: TableEncoder } {
  const { name } = source;
  const labels: string[] = [];
  const interned = new Map<string, string>(); // one string per class, not one per row (a row's cell holds on to its line)
  const exclude: string[] = []; // filled from the first block's header, before the encoder reads it
  function* checked(): Generator<TextTable> {
    for (const t of source.blocks()) {
      const tcol = t.header.indexOf(target);
      if (tcol < 0) throw new InputError(`${name}:1: no column ${quoted(target)} (the --target); columns: ${quotedList(t.header)}${separatorHint(t.header)}`);
      if (!exclude.length) {
        const time = timeColumnOf(t.header);
        exclude.push(...(time ? [target, time] : [target]));
      }
      const cells = t.columns[tcol];
      for (let i = 0; i < cells.length; i++) {
        const c = cells[i];
        if (c === '') throw new InputError(`${name}:${(t.firstLine ?? 2) + i}: column ${quoted(target)} is empty; every row needs a class`);
        let k = interned.get(c);
        if (k === undefined) interned.set(c, (k = c));
        labels.push(k);
      }
      yield t;
    }
  }
  const encoder = TableEncoder.fit(checked(), exclude);
  const distinct = [...interned.keys()];
  if (distinct.length < 2) throw new InputError(`${name}: column ${quoted(target)} has a single class (${quoted(distinct[0])}); training needs at least 2`);
  return { labels, encoder };
}

/** The second pass: every row encoded into one frame of `rows` rows. */
function encodeAll(source: TableSource, encoder: TableEncoder, rows: number): Frame {
  const names = encoder.names;
  const data = new Float64Array(rows * names.length);
  let at = 0;
  for (const t of source.blocks()) {
    const f = encoder.encode(t);
    data.set(f.data, at);
    at += f.data.length;
  }
  return { names, rows, cols: names.length, data };
}

/** A fitted classifier with its encoder and its held-out report. */
export interface TableTrainResult {
  encoder: TableEncoder;
  model: Classifier;
  report: ClassificationReport;
  /** Rows of the table, of the training part (after SMOTE), of the held-out part. */
  rows: number;
  trainRows: number;
  testRows: number;
  /** The held-out rows, for permutation importance. */
  testFrame: Frame;
  testLabels: string[];
}

/**
 * Trains on `table` (see the module comment); `say` is told what happens (SMOTE, the fit and its time),
 * `onProgress` the fit's progress.
 * Throws {@link InputError} for a missing or empty class column, a single class, or too few rows.
 */
export function trainOnTable(table: TextTable | TableSource, s: TableTrainSettings, say: (line: string) => void = () => {}, onProgress?: FitOptions['onProgress']): TableTrainResult {
  const { target, testSize, seed } = s;
  const source: TableSource = 'blocks' in table ? table : { name: table.name, blocks: () => [table] };
  const { name } = source;
  const { labels, encoder } = classesAndEncoder(source, target);
  const frame = encodeAll(source, encoder, labels.length);
  const { classes, y } = encodeLabels(labels, frame.rows, 'classify');
  const { train, test } = stratifiedSplit(y, classes.length, testSize, seed);
  if (train.length < 2 || test.length === 0) throw new InputError(`${name}: ${frame.rows} rows are too few to hold out ${testSize} of each class`);
  let trainFrame = takeRows(frame, train);
  let trainLabels = takeItems(labels, train);
  const testFrame = takeRows(frame, test);
  const testLabels = takeItems(labels, test);
  if (s.smote) {
    const r = smote(trainFrame, trainLabels, { seed, categorical: encoder.categoricalGroups });
    trainFrame = r.frame;
    trainLabels = r.labels;
    say(`SMOTE added ${Object.entries(r.added).filter(([, n]) => n > 0).map(([c, n]) => `${n} ${c}`).join(', ') || 'nothing'}`);
  }
  say(`fitting ${s.kind} on ${trainFrame.rows} rows × ${frame.cols} features (${classes.length} classes); ${test.length} rows held out`);
  const model = createClassifier(s.kind, s.params, seed);
  const t0 = performance.now();
  model.fit(trainFrame, trainLabels, { ...(s.classWeight ? { classWeight: 'balanced' } : {}), onProgress, onNote: say });
  say(`fitted in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const pred = argmaxRows(model.predictProba(testFrame), model.classes.length);
  const report = classificationReport(indexLabels(testLabels, model.classes), pred, model.classes);
  return { encoder, model, report, rows: frame.rows, trainRows: trainFrame.rows, testRows: test.length, testFrame, testLabels };
}

/**
 * What `kad classify train` prints of a training: the held-out report and confusion matrix, a
 * forest's out-of-bag score, a stack's out-of-fold scores and choice, and with `importance` the
 * permutation importance of each feature on the held-out rows (3 shuffles, seeded).
 */
export async function trainingReportText(r: TableTrainResult, s: Pick<TableTrainSettings, 'testSize' | 'seed'> & { importance: boolean }): Promise<string> {
  const { model, report } = r;
  let text = `Held-out report (${r.testRows} rows, ${Math.round(s.testSize * 100)}% of each class):\n${formatReport(report)}`;
  const oob = (model as { oobScore?: { accuracy: number; macroF1: number } | null }).oobScore;
  if (oob) text += `\nout-of-bag: macro-F1 ${oob.macroF1.toFixed(3)}, accuracy ${oob.accuracy.toFixed(3)}\n`;
  const stack = model as { chosen?: number; outOfFoldScores?: readonly number[]; params?: { members?: { kind: string }[] } };
  if (stack.outOfFoldScores?.length && stack.params?.members) {
    const kinds = [...stack.params.members.map((m) => m.kind), 'meta-learner'];
    text += `\nout of fold, macro-F1: ${kinds.map((k, i) => `${k} ${stack.outOfFoldScores![i].toFixed(3)}`).join(', ')}; `
      + `predicting with ${stack.chosen! >= 0 ? `${kinds[stack.chosen!]} alone (it beat the meta-learner)` : 'the meta-learner'}\n`;
  }
  if (s.importance) {
    const { permutationImportance } = await import('./importance.js');
    const imp = permutationImportance(model, r.testFrame, r.testLabels, 3, s.seed);
    const order = Array.from(imp.mean.keys()).sort((a, b) => imp.mean[b] - imp.mean[a]);
    text += '\npermutation importance (macro-F1 drop on the held-out rows, mean ± sd of 3 shuffles):\n';
    for (const j of order) text += `  ${imp.names[j].padEnd(32)} ${imp.mean[j].toFixed(4)} ± ${imp.std[j].toFixed(4)}\n`;
  }
  return text;
}
