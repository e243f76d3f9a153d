/**
 * Pipelines (CONVENTIONS.md point 5): a transformer in front of a detector, itself a detector, as
 * River's `compose.Pipeline(scaler, detector)`.
 *
 * The kind is the steps' kinds joined by "|", e.g. `standard-scaler|iforest`, so a saved pipeline says
 * what is inside it; the registry (`index.ts`) loads any such kind from its steps. Streaming follows
 * River: `learnOne` updates the transformer, then passes the transformed point to the detector;
 * `scoreOne` transforms with the current state and scores, into a buffer allocated when the
 * transformer's dimension changes (on learning), never when scoring. Batch: `fit` fits the
 * transformer on the frame, then the detector on the transformed frame; detectors without
 * `fit`/`score` learn and score point by point instead.
 */
import type { Features, Frame } from '../core/frame.js';
import { ModelFormatError } from '../core/errors.js';
import type { BatchDetector, Detector } from './base.js';
import type { DetectorSnapshot } from '../core/snapshot.js';

/** A stateful feature transform that can stand in front of a detector (e.g. `StandardScaler`). */
export interface Transformer {
  /** Snapshot kind, e.g. "standard-scaler"; the first part of the pipeline's kind. */
  readonly kind: string;
  /** Output width: the learned dimension (0 before any data). */
  readonly dims: number;
  /** Updates the transform's state with one point. */
  learnOne(x: Features): void;
  /** Writes the transformed point into `out` (length `dims`) and returns it; must not allocate. */
  transformOne(x: Features, out: Float64Array): Float64Array;
  /** Forgets its state and learns every row of `frame`. */
  fit(frame: Frame): unknown;
  /** Returns a new frame of `dims` columns with every row transformed. */
  transform(frame: Frame): Frame;
  /** Saves the state as a snapshot (`{ kind, formatVersion, params, state }`). */
  toJSON(): DetectorSnapshot;
}

const FORMAT_VERSION = 1;

/** A transformer followed by a detector, with the detector's interfaces. */
export class Pipeline implements Detector, BatchDetector {
  /** `<transformer kind>|<detector kind>`. */
  readonly kind: string;
  private buf = new Float64Array(0);

  /** Chains `transformer` into `detector`; both keep their own state and seeds. */
  constructor(
    readonly transformer: Transformer,
    readonly detector: Detector & Partial<BatchDetector>,
  ) {
    this.kind = `${transformer.kind}|${detector.kind}`;
    this.resize();
  }

  /** The detector's threshold (scores are the detector's). */
  get threshold(): number {
    return this.detector.threshold;
  }

  /** Learns the transformer from `x`, then the detector from the transformed `x`. */
  learnOne(x: Features, t: number): void {
    this.transformer.learnOne(x);
    this.resize();
    this.detector.learnOne(this.transformer.transformOne(x, this.buf), t);
  }

  /** Transforms `x` into a preallocated buffer and scores it. Does not allocate. */
  scoreOne(x: Features, t: number): number {
    return this.detector.scoreOne(this.transformer.transformOne(x, this.buf), t);
  }

  /** Fits the transformer on `frame`, then the detector on the transformed frame. */
  fit(frame: Frame): void {
    this.transformer.fit(frame);
    this.resize();
    const z = this.transformer.transform(frame);
    if (this.detector.fit) {
      this.detector.fit(z);
    } else {
      for (let i = 0; i < z.rows; i++) this.detector.learnOne(z.data.subarray(i * z.cols, (i + 1) * z.cols), z.times?.[i] ?? 0);
    }
  }

  /** Scores every row of `frame` through the transformer and the detector. */
  score(frame: Frame): Float64Array {
    const z = this.transformer.transform(frame);
    if (this.detector.score) return this.detector.score(z);
    const out = new Float64Array(z.rows);
    for (let i = 0; i < z.rows; i++) out[i] = this.detector.scoreOne(z.data.subarray(i * z.cols, (i + 1) * z.cols), z.times?.[i] ?? 0);
    return out;
  }

  /** Saves both steps: `{ kind, formatVersion: 1, params: {}, state: { steps: [transformer, detector] } }`. */
  toJSON(): DetectorSnapshot {
    return { kind: this.kind, formatVersion: FORMAT_VERSION, params: {}, state: { steps: [this.transformer.toJSON(), this.detector.toJSON()] } };
  }

  /**
   * Restores a pipeline saved by {@link Pipeline.toJSON}, loading its steps with the given loaders
   * (the registry passes its own, so this file need not know every kind). Throws
   * {@link ModelFormatError} when the envelope or the steps do not match the kind.
   */
  static fromJSON(
    s: DetectorSnapshot,
    loadTransformer: (s: DetectorSnapshot) => Transformer,
    loadDetector: (s: DetectorSnapshot) => Detector & Partial<BatchDetector>,
  ): Pipeline {
    const parts = typeof s?.kind === 'string' ? s.kind.split('|') : [];
    if (parts.length !== 2) throw new ModelFormatError(`expected a pipeline kind "<transformer>|<detector>", got kind ${JSON.stringify(s?.kind)}`);
    if (s.formatVersion !== FORMAT_VERSION) {
      throw new ModelFormatError(`"${s.kind}" snapshot has formatVersion ${JSON.stringify(s.formatVersion)}; this version of kad reads formatVersion ${FORMAT_VERSION}`);
    }
    const steps = (s.state as { steps?: unknown } | null)?.steps;
    if (!Array.isArray(steps) || steps.length !== 2) throw new ModelFormatError(`"${s.kind}" snapshot: field "state.steps" must hold 2 snapshots`);
    for (let i = 0; i < 2; i++) {
      if (steps[i]?.kind !== parts[i]) {
        throw new ModelFormatError(`"${s.kind}" snapshot: step ${i} has kind ${JSON.stringify(steps[i]?.kind)}, expected "${parts[i]}"`);
      }
    }
    return new Pipeline(loadTransformer(steps[0] as DetectorSnapshot), loadDetector(steps[1] as DetectorSnapshot));
  }

  private resize(): void {
    if (this.buf.length !== this.transformer.dims) this.buf = new Float64Array(this.transformer.dims);
  }
}

/** Builds a {@link Pipeline}: `pipeline(new StandardScaler(), new IsolationForest(params, seed))`. */
export function pipeline(transformer: Transformer, detector: Detector & Partial<BatchDetector>): Pipeline {
  return new Pipeline(transformer, detector);
}
