/**
 * The scoring cycle on recorded data, without a server: snapshots go in one at a time, in time order,
 * and each comes back as the {@link CycleResult} `kad serve` would have made of it. Each snapshot is
 * appended to the replay's series store, as the engine appends each cycle. The first `lookbackMs` of
 * snapshots are history only; then the models train on the store's window (its last snapshot scored
 * once without decisions, as the engine publishes it), and every snapshot from then on is scored,
 * retraining every `retrainMs` on the store's snapshots of the window before it (mesh fields and
 * custom values included: the store keeps them). Time is the snapshots' own: no clock, no timers, no
 * network, as fast as the models score. The alerts a result raises are `flaggedPods(result)`
 * (notify/cycle-alerts.ts), as the engine hands them to the notifier.
 */
import { InputError, NotReadyError } from '../core/errors.js';
import type { PodSnapshot } from '../core/samples.js';
import type { CycleResult } from '../policy/cycle-result.js';
import type { Config } from '../config/schema.js';
import { SeriesStore, seriesStoreOptions } from '../store/series-store.js';
import { ScoringCycle, type CycleOptions } from './cycle.js';
import type { PodModel } from './training.js';

/** Settings of a {@link Replay}: the cycle's, and the retraining interval. */
export interface ReplayOptions extends CycleOptions {
  /** Retrain every this many ms of snapshot time; 0 = never. */
  retrainMs: number;
  /** The series store's sizes (config section `store`). */
  store: Readonly<Config['store']>;
}

/** Feeds recorded snapshots through a {@link ScoringCycle}; see the module comment. */
export class Replay {
  /** The cycle it drives (its models and latest results). */
  readonly cycle: ScoringCycle;
  private firstT = NaN;
  private nextTrainAt = 0;

  /**
   * @param store where the snapshots go, the next training's history; it is made to keep the lookback
   *   window. Default: one of `options.store`'s sizes, with no coarse history.
   */
  constructor(
    private readonly options: Readonly<ReplayOptions>,
    createModel: (seed: number) => PodModel,
    readonly store = new SeriesStore(seriesStoreOptions(options.store, options.stepMs, false)),
  ) {
    this.cycle = new ScoringCycle(options, createModel);
  }

  /**
   * Feeds the next snapshot (later than the one before, else an {@link InputError}). Returns its
   * result, or null while the snapshots so far are history only (less than the lookback), or when
   * training found too few pod points (the cycle is skipped, as the engine skips it).
   */
  push(snap: PodSnapshot): CycleResult | null {
    const { lookbackMs, retrainMs } = this.options;
    const start = snap.t - lookbackMs;
    if (this.store.newest >= snap.t) throw new InputError(`replay: snapshot at ${new Date(snap.t).toISOString()} is not later than the one before`);
    if (Number.isNaN(this.firstT)) this.firstT = snap.t;
    this.store.reserveSince(start);
    this.store.append(snap);
    const first = this.cycle.models === null;
    if (first && snap.t - this.firstT < lookbackMs) return null;
    if (first || (retrainMs > 0 && snap.t >= this.nextTrainAt)) {
      const window = this.store.snapshots(this.store.cycleTimes(start, snap.t), 'arrival');
      try {
        this.cycle.train(window, snap.t);
      } catch (e) {
        // As the engine does: that cycle is skipped and the next snapshot tries again.
        if (e instanceof NotReadyError) return null;
        throw e;
      }
      if (first) this.cycle.score(window[window.length - 1], false);
      this.nextTrainAt = snap.t + retrainMs;
    }
    return this.cycle.score(snap);
  }
}
