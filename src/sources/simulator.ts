/**
 * The embedded simulated cluster as a metrics source: reads the simulator's cAdvisor /
 * kube-state-metrics samples and derives per-pod rates the way Prometheus's rate() would (counter
 * differences between observations, counter resets handled). Keeps the snapshots it produced, so a
 * retrain can look back over time the cluster has already moved past. Where the cluster has a service
 * mesh, each pod's request rate, 5xx share and latency (mean and p99) come from its Istio or Linkerd
 * series the same way (mesh-series.ts), and so do the regular callees it stopped calling (its own
 * outbound counters over the last 10 rate windows: core/samples.ts `CALLEE_WINDOWS`) and the call graph.
 */
import { setImmediate } from 'node:timers/promises';
import { podKey, workloadFromPodName, type PodRef } from '../core/series.js';
import { SimulatedCluster } from '../simulator/cluster.js';
import type { MetricSample } from '../simulator/types.js';
import type { HistoryProgress, Source } from './base.js';
import { CALLEE_WINDOWS, countMissingCallees, type CallEdge, type PodSample, type PodSnapshot } from '../core/samples.js';
import {
  histogramQuantile, MESH_BOUNDS_MS, MESH_BUCKETS, MESH_COUNT, MESH_ERRORS, MESH_REQUESTS, MESH_SLOTS, MESH_SUM,
  meshCounters, meshEdges, outboundCounters, type MeshMode,
} from './mesh-series.js';

const COUNTERS = {
  container_cpu_usage_seconds_total: 0,
  container_network_receive_bytes_total: 1,
  container_network_transmit_bytes_total: 2,
  container_network_receive_packets_total: 3,
  container_network_receive_packets_dropped_total: 4,
} as const;
const N_COUNTERS = 5;

interface Raw {
  ref: PodRef;
  /** The cAdvisor counters, then the mesh's ({@link MESH_SLOTS}, NaN without a mesh). */
  counters: Float64Array;
  /** Whether the pod has mesh series. */
  mesh?: boolean;
  /** Its outbound request counters by callee (mesh-series.ts `outboundCounters`), where it has any. */
  outbound?: Map<string, number>;
  memory: number;
  restarts: number;
  cpuLimit: number;
  memoryLimit: number;
  cpuRequest: number;
  startedAt?: number;
}

/** Earlier observations of one pod's counters, oldest first. */
interface Prev {
  times: number[];
  counters: Float64Array[];
}

/** Earlier observations of one pod's outbound counters, oldest first, over the last {@link CALLEE_WINDOWS} rate windows and one before. */
interface OutboundHistory {
  times: number[];
  maps: (Map<string, number> | undefined)[];
}

/** Options of {@link SimulatorSource}. */
export interface SimulatorSourceOptions {
  /** How much of its own output to keep for retraining (ms). Default 26 hours. */
  keepMs?: number;
  /** Rates are taken over at least this window, like `rate(x[1m])` (ms). Default 60 s. */
  rateWindowMs?: number;
  /** Which mesh series to read (KAD_MESH): default `auto`, whichever the cluster exports; `off`: none. */
  mesh?: MeshMode;
}

/** A {@link Source} over a {@link SimulatedCluster}. */
/** How far the cluster is advanced between two looks at the stop signal when a history starts far ahead of it. */
const ADVANCE_SLICE_MS = 3_600_000;

export class SimulatorSource implements Source {
  readonly name = 'simulator';
  private readonly prev = new Map<string, Prev>();
  private readonly outHist = new Map<string, OutboundHistory>();
  private readonly kept: PodSnapshot[] = [];
  private replay: SimulatorSource | undefined;
  private readonly keepMs: number;
  private readonly rateWindowMs: number;
  private readonly mesh: MeshMode;

  constructor(readonly cluster: SimulatedCluster, opts: SimulatorSourceOptions = {}) {
    this.keepMs = opts.keepMs ?? 26 * 3_600_000;
    this.rateWindowMs = opts.rateWindowMs ?? 60_000;
    this.mesh = opts.mesh ?? 'auto';
  }

