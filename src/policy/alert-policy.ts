/**
 * The alert policy: turns a detector's scores into alert decisions per series, the way Prometheus's
 * `rules/alerting.go` turns an expression into inactive → pending → firing states (CONVENTIONS.md
 * point 4: detectors score, this decides).
 *
 * Per series, at each scored point (time `t`, score `s`, the detector's own threshold `base`):
 * - **enter level** = max(`enter` (default: `base`), the series' calibrated level when
 *   `targetFalseAlarmsPerDay` is set and `calibrationMinPoints` scores have been seen);
 *   **exit level** = enter − `hysteresis`.
 * - A point is *hot* when `s` ≥ enter. The condition holds when at least `k` of the last `n` points were
 *   hot (K-of-N). Inactive → pending when it first holds; pending → firing once it has held for
 *   `forSeconds` (0: at once); pending → inactive when it stops holding.
 * - Firing stays firing while scores stay at or above the exit level (hysteresis), and for
 *   `keepFiringForSeconds` after they drop below it (Prometheus's `keep_firing_for`); then it
 *   resolves. After a resolution no new alert starts for `cooldownSeconds`.
 * - **Per-series calibration**: a histogram of the series' own scores (on a log scale of 1 − s, so
 *   the far tail near 1 keeps its resolution; 512 bytes a series; halved when it holds
 *   `calibrationWindow` points so it follows the recent past) gives the score exceeded by a share
 *   `targetFalseAlarmsPerDay × step / 1 day` of points, `step` being the series' typical spacing. A
 *   series whose normal scores are high thus gets a higher bar than one whose scores are quiet.
 *   Scores seen while firing are not added.
 * - **Stop learning**: with `stopLearning` (default true), a decision says `learn: false` for a hot
 *   point and for every point while pending or firing, so a detector fed only `learn: true` points
 *   does not learn an incident as normal. At most for `maxQuarantineSeconds` (default 1 hour) in a
 *   row, though: a change that lasts longer is the new normal and is learned (otherwise a detector
 *   that stops learning at a level shift would flag it forever).
 *
 * Timestamps that go backwards or repeat are treated as the latest time seen (durations never
 * shrink). NaN scores count as 0. The hot path (`observe` on an existing series) allocates nothing:
 * it returns the policy's one {@link AlertDecision} object, overwritten by the next call.
 */
import { InputError } from '../core/errors.js';
import { paramReader } from '../core/params.js';

/** Settings of {@link AlertPolicy}; every field has a default. */
export interface AlertPolicyParams {
  /** Hot points needed among the last `n` (default 2). */
  k?: number;
  /** Points in the K-of-N window (default `k`: K consecutive). */
  n?: number;
  /** Enter level; unset: the detector's own threshold. */
  enter?: number;
  /** How far below the enter level the exit level is (default 0). */
  hysteresis?: number;
  /** Seconds the condition must hold before firing (default 0). */
  forSeconds?: number;
  /** Seconds an alert keeps firing after scores drop below the exit level (default 0). */
  keepFiringForSeconds?: number;
  /** Seconds after a resolution during which no new alert starts (default 0). */
  cooldownSeconds?: number;
  /** Per-series calibration: target false alarms per series-day (unset or 0: off). */
  targetFalseAlarmsPerDay?: number;
  /** Scores a series needs before its calibrated level is used (default 500). */
  calibrationMinPoints?: number;
  /** Points after which the calibration histogram is halved (default 20,000). */
  calibrationWindow?: number;
  /** Tell the caller not to learn hot, pending and firing points (default true). */
  stopLearning?: boolean;
  /** Longest run of points kept from learning, in seconds (default 3600). */
  maxQuarantineSeconds?: number;
}

/** The `policy` section of the config (see config/schema.ts), as read. */
export interface PolicyConfig {
  consecutive: number;
  window: number;
  hysteresis: number;
  forSeconds: number;
  keepFiringForSeconds: number;
  cooldownSeconds: number;
  targetFalseAlarmsPerDay: number;
  /** Read by the flag calibrator (flag-calibrator.ts), not by the alert policy. */
  targetFalseAlarmRate?: number;
  stopLearning: boolean;
  maxQuarantineSeconds: number;
}

/** The policy settings of a config's `policy` section (`consecutive` is K; `window` N, 0 = K). */
export function policyParamsFromConfig(c: PolicyConfig): AlertPolicyParams {
  const { consecutive, window, targetFalseAlarmRate: _flagRate, ...rest } = c;
  return { ...rest, k: consecutive, n: window === 0 ? consecutive : Math.max(window, consecutive) };
}

