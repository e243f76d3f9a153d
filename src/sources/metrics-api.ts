/**
 * The Kubernetes metrics API (`metrics.k8s.io/v1beta1`, served by metrics-server) as a metrics
 * source: the seed's "CPU and memory from the metrics server", read through
 * `@kubernetes/client-node` with the kubeconfig at `KUBECONFIG`, or the pod's service account when
 * kad runs in the cluster.
 *
 * What metrics-server has, and what it has not:
 * - CPU in cores, already a rate (metrics-server averages it over its own ~15 s window), and memory
 *   as the working set, per container; summed per pod here.
 * - No network metrics: `rxBytes`, `txBytes`, `rxPackets` and `rxDropped` are NaN.
 * - No history: it answers with the latest values only. So this source polls. A background poller
 *   (started by the first `history()` or `current()`, every `stepMs`, on an unref'd timer, stopped by
 *   `close()`) appends the snapshots it takes to the series store passed in (src/store/series-store.ts,
 *   asked to keep `keepMs`); `current()` snapshots count too, and reset the
 *   poller's timer so the API is not asked twice per step. `history()` answers from the store, and
 *   throws a {@link SourceError} while it holds less than `minHistoryFraction` (default half) of the
 *   window asked for, saying how many minutes it has and needs. The engine retries on errors, so it
 *   trains once enough has been collected: about 30 minutes after start with the default 60-minute
 *   `TRAINING_LOOKBACK_MINUTES`.
 *
 * Node, owner, restart counts, start time and limits come from the core pod list (`/api/v1/pods`,
 * running pods only). RBAC: get/list on `pods` and `pods.metrics.k8s.io`, cluster-wide; or, when
 * `NAMESPACE_REGEX` is a plain namespace name or `a|b|c` list of names, per watched namespace (those
 * are then queried one by one).
 */
import { STATUS_CODES } from 'node:http';
import { delimiter } from 'node:path';
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  type ConfigurationOptions,
  Observable,
  type ObservableMiddleware,
  type PodMetricsList,
  type V1Pod,
  type V1PodList,
} from '@kubernetes/client-node';
import { requestAbort, type RequestAbort } from '../core/abort.js';
import { systemClock, type Clock } from '../core/clock.js';
import type { Config } from '../config/schema.js';
import { ConfigError, InputError, SourceError } from '../core/errors.js';
import { podKey, workloadFromPodName, type PodRef } from '../core/series.js';
import type { Source } from './base.js';
import type { PodSample, PodSnapshot } from '../core/samples.js';

/** Options of {@link MetricsApiSource}. */
export interface MetricsApiSourceOptions {
  /** A loaded kubeconfig. Default: {@link loadKubeConfig}(`kubeconfigPath`). */
  kubeConfig?: KubeConfig;
  /** Kubeconfig file(s) (`KUBECONFIG`, `:`-separated); unset: the in-cluster service account. */
  kubeconfigPath?: string;
  /** Namespaces to watch (`NAMESPACE_REGEX`), anchored like PromQL's `=~`. */
  namespaceRegex: string;
  /** Poll interval (ms); `QUERY_STEP_SECONDS` × 1000. */
  stepMs: number;
  /** Per-request timeout (ms); `REQUEST_TIMEOUT_SECONDS` × 1000. */
  requestTimeoutMs: number;
  /** History kept (ms). Default 2 hours, or more when `history()` asks for a longer window. */
  keepMs?: number;
  /** The series store the poller appends to (its step should be this source's); it is asked to keep `keepMs`. */
  store: PollStore;
  /** `history()` answers once it has this share of the window asked for. Default 0.5. */
  minHistoryFraction?: number;
  /** Also report running pods metrics-server has no metrics for (yet), with CPU and memory NaN. Default false. */
  includePodsWithoutMetrics?: boolean;
  /** Pods per page of the pod list. Default 500. */
  podPageSize?: number;
  /** Time stamps of polled snapshots. Default the wall clock. */
  clock?: Clock;
}

/** The source's settings of the config (see {@link MetricsApiSourceOptions}). */
export type MetricsApiSettings = Pick<MetricsApiSourceOptions, 'namespaceRegex' | 'stepMs' | 'requestTimeoutMs'>;