  /**
   * Simulates the steps not yet kept; between steps it lets the event loop run and stops when `signal`
   * aborts, and tells `onProgress` the steps simulated of those to simulate.
   */
  async history(start: number, end: number, stepMs: number, signal?: AbortSignal, onProgress?: HistoryProgress): Promise<PodSnapshot[]> {
    // Times the cluster has already passed and no longer keeps: replay them on a twin cluster (the
    // same options give the same history), kept apart from the live one.
    const firstKept = this.kept.length ? this.kept[0].t : this.cluster.time;
    if (start < firstKept && this.cluster.time > Math.max(start, this.cluster.start)) {
      if (!this.replay || this.replay.cluster.time > start) this.replay = new SimulatorSource(new SimulatedCluster(this.cluster.options), { keepMs: 0, rateWindowMs: this.rateWindowMs, mesh: this.mesh });
      const old = await this.replay.history(start, Math.min(end, firstKept - 1), stepMs, signal, onProgress);
      return end < firstKept ? old : [...old, ...(await this.history(firstKept, end, stepMs, signal, onProgress))];
    }
    const out = this.kept.filter((s) => s.t >= start && s.t <= end);
    let t = out.length ? out[out.length - 1].t + stepMs : Math.max(start, this.cluster.start + stepMs);
    if (signal) {
      // A first call may start days after the cluster did (the forecasts' history): the cluster gets
      // there an hour at a time (about 0.4 s of simulation with the mesh), looking at the stop signal
      // between hours. The same samples however the advance is split (cluster.ts).
      for (let c = this.cluster.time + ADVANCE_SLICE_MS; c < t - stepMs; c += ADVANCE_SLICE_MS) {
        this.cluster.advanceTo(c);
        await setImmediate();
        signal.throwIfAborted();
      }
    }
    if (!out.length && !this.kept.length) this.observe(t - stepMs); // prime the rates
    const steps = t <= end ? Math.floor((end - t) / stepMs) + 1 : 0;
    for (let done = 0; t <= end; t += stepMs) {
      out.push(this.observe(t));
      onProgress?.(++done, steps);
      if (signal) {
        // About 10 ms of simulation a step: `kad train` stops within a second of SIGINT/SIGTERM.
        await setImmediate();
        signal.throwIfAborted();
      }
    }
    return out;
  }

  async current(t: number): Promise<PodSnapshot> {
    const last = this.kept[this.kept.length - 1];
    if (last && t <= last.t) return last;
    return this.observe(t);
  }

  async close(): Promise<void> {}

  /** The call graph in the cluster's mesh series now (empty without a mesh or with mesh `off`). */
  async callGraph(): Promise<CallEdge[]> {
    return meshEdges(this.cluster.samples(), this.mesh);
  }

  /** Advances the cluster to `t` and derives one snapshot. */
  observe(t: number): PodSnapshot {
    this.cluster.advanceTo(t);
    const samples = this.cluster.samples();
    const raws = collect(samples);
    for (const [key, c] of meshCounters(samples, this.mesh)) {
      const r = raws.get(key);
      if (r) {
        r.counters.set(c, N_COUNTERS);
        r.mesh = true;
      }
    }
    for (const [key, m] of outboundCounters(samples, this.mesh)) {
      const r = raws.get(key);
      if (r) r.outbound = m;
    }
    for (const p of this.cluster.pods()) {
      const r = raws.get(podKey(p));
      if (r) {
        r.startedAt = p.createdAt;
        r.ref.node = p.node;
      }
    }
    const pods: PodSample[] = [];
    const seen = new Set<string>();
    for (const [key, r] of raws) {
      seen.add(key);
      const prev = this.prev.get(key) ?? { times: [], counters: [] };
      const out = this.outHist.get(key) ?? { times: [], maps: [] };
      // Rate over the newest earlier observation at least a window old (or the oldest there is), so
      // two observations close together still give a meaningful rate, as rate(x[1m]) does.
      let base = -1;
      for (let i = prev.times.length - 1; i >= 0; i--) {
        base = i;
        if (t - prev.times[i] >= this.rateWindowMs) break;
      }
      const rate = (i: number): number => {
        const now = r.counters[i];
        if (base >= 0 && t > prev.times[base]) {
          const d = now - prev.counters[base][i];
          return (d >= 0 ? d : now) / ((t - prev.times[base]) / 1000); // a drop is a counter reset
        }
        if (i >= N_COUNTERS) return NaN; // the mesh's counters have no usable start
        const since = r.startedAt !== undefined ? (t - r.startedAt) / 1000 : NaN;
        return since > 0 ? now / since : 0;
      };
      const sample: PodSample = {
        ref: r.ref,
        cpu: rate(0),
        memory: r.memory,
        restarts: r.restarts,
        rxBytes: rate(1),
        txBytes: rate(2),
        rxPackets: rate(3),
        rxDropped: rate(4),
        cpuLimit: r.cpuLimit,
        memoryLimit: r.memoryLimit,
        cpuRequest: r.cpuRequest,
        startedAt: r.startedAt,
      };
      if (r.mesh) meshFields(sample, rate);
      if (r.outbound) sample.missingCallees = missingCallees(r.outbound, t, out, this.rateWindowMs);
      pods.push(sample);
      prev.times.push(t);
      prev.counters.push(r.counters);
      out.times.push(t);
      out.maps.push(r.outbound);
      const old = olderThanNeeded(out.times, t, (CALLEE_WINDOWS + 1) * this.rateWindowMs);
      out.times.splice(0, old);
      out.maps.splice(0, old);
      this.outHist.set(key, out);
      // Keep what the next rate may need: everything newer than the window, and one older.
      const drop = olderThanNeeded(prev.times, t, this.rateWindowMs);
      prev.times.splice(0, drop);
      prev.counters.splice(0, drop);
      this.prev.set(key, prev);
    }
    for (const key of this.prev.keys()) if (!seen.has(key)) this.prev.delete(key);
    for (const key of this.outHist.keys()) if (!seen.has(key)) this.outHist.delete(key);
    const snap = { t, pods };
    this.kept.push(snap);
    while (this.kept.length && this.kept[0].t < t - this.keepMs) this.kept.shift();
    return snap;
  }
}

