/**
 * Max combinator: a detector whose score is the largest of its members' scores. Each member sees the
 * same features; a point is as anomalous as the most alarmed member says. Members must share a
 * decision scale (score 0.5 = "anomalous on its own"), which holds for iforest ("auto") and zmax.
 */
import { InputError, ModelFormatError } from '../core/errors.js';
import type { Features, Frame } from '../core/frame.js';
import { type BatchDetector, type Detector, type Explainer } from './base.js';
import { checkSnapshot, type DetectorSnapshot, type FeatureContribution } from '../core/snapshot.js';

const FORMAT_VERSION = 1;

/** A member: streaming and batch. */
export type Member = Detector & BatchDetector;

/** The largest score of several detectors. */
export class MaxDetector implements Detector, BatchDetector, Explainer {
  readonly kind = 'max';
  readonly members: readonly Member[];

  constructor(members: Member[]) {
    if (members.length === 0) throw new InputError('max: needs at least one member detector');
    this.members = members;
  }

  /** The smallest member threshold: the combined score passes it when any member passes its own. */
  get threshold(): number {
    let t = Infinity;
    for (const m of this.members) t = Math.min(t, m.threshold);
    return t;
  }

  learnOne(x: Features, t: number): void {
    for (const m of this.members) m.learnOne(x, t);
  }

  scoreOne(x: Features, t: number): number {
    let s = 0;
    for (let i = 0; i < this.members.length; i++) {
      const v = this.members[i].scoreOne(x, t);
      if (v > s) s = v;
    }
    return s;
  }

  /** Each member's score of `x`, in member order (for explanations). */
  memberScores(x: Features, t: number): number[] {
    return this.members.map((m) => m.scoreOne(x, t));
  }

  /** The explanation of the first member that can explain (e.g. zmax), or none. */
  explain(x: Features, names: readonly string[]): FeatureContribution[] {
    for (const m of this.members) {
      const e = (m as Partial<Explainer>).explain;
      if (e) return e.call(m, x, names);
    }
    return [];
  }

  fit(frame: Frame): void {
    for (const m of this.members) m.fit(frame);
  }

  score(frame: Frame): Float64Array {
    const out = new Float64Array(frame.rows);
    for (const m of this.members) {
      const s = m.score(frame);
      for (let i = 0; i < s.length; i++) if (s[i] > out[i]) out[i] = s[i];
    }
    return out;
  }

  toJSON(): DetectorSnapshot {
    return { kind: this.kind, formatVersion: FORMAT_VERSION, params: {}, state: { members: this.members.map((m) => m.toJSON()) } };
  }

  /** Restores a saved max detector; `load` restores each member (the registry's loadDetector). */
  static fromJSON(s: DetectorSnapshot, load: (m: DetectorSnapshot) => Detector): MaxDetector {
    checkSnapshot(s, 'max', FORMAT_VERSION);
    const members = (s.state as { members?: unknown })?.members;
    if (!Array.isArray(members)) throw new ModelFormatError('max model: state.members must be an array of detector snapshots');
    return new MaxDetector(members.map((m) => load(m as DetectorSnapshot) as Member));
  }
}
