/**
 * Per-pod feature vectors for the pod detector. The raw metrics (CPU, memory, restarts, network) go
 * up and down with traffic every day; an SRE does not want the afternoon peak flagged. So the features
 * are ones that stay put when traffic moves and jump when a pod misbehaves:
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
 * Stateful (restart history per pod); allocates one vector per pod, reused across updates.
 */
import { podKey, workloadKey } from '../core/series.js';
import type { PodSample, PodSnapshot } from '../core/samples.js';

/** Names of the features, in vector order. */
export const POD_FEATURES = ['cpu_per_traffic', 'cpu_above_peers', 'memory_utilisation', 'restarts_recent', 'rx_drop_ratio'] as const;

/**
 * The smallest spread each feature is assumed to have, in its own units. A feature that was constant
 * in training (restarts, drops) still gets a finite scale, so a change in it can be scored.
 */
export const POD_FEATURE_MIN_SCALE = Float64Array.of(0.1, 0.1, 0.02, 0.1, 0.005);

const CPU_EPS = 1e-3; // cores
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
}

interface PodState {
  vector: Float64Array;
  firstSeen: number;
  lastSeen: number;
  /** (time, cumulative restarts) observations inside the window, oldest first. */
  restartTimes: number[];
  restartCounts: number[];
}

/** Turns pod snapshots into feature vectors, one per pod, keyed by `namespace/pod`. */
export class PodFeatureExtractor {
  private readonly pods = new Map<string, PodState>();
  private readonly restartWindowMs: number;
  private readonly warmupMs: number;

  constructor(opts: PodFeatureOptions = {}) {
    this.restartWindowMs = opts.restartWindowMs ?? 10 * 60_000;
    this.warmupMs = opts.warmupMs ?? 3 * 60_000;
  }

  /**
   * Computes the features of every pod in `snap`. The returned vectors are owned by the extractor and
   * overwritten on the next update of the same pod. Pods not seen for `forgetAfterMs` are dropped.
   */
  update(snap: PodSnapshot, forgetAfterMs = 15 * 60_000): Map<string, Float64Array> {
    const medians = this.peerMedians(snap.pods);
    const out = new Map<string, Float64Array>();
    for (const p of snap.pods) {
      const key = podKey(p.ref);
      let st = this.pods.get(key);
      if (!st) {
        st = { vector: new Float64Array(POD_FEATURES.length), firstSeen: snap.t, lastSeen: snap.t, restartTimes: [], restartCounts: [] };
        this.pods.set(key, st);
      }
      st.lastSeen = snap.t;
      this.compute(p, snap.t, st, medians.get(workloadKey(p.ref)) ?? p.cpu);
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
    const cpu = Math.log(Math.max(0, p.cpu) + CPU_EPS);
    if (Number.isNaN(p.rxBytes) && Number.isNaN(p.txBytes)) {
      v[0] = p.memory > 0 ? cpu - Math.log(p.memory / GIB + MEM_EPS_GIB) : NaN;
    } else {
      v[0] = cpu - Math.log(trafficOf(p) + NET_EPS) + Math.log(NET_EPS / CPU_EPS) / 2;
    }
    v[1] = Math.max(0, Math.log((Math.max(0, p.cpu) + CPU_EPS) / (Math.max(0, peerMedian) + CPU_EPS)));
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
