/**
 * 1-D convolutional classifier over windows of a series: each row of the frame is one window, its
 * columns the window's per-step values flattened step by step.
 *
 * Frame contract: columns named `<channel>@<step>`, steps 0 … W − 1 (oldest first), step-major (every
 * channel of step 0, then of step 1, …) with the same channels in the same order at every step, so a row
 * is a `[W, C]` window. {@link stackWindows} builds such a frame from a time-ordered frame of rows of
 * several series (e.g. `kad simulate --export-labeled`'s per-pod rows, with their pods); Nezha windows
 * are built the same way from each pod's per-minute series (src/evaluate/nezha-sequences.ts). A frame
 * whose names do not follow the pattern is one step of `cols` channels (the convolutions then see one
 * step: a dense network).
 *
 * The net: `filters.length` convolutions along the steps (kernel `kernelSize`, 'same' padding, ReLU,
 * dropout), global average and max pooling over the steps, dense ReLU layers (`hidden`), softmax. Trained
 * by neural.ts (Adam, weighted cross-entropy, L2, early stopping, seeded); inputs standardised per column
 * with missing values imputed by the training mean (features/standard-scaler.ts).
 */
import { InputError } from '../core/errors.js';
import type { Frame } from '../core/frame.js';
import { paramReader, intIn } from '../core/params.js';
import { tf } from '../core/tf.js';
import type { ClassifierSnapshot } from './classifier.js';
import { intListParam, NeuralClassifier, readTrainParams, TRAIN_PARAMS, type Net, type TrainParams, type WeightSpec } from './neural.js';

/** CNN settings: the layers and the training settings of neural.ts. */
export interface CnnParams extends TrainParams {
  /** Filters of each convolution (default [32, 32]). */
  filters?: number[];
  /** Steps each convolution sees (default 3; at most the window length is used). */
  kernelSize?: number;
  /** Widths of the dense layers after pooling (default [32]). */
  hidden?: number[];
}

const KIND = 'cnn';
const FORMAT_VERSION = 1;

/** Checks CNN settings and fills in defaults; throws {@link InputError} naming a bad one. */
export function resolveCnnParams(p: Record<string, unknown>): Required<CnnParams> {
  const num = paramReader(KIND, p, ['filters', 'kernelSize', 'hidden', ...TRAIN_PARAMS]);
  return {
    filters: intListParam(KIND, p, 'filters', [32, 32], 1), kernelSize: num('kernelSize', 3, intIn(1, 1000), 'an integer from 1 to 1000'),
    hidden: intListParam(KIND, p, 'hidden', [32]), ...readTrainParams(num),
  };
}

/** The window shape of a frame's columns: `steps` × `channels` (see the module comment). Throws {@link InputError} when the `@<step>` names are not step-major. */
export function windowShape(names: readonly string[]): { steps: number; channels: string[] } {
  const parsed = names.map((n) => /^(.*)@(\d+)$/.exec(n));
  if (parsed.some((m) => m === null)) return { steps: 1, channels: [...names] };
  const steps = Math.max(...parsed.map((m) => Number(m![2]))) + 1;
  const C = names.length / steps;
  const channels = parsed.slice(0, C).map((m) => m![1]);
  for (let j = 0; j < names.length; j++) {
    const want = `${channels[j % C]}@${Math.floor(j / C)}`;
    if (!Number.isInteger(C) || names[j] !== want) {
      throw new InputError(`${KIND}: column ${j + 1} is ${JSON.stringify(names[j])}, expected ${JSON.stringify(Number.isInteger(C) ? want : '<channel>@<step>')}: the columns must be <channel>@<step>, every channel of step 0, then of step 1, …`);
    }
  }
  return { steps, channels };
}

/**
 * Windows of `steps` rows from a frame of several time-ordered series interleaved (`groups[i]` names row
 * i's series, e.g. its pod): row i becomes the values of its series' last `steps` rows up to and
 * including i, oldest first, named `<name>@<step>`; steps before the series' first row are missing (NaN).
 * One output row per input row, in the same order, so labels stay aligned.
 */
