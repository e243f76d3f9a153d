/**
 * What the neural classifiers (mlp.ts, cnn.ts, gnn.ts) share: a network described by its weight shapes
 * and a TensorFlow.js forward pass ({@link Net}), trained by {@link trainNet} (Adam on mini-batches
 * shuffled by a seeded generator, weighted softmax cross-entropy, L2 on the kernels, inverted dropout
 * whose masks come from the same seeded generator, early stopping on a stratified validation split with
 * the best epoch's weights kept); and {@link NeuralClassifier}, the {@link Classifier} around a net:
 * inputs standardised by features/standard-scaler.ts (a missing value imputed by the training mean, as
 * logistic.ts does), weights saved as base64 float32 (core/snapshot.ts), probabilities from the net's
 * logits by a softmax in double precision.
 *
 * tfjs comes from core/tf.ts (the one set-up, the `cpu` backend unless `useWasmBackend()` was awaited).
 * Everything seeded is seeded here: glorot-uniform initial weights, the validation split, the shuffles
 * and the dropout masks (tfjs's own dropout reuses one mask for a fixed seed, so it is not used), so the
 * same seed and data give the same weights on one backend.
 */
import { InputError, ModelFormatError } from '../core/errors.js';
import type { Frame } from '../core/frame.js';
import { intIn, type NumberParam } from '../core/params.js';
import { createRng, hash32 } from '../core/rng.js';
import { fromBase64, openSnapshot, toBase64 } from '../core/snapshot.js';
import { tf } from '../core/tf.js';
import { StandardScaler } from '../features/standard-scaler.js';
import type { Classifier, ClassifierSnapshot, FitOptions } from './classifier.js';
import { encodeLabels, rowWeights } from './labels.js';
import { checkColumns, checkFitFrame, namesOf } from './params.js';
import { stratifiedSplit } from './split.js';

/** Training settings every neural classifier has. */
export interface TrainParams {
  /** Passes over the training rows at most (default 200). */
  epochs?: number;
  /** Rows per Adam step (default 64). */
  batchSize?: number;
  /** Adam's step size (default 0.003). */
  learningRate?: number;
  /** Share of each hidden layer's units dropped while training (default 0.1). */
  dropout?: number;
  /** L2 penalty `l2 · Σ kernel²` added to the mean loss (default 1e-4; Keras's convention). */
  l2?: number;
  /** Stop after this many epochs without a better validation loss (default 15). */
  patience?: number;
  /** Share of each class held out for early stopping (default 0.15; 0: train every epoch on every row). */
  validationFraction?: number;
}

/** The names of {@link TrainParams}, for a classifier's list of known settings. */
export const TRAIN_PARAMS = ['epochs', 'batchSize', 'learningRate', 'dropout', 'l2', 'patience', 'validationFraction'];

/** Reads {@link TrainParams} with their defaults. */
export function readTrainParams(num: NumberParam): Required<TrainParams> {
  const pos = (v: number): boolean => v > 0 && Number.isFinite(v);
  return {
    epochs: num('epochs', 200, intIn(1, 100_000), 'an integer >= 1'),
    batchSize: num('batchSize', 64, intIn(1, 1_000_000), 'an integer >= 1'),
    learningRate: num('learningRate', 0.003, pos, 'a positive number'),
    dropout: num('dropout', 0.1, (v) => v >= 0 && v < 1, 'a number in [0, 1)'),
    l2: num('l2', 1e-4, (v) => v >= 0 && Number.isFinite(v), 'a number >= 0'),
    patience: num('patience', 15, intIn(1, 100_000), 'an integer >= 1'),
    validationFraction: num('validationFraction', 0.15, (v) => v >= 0 && v < 1, 'a number in [0, 1)'),
  };
}

/** Reads a setting that is a list of positive integers (layer widths), default `def`. */
export function intListParam(who: string, p: Readonly<Record<string, unknown>>, name: string, def: number[], min = 0): number[] {
  const v = p[name] ?? def;
  if (!Array.isArray(v) || v.length < min || !v.every((x) => Number.isInteger(x) && x >= 1 && x <= 100_000)) {
    throw new InputError(`${who}: ${name} must be a list of ${min > 0 ? `at least ${min} ` : ''}integers >= 1, got ${JSON.stringify(p[name])}`);
  }
  return [...(v as number[])];
}

/** One weight tensor of a net: its shape, and whether it is a kernel (glorot-initialised, L2-penalised) or a bias (zeros). */
export interface WeightSpec {
  shape: number[];
  kernel: boolean;
  /** A kernel's fan-in and fan-out (default: the first dimension and the product of the rest). */
  fans?: [number, number];
}

