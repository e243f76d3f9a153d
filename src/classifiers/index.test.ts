import { describe, expect, it } from 'vitest';
import { InputError, ModelFormatError } from '../core/errors.js';
import { blobs, withHoles } from './fixtures.testkit.js';
import { classifierKinds, createClassifier, loadClassifier } from './index.js';
import { argmaxRows, indexLabels } from './labels.js';
import { macroF1 } from './metrics.js';

const FAST: Record<string, Record<string, unknown>> = {
  'random-forest': { nEstimators: 10 }, gbdt: { maxIter: 10 }, logistic: {},
  stack: { members: [{ kind: 'random-forest', params: { nEstimators: 5 } }, { kind: 'logistic' }], folds: 2 },
  mlp: { epochs: 20, hidden: [16] }, cnn: { epochs: 20, filters: [8], hidden: [] }, gnn: { epochs: 20, hidden: [16] },
};

// One contract, run over every registered kind: learns, handles NaN, same seed same model, JSON round trip.
describe.each(classifierKinds())('classifier contract: %s', (kind) => {
  const data = blobs(7, 400, 3, 3, 4);
  const holes = withHoles(data.frame, 0.1);

  it('learns separable data, with missing values, probabilities in [0, 1] summing to 1', () => {
    const m = createClassifier(kind, FAST[kind], 1);
    m.fit(holes, data.labels);
    const p = m.predictProba(holes);
    expect(p.length).toBe(400 * 3);
    expect(p.every((v) => v >= 0 && v <= 1)).toBe(true);
    for (let i = 0; i < 400; i++) expect(p[i * 3] + p[i * 3 + 1] + p[i * 3 + 2]).toBeCloseTo(1, 9);
    expect(macroF1(indexLabels(data.labels, m.classes), argmaxRows(p, 3), 3)).toBeGreaterThan(0.9);
  });

  it('same seed, same probabilities; saved and loaded, identical probabilities', () => {
    const a = createClassifier(kind, FAST[kind], 3);
    const b = createClassifier(kind, FAST[kind], 3);
    a.fit(holes, data.labels);
    b.fit(holes, data.labels);
    expect(b.predictProba(holes)).toEqual(a.predictProba(holes));
    const back = loadClassifier(JSON.parse(JSON.stringify(a.toJSON())));
    expect(back.kind).toBe(kind);
    expect(back.predictProba(holes)).toEqual(a.predictProba(holes));
  });
});

describe('registry', () => {
  it('refuses unknown kinds and snapshots that are not classifiers', () => {
    expect(() => createClassifier('svm')).toThrow(InputError);
    expect(() => loadClassifier(null)).toThrow(ModelFormatError);
    expect(() => loadClassifier({ kind: 'iforest', formatVersion: 1 })).toThrow(/not a classifier snapshot/);
    const m = createClassifier('logistic');
    m.fit(blobs(1, 50, 2, 2).frame, blobs(1, 50, 2, 2).labels);
    expect(() => loadClassifier({ ...m.toJSON(), formatVersion: 2 })).toThrow(/formatVersion/);
  });
});
