/**
 * The Alertmanager sink: POSTs alert state changes to `/api/v2/alerts` in the v2 shape (labels,
 * annotations, startsAt, endsAt, generatorURL), as Prometheus does. Alertmanager deduplicates on the
 * label set, so a re-send updates the alert it already holds; an alert whose endsAt has passed is
 * resolved.
 */
import { toPostable, type AlertPayload } from './payload.js';
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
