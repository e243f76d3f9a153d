/**
 * The event store: what kad remembers across restarts, in one SQLite file (`kad.db` under
 * `KAD_STATE_DIR`; in memory when no state directory is set). It keeps
 * - **anomaly events**: a pod's anomaly from the cycle its alert starts to the cycle it stops, with
 *   its peak score, threshold, top features, explanation, model version and operator feedback;
 * - **alert history**: anomaly and early-warning alerts, firing (no end yet) or resolved;
 * - **pod history**: per pod and cycle its score, threshold, flag and raw metrics, so the dashboard
 *   shows hours of history after a restart (at most `historyPointsPerPod` points per pod);
 * - **workload bars**: what false-alarm feedback did to each workload's alerts (policy/workload-bars.ts);
 * - **silences**: an Alertmanager silence on an anomaly's alert is kept as weak feedback (verdict
 *   `silenced`, with the silence's id, author and comment) until an operator gives a verdict.
 *
 * Everything is written by plain methods meant to run inside {@link EventStore.write}, one
 * transaction per scoring cycle. WAL mode with `synchronous=NORMAL`: a killed process loses nothing it
 * committed and never leaves a torn file (a power cut may lose the last transactions, not the file).
 * {@link EventStore.prune} drops what is older than `retentionDays` (anomalies with feedback stay: they
 * are labeled examples) and caps each pod's history. Times are epoch ms of the data (the simulated
 * clock on the simulator). The schema and its migrations are in event-schema.ts.
 */
import { join } from 'node:path';
import { StoreError } from '../core/errors.js';
import { openDatabase, type Db } from './event-schema.js';
import { makeDirSync } from './make-dir.js';

/** File of the event store under the state directory. */
export const EVENT_STORE_FILE = 'kad.db';

/** The raw metrics kept per pod and cycle, as the API names them. */
export const HISTORY_METRICS = ['cpu', 'memory', 'restarts', 'network_rx', 'network_tx', 'rx_packets', 'rx_dropped', 'cpu_limit', 'memory_limit'] as const;
/** One of {@link HISTORY_METRICS}. */
export type HistoryMetricName = (typeof HISTORY_METRICS)[number];

/** One pod's row of a cycle. Non-finite numbers are stored as null. */
export interface PodCycleRow {
  namespace: string;
  pod: string;
  workload: string;
  score: number;
  threshold: number;
  flagged: boolean;
  modelScore: number;
  peerScore: number;
  metrics: Record<HistoryMetricName, number>;
}

/** A feature's part in an anomaly. */
export interface TopFeature {
  feature: string;
  /** How far from normal, in learned spreads (z). */
  contribution: number;
  value: number | null;
  expected: [number | null, number | null];
}

/** Feedback on an anomaly: an operator's verdict, or `silenced` (an Alertmanager silence covered its alert: weak feedback). */
export type Verdict = 'false_alarm' | 'real_incident' | 'silenced';

/** What an operator said about an anomaly. */
export interface Feedback {
  verdict: Verdict;
  incidentType: string | null;
  comment: string | null;
  /** When it was given, epoch ms. */
  at: number;
  /** For `silenced`: the Alertmanager silence's id. */
  silenceId?: string;
  /** For `silenced`: who created the silence. */
  createdBy?: string;
}

/** An Alertmanager silence recorded on an anomaly ({@link EventStore.markSilenced}). */
export interface SilenceMark {
  silenceId: string;
  createdBy: string;
  comment: string;
  /** When kad saw it, epoch ms. */
  at: number;
}

/** An anomaly event. */
export interface AnomalyRecord {
  id: number;
  namespace: string;
  workload: string;
  pod: string;
  start: number;
  /** Null while it lasts. */
  end: number | null;
  peakScore: number;
  threshold: number;
  topFeatures: TopFeature[];
  explanation: string;
  modelVersion: string;
  feedback: Feedback | null;
}

/** An anomaly as it opens (the store gives it its id). */
export type NewAnomaly = Omit<AnomalyRecord, 'id' | 'end' | 'feedback'>;

/** The kinds of alert kept. */
export type AlertKind = 'anomaly' | 'early_warning';

/** An alert, firing (`endsAt` null) or resolved. */
export interface AlertRecord {
  id: number;
  kind: AlertKind;
  /** The alert's identity among kad's alerts (notify/alerts.ts alertKey). */
  key: string;
  namespace: string;
  workload: string;
  pod: string;
  startsAt: number;
  endsAt: number | null;
  summary: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** The anomaly event of an anomaly alert. */
  anomalyId: number | null;
}