/** The source's settings from the config: the namespaces and request timeout of the `prometheus` section, the step of `training`. */
export function metricsApiSettings(config: Readonly<{ prometheus: Pick<Config['prometheus'], 'namespaceRegex' | 'requestTimeoutSeconds'>; training: Pick<Config['training'], 'queryStepSeconds'> }>): MetricsApiSettings {
  return { namespaceRegex: config.prometheus.namespaceRegex, stepMs: config.training.queryStepSeconds * 1000, requestTimeoutMs: config.prometheus.requestTimeoutSeconds * 1000 };
}

/**
 * What the poller needs of the series store it writes to (src/store/series-store.ts; sources come
 * before the store in the data flow, so they know it by this interface only).
 */
export interface PollStore {
  /** Adds a snapshot as the newest cycle; one not newer than the newest is ignored. */
  append(snap: PodSnapshot): unknown;
  /** Keeps at least `cycles` cycles from now on. */
  reserve(cycles: number): void;
  /** Time of the newest cycle (NaN: none). */
  readonly newest: number;
  /** Times of the cycles held in [start, end], oldest first. */
  cycleTimes(start: number, end: number): number[];
  /** The snapshots of the cycles at `times`, pods sorted by pod key. */
  snapshots(times: readonly number[]): PodSnapshot[];
}

/** What the pod list says about one pod. */
interface PodInfo {
  ref: PodRef;
  restarts: number;
  cpuLimit: number;
  memoryLimit: number;
  cpuRequest: number;
  startedAt?: number;
}

