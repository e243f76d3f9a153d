/**
 * The detector protocol (CONVENTIONS.md point 3). A detector only scores: a number in [0, 1], higher
 * = more anomalous, causal (uses data at or before t). Deciding what is an alert is `policy/`'s job.
 */
import type { Features, Frame } from '../core/frame.js';
import { ModelFormatError } from '../core/errors.js';

/** What a detector saves: plain JSON, with its kind and format version checked on load. */
export interface DetectorSnapshot {
  kind: string;
  formatVersion: number;
  params: Record<string, unknown>;
  state: unknown;
}

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

/** How far one feature of a point is from what a detector learned. */
export interface FeatureContribution {
  name: string;
  value: number;
  /** Distance from the learned centre in learned spreads (scale floors applied). */
  z: number;
  /** The range the detector considers normal: [low, high]. */
  expected: [number, number];
}

/** A detector that can say which features made a point anomalous (largest first). */
export interface Explainer {
  explain(x: Features, names: readonly string[]): FeatureContribution[];
}

/** A fit-then-score detector (PyOD style). */
export interface BatchDetector {
  fit(frame: Frame): void;
  score(frame: Frame): Float64Array;
}

/** Checks a snapshot's envelope: throws {@link ModelFormatError} unless it has this `kind` and `formatVersion`. */
export function checkSnapshot(s: DetectorSnapshot, kind: string, formatVersion: number): void {
  if (typeof s !== 'object' || s === null) throw new ModelFormatError(`expected a "${kind}" snapshot object, got ${s === null ? 'null' : typeof s}`);
  if (s.kind !== kind) throw new ModelFormatError(`expected a snapshot of kind "${kind}", got kind ${JSON.stringify(s.kind)}`);
  if (s.formatVersion !== formatVersion) {
    throw new ModelFormatError(`"${kind}" snapshot has formatVersion ${JSON.stringify(s.formatVersion)}; this version of kad reads formatVersion ${formatVersion}`);
  }
}