/** An alert as it starts. */
export type NewAlert = Omit<AlertRecord, 'id' | 'endsAt'>;

/** A pod's history over a window, oldest first. */
export interface PodHistory {
  workload: string | null;
  t: number[];
  score: (number | null)[];
  threshold: (number | null)[];
  flagged: boolean[];
  metrics: Record<HistoryMetricName, (number | null)[]>;
}

/** A workload's alert bar, as false-alarm feedback left it. */
export interface WorkloadBarRecord {
  namespace: string;
  workload: string;
  /** Its anomalies marked false alarm. */
  falseAlarms: number;
  /** The highest peak score of its anomalies marked false alarm (0: none). */
  scoreFloor: number;
  updatedAt: number;
}

/** Filters of {@link EventStore.anomalies}. */
export interface AnomalyQuery {
  namespace?: string;
  workload?: string;
  pod?: string;
  /** Anomalies still open at or after this time. */
  from?: number;
  /** Anomalies started at or before this time. */
  to?: number;
  /** Substring of the pod, the workload or the explanation (case-insensitive). */
  q?: string;
  /** Only those with an operator's verdict (false_alarm or real_incident; not `silenced`). */
  withFeedback?: boolean;
  limit?: number;
}

/** Options of {@link openEventStore}. */
export interface EventStoreOptions {
  /** The state directory (the file is {@link EVENT_STORE_FILE} in it); undefined: in memory. */
  dir?: string;
  /** Days of data kept (default 7). */
  retentionDays?: number;
  /** Most points of history kept per pod (default 10,080: a week of 1-minute cycles). */
  historyPointsPerPod?: number;
}

const num = (x: number) => (Number.isFinite(x) ? x : null);
const DAY = 86_400_000;

interface AnomalyRow {
  id: number; namespace: string; workload: string; pod: string; start_at: number; end_at: number | null; peak_score: number; threshold: number;
  top_features: string; explanation: string; model_version: string; verdict: Verdict | null; incident_type: string | null; comment: string | null; feedback_at: number | null;
  silence_id: string | null; silenced_by: string | null;
}
interface AlertRow {
  id: number; kind: AlertKind; alert_key: string; namespace: string; workload: string; pod: string; starts_at: number; ends_at: number | null;
  summary: string; labels: string; annotations: string; anomaly_id: number | null;
}

function toAnomaly(r: AnomalyRow): AnomalyRecord {
  return {
    id: r.id, namespace: r.namespace, workload: r.workload, pod: r.pod, start: r.start_at, end: r.end_at, peakScore: r.peak_score, threshold: r.threshold,
    topFeatures: JSON.parse(r.top_features) as TopFeature[], explanation: r.explanation, modelVersion: r.model_version,
    feedback: r.verdict
      ? { verdict: r.verdict, incidentType: r.incident_type, comment: r.comment, at: r.feedback_at ?? 0, ...(r.silence_id !== null ? { silenceId: r.silence_id, createdBy: r.silenced_by ?? '' } : {}) }
      : null,
  };
}

function toAlert(r: AlertRow): AlertRecord {
  return {
    id: r.id, kind: r.kind, key: r.alert_key, namespace: r.namespace, workload: r.workload, pod: r.pod, startsAt: r.starts_at, endsAt: r.ends_at,
    summary: r.summary, labels: JSON.parse(r.labels) as Record<string, string>, annotations: JSON.parse(r.annotations) as Record<string, string>, anomalyId: r.anomaly_id,
  };
}

/** Opens the event store of `opts.dir` (creating the directory), or one in memory; throws {@link StoreError} naming the file when it cannot be used. */
export function openEventStore(opts: EventStoreOptions = {}): EventStore {
  let path = ':memory:';
  if (opts.dir !== undefined) {
    try {
      makeDirSync(opts.dir);
    } catch (e) {
      throw new StoreError(`cannot create the state directory ${opts.dir} for the event store: ${(e as Error).message}`, { cause: e });
    }
    path = join(opts.dir, EVENT_STORE_FILE);
  }
  return new EventStore(openDatabase(path), path, opts);
}

/** The event store; see the module comment. Open it with {@link openEventStore}. */
export class EventStore {
  private readonly podIds = new Map<string, { id: number; workload: string }>();
  private readonly retentionMs: number;
  private readonly cap: number;
  private readonly stmt;

