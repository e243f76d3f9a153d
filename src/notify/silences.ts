/**
 * Alertmanager silences as weak feedback. Every `intervalMs` (default a minute) {@link SilenceWatcher}
 * reads `GET /api/v2/silences`; each **active** silence that names a pod or workload (a positive
 * matcher on `pod` or `workload`: a blanket silence of every kad alert during maintenance says
 * nothing about any one anomaly) and whose matchers all match the labels of a kad anomaly alert
 * (alertname `KadPodAnomaly`, notify/alerts.ts) firing now or resolved within `lookbackMs` (default an
 * hour of data time) marks that alert's anomaly event `silenced` in the event store, with the
 * silence's id, author and comment. An anomaly that already has feedback keeps it (an operator's
 * verdict outranks a silence; an operator's later verdict replaces it). A silence is not a false alarm:
 * it does not raise the workload's floor; it is counted (`onSilenced`, anomaly_detector_feedback_total{verdict="silenced"}).
 *
 * Matchers follow Alertmanager: `isEqual` false negates, `isRegex` matches the whole value (`^(?:re)$`),
 * a missing label is the empty string. When Alertmanager does not answer, kad keeps running:
 * `anomaly_detector_alertmanager_silences_up` is 0, the reason is logged once per outage, and the next poll
 * that answers recovers.
 */
import { HttpEndpoint, type HttpClientAuth } from '../core/http-endpoint.js';
import { alertmanagerUrls } from './alertmanager.js';
import { Gauge, type Registry } from 'prom-client';
import type { Logger } from '../core/logger.js';
import type { AnomalyRecord, EventStore } from '../store/event-store.js';
import { ALERT_NAME } from './alerts.js';
import { DeliveryError, getJsonFromAny, pollEvery } from './sink.js';

/** A silence matcher as Alertmanager's v2 API gives it. */
export interface SilenceMatcher {
  name: string;
  value: string;
  isRegex: boolean;
  /** False: the matcher is negated (`!=`, `!~`). Absent (older Alertmanagers): true. */
  isEqual?: boolean;
}

/** A silence as `GET /api/v2/silences` gives it (`GettableSilence`), the fields used here. */
export interface Silence {
  id: string;
  matchers: SilenceMatcher[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
  status: { state: 'active' | 'pending' | 'expired' };
}

const SILENCES_PATH = 'api/v2/silences';

/** Settings and dependencies of a {@link SilenceWatcher}. */
export interface SilenceWatcherOptions {
  /** Alertmanager's base URL (a path prefix is kept; credentials in it are basic auth), or its replicas' separated by commas (read from the first that answers). */
  url: string;
  /** Credentials, TLS and headers (the `ALERTMANAGER_*` settings). */
  auth?: HttpClientAuth;
  events: EventStore;
  /** Data time now, epoch ms (the engine's clock: alert times in the store are data times). */
  now: () => number;
  /** Registry for `anomaly_detector_alertmanager_silences_up` and `anomaly_detector_alertmanager_silences_active`. */
  registry?: Registry;
  log?: Logger;
  /** Called for each anomaly newly marked silenced. */
  onSilenced?: (anomaly: AnomalyRecord, silence: Silence) => void;
  /** Wall-clock ms between polls (default 60,000). */
  intervalMs?: number;
  /** Per-request timeout, ms (default 5,000). */
  timeoutMs?: number;
  /** Alerts resolved longer ago than this (data time, ms) are not looked at (default an hour). */
  lookbackMs?: number;
}

/** What the last poll saw. */
export interface SilenceStatus {
  up: boolean;
  lastError: string | null;
  /** Active silences that name a kad anomaly alert's pod or workload. */
  active: number;
}

/** Whether Alertmanager matcher `m` matches `labels`. */
export function matcherMatches(m: SilenceMatcher, labels: Readonly<Record<string, string>>): boolean {
  const v = labels[m.name] ?? '';
  let hit: boolean;
  if (m.isRegex) {
    try {
      hit = new RegExp(`^(?:${m.value})$`, 'u').test(v);
    } catch {
      return false; // a pattern JavaScript cannot read matches nothing here
    }
  } else hit = v === m.value;
  return m.isEqual === false ? !hit : hit;
}

/** Whether silence `s` names a pod or workload and all its matchers match `labels`. */
export function silenceCovers(s: Silence, labels: Readonly<Record<string, string>>): boolean {
  const specific = s.matchers.some((m) => m.isEqual !== false && (m.name === 'pod' || m.name === 'workload'));
  return specific && s.matchers.every((m) => matcherMatches(m, labels));
}

/** Polls Alertmanager's silences and records them on the anomalies they cover; see the module comment. */
export class SilenceWatcher {
  readonly url: string;
  private readonly endpoints: HttpEndpoint[];
  private readonly opts: SilenceWatcherOptions;
  private state: SilenceStatus = { up: true, lastError: null, active: 0 };
  private polling: { stop(): Promise<void> } | undefined;
  private readonly upGauge: Gauge | undefined;
  private readonly activeGauge: Gauge | undefined;

