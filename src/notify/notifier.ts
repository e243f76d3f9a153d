/**
 * The notifier kad runs: each cycle the {@link AlertFeed} turns the flagged pods into alert state
 * changes (the policy's alert lifecycle decides which are due), every change goes into each sink's persistent {@link Outbox} before delivery is tried, and
 * each outbox is then delivered in order. A sink that fails keeps its outbox for the next cycle (and
 * for a retry timer with exponential backoff between cycles); a sink that rejects a batch (HTTP 4xx)
 * has that batch logged and dropped, never retried forever. The lifecycle's state is saved too, so a
 * restarted kad continues its episodes: same alerts, same startsAt, no duplicates.
 */
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { stateDir, type Config } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import { authFromSettings, type HttpClientAuth } from '../core/http-endpoint.js';
import { parseHeaderList } from '../core/http-headers.js';
import { parseLabelList } from '../core/label-list.js';
import { AlertmanagerSink, alertmanagerUrls, DEFAULT_SINK_TIMEOUT_MS } from './alertmanager.js';
import { AlertFeed } from './alerts.js';
import type { FlaggedPod, Notifier, NotifierStatus } from './base.js';
import { Outbox } from './outbox.js';
import { DeliveryError, type NotifyLogger, type Sink } from './sink.js';
import { readJsonOrSetAside, writeJsonAtomic } from '../store/state-file.js';
import { WebhookSink } from './webhook.js';

/** Dependencies and settings of an {@link AlertNotifier}. */
export interface AlertNotifierOptions {
  sinks: Sink[];
  clock: Clock;
  /** Where the outboxes and the alert state are kept (created if missing); null: memory only. */
  stateDir: string | null;
  resendSeconds: number;
  severity: string;
  /** Labels added to every alert (KAD_ALERT_LABELS). */
  labels?: Readonly<Record<string, string>>;
  /** The URL users reach kad at, for links in alerts. */
  externalUrl?: string;
  log: NotifyLogger;
  /** Called with each sink's health at start and on every change (for `anomaly_detector_notify_up{sink}`). */
  onSinkStatus?: (sink: string, up: boolean) => void;
  /** Bound of each outbox. Default 10,000. */
  maxOutboxEntries?: number;
  /** Alerts per request. Default 500. */
  batchSize?: number;
  /** Retry of a failed sink between cycles, real time with doubling delays; false: only on update(). Default 5 s to 5 min. */
  retry?: { initialMs: number; maxMs: number } | false;
}

/**
 * {@link NotifierStatus} with, per sink, the alerts dropped (outbox full, or rejected by the sink).
 * `up` is false after a failed or rejected delivery until a delivery succeeds again.
 */
export interface AlertNotifierStatus extends NotifierStatus {
  sinks: Record<string, { up: boolean; lastError: string | null; pending: number; dropped: number; group?: string }>;
}

interface SinkState {
  sink: Sink;
  outbox: Outbox;
  up: boolean;
  lastError: string | null;
  failures: number;
  timer: NodeJS.Timeout | null;
}

/** File of the lifecycle state under the state directory. */
export const ALERT_STATE_FILE = 'alerts.json';

/** Turns flagged pods into alerts and delivers them, reliably, to Alertmanager and webhooks. */
export class AlertNotifier implements Notifier {
  private readonly lifecycle: AlertFeed;
  private readonly sinks: SinkState[];
  private readonly log: NotifyLogger;
  private readonly stateFile: string | null;
  private readonly batchSize: number;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  /** Loads what a previous run left in `stateDir` (synchronously; corrupt files are moved aside). */
  constructor(private readonly opts: AlertNotifierOptions) {
    this.log = opts.log;
    this.batchSize = Math.max(1, opts.batchSize ?? 500);
    this.lifecycle = new AlertFeed({ resendMs: opts.resendSeconds * 1000, severity: opts.severity, labels: opts.labels, externalUrl: opts.externalUrl });
    // Without sinks nothing is delivered, so nothing needs keeping.
    const dir = opts.sinks.length > 0 ? opts.stateDir : null;
    this.stateFile = dir === null ? null : join(dir, ALERT_STATE_FILE);
    if (this.stateFile) {
      const outcome = readJsonOrSetAside(this.stateFile, (v) => this.lifecycle.restore(v), this.log, opts.clock.now());
      if (outcome === 'stuck') this.stateFile = null;
    }
    this.sinks = opts.sinks.map((sink) => ({
      sink,
      outbox: new Outbox({ dir, sink: sink.name, log: this.log, now: opts.clock.now(), maxEntries: opts.maxOutboxEntries }),
      up: true,
      lastError: null,
      failures: 0,
      timer: null,
    }));
    for (const s of this.sinks) this.opts.onSinkStatus?.(s.sink.name, true);
    if (dir !== null) this.warnOrphanedOutboxes(dir);
  }

