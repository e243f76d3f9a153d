/**
 * Forecasting's schedule: each live cycle's snapshot goes to the workload forecasts, which refit what
 * is due, and the forecast gauges are published. The first cycle also starts loading the forecasts'
 * history (days of it, in the background); once loaded the forecasts refit at once rather than at the
 * next cycle. A failed backfill is recorded; forecasts then start from live data.
 */
import type { Logger } from '../core/logger.js';
import type { PodSnapshot } from '../core/samples.js';
import type { Source } from '../sources/base.js';
import type { Telemetry } from '../telemetry/metrics.js';
import { recordForecasts } from '../telemetry/record.js';
import type { WorkloadForecasts } from '../forecast/workload-forecasts.js';

/** Forecasting's state, for /healthz. */
export interface ForecastingStatus {
  enabled: boolean;
  /** The history backfill is under way. */
  backfilling: boolean;
  /** Why the backfill failed, or null. */
  lastError: string | null;
}

/** Feeds the workload forecasts and publishes them; see the module comment. */
export class Forecasting {
  private backfill: Promise<void> | null = null;
  private readonly abort = new AbortController();
  private lastError: string | null = null;
  private lastT: number | null = null;

  /** `forecasts`: read by /forecast and /scaling too. */
  constructor(readonly forecasts: WorkloadForecasts, private readonly deps: { source: Source; log: Logger; telemetry: Telemetry }) {}

  /**
   * Feeds a live cycle's snapshot (starting the history backfill on the first), refits what is due,
   * and publishes. The engine has appended the snapshot to the series store the forecasts read.
   */
  observe(snap: PodSnapshot): void {
    const f = this.forecasts;
    const { telemetry } = this.deps;
    if (!this.backfill) this.backfill = this.load(snap.t);
    this.lastT = snap.t;
    f.observe(snap);
    const report = f.refresh(snap.t);
    if (report.refreshed + report.failed > 0) telemetry.forecastRefresh.observe(report.ms / 1000);
    recordForecasts(telemetry, f);
  }

  /** Resolves when the history backfill (started by the first snapshot) has finished. */
  async loaded(): Promise<void> {
    await this.backfill;
  }

  status(): ForecastingStatus {
    return { enabled: true, backfilling: this.forecasts.backfilling, lastError: this.lastError };
  }

  /** Stops the backfill and waits for it. */
  async close(): Promise<void> {
    this.abort.abort();
    await this.backfill;
  }

  private load(now: number): Promise<void> {
    const f = this.forecasts;
    const { source, log, telemetry } = this.deps;
    const signal = this.abort.signal;
    const started = performance.now();
    return f.backfill(now, (start, end, step) => source.history(start, end, step, signal)).then(
      () => {
        log.info({ days: f.options.historyDays, ms: Math.round(performance.now() - started) }, 'forecast history loaded');
        // Forecast now rather than at the next cycle.
        if (!signal.aborted && this.lastT !== null) {
          f.refresh(this.lastT);
          recordForecasts(telemetry, f);
        }
      },
      (e) => {
        this.lastError = `forecast history: ${(e as Error).message}`;
        if (!signal.aborted) log.warn({ err: this.lastError }, 'could not load forecast history; forecasts will start from live data');
      },
    );
  }
}
