/**
 * LSTM autoencoder detector: a small sequence-to-sequence LSTM (encoder LSTM → its last hidden state
 * repeated `window` times → decoder LSTM → a dense layer per step) learns to reconstruct sliding
 * windows of standardised points; a point scores by how badly the window ending at it is
 * reconstructed, so it sees shape anomalies (a flattened or inverted cycle inside the normal value
 * range) that per-value z-scores cannot.
 *
 * Online: `learnOne` appends the point to a ring of the last `maxTrain` points; the model trains with
 * TensorFlow.js (tfjs-layers, Adam, `epochs` passes over shuffled windows, seeded initialisers and
 * shuffles) once `minTrain` points have arrived and again every `retrainEvery` points (warm-started
 * from the previous weights), synchronously inside that `learnOne` call, on whichever tfjs backend is
 * active (see `core/tf.ts`; `await useWasmBackend()` at start trains 4–8× faster than `cpu`). After
 * training, the model is disposed and its weights kept as a Float32Array, so a detector holds no tfjs
 * memory between calls and needs no `dispose()`.
 *
 * Scoring runs the trained network's forward pass in plain JavaScript (double precision, from the
 * float32 weights; the unit tests check it against tfjs's `predict`): on the measured machine a tfjs
 * forward pass of one window costs ~4 ms of per-op overhead, this one tens of microseconds, allocates
 * nothing and no tensors, gives the same scores on every backend, and is the one code path of
 * `scoreOne`, `score` and the calibration. The error is the root mean squared standardised
 * reconstruction error of the window's last `scoreSteps` steps (the window is the last `window − 1`
 * learned points then `x`); it is turned into a z against the errors of the training windows,
 * (err − median) / spread, where spread is the larger of 1.4826 · MAD and (q99 − median) / 2.326 (both
 * a normal's σ; the second because those errors have a longer right tail than a MAD sees), and mapped
 * by {@link zToScore}. Training errors are in-sample, so the spread is, if anything, small.
 *
 * Standardisation: per feature, mean and standard deviation of the training points, the scale floored
 * at max(`minScale`, `relativeFloor` · |mean|), so a constant series does not divide by zero and a
 * change in it scores high. Before the first training a point scores by its largest |z| against the
 * mean and scale of the points learned so far (the same standardiser), so scores are never NaN.
 *
 * Missing values: a NaN or ±Infinity feature is learned as that feature's last learned value (0 if it
 * never had one); a point with no finite feature is not learned. At scoring, NaN features take the
 * last learned value; ±Infinity scores 1 − 1e-12; a point with no finite feature, or scored before
 * anything was learned, scores 0. The feature dimension is fixed by the first learned point.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { intIn, paramReader } from '../core/params.js';
import { InputError, ModelFormatError } from '../core/errors.js';
import type { Features, Frame } from '../core/frame.js';
import { createRng, hash32 } from '../core/rng.js';
import { runSteps } from '../core/steps.js';
import { tf } from '../core/tf.js';
import { zToScore } from '../core/score-map.js';
import { type BatchDetector, type Detector } from './base.js';
import { learnable } from '../stats/robust-clip.js';
import { readFloorAndMapping } from './scale-settings.js';
import { fromBase64, openSnapshot, toBase64, type DetectorSnapshot } from '../core/snapshot.js';

const KIND = 'lstm-ae';
const FORMAT_VERSION = 1;
const MAD_TO_SD = 1.482602218505602;
const PARAMS = ['window', 'hidden', 'epochs', 'batchSize', 'learningRate', 'minTrain', 'retrainEvery', 'maxTrain', 'scoreSteps', 'minScale', 'relativeFloor', 'z50', 'power'];

/** Parameters of {@link LstmAutoencoder}; every field has a default. */
export interface LstmAeParams {
  /** Time steps per window (default 16). */
  window?: number;
  /** LSTM units in the encoder and decoder; the encoder's last hidden state is the code (default 8). */
  hidden?: number;
  /** Passes over the training windows per (re)training (default 4). */
  epochs?: number;
  /** Windows per gradient step (default 64). */
  batchSize?: number;
  /** Adam's learning rate (default 0.01). */
  learningRate?: number;
  /** Points learned before the first training (default 300, at least `window` + 1). */
  minTrain?: number;
  /** Points learned between retrainings (default 1000). */
  retrainEvery?: number;
  /** Most recent points kept and trained on (default 2000, at least `minTrain`). */
  maxTrain?: number;
  /** Last steps of the window whose reconstruction error is scored (default 4; 1 = the newest point only). */
  scoreSteps?: number;
  /** Smallest per-feature scale, in the feature's units (default 1e-9). */
  minScale?: number;
  /** Scale floor relative to |mean| (default 1e-3). */
  relativeFloor?: number;
  /** The robust z of the error at which the score is 0.5 (default 6). */
  z50?: number;
  /** Steepness of the score mapping (default 4). */
  power?: number;
}

