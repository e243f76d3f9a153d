import { beforeAll, describe, expect, it } from 'vitest';
import { InputError, ModelFormatError } from '../core/errors.js';
import { frameFromRows } from '../core/frame.js';
import { createRng } from '../core/rng.js';
import { tf, useWasmBackend } from '../core/tf.js';
import type { Detector } from './base.js';
import type { DetectorSnapshot } from '../core/snapshot.js';
import { createDetector, loadDetector, prepareDetectors } from './index.js';
import { LstmAutoencoder, type LstmAeParams } from './lstm-ae.js';
import { RobustZDetector } from './robust-z.js';

// lstm-ae's module (TensorFlow.js) is loaded on demand (detectors/index.ts).
await prepareDetectors('lstm-ae');

const PERIOD = 50;
const FAST: LstmAeParams = { window: 16, hidden: 8, epochs: 8, minTrain: 1000, retrainEvery: 100_000, maxTrain: 1000 };

/** A noisy sine; from `a0` for one period it is inverted (same value range, wrong shape). */
function sine(n: number, seed: number, a0 = -1): Float64Array {
  const rng = createRng(seed);
  const xs = new Float64Array(n);
  for (let i = 0; i < n; i++) xs[i] = (i >= a0 && i < a0 + PERIOD ? -1 : 1) * Math.sin((2 * Math.PI * i) / PERIOD) + 0.05 * rng.normal();
  return xs;
}

/** Scores then learns each value (the online loop), returning the scores. */
function stream(d: Detector, xs: Float64Array): Float64Array {
  const out = new Float64Array(xs.length);
  const x = new Float64Array(1);
  for (let i = 0; i < xs.length; i++) {
    x[0] = xs[i];
    out[i] = d.scoreOne(x, i);
    d.learnOne(x, i);
  }
  return out;
}

const max = (a: Float64Array, from: number, to: number) => Math.max(...a.subarray(from, to));
const mean = (a: Float64Array, from: number, to: number) => a.subarray(from, to).reduce((s, v) => s + v, 0) / (to - from);

