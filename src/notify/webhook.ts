/**
 * The webhook sink: POSTs alert state changes as JSON shaped like Alertmanager's webhook payload
 * (`version`, `status`, `alerts[]` with status, labels, annotations, startsAt, endsAt, generatorURL,
 * fingerprint, plus groupKey, commonLabels…), so receivers written for Alertmanager understand it.
 */
import { HttpEndpoint } from '../core/http-endpoint.js';
import { fingerprint } from './alerts.js';
import type { AlertPayload, WebhookAlert } from './payload.js';
import { DEFAULT_SINK_TIMEOUT_MS } from './alertmanager.js';
import { postJson, type Sink } from './sink.js';

/**
 * The payload version. Alertmanager's webhook payload is version "4" (unchanged since 0.15); kad
 * sends the same, as receivers written for Alertmanager may check it.
 */
export const WEBHOOK_VERSION = '4';

/** Go's zero time, which Alertmanager writes as the endsAt of a firing alert in webhooks. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

/** Settings of a {@link WebhookSink}. */
export interface WebhookSinkOptions {
  /** Where to POST (used as it is, query included; credentials in it are basic auth). */
  url: string;
  /** Extra headers on every request (`KAD_WEBHOOK_HEADERS`). */
  headers?: Record<string, string>;
  /** Per-request timeout, ms. Default 5 s. */
  timeoutMs?: number;
  /** Sink name. Default `webhook`. */
  name?: string;
  /** kad's external URL, sent as `externalURL`. */
  externalUrl?: string;
}

/** What a webhook receives: Alertmanager's webhook payload, one group per POST. */
export interface WebhookPayload {
  version: string;
  groupKey: string;
  truncatedAlerts: number;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: WebhookAlert[];
}

/** Delivers alerts to an HTTP endpoint as Alertmanager-style webhook payloads. */
export class WebhookSink implements Sink {
  readonly name: string;
  readonly url: string;
  private readonly timeoutMs: number;
  private readonly externalUrl: string;
  private readonly endpoint: HttpEndpoint;

  /** Throws a ConfigError naming the setting for a bad URL or header. */
  constructor(opts: WebhookSinkOptions) {
    this.name = opts.name ?? 'webhook';
    this.endpoint = new HttpEndpoint(opts.url, { headers: opts.headers }, { setting: 'KAD_WEBHOOK', keepQuery: true, credentialSettings: false });
    this.url = this.endpoint.url;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_SINK_TIMEOUT_MS;
    this.externalUrl = opts.externalUrl ?? '';
  }

  close(): void {
    this.endpoint.close();
  }

  async send(alerts: AlertPayload[]): Promise<void> {
    if (alerts.length === 0) return;
    await postJson(this.endpoint, '', webhookPayload(alerts, this.externalUrl), this.timeoutMs, 'webhook');
  }
}

/** Builds the webhook body for a batch: status is `firing` while any alert in it fires. */
export function webhookPayload(alerts: AlertPayload[], externalUrl = ''): WebhookPayload {
  return {
    version: WEBHOOK_VERSION,
    groupKey: '{}:{source="kad"}',
    truncatedAlerts: 0,
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    receiver: 'kad',
    groupLabels: {},
    commonLabels: common(alerts.map((a) => a.labels)),
    commonAnnotations: common(alerts.map((a) => a.annotations)),
    externalURL: externalUrl,
    alerts: alerts.map((a) => ({
      status: a.status,
      labels: a.labels,
      annotations: a.annotations,
      startsAt: a.startsAt,
      endsAt: a.status === 'firing' ? ZERO_TIME : a.endsAt,
      generatorURL: a.generatorURL,
      fingerprint: fingerprint(a.labels),
    })),
  };
}

/** The name/value pairs every record shares. */
function common(records: Record<string, string>[]): Record<string, string> {
  if (records.length === 0) return {};
  const out: Record<string, string> = { ...records[0] };
  for (const r of records.slice(1)) for (const k of Object.keys(out)) if (r[k] !== out[k]) delete out[k];
  return out;
}
