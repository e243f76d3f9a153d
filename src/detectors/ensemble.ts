/**
 * The ensemble: a core detector whose score is already on the common scale, and several detectors,
 * each calibrated to that scale, combined into one score: the larger of the core's score and the
 * calibrated members' score (both read 0.5 as "anomalous").
 *
 * The default core is `novelty` (novelty.ts): multi-scale and time-of-day range novelty, scored at the
 * onset of a move only. It is what makes the default detector quiet on noisy series and early on new
 * behaviour (NAB standard 74.6; see the issue-4 notes in novelty.ts). There are no calibrated members
 * by default: the former default members (robust-z window 60, zmax) on top of the core cost NAB
 * points (66.5 at s50 4, 73.9 at s50 8) and changed nothing on ASD or Nezha. `core: null` with
 * `members` gives the former ensemble.
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
import { zToScore } from '../core/score-map.js';
import { resolveTailParams, TailCalibrator, type TailCalibratorParams, type TailCalibratorState } from '../stats/tail-calibrator.js';
import { type Detector, type Explainer } from './base.js';
import { checkSnapshot, type DetectorSnapshot, type FeatureContribution } from '../core/snapshot.js';

const KIND = 'ensemble';
/** 2: a `core` detector (formatVersion 1 snapshots load with no core). */
const FORMAT_VERSION = 2;
const PARAMS = ['core', 'members', 's50', 'power', 'calibration'];

/** One member: a detector kind and its settings. */
export interface EnsembleMember {
  kind: string;
  params?: Record<string, unknown>;
}

/** Settings of {@link EnsembleDetector}; every field has a default. */
export interface EnsembleParams {
  /** The core detector, used uncalibrated (default {@link DEFAULT_CORE}; null for none). */
  core?: EnsembleMember | null;
  /** The calibrated members (default {@link DEFAULT_MEMBERS}). */
  members?: EnsembleMember[];
  /** Surprise −log10 p at which the score is 0.5 (default 4). */
  s50?: number;
  /** Steepness of the mapping (default 3). */
  power?: number;
  /** Settings of each member's tail calibrator. */
  calibration?: TailCalibratorParams;
}

/** The default core: range novelty with its defaults. */
export const DEFAULT_CORE: Readonly<EnsembleMember> = Object.freeze({ kind: 'novelty' });

/** The default calibrated members: none (the core alone). */
export const DEFAULT_MEMBERS: readonly EnsembleMember[] = Object.freeze([]);

type Make = (kind: string, params: Record<string, unknown>, seed: number) => Detector;

const isMember = (m: unknown): m is EnsembleMember => typeof (m as EnsembleMember)?.kind === 'string' && (m as EnsembleMember).kind !== KIND;

function resolve(p: Record<string, unknown>): Required<Omit<EnsembleParams, 'calibration'>> & { calibration: Required<TailCalibratorParams> } {
  const unknown = Object.keys(p).filter((k) => !PARAMS.includes(k));
  if (unknown.length > 0) throw new InputError(`ensemble: unknown parameter "${unknown[0]}"; known: ${PARAMS.join(', ')}`);
  const core = p.core === undefined ? DEFAULT_CORE : (p.core as EnsembleMember | null);
  if (core !== null && !isMember(core)) throw new InputError('ensemble: core must be null or { kind, params? } (an ensemble cannot be the core)');
  const members = (p.members ?? DEFAULT_MEMBERS) as EnsembleMember[];
  if (!Array.isArray(members) || !members.every(isMember) || (members.length === 0 && core === null)) {
    throw new InputError('ensemble: members must be an array of { kind, params? }, non-empty when there is no core (an ensemble cannot be a member)');
  }
  const s50 = p.s50 ?? 4;
  const power = p.power ?? 3;
  if (typeof s50 !== 'number' || !(s50 > 0 && s50 < 300)) throw new InputError(`ensemble: s50 must be a number in (0, 300), got ${JSON.stringify(s50)}`);
  if (typeof power !== 'number' || !(power > 0 && power < 100)) throw new InputError(`ensemble: power must be a number in (0, 100), got ${JSON.stringify(power)}`);
  const calibration = resolveTailParams((p.calibration ?? {}) as TailCalibratorParams, 'ensemble.calibration');
  const copy = (m: EnsembleMember): EnsembleMember => ({ kind: m.kind, params: { ...(m.params ?? {}) } });
  return { core: core && copy(core), members: members.map(copy), s50, power, calibration };
}

