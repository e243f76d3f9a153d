import { describe, expect, it } from 'vitest';
import { InputError, ModelFormatError } from '../core/errors.js';
import { blobs, sliceRows, withHoles } from './fixtures.testkit.js';
import { GradientBoosting } from './gbdt.js';
import { argmaxRows, indexLabels } from './labels.js';
import { macroF1 } from './metrics.js';

const f1 = (m: GradientBoosting, frame: Parameters<GradientBoosting['predictProba']>[0], labels: string[]): number =>
  macroF1(indexLabels(labels, m.classes), argmaxRows(m.predictProba(frame), m.classes.length), m.classes.length);

describe('GradientBoosting', () => {
  const data = blobs(1, 1500, 5, 3);
  const train = sliceRows(data, 0, 1000);
  const test = sliceRows(data, 1000, 1500);

  it('learns separable classes (softmax), probabilities summing to 1', () => {
    const m = new GradientBoosting({ maxIter: 30 }, 1);
    m.fit(train.frame, train.labels);
    expect(f1(m, test.frame, test.labels)).toBeGreaterThan(0.95);
    const p = m.predictProba(test.frame);
    for (let i = 0; i < 10; i++) expect(p[i * 3] + p[i * 3 + 1] + p[i * 3 + 2]).toBeCloseTo(1, 12);
  });

  it('tells its progress round by round', () => {
    const told: string[] = [];
    new GradientBoosting({ maxIter: 4 }, 1).fit(train.frame, train.labels, { onProgress: (d, t, u) => told.push(`${d}/${t} ${u}`) });
    expect(told).toEqual(['1/4 rounds', '2/4 rounds', '3/4 rounds', '4/4 rounds']);
  });

  it('learns two classes with one tree per iteration (logistic)', () => {
    const two = blobs(2, 800, 3, 2);
    const m = new GradientBoosting({ maxIter: 20 }, 1);
    m.fit(two.frame, two.labels);
    expect(f1(m, two.frame, two.labels)).toBeGreaterThan(0.95);
    expect((m.toJSON().state as { baseline: number[] }).baseline).toHaveLength(1);
  });

  it('handles missing values, and learns a missingness pattern', () => {
    const m = new GradientBoosting({ maxIter: 30 }, 1);
    m.fit(withHoles(train.frame, 0.25), train.labels);
    expect(f1(m, withHoles(test.frame, 0.25, 4), test.labels)).toBeGreaterThan(0.85);
    const rows = 300;
    const x = Float64Array.from({ length: rows }, (_, i) => (i % 3 === 0 ? NaN : i % 5));
    const labels = Array.from({ length: rows }, (_, i) => (i % 3 === 0 ? 'gap' : 'value'));
    const g = new GradientBoosting({ maxIter: 10, minSamplesLeaf: 5 }, 1);
    const frame = { names: ['x'], rows, cols: 1, data: x };
    g.fit(frame, labels);
    expect(f1(g, frame, labels)).toBe(1);
  });

  it('stops early when the validation loss stops improving', () => {
    const noisy = blobs(3, 3000, 4, 3, 0.3);
    const m = new GradientBoosting({ maxIter: 500, earlyStopping: true, nIterNoChange: 5 }, 1);
    m.fit(noisy.frame, noisy.labels);
    expect(m.iterations).toBeLessThan(500);
    const off = new GradientBoosting({ maxIter: 15, earlyStopping: false }, 1);
    off.fit(noisy.frame, noisy.labels);
    expect(off.iterations).toBe(15);
  });

  it('respects maxLeafNodes, maxDepth and l2', () => {
    const m = new GradientBoosting({ maxIter: 3, maxLeafNodes: 4 }, 1);
    m.fit(train.frame, train.labels);
    const st = m.toJSON().state as { trees: { child: string } };
    const child = new Int32Array(new Uint8Array(Buffer.from(st.trees.child, 'base64')).buffer);
    let leaves = 0;
    child.forEach((c, i) => { if (c === i) leaves++; });
    expect(leaves).toBeLessThanOrEqual(3 * 3 * 4);
    const shallow = new GradientBoosting({ maxIter: 3, maxDepth: 1, l2: 10 }, 1);
    shallow.fit(train.frame, train.labels);
    expect(shallow.predictProba(test.frame).every(Number.isFinite)).toBe(true);
  });

  it('is reproducible by seed and round-trips through JSON with identical probabilities', () => {
    const big = blobs(4, 12_000, 4, 3, 1); // over 10,000 rows: early stopping on, a seeded validation split
    const a = new GradientBoosting({ maxIter: 10 }, 5);
    const b = new GradientBoosting({ maxIter: 10 }, 5);
    a.fit(big.frame, big.labels);
    b.fit(big.frame, big.labels);
    const holes = withHoles(big.frame, 0.1);
    expect(a.predictProba(holes)).toEqual(b.predictProba(holes));
    const back = GradientBoosting.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    expect(back.predictProba(holes)).toEqual(a.predictProba(holes));
  });

  it('refuses bad settings and snapshots', () => {
    expect(() => new GradientBoosting({ learningRate: 0 })).toThrow(InputError);
    expect(() => new GradientBoosting({ earlyStopping: 'yes' as never })).toThrow(/earlyStopping/);
    const m = new GradientBoosting({ maxIter: 2 });
    m.fit(train.frame, train.labels);
    const s = m.toJSON();
    expect(() => GradientBoosting.fromJSON({ ...s, kind: 'random-forest' })).toThrow(ModelFormatError);
    expect(() => GradientBoosting.fromJSON({ ...s, state: { ...(s.state as object), baseline: [1] } })).toThrow(/baseline/);
  });
});
