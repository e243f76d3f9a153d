/**
 * Recording rules for kad's per-pod values: Prometheus computes each pod's CPU and network rates,
 * working set and restarts once per evaluation interval over the whole fleet, and kad reads the
 * recorded series with one selector per batch instead of six queries (prometheus.ts, `recordingRules`).
 *
 * Why: a query's cost in Prometheus grows with the pods named in its matchers (a sharded replica names
 * every pod of a batch: prometheus-shard.ts), and each of the six queries of a batch pays it. Measured
 * on bench:shard's Prometheus 2.42 (40,000 pods), 20 batches of 500 pods: 1,340–1,580 ms of Prometheus
 * CPU for the six queries, 650–680 ms for one selector of the seven recorded series. The rules cost
 * Prometheus a fleet-wide aggregation per interval (no pod matchers) and seven series per pod; the
 * recorded values are up to one evaluation interval old when kad reads them.
 *
 * The rules' expressions are the queries kad asks without them (`podQueries`, prometheus-queries.ts) over its whole
 * NAMESPACE_REGEX, so the values are the same; the rate window is in the recorded names (`…:sum_rate1m`),
 * so rules written for another KAD_RATE_WINDOW are not found rather than read as this one. Only the
 * per-cycle values are recorded; limits, owners and start times are read as before (every 10 minutes),
 * and history (training) is asked from the raw series, which reach further back than any rule.
 *
 * With a service mesh, a second group records the mesh's five per-pod values (`meshQueries`,
 * prometheus-mesh.ts) for Istio and for Linkerd (the rules of a mesh a cluster does not run record
 * nothing), so a batch's mesh values are one selector too instead of five queries, among them the
 * missing callees' subquery over the last 10 rate windows, the dearest of all (bench:mesh-query).
 */
import { stringify } from 'yaml';
import { MESH_METRICS, meshQueries, type MeshFlavour, type MeshMetric } from './prometheus-mesh.js';
import { podGaugeQuery, podQueries, SOURCE_METRICS } from './prometheus-queries.js';
import { namespaceSelector } from './promql.js';

/** The per-pod values the rules record, as `podQueries` (prometheus-queries.ts) names them. */
export const RECORDED_METRICS = ['cpu', 'memory', 'restarts', 'rxBytes', 'txBytes', 'rxPackets', 'rxDropped'] as const;
/** One of {@link RECORDED_METRICS}. */
export type RecordedMetric = (typeof RECORDED_METRICS)[number];

/** What the rules depend on: the `prometheus` settings that shape kad's queries. */
export interface RuleSettings {
  /** NAMESPACE_REGEX. */
  namespaceRegex: string;
  /** POD_LABEL. */
  podLabel: string;
  /** KAD_RATE_WINDOW, a PromQL duration. */
  rateWindow: string;
}

const RATES: ReadonlySet<RecordedMetric> = new Set(['cpu', 'rxBytes', 'txBytes', 'rxPackets', 'rxDropped']);

/** The recorded series' name of `metric` (`kad_pod:<source metric>:sum_rate<window>` or `:sum`). */
export function recordedName(metric: RecordedMetric, rateWindow: string): string {
  return `kad_pod:${SOURCE_METRICS[metric]}:${RATES.has(metric) ? `sum_rate${rateWindow}` : 'sum'}`;
}

/** Recorded series name → value, for the given rate window. */
export function recordedNames(rateWindow: string): Map<string, RecordedMetric> {
  return new Map(RECORDED_METRICS.map((m) => [recordedName(m, rateWindow), m]));
}

/**
 * The PromQL of each recorded value over every pod matched by the namespace regex: the queries of
 * {@link podQueries}, the working set and the restarts each on its own (the queries ask them together,
 * told apart by name). The working set only: a pod without one (the seed's `container_memory_usage_bytes`
 * instead) has no recorded memory and is asked the six queries, whose fall-back to usage it keeps.
 */
export function recordingExpressions(s: RuleSettings): Record<RecordedMetric, string> {
  const ns = namespaceSelector(s.namespaceRegex);
  const q = podQueries(ns, s.podLabel, s.rateWindow);
  return {
    cpu: q.cpu,
    memory: podGaugeQuery(SOURCE_METRICS.memory, ns, s.podLabel),
    restarts: podGaugeQuery(SOURCE_METRICS.restarts, ns, s.podLabel),
    rxBytes: q.rxBytes,
    txBytes: q.txBytes,
    rxPackets: q.rxPackets,
    rxDropped: q.rxDropped,
  };
}

/** One rule group of a Prometheus rules file. */
export interface RuleGroup {
  name: string;
  interval: string;
  rules: { record: string; expr: string }[];
}

