import { describe, expect, it } from 'vitest';
import { InputError } from './errors.js';
import { rocAuc } from './metrics.js';

describe('rocAuc', () => {
  it('is 1 for a perfect ranking, 0 for a reversed one, 0.5 when all scores tie', () => {
    expect(rocAuc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(rocAuc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBe(0);
    expect(rocAuc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1])).toBe(0.5);
  });

  it('counts ties between classes as one half (average ranks), as scikit-learn does', () => {
    // sklearn.metrics.roc_auc_score([0, 1, 0, 1, 1], [0.1, 0.4, 0.4, 0.8, 0.2]) == 0.75
    expect(rocAuc([0.1, 0.4, 0.4, 0.8, 0.2], [false, true, false, true, true])).toBeCloseTo(0.75, 12);
    expect(rocAuc([-Infinity, Infinity, 0], [0, 1, 0])).toBe(1);
  });

  it('refuses mismatched lengths, NaN scores and a single class', () => {
    expect(() => rocAuc([1, 2], [1])).toThrow(InputError);
    expect(() => rocAuc([NaN, 2], [0, 1])).toThrow(/NaN/);
    expect(() => rocAuc([1, 2], [1, 1])).toThrow(/both classes/);
  });
});