const P99_RATES = new Float64Array(MESH_BOUNDS_MS.length + 1);

/** Sets a pod's mesh fields from the rates of its mesh counters (`rate(i)`, i past the cAdvisor ones). */
function meshFields(sample: PodSample, rate: (i: number) => number): void {
  const requests = rate(N_COUNTERS + MESH_REQUESTS);
  sample.requestRate = requests;
  sample.errorRatio = requests > 0 ? rate(N_COUNTERS + MESH_ERRORS) / requests : NaN;
  const count = rate(N_COUNTERS + MESH_COUNT);
  sample.latencyMs = count > 0 ? rate(N_COUNTERS + MESH_SUM) / count : NaN;
  for (let b = 0; b < P99_RATES.length; b++) P99_RATES[b] = rate(N_COUNTERS + MESH_BUCKETS + b);
  sample.latencyP99Ms = histogramQuantile(0.99, MESH_BOUNDS_MS, P99_RATES);
}

/**
 * How many of a pod's regular callees got no request over the window ending at `t`: `hist` holds its
 * outbound counters by callee at earlier observations (oldest first) and `now` at `t`. A window
 * ending at τ saw a call when the counter at the newest observation ≤ τ is above the one ≤ τ − w
 * (w the rate window); a callee is regular when CALLEE_REGULAR of the {@link CALLEE_WINDOWS}
 * windows ending at t, t − w, … saw a call (core/samples.ts `countMissingCallees`). NaN when no callee is regular.
 */
function missingCallees(now: ReadonlyMap<string, number>, t: number, hist: OutboundHistory, w: number): number {
  // The counters at t, t − w, …, t − CALLEE_WINDOWS·w: the newest observation at or before each.
  const marks: (ReadonlyMap<string, number> | undefined)[] = [now];
  for (let k = 1, i = hist.times.length - 1; k <= CALLEE_WINDOWS; k++) {
    while (i >= 0 && hist.times[i] > t - k * w) i--;
    marks.push(i >= 0 ? hist.maps[i] : undefined);
  }
  return countMissingCallees(now.keys(), (callee, k) => {
    const end = marks[k]?.get(callee);
    const start = marks[k + 1]?.get(callee);
    return end !== undefined && start !== undefined && end > start; // a reset (end < start) is not a call seen
  });
}

/** How many of `times` (ascending) to drop at `t` keeping everything newer than `horizonMs` and the newest one older. */
function olderThanNeeded(times: readonly number[], t: number, horizonMs: number): number {
  let drop = 0;
  while (drop < times.length - 1 && t - times[drop + 1] >= horizonMs) drop++;
  return drop;
}

/** Groups the simulator's samples by pod (container metrics summed over containers). */
function collect(samples: readonly MetricSample[]): Map<string, Raw> {
  const pods = new Map<string, Raw>();
  const get = (l: Record<string, string>): Raw => {
    const key = `${l.namespace}/${l.pod}`;
    let r = pods.get(key);
    if (!r) {
      r = {
        ref: { namespace: l.namespace, pod: l.pod, workload: '', node: l.node },
        counters: new Float64Array(N_COUNTERS + MESH_SLOTS).fill(NaN, N_COUNTERS), memory: 0, restarts: 0, cpuLimit: 0, memoryLimit: 0, cpuRequest: 0,
      };
      pods.set(key, r);
    }
    return r;
  };
  for (const s of samples) {
    const l = s.labels;
    if (!l.namespace || !l.pod) continue;
    const ci = COUNTERS[s.name as keyof typeof COUNTERS];
    if (ci !== undefined) {
      if (ci === 0 && (l.container === '' || l.container === 'POD')) continue;
      get(l).counters[ci] += s.value;
      continue;
    }
    switch (s.name) {
      case 'container_memory_working_set_bytes':
        if (l.container && l.container !== 'POD') get(l).memory += s.value;
        break;
      case 'kube_pod_container_status_restarts_total':
        get(l).restarts += s.value;
        break;
      case 'kube_pod_container_resource_limits':
        if (l.resource === 'cpu') get(l).cpuLimit += s.value;
        else if (l.resource === 'memory') get(l).memoryLimit += s.value;
        break;
      case 'kube_pod_container_resource_requests':
        if (l.resource === 'cpu') get(l).cpuRequest += s.value;
        break;
      case 'kube_pod_info':
        get(l).ref.workload = (l.created_by_name ?? '').replace(/-[0-9a-f]{6,10}$/, '');
        break;
    }
  }
  for (const r of pods.values()) {
    if (!r.ref.workload) r.ref.workload = workloadFromPodName(r.ref.pod);
    if (!(r.cpuLimit > 0)) r.cpuLimit = NaN;
    if (!(r.memoryLimit > 0)) r.memoryLimit = NaN;
    if (!(r.cpuRequest > 0)) r.cpuRequest = NaN;
  }
  return pods;
}
