/**
 * Permutation feature importance (Breiman 2001; scikit-learn's `permutation_importance`): how much a
 * fitted classifier's macro-F1 drops when one column's values are shuffled among the rows, averaged
 * over `repeats` shuffles (seeded). Model-agnostic, measured on held-out data.
 */
import type { Frame } from '../core/frame.js';
import { createRng } from '../core/rng.js';
import type { Classifier } from './classifier.js';
import { argmaxRows, indexLabels } from './labels.js';
import { macroF1 } from './metrics.js';

/** Per feature: the mean and standard deviation of the macro-F1 drop. */
export interface PermutationImportance {
  names: readonly string[];
  baseline: number;
  mean: Float64Array;
  std: Float64Array;
}

/** See the module comment. */
export function permutationImportance(model: Classifier, frame: Frame, labels: readonly string[], repeats = 5, seed = 0): PermutationImportance {
  const C = model.classes.length;
  const y = indexLabels(labels, model.classes);
  const score = (f: Frame): number => macroF1(y, argmaxRows(model.predictProba(f), C), C);
  const baseline = score(frame);
  const { rows, cols } = frame;
  const data = Float64Array.from(frame.data);
  const work: Frame = { ...frame, data };
  const col = new Float64Array(rows);
  const mean = new Float64Array(cols);
  const std = new Float64Array(cols);
  const rng = createRng(seed);
  for (let j = 0; j < cols; j++) {
    for (let i = 0; i < rows; i++) col[i] = frame.data[i * cols + j];
    let s = 0, s2 = 0;
    for (let r = 0; r < repeats; r++) {
      for (let i = rows - 1; i > 0; i--) {
        const t = rng.int(i + 1);
        const v = col[i];
        col[i] = col[t];
        col[t] = v;
      }
      for (let i = 0; i < rows; i++) data[i * cols + j] = col[i];
      const drop = baseline - score(work);
      s += drop;
      s2 += drop * drop;
    }
    for (let i = 0; i < rows; i++) data[i * cols + j] = frame.data[i * cols + j];
    mean[j] = s / repeats;
    std[j] = Math.sqrt(Math.max(0, s2 / repeats - mean[j] * mean[j]));
  }
  return { names: frame.names, baseline, mean, std };
}