const METRICS = { group: 'metrics.k8s.io', version: 'v1beta1', plural: 'pods' } as const;
const NAMESPACE_LIST = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\|[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A {@link Source} over metrics-server. See the module comment for how history is collected. */
export class MetricsApiSource implements Source {
  readonly name = 'metrics-api';
  /** The API server's URL, as in error messages. */
  readonly server: string;
  private readonly kc: KubeConfig;
  private readonly core: CoreV1Api;
  private readonly custom: CustomObjectsApi;
  private readonly credentials: string;
  private readonly namespaceRe: RegExp;
  private readonly namespaces?: string[];
  private readonly stepMs: number;
  private readonly timeoutMs: number;
  private readonly minFraction: number;
  private readonly includeAll: boolean;
  private readonly pageSize: number;
  private readonly clock: Clock;
  private keepMs: number;
  private readonly store: PollStore;
  private closed = false;
  /** Requests in flight, aborted by close(). */
  private readonly requests = new Set<RequestAbort>();
  private timer?: NodeJS.Timeout;
  private started = false;
  private inflight?: Promise<PodSnapshot>;
  private lastError?: string;

  constructor(opts: MetricsApiSourceOptions) {
    this.kc = opts.kubeConfig ?? loadKubeConfig(opts.kubeconfigPath);
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new ConfigError('KUBECONFIG has no current context with a cluster: set current-context (kubectl config use-context NAME)');
    this.server = cluster.server;
    this.credentials = opts.kubeConfig ? 'the kubeconfig' : opts.kubeconfigPath ? `KUBECONFIG (${opts.kubeconfigPath})` : 'the in-cluster service account';
    this.core = this.kc.makeApiClient(CoreV1Api);
    this.custom = this.kc.makeApiClient(CustomObjectsApi);
    const re = opts.namespaceRegex;
    try {
      this.namespaceRe = new RegExp(`^(?:${re})$`);
    } catch (e) {
      throw new ConfigError(`NAMESPACE_REGEX="${re}" is invalid: must be a regular expression (${(e as Error).message})`);
    }
    if (NAMESPACE_LIST.test(re)) this.namespaces = [...new Set(re.split('|'))];
    if (!(opts.stepMs > 0 && opts.requestTimeoutMs > 0)) throw new InputError(`metrics-api source: stepMs and requestTimeoutMs must be above 0, got ${opts.stepMs} and ${opts.requestTimeoutMs}`);
    this.stepMs = opts.stepMs;
    this.timeoutMs = opts.requestTimeoutMs;
    this.keepMs = positive(opts.keepMs, 2 * 3_600_000);
    this.minFraction = opts.minHistoryFraction ?? 0.5;
    this.includeAll = opts.includePodsWithoutMetrics ?? false;
    this.pageSize = positive(opts.podPageSize, 500);
    this.clock = opts.clock ?? systemClock;
    this.store = opts.store;
    this.store.reserve(this.cyclesKept());
  }

  /**
   * The snapshots polled over [start, end], oldest first, at most one per `stepMs`. metrics-server
   * keeps no history, so this is only what this source has collected since it started; it throws a
   * {@link SourceError} while that is less than `minHistoryFraction` of the window.
   */
  async history(start: number, end: number, stepMs: number, signal?: AbortSignal): Promise<PodSnapshot[]> {
    this.assertOpen();
    this.keepMs = Math.max(this.keepMs, end - start + 2 * Math.max(stepMs, this.stepMs));
    this.store.reserve(this.cyclesKept());
    this.start();
    if (Number.isNaN(this.store.newest)) await this.poll(this.clock.now(), signal); // the first answer, or why there is none
    const times: number[] = [];
    for (const t of this.store.cycleTimes(Math.max(start, this.store.newest - this.keepMs), end)) {
      if (times.length && t - times[times.length - 1] < 0.9 * stepMs) continue; // thin to the step asked for
      times.push(t);
    }
    const out = this.store.snapshots(times);
    const need = end - start;
    const have = Math.min(need, out.length * Math.max(stepMs, this.stepMs));
    if (have < this.minFraction * need) {
      const unit = need >= 120_000 ? 60_000 : 1000; // minutes, or seconds for a short window
      const f = (ms: number) => amount(ms / unit);
      throw new SourceError(
        `metrics-api source has collected ${f(have)} of ${f(need)} ${unit === 1000 ? 'seconds' : 'minutes'} of history; training starts ` +
          `when ${f(this.minFraction * need)} are collected (metrics-server keeps no history, so kad polls it every ` +
          `${this.stepMs / 1000} s)${this.lastError ? `; the last poll failed: ${this.lastError}` : ''}`,
      );
    }
    return out;
  }

  /** The live values now (snapshot time `t`), also kept for `history()`. */
  async current(t: number, signal?: AbortSignal): Promise<PodSnapshot> {
    this.assertOpen();
    this.start();
    return this.poll(t, signal);
  }

  /** Stops the poller and cancels a request in flight. */
  async close(): Promise<void> {
    this.closed = true;
    for (const ac of this.requests) ac.abort();
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.inflight?.catch(() => undefined);
  }

  private assertOpen(): void {
    if (this.closed) throw new SourceError('metrics-api source is closed');
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    this.schedule();
  }

  /** (Re)arms the poller one step after the latest snapshot. */
  private schedule(): void {
    clearTimeout(this.timer);
    if (this.closed) return;
    this.timer = setTimeout(() => void this.poll(this.clock.now()).catch(() => undefined), this.stepMs);
    this.timer.unref();
  }

  /** Takes one snapshot and keeps it; a caller arriving while one is in flight shares it. */
  private poll(t: number, signal?: AbortSignal): Promise<PodSnapshot> {
    if (this.inflight) return this.inflight;
    const p = this.snapshot(t, signal)
      .then((snap) => {
        this.store.append(snap); // a clock that went back: answer, but keep the store in time order
        this.lastError = undefined;
        return snap;
      }, (e: unknown) => {
        this.lastError = (e as Error).message;
        throw e;
      })
      .finally(() => {
        this.inflight = undefined;
        this.schedule();
      });
    this.inflight = p;
    return p;
  }

  /** Cycles that hold `keepMs` of polls, one a step. */
  private cyclesKept(): number {
    return Math.ceil(this.keepMs / this.stepMs) + 1;
  }

  /** Reads the pod list and the pod metrics, and joins them. */
  private async snapshot(t: number, signal?: AbortSignal): Promise<PodSnapshot> {
    const [pods, metrics] = await Promise.all([this.listPods(signal), this.listPodMetrics(signal)]);
    const info = new Map<string, PodInfo>();
    for (const p of pods) {
      const i = podInfo(p);
      if (i && this.namespaceRe.test(i.ref.namespace)) info.set(podKey(i.ref), i);
    }
    const samples: PodSample[] = [];
    const seen = new Set<string>();
    for (const m of metrics.items) {
      const namespace = m.metadata?.namespace;
      const pod = m.metadata?.name;
      if (!namespace || !pod || !this.namespaceRe.test(namespace)) continue;
      const key = podKey({ namespace, pod });
      if (seen.has(key)) continue;
      seen.add(key);
      let cpu = 0;
      let memory = 0;
      for (const c of m.containers ?? []) {
        cpu += quantityOrNaN(c.usage?.cpu);
        memory += quantityOrNaN(c.usage?.memory);
      }
      const i = info.get(key); // absent: the pod went away (or came) between the two reads
      samples.push(sample(i?.ref ?? { namespace, pod, workload: workloadFromPodName(pod) }, cpu, memory, i));
    }
    if (this.includeAll) for (const [key, i] of info) if (!seen.has(key)) samples.push(sample(i.ref, NaN, NaN, i));
    samples.sort((a, b) => (podKey(a.ref) < podKey(b.ref) ? -1 : 1));
    return { t, pods: samples };
  }

  /** Running pods, cluster-wide or per watched namespace, page by page. */
  private async listPods(signal?: AbortSignal): Promise<V1Pod[]> {
    const out: V1Pod[] = [];
    for (const namespace of this.namespaces ?? [undefined]) {
      let cont: string | undefined;
      do {
        const param = { fieldSelector: 'status.phase=Running', limit: this.pageSize, _continue: cont };
        const page: V1PodList = await this.call('pods', signal, (o) =>
          namespace === undefined ? this.core.listPodForAllNamespaces(param, o) : this.core.listNamespacedPod({ ...param, namespace }, o),
        );
        out.push(...(page.items ?? []));
        cont = page.metadata?._continue || undefined;
      } while (cont);
    }
    return out;
  }

  /** PodMetrics, cluster-wide or per watched namespace. */
  private async listPodMetrics(signal?: AbortSignal): Promise<PodMetricsList> {
    const items: PodMetricsList['items'] = [];
    for (const namespace of this.namespaces ?? [undefined]) {
      const list: unknown = await this.call('metrics', signal, (o) =>
        namespace === undefined ? this.custom.listClusterCustomObject(METRICS, o) : this.custom.listNamespacedCustomObject({ ...METRICS, namespace }, o),
      );
      const l = list as Partial<PodMetricsList> | null;
      if (!l || typeof l !== 'object' || !Array.isArray(l.items)) {
        throw new SourceError(`the metrics API (metrics.k8s.io) on ${this.server} answered with something other than a PodMetricsList (kind ${JSON.stringify(l?.kind)})`);
      }
      items.push(...l.items);
    }
    return { kind: 'PodMetricsList', apiVersion: 'metrics.k8s.io/v1beta1', metadata: { selfLink: '' }, items };
  }

  /** Runs one API call with the timeout and cancellation, and turns its failure into a {@link SourceError}. */
  private async call<T>(what: 'pods' | 'metrics', signal: AbortSignal | undefined, fn: (o: ConfigurationOptions) => Promise<T>): Promise<T> {
    // One controller per request, aborted by the timeout, the caller or close().
    const ac = requestAbort(this.timeoutMs, signal);
    this.requests.add(ac);
    const setSignal: ObservableMiddleware = {
      pre: (ctx) => {
        ctx.setSignal(ac.signal);
        return new Observable(Promise.resolve(ctx));
      },
      post: (res) => new Observable(Promise.resolve(res)),
    };
    const options: ConfigurationOptions = { middleware: [setSignal], middlewareMergeStrategy: 'append' };
    try {
      return await fn(options);
    } catch (e) {
      throw this.explain(e, what, ac.timedOut);
    } finally {
      ac.dispose();
      this.requests.delete(ac);
    }
  }

  /** A {@link SourceError} that names the API server and says what to do. */
  private explain(e: unknown, what: 'pods' | 'metrics', timedOut: boolean): SourceError {
    if (e instanceof SourceError) return e;
    const server = this.server;
    const subject = what === 'metrics' ? 'pod metrics (pods.metrics.k8s.io)' : 'pods';
    if (e instanceof ApiException) {
      const status = e.code;
      const reason = statusReason(e.body) || STATUS_CODES[status] || `HTTP ${status}`;
      if (what === 'metrics' && status === 404) {
        return new SourceError(`the metrics API (metrics.k8s.io) is not available on ${server} (404: ${reason}); install metrics-server (https://github.com/kubernetes-sigs/metrics-server), or choose another source with KAD_SOURCE`, { cause: e });
      }
      if (what === 'metrics' && status === 503) {
        return new SourceError(`the metrics API (metrics.k8s.io) on ${server} is registered but not answering (503: ${reason}); check the metrics-server pod (kubectl -n kube-system get pods -l k8s-app=metrics-server) and kubectl get apiservice v1beta1.metrics.k8s.io`, { cause: e });
      }
      if (status === 401) {
        return new SourceError(`the Kubernetes API server ${server} refused the credentials from ${this.credentials} (401: ${reason}); check its token or client certificate`, { cause: e });
      }
      if (status === 403) {
        return new SourceError(`the Kubernetes API server ${server} does not allow kad to list ${subject} (403: ${reason}); grant get and list on pods and pods.metrics.k8s.io (a ClusterRole, or a Role in each watched namespace)`, { cause: e });
      }
      return new SourceError(`the Kubernetes API server ${server} answered ${status} when listing ${subject}: ${reason}`, { cause: e });
    }
    const err = e as { name?: string; type?: string; message?: string };
    if (err?.name === 'AbortError' || err?.type === 'aborted') {
      return new SourceError(
        timedOut
          ? `the Kubernetes API server ${server} did not answer a request for ${subject} within ${this.timeoutMs / 1000} s (REQUEST_TIMEOUT_SECONDS)`
          : `the request for ${subject} to ${server} was cancelled`,
        { cause: e },
      );
    }
    return new SourceError(`cannot reach the Kubernetes API server ${server} to list ${subject}: ${err?.message ?? String(e)}`, { cause: e });
  }
}

/**
 * Loads a kubeconfig: the file(s) at `path` (a `KUBECONFIG` value; `:`-separated files are merged,
 * the first one's context wins), or, when unset, the service account of the pod kad runs in.
 * Throws a {@link ConfigError} when neither is there.
 */
export function loadKubeConfig(path?: string): KubeConfig {
  const kc = new KubeConfig();
  if (path) {
    try {
      const files = path.split(delimiter).filter(Boolean);
      kc.loadFromFile(files[0]);
      for (const f of files.slice(1)) {
        const more = new KubeConfig();
        more.loadFromFile(f);
        kc.mergeConfig(more, true);
      }
    } catch (e) {
      throw new ConfigError(`KUBECONFIG="${path}" is invalid: must be a readable kubeconfig file (${(e as Error).message})`);
    }
    if (!kc.getCurrentCluster()) {
      throw new ConfigError(`KUBECONFIG="${path}" is invalid: it has no current context with a cluster (set one with kubectl config use-context NAME)`);
    }
    return kc;
  }
  if (!process.env.KUBERNETES_SERVICE_HOST) {
    throw new ConfigError('KUBECONFIG is not set and kad is not running in a Kubernetes pod (KUBERNETES_SERVICE_HOST is unset): set KUBECONFIG to use the metrics-api source from outside the cluster');
  }
  kc.loadFromCluster(); // reads KUBERNETES_SERVICE_HOST/PORT and the service account's token and CA
  return kc;
}

/**
 * CPU cores per GiB of working set: the seed's CPU/memory ratio (it printed cores per MB; per GiB
 * keeps the numbers readable). NaN when either is unknown or memory is 0.
 */
export function cpuMemoryRatio(s: Pick<PodSample, 'cpu' | 'memory'>): number {
  const gib = s.memory / 2 ** 30;
  return gib > 0 && Number.isFinite(s.cpu) && Number.isFinite(gib) ? s.cpu / gib : NaN;
}

const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([numkMGTPE]|[KMGTPE]i)|[eE]([+-]?\d+))?$/;