type Resolved = Required<LstmAeParams>;

function resolve(p: Record<string, unknown>): Resolved {
  const num = paramReader('lstm-ae', p, PARAMS);
  const pos = (v: number) => Number.isFinite(v) && v > 0;
  const window = num('window', 16, intIn(2, 512), 'an integer in [2, 512]');
  const minTrain = num('minTrain', Math.max(300, window + 1), intIn(window + 1, 1e6), `an integer in [window + 1 = ${window + 1}, 1e6]`);
  return {
    window, minTrain,
    hidden: num('hidden', 8, intIn(1, 256), 'an integer in [1, 256]'),
    epochs: num('epochs', 4, intIn(1, 1000), 'an integer in [1, 1000]'),
    batchSize: num('batchSize', 64, intIn(1, 65536), 'an integer in [1, 65536]'),
    learningRate: num('learningRate', 0.01, (v) => pos(v) && v <= 1, 'a number in (0, 1]'),
    retrainEvery: num('retrainEvery', 1000, intIn(1, 1e9), 'an integer in [1, 1e9]'),
    maxTrain: num('maxTrain', Math.max(2000, minTrain), intIn(minTrain, 1e6), `an integer in [minTrain = ${minTrain}, 1e6]`),
    scoreSteps: num('scoreSteps', Math.min(4, window), intIn(1, window), `an integer in [1, window = ${window}]`),
    minScale: num('minScale', 1e-9, pos, 'a finite number > 0'),
    ...readFloorAndMapping(num, 6),
  };
}

/** Seeded LSTM autoencoder on sliding windows, streaming and batch. See the file comment. */
export class LstmAutoencoder implements Detector, BatchDetector {
  /** Registry key and snapshot kind. */
  readonly kind = KIND;
  /** A point is anomalous on its own past score 0.5 (error z = z50). */
  readonly threshold = 0.5;
  /** The settings, defaults filled in. */
  readonly params: Readonly<Resolved>;
  /** The seed of the initial weights and of the training shuffles. */
  readonly seed: number;
  private d = 0;
  private buf = new Float64Array(0); // ring of the last maxTrain learned points (imputed, raw units)
  private count = 0;
  private head = 0; // next slot
  private last = new Float64Array(0); // last learned value per feature (NaN: never)
  private sinceTrain = 0;
  private trainings = 0;
  private weights: Float32Array | null = null; // enc K [d,4H], R [H,4H], b [4H]; dec K [H,4H], R [H,4H], b [4H]; dense [H,d], [d]
  private mean = new Float64Array(0);
  private scale = new Float64Array(0);
  private errMed = 0;
  private errScale = 1;
  private statsDirty = true; // fallback standardiser out of date
  private win = new Float64Array(0); // scratch: one standardised window, W × d
  private h = new Float64Array(0);
  private c = new Float64Array(0);
  private z = new Float64Array(0); // 4H gate pre-activations
  private zin = new Float64Array(0); // decoder input projection (constant over the steps)

  /** Creates an untrained detector; throws {@link InputError} naming a bad setting. */
  constructor(params: LstmAeParams = {}, seed = 0) {
    this.params = Object.freeze(resolve(params as Record<string, unknown>));
    this.seed = seed >>> 0;
  }

  /** The feature dimension (0 before any point is learned). */
  get dims(): number {
    return this.d;
  }

  /** Whether a model has been trained (until then points score by the fallback z). */
  get trained(): boolean {
    return this.weights !== null;
  }

  /** Appends one point (missing features imputed) and trains when due; training runs tfjs here. */
  learnOne(x: Features, _t = 0): void {
    if (!this.push(x)) return;
    this.sinceTrain++;
    const p = this.params;
    if (this.weights === null ? this.count >= p.minTrain : this.sinceTrain >= p.retrainEvery) runSteps(this.trainSteps(this.history(), this.count));
  }