export function stackWindows(frame: Frame, groups: readonly string[], steps: number): Frame {
  if (groups.length !== frame.rows) throw new InputError(`stackWindows: ${groups.length} groups for ${frame.rows} rows`);
  if (!(Number.isInteger(steps) && steps >= 1)) throw new InputError(`stackWindows: steps must be an integer >= 1, got ${steps}`);
  const d = frame.cols, W = steps;
  const data = new Float64Array(frame.rows * W * d).fill(NaN);
  const seen = new Map<string, number[]>();
  for (let i = 0; i < frame.rows; i++) {
    const past = seen.get(groups[i]) ?? [];
    past.push(i);
    if (past.length > W) past.shift();
    seen.set(groups[i], past);
    const off = W - past.length;
    past.forEach((r, k) => data.set(frame.data.subarray(r * d, (r + 1) * d), i * W * d + (off + k) * d));
  }
  const names = Array.from({ length: W }, (_, k) => frame.names.map((n) => `${n}@${k}`)).flat();
  return { names, rows: frame.rows, cols: W * d, data, ...(frame.times ? { times: frame.times } : {}) };
}

/** The network for windows of `W` steps × `C` channels and `K` classes. */
function convNet(W: number, C: number, K: number, p: Required<CnnParams>): Net {
  const k = Math.min(p.kernelSize, W);
  const weights: WeightSpec[] = [];
  let inC = C;
  for (const f of p.filters) {
    weights.push({ shape: [k, inC, f], kernel: true, fans: [k * inC, k * f] }, { shape: [f], kernel: false });
    inC = f;
  }
  const widths = [2 * inC, ...p.hidden, K];
  for (let l = 1; l < widths.length; l++) weights.push({ shape: [widths[l - 1], widths[l]], kernel: true }, { shape: [widths[l]], kernel: false });
  const nConv = p.filters.length;
  return {
    weights,
    logits(w, x, drop) {
      let h = tf.reshape(x, [-1, W, C]) as tf.Tensor3D;
      for (let l = 0; l < nConv; l++) {
        // A 'same' convolution as one matMul of the unfolded windows ([B, W, k·C]) by the kernel ([k·C, F]):
        // tfjs's conv1d has no gradient kernel on wasm, slice, concat and matMul have one everywhere.
        const c = h.shape[2], f = p.filters[l];
        const padded = tf.pad(h, [[0, 0], [(k - 1) >> 1, k - 1 - ((k - 1) >> 1)], [0, 0]]);
        const unfolded = k === 1 ? padded : tf.concat(Array.from({ length: k }, (_, o) => tf.slice(padded, [0, o, 0], [-1, W, c])), 2);
        const z = tf.matMul(tf.reshape(unfolded, [-1, k * c]) as tf.Tensor2D, tf.reshape(w[2 * l], [k * c, f]) as tf.Tensor2D);
        h = drop(tf.relu(tf.add(tf.reshape(z, [-1, W, f]), w[2 * l + 1]))) as tf.Tensor3D;
      }
      let z = tf.concat([tf.mean(h, 1), tf.max(h, 1)], 1) as tf.Tensor2D;
      for (let l = 0; l < widths.length - 1; l++) {
        const o = 2 * (nConv + l);
        z = tf.add(tf.matMul(z, w[o] as tf.Tensor2D), w[o + 1]) as tf.Tensor2D;
        if (l < widths.length - 2) z = drop(tf.relu(z)) as tf.Tensor2D;
      }
      return z;
    },
  };
}

/** The 1-D CNN; see the module comment. */
export class CnnClassifier extends NeuralClassifier<CnnParams> {
  readonly kind = KIND;
  protected readonly formatVersion = FORMAT_VERSION;

  /** An unfitted model; `seed` sets the initial weights, the validation split, the shuffles and the dropout masks. */
  constructor(params: CnnParams = {}, seed = 0) {
    super(resolveCnnParams(params as Record<string, unknown>), seed >>> 0);
  }

  protected buildNet(features: readonly string[], classes: readonly string[]): Net {
    const { steps, channels } = windowShape(features);
    return convNet(steps, channels.length, classes.length, this.params);
  }

  /** Restores a model saved by {@link CnnClassifier.toJSON}; throws {@link ModelFormatError} naming the bad field. */
  static fromJSON(s: ClassifierSnapshot): CnnClassifier {
    return NeuralClassifier.restore(s, KIND, FORMAT_VERSION, (p, seed) => new CnnClassifier(p as CnnParams, seed));
  }
}