  constructor(opts: SilenceWatcherOptions) {
    this.opts = opts;
    this.endpoints = alertmanagerUrls(opts.url).map((u) => new HttpEndpoint(u, opts.auth, { setting: 'ALERTMANAGER' }));
    this.url = this.endpoints.map((e) => e.resolve(SILENCES_PATH).href).join(', ');
    const registers = opts.registry ? [opts.registry] : [];
    if (opts.registry) {
      this.upGauge = new Gauge({ name: 'anomaly_detector_alertmanager_silences_up', help: 'Whether the last read of Alertmanager\'s silences (GET /api/v2/silences) answered (1) or failed (0).', registers });
      this.activeGauge = new Gauge({ name: 'anomaly_detector_alertmanager_silences_active', help: 'Active Alertmanager silences that name a kad anomaly alert\'s pod or workload (weak feedback).', registers });
    }
  }

  /** What the last poll saw. */
  status(): Readonly<SilenceStatus> {
    return this.state;
  }

  /** Reads the silences once and marks the anomalies they cover; resolves to the number marked now (0 when Alertmanager did not answer). */
  async pollOnce(): Promise<number> {
    let silences: Silence[];
    try {
      silences = await this.fetchSilences();
    } catch (e) {
      const reason = (e as Error).message;
      if (this.state.up) this.opts.log?.warn({ url: this.url, err: reason }, 'cannot read Alertmanager silences; retrying every poll');
      this.setState({ up: false, lastError: reason, active: this.state.active });
      return 0;
    }
    if (!this.state.up) this.opts.log?.info({ url: this.url }, 'Alertmanager silences readable again');
    const active = silences.filter((s) => s.status?.state === 'active' && s.matchers?.some((m) => m.isEqual !== false && (m.name === 'pod' || m.name === 'workload')));
    this.setState({ up: true, lastError: null, active: active.length });
    if (active.length === 0) return 0;
    const now = this.opts.now();
    const { events } = this.opts;
    const alerts = events.alerts(now - (this.opts.lookbackMs ?? 3_600_000), Infinity, 5000)
      .filter((a) => a.kind === 'anomaly' && a.anomalyId !== null && (a.labels.alertname ?? ALERT_NAME) === ALERT_NAME);
    let marked = 0;
    for (const a of alerts) {
      const s = active.find((x) => silenceCovers(x, a.labels));
      if (!s) continue;
      const done = events.write(() => events.markSilenced(a.anomalyId!, { silenceId: s.id, createdBy: s.createdBy ?? '', comment: s.comment ?? '', at: now }));
      if (!done) continue;
      marked++;
      const anomaly = events.anomaly(a.anomalyId!);
      if (anomaly) this.opts.onSilenced?.(anomaly, s);
    }
    if (marked) this.opts.log?.info({ marked }, 'anomalies marked silenced from Alertmanager silences');
    return marked;
  }

  /** Polls now and then every `intervalMs` until {@link stop}. */
  start(): void {
    this.polling ??= pollEvery(this.opts.intervalMs ?? 60_000, () => this.pollOnce(), (e) => this.opts.log?.error({ err: (e as Error).message }, 'silence poll failed'));
  }

  /** Stops polling and waits for a poll in flight. */
  async stop(): Promise<void> {
    await this.polling?.stop();
    this.polling = undefined;
    for (const e of this.endpoints) e.close();
  }

  private setState(s: SilenceStatus): void {
    this.state = s;
    this.upGauge?.set(s.up ? 1 : 0);
    this.activeGauge?.set(s.active);
  }

  private async fetchSilences(): Promise<Silence[]> {
    const body = await getJsonFromAny(this.endpoints, SILENCES_PATH, this.opts.timeoutMs ?? 5_000, 'Alertmanager');
    if (!Array.isArray(body)) throw new DeliveryError(`Alertmanager ${this.url}: expected a JSON array of silences`, false, null);
    return body as Silence[];
  }
}
