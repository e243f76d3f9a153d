/**
 * Per-pod feature vectors for the pod detector. The raw metrics (CPU, memory, restarts, network) go
 * up and down with traffic every day; an SRE does not want the afternoon peak flagged. So the features
 * are ones that stay put when traffic moves and jump when a pod misbehaves:
 *
 * CPU is read above a floor before its logarithm is taken (so that an idle pod's noise is not a
 * hundredfold change): 1 millicore per core of the pod's CPU limit, the last finite one seen (1
 * millicore before any, as for a 1-core limit). A fixed 1 millicore hid a small container's runaway: on Nezha, pods limited
 * to 20 millicores idle at 0.07 and a CPU fault takes them to 12–20, a 200-fold rise that a 1-millicore
 * floor read as 15-fold.
 *
 * - `cpu_per_traffic`: ln(CPU) − ln(network bytes): CPU spent per unit of work. A runaway loop or a
 *   noisy batch job moves it; a traffic peak does not. Sources without network metrics (the metrics
 *   API) give ln(CPU) − ln(memory GiB) instead, the CPU/memory ratio of the metrics-server seed.
 * - `cpu_above_peers`: ln(pod CPU / median CPU of the workload's pods now), floored at 0: one replica
 *   busier than the others. One-sided: the quiet sibling of a runaway pod must not look anomalous too
 *   (a pod below its peers is a victim, or is caught by its restarts). 0 with fewer than
 *   `MIN_PEERS` (3) serving pods: with two the median is their mean, so when one is throttled (a noisy
 *   neighbour's victim) or crash-looping the healthy one looks busy, and which one is odd cannot be
 *   told (the peer group needs 3 replicas for the same reason).
 * - `memory_utilisation`: working set / limit (or GB with no limit); missing while the pod warms up.
 * - `restarts_recent`: container restarts in the last `restartWindowMs` (crash loops, OOM kills).
 * - `rx_drop_ratio`: dropped / received packets (packet loss).
 *
 * With a service mesh (`mesh: true`; {@link MESH_FEATURES}), four more from the pod's Istio or Linkerd
 * series, where most faults that leave CPU and memory alone show (a slow or failing callee, as on
 * Nezha); NaN for a pod without them (no sidecar, no requests):
 * - `mesh_request_rate`: ln(pod's requests / median of its workload's serving pods), both + 1/s,
 *   for workloads with `MIN_PEERS` serving pods (else 0): traffic moves every replica alike, a pod
 *   that gets more or fewer requests than its siblings stands out.
 * - `mesh_error_ratio`: the share of its answers that are 5xx.
 * - `mesh_latency`: ln(mean latency in ms): a pod's latency includes that of the services it calls.
 * - `mesh_missing_callees`: how many of the workloads the pod calls regularly (core/samples.ts
 *   `CALLEE_WINDOWS`) got no call from it over the rate window (its outbound side, `PodSample.missingCallees`): a request that fails early skips the
 *   calls after the failing step, which the pod's own latency and 5xx share may not show.
 *
 * Custom series (`custom`: the names of the config's `features.custom`, core/feature-names.ts) come
 * between the pod's own and the mesh's, each the pod's value as its source gave it (`PodSample.custom`),
 * NaN where it has none. They come before the mesh's so that the scale floors of one list
 * ({@link podFeatureMinScale}) fit a vector with or without the mesh.
 *
 * Stateful (restart history per pod); allocates one vector per pod, reused across updates.
 */
import { MESH_FEATURES, ONLY_ABOVE_FEATURES, POD_FEATURES, type CustomSeries } from '../core/feature-names.js';
import { podKey, workloadKey } from '../core/series.js';
import type { PodSample, PodSnapshot } from '../core/samples.js';

export { MESH_FEATURES, POD_FEATURES } from '../core/feature-names.js';

/**
 * The feature names of a vector, in order: the pod's own, then the custom series' (`custom`, the
 * config's `features.custom` names), then with `mesh` the mesh's.
 */
export function podFeatureNames(mesh: boolean, custom: readonly string[] = []): readonly string[] {
  if (!mesh && custom.length === 0) return POD_FEATURES;
  return [...POD_FEATURES, ...custom, ...(mesh ? MESH_FEATURES : [])];
}

