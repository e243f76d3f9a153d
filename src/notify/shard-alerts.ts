/**
 * Topology inhibition across shards. A sharded replica (KAD_SHARDS > 1) scores only its own workloads,
 * so a service it watches may call one that another replica watches: without more, a callee firing on
 * another shard would not hold this replica's caller alert. Alertmanager already holds every replica's
 * alerts (it deduplicates them), so each replica reads them back: every `intervalMs` (default 15 s)
 * {@link ShardAlertWatcher} asks `GET /api/v2/alerts?filter=alertname="KadPodAnomaly"` and keeps the
 * firing anomaly alerts of workloads this replica does not own (silenced and inhibited ones too: a
 * silenced callee is still a callee in trouble). The engine's topology inhibition
 * (policy/alert-inhibition.ts) takes them as firing beside its own pods' alerts. No replica talks to
 * another; Alertmanager stays the only meeting point, as for deduplication.
 *
 * What another replica holds (an alert inhibited before it was sent) never reaches Alertmanager, so
 * it is not seen here; inhibition looks down the whole call graph (directly or further down), so the
 * callee that is sent still inhibits. Another replica's alert is seen here up to one poll after it
 * reached Alertmanager: a caller that starts firing in the same minute may be sent before it.
 *
 * When Alertmanager does not answer, the last answer is kept for up to `staleMs` (default 5 minutes),
 * then nothing is inhibited by other shards; `anomaly_detector_shard_alerts_up` is 0, the reason is
 * logged once per outage, and the next poll that answers recovers.
 */
import { HttpEndpoint, type HttpClientAuth } from '../core/http-endpoint.js';
import { alertmanagerUrls } from './alertmanager.js';
import { Gauge, type Registry } from 'prom-client';
import type { Logger } from '../core/logger.js';
import { workloadKey } from '../core/series.js';
import type { ShardOwnership } from '../core/shard.js';
import type { FiringElsewhere } from '../policy/alert-inhibition.js';
import { ALERT_NAME } from './alerts.js';
import { getJson, pollEvery } from './sink.js';

/** An alert as `GET /api/v2/alerts` gives it (`GettableAlert`), the fields used here. */
interface GettableAlert {
  labels?: Record<string, string>;
}

/** Settings and dependencies of a {@link ShardAlertWatcher}. */
export interface ShardAlertWatcherOptions {
  /** Alertmanager's base URL (a path prefix is kept; credentials in it are basic auth), or its replicas' separated by commas (read from the first that answers). */
  url: string;
  /** Credentials, TLS and headers (the `ALERTMANAGER_*` settings). */
  auth?: HttpClientAuth;
  /** The labels of every alert of this kad (KAD_ALERT_LABELS): only alerts with them are its other shards' (another cluster's kad may send to the same Alertmanager). */
  labels?: Readonly<Record<string, string>>;
  /** This replica's shard: alerts of the workloads it owns are its own and left out. */
  shard: ShardOwnership;
  /** Registry for `anomaly_detector_shard_alerts_up` and `anomaly_detector_shard_alerts_elsewhere`. */
  registry?: Registry;
  log?: Logger;
  /** Wall-clock ms between polls (default 15,000). */
  intervalMs?: number;
  /** Per-request timeout, ms (default 5,000). */
  timeoutMs?: number;
  /** How long the last answer is used while Alertmanager does not answer, wall-clock ms (default 300,000). */
  staleMs?: number;
  /** Wall clock, epoch ms (default Date.now). */
  now?: () => number;
}

const NONE: FiringElsewhere = new Map();

/** kad's anomaly alerts with `labels` (silenced ones included): `GET /api/v2/alerts` with one filter per label. */
function alertsQuery(labels: Readonly<Record<string, string>> = {}): string {
  const matchers = [['alertname', ALERT_NAME], ...Object.entries(labels)].map(([k, v]) => `filter=${encodeURIComponent(`${k}=${JSON.stringify(v)}`)}`);
  return `api/v2/alerts?${matchers.join('&')}`;
}