  /** Scores one point in [0, 1) against the last learned points; allocates nothing. */
  scoreOne(x: Features, _t = 0): number {
    const d = this.d;
    if (d === 0) return 0;
    let finite = 0;
    for (let j = 0; j < d && j < x.length; j++) {
      if (x[j] === Infinity || x[j] === -Infinity) return zToScore(Infinity, 1, 1);
      if (!Number.isNaN(x[j])) finite++;
    }
    if (finite === 0) return 0;
    const p = this.params;
    if (this.weights === null) {
      if (this.statsDirty) this.fitScaler(this.buf, 0, this.count);
      let zmax = 0;
      for (let j = 0; j < d; j++) {
        if (j >= x.length || Number.isNaN(x[j])) continue;
        zmax = Math.max(zmax, Math.abs(x[j] - this.mean[j]) / this.scale[j]);
      }
      return zToScore(zmax, p.z50, p.power);
    }
    const W = p.window;
    const M = p.maxTrain;
    for (let s = 0; s < W - 1; s++) {
      const slot = (this.head - (W - 1) + s + 2 * M) % M;
      for (let j = 0; j < d; j++) this.win[s * d + j] = (this.buf[slot * d + j] - this.mean[j]) / this.scale[j];
    }
    for (let j = 0; j < d; j++) {
      const v = j < x.length && !Number.isNaN(x[j]) ? x[j] : this.last[j];
      this.win[(W - 1) * d + j] = (v - this.mean[j]) / this.scale[j];
    }
    return this.scoreOf(this.reconstructionError(this.win, 0));
  }

  /**
   * Trains on the whole frame at once (rows imputed as `learnOne` does), warm-starting from the current
   * weights, and keeps its last `maxTrain` rows as the history. Throws {@link InputError} when the frame
   * has fewer than `window + 1` rows.
   */
  fit(frame: Frame): void {
    runSteps(this.fitSteps(frame));
  }

  /** {@link fit}, yielding before each batch of training (minutes on a long frame), so that a command can stop it. */
  *fitSteps(frame: Frame): Generator<void, void, void> {
    const p = this.params;
    if (frame.rows < p.window + 1) throw new InputError(`lstm-ae: fit needs at least window + 1 = ${p.window + 1} rows, got ${frame.rows}`);
    if (this.d === 0) this.init(frame.cols);
    const series = new Float64Array(frame.rows * this.d);
    let n = 0;
    for (let i = 0; i < frame.rows; i++) {
      if (this.push(frame.data.subarray(i * frame.cols, (i + 1) * frame.cols))) {
        const slot = (this.head - 1 + p.maxTrain) % p.maxTrain;
        series.set(this.buf.subarray(slot * this.d, (slot + 1) * this.d), n * this.d);
        n++;
      }
    }
    if (n < p.window + 1) throw new InputError(`lstm-ae: fit needs at least window + 1 = ${p.window + 1} rows with a finite value`);
    yield* this.trainSteps(series, n);
  }

  /** Scores every row of `frame` as {@link LstmAutoencoder.scoreOne} would, each against the learned history (rows are not learned). */
  score(frame: Frame): Float64Array {
    const out = new Float64Array(frame.rows);
    for (let i = 0; i < frame.rows; i++) out[i] = this.scoreOne(frame.data.subarray(i * frame.cols, (i + 1) * frame.cols));
    return out;
  }

  /**
   * The trained network as a tfjs-layers model (for inspection or export); the caller must
   * `dispose()` it. Throws {@link InputError} before the first training.
   */
  toLayersModel(): tfl.Sequential {
    if (this.weights === null) throw new InputError('lstm-ae: no model yet; it trains after minTrain points or on fit()');
    const model = buildModel(this.params.window, this.d, this.params.hidden, this.seed);
    setWeights(model, this.weights, this.d, this.params.hidden);
    return model;
  }

  /** Saves settings, seed, history (oldest first), scaler, weights (base64 float32) and error calibration. */
  toJSON(): DetectorSnapshot {
    return {
      kind: KIND, formatVersion: FORMAT_VERSION, params: { ...this.params },
      state: {
        seed: this.seed, dims: this.d, history: toBase64(this.history()), last: Array.from(this.last), sinceTrain: this.sinceTrain, trainings: this.trainings,
        model: this.weights === null ? null : { weights: toBase64(this.weights), mean: Array.from(this.mean), scale: Array.from(this.scale), errMedian: this.errMed, errScale: this.errScale },
      },
    };
  }

