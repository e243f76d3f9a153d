/**
 * Models as data (CONVENTIONS.md point 9): the envelope every saved model has (kind, formatVersion,
 * params, state) and its check on load; and what a model says about one point (a feature's
 * contribution), which alerts carry.
 */
import { ModelFormatError } from './errors.js';

/** What a detector saves: plain JSON, with its kind and format version checked on load. */
export interface DetectorSnapshot {
  kind: string;
  formatVersion: number;
  params: Record<string, unknown>;
  state: unknown;
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

/** Checks a snapshot's envelope: throws {@link ModelFormatError} unless it has this `kind` and `formatVersion`. */
export function checkSnapshot(s: DetectorSnapshot, kind: string, formatVersion: number): void {
  if (typeof s !== 'object' || s === null) throw new ModelFormatError(`expected a "${kind}" snapshot object, got ${s === null ? 'null' : typeof s}`);
  if (s.kind !== kind) throw new ModelFormatError(`expected a snapshot of kind "${kind}", got kind ${JSON.stringify(s.kind)}`);
  if (s.formatVersion !== formatVersion) {
    throw new ModelFormatError(`"${kind}" snapshot has formatVersion ${JSON.stringify(s.formatVersion)}; this version of kad reads formatVersion ${formatVersion}`);
  }
}