  /** Says which outbox files in `dir` belong to no configured sink (an Alertmanager replica taken out of ALERTMANAGER_URL): what they hold is not sent. */
  private warnOrphanedOutboxes(dir: string): void {
    let files: string[];
    try {
      files = readdirSync(dir);
    } catch {
      return;
    }
    const ours = new Set(this.sinks.map((s) => (s.outbox.file ? basename(s.outbox.file) : "")));
    for (const f of files) {
      if (!/^outbox-.*\.json$/.test(f) || ours.has(f)) continue;
      this.log.warn({ file: join(dir, f) }, `${f} is the outbox of an alert sink no longer configured (ALERTMANAGER_URL, KAD_WEBHOOK_URL): what it holds is not sent; remove the file once it is not needed`);
    }
  }

  /**
   * Records the cycle at `t`: queues the alert state changes it makes in every outbox (written to disk
   * first), then tries to deliver every outbox once. Resolves when that attempt is over (bounded by
   * the sinks' timeouts). Never throws.
   */
  update(t: number, flagged: readonly FlaggedPod[]): Promise<void> {
    return this.exclusive(async () => {
      if (this.closed) return;
      const before = this.lifecycle.firing();
      const changes = this.lifecycle.update(t, flagged);
      if (changes.length > 0 || this.lifecycle.firing() !== before) {
        this.log.debug({ changes: changes.length, firing: this.lifecycle.firing() }, 'alert state changes queued');
        for (const s of this.sinks) s.outbox.enqueue(changes, t);
        await Promise.all(this.sinks.map((s) => s.outbox.persist()));
        await this.persistLifecycle();
      }
      await this.deliverAll();
    });
  }

  /** Tries to deliver everything pending now. Never throws. */
  flush(): Promise<void> {
    return this.exclusive(() => this.deliverAll());
  }

  status(): AlertNotifierStatus {
    const sinks: AlertNotifierStatus['sinks'] = {};
    for (const s of this.sinks) {
      sinks[s.sink.name] = { up: s.up, lastError: s.lastError, pending: s.outbox.pending, dropped: s.outbox.dropped, ...(s.sink.group ? { group: s.sink.group } : {}) };
    }
    return { sinks, firing: this.lifecycle.firing() };
  }

  /** Tries one last delivery, stops the retry timers; later calls to update() do nothing. */
  close(): Promise<void> {
    return this.exclusive(async () => {
      if (this.closed) return;
      for (const s of this.sinks) this.clearTimer(s);
      await this.deliverAll();
      for (const s of this.sinks) {
        this.clearTimer(s);
        s.sink.close?.();
      }
      this.closed = true;
    });
  }

  /** Runs `fn` after everything queued before it; logs instead of throwing. */
  private exclusive(fn: () => Promise<void>): Promise<void> {
    const run = this.queue.then(fn).catch((e: unknown) => {
      this.log.error({ err: e }, `notifier: ${(e as Error)?.message ?? String(e)}`);
    });
    this.queue = run;
    return run;
  }

  private async persistLifecycle(): Promise<void> {
    if (!this.stateFile) return;
    try {
      await writeJsonAtomic(this.stateFile, this.lifecycle.toJSON());
    } catch (e) {
      this.log.error({ file: this.stateFile }, `cannot write alert state ${this.stateFile}: ${(e as Error).message}`);
    }
  }

  private async deliverAll(): Promise<void> {
    await Promise.all(this.sinks.map((s) => this.deliver(s)));
  }

