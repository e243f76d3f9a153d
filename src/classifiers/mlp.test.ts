import { describe, expect, it } from 'vitest';
import { blobs, sliceRows } from './fixtures.testkit.js';
import { argmaxRows, indexLabels } from './labels.js';
import { classScores, confusionMatrix } from './metrics.js';
import { MlpClassifier, resolveMlpParams } from './mlp.js';

// The classifier contract (learning, missing values, seeding, JSON round trip) is in index.test.ts.
describe('mlp', () => {
  it('stops early when the validation loss stops improving, keeping the best epoch', () => {
    const data = blobs(3, 300, 4, 3, 1.5);
    const m = new MlpClassifier({ epochs: 300, patience: 3, hidden: [32] }, 1);
    m.fit(data.frame, data.labels);
    const info = m.fitInfo;
    expect(info.epochs).toBeLessThan(300);
    expect(info.bestEpoch).toBe(info.epochs - 3);
    expect(Number.isFinite(info.validationLoss)).toBe(true);
  });

  it('balanced class weights raise the recall of a small class', () => {
    const data = blobs(5, 900, 2, 2, 1.2, [12, 1]);
    const train = sliceRows(data, 0, 600), test = sliceRows(data, 600, 900);
    const recall = (classWeight?: 'balanced'): number => {
      const m = new MlpClassifier({ epochs: 30, hidden: [16], validationFraction: 0 }, 2);
      m.fit(train.frame, train.labels, classWeight ? { classWeight } : undefined);
      const pred = argmaxRows(m.predictProba(test.frame), 2);
      return classScores(confusionMatrix(indexLabels(test.labels, m.classes), pred, 2))[1].recall;
    };
    expect(recall('balanced')).toBeGreaterThan(recall() + 0.1);
  });

  it('refuses bad settings', () => {
    expect(() => resolveMlpParams({ hidden: [0] })).toThrow(/hidden/);
    expect(() => resolveMlpParams({ dropout: 1 })).toThrow(/dropout/);
    expect(() => resolveMlpParams({ units: 3 })).toThrow(/unknown parameter/);
  });
});
