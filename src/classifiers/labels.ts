/**
 * Labels as class indices, the weights that follow from them, and the answer a classifier gives per
 * row (the most probable class). Shared by every classifier in this folder.
 */
import { InputError } from '../core/errors.js';
import type { FitOptions } from './classifier.js';

/** Labels encoded against a sorted class list. */
export interface EncodedLabels {
  classes: string[];
  /** Row i's class index into `classes`. */
  y: Int32Array;
}

/**
 * Encodes `labels` (one per row of a frame of `rows` rows) with the classes sorted. Throws
 * {@link InputError} when the count differs from `rows`, or when there are fewer than 2 classes.
 */
export function encodeLabels(labels: readonly string[], rows: number, who: string): EncodedLabels {
  if (labels.length !== rows) throw new InputError(`${who}: ${labels.length} labels for ${rows} rows`);
  const classes = [...new Set(labels)].sort();
  if (classes.length < 2) throw new InputError(`${who}: needs at least 2 classes, got ${classes.length === 0 ? 'none' : `only ${JSON.stringify(classes[0])}`}`);
  const index = new Map(classes.map((c, k) => [c, k]));
  const y = new Int32Array(rows);
  for (let i = 0; i < rows; i++) y[i] = index.get(labels[i]) as number;
  return { classes, y };
}

/** Rows per class. */
export function classCounts(y: Int32Array, nClasses: number): Int32Array {
  const n = new Int32Array(nClasses);
  for (let i = 0; i < y.length; i++) n[y[i]]++;
  return n;
}

/**
 * Each row's weight: `opts.sampleWeight` (default 1) times its class's weight ("balanced": rows /
 * (classes × class rows), as scikit-learn; a record: by class name, default 1). Throws {@link InputError}
 * on a negative or non-finite weight or a wrong length.
 */
export function rowWeights(y: Int32Array, classes: readonly string[], opts: FitOptions | undefined, who: string): Float64Array {
  const w = new Float64Array(y.length).fill(1);
  const sw = opts?.sampleWeight;
  if (sw) {
    if (sw.length !== y.length) throw new InputError(`${who}: ${sw.length} sample weights for ${y.length} rows`);
    for (let i = 0; i < w.length; i++) {
      if (!(sw[i] >= 0 && Number.isFinite(sw[i]))) throw new InputError(`${who}: sample weight ${sw[i]} at row ${i} must be finite and >= 0`);
      w[i] = sw[i];
    }
  }
  const cw = opts?.classWeight;
  if (cw === undefined) return w;
  const per = new Float64Array(classes.length).fill(1);
  if (cw === 'balanced') {
    const n = classCounts(y, classes.length);
    for (let k = 0; k < classes.length; k++) per[k] = n[k] > 0 ? y.length / (classes.length * n[k]) : 0;
  } else {
    for (const [name, v] of Object.entries(cw)) {
      const k = classes.indexOf(name);
      if (k < 0) throw new InputError(`${who}: class weight for unknown class ${JSON.stringify(name)} (classes: ${classes.join(', ')})`);
      if (!(v >= 0 && Number.isFinite(v))) throw new InputError(`${who}: class weight of ${JSON.stringify(name)} must be finite and >= 0, got ${v}`);
      per[k] = v;
    }
  }
  for (let i = 0; i < w.length; i++) w[i] *= per[y[i]];
  return w;
}

/** The most probable class of each row of `proba` (rows × `nClasses`); ties go to the first class. */
export function argmaxRows(proba: Float64Array, nClasses: number): Int32Array {
  const rows = proba.length / nClasses;
  const out = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    let best = 0;
    for (let k = 1, o = i * nClasses; k < nClasses; k++) if (proba[o + k] > proba[o + best]) best = k;
    out[i] = best;
  }
  return out;
}

/** Maps `labels` to indices of `classes`; a label not among them is -1. */
export function indexLabels(labels: readonly string[], classes: readonly string[]): Int32Array {
  const index = new Map(classes.map((c, k) => [c, k]));
  return Int32Array.from(labels, (l) => index.get(l) ?? -1);
}