/**
 * The smallest spread each feature is assumed to have, in its own units, in the order of
 * {@link podFeatureNames}(true) (a vector without the mesh uses the first five). A feature that was
 * constant in training (restarts, drops, 5xx) still gets a finite scale, so a change in it can be scored.
 * `mesh_request_rate`'s is 0.5: a pod's share of its workload's requests moves by several percent
 * whenever the autoscaler adds or removes a replica (the median moves), which must not look new; a
 * pod with half or twice its siblings' requests still stands out. `mesh_missing_callees`' is 0.1, as
 * `restarts_recent`'s: both count whole events, and one callee going quiet is as notable as one restart.
 */
export const POD_FEATURE_MIN_SCALE = Float64Array.of(0.1, 0.1, 0.02, 0.1, 0.005, 0.5, 0.01, 0.1, 0.1);

/**
 * The scale floors of vectors with custom series whose floors are `customFloors` (their `scaleFloor`s,
 * in order): the pod's own five, the custom ones, the mesh's four, as {@link podFeatureNames}(true,
 * custom) orders the features (a vector without the mesh uses the first entries). No custom series:
 * {@link POD_FEATURE_MIN_SCALE}.
 */
export function podFeatureMinScale(customFloors: readonly number[] = []): Float64Array {
  const n = POD_FEATURES.length;
  if (customFloors.length === 0) return POD_FEATURE_MIN_SCALE.slice();
  return Float64Array.from([...POD_FEATURE_MIN_SCALE.subarray(0, n), ...customFloors, ...POD_FEATURE_MIN_SCALE.subarray(n)]);
}

/**
 * The indices of the features scored only above what is expected ({@link ONLY_ABOVE_FEATURES}, and
 * each custom series whose entry of `customOnlyAbove` is true: the config's `onlyAbove`), in the
 * order of {@link podFeatureNames}(true, custom); a vector without the mesh uses the indices below its length.
 */
export function podFeatureOnlyAbove(customOnlyAbove: readonly boolean[] = []): number[] {
  const flags = [...POD_FEATURES.map((n) => ONLY_ABOVE_FEATURES.has(n)), ...customOnlyAbove, ...MESH_FEATURES.map((n) => ONLY_ABOVE_FEATURES.has(n))];
  return flags.flatMap((on, j) => (on ? [j] : []));
}

/**
 * How each feature of a vector with the custom series `custom` (the config's `features.custom`) is
 * scored: the scale floors ({@link podFeatureMinScale}) and the features scored only above what is
 * expected ({@link podFeatureOnlyAbove}), what the pod model and the peer group are given.
 */
export function podFeatureScoring(custom: readonly Pick<CustomSeries, 'scaleFloor' | 'onlyAbove'>[] = []): { minScale: number[]; onlyAbove: number[] } {
  return {
    minScale: Array.from(podFeatureMinScale(custom.map((c) => c.scaleFloor))),
    onlyAbove: podFeatureOnlyAbove(custom.map((c) => c.onlyAbove === true)),
  };
}

const CPU_EPS = 1e-3; // cores
/** The CPU floor per core of limit: 1 millicore a core (see the module comment). */
const CPU_FLOOR_PER_LIMIT = 1e-3;
const NET_EPS = 1e3; // bytes/s
const GIB = 2 ** 30;
const MEM_EPS_GIB = 1e-3;
/** A pod with less than this share of its workload's median traffic is not a peer (it is not serving). */
const PEER_MIN_TRAFFIC = 0.2;
/** Serving pods a workload needs before a pod is compared with the others (`cpu_above_peers`). */
const MIN_PEERS = 3;

/** Options of {@link PodFeatureExtractor}. */
export interface PodFeatureOptions {
  /** Window for `restarts_recent` (ms). Default 10 minutes. */
  restartWindowMs?: number;
  /** Pods younger than this have no `memory_utilisation` (NaN) while they warm up (ms). Default 3 minutes. */
  warmupMs?: number;
  /** Add the service-mesh features ({@link MESH_FEATURES}) to each vector. Default false. */
  mesh?: boolean;
  /** Names of the custom series (config `features.custom`), read from each sample's `custom` values. Default none. */
  custom?: readonly string[];
}

interface PodState {
  vector: Float64Array;
  firstSeen: number;
  lastSeen: number;
  /** (time, cumulative restarts) observations inside the window, oldest first. */
  restartTimes: number[];
  restartCounts: number[];
  /** The pod's last finite, positive CPU limit (cores; NaN before one was seen): its CPU floor's scale. */
  cpuLimit: number;
}

