/**
 * The dashboard's JSON: the pods now (GET /api/pods, and every cycle on GET /api/events as
 * Server-Sent Events), a pod's history (GET /api/series: the event store's score and metric history,
 * which survives restarts, joined with the samples the series store holds, and each metric's expected
 * range from the pod's own history: store/expected-range.ts), the anomaly history with
 * search (GET /anomalies), the alert history (GET /api/alerts), incidents (GET /api/incidents:
 * store/incidents.ts), and operator feedback (POST /anomalies/{id}/feedback, which needs the API
 * token: auth.ts). Times are epoch ms.
 */
import { Type, type Static } from 'typebox';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { NotFoundError } from '../core/errors.js';
import { SECURITY_HEADERS } from '../core/security-headers.js';
import type { Engine } from '../engine/engine.js';
import type { OperatorFeedback } from '../policy/feedback.js';
import { HISTORY_METRICS, type AlertRecord, type EventStore, type HistoryMetricName } from '../store/event-store.js';
import { expectedRange } from '../store/expected-range.js';
import { groupIncidents, INCIDENT_WINDOW_MS } from '../store/incidents.js';
import type { PodField } from '../store/series-store.js';
import { requireToken } from './auth.js';
import type { ApiDeps } from './deps.js';

const Num = Type.Union([Type.Number(), Type.Null()]);
const Str = Type.Union([Type.String(), Type.Null()]);
const TopFeature = Type.Object({
  feature: Type.String(),
  contribution: Type.Number({ description: 'Distance from normal in learned spreads (z)' }),
  value: Num,
  expected: Type.Array(Num, { description: '[low, high] of the normal range' }),
});
const Finding = Type.Object({
  topFeatures: Type.Array(TopFeature),
  peer: Type.Union([Type.Object({ score: Type.Number(), feature: Str }), Type.Null()], { description: 'Set when the pod is unlike its replicas' }),
  change: Type.String({ description: 'level-shift, spike or none' }),
  incident: Type.Optional(Type.Object(
    { type: Type.String(), probability: Type.Number(), version: Type.String() },
    { description: 'The likely incident type named by the production incident classifier (GET /models); absent without one' },
  )),
});
const Pod = Type.Object({
  namespace: Type.String(), pod: Type.String(), workload: Type.String(), node: Str, t: Type.Number(),
  score: Type.Number(), flagged: Type.Boolean(),
  threshold: Type.Number({ description: 'The score at or above which the pod is hot now (calibration and feedback included)' }),
  modelScore: Type.Number(), peerScore: Type.Number(), model: Type.String(),
  features: Type.Record(Type.String(), Num),
  anomaly: Type.Union([Finding, Type.Null()], { description: 'What the firing anomaly alert states; null when not firing' }),
  exhaustion: Type.Union([Type.Object({ memorySeconds: Num, cpuSeconds: Num, warnings: Type.Array(Type.String()) }), Type.Null()]),
});
const Pods = Type.Object({ t: Num, modelVersion: Str, pods: Type.Array(Pod) });
const Feedback = Type.Object({
  verdict: Type.String({ description: 'false_alarm or real_incident (an operator\'s), or silenced: an Alertmanager silence covered its alert (weak feedback: not a false alarm, the floor is unchanged)' }),
  incidentType: Str, comment: Str, at: Type.Number(),
  silenceId: Type.Optional(Type.String({ description: 'For silenced: the Alertmanager silence\'s id' })),
  createdBy: Type.Optional(Type.String({ description: 'For silenced: who created the silence' })),
});
const Anomaly = Type.Object({
  id: Type.Integer(), namespace: Type.String(), workload: Type.String(), pod: Type.String(), start: Type.Number(), end: Num,
  peakScore: Type.Number(), threshold: Type.Number(), topFeatures: Type.Array(TopFeature), explanation: Type.String(), modelVersion: Type.String(),
  feedback: Type.Union([Feedback, Type.Null()]),
});
const Alert = Type.Object({
  id: Type.Integer(), kind: Type.String({ description: 'anomaly or early_warning' }), namespace: Type.String(), workload: Type.String(), pod: Type.String(),
  startsAt: Type.Number(), endsAt: Num, summary: Type.String(), labels: Type.Record(Type.String(), Type.String()),
  annotations: Type.Record(Type.String(), Type.String()), anomalyId: Type.Union([Type.Integer(), Type.Null()]),
});
const Incident = Type.Object({
  id: Type.String(), start: Type.Number(), end: Num, namespace: Type.String(), workloads: Type.Array(Type.String()), pods: Type.Array(Type.String()),
  alerts: Type.Array(Type.Integer()), anomalies: Type.Array(Type.Integer()),
});
const Window = { from: Type.Optional(Type.Number({ description: 'Epoch ms' })), to: Type.Optional(Type.Number({ description: 'Epoch ms' })) };
const FeedbackBody = Type.Object({
  verdict: Type.Union([Type.Literal('false_alarm'), Type.Literal('real_incident')]),
  incidentType: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'e.g. oom_kill, packet_loss' })),
  comment: Type.Optional(Type.String({ maxLength: 2000 })),
});

