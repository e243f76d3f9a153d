import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '../core/errors.js';
import { blobs, sliceRows, withHoles } from './fixtures.testkit.js';
import { argmaxRows, indexLabels } from './labels.js';
import { lbfgs } from './lbfgs.js';
import { LogisticRegression } from './logistic.js';
import { macroF1 } from './metrics.js';

describe('lbfgs', () => {
  it('finds the minimum of the Rosenbrock function', () => {
    const r = lbfgs((x, g) => {
      g[0] = -2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] * x[0]);
      g[1] = 200 * (x[1] - x[0] * x[0]);
      return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] * x[0]) ** 2;
    }, Float64Array.of(-1.2, 1), { maxIter: 1000, gtol: 1e-8 });
    expect(r.converged).toBe(true);
    expect(r.x[0]).toBeCloseTo(1, 5);
    expect(r.x[1]).toBeCloseTo(1, 5);
  });
});

describe('LogisticRegression', () => {
  const data = blobs(1, 1200, 4, 3);
  const train = sliceRows(data, 0, 900);
  const test = sliceRows(data, 900, 1200);

  it('learns separable classes and converges', () => {
    const m = new LogisticRegression();
    m.fit(train.frame, train.labels);
    expect(m.fitInfo.converged).toBe(true);
    const p = m.predictProba(test.frame);
    expect(macroF1(indexLabels(test.labels, m.classes), argmaxRows(p, 3), 3)).toBeGreaterThan(0.95);
  });

  it('matches scikit-learn (StandardScaler + LogisticRegression(multi_class="multinomial"), C=1) to 5 digits', () => {
    // scikit-learn 1.2.1, tol=1e-10: predict_proba on the training points.
    const two = new LogisticRegression({ tol: 1e-9 });
    two.fit({ names: ['x'], rows: 4, cols: 1, data: Float64Array.of(0, 1, 2, 3) }, ['a', 'a', 'b', 'b']);
    const p2 = two.predictProba({ names: ['x'], rows: 4, cols: 1, data: Float64Array.of(0, 1, 2, 3) });
    [0.13763995, 0.35167669, 0.64832331, 0.86236005].forEach((v, i) => expect(p2[i * 2 + 1]).toBeCloseTo(v, 5));
    const frame = { names: ['x', 'z'], rows: 6, cols: 2, data: Float64Array.of(0, 1, 1, 0, 2, 2, 3, 1, 1, 3, 0, 0) };
    const three = new LogisticRegression({ tol: 1e-9 });
    three.fit(frame, ['a', 'a', 'b', 'b', 'c', 'c']);
    const p3 = three.predictProba(frame);
    const sk = [0.43367306, 0.08066117, 0.48566577, 0.52549256, 0.20048291, 0.27402453, 0.17218724, 0.57221057, 0.25560219,
      0.11753994, 0.80121502, 0.08124504, 0.1721734, 0.27894096, 0.54888564, 0.57893273, 0.06649439, 0.35457287];
    sk.forEach((v, i) => expect(p3[i]).toBeCloseTo(v, 5));
  });

  it('imputes missing values by the training mean', () => {
    const m = new LogisticRegression();
    m.fit(withHoles(train.frame, 0.2), train.labels);
    const p = m.predictProba(withHoles(test.frame, 0.2, 2));
    expect(p.every(Number.isFinite)).toBe(true);
    expect(macroF1(indexLabels(test.labels, m.classes), argmaxRows(p, 3), 3)).toBeGreaterThan(0.8);
  });

  it('round-trips through JSON with identical probabilities, and refuses another kind', () => {
    const m = new LogisticRegression({ C: 0.5 });
    m.fit(train.frame, train.labels);
    const back = LogisticRegression.fromJSON(JSON.parse(JSON.stringify(m.toJSON())));
    expect(back.predictProba(test.frame)).toEqual(m.predictProba(test.frame));
    expect(() => LogisticRegression.fromJSON({ ...m.toJSON(), kind: 'gbdt' })).toThrow(ModelFormatError);
    expect(() => LogisticRegression.fromJSON({ ...m.toJSON(), state: { ...(m.toJSON().state as object), coef: [1] } })).toThrow(/coef/);
  });

  it('stronger L2 (smaller C) gives flatter probabilities', () => {
    const strong = new LogisticRegression({ C: 0.001 });
    const weak = new LogisticRegression({ C: 100 });
    strong.fit(train.frame, train.labels);
    weak.fit(train.frame, train.labels);
    const max = (p: Float64Array) => Math.max(...p);
    expect(max(strong.predictProba(test.frame))).toBeLessThan(max(weak.predictProba(test.frame)));
  });
});