/** Turns pod snapshots into feature vectors, one per pod, keyed by `namespace/pod`. */
export class PodFeatureExtractor {
  private readonly pods = new Map<string, PodState>();
  private readonly restartWindowMs: number;
  private readonly warmupMs: number;
  /** Whether vectors carry the mesh features. */
  readonly mesh: boolean;
  /** Names of the custom series in the vectors, in order. */
  readonly custom: readonly string[];
  /** The feature names of the vectors, in order. */
  readonly names: readonly string[];

  constructor(opts: PodFeatureOptions = {}) {
    this.restartWindowMs = opts.restartWindowMs ?? 10 * 60_000;
    this.warmupMs = opts.warmupMs ?? 3 * 60_000;
    this.mesh = opts.mesh ?? false;
    this.custom = [...(opts.custom ?? [])];
    this.names = podFeatureNames(this.mesh, this.custom);
  }

  /**
   * Computes the features of every pod in `snap`. The returned vectors are owned by the extractor and
   * overwritten on the next update of the same pod. Pods not seen for `forgetAfterMs` are dropped.
   */
  update(snap: PodSnapshot, forgetAfterMs = 15 * 60_000): Map<string, Float64Array> {
    const medians = this.peerMedians(snap.pods);
    const requestMedians = this.mesh ? peerRequestMedians(snap.pods) : undefined;
    const out = new Map<string, Float64Array>();
    for (const p of snap.pods) {
      const key = podKey(p.ref);
      let st = this.pods.get(key);
      if (!st) {
        st = { vector: new Float64Array(this.names.length), firstSeen: snap.t, lastSeen: snap.t, restartTimes: [], restartCounts: [], cpuLimit: NaN };
        this.pods.set(key, st);
      }
      st.lastSeen = snap.t;
      this.compute(p, snap.t, st, medians.get(workloadKey(p.ref)) ?? p.cpu);
      if (this.custom.length) customFeatures(p, st.vector, this.custom);
      if (requestMedians) meshFeatures(p, st.vector, requestMedians.get(workloadKey(p.ref)), POD_FEATURES.length + this.custom.length);
      out.set(key, st.vector);
    }
    for (const [key, st] of this.pods) if (snap.t - st.lastSeen > forgetAfterMs) this.pods.delete(key);
    return out;
  }

  /**
   * Median CPU per workload over its serving pods: those with at least `PEER_MIN_TRAFFIC` of the
   * workload's median traffic (all pods when traffic is unknown), for workloads with at least
   * `MIN_PEERS` of them. A crash-looping replica gets no traffic, so it does not drag the median down
   * and make its healthy sibling look busy.
   */
  private peerMedians(pods: readonly PodSample[]): Map<string, number> {
    const groups = new Map<string, PodSample[]>();
    for (const p of pods) {
      const k = workloadKey(p.ref);
      let a = groups.get(k);
      if (!a) groups.set(k, (a = []));
      a.push(p);
    }
    const medians = new Map<string, number>();
    for (const [k, group] of groups) {
      const traffic = group.map(trafficOf);
      const typical = median(traffic);
      const serving = group.filter((_, i) => !(typical > 0) || traffic[i] >= PEER_MIN_TRAFFIC * typical);
      const peers = serving.length ? serving : group;
      if (peers.length >= MIN_PEERS) medians.set(k, median(peers.map((p) => p.cpu)));
    }
    return medians;
  }

  /** Forgets a pod's history (it went away). */
  forget(key: string): void {
    this.pods.delete(key);
  }