const EXPECTED_RULE = 'Expected range of cpu, memory, network_rx, network_tx and rx_dropped, aligned with `t` (null: not enough history), from the pod\'s own earlier values only: '
  + 'median ± 3 × 1.4826 × MAD of the values within ±10 minutes of the same time on the previous 7 days, when at least 2 of those days have values; '
  + 'otherwise of the previous 60 minutes (at least 10 values); the spread is at least 1% of the median, and the low edge at least 0.';
const fin = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x : null);
const HOUR = 3_600_000;
/** The metrics /api/series gives an expected range for. */
const EXPECTED_METRICS: readonly HistoryMetricName[] = ['cpu', 'memory', 'network_rx', 'network_tx', 'rx_dropped'];
/** History read before `from` for the expected range: 7 days and the 10-minute window (store/expected-range.ts). */
const EXPECTED_LOOKBACK_MS = 7 * 24 * HOUR + 10 * 60_000;
/** Seconds between keep-alive comments on an event stream. */
export const SSE_PING_MS = 15_000;

/** Series-store fields by the history's metric names. */
const FIELD_OF: Record<HistoryMetricName, PodField> = {
  cpu: 'cpu', memory: 'memory', restarts: 'restarts', network_rx: 'rxBytes', network_tx: 'txBytes',
  rx_packets: 'rxPackets', rx_dropped: 'rxDropped', cpu_limit: 'cpuLimit', memory_limit: 'memoryLimit',
};

/** The /api/pods payload: every pod's latest result. Throws NotReadyError before training. */
export function podsPayload(engine: Engine): Static<typeof Pods> {
  const results = engine.detect();
  return {
    t: results.length ? Math.max(...results.map((r) => r.t)) : null,
    modelVersion: engine.status().modelVersion,
    pods: results.map((r) => ({
      namespace: r.ref.namespace, pod: r.ref.pod, workload: r.ref.workload, node: r.ref.node ?? null, t: r.t,
      score: r.score, flagged: r.flagged, threshold: r.threshold ?? NaN, modelScore: r.modelScore, peerScore: r.peerScore, model: r.model,
      features: Object.fromEntries(Object.entries(r.features).map(([k, v]) => [k, fin(v)])),
      anomaly: r.anomaly
        ? { topFeatures: r.anomaly.topFeatures.map((f) => ({ feature: f.name, contribution: f.z, value: fin(f.value), expected: [fin(f.expected[0]), fin(f.expected[1])] })), peer: r.anomaly.peer, change: r.anomaly.change, ...(r.anomaly.incident ? { incident: { ...r.anomaly.incident } } : {}) }
        : null,
      exhaustion: r.exhaustion ? { memorySeconds: fin(r.exhaustion.memorySeconds), cpuSeconds: fin(r.exhaustion.cpuSeconds), warnings: r.exhaustion.warnings } : null,
    })),
  };
}

const alertOut = ({ key: _key, ...a }: AlertRecord) => a;

