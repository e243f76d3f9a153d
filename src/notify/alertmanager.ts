/**
 * The Alertmanager sink: POSTs alert state changes to `/api/v2/alerts` in the v2 shape (labels,
 * annotations, startsAt, endsAt, generatorURL), as Prometheus does. Alertmanager deduplicates on the
 * label set, so a re-send updates the alert it already holds; an alert whose endsAt has passed is
 * resolved.
 */
import { HttpEndpoint, type HttpClientAuth } from '../core/http-endpoint.js';
import type { Logger } from '../core/logger.js';
import { toPostable, type AlertPayload } from './payload.js';
import { getJsonFromAny, postJson, type Sink } from './sink.js';

const ALERTS_PATH = 'api/v2/alerts';

/**
 * The Alertmanagers of `ALERTMANAGER_URL`: one URL, or one per replica of an HA Alertmanager separated
 * by commas. Prometheus sends every alert to every replica rather than through a load balancer (the
 * replicas gossip notifications and silences, not alerts), and so does kad: one sink per URL.
 */
export function alertmanagerUrls(setting: string | undefined): string[] {
  return (setting ?? '').split(',').map((u) => u.trim()).filter(Boolean);
}

/** Default time to wait for Alertmanager's answer. */
export const DEFAULT_SINK_TIMEOUT_MS = 5_000;

/** Settings of an {@link AlertmanagerSink}. */
export interface AlertmanagerSinkOptions {
  /** Alertmanager's base URL, e.g. `http://alertmanager:9093` (a path prefix is kept; credentials in it are basic auth). */
  url: string;
  /** Credentials, TLS and headers (the `ALERTMANAGER_*` settings). */
  auth?: HttpClientAuth;
  /** Per-request timeout, ms. Default {@link DEFAULT_SINK_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Sink name. Default `alertmanager`. */
  name?: string;
}

/** Delivers alerts to Alertmanager's v2 API. */
export class AlertmanagerSink implements Sink {
  readonly name: string;
  readonly url: string;
  readonly group = 'alertmanager';
  private readonly timeoutMs: number;
  private readonly endpoint: HttpEndpoint;

  /** Throws a ConfigError naming the setting for a bad URL or credentials. */
  constructor(opts: AlertmanagerSinkOptions) {
    this.name = opts.name ?? 'alertmanager';
    this.endpoint = new HttpEndpoint(opts.url, opts.auth, { setting: 'ALERTMANAGER' });
    this.url = this.endpoint.resolve(ALERTS_PATH).href;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_SINK_TIMEOUT_MS;
  }

  close(): void {
    this.endpoint.close();
  }

  async send(alerts: AlertPayload[]): Promise<void> {
    if (alerts.length === 0) return;
    await postJson(this.endpoint, ALERTS_PATH, alerts.map(toPostable), this.timeoutMs, 'Alertmanager');
  }
}

/** What `GET /api/v2/status` says of an Alertmanager: its version, and its cluster's replicas (0: clustering off). */
export interface AlertmanagerStatus {
  version: string;
  peers: number;
}

/** Reads `GET /api/v2/status` from the first of `endpoints` that answers; throws a DeliveryError naming each one's failure. */
export async function alertmanagerStatus(endpoints: readonly HttpEndpoint[], timeoutMs = DEFAULT_SINK_TIMEOUT_MS): Promise<AlertmanagerStatus> {
  const s = (await getJsonFromAny(endpoints, 'api/v2/status', timeoutMs, 'Alertmanager')) as { versionInfo?: { version?: string }; cluster?: { peers?: unknown[] } } | null;
  return { version: s?.versionInfo?.version ?? 'unknown', peers: Array.isArray(s?.cluster?.peers) ? s.cluster.peers.length : 0 };
}

/** The warning when ALERTMANAGER_URL names fewer Alertmanagers than the cluster has replicas, or null. */
export function clusterWarning(peers: number, listed: number): string | null {
  if (peers <= listed) return null;
  return `Alertmanager is a cluster of ${peers} replicas and ALERTMANAGER_URL names ${listed}: each alert reaches only the replica the Service picks; list every replica's own URL in ALERTMANAGER_URL, separated by commas (e.g. the StatefulSet's pods behind alertmanager-operated), as Prometheus is told to`;
}

/**
 * Asks the first Alertmanager of `urls` that answers how many replicas its cluster has
 * (`GET /api/v2/status`, `cluster.peers`) and warns when ALERTMANAGER_URL names fewer: behind a
 * load-balanced Service each alert reaches one replica, the others never hear of it, and a resolution
 * may land on another replica than the alert (Alertmanager's and Prometheus's documentation: send to
 * every replica). Resolves to the number of peers (0: clustering off), or null when none answered.
 */
export async function checkAlertmanagerCluster(urls: readonly string[], auth: HttpClientAuth | undefined, log: Logger, timeoutMs = DEFAULT_SINK_TIMEOUT_MS): Promise<number | null> {
  let endpoints: HttpEndpoint[] = [];
  try {
    endpoints = urls.map((u) => new HttpEndpoint(u, auth, { setting: 'ALERTMANAGER' }));
    const { peers } = await alertmanagerStatus(endpoints, timeoutMs);
    const warning = clusterWarning(peers, urls.length);
    if (warning) log.warn({ alertmanagers: endpoints.map((e) => e.url), peers }, warning);
    return peers;
  } catch (e) {
    log.debug({ err: (e as Error).message }, 'could not read Alertmanager\'s cluster status');
    return null;
  } finally {
    for (const e of endpoints) e.close();
  }
}
