/**
 * The ensemble: several detectors, each calibrated to a common scale, combined into one score.
 *
 * Each member scores the point; a {@link TailCalibrator} per member turns that raw score into p, the
 * share of this series' past scores from that member at least as high (so "0.97 from robust-z on a
 * noisy series" and "0.6 from zmax on a quiet one" become comparable). The combined p is the smallest
 * member p times the number of members (Bonferroni: the chance that any member is this surprised),
 * capped at 1. The score is the surprise S = −log10 p mapped to [0, 1) by `zToScore(S, s50, power)`:
 * 0.5 at S = s50 (default 4, p = 1e-4), the threshold.
 *
 * Streaming and causal: `scoreOne` keeps the members' raw scores of the point it scored; `learnOne`
 * of the same point (same `t`) feeds those to the calibrators before the members learn it, so each
 * calibrator sees scores of points not yet learned, as live scoring does. Scoring allocates nothing.
 * Members are built through the registry's `create` (passed in, no import cycle) and restored
 * through its `load`.
 */
import { InputError, ModelFormatError } from '../core/errors.js';
import type { Features } from '../core/frame.js';
import { zToScore } from './score-map.js';
import { resolveTailParams, TailCalibrator, type TailCalibratorParams, type TailCalibratorState } from './tail-calibrator.js';
import { checkSnapshot, type Detector, type DetectorSnapshot, type Explainer, type FeatureContribution } from './base.js';

const KIND = 'ensemble';
const FORMAT_VERSION = 1;
const PARAMS = ['members', 's50', 'power', 'calibration'];

/** One member: a detector kind and its settings. */
export interface EnsembleMember {
  kind: string;
  params?: Record<string, unknown>;
}

/** Settings of {@link EnsembleDetector}; every field has a default. */
export interface EnsembleParams {
  /** The members (default {@link DEFAULT_MEMBERS}). */
  members?: EnsembleMember[];
  /** Surprise −log10 p at which the score is 0.5 (default 4). */
  s50?: number;
  /** Steepness of the mapping (default 3). */
  power?: number;
  /** Settings of each member's tail calibrator. */
  calibration?: TailCalibratorParams;
}

/** The default members: a rolling robust z-score (local level) and a running z-score (global range). */
export const DEFAULT_MEMBERS: readonly EnsembleMember[] = Object.freeze([
  { kind: 'robust-z', params: { window: 60 } },
  { kind: 'zmax' },
]);

type Make = (kind: string, params: Record<string, unknown>, seed: number) => Detector;

function resolve(p: Record<string, unknown>): Required<Omit<EnsembleParams, 'calibration'>> & { calibration: Required<TailCalibratorParams> } {
  const unknown = Object.keys(p).filter((k) => !PARAMS.includes(k));
  if (unknown.length > 0) throw new InputError(`ensemble: unknown parameter "${unknown[0]}"; known: ${PARAMS.join(', ')}`);
  const members = (p.members ?? DEFAULT_MEMBERS) as EnsembleMember[];
  if (!Array.isArray(members) || members.length === 0 || !members.every((m) => typeof m?.kind === 'string' && m.kind !== KIND)) {
    throw new InputError('ensemble: members must be a non-empty array of { kind, params? } (an ensemble cannot be a member)');
  }
  const s50 = p.s50 ?? 4;
  const power = p.power ?? 3;
  if (typeof s50 !== 'number' || !(s50 > 0 && s50 < 300)) throw new InputError(`ensemble: s50 must be a number in (0, 300), got ${JSON.stringify(s50)}`);
  if (typeof power !== 'number' || !(power > 0 && power < 100)) throw new InputError(`ensemble: power must be a number in (0, 100), got ${JSON.stringify(power)}`);
  const calibration = resolveTailParams((p.calibration ?? {}) as TailCalibratorParams, 'ensemble.calibration');
  return { members: members.map((m) => ({ kind: m.kind, params: { ...(m.params ?? {}) } })), s50, power, calibration };
}

