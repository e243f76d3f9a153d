/**
 * Forecasts in the service: every workload's total CPU (cores) and memory (working-set bytes) summed
 * over its pods each cycle and fed to a {@link ForecastService} (30-minute forecasts with 80% and 95%
 * intervals, refreshed on a schedule within a time budget per cycle, scored live against the actual
 * values), and a replica recommendation per workload from its CPU forecast (predictive scaling,
 * src/forecast/scaling.ts), with the workload's CPU request per pod as a replica's capacity.
 *
 * The forecasts need days of history (daily seasonality): {@link WorkloadForecasts.backfill} feeds
 * older snapshots first (the source's history at a coarse step, then the last day at the cycle's
 * step); live snapshots observed while a backfill runs are held and fed after it, so each series
 * sees its values in time order.
 */
import { workloadKey } from '../core/series.js';
import type { AccuracyStats } from '../forecast/accuracy.js';
import type { ForecastModelName, SeriesForecast } from '../forecast/forecaster.js';
import { ReplicaRecommender, type ScalingRecommendation } from '../forecast/scaling.js';
import { resolveHistoryOptions, type HistoryOptions } from '../store/series-history.js';
import { DAY_MS } from '../forecast/seasonal.js';
import { ForecastService, type RefreshReport, type SeriesForecastStatus } from '../forecast/service.js';
import type { PodSnapshot } from '../core/samples.js';

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

/** One workload's latest totals. */
interface WorkloadNow {
  namespace: string;
  workload: string;
  t: number;
  replicas: number;
  cpu: number;
  memory: number;
  /** Mean CPU request of its pods that have one (NaN: none known). */
  cpuRequest: number;
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
  private readonly latest = new Map<string, WorkloadNow>();
  private readonly recs = new Map<string, WorkloadRecommendation>();
  private held: PodSnapshot[] | null = null;

  private readonly history: Required<HistoryOptions>;

  constructor(readonly options: Readonly<ForecastingOptions>, stepMs: number) {
    this.history = resolveHistoryOptions({ stepMs });
    this.service = new ForecastService({
      stepMs,
      history: this.history,
      forecast: { horizonMs: options.horizonMinutes * 60_000, model: options.model },
      refreshMs: options.refreshMinutes * 60_000,
    });
    const s = options.scaling;
    this.recommender = new ReplicaRecommender({
      targetUtilisation: s.targetUtilisation, minReplicas: s.minReplicas, maxReplicas: s.maxReplicas,
      scaleDownStabilisationMs: s.scaleDownStabilisationSeconds * 1000,
    });
  }

  /** True while a backfill runs (live snapshots are held). */
  get backfilling(): boolean {
    return this.held !== null;
  }

  /**
   * Feeds `historyDays` before `now` (oldest first) before the live snapshots: `fetch` is called with
   * consecutive [start, end] chunks and a step and returns their snapshots: a day at a time at the
   * history's bucket width, then the part its tail keeps at the series' own step, 6 hours at a time.
   * The live snapshots held meanwhile are fed after.
   */
  async backfill(now: number, fetch: (start: number, end: number, stepMs: number) => Promise<PodSnapshot[]>): Promise<void> {
    const { stepMs, fitStepMs, tailMs } = this.history;
    const from = now - this.options.historyDays * DAY_MS;
    const recentFrom = Math.max(from, now - tailMs);
    const chunks: { start: number; end: number; stepMs: number }[] = [];
    for (let s = from; s < recentFrom; s += DAY_MS) chunks.push({ start: s, end: Math.min(s + DAY_MS, recentFrom) - fitStepMs, stepMs: fitStepMs });
    for (let s = recentFrom; s < now; s += 6 * HOUR_MS) chunks.push({ start: s, end: Math.min(s + 6 * HOUR_MS, now) - stepMs, stepMs });
    this.held ??= [];
    try {
      for (const c of chunks) for (const snap of await fetch(c.start, c.end, c.stepMs)) this.feed(snap);
    } finally {
      const held = this.held;
      this.held = null;
      for (const snap of held) this.feed(snap);
    }
  }

  /** Adds one live snapshot (held during a backfill). */
  observe(snap: PodSnapshot): void {
    if (this.held) this.held.push(snap);
    else this.feed(snap);
  }

  /**
   * Refits what is due within the budget, then recommends replicas for every workload seen in the
   * last snapshot. Returns the refresh report (nothing is refitted during a backfill).
   */
  refresh(now: number): RefreshReport {
    if (this.held) return { refreshed: 0, failed: 0, deferred: 0, ms: 0 };
    const report = this.service.refresh(now, this.options.refreshBudgetMs);
    this.recs.clear();
    for (const [wk, w] of this.latest) {
      if (w.t < now - 10 * 60_000 || !(w.cpuRequest > 0)) continue;
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
    return [...this.latest.values()].map((w) => [w.namespace, w.workload]);
  }

  /** The latest replica recommendation per workload, keyed `namespace/workload`. */
  recommendations(): ReadonlyMap<string, WorkloadRecommendation> {
    return this.recs;
  }

  private feed(snap: PodSnapshot): void {
    const totals = new Map<string, WorkloadNow>();
    const requests = new Map<string, [number, number]>();
    for (const p of snap.pods) {
      const wk = workloadKey(p.ref);
      let w = totals.get(wk);
      if (!w) totals.set(wk, (w = { namespace: p.ref.namespace, workload: p.ref.workload, t: snap.t, replicas: 0, cpu: 0, memory: 0, cpuRequest: NaN }));
      w.replicas++;
      if (Number.isFinite(p.cpu)) w.cpu += p.cpu;
      if (Number.isFinite(p.memory)) w.memory += p.memory;
      if (p.cpuRequest !== undefined && p.cpuRequest > 0) {
        const r = requests.get(wk) ?? [0, 0];
        r[0] += p.cpuRequest;
        r[1]++;
        requests.set(wk, r);
      }
    }
    for (const [wk, w] of totals) {
      const r = requests.get(wk);
      if (r) w.cpuRequest = r[0] / r[1];
      this.service.observe(`${wk}/cpu`, snap.t, w.cpu);
      this.service.observe(`${wk}/memory`, snap.t, w.memory);
      this.latest.set(wk, w);
    }
    // Workloads gone for a day are dropped.
    for (const [wk, w] of this.latest) {
      if (snap.t - w.t <= DAY_MS) continue;
      this.latest.delete(wk);
      for (const m of FORECAST_METRICS) this.service.forget(`${wk}/${m}`);
    }
  }
}