  /** Restores a detector saved by {@link LstmAutoencoder.toJSON}; throws {@link ModelFormatError} naming the bad field. */
  static fromJSON(s: DetectorSnapshot): LstmAutoencoder {
    const bad = (field: string, what: string) => new ModelFormatError(`lstm-ae snapshot: "${field}" must be ${what}`);
    const isInt = (v: unknown, lo: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= lo;
    const { model: m, state: st } = openSnapshot(s, KIND, FORMAT_VERSION, (p, st) => {
      if (!isInt(st.seed, 0)) throw bad('state.seed', 'an integer >= 0');
      return new LstmAutoencoder(p as LstmAeParams, st.seed);
    });
    const { dims, history, last, sinceTrain, trainings, model } = st;
    if (!isInt(dims, 0)) throw bad('state.dims', 'an integer >= 0');
    if (!isInt(sinceTrain, 0) || !isInt(trainings, 0)) throw bad('state.sinceTrain and state.trainings', 'integers >= 0');
    const hist = fromBase64(Float64Array, history, KIND, 'state.history');
    if ((dims === 0 ? hist.length > 0 : hist.length % dims !== 0 || hist.length / dims > m.params.maxTrain) || !hist.every(Number.isFinite)) {
      throw bad('state.history', `base64 of at most maxTrain × dims finite float64 values`);
    }
    const nums = (v: unknown, n: number, field: string, ok: (x: number) => boolean): Float64Array => {
      if (!Array.isArray(v) || v.length !== n || !v.every((x) => typeof x === 'number' && ok(x))) throw bad(field, `an array of ${n} numbers`);
      return Float64Array.from(v as number[]);
    };
    // A feature never learned has no last value: NaN, written as null by JSON.
    const lastIn = Array.isArray(last) ? last.map((x: unknown) => (x === null ? NaN : x)) : last;
    const lastArr = nums(lastIn, dims, 'state.last', (x) => Number.isNaN(x) || Number.isFinite(x));
    if (dims > 0) m.init(dims);
    m.last.set(lastArr);
    m.buf.set(hist);
    m.count = hist.length / Math.max(dims, 1);
    m.head = m.count % m.params.maxTrain;
    m.sinceTrain = sinceTrain;
    m.trainings = trainings;
    if (model !== null) {
      const mo = model as Record<string, unknown> | undefined;
      if (typeof mo !== 'object' || dims === 0) throw bad('state.model', 'null or an object (with dims > 0)');
      const w = fromBase64(Float32Array, mo.weights, KIND, 'state.model.weights');
      if (w.length !== weightCount(dims, m.params.hidden) || !w.every(Number.isFinite)) throw bad('state.model.weights', `base64 of ${weightCount(dims, m.params.hidden)} finite float32 values`);
      m.weights = w;
      m.mean.set(nums(mo.mean, dims, 'state.model.mean', Number.isFinite));
      m.scale.set(nums(mo.scale, dims, 'state.model.scale', (x) => x > 0 && x < Infinity));
      if (typeof mo.errMedian !== 'number' || !Number.isFinite(mo.errMedian)) throw bad('state.model.errMedian', 'a finite number');
      if (typeof mo.errScale !== 'number' || !(mo.errScale > 0 && mo.errScale < Infinity)) throw bad('state.model.errScale', 'a finite number > 0');
      m.errMed = mo.errMedian;
      m.errScale = mo.errScale;
      m.statsDirty = false;
    }
    return m;
  }

  private init(d: number): void {
    if (d === 0) throw new InputError('lstm-ae: got an empty feature vector');
    const { maxTrain, window: W, hidden: H } = this.params;
    this.d = d;
    this.buf = new Float64Array(maxTrain * d);
    this.last = new Float64Array(d).fill(NaN);
    this.mean = new Float64Array(d);
    this.scale = new Float64Array(d).fill(1);
    this.win = new Float64Array(W * d);
    this.h = new Float64Array(H);
    this.c = new Float64Array(H);
    this.z = new Float64Array(4 * H);
    this.zin = new Float64Array(4 * H);
  }

  /** Appends `x` (imputed) to the ring; false when it has no finite feature. */
  private push(x: Features): boolean {
    if (this.d === 0) this.init(x.length);
    const d = this.d;
    let finite = 0;
    for (let j = 0; j < d && j < x.length; j++) if (Number.isFinite(x[j])) finite++;
    if (finite === 0) return false;
    const at = this.head * d;
    for (let j = 0; j < d; j++) {
      const v = j < x.length && Number.isFinite(x[j]) ? x[j] : this.last[j];
      this.buf[at + j] = Number.isNaN(v) ? 0 : learnable(v);
      this.last[j] = this.buf[at + j];
    }
    this.head = (this.head + 1) % this.params.maxTrain;
    if (this.count < this.params.maxTrain) this.count++;
    if (this.weights === null) this.statsDirty = true;
    return true;
  }

  /** The learned points, oldest first (a copy). */
  private history(): Float64Array {
    const { d, count } = this;
    const M = this.params.maxTrain;
    const out = new Float64Array(count * d);
    const start = count < M ? 0 : this.head;
    for (let i = 0; i < count; i++) out.set(this.buf.subarray(((start + i) % M) * d, ((start + i) % M + 1) * d), i * d);
    return out;
  }

  /** Sets mean and floored scale per feature from `n` points of `a` (row-major, from row `from`). */
  private fitScaler(a: Float64Array, from: number, n: number): void {
    const d = this.d;
    const p = this.params;
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let i = from; i < from + n; i++) s += a[i * d + j];
      const mu = n > 0 ? s / n : 0;
      let ss = 0;
      for (let i = from; i < from + n; i++) ss += (a[i * d + j] - mu) ** 2;
      this.mean[j] = mu;
      this.scale[j] = Math.max(n > 0 ? Math.sqrt(ss / n) : 0, p.minScale, p.relativeFloor * Math.abs(mu));
    }
    this.statsDirty = false;
  }

  /** Trains on `n` chronological raw points of `series` (tfjs), yielding before each batch, then calibrates the errors. */
  private *trainSteps(series: Float64Array, n: number): Generator<void, void, void> {
    const { d } = this;
    const p = this.params;
    const W = p.window;
    this.fitScaler(series, 0, n);
    const std = new Float64Array(n * d);
    for (let i = 0; i < n * d; i++) std[i] = (series[i] - this.mean[i % d]) / this.scale[i % d];
    const nWin = n - W + 1;
    const model = buildModel(W, d, p.hidden, this.seed);
    if (this.weights !== null) setWeights(model, this.weights, d, p.hidden);
    const vars = model.trainableWeights.map((v) => v.read() as tf.Variable);
    const opt = tf.train.adam(p.learningRate);
    const rng = createRng(hash32(this.seed, this.trainings));
    const order = new Int32Array(nWin).map((_, i) => i);
    const B = Math.min(p.batchSize, nWin);
    const batch = new Float32Array(B * W * d);
    try {
      for (let e = 0; e < p.epochs; e++) {
        for (let i = nWin - 1; i > 0; i--) {
          const k = rng.int(i + 1);
          [order[i], order[k]] = [order[k], order[i]];
        }
        for (let s = 0; s + B <= nWin; s += B) {
          yield;
          for (let b = 0; b < B; b++) batch.set(std.subarray(order[s + b] * d, (order[s + b] + W) * d), b * W * d);
          tf.tidy(() => {
            const xb = tf.tensor3d(batch, [B, W, d]);
            opt.minimize(() => tf.losses.meanSquaredError(xb, model.apply(xb, { training: true }) as tf.Tensor) as tf.Scalar, false, vars);
          });
        }
      }
      this.weights = getWeights(model);
    } finally {
      opt.dispose();
      model.dispose();
    }
    this.trainings++;
    this.sinceTrain = 0;
    const errs = new Float64Array(nWin);
    for (let i = 0; i < nWin; i++) errs[i] = this.reconstructionError(std, i * d);
    errs.sort();
    const med = quantileSorted(errs, 0.5);
    const q99 = quantileSorted(errs, 0.99);
    for (let i = 0; i < nWin; i++) errs[i] = Math.abs(errs[i] - med);
    errs.sort();
    this.errMed = med;
    // The larger of two normal-equivalent spreads, MAD-based and 99th-percentile-based (q99 = median +
    // 2.326 σ for a normal), since training errors are right-skewed with a longer tail than MAD sees.
    this.errScale = Math.max(MAD_TO_SD * quantileSorted(errs, 0.5), (q99 - med) / 2.326, 1e-3 * med, 1e-12);
  }

  /** The calibrated score of a reconstruction error. */
  private scoreOf(err: number): number {
    return zToScore(Math.max(0, (err - this.errMed) / this.errScale), this.params.z50, this.params.power);
  }

  /**
   * Root mean squared reconstruction error of the last `scoreSteps` steps of the standardised window at
   * `a[off .. off + W·d)`: the trained network's forward pass in double precision, no allocation.
   */
  private reconstructionError(a: Float64Array, off: number): number {
    const { d } = this;
    const { window: W, hidden: H, scoreSteps } = this.params;
    const w = this.weights!;
    const G = 4 * H;
    const { h, c, z, zin } = this;
    const eK = 0, eR = eK + d * G, eB = eR + H * G, dK = eB + G, dR = dK + H * G, dB = dR + H * G, oK = dB + G, oB = oK + H * d;
    h.fill(0);
    c.fill(0);
    for (let t = 0; t < W; t++) {
      for (let g = 0; g < G; g++) {
        let s = w[eB + g];
        for (let j = 0; j < d; j++) s += a[off + t * d + j] * w[eK + j * G + g];
        for (let k = 0; k < H; k++) s += h[k] * w[eR + k * G + g];
        z[g] = s;
      }
      lstmStep(z, h, c, H);
    }
    for (let g = 0; g < G; g++) {
      let s = w[dB + g];
      for (let k = 0; k < H; k++) s += h[k] * w[dK + k * G + g];
      zin[g] = s;
    }
    h.fill(0);
    c.fill(0);
    let sse = 0;
    for (let t = 0; t < W; t++) {
      for (let g = 0; g < G; g++) {
        let s = zin[g];
        for (let k = 0; k < H; k++) s += h[k] * w[dR + k * G + g];
        z[g] = s;
      }
      lstmStep(z, h, c, H);
      if (t < W - scoreSteps) continue;
      for (let j = 0; j < d; j++) {
        let y = w[oB + j];
        for (let k = 0; k < H; k++) y += h[k] * w[oK + k * d + j];
        const e = y - a[off + t * d + j];
        sse += e * e;
      }
    }
    return Math.sqrt(sse / (scoreSteps * d));
  }
}

