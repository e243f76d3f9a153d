/**
 * The loop: on start, fetch `lookback` of history into the series store and train the pod models on
 * the store's window; then every step, fetch the pods' current metrics, append them to the store and
 * hand them to the scoring cycle (cycle.ts: features → models → peers → policy), its result to
 * telemetry (gauges), the cycle observers (the event store, the live feed), notify (alerts) and the
 * API (the latest result per pod), and the snapshot to forecasting (forecasting.ts, which reads the
 * store). Every few minutes the source's call graph goes to the cycle, for topology inhibition of
 * alerts (call-graph.ts). A retrain fetches the lookback again: the
 * store keeps the cycles it holds (what was scored) and takes the newer history; the models train on
 * its window (a live snapshot at the time of a cycle it holds, as the first after a training may be,
 * is scored; the store keeps the cycle it has). Failures of the source are recorded and retried;
 * they never stop the loop.
 *
 * The history reaches the store as cycles before the first live one. The forecasts' backfill, which
 * the first live cycle starts, still reaches each coarse history first: the store adds its cycles to
 * them only when a history is read (the forecasts read none before their backfill begins) or when a
 * ring slot is reused (training reuses none: the store keeps at least the lookback window, see
 * {@link SeriesStore.reserveSince}).
 */
import type { Clock } from '../core/clock.js';
import { NotReadyError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { PodSnapshot } from '../core/samples.js';
import { flaggedPods } from '../notify/cycle-alerts.js';
import type { Notifier, NotifierStatus } from '../notify/base.js';
import type { FiringElsewhere } from '../policy/alert-inhibition.js';
import type { CycleObserver, CycleResult, PodResult } from '../policy/cycle-result.js';
import type { WorkloadBars } from '../policy/workload-bars.js';
import type { EngineModels } from '../registry/model-store.js';
import type { HistoryProgress, Source } from '../sources/base.js';
import { WorkloadForecasts, type ForecastingOptions } from '../forecast/workload-forecasts.js';
import type { Config } from '../config/schema.js';
import { SeriesStore, seriesStoreOptions } from '../store/series-store.js';
import type { Telemetry } from '../telemetry/metrics.js';
import { recordCycle } from '../telemetry/record.js';
import { CallGraphRefresh } from './call-graph.js';
import { ScoringCycle, type CycleOptions } from './cycle.js';
import { Forecasting, type ForecastingStatus } from './forecasting.js';
import { fromModelFile, toModelFile, type PodModel } from './training.js';

export type { PodModel } from './training.js';
export type { PodResult } from '../policy/cycle-result.js';

/** Engine settings (from the config): the scoring cycle's, the retraining interval, forecasting. */
export interface EngineOptions extends CycleOptions {
  /** Retrain every this many ms; 0 = never. */
  retrainMs: number;
  /**
   * Streaming pod models (one per pod): history they learn before the first training, in chunks,
   * ending where the lookback window starts (a day: they see the daily cycle before scoring). 0 or
   * unset: the lookback window only.
   */
  warmupMs?: number;
  /** Workload forecasts and replica recommendations (see forecast/workload-forecasts.ts); null or unset: off. */
  forecast?: ForecastingOptions | null;
  /** The series store's sizes (config section `store`); with forecasting on it keeps coarse history too. */
  store: Readonly<Config['store']>;
}

/** Everything the engine needs, passed in (CONVENTIONS.md point 6). */
export interface EngineDeps {
  source: Source;
  clock: Clock;
  telemetry: Telemetry;
  log: Logger;
  /** Makes a fresh, untrained model with the given seed. */
  createModel: (seed: number) => PodModel;
  /** Receives the flagged pods after every scoring cycle (alerts). Optional. */
  notifier?: Notifier;
  /** Receive every scoring cycle's result (the event store's recorder, the API's live feed), in this order. Optional. */
  observers?: readonly CycleObserver[];
  /** Per-workload bars raised by false-alarm feedback (policy/workload-bars.ts), applied at every decision. Optional. */
  bars?: WorkloadBars;
  /**
   * Names the likely incident of each firing pod (incident-namer.ts) before the result goes to the
   * notifier, the observers and the API. Optional: without it no alert has an incident type.
   */
  incidents?: { annotate(result: CycleResult): void };
  /**
   * The series store the history and every cycle are appended to, when the caller holds it (its step
   * should be the engine's; with forecasting on, it must keep history). Unset: the engine builds one
   * from `options.store`.
   */
  store?: SeriesStore;
  /**
   * A sharded replica: the anomaly alerts other replicas have sent, by workload (notify/shard-alerts.ts),
   * asked at each cycle so that a callee firing on another shard inhibits this shard's callers. Optional.
   */
  firingElsewhere?: () => FiringElsewhere;
  options: EngineOptions;
}

/** Health of the engine, for /healthz and /readyz. */
export interface EngineStatus {
  source: string;
  sourceUp: boolean;
  trained: boolean;
  trainedAt: number | null;
  trainingRows: number;
  models: number;
  lastCycleAt: number | null;
  lastError: string | null;
  pods: number;
  modelVersion: string | null;
  notify: NotifierStatus | null;
}

/** Warm-up history is fetched this much at a time (6 hours). */
const WARMUP_CHUNK_MS = 6 * 3_600_000;

/** Schedules the scoring cycle on a source's snapshots and keeps its latest result per pod. */
export class Engine {
  private readonly scoring: ScoringCycle;
  private readonly store: SeriesStore;
  private readonly forecasting: Forecasting | null;
  private readonly callGraph: CallGraphRefresh;
  private sourceUp = false;
  private lastCycleAt: number | null = null;
  private lastError: string | null = null;
  private nextTrainAt = 0;

  constructor(private readonly deps: EngineDeps) {
    this.scoring = new ScoringCycle(deps.options, deps.createModel, deps.bars);
    const { forecast, stepMs } = deps.options;
    this.store = deps.store ?? new SeriesStore(seriesStoreOptions(deps.options.store, stepMs, !!forecast));
    this.forecasting = forecast ? new Forecasting(new WorkloadForecasts(forecast, this.store), deps) : null;
    this.callGraph = new CallGraphRefresh(deps);
  }

  /** Current health. */
  status(): EngineStatus {
    const m = this.scoring.models;
    return {
      source: this.deps.source.name,
      sourceUp: this.sourceUp,
      trained: m !== null,
      trainedAt: m?.trainedAt ?? null,
      trainingRows: m?.rows ?? 0,
      models: m ? (m.pods?.size ?? m.workloads.size + 1) : 0,
      lastCycleAt: this.lastCycleAt,
      lastError: this.lastError,
      pods: this.scoring.pods,
      modelVersion: m?.version ?? null,
      notify: this.deps.notifier?.status() ?? null,
    };
  }

  /** The latest result per pod, sorted by score (highest first). Throws {@link NotReadyError} before training. */
  detect(): PodResult[] {
    if (!this.scoring.models) {
      throw new NotReadyError(`No model trained yet${this.lastError ? `: ${this.lastError}` : ' (training on the first history window)'}`);
    }
    return [...this.scoring.results()].sort((a, b) => b.score - a.score);
  }

  /**
   * Trains on the lookback window ending now: the source's history joins the series store (the cycles
   * it already holds stay; newer ones are added) and the models train on the store's snapshots of the
   * window, in the order their pods came (with their mesh fields and custom values, which the store
   * keeps too). On the first call the live state is warmed too and the window's last snapshot
   * published. `onProgress` hears how far the source's history is.
   */
  async train(signal?: AbortSignal, onProgress?: HistoryProgress): Promise<void> {
    const { options, telemetry, log } = this.deps;
    const end = this.deps.clock.now();
    const started = performance.now();
    const start = end - options.lookbackMs;
    if (this.scoring.models === null) await this.warm(start, signal);
    const history = await this.fetch(() => this.deps.source.history(start, end, options.stepMs, signal, onProgress));
    const newest = this.store.newest;
    this.store.reserveSince(start, history.filter((s) => !(s.t <= newest)).length);
    for (const snap of history) this.store.append(snap);
    const snaps = this.store.snapshots(this.store.cycleTimes(start, end), 'arrival');
    const first = this.scoring.models === null;
    const m = this.scoring.train(snaps, end);
    telemetry.modelsTrained.set(m.pods?.size ?? m.workloads.size + 1);
    telemetry.trainingDuration.observe((performance.now() - started) / 1000);
    log.info({ rows: m.rows, workloads: m.workloads.size, snapshots: snaps.length, ms: Math.round(performance.now() - started) }, 'trained pod models');
    if (first && snaps.length) this.score(snaps[snaps.length - 1], false);
    this.nextTrainAt = end + options.retrainMs;
  }

  /**
   * Streaming pod models only: feeds them `warmupMs` of history before `start` (the lookback window's
   * start), a chunk of at most {@link WARMUP_CHUNK_MS} at a time, so memory holds one chunk, not a day.
   */
  private async warm(start: number, signal?: AbortSignal): Promise<void> {
    const { options, log } = this.deps;
    const from = start - (options.warmupMs ?? 0);
    if (!this.scoring.streaming || from >= start) return;
    const t0 = performance.now();
    let snapshots = 0;
    for (let a = from; a < start; a += WARMUP_CHUNK_MS) {
      const b = Math.min(a + WARMUP_CHUNK_MS, start) - 1;
      const chunk = await this.fetch(() => this.deps.source.history(a, b, options.stepMs, signal));
      this.scoring.warm(chunk);
      snapshots += chunk.length;
    }
    log.info({ snapshots, minutes: Math.round((start - from) / 60_000), ms: Math.round(performance.now() - t0) }, 'warmed the pod models on history');
  }

  /** One scoring cycle at the clock's current time. */
  async cycle(signal?: AbortSignal): Promise<void> {
    const t0 = performance.now();
    const snap = await this.fetch(() => this.deps.source.current(this.deps.clock.now(), signal));
    this.store.reserveSince(snap.t - this.deps.options.lookbackMs);
    this.store.append(snap);
    const graph = await this.callGraph.due(snap.t, signal);
    if (graph) this.scoring.useCallGraph(graph);
    const result = this.score(snap, true, this.deps.firingElsewhere?.());
    this.forecasting?.observe(snap);
    if (this.deps.notifier) await this.deps.notifier.update(snap.t, flaggedPods(result));
    this.deps.telemetry.cycleDuration.observe((performance.now() - t0) / 1000);
  }

  /** The trained models as data, for `kad train`. Throws {@link NotReadyError} before training. */
  exportModels(): EngineModels {
    const m = this.scoring.models;
    if (!m) throw new NotReadyError('No model trained yet');
    return toModelFile(m);
  }

  /**
   * Uses models saved by {@link exportModels} instead of training now; the next retrain is due
   * `retrainMs` from now. Throws a ModelFormatError when they do not fit this kad.
   */
  importModels(file: EngineModels): void {
    const m = fromModelFile(file);
    this.scoring.useModels(m);
    this.nextTrainAt = this.deps.clock.now() + this.deps.options.retrainMs;
    this.deps.telemetry.modelsTrained.set(m.workloads.size + 1);
  }

  /**
   * One iteration of the loop: trains if no model exists or a retrain is due, then scores the
   * current snapshot. Errors propagate (the caller records them); the next call tries again.
   */
  async step(signal?: AbortSignal): Promise<void> {
    const { clock, options } = this.deps;
    if (!this.scoring.models || (options.retrainMs > 0 && clock.now() >= this.nextTrainAt)) await this.train(signal);
    await this.cycle(signal);
  }

  /** Calls {@link step} every `stepMs` until `signal` aborts; failures are logged, reported and retried. */
  async run(signal: AbortSignal): Promise<void> {
    const { clock, options, log } = this.deps;
    let next = clock.now();
    while (!signal.aborted) {
      try {
        await this.step(signal);
        this.lastError = null;
      } catch (e) {
        if (signal.aborted) break;
        this.lastError = (e as Error).message;
        log.warn({ err: this.lastError }, 'engine cycle failed; will retry');
      }
      next = Math.max(next + options.stepMs, clock.now() - options.stepMs);
      // After a failure, retry sooner than a full step (but not in a busy loop).
      const wait = this.lastError ? Math.min(options.stepMs, 5_000) : next - clock.now();
      await clock.sleep(Math.max(0, wait), signal);
    }
    await this.forecasting?.close();
  }

  /** The series store every cycle is appended to (read-only use: the API's recent samples). */
  get seriesStore(): SeriesStore {
    return this.store;
  }

  /** Workload forecasts (null when forecasting is off). */
  workloadForecasts(): WorkloadForecasts | null {
    return this.forecasting?.forecasts ?? null;
  }

  /** Resolves when the forecasts' history backfill (started by the first cycle) has finished. */
  async forecastsLoaded(): Promise<void> {
    await this.forecasting?.loaded();
  }

  /** Forecasting's state: backfilling history, and the backfill's error if it failed. */
  forecastStatus(): ForecastingStatus {
    return this.forecasting?.status() ?? { enabled: false, backfilling: false, lastError: null };
  }

  private async fetch<T>(query: () => Promise<T>): Promise<T> {
    const { telemetry, source } = this.deps;
    try {
      const r = await query();
      this.sourceUp = true;
      telemetry.sourceUp.set({ source: source.name }, 1);
      return r;
    } catch (e) {
      this.sourceUp = false;
      telemetry.sourceUp.set({ source: source.name }, 0);
      throw e;
    }
  }

  /** Runs the scoring cycle on a snapshot (deciding, or only scoring) and publishes its result as gauges. */
  private score(snap: PodSnapshot, decide: boolean, elsewhere?: FiringElsewhere): CycleResult {
    const started = performance.now();
    const result = this.scoring.score(snap, decide, elsewhere);
    try {
      this.deps.incidents?.annotate(result);
    } catch (e) {
      this.deps.log.warn({ err: (e as Error).message }, 'naming incident types failed; the loop goes on');
    }
    recordCycle(this.deps.telemetry, result, (performance.now() - started) / 1000);
    this.lastCycleAt = snap.t;
    for (const o of this.deps.observers ?? []) {
      try {
        o.observe(result);
      } catch (e) {
        this.deps.log.warn({ err: (e as Error).message }, 'a cycle observer failed; the loop goes on');
      }
    }
    return result;
  }
}
