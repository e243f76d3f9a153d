/**
 * Evaluation metrics for anomaly scores against ground-truth labels.
 */
import { InputError } from './errors.js';

/**
 * ROC-AUC: the probability that a random anomaly scores above a random normal point, from the
 * Mann-Whitney U statistic. Tied scores get their average rank (a tie counts one half), as in
 * scikit-learn's `roc_auc_score`. `labels[i]` is truthy (1/true) for an anomaly. Throws
 * {@link InputError} when lengths differ, a score is NaN, or only one class is present.
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number | boolean>): number {
  const n = scores.length;
  if (labels.length !== n) throw new InputError(`rocAuc: ${n} scores but ${labels.length} labels`);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(scores[i])) throw new InputError(`rocAuc: score ${i} is NaN`);
    order[i] = i;
  }
  order.sort((a, b) => (scores[a] < scores[b] ? -1 : scores[a] > scores[b] ? 1 : 0));
  let nPos = 0;
  let rankSumPos = 0;
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && scores[order[j]] === scores[order[i]]) j++;
    const avgRank = (i + 1 + j) / 2; // ranks i+1 … j share their mean
    for (let k = i; k < j; k++) {
      if (labels[order[k]]) {
        nPos++;
        rankSumPos += avgRank;
      }
    }
    i = j;
  }
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) throw new InputError(`rocAuc: needs both classes, got ${nPos} anomalies and ${nNeg} normal points`);
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}