/** Reads other shards' firing anomaly alerts back from Alertmanager; see the module comment. */
export class ShardAlertWatcher {
  readonly url: string;
  private readonly endpoints: HttpEndpoint[];
  private readonly query: string;
  private readonly opts: ShardAlertWatcherOptions;
  private firingNow: FiringElsewhere = NONE;
  private answeredAt = -Infinity;
  private up = true;
  private polling: { stop(): Promise<void> } | undefined;
  private readonly upGauge: Gauge | undefined;
  private readonly countGauge: Gauge | undefined;

  constructor(opts: ShardAlertWatcherOptions) {
    this.opts = opts;
    this.query = alertsQuery(opts.labels);
    this.endpoints = alertmanagerUrls(opts.url).map((u) => new HttpEndpoint(u, opts.auth, { setting: 'ALERTMANAGER' }));
    this.url = this.endpoints.map((e) => e.resolve(this.query).href).join(', ');
    if (opts.registry) {
      const registers = [opts.registry];
      this.upGauge = new Gauge({ name: 'anomaly_detector_shard_alerts_up', help: 'Whether the last read of the other shards\' anomaly alerts from Alertmanager (GET /api/v2/alerts) answered (1) or failed (0).', registers });
      this.countGauge = new Gauge({ name: 'anomaly_detector_shard_alerts_elsewhere', help: 'Firing anomaly alerts of workloads other shards own, as Alertmanager last gave them (used for topology inhibition).', registers });
      this.upGauge.set(1);
    }
  }

  /** The other shards' firing anomaly alerts by workload (empty once the last answer is older than `staleMs`). */
  firing(): FiringElsewhere {
    const now = (this.opts.now ?? Date.now)();
    return now - this.answeredAt <= (this.opts.staleMs ?? 300_000) ? this.firingNow : NONE;
  }

  /**
   * Reads the alerts once, from every Alertmanager replica, merged: replicas keep alerts in memory, so
   * one that restarted knows only those re-sent since. Resolves to whether any replica answered.
   */
  async pollOnce(): Promise<boolean> {
    let body: unknown[];
    try {
      const answers = await Promise.allSettled(this.endpoints.map((e) => getJson(e, this.query, this.opts.timeoutMs ?? 5_000, 'Alertmanager')));
      const lists = answers.flatMap((a) => (a.status === 'fulfilled' && Array.isArray(a.value) ? [a.value] : []));
      if (!lists.length) {
        throw new Error(answers.map((a, i) => (a.status === 'rejected' ? (a.reason as Error).message : `Alertmanager ${this.endpoints[i].shown(this.query)}: expected a JSON array of alerts`)).join('; '));
      }
      body = lists.flat();
    } catch (e) {
      if (this.up) this.opts.log?.warn({ url: this.url, err: (e as Error).message }, 'cannot read the other shards\' alerts from Alertmanager; retrying every poll');
      this.up = false;
      this.upGauge?.set(0);
      return false;
    }
    if (!this.up) this.opts.log?.info({ url: this.url }, 'the other shards\' alerts are readable again');
    this.up = true;
    this.upGauge?.set(1);
    const byWorkload = new Map<string, string[]>();
    const distinct = new Set<string>(); // one alert per workload and pod, however many replicas hold it
    for (const a of body as GettableAlert[]) {
      const l = a?.labels;
      if (!l || l.alertname !== ALERT_NAME || !l.namespace || !l.workload) continue;
      const ref = { namespace: l.namespace, workload: l.workload };
      if (this.opts.shard.owns(ref)) continue;
      const key = workloadKey(ref);
      let pods = byWorkload.get(key);
      if (!pods) byWorkload.set(key, (pods = []));
      if (l.pod && !pods.includes(l.pod)) pods.push(l.pod);
      distinct.add(`${key}/${l.pod ?? ''}`);
    }
    this.firingNow = byWorkload;
    this.answeredAt = (this.opts.now ?? Date.now)();
    this.countGauge?.set(distinct.size);
    return true;
  }

  /** Polls now and then every `intervalMs` until {@link stop}. */
  start(): void {
    this.polling ??= pollEvery(this.opts.intervalMs ?? 15_000, () => this.pollOnce(), (e) => this.opts.log?.error({ err: (e as Error).message }, 'shard alert poll failed'));
  }

  /** Stops polling and waits for a poll in flight. */
  async stop(): Promise<void> {
    await this.polling?.stop();
    this.polling = undefined;
    for (const e of this.endpoints) e.close();
  }
}
