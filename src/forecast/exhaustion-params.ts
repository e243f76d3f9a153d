/**
 * Settings of the time-to-exhaustion estimator (exhaustion.ts): what each means, the defaults, and
 * the check that fills and validates them.
 */
import { InputError } from '../core/errors.js';

/** Settings of ExhaustionEstimator (exhaustion.ts); every field has a default. */
export interface ExhaustionParams {
  /** Warn when exhaustion is surely within this many seconds: score 0.5 there (default 7200). */
  horizonSeconds?: number;
  /** Trend windows, seconds, shortest first (default [900, 3600, 14400]). */
  windowsSeconds?: number[];
  /** Points kept (default 256: 4 h 16 min of 1-minute points; 4 KiB). */
  capacity?: number;
  /** A point closer than 0.9 × this to the last kept one is not kept (default 60). */
  sampleEverySeconds?: number;
  /** Seconds after a (re)start during which nothing is kept or scored (default 600). */
  warmupSeconds?: number;
  /** A window of W seconds warns of exhaustion at most this many W ahead (default 4). */
  reachWindows?: number;
  /** Points a window needs (default 8). */
  minPoints?: number;
  /** Interval half-width in standard errors (default 3). */
  z?: number;
  /** A drop of more than this × limit between points counts as a restart; 0 = off (default 0.2). */
  resetDrop?: number;
  /** Exhaustion is the value reaching this × limit (default 1). */
  exhaustAt?: number;
  /** Floor of the residual scale, × limit (default 0.001). */
  noiseFloor?: number;
  /**
   * Whether a value held at or above `exhaustAt` × limit without climbing counts as exhausted (time
   * 0): true for CPU (throttled now; default); false for memory, where a full page cache sits at the
   * limit harmlessly and only a climb ends in an OOM kill.
   */
  saturationIsExhaustion?: boolean;
  /** Prior natural swing, × limit: a window of W seconds has a prior slope scale of this × limit / W (default 0.02). */
  priorNoise?: number;
  /** Weight of that prior, in falling-slope points (default 30). */
  priorWeight?: number;
  /** Falling-slope points after which the learnt slope scale has forgotten 63% (default 1440). */
  slopeMemory?: number;
}

/** Default settings. */
export const EXHAUSTION_DEFAULTS: Readonly<Required<ExhaustionParams>> = Object.freeze({
  horizonSeconds: 7200, windowsSeconds: [900, 3600, 14_400], capacity: 256, sampleEverySeconds: 60,
  warmupSeconds: 600, reachWindows: 4, minPoints: 8, z: 3, resetDrop: 0.2, exhaustAt: 1, noiseFloor: 0.001, saturationIsExhaustion: true,
  priorNoise: 0.02, priorWeight: 30, slopeMemory: 1440,
});

/** Checks and fills settings; throws {@link InputError} naming the bad one. */
export function resolveExhaustionParams(p: ExhaustionParams = {}): Required<ExhaustionParams> {
  const known = Object.keys(EXHAUSTION_DEFAULTS);
  const unknown = Object.keys(p).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw new InputError(`exhaustion: unknown setting "${unknown[0]}"; known: ${known.join(', ')}`);
  const r = { ...EXHAUSTION_DEFAULTS, ...p, windowsSeconds: [...(p.windowsSeconds ?? EXHAUSTION_DEFAULTS.windowsSeconds)] };
  const check = (name: keyof ExhaustionParams, ok: boolean, what: string): void => {
    if (!ok) throw new InputError(`exhaustion: ${name} must be ${what}, got ${JSON.stringify(r[name])}`);
  };
  const pos = (v: number) => Number.isFinite(v) && v > 0;
  check('horizonSeconds', pos(r.horizonSeconds), 'a positive number of seconds');
  check('windowsSeconds', r.windowsSeconds.length >= 1 && r.windowsSeconds.length <= 8 && r.windowsSeconds.every(pos), '1 to 8 positive numbers of seconds');
  check('capacity', Number.isInteger(r.capacity) && r.capacity >= 16 && r.capacity <= 65_536, 'an integer in [16, 65536]');
  check('sampleEverySeconds', Number.isFinite(r.sampleEverySeconds) && r.sampleEverySeconds >= 0, 'a number of seconds >= 0');
  check('warmupSeconds', Number.isFinite(r.warmupSeconds) && r.warmupSeconds >= 0, 'a number of seconds >= 0');
  check('reachWindows', pos(r.reachWindows), 'a positive number');
  check('minPoints', Number.isInteger(r.minPoints) && r.minPoints >= 3 && r.minPoints <= r.capacity, 'an integer in [3, capacity]');
  check('z', pos(r.z), 'a positive number');
  check('resetDrop', Number.isFinite(r.resetDrop) && r.resetDrop >= 0, 'a number >= 0 (0: off)');
  check('exhaustAt', pos(r.exhaustAt), 'a positive fraction of the limit');
  check('noiseFloor', Number.isFinite(r.noiseFloor) && r.noiseFloor >= 0, 'a number >= 0');
  check('saturationIsExhaustion', typeof r.saturationIsExhaustion === 'boolean', 'true or false');
  check('priorNoise', Number.isFinite(r.priorNoise) && r.priorNoise >= 0, 'a number >= 0');
  check('priorWeight', Number.isFinite(r.priorWeight) && r.priorWeight >= 0, 'a number >= 0');
  check('slopeMemory', Number.isFinite(r.slopeMemory) && r.slopeMemory >= 1, 'a number >= 1');
  r.windowsSeconds.sort((a, b) => a - b);
  return r;
}
