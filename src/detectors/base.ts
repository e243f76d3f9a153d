/**
 * The detector protocol (CONVENTIONS.md point 3). A detector only scores: a number in [0, 1], higher
 * = more anomalous, causal (uses data at or before t). Deciding what is an alert is `policy/`'s job.
 */
import type { Features, Frame } from '../core/frame.js';
import type { DetectorSnapshot, FeatureContribution } from '../core/snapshot.js';

/** A streaming detector (River style). `x` may be longer than trained (extras ignored) or hold NaN (missing). */
export interface Detector {
  /** Registry key, e.g. "iforest". */
  readonly kind: string;
  /** Learns from one point observed at time `t` (epoch ms). */
  learnOne(x: Features, t: number): void;
  /** Scores one point in [0, 1]; must not allocate on the hot path. */
  scoreOne(x: Features, t: number): number;
  /** The score above which this detector alone would call a point anomalous (from its contamination). */
  readonly threshold: number;
  /** Saves the detector as data. */
  toJSON(): DetectorSnapshot;
}

/** A detector that can say which features made a point anomalous (largest first). */
export interface Explainer {
  explain(x: Features, names: readonly string[]): FeatureContribution[];
}

/** A fit-then-score detector (PyOD style). */
export interface BatchDetector {
  fit(frame: Frame): void;
  /**
   * {@link fit}'s work yielding between units, for a detector whose fit can take long (lstm-ae): a
   * command drives it with core/steps.ts `runStepsAsync` and stays stoppable. Optional.
   */
  fitSteps?(frame: Frame): Generator<void, void, void>;
  score(frame: Frame): Float64Array;
}
