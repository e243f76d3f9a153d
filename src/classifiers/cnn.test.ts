import { describe, expect, it } from 'vitest';
import type { Frame } from '../core/frame.js';
import { createRng } from '../core/rng.js';
import { CnnClassifier, resolveCnnParams, stackWindows, windowShape } from './cnn.js';
import type { Net } from './neural.js';
import { withHoles } from './fixtures.testkit.js';
import { argmaxRows, indexLabels } from './labels.js';
import { macroF1 } from './metrics.js';

/** Windows of 8 steps × 2 channels whose classes differ only by shape (rising, falling, a spike), not by mean. */
function shapes(seed: number, rows: number): { frame: Frame; labels: string[] } {
  const rng = createRng(seed);
  const W = 8, C = 2;
  const data = new Float64Array(rows * W * C);
  const labels: string[] = [];
  for (let i = 0; i < rows; i++) {
    const k = i % 3;
    labels.push(['rise', 'fall', 'spike'][k]);
    for (let t = 0; t < W; t++) {
      const u = (t - 3.5) / 3.5;
      const v = k === 0 ? u : k === 1 ? -u : t === 4 ? 3 : -3 / 7;
      data[(i * W + t) * C] = v + 0.3 * rng.normal();
      data[(i * W + t) * C + 1] = rng.normal();
    }
  }
  const names = Array.from({ length: W }, (_, t) => [`a@${t}`, `b@${t}`]).flat();
  return { frame: { names, rows, cols: W * C, data }, labels };
}

describe('cnn', () => {
  it('reads the window shape from the column names, and refuses names out of order', () => {
    expect(windowShape(['x@0', 'y@0', 'x@1', 'y@1'])).toEqual({ steps: 2, channels: ['x', 'y'] });
    expect(windowShape(['x', 'y'])).toEqual({ steps: 1, channels: ['x', 'y'] });
    expect(() => windowShape(['x@0', 'x@1', 'y@0', 'y@1'])).toThrow(/step-major|<channel>@<step>/);
  });

  it('stacks consecutive rows of each series into windows, missing before a series starts', () => {
    const f: Frame = { names: ['v'], rows: 4, cols: 1, data: Float64Array.from([1, 10, 2, 20]) };
    const w = stackWindows(f, ['a', 'b', 'a', 'b'], 2);
    expect(w.names).toEqual(['v@0', 'v@1']);
    expect(Array.from(w.data)).toEqual([NaN, 1, NaN, 10, 1, 2, 10, 20]);
  });

  it('learns classes that differ only by shape, with missing values; seeded; round trip', () => {
    const train = shapes(1, 300), test = shapes(2, 150);
    const a = new CnnClassifier({ epochs: 40, filters: [8], hidden: [8], learningRate: 0.01 }, 5);
    a.fit(withHoles(train.frame, 0.05), train.labels);
    const p = a.predictProba(withHoles(test.frame, 0.05));
    expect(macroF1(indexLabels(test.labels, a.classes), argmaxRows(p, 3), 3)).toBeGreaterThan(0.9);
    const back = CnnClassifier.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    expect(back.predictProba(withHoles(test.frame, 0.05))).toEqual(p);
  });

  it('refuses bad settings', () => {
    expect(() => resolveCnnParams({ filters: [] })).toThrow(/filters/);
    expect(() => resolveCnnParams({ kernelSize: 0 })).toThrow(/kernelSize/);
  });
});

describe('cnn network', () => {
  it("computes what tfjs's conv1d ('same' padding), pooling and a dense layer compute", async () => {
    const { tf } = await import('../core/tf.js');
    const { initWeights } = await import('./neural.js');
    const W = 6, C = 2, F = 3, k = 4;
    const names = Array.from({ length: W }, (_, t) => [`a@${t}`, `b@${t}`]).flat();
    const m = new CnnClassifier({ filters: [F], kernelSize: k, hidden: [] });
    const net = (m as unknown as { buildNet(f: string[], c: string[]): Net }).buildNet(names, ['x', 'y']);
    const rng = createRng(3);
    const w = initWeights(net, 4).map((a, i) => tf.tensor(a.map(() => rng.normal()), net.weights[i].shape));
    const x = tf.tensor2d(Float32Array.from({ length: 2 * W * C }, () => rng.normal()), [2, W * C]);
    const ours = tf.tidy(() => net.logits(w, x, (t) => t).arraySync());
    const theirs = tf.tidy(() => {
      const h = tf.relu(tf.add(tf.conv1d(tf.reshape(x, [2, W, C]) as never, w[0] as never, 1, 'same'), w[1]));
      return tf.add(tf.matMul(tf.concat([tf.mean(h, 1), tf.max(h, 1)], 1) as never, w[2] as never), w[3]).arraySync();
    });
    expect((ours as number[][]).flat().map((v) => v.toFixed(4))).toEqual((theirs as number[][]).flat().map((v) => v.toFixed(4)));
    tf.dispose([...w, x]);
  });
});
