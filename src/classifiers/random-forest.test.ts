import { describe, expect, it } from 'vitest';
import { InputError, ModelFormatError } from '../core/errors.js';
import { blobs, sliceRows, withHoles } from './fixtures.testkit.js';
import { argmaxRows, indexLabels } from './labels.js';
import { macroF1 } from './metrics.js';
import { featuresPerNode, RandomForest } from './random-forest.js';

function f1Of(m: RandomForest, b: ReturnType<typeof blobs>): number {
  const p = argmaxRows(m.predictProba(b.frame), m.classes.length);
  return macroF1(indexLabels(b.labels, m.classes), p, m.classes.length);
}

/** Nodes of a fitted forest's trees, from its snapshot. */
function nodesOf(m: RandomForest): number {
  const trees = (m.toJSON().state as { trees: { child: string } }).trees;
  return Buffer.from(trees.child, 'base64').length / 4;
}

describe('RandomForest', () => {
  const data = blobs(1, 1200, 6, 4);
  const train = sliceRows(data, 0, 900);
  const test = sliceRows(data, 900, 1200);

  it('learns separable classes, with probabilities that sum to 1', () => {
    const m = new RandomForest({ nEstimators: 30 }, 1);
    m.fit(train.frame, train.labels);
    expect(m.classes).toEqual(['c0', 'c1', 'c2', 'c3']);
    expect(f1Of(m, test)).toBeGreaterThan(0.95);
    const p = m.predictProba(test.frame);
    for (let i = 0; i < test.frame.rows; i++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += p[i * 4 + k];
      expect(s).toBeCloseTo(1, 9);
    }
  });

  it('tells its progress tree by tree', () => {
    const told: [number, number, string][] = [];
    new RandomForest({ nEstimators: 5 }, 1).fit(train.frame, train.labels, { onProgress: (d, t, u) => told.push([d, t, u]) });
    expect(told).toEqual([1, 2, 3, 4, 5].map((d) => [d, 5, 'trees']));
  });

  it('grows larger leaves when fully grown trees would not fit (maxNodes, or a model file), and says so; refuses when minSamplesLeaf was given', () => {
    const noise = blobs(4, 1000, 4, 3, 0); // labels unrelated to the values: fully grown trees keep a leaf per row
    const notes: string[] = [];
    const fit = (): RandomForest => {
      const m = new RandomForest({ nEstimators: 10, maxNodes: 4000 }, 1);
      m.fit(noise.frame, noise.labels, { onNote: (l) => notes.push(l) });
      return m;
    };
    const m = fit();
    const leaf = m.toJSON().params.minSamplesLeaf as number;
    expect(leaf).toBeGreaterThan(1);
    expect(notes.length).toBeGreaterThan(0);
    expect(notes.at(-1)).toContain(`leaves of at least ${leaf} rows`);
    expect(nodesOf(m)).toBeLessThanOrEqual(4000);
    expect(JSON.stringify(fit().toJSON())).toBe(JSON.stringify(m.toJSON())); // still the same seed, same forest
    // Unconstrained, the same data needs more than that room, and keeps leaves of one row.
    const free = new RandomForest({ nEstimators: 10 }, 1);
    notes.length = 0;
    free.fit(noise.frame, noise.labels, { onNote: (l) => notes.push(l) });
    expect(notes).toEqual([]);
    expect(free.toJSON().params.minSamplesLeaf).toBe(1);
    expect(nodesOf(free)).toBeGreaterThan(4000);
    // Given minSamplesLeaf is kept, and the fit stops after the first tree saying what to change.
    const given = new RandomForest({ nEstimators: 10, maxNodes: 4000, minSamplesLeaf: 1 }, 1);
    expect(() => given.fit(noise.frame, noise.labels)).toThrow(InputError);
    expect(() => given.fit(noise.frame, noise.labels)).toThrow(/would need about [\d,]+ nodes, more than there is room for \(4,000.*raise minSamplesLeaf \(now 1; about \d+ would do\)/);
  });

  it('handles missing values in training and prediction', () => {
    const m = new RandomForest({ nEstimators: 30 }, 2);
    m.fit(withHoles(train.frame, 0.2), train.labels);
    const p = m.predictProba(withHoles(test.frame, 0.2, 3));
    expect(p.every((v) => Number.isFinite(v))).toBe(true);
    const f1 = macroF1(indexLabels(test.labels, m.classes), argmaxRows(p, 4), 4);
    expect(f1).toBeGreaterThan(0.85);
  });

  it('learns from missingness itself: a feature that is missing only in one class', () => {
    const rows = 400;
    const data = new Float64Array(rows);
    const labels: string[] = [];
    for (let i = 0; i < rows; i++) {
      labels.push(i % 2 ? 'a' : 'b');
      data[i] = i % 2 ? NaN : (i % 7);
    }
    const frame = { names: ['x'], rows, cols: 1, data };
    const m = new RandomForest({ nEstimators: 5, maxFeatures: 'all' }, 1);
    m.fit(frame, labels);
    const p = argmaxRows(m.predictProba(frame), 2);
    expect(macroF1(indexLabels(labels, m.classes), p, 2)).toBe(1);
  });

  it('gives the same model for the same seed, another for another seed', () => {
    const a = new RandomForest({ nEstimators: 10 }, 7);
    const b = new RandomForest({ nEstimators: 10 }, 7);
    const c = new RandomForest({ nEstimators: 10 }, 8);
    for (const m of [a, b, c]) m.fit(train.frame, train.labels);
    expect(a.predictProba(test.frame)).toEqual(b.predictProba(test.frame));
    expect(a.predictProba(test.frame)).not.toEqual(c.predictProba(test.frame));
  });

  it('round-trips through JSON with identical probabilities', () => {
    const m = new RandomForest({ nEstimators: 10, oobScore: true }, 3);
    m.fit(withHoles(train.frame, 0.1), train.labels);
    const back = RandomForest.fromJSON(JSON.parse(JSON.stringify(m.toJSON())));
    const holes = withHoles(test.frame, 0.1);
    expect(back.predictProba(holes)).toEqual(m.predictProba(holes));
    expect(back.oobScore).toEqual(m.oobScore);
    expect(back.importance).toEqual(m.importance);
  });

  it('reports an out-of-bag score close to the held-out one, and impurity importance', () => {
    const m = new RandomForest({ nEstimators: 40, oobScore: true }, 4);
    m.fit(train.frame, train.labels);
    const oob = m.oobScore!;
    expect(oob.rows).toBeGreaterThan(850);
    expect(Math.abs(oob.macroF1 - f1Of(m, test))).toBeLessThan(0.05);
    // An added noise column gets less importance than the informative ones.
    const noisy = { ...train.frame, names: [...train.frame.names, 'noise'], cols: 7, data: new Float64Array(900 * 7) };
    for (let i = 0; i < 900; i++) {
      for (let j = 0; j < 6; j++) noisy.data[i * 7 + j] = train.frame.data[i * 6 + j];
      noisy.data[i * 7 + 6] = Math.sin(i * 12.9898) * 43758.5453 % 1;
    }
    const n = new RandomForest({ nEstimators: 20 }, 4);
    n.fit(noisy, train.labels);
    const imp = n.importance;
    expect(imp.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    for (let j = 0; j < 6; j++) expect(imp[6]).toBeLessThan(imp[j]);
  });

  it('weights classes: "balanced" raises the recall of a rare class', () => {
    const rare = blobs(5, 2000, 2, 2, 1.2, [30, 1]);
    const test = blobs(6, 2000, 2, 2, 1.2, [30, 1]);
    const recall = (m: RandomForest): number => {
      const p = argmaxRows(m.predictProba(test.frame), 2);
      const y = indexLabels(test.labels, m.classes);
      let tp = 0, n = 0;
      for (let i = 0; i < y.length; i++) if (y[i] === 1) { n++; if (p[i] === 1) tp++; }
      return tp / n;
    };
    const plain = new RandomForest({ nEstimators: 20, minSamplesLeaf: 20 }, 1);
    plain.fit(rare.frame, rare.labels);
    const balanced = new RandomForest({ nEstimators: 20, minSamplesLeaf: 20 }, 1);
    balanced.fit(rare.frame, rare.labels, { classWeight: 'balanced' });
    expect(recall(balanced)).toBeGreaterThan(recall(plain));
  });

  it('draws sqrt, log2, all, a count or a share of the features per node', () => {
    expect(featuresPerNode('sqrt', 20)).toBe(4);
    expect(featuresPerNode('log2', 20)).toBe(4);
    expect(featuresPerNode('all', 20)).toBe(20);
    expect(featuresPerNode(3, 20)).toBe(3);
    expect(featuresPerNode(0.5, 20)).toBe(10);
    expect(featuresPerNode(50, 20)).toBe(20);
  });

  it('refuses bad settings, bad input and bad snapshots with coded errors', () => {
    expect(() => new RandomForest({ nEstimators: 0 })).toThrow(InputError);
    expect(() => new RandomForest({ criterion: 'mse' as 'gini' })).toThrow(/criterion/);
    expect(() => new RandomForest({ maxFeatures: 0 })).toThrow(/maxFeatures/);
    expect(() => new RandomForest({ bogus: 1 } as never)).toThrow(/unknown parameter "bogus"/);
    const m = new RandomForest({ nEstimators: 2 });
    expect(() => m.fit(train.frame, train.labels.slice(1))).toThrow(/labels for/);
    expect(() => m.fit(train.frame, train.labels.map(() => 'x'))).toThrow(/at least 2 classes/);
    expect(() => m.predictProba(test.frame)).toThrow(/predict before fit/);
    m.fit(train.frame, train.labels);
    expect(() => m.predictProba({ ...test.frame, names: ['a', ...test.frame.names.slice(1)] })).toThrow(/columns differ/);
    const snap = m.toJSON();
    expect(() => RandomForest.fromJSON({ ...snap, kind: 'gbdt' })).toThrow(ModelFormatError);
    expect(() => RandomForest.fromJSON({ ...snap, formatVersion: 99 })).toThrow(/formatVersion/);
    const st = snap.state as Record<string, Record<string, unknown>>;
    const bad = { ...snap, state: { ...st, trees: { ...st.trees, child: Buffer.from(Int32Array.of(5, 9, 9).buffer).toString('base64') } } };
    expect(() => RandomForest.fromJSON(bad)).toThrow(ModelFormatError);
  });
});
