import { describe, expect, it } from 'vitest';
import { classificationReport, confusionMatrix, formatReport, macroF1 } from './metrics.js';

describe('metrics', () => {
  // scikit-learn 1.2: f1_score([0,0,1,1,2,2], [0,1,1,1,2,0], average="macro") = 0.6555555555555556
  const y = Int32Array.of(0, 0, 1, 1, 2, 2);
  const p = Int32Array.of(0, 1, 1, 1, 2, 0);

  it('computes macro-F1 and per-class scores as scikit-learn does', () => {
    expect(macroF1(y, p, 3)).toBeCloseTo(0.6555555555555556, 12);
    const r = classificationReport(y, p, ['a', 'b', 'c']);
    expect(r.perClass[1]).toEqual({ precision: 2 / 3, recall: 1, f1: 0.8, support: 2 });
    expect(r.accuracy).toBeCloseTo(4 / 6, 12);
    expect(confusionMatrix(y, p, 3).map((row) => Array.from(row))).toEqual([[1, 1, 0], [0, 2, 0], [1, 0, 1]]);
  });

  it('leaves out of macro-F1 a class neither present nor predicted', () => {
    expect(macroF1(Int32Array.of(0, 1), Int32Array.of(0, 1), 3)).toBe(1);
  });

  it('prints a table and a confusion matrix', () => {
    const text = formatReport(classificationReport(y, p, ['normal', 'packet_loss', 'crash_loop']));
    expect(text).toContain('packet_loss');
    expect(text).toMatch(/macro-F1\s+0\.656/);
    expect(text).toContain('confusion matrix');
  });
});
