/**
 * Per-pod metrics from Prometheus (or Thanos, Mimir, VictoriaMetrics: only the query API is used).
 *
 * Queries, each aggregated `by (namespace, <POD_LABEL>)` and filtered by `namespace=~"<NAMESPACE_REGEX>"`
 * (see {@link podQueries} in prometheus-queries.ts; `W` is the rate window, `KAD_RATE_WINDOW`, default 1m):
 *
 * | field | PromQL |
 * | --- | --- |
 * | cpu (cores) | `sum(rate(container_cpu_usage_seconds_total{container!="",container!="POD"}[W]))` |
 * | memory (bytes) | `sum(container_memory_working_set_bytes{container!="",container!="POD"})`, or `container_memory_usage_bytes` (the seed's metric) for pods without a working set |
 * | restarts | `sum(kube_pod_container_status_restarts_total)` |
 * | rxBytes, txBytes | `sum(rate(container_network_{receive,transmit}_bytes_total[W]))` |
 * | rxPackets, rxDropped | `sum(rate(container_network_receive_packets{,_dropped}_total[W]))` |
 * | cpuLimit, memoryLimit | `sum(kube_pod_container_resource_limits{resource="cpu"/"memory"})` (or KSM v1's `…_limits_cpu_cores` / `…_limits_memory_bytes`) |
 * | cpuRequest | `sum(kube_pod_container_resource_requests{resource="cpu"})` (or KSM v1's `…_requests_cpu_cores`) |
 * | startedAt | `max(kube_pod_start_time)` (seconds), where kube-state-metrics exports it |
 * | (finished) | `max(kube_pod_status_phase{phase=~"Succeeded\|Failed"})`: a pod whose phase is one of them is left out of the snapshot (a completed Job's pod keeps its restart series while its object lasts; `kubectl top` does not show it either) |
 * | workload, node | `kube_pod_info`'s `created_by_kind`, `created_by_name` and `node`; the ReplicaSet hash is stripped (→ Deployment), a CronJob's Job suffix too; without it, {@link workloadFromPodName} |
 *
 * Working set, not usage, is the default memory: it is what the kubelet evicts on and the OOM killer
 * sees, and what metrics-server reports; usage includes reclaimable page cache.
 *
 * **Service mesh** (`mesh`, KAD_MESH): each pod's request rate, 5xx share and latency (mean and p99)
 * from Istio's or Linkerd's series, the callees it stopped calling (from its own proxy's outbound
 * series), and the call graph ({@link PrometheusSource.callGraph}); see
 * prometheus-mesh.ts for the PromQL. With `auto` the source asks which mesh answers (a `count` of each
 * one's request series) at its first call and again every `staticRefreshMs`; pods without mesh series
 * have no mesh fields.
 *
 * **Custom series** (`custom`, config `features.custom`): each query is asked once per call as it is
 * written (not per batch: a user's PromQL has no place for a batch's matchers), instant for `current`
 * and as a range for `history`; each answer's series with the `namespace` and pod labels of a listed
 * pod give that pod's value (`PodSample.custom`), others are ignored. {@link PrometheusSource.checkCustomSeries}
 * checks the queries at start (prometheus-custom.ts).
 *
 * **Batching.** A call first lists the pods ({@link podListQuery}: memory or restart series present;
 * for `history`, present at any time in the range, listed in windows of two hours), then asks for the
 * metrics in batches of at most `batchSize` pods: whole small namespaces together
 * (`namespace=~"a|b"`), large ones split by pod (`namespace="x",pod=~"p1|p2|…"`), at most
 * `concurrency` requests in flight, one request per query and batch. (Joining a batch's queries
 * into one with `label_replace(…) or …` saves round trips but made Prometheus 2.42 several times
 * slower on range queries: `or` over thousands of series is evaluated step by step.) Range queries
 * are also split in time so that no answer has more than 11,000 points per series (the Prometheus
 * limit) or about `maxPointsPerRequest` points in all.
 *
 * **Recording rules** (`recordingRules`, KAD_RECORDING_RULES): where Prometheus evaluates the rules
 * `kad rules` prints (prometheus-rules.ts), `current` reads the seven per-cycle values of a batch
 * from the recorded series with one selector instead of the six queries, keeping only listed pods;
 * listed pods without a recorded working set that had none at the last call either (newer than the
 * rules' last evaluation, or without a working set) are asked the six by name, and one that had no
 * memory value there either (a completed Job's pod, listed by its restarts) is not asked by name
 * again for `staticRefreshMs`. The rules are looked
 * for by their newest CPU rate with the pod label, and read while it is at most 3 minutes old
 * (between looks, checked at each call on the first batch with a pod that had recorded values at the last one).
 * With a mesh, while the pod values are read from the rules, so are the mesh's five (one more selector
 * per batch instead of five queries) where the rules' mesh group is there for that mesh (its newest
 * recorded request rate at most 3 minutes old; looked for every `staticRefreshMs`); rules from before
 * it leave the five queries.
 *
 * **Presence.** A pod is in a snapshot at time t when it has a memory or restart value at t and its
 * phase is not Succeeded or Failed (read with the static values: in `current`, a pod that finishes
 * leaves within `staticRefreshMs`; in `history`, at the step). Memory and restarts are
 * instant selectors, so a pod that goes away leaves at the next scrape (Prometheus marks its series
 * stale), while rates would still answer for one rate window. Metrics the cluster does not have are
 * NaN. `history` leaves out steps with no pod at all (no data is not "no pods").
 */
import type { Config } from '../config/schema.js';
import { ConfigError, InputError } from '../core/errors.js';
import { podKey, workloadOf, type PodRef } from '../core/series.js';
import { namespaceSelector, promqlString, regexLiteral } from './promql.js';
import type { ShardOwnership } from '../core/shard.js';
import type { HistoryProgress, Source } from './base.js';
import type { CallEdge, PodSample, PodSnapshot } from '../core/samples.js';
import type { CustomSeries } from '../core/feature-names.js';
import { checkCustomSeries, customValues } from './prometheus-custom.js';
import type { MeshMode } from './mesh-series.js';
import { callGraphQuery, edgesOf, MESH_METRICS, meshProbeQuery, meshQueries, type MeshFlavour, type MeshMetric } from './prometheus-mesh.js';
import { PodOwners, planPodBatches } from './prometheus-shard.js';
import { containersSelector, MEMORY_METRIC, memoryAndRestartsSelector, POD_METRICS, podQueries, RESTARTS_METRIC, type PodMetric } from './prometheus-queries.js';
import { recordedMeshNames, recordedMeshProbeQuery, recordedMeshQuery, recordedName, recordedNames, recordedProbeQuery, recordedQuery } from './prometheus-rules.js';
import { PrometheusClient, type Labels, type MatrixSeries, type PrometheusApi, type PrometheusClientOptions, type VectorSample } from './prometheus-client.js';