/**
 * Parses a Kubernetes resource quantity to a plain number: `"500m"` → 0.5 (cores),
 * `"256Mi"` → 268435456 (bytes), `"12345678n"` → 0.012345678, `"1e3"` → 1000, `"1E"` → 1e18.
 * Suffixes: n u m k M G T P E (powers of 10), Ki Mi Gi Ti Pi Ei (powers of 2), e/E exponents.
 * Throws an {@link InputError} for anything else.
 */
export function parseQuantity(q: string): number {
  const m = QUANTITY.exec(q);
  if (!m) throw new InputError(`"${q}" is not a Kubernetes quantity (such as 500m, 256Mi, 1.5Gi or 1e3)`);
  const [, num, suffix, exp] = m;
  if (exp !== undefined) return Number(`${num}e${exp}`);
  if (suffix !== undefined && suffix in BINARY) return Number(num) * 2 ** BINARY[suffix];
  return Number(`${num}e${DECIMAL[suffix ?? '']}`); // decimal parse, so "12345678n" rounds once
}

function quantityOrNaN(q: unknown): number {
  if (typeof q === 'number') return q;
  if (typeof q !== 'string') return NaN;
  try {
    return parseQuantity(q);
  } catch {
    return NaN;
  }
}

/**
 * The workload a pod belongs to, from its controlling owner: a ReplicaSet's Deployment (the
 * ReplicaSet name less its `pod-template-hash`), a CronJob's Job (less its schedule suffix), or the
 * StatefulSet, DaemonSet or other controller itself; the pod's name for a bare pod.
 */
