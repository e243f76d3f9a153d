/**
 * Forecasts in the service: every workload's total CPU (cores) and memory (working-set bytes), read
 * each cycle from the series store (src/store/series-store.ts, which sums them over the workload's
 * pods and keeps their history) and fed to a {@link ForecastService} (30-minute forecasts with 80% and
 * 95% intervals, refreshed on a schedule within a time budget per cycle, scored live against the
 * actual values), and a replica recommendation per workload from its CPU forecast (predictive
 * scaling, src/forecast/scaling.ts), with the workload's CPU request per pod as a replica's capacity.
 *
 * The engine owns the store and appends each cycle's snapshot to it *before* calling
 * {@link WorkloadForecasts.observe}, which reads the workloads' totals at that time from it.
 *
 * The forecasts need days of history (daily seasonality): {@link WorkloadForecasts.backfill} feeds
 * older snapshots to the store's history first (the source's history at a coarse step, then the last
 * day at the cycle's step); the live cycles appended while a backfill runs reach the history after
 * it, so each series sees its values in time order. Workloads the store forgets (not seen for its
 * `workloadTtlMs`, a day by default) are forgotten here too.
 */
import { InputError } from '../core/errors.js';
import { workloadKey } from '../core/series.js';
import type { PodSnapshot } from '../core/samples.js';
import type { SeriesStore, WorkloadTotals } from '../store/series-store.js';
import type { AccuracyStats } from './accuracy.js';
import type { ForecastModelName, SeriesForecast } from './forecaster.js';
import { ReplicaRecommender, scalingSettings, type ScalingRecommendation } from './scaling.js';
import { DAY_MS } from './seasonal.js';
import { ForecastService, type RefreshReport, type SeriesForecastStatus } from './service.js';

const HOUR_MS = 3_600_000;

/** The series forecast per workload. */
export const FORECAST_METRICS = ['cpu', 'memory'] as const;
/** One of {@link FORECAST_METRICS}. */
export type ForecastMetric = (typeof FORECAST_METRICS)[number];

/** Settings of {@link WorkloadForecasts} (config section `forecast`). */
export interface ForecastingOptions {
  horizonMinutes: number;
  model: ForecastModelName;
  /** Refit each series' forecast this often. */
  refreshMinutes: number;
  /** Most time refitting may take per cycle (the rest waits for the next cycle). */
  refreshBudgetMs: number;
  /** History fetched at start. */
  historyDays: number;
  scaling: {
    targetUtilisation: number;
    minReplicas: number;
    maxReplicas: number;
    scaleDownStabilisationSeconds: number;
  };
}

/** What the API shows for one workload and metric. */
export interface WorkloadForecast {
  namespace: string;
  workload: string;
  metric: ForecastMetric;
  forecast: SeriesForecast | undefined;
  accuracy: AccuracyStats | undefined;
  status: SeriesForecastStatus | undefined;
}

/** A workload's replica recommendation. */
export interface WorkloadRecommendation {
  namespace: string;
  workload: string;
  recommendation: ScalingRecommendation;
}

/** Per-workload forecasts and replica recommendations; see the module comment. */
export class WorkloadForecasts {
  private readonly service: ForecastService;
  private readonly recommender: ReplicaRecommender;
  /** The workloads forecast, in the order first seen. */
  private readonly tracked = new Map<string, { namespace: string; workload: string }>();
  private readonly recs = new Map<string, WorkloadRecommendation>();
  /** While a backfill runs: the live cycles observed meanwhile (time, workloads in pod order), read after it. */
  private held: { t: number; workloads: string[] }[] | null = null;

  /**
   * @param store the series store the engine appends every cycle to; it must keep history (its
   *   `history` option set), whose settings plan the backfill.
   */
  constructor(readonly options: Readonly<ForecastingOptions>, readonly store: SeriesStore) {
    if (!store.options.history) throw new InputError('workload forecasts need a series store that keeps history (its history option is null)');
    this.service = new ForecastService({
      stepMs: store.options.stepMs,
      forecast: { horizonMs: options.horizonMinutes * 60_000, model: options.model },
      refreshMs: options.refreshMinutes * 60_000,
    }, { histories: store });
    this.recommender = new ReplicaRecommender(scalingSettings(options.scaling));
  }

  /** True while a backfill runs (live snapshots are held). */
  get backfilling(): boolean {
    return this.held !== null;
  }