/** A network: its weights and its forward pass to class logits. */
export interface Net {
  weights: WeightSpec[];
  /**
   * Logits `[B, K]` of a batch `x` (`[B, inputs]`, standardised) under weights `w` (in the order of
   * `weights`); `drop` applies dropout where the net wants it (the identity when not training).
   */
  logits(w: readonly tf.Tensor[], x: tf.Tensor2D, drop: (t: tf.Tensor) => tf.Tensor): tf.Tensor2D;
}

/** What a fit did. */
export interface TrainInfo {
  /** Epochs run. */
  epochs: number;
  /** The epoch whose weights were kept (1-based; the last when there is no validation split). */
  bestEpoch: number;
  /** Weighted validation loss of the kept weights (NaN without a validation split). */
  validationLoss: number;
}

/** Glorot-uniform kernels and zero biases, from `seed`. */
export function initWeights(net: Net, seed: number): Float32Array[] {
  return net.weights.map((s, k) => {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const out = new Float32Array(n);
    if (!s.kernel) return out;
    const [fi, fo] = s.fans ?? [s.shape[0], n / s.shape[0]];
    const lim = Math.sqrt(6 / (fi + fo));
    const rng = createRng(hash32(seed, k + 1));
    for (let i = 0; i < n; i++) out[i] = (2 * rng.next() - 1) * lim;
    return out;
  });
}

/** Rows `idx` of a row-major float32 matrix `width` wide. */
function gather(X: Float32Array, width: number, idx: ArrayLike<number>, from = 0, to = idx.length): Float32Array {
  const out = new Float32Array((to - from) * width);
  for (let i = from; i < to; i++) out.set(X.subarray(idx[i] * width, (idx[i] + 1) * width), (i - from) * width);
  return out;
}

/** The logits of every row of `X` (`rows × width`) as float64, in batches of `batch`. */
export function netLogits(net: Net, weights: readonly Float32Array[], X: Float32Array, rows: number, width: number, batch = 1024): Float64Array {
  const out: number[] = [];
  const ws = net.weights.map((s, k) => tf.tensor(weights[k], s.shape));
  try {
    for (let s = 0; s < rows; s += batch) {
      const e = Math.min(rows, s + batch);
      const z = tf.tidy(() => net.logits(ws, tf.tensor2d(X.subarray(s * width, e * width), [e - s, width]), (t) => t));
      for (const v of z.dataSync()) out.push(v);
      z.dispose();
    }
  } finally {
    tf.dispose(ws);
  }
  return Float64Array.from(out);
}

/** Softmax of each row of `logits` (`K` wide), in double precision. */
export function softmaxRows(logits: Float64Array, K: number): Float64Array {
  const out = new Float64Array(logits.length);
  for (let o = 0; o < logits.length; o += K) {
    let mx = -Infinity;
    for (let k = 0; k < K; k++) mx = Math.max(mx, logits[o + k]);
    let s = 0;
    for (let k = 0; k < K; k++) s += (out[o + k] = Math.exp(logits[o + k] - mx));
    for (let k = 0; k < K; k++) out[o + k] /= s;
  }
  return out;
}

/** Weighted mean cross-entropy of `logits` against classes `y` (weights `w`). */
function lossOf(logits: Float64Array, K: number, y: ArrayLike<number>, w: ArrayLike<number>): number {
  const p = softmaxRows(logits, K);
  let l = 0, sw = 0;
  for (let i = 0; i < y.length; i++) {
    l -= w[i] * Math.log(Math.max(p[i * K + y[i]], 1e-12));
    sw += w[i];
  }
  return sw > 0 ? l / sw : 0;
}

/**
 * Trains `net` on rows `X` (`n × width`, standardised float32) with classes `y` (of `K`) and row weights
 * `w`; see the module comment. Returns the kept weights and what happened.
 */