describe('LstmAutoencoder', () => {
  beforeAll(async () => {
    expect(await useWasmBackend()).toBe(true);
  });

  it('scores an inverted cycle (within the normal value range) higher than normal cycles, which robust z cannot', () => {
    const a0 = 1500;
    const xs = sine(2000, 1, a0);
    const scores = stream(new LstmAutoencoder(FAST, 1), xs);
    const z = stream(new RobustZDetector(), xs);
    const inside = max(scores, a0, a0 + PERIOD);
    expect(tf.getBackend()).toBe('wasm');
    expect(inside).toBeGreaterThan(0.5);
    expect(max(scores, 1000, a0)).toBeLessThan(0.3);
    expect(mean(scores, a0, a0 + PERIOD)).toBeGreaterThan(5 * mean(scores, 1000, a0));
    expect(max(z, a0, a0 + PERIOD)).toBeLessThan(0.2);
  });

  it('gives the same scores for the same seed, and different ones for another seed', () => {
    const xs = sine(1300, 2, 1200);
    const p = { ...FAST, epochs: 2 };
    const a = stream(new LstmAutoencoder(p, 7), xs);
    expect(stream(new LstmAutoencoder(p, 7), xs)).toEqual(a);
    expect(stream(new LstmAutoencoder(p, 8), xs)).not.toEqual(a);
  });

  it('scores with a forward pass equal to tfjs predict of the trained network (float32 vs float64)', () => {
    const d = new LstmAutoencoder(FAST, 3);
    stream(d, sine(1100, 3));
    expect(d.trained).toBe(true);
    const model = d.toLayersModel();
    const x = Float64Array.of(0.3);
    d.scoreOne(x);
    const win = Float32Array.from(d['win']);
    const y = tf.tidy(() => (model.predict(tf.tensor3d(win, [1, 16, 1])) as tf.Tensor).dataSync());
    model.dispose();
    let sse = 0;
    for (let t = 12; t < 16; t++) sse += (y[t] - win[t]) ** 2;
    const err = d['reconstructionError'](d['win'], 0);
    expect(Math.abs(err - Math.sqrt(sse / 4)) / err).toBeLessThan(1e-4);
  });

  it('holds no tensors after training and none after 10,000 scores', () => {
    const before = tf.memory().numTensors;
    const d = new LstmAutoencoder({ ...FAST, minTrain: 400, retrainEvery: 400, maxTrain: 400, epochs: 1 }, 4);
    stream(d, sine(1300, 4));
    expect(d['trainings']).toBe(3);
    expect(tf.memory().numTensors).toBe(before);
    const x = new Float64Array(1);
    for (let i = 0; i < 10_000; i++) {
      x[0] = Math.sin(i / 7);
      d.scoreOne(x);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('round-trips through a JSON snapshot: same scores while learning on; a bad weights blob is refused', () => {
    const a = new LstmAutoencoder(FAST, 5);
    stream(a, sine(1100, 5));
    const b = loadDetector(JSON.parse(JSON.stringify(a.toJSON())) as DetectorSnapshot);
    const xs = sine(300, 6);
    expect(stream(b, xs)).toEqual(stream(a, xs));
    const snap = JSON.parse(JSON.stringify(a.toJSON())) as DetectorSnapshot & { state: { model: { weights: string } } };
    snap.state.model.weights = snap.state.model.weights.slice(0, 40);
    expect(() => LstmAutoencoder.fromJSON(snap)).toThrow(/state\.model\.weights/);
    expect(() => LstmAutoencoder.fromJSON({ ...snap, params: { window: 1 } })).toThrow(ModelFormatError);
  });

  it('fits a frame at once and scores a frame as point by point', () => {
    const xs = sine(1200, 7);
    const f = frameFromRows(['x'], Array.from(xs.subarray(0, 1000), (v) => [v]));
    const d = createDetector('lstm-ae', { ...FAST }, 1);
    d.fit!(f);
    const g = frameFromRows(['x'], Array.from(xs.subarray(1000), (v) => [v]));
    const batch = d.score!(g);
    const one = g.data.map((v) => d.scoreOne(Float64Array.of(v), 0));
    expect(batch).toEqual(one);
    expect(() => new LstmAutoencoder(FAST).fit(frameFromRows(['x'], [[1], [2]]))).toThrow(/window \+ 1/);
  });

  it('scores before training with a z fallback, and handles missing and infinite values', () => {
    const d = new LstmAutoencoder(FAST, 1);
    expect(d.scoreOne(Float64Array.of(5, 1))).toBe(0);
    stream(d, sine(100, 8));
    expect(d.trained).toBe(false);
    expect(d.scoreOne(Float64Array.of(0.1))).toBeLessThan(0.1);
    expect(d.scoreOne(Float64Array.of(50))).toBeGreaterThan(0.9);
    expect(d.scoreOne(Float64Array.of(NaN))).toBe(0);
    expect(d.scoreOne(Float64Array.of(-Infinity))).toBeGreaterThan(0.999);
    d.learnOne(Float64Array.of(NaN));
    expect(d['count']).toBe(100);
  });

  it('refuses bad settings with an InputError naming the setting', () => {
    const bad: [LstmAeParams | Record<string, unknown>, RegExp][] = [
      [{ window: 1 }, /window/],
      [{ hidden: 0 }, /hidden/],
      [{ epochs: 1.5 }, /epochs/],
      [{ learningRate: 0 }, /learningRate/],
      [{ window: 16, minTrain: 10 }, /minTrain/],
      [{ minTrain: 500, maxTrain: 400 }, /maxTrain/],
      [{ window: 8, scoreSteps: 9 }, /scoreSteps/],
      [{ z50: -1 }, /z50/],
      [{ windw: 8 }, /unknown parameter "windw"/],
    ];
    for (const [p, re] of bad) {
      expect(() => new LstmAutoencoder(p as LstmAeParams)).toThrow(InputError);
      expect(() => new LstmAutoencoder(p as LstmAeParams)).toThrow(re);
    }
  });
});