const N_METRICS = POD_METRICS.length;
const INDEX: Record<string, number> = Object.fromEntries(POD_METRICS.map((m, i) => [m, i]));
const I_MEMORY = INDEX.memory;
const I_RESTARTS = INDEX.restarts;
const I_INFO = INDEX.info;
/** A `current` task that reads a batch's recorded series (one selector for several metrics). */
const RECORDED = -1;
/** A `current` task that checks the recorded series' newest sample time on a batch's pods. */
const FRESHNESS = -2;
/**
 * Recorded series are read while their newest sample is at most this old (s) when looked for: rules
 * evaluated every minute or more often (`kad rules --interval`, at most 1m), with room for a late one.
 */
const RECORDED_MAX_AGE_S = 180;
/** Values that stay put for a pod's life (or nearly): limits, start time, owner and node. */
const STATIC_METRICS: ReadonlySet<number> = new Set(['cpuLimit', 'memoryLimit', 'cpuRequest', 'startedAt', 'finished', 'info'].map((m) => INDEX[m]));

/** Cached static values of one pod. */
interface StaticEntry {
  /** Per metric index (NaN for non-static ones). */
  values: Float64Array;
  info?: Labels;
  /** Query time they were read at. */
  at: number;
}
/** Prometheus refuses range queries with more points per series than this. */
export const MAX_POINTS_PER_SERIES = 11_000;
/** `history` lists pods over windows of at most this long, so no listing reads too many samples. */
const LIST_WINDOW_MS = 2 * 3_600_000;
/** Prometheus's default lookback of instant selectors (`--query.lookback-delta`). */
const LOOKBACK_MS = 5 * 60_000;

/** Options of {@link PrometheusSource}. */
export interface PrometheusSourceOptions {
  /** The API to ask; or `client` options to build a {@link PrometheusClient}. */
  api: PrometheusApi | PrometheusClientOptions;
  /** NAMESPACE_REGEX (a RE2 regular expression, fully anchored as PromQL does). */
  namespaceRegex: string;
  /** POD_LABEL. */
  podLabel: string;
  /** Rate window, a PromQL duration (KAD_RATE_WINDOW). */
  rateWindow: string;
  /** Pods per request (KAD_QUERY_BATCH_PODS). */
  batchSize: number;
  /** Requests in flight at once. Default 4. */
  concurrency?: number;
  /** Upper bound on pods × steps of one range request. Default 1,000,000. */
  maxPointsPerRequest?: number;
  /**
   * `current` re-reads a pod's limits, start time, owner and node at most this often (ms of query
   * time), and at once for a pod it has not seen: they change only with a new pod, or when limits are
   * resized in place. Saves 5 of 11 queries per batch and cycle. 0: every call. Default 10 minutes.
   */
  staticRefreshMs?: number;
  /** Which service mesh's series to read (KAD_MESH); default `off`. */
  mesh?: MeshMode;
  /** Custom per-pod series to read (config `features.custom`); default none. */
  custom?: readonly CustomSeries[];
  /** A sharded replica's ownership: only its workloads' pods are asked about (prometheus-shard.ts). */
  shard?: ShardOwnership;
  /**
   * Read kad's recorded series (prometheus-rules.ts; KAD_RECORDING_RULES) instead of the six queries per
   * batch: `auto` (the default) when they exist for the rate window, looked for at the first call and
   * every `staticRefreshMs`; `on` always (a call fails, naming the setting, while they are missing);
   * `off` never. `history` always asks the raw series.
   */
  recordingRules?: RecordingRulesMode;
  /** Told, at each look for the rules, whether the source reads the recorded series from now on (e.g. to set a gauge). */
  onRecordedSeries?: (reading: boolean) => void;
}

/** Whether {@link PrometheusSource} reads kad's recorded series (KAD_RECORDING_RULES). */
export type RecordingRulesMode = 'auto' | 'on' | 'off';

/** The source's settings of the `prometheus` config section (see {@link PrometheusSourceOptions}). */
export type PrometheusSourceSettings = Pick<PrometheusSourceOptions, 'namespaceRegex' | 'podLabel' | 'rateWindow' | 'batchSize' | 'concurrency' | 'recordingRules'>;

/** The source's settings from the `prometheus` config section. */
export function prometheusSourceSettings(cfg: Readonly<Pick<Config['prometheus'], keyof PrometheusSourceSettings>>): PrometheusSourceSettings {
  return {
    namespaceRegex: cfg.namespaceRegex, podLabel: cfg.podLabel, rateWindow: cfg.rateWindow, batchSize: cfg.batchSize, concurrency: cfg.concurrency, recordingRules: cfg.recordingRules,
  };
}

/** What {@link PrometheusSource} did in its last call, for logs and benchmarks. */
export interface QueryStats {
  pods: number;
  batches: number;
  requests: number;
  ms: number;
}

/** Which value a series of the memory-and-restarts query is (by its metric name). */
function gaugeIndex(metric: Labels): number {
  return metric.__name__ === RESTARTS_METRIC ? I_RESTARTS : I_MEMORY;
}

/** Whether an answer of the memory-and-restarts query has a working-set series. */
function hasWorkingSet(result: readonly { metric: Labels }[]): boolean {
  return result.some((s) => s.metric.__name__ !== RESTARTS_METRIC);
}

/**
 * The pods to ask about: those with a working-set or restart series matched by `selector` (with
 * `usage`, a `container_memory_usage_bytes` series instead, for clusters that have neither); with
 * `rangeSeconds`, those that had one at any time in the last `rangeSeconds` before the query time.
 * At an instant both metrics are one selector (10–20% less of Prometheus's CPU than two joined by
 * `or`: 410–514 against 446–612 ms for 35,000–40,000 pods, measured on bench:shard's Prometheus 2.42);
 * over a range they stay two, as `last_over_time` drops the metric name and would find a working-set
 * and a restarts series with the same other labels to be one series twice.
 */