/** Alert states, as Prometheus names them. */
export const AlertState = Object.freeze({ inactive: 0, pending: 1, firing: 2 } as const);
/** One of {@link AlertState}'s values. */
export type AlertStateValue = (typeof AlertState)[keyof typeof AlertState];

/** What the policy decided for one series at one point. */
export interface AlertDecision {
  state: AlertStateValue;
  /** True while firing. */
  firing: boolean;
  /** True on the point the alert started firing. */
  started: boolean;
  /** True on the point a firing alert resolved. */
  ended: boolean;
  /** Whether the detector should learn from this point (see `stopLearning`). */
  learn: boolean;
  /** The enter level used at this point. */
  enter: number;
}

const PARAMS = ['k', 'n', 'enter', 'hysteresis', 'forSeconds', 'keepFiringForSeconds', 'cooldownSeconds', 'targetFalseAlarmsPerDay', 'calibrationMinPoints', 'calibrationWindow', 'stopLearning', 'maxQuarantineSeconds'];
const BINS = 128;
/** Histogram bin width in u = −ln(1 − s): 128 bins cover s up to 1 − e^−16 ≈ 1 − 1.1e-7. */
const BIN_WIDTH = 0.125;

type Resolved = Required<Omit<AlertPolicyParams, 'enter'>> & { enter: number | undefined };

function resolve(p: AlertPolicyParams): Resolved {
  const num = paramReader('alert policy', p as Record<string, unknown>, PARAMS, 'setting');
  const nonNeg = (v: number) => Number.isFinite(v) && v >= 0;
  const k = num('k', 2, (v) => Number.isInteger(v) && v >= 1 && v <= 1000, 'an integer in [1, 1000]');
  const n = num('n', k, (v) => Number.isInteger(v) && v >= k && v <= 1000, `an integer in [k = ${k}, 1000]`);
  if (p.enter !== undefined) num('enter', 0, (v) => v > 0 && v < 1, 'a number in (0, 1)');
  if (p.stopLearning !== undefined && typeof p.stopLearning !== 'boolean') throw new InputError(`alert policy: stopLearning must be true or false, got ${JSON.stringify(p.stopLearning)}`);
  return {
    k, n, enter: p.enter,
    hysteresis: num('hysteresis', 0, (v) => v >= 0 && v < 1, 'a number in [0, 1)'),
    forSeconds: num('forSeconds', 0, nonNeg, 'a finite number >= 0'),
    keepFiringForSeconds: num('keepFiringForSeconds', 0, nonNeg, 'a finite number >= 0'),
    cooldownSeconds: num('cooldownSeconds', 0, nonNeg, 'a finite number >= 0'),
    targetFalseAlarmsPerDay: num('targetFalseAlarmsPerDay', 0, nonNeg, 'a finite number >= 0'),
    calibrationMinPoints: num('calibrationMinPoints', 500, (v) => Number.isInteger(v) && v >= 10, 'an integer >= 10'),
    calibrationWindow: num('calibrationWindow', 20_000, (v) => Number.isInteger(v) && v >= 100, 'an integer >= 100'),
    stopLearning: p.stopLearning ?? true,
    maxQuarantineSeconds: num('maxQuarantineSeconds', 3600, nonNeg, 'a finite number >= 0'),
  };
}

/** One series' policy state (typed fields, a bit ring for K-of-N, a score histogram). */
class SeriesState {
  state: AlertStateValue = AlertState.inactive;
  readonly ring: Uint8Array;
  ringPos = 0;
  hotCount = 0;
  lastT = -Infinity;
  pendingSince = 0;
  lastActive = 0;
  resolvedAt = -Infinity;
  /** Typical spacing in ms (EWMA of positive gaps). */
  stepMs = 0;
  /** Start of the current run of points kept from learning (NaN: none). */
  quarantineSince = NaN;
  readonly hist = new Float64Array(BINS);
  histTotal = 0;
  constructor(n: number) {
    this.ring = new Uint8Array(n);
  }
}

/** Per-series alert policy; see the module comment. */
export class AlertPolicy {
  /** The resolved settings. */
  readonly params: Readonly<Resolved>;
  private readonly series = new Map<string, SeriesState>();
  private readonly decision: AlertDecision = { state: AlertState.inactive, firing: false, started: false, ended: false, learn: true, enter: 0.5 };

  /** Throws {@link InputError} naming the setting for a bad or unknown one. */
  constructor(params: AlertPolicyParams = {}) {
    this.params = Object.freeze(resolve(params));
  }

