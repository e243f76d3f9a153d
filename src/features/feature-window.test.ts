import { describe, expect, it } from 'vitest';
import { FeatureWindow, windowFeatureNames } from './feature-window.js';

describe('FeatureWindow', () => {
  it('summarises the last steps of each pod: value, mean, max, change', () => {
    expect(windowFeatureNames(['a', 'b'], 3)).toEqual(['a', 'a_mean3', 'a_max3', 'a_delta3', 'b', 'b_mean3', 'b_max3', 'b_delta3']);
    const w = new FeatureWindow(2, 3);
    expect(Array.from(w.push('p', [1, NaN]))).toEqual([1, 1, 1, 0, NaN, NaN, NaN, NaN]);
    w.push('p', [2, 5]);
    w.push('q', [100, 100]); // another pod does not mix in
    expect(Array.from(w.push('p', [3, 7]))).toEqual([3, 2, 3, 2, 7, 6, 7, NaN]);
    expect(Array.from(w.push('p', [4, 9]))).toEqual([4, 3, 4, 2, 9, 7, 9, 4]); // the first step has left the window
  });
});