/** Calibrated ensemble of detectors; see the module comment. */
export class EnsembleDetector implements Detector, Explainer {
  /** Registry key and snapshot kind. */
  readonly kind = KIND;
  /** Score at p = 10^−s50 (Bonferroni-corrected over members). */
  readonly threshold = 0.5;
  private readonly p: ReturnType<typeof resolve>;
  private readonly core: Detector | null;
  private readonly members: Detector[];
  private readonly calibrators: TailCalibrator[];
  private readonly raw: Float64Array;
  private rawT = NaN;
  private readonly log10M: number;

  /**
   * @param params settings (see {@link EnsembleParams}); a bad one throws {@link InputError}
   * @param seed member i gets seed + i, the core seed + (number of members)
   * @param make builds a member or the core (the registry's `createDetector`)
   */
  constructor(params: EnsembleParams, seed: number, make: Make, restored?: { core: Detector | null; members: Detector[]; calibrators: TailCalibrator[] }) {
    this.p = resolve(params as Record<string, unknown>);
    const core = this.p.core;
    this.core = restored ? restored.core : core && make(core.kind, core.params ?? {}, seed + this.p.members.length);
    this.members = restored?.members ?? this.p.members.map((m, i) => make(m.kind, m.params ?? {}, seed + i));
    this.calibrators = restored?.calibrators ?? this.members.map(() => new TailCalibrator(this.p.calibration));
    this.raw = new Float64Array(this.members.length);
    this.log10M = Math.log10(this.members.length);
  }

  /** The core's kind (null without a core). */
  get coreKind(): string | null {
    return this.core?.kind ?? null;
  }

  /** The calibrated members' kinds, in order. */
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
    let s = 0;
    if (this.core) {
      const c = this.core.scoreOne(x, t);
      s = Number.isFinite(c) ? c : c === Infinity ? 1 : 0;
    }
    if (this.members.length === 0) return s;
    this.scoreRaw(x, t);
    return Math.max(s, zToScore(this.surprise(), this.p.s50, this.p.power));
  }

  learnOne(x: Features, t: number): void {
    if (this.members.length > 0 && t !== this.rawT) this.scoreRaw(x, t);
    for (let i = 0; i < this.members.length; i++) {
      this.calibrators[i].learn(this.raw[i]);
      this.members[i].learnOne(x, t);
    }
    this.core?.learnOne(x, t);
    this.rawT = NaN;
  }

  /** The explanation of the core, else of the first member that explains (allocates; for alerts, not scoring). */
  explain(x: Features, names: readonly string[]): FeatureContribution[] {
    for (const m of this.core ? [this.core, ...this.members] : this.members) if (typeof (m as Partial<Explainer>).explain === 'function') return (m as Detector & Explainer).explain(x, names);
    return [];
  }

  toJSON(): DetectorSnapshot {
    return {
      kind: KIND,
      formatVersion: FORMAT_VERSION,
      params: { core: this.p.core, members: this.p.members, s50: this.p.s50, power: this.p.power, calibration: this.p.calibration },
      state: { core: this.core?.toJSON() ?? null, members: this.members.map((m) => m.toJSON()), calibrators: this.calibrators.map((c) => c.toJSON()) },
    };
  }

  /**
   * Restores an ensemble saved by {@link EnsembleDetector.toJSON}; `load` restores members and the core
   * (the registry's loadDetector). A formatVersion 1 snapshot (before cores) loads with no core.
   */
  static fromJSON(s: DetectorSnapshot, load: (m: DetectorSnapshot) => Detector): EnsembleDetector {
    if (s?.kind === KIND && s.formatVersion === 1) {
      s = { ...s, formatVersion: FORMAT_VERSION, params: { ...s.params, core: null }, state: { ...(s.state as object), core: null } };
    }
    checkSnapshot(s, KIND, FORMAT_VERSION);
    const st = s.state as { core?: unknown; members?: unknown; calibrators?: unknown };
    const n = Array.isArray((s.params as EnsembleParams)?.members) ? (s.params as EnsembleParams).members!.length : -1;
    if (!Array.isArray(st?.members) || !Array.isArray(st.calibrators) || st.members.length !== n || st.calibrators.length !== n) {
      throw new ModelFormatError('ensemble model: state must have "members" and "calibrators" arrays, one per member in params.members');
    }
    const p = resolve(s.params);
    if ((p.core === null) !== (st.core === null) || (st.core !== null && typeof st.core !== 'object')) {
      throw new ModelFormatError('ensemble model: state.core must be a snapshot when params.core is set, and null when it is null');
    }
    const calibrators = (st.calibrators as TailCalibratorState[]).map((c) => TailCalibrator.fromJSON(p.calibration, c));
    const members = (st.members as DetectorSnapshot[]).map((m) => load(m));
    const core = st.core === null ? null : load(st.core as DetectorSnapshot);
    return new EnsembleDetector(s.params as EnsembleParams, 0, () => {
      throw new ModelFormatError('unreachable');
    }, { core, members, calibrators });
  }
}