  /**
   * Feeds the score of series `key` at time `t` (epoch ms) with the detector's own threshold `base`;
   * returns the decision (the policy's one object: read it before the next call).
   */
  observe(key: string, score: number, t: number, base: number): Readonly<AlertDecision> {
    let st = this.series.get(key);
    if (st === undefined) {
      st = new SeriesState(this.params.n);
      this.series.set(key, st);
    }
    return this.step(st, Number.isFinite(score) ? score : score === Infinity ? 1 : 0, t, base);
  }

  /** Whether series `key` is firing now. */
  isFiring(key: string): boolean {
    return this.series.get(key)?.state === AlertState.firing;
  }

  /** The state of series `key` (inactive when unknown). */
  stateOf(key: string): AlertStateValue {
    return this.series.get(key)?.state ?? AlertState.inactive;
  }

  /** The enter level series `key` would use now with detector threshold `base`. */
  enterLevel(key: string, base: number): number {
    const st = this.series.get(key);
    return st ? this.enterOf(st, base) : (this.params.enter ?? base);
  }

  /** Forgets a series (its pod went away). */
  forget(key: string): void {
    this.series.delete(key);
  }

  private enterOf(st: SeriesState, base: number): number {
    const p = this.params;
    const fixed = p.enter ?? base;
    if (p.targetFalseAlarmsPerDay <= 0 || st.histTotal < p.calibrationMinPoints || st.stepMs <= 0) return fixed;
    const share = Math.min(0.5, (p.targetFalseAlarmsPerDay * st.stepMs) / 86_400_000);
    // The score exceeded by `share` of the points: walk down from the top bin.
    let above = 0;
    const want = share * st.histTotal;
    let b = BINS - 1;
    for (; b > 0; b--) {
      if (above + st.hist[b] > want) break;
      above += st.hist[b];
    }
    const level = 1 - Math.exp(-(b + 1) * BIN_WIDTH);
    return Math.max(fixed, level);
  }

  private record(st: SeriesState, score: number): void {
    const u = -Math.log(Math.max(1e-300, 1 - score));
    const b = Math.min(BINS - 1, Math.max(0, Math.floor(u / BIN_WIDTH)));
    st.hist[b] += 1;
    st.histTotal += 1;
    if (st.histTotal >= this.params.calibrationWindow) {
      for (let i = 0; i < BINS; i++) st.hist[i] *= 0.5;
      st.histTotal *= 0.5;
    }
  }

  private step(st: SeriesState, score: number, tIn: number, base: number): AlertDecision {
    const p = this.params;
    const d = this.decision;
    d.started = false;
    d.ended = false;
    if (tIn > st.lastT && Number.isFinite(st.lastT)) {
      const gap = tIn - st.lastT;
      st.stepMs = st.stepMs === 0 ? gap : 0.95 * st.stepMs + 0.05 * gap;
    }
    const t = Math.max(tIn, st.lastT);
    st.lastT = t;
    const enter = this.enterOf(st, base);
    const hot = score >= enter;
    // K-of-N ring.
    st.hotCount += (hot ? 1 : 0) - st.ring[st.ringPos];
    st.ring[st.ringPos] = hot ? 1 : 0;
    st.ringPos = (st.ringPos + 1) % p.n;

    if (st.state === AlertState.firing) {
      if (score >= enter - p.hysteresis) st.lastActive = t;
      else if (t - st.lastActive >= p.keepFiringForSeconds * 1000) {
        st.state = AlertState.inactive;
        st.resolvedAt = t;
        d.ended = true;
        st.ring.fill(0);
        st.hotCount = 0;
      }
    } else if (t < st.resolvedAt + p.cooldownSeconds * 1000) {
      st.state = AlertState.inactive;
    } else if (st.hotCount >= p.k) {
      if (st.state === AlertState.inactive) {
        st.state = AlertState.pending;
        st.pendingSince = t;
      }
      if (t - st.pendingSince >= p.forSeconds * 1000) {
        st.state = AlertState.firing;
        st.lastActive = t;
        d.started = true;
      }
    } else {
      st.state = AlertState.inactive;
    }
    if (st.state !== AlertState.firing || d.started) this.record(st, score);
    d.state = st.state;
    d.firing = st.state === AlertState.firing;
    let learn = !(p.stopLearning && (hot || st.state !== AlertState.inactive));
    if (learn) st.quarantineSince = NaN;
    else if (Number.isNaN(st.quarantineSince)) st.quarantineSince = t;
    else if (t - st.quarantineSince >= p.maxQuarantineSeconds * 1000) learn = true;
    d.learn = learn;
    d.enter = enter;
    return d;
  }
}