  private compute(p: PodSample, t: number, st: PodState, peerMedian: number): void {
    const v = st.vector;
    // The last limit seen: a sample without one (a source that has not read it yet) keeps the floor where it was.
    if (Number.isFinite(p.cpuLimit) && p.cpuLimit > 0) st.cpuLimit = p.cpuLimit;
    const floor = st.cpuLimit > 0 ? CPU_FLOOR_PER_LIMIT * st.cpuLimit : CPU_EPS;
    const cpu = Math.log(Math.max(0, p.cpu) + floor);
    if (Number.isNaN(p.rxBytes) && Number.isNaN(p.txBytes)) {
      v[0] = p.memory > 0 ? cpu - Math.log(p.memory / GIB + MEM_EPS_GIB) : NaN;
    } else {
      v[0] = cpu - Math.log(trafficOf(p) + NET_EPS) + Math.log(NET_EPS / CPU_EPS) / 2;
    }
    v[1] = Math.max(0, Math.log((Math.max(0, p.cpu) + floor) / (Math.max(0, peerMedian) + floor)));
    const started = p.startedAt ?? st.firstSeen;
    if (t - started < this.warmupMs) v[2] = NaN;
    else v[2] = p.memoryLimit > 0 ? p.memory / p.memoryLimit : p.memory / 1e9;
    v[3] = this.recentRestarts(p, t, st, started);
    const pk = finiteOr(p.rxPackets, 0);
    const dr = finiteOr(p.rxDropped, 0);
    v[4] = dr > 0 ? dr / (pk + dr) : 0;
  }

  private recentRestarts(p: PodSample, t: number, st: PodState, started: number): number {
    const times = st.restartTimes;
    const counts = st.restartCounts;
    times.push(t);
    counts.push(p.restarts);
    let drop = 0;
    while (drop < times.length - 1 && t - times[drop + 1] >= this.restartWindowMs) drop++;
    if (drop) {
      times.splice(0, drop);
      counts.splice(0, drop);
    }
    if (times.length === 1) {
      // First sight: a pod younger than the window had all its restarts inside it.
      return t - started < this.restartWindowMs ? p.restarts : 0;
    }
    // Counter resets (pod recreated under the same name) count as restarts from zero.
    let inc = 0;
    for (let i = 1; i < counts.length; i++) {
      const d = counts[i] - counts[i - 1];
      inc += d >= 0 ? d : counts[i];
    }
    return inc;
  }
}

/** Per workload, the median request rate of its serving pods (see `peerMedians`), for workloads with `MIN_PEERS` of them. */
function peerRequestMedians(pods: readonly PodSample[]): Map<string, number> {
  const groups = new Map<string, number[]>();
  for (const p of pods) {
    const r = p.requestRate;
    if (r === undefined || !Number.isFinite(r)) continue;
    const k = workloadKey(p.ref);
    let a = groups.get(k);
    if (!a) groups.set(k, (a = []));
    a.push(r);
  }
  const out = new Map<string, number>();
  for (const [k, rates] of groups) {
    const typical = median(rates);
    const serving = rates.filter((r) => !(typical > 0) || r >= PEER_MIN_TRAFFIC * typical);
    if (serving.length >= MIN_PEERS) out.set(k, median(serving));
  }
  return out;
}

/** Requests per second added to a pod's and its peers' before their ratio (a pod with no requests is not −∞). */
const REQUEST_EPS = 1;
const MS_EPS = 1e-3;

/** The custom series' values after the pod's own five (NaN where the pod has none). */
function customFeatures(p: PodSample, v: Float64Array, names: readonly string[]): void {
  const j = POD_FEATURES.length;
  const values = p.custom;
  for (let k = 0; k < names.length; k++) {
    const x = values?.[names[k]];
    v[j + k] = typeof x === 'number' && Number.isFinite(x) ? x : NaN;
  }
}

/** The mesh features from index `j` on (after the pod's own and the custom ones; NaN where the pod has no mesh data). */
function meshFeatures(p: PodSample, v: Float64Array, peerRequests: number | undefined, j: number): void {
  const r = p.requestRate ?? NaN;
  v[j] = !Number.isFinite(r) ? NaN : peerRequests === undefined ? 0 : Math.log((Math.max(0, r) + REQUEST_EPS) / (peerRequests + REQUEST_EPS));
  const e = p.errorRatio ?? NaN;
  v[j + 1] = Number.isFinite(e) ? e : NaN;
  const l = p.latencyMs ?? NaN;
  v[j + 2] = l > 0 && Number.isFinite(l) ? Math.log(l + MS_EPS) : NaN;
  const m = p.missingCallees ?? NaN;
  v[j + 3] = m >= 0 ? m : NaN;
}

/** Network bytes per second in and out (0 when unknown). */
function trafficOf(p: PodSample): number {
  return finiteOr(p.rxBytes, 0) + finiteOr(p.txBytes, 0);
}

function finiteOr(x: number, d: number): number {
  return Number.isFinite(x) ? x : d;
}

/** Median of a small array (sorts a copy). */
export function median(a: readonly number[]): number {
  if (a.length === 0) return NaN;
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