  constructor(private readonly db: Db, readonly path: string, opts: EventStoreOptions = {}) {
    this.retentionMs = (opts.retentionDays ?? 7) * DAY;
    this.cap = opts.historyPointsPerPod ?? 10_080;
    const metricCols = HISTORY_METRICS.join(', ');
    this.stmt = {
      podInsert: db.prepare('INSERT INTO pods (namespace, pod, workload) VALUES (?, ?, ?) ON CONFLICT (namespace, pod) DO UPDATE SET workload = excluded.workload RETURNING id'),
      podFind: db.prepare<[string, string], { id: number; workload: string }>('SELECT id, workload FROM pods WHERE namespace = ? AND pod = ?'),
      history: db.prepare(`INSERT OR REPLACE INTO pod_history (pod_id, t, score, threshold, flagged, model_score, peer_score, ${metricCols}) VALUES (${Array(7 + HISTORY_METRICS.length).fill('?').join(', ')})`),
      historyRange: db.prepare<[number, number, number], Record<string, number | null>>(`SELECT t, score, threshold, flagged, ${metricCols} FROM pod_history WHERE pod_id = ? AND t >= ? AND t <= ? ORDER BY t`),
      anomalyInsert: db.prepare('INSERT INTO anomalies (namespace, workload, pod, start_at, peak_score, threshold, top_features, explanation, model_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      anomalyPeak: db.prepare('UPDATE anomalies SET peak_score = ?, top_features = ?, explanation = ? WHERE id = ? AND peak_score < ?'),
      anomalyClose: db.prepare('UPDATE anomalies SET end_at = ? WHERE id = ? AND end_at IS NULL'),
      anomalyGet: db.prepare<[number], AnomalyRow>('SELECT * FROM anomalies WHERE id = ?'),
      anomaliesOpen: db.prepare<[], AnomalyRow>('SELECT * FROM anomalies WHERE end_at IS NULL ORDER BY id'),
      feedback: db.prepare('UPDATE anomalies SET verdict = ?, incident_type = ?, comment = ?, feedback_at = ?, silence_id = NULL, silenced_by = NULL WHERE id = ?'),
      silenced: db.prepare("UPDATE anomalies SET verdict = 'silenced', incident_type = NULL, comment = ?, feedback_at = ?, silence_id = ?, silenced_by = ? WHERE id = ? AND verdict IS NULL"),
      alertInsert: db.prepare('INSERT INTO alerts (kind, alert_key, namespace, workload, pod, starts_at, summary, labels, annotations, anomaly_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      alertClose: db.prepare('UPDATE alerts SET ends_at = ? WHERE id = ? AND ends_at IS NULL'),
      alertsOpen: db.prepare<[], AlertRow>('SELECT * FROM alerts WHERE ends_at IS NULL ORDER BY id'),
      alertsRange: db.prepare<[number, number, number], AlertRow>('SELECT * FROM alerts WHERE starts_at <= ? AND (ends_at IS NULL OR ends_at >= ?) ORDER BY starts_at DESC, id DESC LIMIT ?'),
      barUpsert: db.prepare(
        'INSERT INTO workload_bars (namespace, workload, false_alarms, score_floor, updated_at) VALUES (?, ?, ?, ?, ?) ' +
        'ON CONFLICT (namespace, workload) DO UPDATE SET false_alarms = excluded.false_alarms, score_floor = excluded.score_floor, updated_at = excluded.updated_at',
      ),
      bars: db.prepare<[], { namespace: string; workload: string; false_alarms: number; score_floor: number; updated_at: number }>('SELECT * FROM workload_bars ORDER BY namespace, workload'),
      falseAlarms: db.prepare<[string, string], { n: number; peak: number | null }>(
        "SELECT COUNT(*) AS n, MAX(peak_score) AS peak FROM anomalies WHERE namespace = ? AND workload = ? AND verdict = 'false_alarm'",
      ),
      pruneHistory: db.prepare('DELETE FROM pod_history WHERE t < ?'),
      pruneAnomalies: db.prepare('DELETE FROM anomalies WHERE end_at IS NOT NULL AND end_at < ? AND verdict IS NULL'),
      pruneAlerts: db.prepare('DELETE FROM alerts WHERE ends_at IS NOT NULL AND ends_at < ?'),
      podIdsAll: db.prepare<[], { id: number }>('SELECT id FROM pods'),
      capCutoff: db.prepare<[number, number], { t: number }>('SELECT t FROM pod_history WHERE pod_id = ? ORDER BY t DESC LIMIT 1 OFFSET ?'),
      capDelete: db.prepare('DELETE FROM pod_history WHERE pod_id = ? AND t <= ?'),
    };
  }

  /** Whether the store lives only in memory (no state directory). */
  get inMemory(): boolean {
    return this.path === ':memory:';
  }

  /** Runs `fn` in one transaction (all of it is kept, or none); nested calls join the outer one. */
  write<T>(fn: () => T): T {
    try {
      return this.db.transaction(fn)();
    } catch (e) {
      this.podIds.clear(); // ids of pods inserted by the rolled-back transaction are not there
      throw e;
    }
  }

  /** Adds one cycle's pod rows at time `t` (a row already there for a pod and time is replaced). */
  appendHistory(t: number, rows: readonly PodCycleRow[]): void {
    for (const r of rows) {
      const values = HISTORY_METRICS.map((m) => num(r.metrics[m]));
      this.stmt.history.run(this.podId(r.namespace, r.pod, r.workload), t, num(r.score), num(r.threshold), r.flagged ? 1 : 0, num(r.modelScore), num(r.peerScore), ...values);
    }
  }

  /** Opens an anomaly event; returns its id. */
  openAnomaly(a: NewAnomaly): number {
    const info = this.stmt.anomalyInsert.run(a.namespace, a.workload, a.pod, a.start, a.peakScore, a.threshold, JSON.stringify(a.topFeatures), a.explanation, a.modelVersion);
    return Number(info.lastInsertRowid);
  }

  /** Raises an open anomaly's peak score (with the features and explanation at the peak); lower scores change nothing. */
  raisePeak(id: number, score: number, topFeatures: readonly TopFeature[], explanation: string): void {
    this.stmt.anomalyPeak.run(score, JSON.stringify(topFeatures), explanation, id, score);
  }

  /** Ends an open anomaly at `end`. */
  closeAnomaly(id: number, end: number): void {
    this.stmt.anomalyClose.run(end, id);
  }

  /** Starts an alert; returns its id. */
  openAlert(a: NewAlert): number {
    const info = this.stmt.alertInsert.run(a.kind, a.key, a.namespace, a.workload, a.pod, a.startsAt, a.summary, JSON.stringify(a.labels), JSON.stringify(a.annotations), a.anomalyId);
    return Number(info.lastInsertRowid);
  }

  /** Resolves a firing alert at `end`. */
  closeAlert(id: number, end: number): void {
    this.stmt.alertClose.run(end, id);
  }

  /** Anomalies still open (a restarted kad continues or closes them). */
  openAnomalies(): AnomalyRecord[] {
    return this.stmt.anomaliesOpen.all().map(toAnomaly);
  }

  /** Alerts still firing. */
  openAlerts(): AlertRecord[] {
    return this.stmt.alertsOpen.all().map(toAlert);
  }

  /** One anomaly, or undefined. */
  anomaly(id: number): AnomalyRecord | undefined {
    const r = this.stmt.anomalyGet.get(id);
    return r && toAnomaly(r);
  }

  /** Anomalies matching `q`, newest first (at most `q.limit`, default 100). */
  anomalies(q: AnomalyQuery = {}): AnomalyRecord[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    for (const k of ['namespace', 'workload', 'pod'] as const) {
      if (q[k] !== undefined) {
        where.push(`${k} = ?`);
        args.push(q[k]!);
      }
    }
    if (q.from !== undefined) {
      where.push('(end_at IS NULL OR end_at >= ?)');
      args.push(q.from);
    }
    if (q.to !== undefined) {
      where.push('start_at <= ?');
      args.push(q.to);
    }
    if (q.q) {
      const like = `%${q.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      where.push("(pod LIKE ? ESCAPE '\\' OR workload LIKE ? ESCAPE '\\' OR explanation LIKE ? ESCAPE '\\')");
      args.push(like, like, like);
    }
    if (q.withFeedback) where.push("verdict IN ('false_alarm', 'real_incident')");
    const sql = `SELECT * FROM anomalies${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY start_at DESC, id DESC LIMIT ?`;
    return this.db.prepare<(string | number)[], AnomalyRow>(sql).all(...args, q.limit ?? 100).map(toAnomaly);
  }

  /**
   * Records feedback on anomaly `id`, replacing any earlier; returns the anomaly as it is now and the
   * verdict it had before (null: none), or undefined for an unknown id.
   */
  setFeedback(id: number, f: Feedback): { anomaly: AnomalyRecord; previous: Verdict | null } | undefined {
    return this.write(() => {
      const before = this.stmt.anomalyGet.get(id);
      if (!before) return undefined;
      this.stmt.feedback.run(f.verdict, f.incidentType, f.comment, f.at, id);
      return { anomaly: toAnomaly(this.stmt.anomalyGet.get(id)!), previous: before.verdict };
    });
  }

  /**
   * Marks anomaly `id` as covered by an Alertmanager silence (verdict `silenced`), unless it already
   * has feedback (an operator's verdict, or an earlier silence): returns whether it was marked now.
   */
  markSilenced(id: number, s: SilenceMark): boolean {
    return this.stmt.silenced.run(s.comment, s.at, s.silenceId, s.createdBy, id).changes === 1;
  }

  /** Alerts firing at some time in [from, to], newest first. */
  alerts(from = -Infinity, to = Infinity, limit = 500): AlertRecord[] {
    return this.stmt.alertsRange.all(Math.min(to, Number.MAX_SAFE_INTEGER), Math.max(from, -Number.MAX_SAFE_INTEGER), limit).map(toAlert);
  }

  /** A pod's history in [from, to], oldest first (empty for an unknown pod). */
  history(namespace: string, pod: string, from: number, to: number): PodHistory {
    const p = this.podIds.get(`${namespace}/${pod}`) ?? this.stmt.podFind.get(namespace, pod);
    const out: PodHistory = { workload: p?.workload ?? null, t: [], score: [], threshold: [], flagged: [], metrics: Object.fromEntries(HISTORY_METRICS.map((m) => [m, []])) as unknown as PodHistory['metrics'] };
    if (!p) return out;
    for (const r of this.stmt.historyRange.iterate(p.id, Math.max(from, -Number.MAX_SAFE_INTEGER), Math.min(to, Number.MAX_SAFE_INTEGER))) {
      out.t.push(r.t!);
      out.score.push(r.score);
      out.threshold.push(r.threshold);
      out.flagged.push(r.flagged === 1);
      for (const m of HISTORY_METRICS) out.metrics[m].push(r[m]);
    }
    return out;
  }

  /** Saves a workload's bar. */
  saveWorkloadBar(b: WorkloadBarRecord): void {
    this.stmt.barUpsert.run(b.namespace, b.workload, b.falseAlarms, b.scoreFloor, b.updatedAt);
  }

  /** Every workload bar saved. */
  workloadBars(): WorkloadBarRecord[] {
    return this.stmt.bars.all().map((r) => ({ namespace: r.namespace, workload: r.workload, falseAlarms: r.false_alarms, scoreFloor: r.score_floor, updatedAt: r.updated_at }));
  }

  /** How many of workload `namespace/workload`'s anomalies are marked false alarm, and their highest peak score (0: none). */
  falseAlarms(namespace: string, workload: string): { count: number; peak: number } {
    const r = this.stmt.falseAlarms.get(namespace, workload);
    return { count: r?.n ?? 0, peak: r?.peak ?? 0 };
  }

  /**
   * Drops history, resolved alerts and resolved anomalies without feedback older than the retention
   * before `now`, and each pod's history beyond its newest `historyPointsPerPod` points.
   */
  prune(now: number): void {
    const cutoff = now - this.retentionMs;
    this.write(() => {
      this.stmt.pruneHistory.run(cutoff);
      this.stmt.pruneAlerts.run(cutoff);
      this.stmt.pruneAnomalies.run(cutoff);
      for (const { id } of this.stmt.podIdsAll.all()) {
        const c = this.stmt.capCutoff.get(id, this.cap);
        if (c) this.stmt.capDelete.run(id, c.t);
      }
    });
  }

  /** SQLite's full integrity check: 'ok', or what is wrong. */
  integrityCheck(): string {
    return String(this.db.pragma('integrity_check', { simple: true }));
  }

  /** Closes the database (checkpointing the WAL into the file). */
  close(): void {
    if (this.db.open) this.db.close();
  }

  private podId(namespace: string, pod: string, workload: string): number {
    const key = `${namespace}/${pod}`;
    const known = this.podIds.get(key);
    if (known && known.workload === workload) return known.id;
    const { id } = this.stmt.podInsert.get(namespace, pod, workload) as { id: number };
    this.podIds.set(key, { id, workload });
    return id;
  }
}
