/**
 * Workload bars: what operators' "false alarm" feedback does to the alert policy. Each workload
 * (`namespace/workload`) has a factor in (0, 1], 1 until feedback says otherwise; every false alarm
 * marked on one of its anomalies multiplies it by `step` (default 0.5), down to `min` (default 1/16):
 * the factor is step^n for n false alarms counted.
 * The scoring cycle (engine/cycle.ts) applies it to the workload's pods:
 * - with calibrated flags (flag-calibrator.ts), the target false-alarm rate becomes rate × factor: a
 *   point must be that much rarer among the pod's own scores to be hot ({@link barRate});
 * - before a pod's calibration is warm, or with calibration off, the model's threshold t becomes
 *   1 − (1 − t) × factor: half the distance to 1 per false alarm ({@link barThreshold}).
 * Explicit and small on purpose: a real incident scores far in the tail and still fires, while the
 * borderline scores behind most false alarms no longer do. The counts are kept in the event store
 * and loaded at start, so the bar stays raised across restarts.
 */
import { InputError } from '../core/errors.js';

/** Settings of {@link WorkloadBars}. */
export interface WorkloadBarsParams {
  /** Factor applied per false alarm, in (0, 1) (default 0.5). */
  step?: number;
  /** Lowest factor, in (0, 1] (default 1/16: at most four false alarms count). */
  min?: number;
}

/** Per-workload bar factors; see the module comment. */
export class WorkloadBars {
  readonly step: number;
  readonly min: number;
  /** False alarms counted per workload. */
  private readonly counts = new Map<string, number>();

  /** Throws {@link InputError} for a bad setting. */
  constructor(params: WorkloadBarsParams = {}) {
    this.step = params.step ?? 0.5;
    this.min = params.min ?? 1 / 16;
    if (!(this.step > 0 && this.step < 1)) throw new InputError(`workload bars: step must be in (0, 1), got ${this.step}`);
    if (!(this.min > 0 && this.min <= 1)) throw new InputError(`workload bars: min must be in (0, 1], got ${this.min}`);
  }

  /** The factor of workload `key` (`namespace/workload`): step^falseAlarms, at least `min`; 1 when none was marked. */
  factor(key: string): number {
    const n = this.counts.get(key) ?? 0;
    return n === 0 ? 1 : Math.max(this.min, this.step ** n);
  }

  /** The false alarms counted on workload `key`. */
  falseAlarms(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  /** One more false alarm on workload `key`. Returns its new factor. */
  raise(key: string): number {
    return this.setFalseAlarms(key, this.falseAlarms(key) + 1);
  }

  /** One false alarm fewer on workload `key` (a verdict taken back). Returns its new factor. */
  lower(key: string): number {
    return this.setFalseAlarms(key, this.falseAlarms(key) - 1);
  }

  /** Sets the false alarms counted on workload `key` (loaded from the store; at least 0). Returns its factor. */
  setFalseAlarms(key: string, n: number): number {
    const c = Number.isFinite(n) ? Math.max(0, Math.round(n)) : 0;
    if (c === 0) this.counts.delete(key);
    else this.counts.set(key, c);
    return this.factor(key);
  }

  /** Every workload with false alarms counted, with its factor. */
  entries(): [string, number][] {
    return [...this.counts.keys()].map((k) => [k, this.factor(k)]);
  }
}

/** A target false-alarm rate under a bar factor. */
export function barRate(rate: number, factor: number): number {
  return factor === 1 ? rate : rate * factor;
}

/** A score threshold in [0, 1) under a bar factor: 1 − (1 − t) × factor (t itself at factor 1). */
export function barThreshold(threshold: number, factor: number): number {
  return factor === 1 ? threshold : 1 - (1 - threshold) * factor;
}
