/**
 * The Alertmanager sink: POSTs alert state changes to `/api/v2/alerts` in the v2 shape (labels,
 * annotations, startsAt, endsAt, generatorURL), as Prometheus does. Alertmanager deduplicates on the
 * label set, so a re-send updates the alert it already holds; an alert whose endsAt has passed is
 * resolved.
 */
import type { AlertPayload } from './alerts.js';
import { postJson, type Sink } from './sink.js';

/** Default time to wait for Alertmanager's answer. */
export const DEFAULT_SINK_TIMEOUT_MS = 5_000;

/** Settings of an {@link AlertmanagerSink}. */
export interface AlertmanagerSinkOptions {
  /** Alertmanager's base URL, e.g. `http://alertmanager:9093` (a path prefix is kept). */
  url: string;
  /** Per-request timeout, ms. Default {@link DEFAULT_SINK_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Sink name. Default `alertmanager`. */
  name?: string;
}

/** One alert as Alertmanager's `POST /api/v2/alerts` takes it (`PostableAlert`). */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL?: string;
}

/** Delivers alerts to Alertmanager's v2 API. */
export class AlertmanagerSink implements Sink {
  readonly name: string;
  readonly url: string;
  private readonly timeoutMs: number;

  constructor(opts: AlertmanagerSinkOptions) {
    this.name = opts.name ?? 'alertmanager';
    this.url = `${opts.url.replace(/\/+$/, '')}/api/v2/alerts`;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_SINK_TIMEOUT_MS;
  }

  async send(alerts: AlertPayload[]): Promise<void> {
    if (alerts.length === 0) return;
    await postJson(this.url, alerts.map(toPostable), this.timeoutMs, 'Alertmanager');
  }
}

/** The v2 body of one alert (no status: Alertmanager derives it from endsAt). */
export function toPostable(a: AlertPayload): PostableAlert {
  const p: PostableAlert = { labels: a.labels, annotations: a.annotations, startsAt: a.startsAt, endsAt: a.endsAt };
  if (a.generatorURL) p.generatorURL = a.generatorURL;
  return p;
}
