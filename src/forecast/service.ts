/**
 * Forecasts for many series, refreshed on a schedule: the one object the engine drives. Each cycle
 * the engine calls {@link ForecastService.observe} with every series' new value (a workload's CPU
 * cores, its memory bytes, any series) and then {@link ForecastService.refresh} with the time now and
 * a time budget; series whose forecast is older than `refreshMs` are refitted, least recently
 * refreshed first, until the budget is spent (the rest wait for the next cycle). Every forecast made
 * is handed to a {@link ForecastAccuracy}, which scores it as the actual values arrive.
 *
 * The histories forecasts are fitted on are the service's own, fed by `observe`, unless
 * `deps.histories` is given (the series store, which then owns them and is fed first).
 *
 * No timers and no clock of its own: times come in with each call; the budget is measured with
 * `deps.elapsedMs` (default `performance.now`). One series that fails (too little history) records
 * its error and does not stop the others.
 */
import { ForecastAccuracy, type AccuracyOptions, type AccuracyStats } from './accuracy.js';
import { forecastSeries, resolveForecastOptions, type ForecastOptions, type SeriesForecast } from './forecaster.js';
import { SeriesHistory, resolveHistoryOptions, type HistoryOptions, type HistorySource } from '../store/series-history.js';

/** Options of {@link ForecastService}. */
export interface ForecastServiceOptions {
  /** Step of the values observed, ms (the engine's cycle). */
  stepMs: number;
  /** History buffers (bucket width, how long kept). */
  history?: Omit<HistoryOptions, 'stepMs'>;
  forecast?: ForecastOptions;
  accuracy?: AccuracyOptions;
  /** Refit a series' forecast when it is this old, ms (config `forecast.refreshMinutes`). */
  refreshMs: number;
}

/** What {@link ForecastService} needs from outside. */
export interface ForecastServiceDeps {
  /** A monotonic clock in ms for the refresh budget. Default `performance.now`. */
  elapsedMs?: () => number;
  /**
   * Where the series' histories are read (the series store, fed before each `observe`); `observe`
   * then only scores. Default: the service keeps a history per series itself, fed by `observe`.
   */
  histories?: HistorySource;
}

/** What one {@link ForecastService.refresh} did. */
export interface RefreshReport {
  refreshed: number;
  failed: number;
  /** Series due that the budget left for the next call. */
  deferred: number;
  /** Time spent, ms (by `elapsedMs`). */
  ms: number;
}

/** A series' forecasting state. */
export interface SeriesForecastStatus {
  /** When its forecast was last refitted (or tried), epoch ms; null before the first. */
  lastRefreshAt: number | null;
  /** The last refit's error message, or null. */
  lastError: string | null;
  /** History held, ms. */
  historyMs: number;
}

interface Entry {
  forecast?: SeriesForecast;
  lastRefreshAt: number | null;
  lastError: string | null;
}

/** Forecasts for many series (see the module comment). */
export class ForecastService {
  readonly accuracyTracker: ForecastAccuracy;
  private readonly entries = new Map<string, Entry>();
  private readonly historyOptions: HistoryOptions;
  /** The histories the service keeps itself (null: read from `deps.histories`). */
  private readonly own: Map<string, SeriesHistory> | null;
  private readonly histories: HistorySource;
  private readonly forecastOptions: Required<ForecastOptions>;
  private readonly refreshMs: number;
  private readonly elapsedMs: () => number;

  constructor(options: Readonly<ForecastServiceOptions>, deps: ForecastServiceDeps = {}) {
    this.historyOptions = resolveHistoryOptions({ ...options.history, stepMs: options.stepMs });
    this.forecastOptions = resolveForecastOptions(options.forecast);
    this.accuracyTracker = new ForecastAccuracy(options.accuracy);
    this.refreshMs = options.refreshMs;
    this.elapsedMs = deps.elapsedMs ?? (() => performance.now());
    const own = deps.histories ? null : new Map<string, SeriesHistory>();
    this.own = own;
    this.histories = deps.histories ?? { history: (key) => own!.get(key) };
  }

  /**
   * Adds the value of series `key` at `t` (epoch ms) to its history (unless `deps.histories` holds
   * the histories) and scores the pending forecasts of that time.
   */
  observe(key: string, t: number, value: number): void {
    if (!this.entries.has(key)) this.entries.set(key, { lastRefreshAt: null, lastError: null });
    this.accuracyTracker.observe(key, t, value);
    if (this.own) {
      let h = this.own.get(key);
      if (!h) this.own.set(key, (h = new SeriesHistory(this.historyOptions)));
      h.push(t, value);
    }
  }

  /**
   * Refits the forecasts that are due at `now` (see the module comment), within `budgetMs` (default no
   * limit; at least one series is refitted per call).
   */
  refresh(now: number, budgetMs = Infinity): RefreshReport {
    const start = this.elapsedMs();
    const due = [...this.entries].filter(([, e]) => e.lastRefreshAt === null || now - e.lastRefreshAt >= this.refreshMs);
    due.sort((a, b) => (a[1].lastRefreshAt ?? -Infinity) - (b[1].lastRefreshAt ?? -Infinity));
    const report: RefreshReport = { refreshed: 0, failed: 0, deferred: 0, ms: 0 };
    for (let i = 0; i < due.length; i++) {
      if (i > 0 && this.elapsedMs() - start >= budgetMs) {
        report.deferred = due.length - i;
        break;
      }
      const [key, e] = due[i];
      e.lastRefreshAt = now;
      const view = this.histories.history(key)?.view();
      try {
        if (!view) throw new Error('no values yet');
        e.forecast = forecastSeries(view, this.forecastOptions);
        e.lastError = null;
        this.accuracyTracker.issue(key, e.forecast);
        report.refreshed++;
      } catch (err) {
        e.lastError = (err as Error).message;
        report.failed++;
      }
    }
    report.ms = this.elapsedMs() - start;
    return report;
  }

  /** The newest forecast of series `key` (check `issuedAt` for its age), or undefined. */
  forecast(key: string): SeriesForecast | undefined {
    return this.entries.get(key)?.forecast;
  }

  /** The live accuracy of series `key`'s forecasts, or undefined before its first forecast. */
  accuracy(key: string): AccuracyStats | undefined {
    return this.accuracyTracker.stats(key);
  }

  /** Series `key`'s forecasting state, or undefined when it was never observed. */
  status(key: string): SeriesForecastStatus | undefined {
    const e = this.entries.get(key);
    return e && { lastRefreshAt: e.lastRefreshAt, lastError: e.lastError, historyMs: this.histories.history(key)?.spanMs() ?? 0 };
  }

  /** Every series observed. */
  keys(): string[] {
    return [...this.entries.keys()];
  }

  /** Drops a series (its workload is gone). */
  forget(key: string): void {
    this.entries.delete(key);
    this.own?.delete(key);
    this.accuracyTracker.forget(key);
  }
}
