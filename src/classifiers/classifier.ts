/**
 * The supervised classifier protocol: fit on a frame and its labels, answer class probabilities, save
 * as data. Every algorithm in this folder implements {@link Classifier}; `index.ts` creates and loads
 * them by kind.
 */
import type { Frame } from '../core/frame.js';
import type { DetectorSnapshot } from '../core/snapshot.js';

/** A saved classifier: `{ kind, formatVersion, params, state }`, checked on load. */
export type ClassifierSnapshot = DetectorSnapshot;

/** Per-fit options. */
export interface FitOptions {
  /** Weight of each row (default 1). */
  sampleWeight?: Float64Array;
  /** "balanced": weight each class by rows / (classes × class rows), as scikit-learn; or weights by class name. */
  classWeight?: 'balanced' | Readonly<Record<string, number>>;
  /** Told the units of work done of all (`unit`: trees, rounds, epochs, fits), for progress on a long fit. Ignored by quick kinds. */
  onProgress?: (done: number, total: number, unit: string) => void;
  /** Told a line worth saying about the fit, such as a setting it had to change (the random forest's leaf size). */
  onNote?: (line: string) => void;
}

/** A supervised classifier: `fit`, then `predictProba` for as many frames as needed. */
export interface Classifier {
  /** Registry key and snapshot kind, e.g. "random-forest". */
  readonly kind: string;
  /** The class names, sorted; probabilities come in this order. Empty before `fit`. */
  readonly classes: readonly string[];
  /** Fits on every row of `frame`; `labels[i]` is row i's class. Seeded: the same seed and data give the same model. */
  fit(frame: Frame, labels: readonly string[], opts?: FitOptions): void;
  /** Class probabilities, rows × classes, row-major; missing features (NaN) allowed. */
  predictProba(frame: Frame): Float64Array;
  /** The model as JSON-safe data (typed arrays as base64). */
  toJSON(): ClassifierSnapshot;
}