/** A pod's history in [from, to]: the event store's, plus the series store's samples at cycles the event store lacks (no score there). */
function podSeries(engine: Engine, events: EventStore, namespace: string, pod: string, from: number, to: number) {
  const h = events.history(namespace, pod, from - EXPECTED_LOOKBACK_MS, to);
  const ss = engine.seriesStore;
  const key = `${namespace}/${pod}`;
  const ref = ss.pod(key);
  if (h.workload === null && ref === undefined) throw new NotFoundError(`No history of pod ${key}; see /api/pods for the pods`);
  type Point = { t: number; score: number | null; threshold: number | null; flagged: boolean; m: (number | null)[] };
  const points: Point[] = h.t.map((t, i) => ({ t, score: h.score[i], threshold: h.threshold[i], flagged: h.flagged[i], m: HISTORY_METRICS.map((k) => h.metrics[k][i]) }));
  if (ref) {
    const have = new Set(h.t);
    const times = ss.cycleTimes();
    const cols = HISTORY_METRICS.map((k) => ss.podSeries(key, FIELD_OF[k])!);
    for (let i = 0; i < times.length; i++) {
      if (times[i] < from - EXPECTED_LOOKBACK_MS || times[i] > to || have.has(times[i]) || !cols.some((c) => Number.isFinite(c[i]))) continue;
      points.push({ t: times[i], score: null, threshold: null, flagged: false, m: cols.map((c) => fin(c[i])) });
    }
    points.sort((a, b) => a.t - b.t);
  }
  // Points before `from` are history the expected range is read from, not shown.
  const t = points.map((p) => p.t);
  const start = t.findIndex((x) => x >= from);
  const first = start < 0 ? t.length : start;
  const shown = points.slice(first);
  const expected = Object.fromEntries(EXPECTED_METRICS.map((k) => {
    const j = HISTORY_METRICS.indexOf(k);
    const b = expectedRange(t, points.map((p) => p.m[j] ?? NaN), { lower: 0 }, first);
    return [k, { lo: Array.from(b.lo, fin), hi: Array.from(b.hi, fin) }];
  }));
  return {
    namespace, pod, workload: h.workload ?? ref?.workload ?? '', stepMs: ss.options.stepMs,
    t: shown.map((p) => p.t),
    metrics: Object.fromEntries(HISTORY_METRICS.map((k, j) => [k, shown.map((p) => p.m[j])])),
    score: shown.map((p) => p.score), threshold: shown.map((p) => p.threshold), flagged: shown.map((p) => p.flagged),
    expected,
  };
}

/** Deps the routes need beyond {@link ApiDeps}: the event store and the feedback are always there (server.ts makes defaults). */
type EventDeps = ApiDeps & { events: EventStore; feedback: OperatorFeedback };