  /** Sends the outbox of `s` in batches, oldest first, until it is empty or the sink fails. */
  private async deliver(s: SinkState): Promise<void> {
    if (this.closed || s.outbox.pending === 0) return;
    this.clearTimer(s);
    let changed = false;
    try {
      while (s.outbox.pending > 0) {
        const batch = s.outbox.peek(this.batchSize);
        s.outbox.attempted(batch);
        try {
          await s.sink.send(batch.map((e) => e.alert));
        } catch (e) {
          const msg = (e as Error)?.message ?? String(e);
          if (e instanceof DeliveryError && e.permanent) {
            s.outbox.remove(batch, true);
            changed = true;
            this.log.error({ sink: s.sink.name, alerts: batch.length }, `${s.sink.name} rejected ${batch.length} alert(s), dropped: ${msg}`);
            this.setHealth(s, false, msg);
            continue;
          }
          s.failures++;
          if (s.up) {
            this.log.warn({ sink: s.sink.name, pending: s.outbox.pending }, `alert delivery failed: ${msg}; ${s.outbox.pending} alert(s) kept for retry`);
          } else {
            this.log.debug({ sink: s.sink.name, pending: s.outbox.pending, failures: s.failures }, `alert delivery failed again: ${msg}`);
          }
          this.setHealth(s, false, msg);
          this.scheduleRetry(s);
          return;
        }
        s.outbox.remove(batch);
        changed = true;
        if (!s.up) this.log.info({ sink: s.sink.name, pending: s.outbox.pending }, `alert delivery to ${s.sink.url} works again`);
        s.failures = 0;
        this.setHealth(s, true, null);
      }
    } finally {
      if (changed) await s.outbox.persist();
    }
  }

  private setHealth(s: SinkState, up: boolean, lastError: string | null): void {
    s.lastError = lastError;
    if (s.up === up) return;
    s.up = up;
    this.opts.onSinkStatus?.(s.sink.name, up);
  }

  private scheduleRetry(s: SinkState): void {
    const retry = this.opts.retry ?? { initialMs: 5_000, maxMs: 300_000 };
    if (retry === false || this.closed || s.timer) return;
    const delay = Math.min(retry.maxMs, retry.initialMs * 2 ** Math.min(30, s.failures - 1));
    s.timer = setTimeout(() => {
      s.timer = null;
      void this.exclusive(() => this.deliver(s));
    }, delay);
    s.timer.unref();
  }

  private clearTimer(s: SinkState): void {
    if (s.timer) clearTimeout(s.timer);
    s.timer = null;
  }
}

/** The labels of every alert kad sends (KAD_ALERT_LABELS), for the notifier, the event recorder and the other shards' alerts. */
export function alertExtraLabels(am: Readonly<Config['alertmanager']>): Record<string, string> | undefined {
  return am.labels ? parseLabelList(am.labels, 'KAD_ALERT_LABELS') : undefined;
}

/** How kad authenticates to Alertmanager: the `ALERTMANAGER_*` credentials, TLS and headers of the config (for the sink, the silences and the other shards' alerts). */
export function alertmanagerAuth(am: Readonly<Config['alertmanager']>): HttpClientAuth {
  return authFromSettings(am, 'ALERTMANAGER');
}

/** What {@link createNotifier} needs besides the config. */
export interface NotifierDeps {
  clock: Clock;
  log: NotifyLogger;
  onSinkStatus?: (sink: string, up: boolean) => void;
  /** Per-request timeout of the sinks, ms. Default 5 s. */
  timeoutMs?: number;
  /** See {@link AlertNotifierOptions.retry}. */
  retry?: AlertNotifierOptions['retry'];
}

/**
 * Builds the notifier the config asks for: an Alertmanager sink when `alertmanager.url` is set, a
 * webhook sink when `alertmanager.webhookUrl` is, outboxes and alert state under `state.dir`. With
 * neither it delivers nothing (and writes nothing) but still counts firing alerts and reports status.
 */
export function createNotifier(config: Pick<Config, 'alertmanager'> & { state: { dir?: string } }, deps: NotifierDeps): AlertNotifier {
  const am = config.alertmanager;
  const timeoutMs = deps.timeoutMs ?? DEFAULT_SINK_TIMEOUT_MS;
  const sinks: Sink[] = [];
  // One sink per Alertmanager replica: `alertmanager`, then `alertmanager-2`, … (the first keeps the name, its outbox and its metric label).
  alertmanagerUrls(am.url).forEach((url, i) => sinks.push(new AlertmanagerSink({ url, auth: alertmanagerAuth(am), timeoutMs, name: i ? `alertmanager-${i + 1}` : 'alertmanager' })));
  if (am.webhookUrl) {
    const headers = am.webhookHeaders ? parseHeaderList(am.webhookHeaders, 'KAD_WEBHOOK_HEADERS') : undefined;
    sinks.push(new WebhookSink({ url: am.webhookUrl, headers, timeoutMs, externalUrl: am.externalUrl }));
  }
  return new AlertNotifier({
    sinks,
    clock: deps.clock,
    stateDir: sinks.length ? stateDir(config) : null, // nothing to deliver: nothing to keep
    resendSeconds: am.resendSeconds,
    severity: am.severity,
    labels: alertExtraLabels(am),
    externalUrl: am.externalUrl,
    log: deps.log,
    onSinkStatus: deps.onSinkStatus,
    retry: deps.retry,
  });
}