export function trainNet(
  net: Net, X: Float32Array, width: number, y: Int32Array, w: Float64Array, K: number, p: Required<TrainParams>, seed: number, onProgress?: FitOptions['onProgress'],
): { weights: Float32Array[]; info: TrainInfo } {
  const n = y.length;
  let trainIdx: Int32Array = Int32Array.from({ length: n }, (_, i) => i);
  let valIdx: Int32Array = new Int32Array(0);
  if (p.validationFraction > 0 && n >= 20) {
    const s = stratifiedSplit(y, K, p.validationFraction, hash32(seed, 0x5a11d));
    if (s.test.length > 0 && s.train.length > 0) ({ train: trainIdx, test: valIdx } = s);
  }
  let mean = 0;
  for (const i of trainIdx) mean += w[i];
  mean = mean / trainIdx.length || 1;
  const rng = createRng(hash32(seed, 0xd0e));
  const keep = 1 - p.dropout;
  const vars = initWeights(net, seed).map((a, k) => tf.variable(tf.tensor(a, net.weights[k].shape), true, undefined));
  const opt = tf.train.adam(p.learningRate);
  const drop = (t: tf.Tensor): tf.Tensor => {
    if (p.dropout === 0) return t;
    const m = new Float32Array(t.size);
    for (let i = 0; i < m.length; i++) m[i] = rng.next() < keep ? 1 / keep : 0;
    return tf.mul(t, tf.tensor(m, t.shape));
  };
  const snapshot = (): Float32Array[] => vars.map((v) => Float32Array.from(v.dataSync() as Float32Array));
  let best = snapshot(), bestLoss = Infinity, bestEpoch = 0, epoch = 0;
  const valX = gather(X, width, valIdx);
  const valY = Array.from(valIdx, (i) => y[i]), valW = Array.from(valIdx, (i) => w[i]);
  const order = Int32Array.from(trainIdx);
  const B = Math.min(p.batchSize, order.length);
  try {
    while (epoch < p.epochs) {
      epoch++;
      for (let i = order.length - 1; i > 0; i--) {
        const k = rng.int(i + 1);
        [order[i], order[k]] = [order[k], order[i]];
      }
      for (let s = 0; s < order.length; s += B) {
        const e = Math.min(order.length, s + B);
        const xb = gather(X, width, order, s, e);
        const oh = new Float32Array((e - s) * K);
        const wb = new Float32Array(e - s);
        for (let i = s; i < e; i++) {
          oh[(i - s) * K + y[order[i]]] = 1;
          wb[i - s] = w[order[i]] / mean;
        }
        tf.tidy(() => {
          const xt = tf.tensor2d(xb, [e - s, width]), yt = tf.tensor2d(oh, [e - s, K]), wt = tf.tensor1d(wb);
          opt.minimize(() => {
            const z = net.logits(vars, xt, drop);
            const ce = tf.sum(tf.mul(wt, tf.losses.softmaxCrossEntropy(yt, z, undefined, undefined, tf.Reduction.NONE)));
            let loss = tf.div(ce, e - s);
            if (p.l2 > 0) net.weights.forEach((sp, k) => { if (sp.kernel) loss = tf.add(loss, tf.mul(p.l2, tf.sum(tf.square(vars[k])))); });
            return loss as tf.Scalar;
          }, false, vars);
        });
      }
      onProgress?.(epoch, p.epochs, 'epochs');
      if (valIdx.length === 0) continue;
      const vl = lossOf(netLogits(net, snapshot(), valX, valIdx.length, width), K, valY, valW);
      if (vl < bestLoss - 1e-6) {
        bestLoss = vl;
        bestEpoch = epoch;
        best = snapshot();
      } else if (epoch - bestEpoch >= p.patience) break;
    }
    if (valIdx.length === 0) {
      best = snapshot();
      bestEpoch = epoch;
      bestLoss = NaN;
    }
  } finally {
    opt.dispose();
    tf.dispose(vars);
  }
  return { weights: best, info: { epochs: epoch, bestEpoch, validationLoss: bestLoss } };
}

/**
 * A {@link Classifier} around a {@link Net}: standardised inputs (missing → the training mean), class
 * weights, seeded training by {@link trainNet}, weights saved as base64 float32. A subclass gives its
 * kind, format version, settings and {@link NeuralClassifier.buildNet}, and a static `fromJSON` that
 * calls {@link NeuralClassifier.restore}.
 */
export abstract class NeuralClassifier<P extends TrainParams> implements Classifier {
  abstract readonly kind: string;
  protected abstract readonly formatVersion: number;
  protected names: string[] = [];
  protected labels: string[] = [];
  protected scaler: StandardScaler | null = null;
  protected weights: Float32Array[] = [];
  protected info: TrainInfo = { epochs: 0, bestEpoch: 0, validationLoss: NaN };

  constructor(readonly params: Required<P> & Required<TrainParams>, readonly seed: number) {}

  get classes(): readonly string[] {
    return this.labels;
  }

  /** Epochs run, the epoch kept and its validation loss, of the last fit. */
  get fitInfo(): TrainInfo {
    return { ...this.info };
  }

  /** The network for inputs named `features` and these `classes`; throws {@link InputError} when the columns do not fit the model. */
  protected abstract buildNet(features: readonly string[], classes: readonly string[]): Net;