/** Calibrated ensemble of detectors; see the module comment. */
export class EnsembleDetector implements Detector, Explainer {
  /** Registry key and snapshot kind. */
  readonly kind = KIND;
  /** Score at p = 10^−s50 (Bonferroni-corrected over members). */
  readonly threshold = 0.5;
  private readonly p: ReturnType<typeof resolve>;
  private readonly members: Detector[];
  private readonly calibrators: TailCalibrator[];
  private readonly raw: Float64Array;
  private rawT = NaN;
  private readonly log10M: number;

  /**
   * @param params settings (see {@link EnsembleParams}); a bad one throws {@link InputError}
   * @param seed member i gets seed + i
   * @param make builds a member (the registry's `createDetector`)
   */
  constructor(params: EnsembleParams, seed: number, make: Make, restored?: { members: Detector[]; calibrators: TailCalibrator[] }) {
    this.p = resolve(params as Record<string, unknown>);
    this.members = restored?.members ?? this.p.members.map((m, i) => make(m.kind, m.params ?? {}, seed + i));
    this.calibrators = restored?.calibrators ?? this.members.map(() => new TailCalibrator(this.p.calibration));
    this.raw = new Float64Array(this.members.length);
    this.log10M = Math.log10(this.members.length);
  }

  /** The members' kinds, in order. */
  get memberKinds(): string[] {
    return this.members.map((m) => m.kind);
  }

  private scoreRaw(x: Features, t: number): void {
    for (let i = 0; i < this.members.length; i++) {
      const s = this.members[i].scoreOne(x, t);
      this.raw[i] = Number.isFinite(s) ? s : s === Infinity ? 1 : 0;
    }
    this.rawT = t;
  }

  /** The combined surprise −log10 p of the raw member scores in `this.raw`. */
  private surprise(): number {
    let pMin = 1;
    for (let i = 0; i < this.members.length; i++) {
      const p = this.calibrators[i].pValue(this.raw[i]);
      if (p < pMin) pMin = p;
    }
    return Math.max(0, -Math.log10(pMin) - this.log10M);
  }

  scoreOne(x: Features, t: number): number {
    this.scoreRaw(x, t);
    return zToScore(this.surprise(), this.p.s50, this.p.power);
  }

  learnOne(x: Features, t: number): void {
    if (t !== this.rawT) this.scoreRaw(x, t);
    for (let i = 0; i < this.members.length; i++) {
      this.calibrators[i].learn(this.raw[i]);
      this.members[i].learnOne(x, t);
    }
    this.rawT = NaN;
  }

  /** The explanation of the first member that explains (allocates; for alerts, not scoring). */
  explain(x: Features, names: readonly string[]): FeatureContribution[] {
    for (const m of this.members) if (typeof (m as Partial<Explainer>).explain === 'function') return (m as Detector & Explainer).explain(x, names);
    return [];
  }

  toJSON(): DetectorSnapshot {
    return {
      kind: KIND,
      formatVersion: FORMAT_VERSION,
      params: { members: this.p.members, s50: this.p.s50, power: this.p.power, calibration: this.p.calibration },
      state: { members: this.members.map((m) => m.toJSON()), calibrators: this.calibrators.map((c) => c.toJSON()) },
    };
  }

  /** Restores an ensemble saved by {@link EnsembleDetector.toJSON}; `load` restores members (the registry's loadDetector). */
  static fromJSON(s: DetectorSnapshot, load: (m: DetectorSnapshot) => Detector): EnsembleDetector {
    checkSnapshot(s, KIND, FORMAT_VERSION);
    const st = s.state as { members?: unknown; calibrators?: unknown };
    const n = Array.isArray((s.params as EnsembleParams)?.members) ? (s.params as EnsembleParams).members!.length : -1;
    if (!Array.isArray(st?.members) || !Array.isArray(st.calibrators) || st.members.length !== n || st.calibrators.length !== n) {
      throw new ModelFormatError('ensemble model: state must have "members" and "calibrators" arrays, one per member in params.members');
    }
    const p = resolve(s.params);
    const calibrators = (st.calibrators as TailCalibratorState[]).map((c) => TailCalibrator.fromJSON(p.calibration, c));
    const members = (st.members as DetectorSnapshot[]).map((m) => load(m));
    return new EnsembleDetector(s.params as EnsembleParams, 0, () => {
      throw new ModelFormatError('unreachable');
    }, { members, calibrators });
  }
}