/** The rule group for these settings, evaluated every `interval` (a PromQL duration; default 30s). */
export function recordingRuleGroup(s: RuleSettings, interval = '30s'): RuleGroup {
  const exprs = recordingExpressions(s);
  return { name: 'kad-pod-values', interval, rules: RECORDED_METRICS.map((m) => ({ record: recordedName(m, s.rateWindow), expr: exprs[m] })) };
}

/** The meshes the mesh rule group records, in its order. */
export const RECORDED_MESH_FLAVOURS: readonly MeshFlavour[] = ['istio', 'linkerd'];

/** Each mesh value's name part and operation in the recorded series' name. */
const MESH_NAME: Record<MeshMetric, readonly [string, string]> = {
  requestRate: ['requests', 'rate'], errorRatio: ['error_ratio', 'rate'], latencyMs: ['latency_ms', 'mean_rate'],
  latencyP99Ms: ['latency_ms', 'p99_rate'], missingCallees: ['missing_callees', 'rate'],
};

/** The recorded series' name of a mesh value (`kad_pod:<flavour>_<value>:<operation><window>`, e.g. `kad_pod:istio_requests:rate1m`). */
export function recordedMeshName(flavour: MeshFlavour, metric: MeshMetric, rateWindow: string): string {
  const [name, op] = MESH_NAME[metric];
  return `kad_pod:${flavour}_${name}:${op}${rateWindow}`;
}

/** A mesh's recorded series name → its index in {@link MESH_METRICS}, for the given rate window. */
export function recordedMeshNames(flavour: MeshFlavour, rateWindow: string): Map<string, number> {
  return new Map(MESH_METRICS.map((m, i) => [recordedMeshName(flavour, m, rateWindow), i]));
}

/** The mesh rule group for these settings: each mesh's five values over every pod NAMESPACE_REGEX matches. */
export function meshRecordingRuleGroup(s: RuleSettings, interval = '30s'): RuleGroup {
  const ns = namespaceSelector(s.namespaceRegex);
  return {
    name: 'kad-mesh-values', interval,
    rules: RECORDED_MESH_FLAVOURS.flatMap((f) => {
      const q = meshQueries(ns, s.podLabel, s.rateWindow, f);
      return MESH_METRICS.map((m) => ({ record: recordedMeshName(f, m, s.rateWindow), expr: q[m] }));
    }),
  };
}

/**
 * The rules as text: a Prometheus rules file (`rule_files`), or with `crd` a PrometheusRule object of
 * the Prometheus Operator (kube-prometheus-stack) named `name`.
 */
export function recordingRulesYaml(s: RuleSettings, opts: { interval?: string; crd?: { name: string; namespace?: string; labels?: Record<string, string> } } = {}): string {
  const groups = [recordingRuleGroup(s, opts.interval), meshRecordingRuleGroup(s, opts.interval)];
  if (!opts.crd) return stringify({ groups }, { lineWidth: 0 });
  const metadata: Record<string, unknown> = { name: opts.crd.name };
  if (opts.crd.namespace) metadata.namespace = opts.crd.namespace;
  if (opts.crd.labels && Object.keys(opts.crd.labels).length) metadata.labels = opts.crd.labels;
  return stringify({ apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata, spec: { groups } }, { lineWidth: 0 });
}

/**
 * A query for the newest sample time (seconds) of the recorded CPU rates of kad's pods (series with the
 * pod label) for this rate window: empty when the rules are not there for this window and pod label.
 */
export function recordedProbeQuery(nsSelector: string, podLabel: string, rateWindow: string): string {
  return newestQuery(recordedName('cpu', rateWindow), nsSelector, podLabel);
}

/** The newest sample time (seconds) of the series `name` of kad's pods (those with the pod label). */
function newestQuery(name: string, nsSelector: string, podLabel: string): string {
  return `max(timestamp(${name}{${nsSelector},${podLabel}!=""}))`;
}

/**
 * The one selector of a batch's recorded values for this rate window, as a function of the batch's
 * selector: the regex of the recorded names is written once, not for each batch of each cycle.
 */
export function recordedQuery(rateWindow: string): (selector: string) => string {
  return namesSelector([...recordedNames(rateWindow).keys()]);
}

/** {@link recordedQuery} for a mesh's recorded values. */
export function recordedMeshQuery(flavour: MeshFlavour, rateWindow: string): (selector: string) => string {
  return namesSelector([...recordedMeshNames(flavour, rateWindow).keys()]);
}

function namesSelector(names: readonly string[]): (selector: string) => string {
  const re = names.join('|');
  return (selector) => `{__name__=~"${re}",${selector}}`;
}

/**
 * A query for the newest sample time (seconds) of a mesh's recorded request rates of kad's pods: empty
 * when the mesh rules are not there for this window and pod label (rules from before them, or none).
 */
export function recordedMeshProbeQuery(nsSelector: string, podLabel: string, rateWindow: string, flavour: MeshFlavour): string {
  return newestQuery(recordedMeshName(flavour, 'requestRate', rateWindow), nsSelector, podLabel);
}