export function podListQuery(selector: string, podLabel: string, rangeSeconds?: number, usage = false): string {
  const by = `namespace, ${podLabel}`;
  const containers = containersSelector(selector);
  if (usage) return `group by (${by}) (${over(`container_memory_usage_bytes{${containers}}`, rangeSeconds)})`;
  if (rangeSeconds === undefined) return `group by (${by}) (${memoryAndRestartsSelector(selector)})`;
  return [`${MEMORY_METRIC}{${containers}}`, `${RESTARTS_METRIC}{${selector}}`].map((s) => `group by (${by}) (${over(s, rangeSeconds)})`).join(' or ');
}

/** `last_over_time(s[rangeSeconds])`, or `s` itself without a range. */
function over(s: string, rangeSeconds: number | undefined): string {
  return rangeSeconds === undefined ? s : `last_over_time(${s}[${Math.max(1, Math.ceil(rangeSeconds))}s])`;
}

/** Pods asked about together, and the label matchers that select them. */
export interface Batch {
  selector: string;
  /** `namespace/pod` keys of the listed pods it covers. */
  pods: string[];
}

/**
 * Splits pods into label selectors of at most `batchSize` pods each: all pods in one selector with
 * `allSelector` when they fit; otherwise whole small namespaces packed together by name, and large
 * namespaces split by pod name.
 */
export function planBatches(pods: readonly { namespace: string; pod: string }[], batchSize: number, podLabel: string, allSelector: string): Batch[] {
  if (pods.length <= batchSize) return [{ selector: allSelector, pods: pods.map(podKey) }];
  const byNs = new Map<string, string[]>();
  for (const p of pods) {
    let list = byNs.get(p.namespace);
    if (!list) byNs.set(p.namespace, (list = []));
    list.push(p.pod);
  }
  const out: Batch[] = [];
  let group: string[] = [];
  let groupPods: string[] = [];
  const flush = () => {
    if (group.length) out.push({ selector: namespaceSelector(group.map(regexLiteral).join('|')), pods: groupPods });
    group = [];
    groupPods = [];
  };
  for (const ns of [...byNs.keys()].sort()) {
    const names = byNs.get(ns)!.sort();
    if (names.length > batchSize) {
      for (let i = 0; i < names.length; i += batchSize) {
        const chunk = names.slice(i, i + batchSize);
        out.push({
          selector: `namespace="${promqlString(ns)}",${podLabel}=~"${promqlString(chunk.map(regexLiteral).join('|'))}"`,
          pods: chunk.map((pod) => `${ns}/${pod}`),
        });
      }
      continue;
    }
    if (groupPods.length + names.length > batchSize) flush();
    group.push(ns);
    for (const pod of names) groupPods.push(`${ns}/${pod}`);
  }
  flush();
  return out;
}

/** A pod's values at one step as the seeds' queries give them (NaN: no series). */
export interface RawPodValues {
  cpu: number;
  memory: number;
  restarts: number;
  rxBytes: number;
  txBytes: number;
  rxPackets: number;
  rxDropped: number;
  /** kube-state-metrics' limits and request; 0 or less, or NaN: none set. */
  cpuLimit: number;
  memoryLimit: number;
  cpuRequest: number;
  /** `kube_pod_start_time`, seconds since the epoch; 0 or less, or NaN: unknown. */
  startedSeconds: number;
}

/** A pod's sample from its raw values (the Prometheus and remote-write sources): unset limits are NaN, an unset request and an unknown start are absent, the start is in ms. */
export function podSampleOf(ref: PodRef, r: RawPodValues): PodSample {
  const sample: PodSample = {
    ref,
    cpu: r.cpu,
    memory: r.memory,
    restarts: r.restarts,
    rxBytes: r.rxBytes,
    txBytes: r.txBytes,
    rxPackets: r.rxPackets,
    rxDropped: r.rxDropped,
    cpuLimit: r.cpuLimit > 0 ? r.cpuLimit : NaN,
    memoryLimit: r.memoryLimit > 0 ? r.memoryLimit : NaN,
  };
  if (r.cpuRequest > 0) sample.cpuRequest = r.cpuRequest;
  if (r.startedSeconds > 0) sample.startedAt = Math.round(r.startedSeconds * 1000);
  return sample;
}

/** Values of one pod over the steps of one call. */
interface PodAcc {
  namespace: string;
  pod: string;
  /** N_METRICS × steps, metric-major; NaN where absent. */
  values: Float64Array;
  info?: Labels;
  /** The mesh values ({@link MESH_METRICS} × steps), for pods with mesh series. */
  mesh?: Float64Array;
  /** The custom series' values (custom series × steps), for pods with some. */
  custom?: Float64Array;
}

const N_MESH = MESH_METRICS.length;

/** A {@link Source} reading per-pod metrics from a Prometheus-compatible query API. */
export class PrometheusSource implements Source {
  readonly name = 'prometheus';
  readonly api: PrometheusApi;
  private readonly nsSelector: string;
  private readonly podLabel: string;
  private readonly rateWindow: string;
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly maxPointsPerRequest: number;
  private readonly staticRefreshMs: number;
  private readonly statics = new Map<string, StaticEntry>();
  private stats: QueryStats = { pods: 0, batches: 0, requests: 0, ms: 0 };
  private readonly meshMode: MeshMode;
  /** With mesh `auto`: the mesh found, and the query time it was looked for at. */
  private flavour: MeshFlavour | null = null;
  private flavourAt = NaN;
  private readonly customSeries: readonly CustomSeries[];
  /** With more than one shard: what this replica owns, and its pods' owners as read. */
  private readonly shard?: ShardOwnership;
  private readonly owners?: PodOwners;
  /**
   * With more than one shard: the listing (owned pods) a `current` call started for the next one, once
   * its own queries were answered, and its time; aborted by `close`.
   */
  private listedAhead?: { t: number; pods: Promise<{ namespace: string; pod: string }[]> };
  private readonly background = new AbortController();
  private readonly rulesMode: RecordingRulesMode;
  private readonly onRecordedSeries?: (reading: boolean) => void;
  /** Recorded series name → index in {@link POD_METRICS}. */
  private readonly recorded: Map<string, number>;
  /** The one selector of a batch's recorded values (the recorded names' regex written once). */
  private readonly recordedQuery: (selector: string) => string;
  /** With recording rules `auto`: whether they were found, and the query time they were looked for at. */
  private rulesFound = false;
  private rulesAt = NaN;
  /** With recorded series read: the listed pods that had a recorded working set at the last call. */
  private recordedPods = new Set<string>();
  /**
   * With recorded series read: listed pods asked the six queries by name that had no memory value
   * there either (a completed Job's pod, listed by its restart count long after its containers are
   * gone), and when: not asked by name again until `staticRefreshMs` has passed.
   */
  private bare = new Map<string, number>();
  /** With recorded series read: whether the mesh rules were found for `flavour` at the last look, at query time `at`. */
  private meshRules?: { flavour: MeshFlavour; found: boolean; at: number };
  private readonly namespaceRegex: string;