  /** The classes to fit for these columns and labels; default (undefined) the labels' distinct values, sorted. */
  protected classList(_names: readonly string[], _labels: readonly string[]): string[] | undefined {
    return undefined;
  }

  fit(frame: Frame, labels: readonly string[], opts?: FitOptions): void {
    checkFitFrame(this.kind, frame);
    let { classes, y } = encodeLabels(labels, frame.rows, this.kind);
    const wider = this.classList(frame.names, labels);
    if (wider) {
      const index = new Map(wider.map((c, k) => [c, k]));
      y = Int32Array.from(labels, (l) => index.get(l) as number);
      classes = wider;
    }
    const w = rowWeights(y, classes, opts, this.kind);
    const net = this.buildNet(frame.names, classes);
    const scaler = new StandardScaler().fit(frame);
    const X = Float32Array.from(scaler.transform(frame).data);
    const r = trainNet(net, X, frame.cols, y, w, classes.length, this.params, this.seed, opts?.onProgress);
    this.names = [...frame.names];
    this.labels = classes;
    this.scaler = scaler;
    this.weights = r.weights;
    this.info = r.info;
  }

  predictProba(frame: Frame): Float64Array {
    checkColumns(this.kind, this.names, frame);
    const X = Float32Array.from((this.scaler as StandardScaler).transform(frame).data);
    const net = this.buildNet(this.names, this.labels);
    return softmaxRows(netLogits(net, this.weights, X, frame.rows, frame.cols), this.labels.length);
  }

  toJSON(): ClassifierSnapshot {
    const all = new Float32Array(this.weights.reduce((s, a) => s + a.length, 0));
    let at = 0;
    for (const a of this.weights) {
      all.set(a, at);
      at += a.length;
    }
    return {
      kind: this.kind,
      formatVersion: this.formatVersion,
      params: { ...this.params } as Record<string, unknown>,
      state: { seed: this.seed, classes: this.labels, features: this.names, scaler: this.scaler?.toJSON() ?? null, weights: toBase64(all), fit: { ...this.info, validationLoss: Number.isFinite(this.info.validationLoss) ? this.info.validationLoss : null } },
    };
  }

  /**
   * Restores a model saved by `toJSON` of `kind`: `make` builds the unfitted model from the settings and
   * seed. Throws {@link ModelFormatError} naming the bad field.
   */
  protected static restore<M extends NeuralClassifier<TrainParams>>(s: ClassifierSnapshot, kind: string, formatVersion: number, make: (p: Record<string, unknown>, seed: number) => M): M {
    const { model, state } = openSnapshot(s, kind, formatVersion, (p, st) => {
      const seed = st.seed;
      if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0) throw new ModelFormatError(`${kind} snapshot: field "state.seed" must be an integer >= 0`);
      return make(p, seed);
    });
    model.labels = namesOf(kind, state, 'classes');
    model.names = namesOf(kind, state, 'features');
    if (typeof state.scaler !== 'object' || state.scaler === null) throw new ModelFormatError(`${kind} snapshot: field "state.scaler" must be a scaler`);
    model.scaler = StandardScaler.fromJSON(state.scaler as ClassifierSnapshot);
    if (model.scaler.dims !== model.names.length) throw new ModelFormatError(`${kind} snapshot: field "state.scaler" has ${model.scaler.dims} features, expected ${model.names.length}`);
    let net: Net;
    try {
      net = model.buildNet(model.names, model.labels);
    } catch (e) {
      throw new ModelFormatError(`${kind} snapshot: its features and classes do not fit the settings: ${(e as Error).message}`);
    }
    const all = fromBase64(Float32Array, state.weights, kind, 'state.weights');
    const sizes = net.weights.map((w) => w.shape.reduce((a, b) => a * b, 1));
    const want = sizes.reduce((a, b) => a + b, 0);
    if (all.length !== want) throw new ModelFormatError(`${kind} snapshot: field "state.weights" has ${all.length} values, expected ${want}`);
    if (!all.every((v) => Number.isFinite(v))) throw new ModelFormatError(`${kind} snapshot: field "state.weights" must be finite numbers`);
    let at = 0;
    model.weights = sizes.map((n) => all.slice(at, (at += n)));
    const f = (state.fit ?? {}) as Record<string, unknown>;
    model.info = { epochs: Number(f.epochs) || 0, bestEpoch: Number(f.bestEpoch) || 0, validationLoss: typeof f.validationLoss === 'number' ? f.validationLoss : NaN };
    return model;
  }
}