/** One LSTM cell update from gate pre-activations z = [i, f, g, o] (tfjs/Keras order), in place. */
function lstmStep(z: Float64Array, h: Float64Array, c: Float64Array, H: number): void {
  for (let k = 0; k < H; k++) {
    const i = sigmoid(z[k]);
    const f = sigmoid(z[H + k]);
    const g = Math.tanh(z[2 * H + k]);
    const o = sigmoid(z[3 * H + k]);
    c[k] = f * c[k] + i * g;
    h[k] = o * Math.tanh(c[k]);
  }
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

function quantileSorted(a: Float64Array, q: number): number {
  const pos = q * (a.length - 1);
  const lo = Math.floor(pos);
  return lo + 1 < a.length ? a[lo] + (pos - lo) * (a[lo + 1] - a[lo]) : a[lo];
}

function weightCount(d: number, H: number): number {
  return (d + H + 1) * 4 * H + (2 * H + 1) * 4 * H + (H + 1) * d;
}

/** The tfjs-layers model whose forward pass `reconstructionError` mirrors; initialisers seeded from `seed`. */
function buildModel(W: number, d: number, H: number, seed: number): tfl.Sequential {
  const init = (k: number) => tfl.initializers.glorotUniform({ seed: hash32(seed, k) });
  const lstm = (k: number, extra: object) => tfl.layers.lstm({ units: H, recurrentActivation: 'sigmoid', unitForgetBias: true, kernelInitializer: init(k), recurrentInitializer: init(k + 1), ...extra });
  const model = tfl.sequential();
  // Layers build (and initialise their weights) as they are added; the tidy frees the temporaries that
  // unitForgetBias's initialiser would otherwise leak (4 tensors per LSTM in tfjs-layers 4.22).
  tf.tidy(() => {
    model.add(lstm(1, { inputShape: [W, d] }));
    model.add(tfl.layers.repeatVector({ n: W }));
    model.add(lstm(3, { returnSequences: true }));
    model.add(tfl.layers.timeDistributed({ layer: tfl.layers.dense({ units: d, kernelInitializer: init(5) }) }));
  });
  return model;
}

function getWeights(model: tfl.LayersModel): Float32Array {
  const parts = model.getWeights().map((t) => t.dataSync() as Float32Array);
  const out = new Float32Array(parts.reduce((s, a) => s + a.length, 0));
  let at = 0;
  for (const a of parts) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}

function setWeights(model: tfl.LayersModel, w: Float32Array, d: number, H: number): void {
  const G = 4 * H;
  const shapes: number[][] = [[d, G], [H, G], [G], [H, G], [H, G], [G], [H, d], [d]];
  let at = 0;
  const ts = shapes.map((s) => {
    const n = s.reduce((a, b) => a * b, 1);
    const t = tf.tensor(w.subarray(at, at + n), s);
    at += n;
    return t;
  });
  model.setWeights(ts);
  tf.dispose(ts);
}

