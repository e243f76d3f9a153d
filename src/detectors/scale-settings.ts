/**
 * The settings z-score detectors share: how small a feature's scale may get (scale floors) and how a
 * z maps to a score (`zToScore(z, z50, power)`, score-map.ts). Read once here, with one set of checks
 * and messages, by every detector that has them (robust-z, onset, profile-z per feature; lstm-ae and
 * seasonal-band with one floor for all features).
 */
import { InputError } from '../core/errors.js';
import type { NumberParam } from '../core/params.js';

/** Names of the per-feature scale settings, for a detector's list of known parameters. */
export const SCALE_PARAMS = ['minScale', 'defaultMinScale', 'relativeFloor', 'z50', 'power'] as const;

/** Per-feature scale floors and the z → score mapping; every field has a default. */
export interface ScaleParams {
  /** Smallest scale per feature (its own units); missing entries use `defaultMinScale`. */
  minScale?: ArrayLike<number>;
  /** Scale floor for features without an entry in `minScale`. */
  defaultMinScale?: number;
  /** Scale floor relative to the feature's |centre| (default 1e-3). */
  relativeFloor?: number;
  /** The z at which the score is 0.5. */
  z50?: number;
  /** Steepness of the mapping (default 4). */
  power?: number;
}

/** {@link ScaleParams} with defaults filled in. */
export interface ScaleSettings {
  minScale: number[];
  defaultMinScale: number;
  relativeFloor: number;
  z50: number;
  power: number;
}

/** The defaults that differ between detectors. */
export interface ScaleDefaults {
  defaultMinScale: number;
  z50: number;
}

const positive = (v: number) => Number.isFinite(v) && v > 0;
const nonNegative = (v: number) => Number.isFinite(v) && v >= 0;

/**
 * Reads `relativeFloor` (default 1e-3, ≥ 0), `z50` (> 0) and `power` (default 4, > 0) with `num` (a
 * {@link paramReader} of the detector's settings).
 */
export function readFloorAndMapping(num: NumberParam, z50: number): { relativeFloor: number; z50: number; power: number } {
  return {
    relativeFloor: num('relativeFloor', 1e-3, nonNegative, 'a finite number >= 0'),
    z50: num('z50', z50, positive, 'a finite number > 0'),
    power: num('power', 4, positive, 'a finite number > 0'),
  };
}

/** The per-feature scale floors `p.minScale` (none: []); throws {@link InputError} `"<component>: minScale must be an array of finite numbers >= 0"`. */
export function readMinScale(component: string, p: Readonly<Record<string, unknown>>): number[] {
  const minScale = Array.from((p.minScale ?? []) as ArrayLike<number>);
  if (!minScale.every(nonNegative)) throw new InputError(`${component}: minScale must be an array of finite numbers >= 0`);
  return minScale;
}

/**
 * Reads the {@link ScaleParams} of `p` (the detector's raw settings, also read by `num`). Throws
 * {@link InputError} `"<component>: minScale must be an array of finite numbers >= 0"` or, from `num`,
 * naming the bad number.
 */
export function readScaleSettings(component: string, p: Readonly<Record<string, unknown>>, num: NumberParam, defaults: ScaleDefaults): ScaleSettings {
  return {
    minScale: readMinScale(component, p),
    defaultMinScale: num('defaultMinScale', defaults.defaultMinScale, positive, 'a finite number > 0'),
    ...readFloorAndMapping(num, defaults.z50),
  };
}

/** Feature `j`'s floor: max(its `minScale` entry (or `defaultMinScale`), `relativeFloor` · |centre|). */
export function scaleFloor(s: Readonly<ScaleSettings>, j: number, centre: number): number {
  return Math.max(j < s.minScale.length ? s.minScale[j] : s.defaultMinScale, s.relativeFloor * Math.abs(centre));
}

/**
 * Reads `p.onlyAbove` (default none): the indices of the features scored only above what the detector
 * expects, as a mask (1 at each index). Such a feature's value below its expected one counts as no
 * deviation at all: a fall in latency, errors, memory or restarts is not an incident, and an SRE
 * does not want an alert for one. Throws {@link InputError} `"<component>: onlyAbove must be an array
 * of feature indices (integers 0 to 4095)"`.
 */
export function readOnlyAbove(component: string, p: Readonly<Record<string, unknown>>): Uint8Array {
  const raw = p.onlyAbove ?? [];
  const list = Array.isArray(raw) ? (raw as unknown[]) : [raw];
  if (!list.every((j) => Number.isInteger(j) && (j as number) >= 0 && (j as number) < 4096)) {
    throw new InputError(`${component}: onlyAbove must be an array of feature indices (integers 0 to 4095), got ${JSON.stringify(raw)}`);
  }
  // None (the usual case): one shared empty mask, so a detector per series costs no extra memory.
  if (list.length === 0) return NO_ONLY_ABOVE;
  const mask = new Uint8Array(Math.max(...(list as number[])) + 1);
  for (const j of list as number[]) mask[j] = 1;
  return mask;
}

/** The mask of no `onlyAbove` feature, shared (never written: it has no element). */
const NO_ONLY_ABOVE = new Uint8Array(0);

/** The indices set in an `onlyAbove` mask, for a snapshot's params (none: an empty object, so older snapshots stay byte-identical). */
export function onlyAboveParam(mask: Uint8Array): { onlyAbove?: number[] } {
  const list: number[] = [];
  for (let j = 0; j < mask.length; j++) if (mask[j]) list.push(j);
  return list.length ? { onlyAbove: list } : {};
}

/** Whether feature `j` is set in the `onlyAbove` mask `above` (see {@link readOnlyAbove}). */
export function onlyAboveAt(above: Uint8Array, j: number): boolean {
  return j < above.length && above[j] === 1;
}

/** How far a value is from what is expected, `d` = value − expected: |d|, or max(d, 0) for a feature set in `above` (see {@link readOnlyAbove}). */
export function deviation(d: number, above: Uint8Array, j: number): number {
  return onlyAboveAt(above, j) ? (d > 0 ? d : 0) : Math.abs(d);
}
