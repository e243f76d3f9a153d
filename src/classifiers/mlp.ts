/**
 * Multi-layer perceptron: dense ReLU layers (`hidden` widths) with dropout after each, then a dense
 * softmax layer, trained with TensorFlow.js by neural.ts (Adam, weighted cross-entropy, L2 on the
 * kernels, early stopping on a stratified validation split; seeded). Inputs are standardised and a
 * missing value is imputed by the training mean (features/standard-scaler.ts, as logistic.ts does).
 * Class weights come through `fit`'s options. The weights are saved as base64 float32.
 */
import { tf } from '../core/tf.js';
import { paramReader } from '../core/params.js';
import type { ClassifierSnapshot } from './classifier.js';
import { intListParam, NeuralClassifier, readTrainParams, TRAIN_PARAMS, type Net, type TrainParams, type WeightSpec } from './neural.js';

/** MLP settings: the layer widths and the training settings of neural.ts. */
export interface MlpParams extends TrainParams {
  /** Widths of the hidden layers (default [64, 32]). */
  hidden?: number[];
}

const KIND = 'mlp';
const FORMAT_VERSION = 1;

/** Checks MLP settings and fills in defaults; throws {@link InputError} naming a bad one. */
export function resolveMlpParams(p: Record<string, unknown>): Required<MlpParams> {
  const num = paramReader(KIND, p, ['hidden', ...TRAIN_PARAMS]);
  return { hidden: intListParam(KIND, p, 'hidden', [64, 32]), ...readTrainParams(num) };
}

/** Dense layers `d → hidden… → K`. */
export function denseNet(d: number, hidden: readonly number[], K: number): Net {
  const widths = [d, ...hidden, K];
  const weights: WeightSpec[] = [];
  for (let l = 1; l < widths.length; l++) weights.push({ shape: [widths[l - 1], widths[l]], kernel: true }, { shape: [widths[l]], kernel: false });
  return {
    weights,
    logits(w, x, drop) {
      let h: tf.Tensor2D = x;
      for (let l = 0; l < hidden.length; l++) h = drop(tf.relu(tf.add(tf.matMul(h, w[2 * l] as tf.Tensor2D), w[2 * l + 1]))) as tf.Tensor2D;
      const L = hidden.length;
      return tf.add(tf.matMul(h, w[2 * L] as tf.Tensor2D), w[2 * L + 1]) as tf.Tensor2D;
    },
  };
}

/** The multi-layer perceptron; see the module comment. */
export class MlpClassifier extends NeuralClassifier<MlpParams> {
  readonly kind = KIND;
  protected readonly formatVersion = FORMAT_VERSION;

  /** An unfitted model; `seed` sets the initial weights, the validation split, the shuffles and the dropout masks. */
  constructor(params: MlpParams = {}, seed = 0) {
    super(resolveMlpParams(params as Record<string, unknown>), seed >>> 0);
  }

  protected buildNet(features: readonly string[], classes: readonly string[]): Net {
    return denseNet(features.length, this.params.hidden, classes.length);
  }

  /** Restores a model saved by {@link MlpClassifier.toJSON}; throws {@link ModelFormatError} naming the bad field. */
  static fromJSON(s: ClassifierSnapshot): MlpClassifier {
    return NeuralClassifier.restore(s, KIND, FORMAT_VERSION, (p, seed) => new MlpClassifier(p as MlpParams, seed));
  }
}