  constructor(opts: PrometheusSourceOptions) {
    this.concurrency = Math.max(1, opts.concurrency ?? 4);
    this.api = 'query' in opts.api ? opts.api : new PrometheusClient({ maxSockets: Math.max(8, this.concurrency), ...opts.api });
    this.podLabel = opts.podLabel;
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(this.podLabel)) throw new InputError(`POD_LABEL="${this.podLabel}" is not a Prometheus label name`);
    this.nsSelector = namespaceSelector(opts.namespaceRegex);
    this.namespaceRegex = opts.namespaceRegex;
    this.rateWindow = opts.rateWindow;
    this.batchSize = Math.max(1, opts.batchSize);
    this.maxPointsPerRequest = opts.maxPointsPerRequest ?? 1_000_000;
    this.staticRefreshMs = opts.staticRefreshMs ?? 10 * 60_000;
    this.meshMode = opts.mesh ?? 'off';
    this.customSeries = opts.custom ?? [];
    this.rulesMode = opts.recordingRules ?? 'auto';
    this.onRecordedSeries = opts.onRecordedSeries;
    this.recorded = new Map([...recordedNames(this.rateWindow)].map(([name, m]) => [name, INDEX[m]]));
    this.recordedQuery = recordedQuery(this.rateWindow);
    if (opts.shard?.sharded) {
      this.shard = opts.shard;
      this.owners = new PodOwners({
        query: (expr, t, signal) => this.api.query(expr, t, signal), nsSelector: this.nsSelector, podLabel: this.podLabel, batchSize: this.batchSize, refreshMs: this.staticRefreshMs,
      });
    }
  }

  /** A source from the `prometheus` config section (which must have a `url`). */
  static fromConfig(cfg: Readonly<Config['prometheus']>, extra: Partial<PrometheusSourceOptions> = {}): PrometheusSource {
    return new PrometheusSource({
      api: PrometheusClient.fromConfig(cfg, { maxSockets: Math.max(8, extra.concurrency ?? cfg.concurrency) }),
      ...prometheusSourceSettings(cfg),
      ...extra,
    });
  }

  /** Pods, batches, requests and wall time of the last `history` or `current` call. */
  lastStats(): QueryStats {
    return { ...this.stats };
  }

  async current(t: number, signal?: AbortSignal): Promise<PodSnapshot> {
    const started = performance.now();
    const ctl = linked(signal);
    try {
      const asked = { requests: 0 };
      const listed = await this.podsNow(t, asked, ctl.signal);
      const batches = this.planBatches(listed);
      // Static values are asked for in batches with a pod not seen, or not seen for a while.
      const stale = (key: string) => {
        const e = this.statics.get(key);
        return !e || !(t - e.at < this.staticRefreshMs && t >= e.at);
      };
      const refreshed = new Set<string>();
      const { reading: recorded, looked } = await this.recordedNow(t, asked, ctl.signal);
      // m: a metric's index (q: the batch's queries), RECORDED for its one selector of recorded series,
      // or FRESHNESS for the check that the rules are still evaluated.
      type Task = { q?: Record<PodMetric | 'memoryUsage', string>; m: number; batch: Batch };
      const tasks: Task[] = [];
      /** The batch's queries: the statics (when `statics`), and the per-cycle values (`perCycle`: the six, else the recorded selector). */
      const plan = (b: Batch, statics: boolean, perCycle: boolean) => {
        if (!perCycle) tasks.push({ m: RECORDED, batch: b });
        if (!statics && !perCycle) return; // the recorded selector alone: no query of the batch's is asked
        const q = podQueries(b.selector, this.podLabel, this.rateWindow);
        POD_METRICS.forEach((_, m) => {
          if (STATIC_METRICS.has(m) ? statics : perCycle && m !== I_RESTARTS) tasks.push({ q, m, batch: b }); // restarts: with memory
        });
      };
      for (const b of batches) {
        const refresh = b.pods.some(stale);
        if (refresh) for (const key of b.pods) refreshed.add(key);
        plan(b, refresh, !recorded);
      }
      // Between looks for the rules, each call checks that they are still evaluated, on the pods of its
      // first batch that had recorded values last call (rules that stop leave their last values readable
      // for 5 minutes; a batch of new pods has none, which says nothing).
      let fresh = true;
      /** Whether this call reads the rules' values (not when it finds them stale or gone). */
      let readRecorded = recorded;
      if (recorded && !looked && batches.length) tasks.push({ m: FRESHNESS, batch: batches.find((b) => b.pods.some((k) => this.recordedPods.has(k))) ?? batches[0] });
      const accs = new Map<string, PodAcc>();
      let requests = asked.requests;
      const ask = (list: Task[]) => mapLimit(list, this.concurrency, async ({ q, m, batch }) => {
        requests++;
        if (m === FRESHNESS) {
          // None on these pods says nothing (new pods; rules gone for 5 minutes leave no values at all).
          const age = await this.recordedAge(batch.selector, t, ctl.signal);
          fresh = age === Infinity || age <= RECORDED_MAX_AGE_S;
          return;
        }
        if (m === RECORDED) {
          await this.readRecorded(this.recordedQuery(batch.selector), this.recorded, batch, t, ctl.signal, (metric, i, value) => this.put(accs, metric, i, 1, 0, value));
          return;
        }
        const result = await this.api.query(q![POD_METRICS[m]], t, ctl.signal);
        if (m !== I_MEMORY) {
          for (const s of result) this.put(accs, s.metric, m, 1, 0, s.value);
          return;
        }
        for (const s of result) this.put(accs, s.metric, gaugeIndex(s.metric), 1, 0, s.value);
        if (!hasWorkingSet(result)) {
          requests++;
          for (const s of await this.api.query(q!.memoryUsage, t, ctl.signal)) this.put(accs, s.metric, I_MEMORY, 1, 0, s.value);
        }
      }, ctl);
      await ask(tasks);
      if (recorded) {
        // Listed pods without a recorded working set, that had none at the last call either (a pod newer
        // than the rules' last evaluation, one without a working set, rules over fewer namespaces), are
        // asked the six queries by name. One that had (gone since the listing) is not asked again, nor,
        // for staticRefreshMs, one that had no memory value by name either (`bare`: a completed Job's
        // pod, listed by its restarts while its object lasts).
        const had = this.recordedPods;
        const bare = this.bare;
        this.recordedPods = new Set();
        this.bare = new Map();
        const missing: { namespace: string; pod: string }[] = [];
        for (const p of listed) {
          const key = podKey(p);
          const at = bare.get(key);
          if (!Number.isNaN(accs.get(key)?.values[I_MEMORY] ?? NaN)) this.recordedPods.add(key);
          else if (at !== undefined && t >= at && t - at < this.staticRefreshMs) this.bare.set(key, at);
          else if (!had.has(key)) missing.push(p);
        }
        tasks.length = 0;
        const fallback = !fresh || (listed.length > 0 && this.recordedPods.size === 0);
        if (fallback) {
          // None at all, or old ones (the rules went away): the six queries for every batch, and a look
          // for the rules next time.
          readRecorded = false;
          this.rulesAt = NaN;
          this.meshRules = undefined;
          this.recordedPods.clear();
          this.bare.clear();
          for (const a of accs.values()) for (const i of this.recorded.values()) a.values[i] = NaN;
          for (const b of batches) plan(b, false, true);
        } else if (missing.length) {
          for (const b of planPodBatches(missing, this.batchSize, this.podLabel)) plan(b, false, true);
        }
        await ask(tasks);
        if (!fallback) {
          for (const key of missing.map(podKey)) if (Number.isNaN(accs.get(key)?.values[I_MEMORY] ?? NaN)) this.bare.set(key, t);
        }
      }
      const { flavour, probes } = await this.meshFlavour(t, ctl.signal);
      requests += probes;
      const meshRecorded = flavour && readRecorded ? await this.meshRecordedNow(t, flavour, ctl.signal) : { reading: false, probes: 0 };
      requests += meshRecorded.probes;
      if (flavour && meshRecorded.reading) {
        // The mesh rules' values: one selector per batch, as the pod values.
        const names = recordedMeshNames(flavour, this.rateWindow);
        const query = recordedMeshQuery(flavour, this.rateWindow);
        await mapLimit(batches, this.concurrency, async (b) => {
          requests++;
          await this.readRecorded(query(b.selector), names, b, t, ctl.signal, (metric, m, value) => this.putMesh(accs, metric, m, 1, 0, value));
        }, ctl);
      } else if (flavour) {
        const meshTasks = batches.flatMap((b) => MESH_METRICS.map((k, m) => ({ expr: meshQueries(b.selector, this.podLabel, this.rateWindow, flavour)[k], m })));
        await mapLimit(meshTasks, this.concurrency, async ({ expr, m }) => {
          requests++;
          for (const s of await this.api.query(expr, t, ctl.signal)) this.putMesh(accs, s.metric, m, 1, 0, s.value);
        }, ctl);
      }
      await mapLimit(this.customSeries.map((c, k) => ({ c, k })), this.concurrency, async ({ c, k }) => {
        requests++;
        for (const s of await this.api.query(c.query, t, ctl.signal)) this.putCustom(accs, s.metric, k, 1, 0, s.value);
      }, ctl);
      this.useStatics(accs, refreshed, t);
      if (this.shard) this.listAhead(t);
      this.stats = { pods: listed.length, batches: batches.length, requests, ms: performance.now() - started };
      return { t, pods: this.samples(accs, 1, 0) };
    } finally {
      ctl.dispose();
    }
  }

  /**
   * Snapshots at the multiples of `stepMs` within [start, end] (aligned, so the query frontends of
   * Thanos and Mimir can cache the answers), leaving out steps with no pod.
   */
  async history(start: number, end: number, stepMs: number, signal?: AbortSignal, onProgress?: HistoryProgress): Promise<PodSnapshot[]> {
    if (!(stepMs > 0)) throw new InputError(`history step must be positive, got ${stepMs} ms`);
    const first = Math.ceil(start / stepMs) * stepMs;
    if (!(end >= first)) return [];
    const started = performance.now();
    const asked = { requests: 0 };
    const steps = Math.floor((end - first) / stepMs) + 1;
    const lastT = first + (steps - 1) * stepMs;
    const ctl = linked(signal);
    try {
      // The pods of the whole range, listed window by window (a window's listing reads its samples).
      // Each window reaches back 5 minutes more: an instant selector at `first` sees that far.
      const windows: number[] = [lastT];
      for (let t = lastT - LIST_WINDOW_MS; t >= first; t -= LIST_WINDOW_MS) windows.push(t);
      const seen = new Map<string, { namespace: string; pod: string }>();
      await mapLimit(windows, this.concurrency, async (t) => {
        const range = (Math.min(LIST_WINDOW_MS, t - first) + LOOKBACK_MS) / 1000;
        for (const p of await this.listPods(t, range, asked, ctl.signal)) seen.set(podKey(p), p);
      }, ctl);
      const pods = [...seen.values()];
      const batches = this.planBatches(pods);
      const perBatch = Math.min(this.batchSize, Math.max(1, pods.length));
      const span = Math.max(1, Math.min(MAX_POINTS_PER_SERIES, Math.floor(this.maxPointsPerRequest / perBatch)));
      const tasks: { q: Record<PodMetric | 'memoryUsage', string>; m: number; from: number; to: number }[] = [];
      for (const b of batches) {
        const q = podQueries(b.selector, this.podLabel, this.rateWindow);
        for (let i = 0; i < steps; i += span) {
          POD_METRICS.forEach((_, m) => {
            if (m !== I_RESTARTS) tasks.push({ q, m, from: i, to: Math.min(steps, i + span) - 1 }); // restarts: with memory
          });
        }
      }
      const accs = new Map<string, PodAcc>();
      let requests = asked.requests;
      let answered = 0; // range queries answered, for onProgress
      await mapLimit(tasks, this.concurrency, async ({ q, m, from, to }) => {
        const range = (expr: string) => {
          requests++;
          return this.api.queryRange(expr, first + from * stepMs, first + to * stepMs, stepMs, ctl.signal);
        };
        const result = await range(q[POD_METRICS[m]]);
        if (m === I_MEMORY) {
          this.putRange(accs, result.filter((s) => gaugeIndex(s.metric) === I_RESTARTS), I_RESTARTS, steps, first, stepMs);
          this.putRange(accs, hasWorkingSet(result) ? result.filter((s) => gaugeIndex(s.metric) === I_MEMORY) : await range(q.memoryUsage), I_MEMORY, steps, first, stepMs);
        } else this.putRange(accs, result, m, steps, first, stepMs);
        onProgress?.(++answered, tasks.length);
      }, ctl);
      const { flavour, probes } = await this.meshFlavour(lastT, ctl.signal);
      requests += probes;
      if (flavour) {
        const meshTasks: { expr: string; m: number; from: number; to: number }[] = [];
        for (const b of batches) {
          const q = meshQueries(b.selector, this.podLabel, this.rateWindow, flavour);
          for (let i = 0; i < steps; i += span) MESH_METRICS.forEach((k, m) => meshTasks.push({ expr: q[k], m, from: i, to: Math.min(steps, i + span) - 1 }));
        }
        await mapLimit(meshTasks, this.concurrency, async ({ expr, m, from, to }) => {
          requests++;
          const result = await this.api.queryRange(expr, first + from * stepMs, first + to * stepMs, stepMs, ctl.signal);
          for (const series of result) {
            for (let j = 0; j < series.times.length; j++) {
              const i = Math.round((series.times[j] - first) / stepMs);
              if (i >= 0 && i < steps) this.putMesh(accs, series.metric, m, steps, i, series.values[j]);
            }
          }
        }, ctl);
      }
      // Custom series over all pods at once: at most `maxPointsPerRequest` points per request.
      const customSpan = Math.max(1, Math.min(MAX_POINTS_PER_SERIES, Math.floor(this.maxPointsPerRequest / Math.max(1, pods.length))));
      const customTasks: { expr: string; k: number; from: number; to: number }[] = [];
      for (let i = 0; i < steps && this.customSeries.length; i += customSpan) {
        this.customSeries.forEach((c, k) => customTasks.push({ expr: c.query, k, from: i, to: Math.min(steps, i + customSpan) - 1 }));
      }
      await mapLimit(customTasks, this.concurrency, async ({ expr, k, from, to }) => {
        requests++;
        for (const series of await this.api.queryRange(expr, first + from * stepMs, first + to * stepMs, stepMs, ctl.signal)) {
          for (let j = 0; j < series.times.length; j++) {
            const i = Math.round((series.times[j] - first) / stepMs);
            if (i >= 0 && i < steps) this.putCustom(accs, series.metric, k, steps, i, series.values[j]);
          }
        }
      }, ctl);
      const out: PodSnapshot[] = [];
      for (let i = 0; i < steps; i++) {
        const snapPods = this.samples(accs, steps, i);
        if (snapPods.length) out.push({ t: first + i * stepMs, pods: snapPods });
      }
      this.stats = { pods: pods.length, batches: batches.length, requests, ms: performance.now() - started };
      return out;
    } finally {
      ctl.dispose();
    }
  }

  async close(): Promise<void> {
    this.background.abort();
    await this.api.close();
  }

  /**
   * Asks each custom series' query once at `t`: throws a ConfigError naming the query when it is not
   * valid PromQL or answers series without the `namespace` and pod labels; returns a warning for each
   * query that answers nothing now (see prometheus-custom.ts).
   */
  async checkCustomSeries(t: number, signal?: AbortSignal): Promise<string[]> {
    return checkCustomSeries(this.api, this.customSeries, this.podLabel, t, signal);
  }

  /** The call graph from the mesh's series around `t` (empty with mesh `off` or where no mesh answers). */
  async callGraph(t: number, signal?: AbortSignal): Promise<CallEdge[]> {
    const { flavour } = await this.meshFlavour(t, signal);
    if (!flavour) return [];
    return edgesOf(await this.api.query(callGraphQuery(this.nsSelector, flavour), t, signal), flavour);
  }

  /**
   * Whether a `current` call at `t` reads kad's recorded series (see {@link PrometheusSourceOptions.recordingRules}):
   * with `auto`, whether they were found at the last look (at the first call, then every
   * `staticRefreshMs`); with `on`, fails with an InputError naming the setting while they are missing.
   */
  private async recordedNow(t: number, asked: { requests: number }, signal: AbortSignal): Promise<{ reading: boolean; looked: boolean }> {
    if (this.rulesMode === 'off') return { reading: false, looked: false };
    if (this.rulesAt <= t && t - this.rulesAt < this.staticRefreshMs && (this.rulesFound || this.rulesMode === 'auto')) return { reading: this.rulesFound, looked: false };
    asked.requests++;
    // Rules that stopped being evaluated leave their last values for 5 minutes.
    const age = await this.recordedAge(this.nsSelector, t, signal);
    const found = age <= RECORDED_MAX_AGE_S;
    if (found !== this.rulesFound) this.recordedPods = new Set();
    this.rulesFound = found;
    this.rulesAt = t;
    this.onRecordedSeries?.(found);
    if (!found && this.rulesMode === 'on') {
      const what = Number.isFinite(age) ? `its newest is ${Math.round(age)} s old (kad reads them up to ${RECORDED_MAX_AGE_S} s old)` : 'there are none';
      throw new ConfigError(`KAD_RECORDING_RULES=on, but Prometheus has no fresh ${recordedName('cpu', this.rateWindow)} series with a ${this.podLabel} label`
        + ` for NAMESPACE_REGEX=${this.namespaceRegex}: ${what}. Load the rules \`kad rules\` prints for these settings`
        + ` (KAD_RATE_WINDOW=${this.rateWindow}, NAMESPACE_REGEX, POD_LABEL=${this.podLabel}) into Prometheus, or set KAD_RECORDING_RULES=auto`);
    }
    return { reading: found, looked: true };
  }

  /**
   * Whether a `current` call at `t` that reads the pod rules' values reads the mesh rules' too, for the
   * mesh `flavour`: looked for (their newest recorded request rate at most 3 minutes old) at the first
   * such call, then every `staticRefreshMs`, when the mesh changes and after the pod rules were found
   * stale; absent (rules from before the mesh group), the mesh's five queries are asked. And how many
   * probe queries that took.
   */
  private async meshRecordedNow(t: number, flavour: MeshFlavour, signal: AbortSignal): Promise<{ reading: boolean; probes: number }> {
    const m = this.meshRules;
    if (m && m.flavour === flavour && m.at <= t && t - m.at < this.staticRefreshMs) return { reading: m.found, probes: 0 };
    const found = (await this.ageOf(recordedMeshProbeQuery(this.nsSelector, this.podLabel, this.rateWindow, flavour), t, signal)) <= RECORDED_MAX_AGE_S;
    this.meshRules = { flavour, found, at: t };
    return { reading: found, probes: 1 };
  }

  /** Seconds from the newest recorded CPU rate of the pods `selector` matches to `t` (Infinity: none). */
  private recordedAge(selector: string, t: number, signal: AbortSignal): Promise<number> {
    return this.ageOf(recordedProbeQuery(selector, this.podLabel, this.rateWindow), t, signal);
  }

  /** Seconds from the sample time a probe (`max(timestamp(…))`) answers to `t` (Infinity: no answer). */
  private async ageOf(probe: string, t: number, signal: AbortSignal): Promise<number> {
    const r = await this.api.query(probe, t, signal);
    return r.length ? t / 1000 - r[0].value : Infinity;
  }

  /**
   * A batch's values from a recorded selector `expr`: each series named in `names` (→ its index) of a
   * listed pod of `batch` (a recorded series outlives its pod until the rule's next evaluation), to `put`.
   */
  private async readRecorded(expr: string, names: ReadonlyMap<string, number>, batch: Batch, t: number, signal: AbortSignal, put: (metric: Labels, index: number, value: number) => void): Promise<void> {
    const inBatch = new Set(batch.pods);
    for (const s of await this.api.query(expr, t, signal)) {
      const i = names.get(s.metric.__name__);
      if (i !== undefined && inBatch.has(podKey({ namespace: s.metric.namespace, pod: s.metric[this.podLabel] }))) put(s.metric, i, s.value);
    }
  }

  /**
   * The mesh to read at query time `t`: the configured one, or with `auto` the one whose request series
   * exist (Istio first), looked for again every `staticRefreshMs`; and how many probe queries that took.
   */
  private async meshFlavour(t: number, signal?: AbortSignal): Promise<{ flavour: MeshFlavour | null; probes: number }> {
    const mode = this.meshMode;
    if (mode === 'off') return { flavour: null, probes: 0 };
    if (mode !== 'auto') return { flavour: mode, probes: 0 };
    if (t - this.flavourAt < this.staticRefreshMs && t >= this.flavourAt) return { flavour: this.flavour, probes: 0 };
    let probes = 0;
    this.flavour = null;
    for (const f of ['istio', 'linkerd'] as const) {
      probes++;
      const r = await this.api.query(meshProbeQuery(this.nsSelector, f), t, signal);
      if (r.some((s) => s.value > 0)) {
        this.flavour = f;
        break;
      }
    }
    this.flavourAt = t;
    return { flavour: this.flavour, probes };
  }

  /**
   * The pods listed at `t` (over `rangeSeconds` before it, if given); by memory usage if nothing else.
   * A sharded replica keeps those of the workloads it owns.
   */
  private async listPods(t: number, rangeSeconds: number | undefined, asked: { requests: number }, signal: AbortSignal): Promise<{ namespace: string; pod: string }[]> {
    asked.requests++;
    let pods = this.podsOf(await this.api.query(podListQuery(this.nsSelector, this.podLabel, rangeSeconds), t, signal));
    if (!pods.length) pods = this.podsOf(await this.api.query(podListQuery(this.nsSelector, this.podLabel, rangeSeconds, true), t, signal));
    if (!this.shard || !this.owners) return pods;
    if (rangeSeconds === undefined) this.owners.prune(new Set(pods.map(podKey)));
    const owned = await this.owners.owned(pods, this.shard, t, rangeSeconds, signal);
    asked.requests += owned.requests;
    return owned.pods;
  }

  /**
   * The pods a `current` call at `t` asks about. A sharded replica lists the whole fleet, the one request
   * whose cost grows with the fleet rather than its shard (prometheus-shard.ts), so it takes the listing
   * the previous call started after its own queries (when that was at most 5 minutes before `t` and
   * did not fail), and lists now only at the first call or after a gap.
   */
  private async podsNow(t: number, asked: { requests: number }, signal: AbortSignal): Promise<{ namespace: string; pod: string }[]> {
    const ahead = this.listedAhead;
    this.listedAhead = undefined;
    if (ahead && t >= ahead.t && t - ahead.t <= LOOKBACK_MS) {
      const pods = await ahead.pods.catch(() => undefined);
      if (pods) return pods;
    }
    return this.listPods(t, undefined, asked, signal);
  }

  /** Starts the listing for the next `current` call, at `t`, without waiting for it (a sharded replica's, see {@link podsNow}). */
  private listAhead(t: number): void {
    const pods = this.listPods(t, undefined, { requests: 0 }, this.background.signal);
    pods.catch(() => undefined); // a failed listing is listed again by the next call
    this.listedAhead = { t, pods };
  }

  /**
   * The batches to ask `pods` in: by namespace or pod ({@link planBatches}); a replica sharded by
   * workload by pod names only (its namespaces are shared with other replicas), one sharded by
   * namespace by its own namespaces.
   */
  private planBatches(pods: readonly { namespace: string; pod: string }[]): Batch[] {
    if (!this.shard?.sharded) return planBatches(pods, this.batchSize, this.podLabel, this.nsSelector);
    if (this.shard.by === 'workload') return planPodBatches(pods, this.batchSize, this.podLabel);
    if (pods.length === 0) return []; // no namespace of its own: nothing to ask (`namespace=~""` would match series without one)
    const own = [...new Set(pods.map((p) => p.namespace))].sort();
    return planBatches(pods, this.batchSize, this.podLabel, namespaceSelector(own.map(regexLiteral).join('|')));
  }

  /** Caches the static values just read (pods in `refreshed`), fills in the others from the cache. */
  private useStatics(accs: Map<string, PodAcc>, refreshed: Set<string>, t: number): void {
    for (const [key, a] of accs) {
      if (refreshed.has(key)) {
        const values = new Float64Array(N_METRICS).fill(NaN);
        for (const m of STATIC_METRICS) values[m] = a.values[m];
        this.statics.set(key, { values, info: a.info, at: t });
        continue;
      }
      const e = this.statics.get(key);
      if (!e) continue;
      for (const m of STATIC_METRICS) a.values[m] = e.values[m];
      a.info = e.info;
    }
    for (const key of this.statics.keys()) if (!accs.has(key)) this.statics.delete(key);
  }

  private podsOf(listed: VectorSample[]): { namespace: string; pod: string }[] {
    const out: { namespace: string; pod: string }[] = [];
    for (const s of listed) {
      const pod = s.metric[this.podLabel];
      if (pod && s.metric.namespace) out.push({ namespace: s.metric.namespace, pod });
    }
    return out;
  }

  private acc(accs: Map<string, PodAcc>, metric: Labels, steps: number): PodAcc | undefined {
    const namespace = metric.namespace;
    const pod = metric[this.podLabel];
    if (!namespace || !pod) return undefined;
    const key = `${namespace}/${pod}`;
    let a = accs.get(key);
    if (!a) {
      a = { namespace, pod, values: new Float64Array(N_METRICS * steps).fill(NaN) };
      accs.set(key, a);
    }
    return a;
  }

  private put(accs: Map<string, PodAcc>, metric: Labels, m: number, steps: number, i: number, value: number): void {
    const a = this.acc(accs, metric, steps);
    if (!a) return;
    a.values[m * steps + i] = value;
    if (m === I_INFO) a.info = metric;
  }

  private putMesh(accs: Map<string, PodAcc>, metric: Labels, m: number, steps: number, i: number, value: number): void {
    const a = this.acc(accs, metric, steps);
    if (!a) return;
    a.mesh ??= new Float64Array(N_MESH * steps).fill(NaN);
    a.mesh[m * steps + i] = value;
  }

  /** A custom series' value for a listed pod (series of other pods, or without pod labels, are ignored). */
  private putCustom(accs: Map<string, PodAcc>, metric: Labels, k: number, steps: number, i: number, value: number): void {
    const namespace = metric.namespace;
    const pod = metric[this.podLabel];
    const a = namespace && pod ? accs.get(`${namespace}/${pod}`) : undefined;
    if (!a) return;
    a.custom ??= new Float64Array(this.customSeries.length * steps).fill(NaN);
    a.custom[k * steps + i] = value;
  }

  private putRange(accs: Map<string, PodAcc>, result: MatrixSeries[], m: number, steps: number, start: number, stepMs: number): void {
    for (const s of result) {
      const a = this.acc(accs, s.metric, steps);
      if (!a) continue;
      if (m === I_INFO) a.info = s.metric;
      const row = m * steps;
      for (let j = 0; j < s.times.length; j++) {
        const i = Math.round((s.times[j] - start) / stepMs);
        if (i >= 0 && i < steps) a.values[row + i] = s.values[j];
      }
    }
  }

  /** The pods present at step `i` (memory or restarts known), as samples. */
  private samples(accs: Map<string, PodAcc>, steps: number, i: number): PodSample[] {
    const out: PodSample[] = [];
    for (const a of accs.values()) {
      const v = (m: number) => a.values[m * steps + i];
      if (Number.isNaN(v(I_MEMORY)) && Number.isNaN(v(I_RESTARTS))) continue;
      if (v(INDEX.finished) === 1) continue; // Succeeded or Failed: a Job's pod kept after its run, listed by its restarts
      const ref: PodRef = { namespace: a.namespace, pod: a.pod, workload: workloadOf(a.pod, a.info?.created_by_kind, a.info?.created_by_name) };
      if (this.shard && !this.shard.owns(ref)) continue; // a pod of the same name in another namespace of a batch
      if (a.info?.node) ref.node = a.info.node;
      const sample = podSampleOf(ref, {
        cpu: v(INDEX.cpu), memory: v(I_MEMORY), restarts: v(I_RESTARTS), rxBytes: v(INDEX.rxBytes), txBytes: v(INDEX.txBytes), rxPackets: v(INDEX.rxPackets),
        rxDropped: v(INDEX.rxDropped), cpuLimit: v(INDEX.cpuLimit), memoryLimit: v(INDEX.memoryLimit), cpuRequest: v(INDEX.cpuRequest), startedSeconds: v(INDEX.startedAt),
      });
      if (a.mesh) for (let m = 0; m < N_MESH; m++) sample[MESH_METRICS[m] as MeshMetric] = a.mesh[m * steps + i];
      if (a.custom) sample.custom = customValues(this.customSeries, a.custom, steps, i);
      out.push(sample);
    }
    out.sort((x, y) => (podKey(x.ref) < podKey(y.ref) ? -1 : 1));
    return out;
  }
}

/** An AbortController that follows `parent` and is aborted when a task fails. */
function linked(parent?: AbortSignal): AbortController & { dispose(): void } {
  const ctl = new AbortController();
  const onAbort = () => ctl.abort(parent!.reason);
  if (parent?.aborted) ctl.abort(parent.reason);
  else parent?.addEventListener('abort', onAbort, { once: true });
  return Object.assign(ctl, { dispose: () => parent?.removeEventListener('abort', onAbort) });
}

/**
 * Runs `fn` over `items` with at most `limit` at once. The first failure aborts `ctl` (so requests in
 * flight stop) and is what the returned promise rejects with.
 */
async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>, ctl: AbortController): Promise<void> {
  let next = 0;
  let firstError: unknown;
  const worker = async () => {
    while (next < items.length && firstError === undefined) {
      const item = items[next++];
      try {
        await fn(item);
      } catch (e) {
        if (firstError === undefined) {
          firstError = e;
          ctl.abort(e);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (firstError !== undefined) throw firstError;
}