/** Registers the dashboard's JSON routes and the event stream; see the module comment. */
export const eventRoutes: FastifyPluginAsync<EventDeps> = async (app, deps) => {
  const a = app.withTypeProvider<TypeBoxTypeProvider>();
  const { engine, events, telemetry } = deps;
  /** The latest data time (the simulated clock on the simulator). */
  const now = () => engine.status().lastCycleAt ?? (Number.isFinite(engine.seriesStore.newest) ? engine.seriesStore.newest : Date.now());

  a.get('/api/pods', {
    schema: { description: 'Every pod\'s latest score, flag, threshold, features and firing anomaly (the facts of /detect and more); 503 before the first model is trained.', tags: ['dashboard'], response: { 200: Pods } },
  }, async () => podsPayload(engine));

  a.get('/api/series', {
    schema: {
      description: 'A pod\'s metrics, score, threshold and flags over [from, to] (default: the last 3 hours), from the event store (kept across restarts) and the samples held in memory (no score before training); and `expected`, each metric\'s normal range from the pod\'s own earlier values. ' + EXPECTED_RULE,
      tags: ['dashboard'],
      querystring: Type.Object({ namespace: Type.String(), pod: Type.String(), ...Window }),
      response: {
        200: Type.Object({
          namespace: Type.String(), pod: Type.String(), workload: Type.String(), stepMs: Type.Number(), t: Type.Array(Type.Number()),
          metrics: Type.Record(Type.String(), Type.Array(Num)), score: Type.Array(Num), threshold: Type.Array(Num), flagged: Type.Array(Type.Boolean()),
          expected: Type.Optional(Type.Record(Type.String(), Type.Object({ lo: Type.Array(Num), hi: Type.Array(Num) }), { description: EXPECTED_RULE })),
        }),
      },
    },
  }, async (req) => {
    const to = req.query.to ?? now();
    return podSeries(engine, events, req.query.namespace, req.query.pod, req.query.from ?? to - 3 * HOUR, to);
  });

  a.get('/anomalies', {
    schema: {
      description: 'Past and current anomaly events, newest first: start, end (null while it lasts), peak score, threshold, top features, explanation, model version and feedback (an operator\'s verdict, or `silenced` when an Alertmanager silence naming its pod or workload covered its alert). `q` searches pod, workload and explanation.',
      tags: ['dashboard'],
      querystring: Type.Object({
        namespace: Type.Optional(Type.String()), workload: Type.Optional(Type.String()), pod: Type.Optional(Type.String()), ...Window,
        q: Type.Optional(Type.String({ maxLength: 200 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
      }),
      response: { 200: Type.Object({ count: Type.Integer(), anomalies: Type.Array(Anomaly) }) },
    },
  }, async (req) => {
    const list = events.anomalies(req.query);
    return { count: list.length, anomalies: list };
  });

  a.get('/api/alerts', {
    schema: {
      description: 'Alert history (anomaly and early-warning alerts, as sent to Alertmanager), firing (endsAt null) or resolved, that fired at some time in [from, to], newest first.',
      tags: ['dashboard'],
      querystring: Type.Object({ ...Window, limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000, default: 500 })) }),
      response: { 200: Type.Object({ count: Type.Integer(), alerts: Type.Array(Alert) }) },
    },
  }, async (req) => {
    const list = events.alerts(req.query.from, req.query.to, req.query.limit).map(alertOut);
    return { count: list.length, alerts: list };
  });

  a.get('/api/incidents', {
    schema: {
      description: 'Alerts and anomalies grouped into incidents: those of one namespace whose starts follow each other within windowMinutes (default 5), newest first.',
      tags: ['dashboard'],
      querystring: Type.Object({ ...Window, windowMinutes: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1440 })) }),
      response: { 200: Type.Object({ count: Type.Integer(), incidents: Type.Array(Incident) }) },
    },
  }, async (req) => {
    const { from, to, windowMinutes } = req.query;
    const items = [
      ...events.alerts(from, to, 5000).map((x) => ({ kind: 'alert' as const, id: x.id, namespace: x.namespace, workload: x.workload, pod: x.pod, start: x.startsAt, end: x.endsAt })),
      ...events.anomalies({ from, to, limit: 5000 }).map((x) => ({ kind: 'anomaly' as const, id: x.id, namespace: x.namespace, workload: x.workload, pod: x.pod, start: x.start, end: x.end })),
    ];
    const incidents = groupIncidents(items, windowMinutes !== undefined ? windowMinutes * 60_000 : INCIDENT_WINDOW_MS);
    return { count: incidents.length, incidents };
  });

  a.post('/anomalies/:id/feedback', {
    onRequest: requireToken(deps.auth),
    schema: {
      description: 'Operator feedback on an anomaly: false_alarm (its workload\'s alerts are muted until they score above its false alarms\' peak) or real_incident (a labeled example for `kad export-labels`), with an optional incident type and comment. Needs `Authorization: Bearer <KAD_API_TOKEN>`: 401 without or with a wrong token, 403 when no token is configured.',
      tags: ['dashboard'],
      security: [{ bearer: [] }],
      params: Type.Object({ id: Type.Integer({ minimum: 1 }) }),
      body: FeedbackBody,
      response: { 200: Type.Object({ anomaly: Anomaly }) },
    },
  }, async (req) => {
    const out = deps.feedback.give(req.params.id, req.body);
    const { namespace, workload } = out.anomaly;
    telemetry.feedback.inc({ verdict: req.body.verdict });
    if (out.counted) telemetry.falseAlarms.inc({ namespace, workload });
    if (out.floor > 0) telemetry.workloadFloor.set({ namespace, workload }, out.floor);
    else telemetry.workloadFloor.remove({ namespace, workload });
    return { anomaly: out.anomaly };
  });

  // Server-Sent Events: `event: cycle` with the /api/pods payload after every scoring cycle, a comment every 15 s.
  const streams = new Set<FastifyReply>();
  const send = (text: string) => {
    for (const r of streams) r.raw.write(text);
  };
  const unsubscribe = deps.feed?.subscribe(() => {
    if (streams.size === 0) return;
    send(`event: cycle\ndata: ${JSON.stringify(podsPayload(engine))}\n\n`);
  });
  const ping = setInterval(() => send(': ping\n\n'), SSE_PING_MS);
  ping.unref();
  app.addHook('preClose', async () => {
    clearInterval(ping);
    unsubscribe?.();
    for (const r of streams) r.raw.end();
    streams.clear();
  });

  a.get('/api/events', {
    schema: {
      description: 'Server-Sent Events (text/event-stream): `event: cycle` with the /api/pods payload now (once trained) and after every scoring cycle; a `: ping` comment every 15 s.',
      tags: ['dashboard'],
      produces: ['text/event-stream'],
    },
  }, (req, reply) => {
    reply.hijack();
    reply.raw.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    reply.raw.write('retry: 3000\n\n');
    if (engine.status().trained) reply.raw.write(`event: cycle\ndata: ${JSON.stringify(podsPayload(engine))}\n\n`);
    streams.add(reply);
    req.raw.once('close', () => streams.delete(reply));
  });
};