export function podWorkload(pod: Pick<V1Pod, 'metadata'>): string {
  const meta = pod.metadata ?? {};
  const owners = meta.ownerReferences ?? [];
  const owner = owners.find((o) => o.controller) ?? owners[0];
  if (!owner?.name) return meta.name ? workloadFromPodName(meta.name) : '';
  if (owner.kind === 'ReplicaSet') {
    const hash = meta.labels?.['pod-template-hash'];
    if (hash && owner.name.endsWith(`-${hash}`)) return owner.name.slice(0, -hash.length - 1);
    return owner.name.replace(/-[0-9a-f]{6,10}$/, '');
  }
  if (owner.kind === 'Job') return owner.name.replace(/-\d{8,}$/, ''); // CronJob jobs: name-<minutes since epoch>
  return owner.name;
}

/** The pod list's facts about one pod; undefined without a name or namespace. */
function podInfo(p: V1Pod): PodInfo | undefined {
  const namespace = p.metadata?.namespace;
  const pod = p.metadata?.name;
  if (!namespace || !pod) return undefined;
  const containers = p.spec?.containers ?? [];
  const limit = (resource: 'cpu' | 'memory', kind: 'limits' | 'requests' = 'limits'): number => {
    // The pod is bounded only if every container is; otherwise its limit is unknown.
    let sum = 0;
    for (const c of containers) {
      const v = quantityOrNaN(c.resources?.[kind]?.[resource]);
      if (!(v > 0)) return NaN;
      sum += v;
    }
    return containers.length ? sum : NaN;
  };
  let restarts = 0;
  for (const s of p.status?.containerStatuses ?? []) restarts += s.restartCount ?? 0;
  const started = p.status?.startTime ? new Date(p.status.startTime).getTime() : NaN;
  const ref: PodRef = { namespace, pod, workload: podWorkload(p) || workloadFromPodName(pod) };
  if (p.spec?.nodeName) ref.node = p.spec.nodeName;
  return {
    ref,
    restarts,
    cpuLimit: limit('cpu'),
    memoryLimit: limit('memory'),
    cpuRequest: limit('cpu', 'requests'),
    startedAt: Number.isFinite(started) ? started : undefined,
  };
}

function sample(ref: PodRef, cpu: number, memory: number, i: PodInfo | undefined): PodSample {
  return {
    ref,
    cpu,
    memory,
    restarts: i?.restarts ?? NaN,
    rxBytes: NaN,
    txBytes: NaN,
    rxPackets: NaN,
    rxDropped: NaN,
    cpuLimit: i?.cpuLimit ?? NaN,
    memoryLimit: i?.memoryLimit ?? NaN,
    cpuRequest: i?.cpuRequest ?? NaN,
    startedAt: i?.startedAt,
  };
}

/** The `message` of a Kubernetes Status body, or the body's text, shortened. */
function statusReason(body: unknown): string {
  let text = typeof body === 'string' ? body : body === undefined ? '' : JSON.stringify(body);
  try {
    const s = JSON.parse(text) as { message?: unknown };
    if (s && typeof s.message === 'string') text = s.message;
  } catch {
    // not JSON: keep the text ("404 page not found")
  }
  text = text.trim().replace(/\s+/g, ' ');
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function positive(v: number | undefined, d: number): number {
  return v !== undefined && v > 0 ? v : d;
}

function amount(x: number): string {
  return x >= 10 ? String(Math.floor(x)) : String(Math.floor(x * 10) / 10);
}