  /**
   * Feeds `historyDays` before `now` (oldest first) to the store's history before the live cycles:
   * `fetch` is called with consecutive [start, end] chunks and a step and returns their snapshots: a
   * day at a time at the history's bucket width, then the part its tail keeps at the series' own
   * step, 6 hours at a time. The live cycles observed meanwhile are read after.
   */
  async backfill(now: number, fetch: (start: number, end: number, stepMs: number) => Promise<PodSnapshot[]>): Promise<void> {
    const { stepMs } = this.store.options;
    const { fitStepMs, tailMs } = this.store.options.history!;
    const from = now - this.options.historyDays * DAY_MS;
    const recentFrom = Math.max(from, now - tailMs);
    const chunks: { start: number; end: number; stepMs: number }[] = [];
    for (let s = from; s < recentFrom; s += DAY_MS) chunks.push({ start: s, end: Math.min(s + DAY_MS, recentFrom) - fitStepMs, stepMs: fitStepMs });
    for (let s = recentFrom; s < now; s += 6 * HOUR_MS) chunks.push({ start: s, end: Math.min(s + 6 * HOUR_MS, now) - stepMs, stepMs });
    this.held ??= [];
    this.store.beginBackfill();
    try {
      for (const c of chunks) for (const snap of await fetch(c.start, c.end, c.stepMs)) this.read(snap.t, this.store.appendHistory(snap).values());
    } finally {
      this.store.endBackfill();
      const held = this.held;
      this.held = null;
      for (const { t, workloads } of held) this.readCycle(t, workloads);
    }
  }

  /**
   * Reads the workloads' totals at `snap.t` from the store: the engine appends `snap` to the store
   * first (see {@link SeriesStore.append}). During a backfill they are read after it.
   */
  observe(snap: PodSnapshot): void {
    const workloads = [...new Set(snap.pods.map((p) => workloadKey(p.ref)))];
    if (this.held) this.held.push({ t: snap.t, workloads });
    else this.readCycle(snap.t, workloads);
  }

  /**
   * Refits what is due within the budget, then recommends replicas for every workload seen in the
   * last snapshot. Returns the refresh report (nothing is refitted during a backfill).
   */
  refresh(now: number): RefreshReport {
    if (this.held) return { refreshed: 0, failed: 0, deferred: 0, ms: 0 };
    const report = this.service.refresh(now, this.options.refreshBudgetMs);
    this.recs.clear();
    for (const wk of this.tracked.keys()) {
      const w = this.store.workloadLatest(wk);
      if (!w || w.t < now - 10 * 60_000 || !(w.cpuRequest > 0)) continue;
      const key = `${wk}/cpu`;
      const recommendation = this.recommender.recommend({
        key: wk, now, currentReplicas: w.replicas, currentDemand: w.cpu,
        forecast: this.service.forecast(key), accuracy: this.service.accuracy(key),
        policy: { capacityPerReplica: w.cpuRequest },
      });
      this.recs.set(wk, { namespace: w.namespace, workload: w.workload, recommendation });
    }
    return report;
  }

  /** The forecast, accuracy and status of a workload's metric. */
  get(namespace: string, workload: string, metric: ForecastMetric): WorkloadForecast {
    const key = `${namespace}/${workload}/${metric}`;
    return { namespace, workload, metric, forecast: this.service.forecast(key), accuracy: this.service.accuracy(key), status: this.service.status(key) };
  }

  /** Every workload with forecasts, as [namespace, workload]. */
  workloads(): [string, string][] {
    return [...this.tracked.values()].map((w) => [w.namespace, w.workload]);
  }

  /** The latest replica recommendation per workload, keyed `namespace/workload`. */
  recommendations(): ReadonlyMap<string, WorkloadRecommendation> {
    return this.recs;
  }

  /** Reads the totals of `workloads` at the store's cycle of time `t`. */
  private readCycle(t: number, workloads: readonly string[]): void {
    const totals: WorkloadTotals[] = [];
    for (const wk of workloads) {
      const w = this.store.workloadAt(wk, t);
      if (w) totals.push(w);
    }
    this.read(t, totals);
  }

  /** Feeds the workloads' totals at `t` to the forecasts, and forgets the workloads the store forgot. */
  private read(t: number, totals: Iterable<WorkloadTotals>): void {
    for (const w of totals) {
      const wk = workloadKey(w);
      this.service.observe(`${wk}/cpu`, t, w.cpu);
      this.service.observe(`${wk}/memory`, t, w.memory);
      if (!this.tracked.has(wk)) this.tracked.set(wk, { namespace: w.namespace, workload: w.workload });
    }
    for (const wk of this.tracked.keys()) {
      if (this.store.hasWorkload(wk)) continue;
      this.tracked.delete(wk);
      for (const m of FORECAST_METRICS) this.service.forget(`${wk}/${m}`);
    }
  }
}
