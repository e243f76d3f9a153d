/**
 * The embedded simulated Kubernetes cluster: Deployments of pods on nodes, whose cAdvisor and
 * kube-state-metrics series follow daily and weekly traffic, with injected incidents and their
 * ground truth. Time moves only through {@link SimulatedCluster.advanceTo}, in fixed ticks from
 * `start`, so the same seed, start and schedule give the same samples however the calls are split.
 *
 * @example
 * const cluster = new SimulatedCluster({ seed: 7, start: Date.parse('2024-03-04T00:00:00Z') });
 * cluster.advanceTo(cluster.start + 24 * 3600_000); // a day of history, instantly
 * const samples = cluster.samples();
 * const truth = cluster.incidents();
 */
import { InputError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { Deployment, type ControllerHost } from './controller.js';
import { IncidentEngine, type IncidentHost } from './incidents.js';
import { MeshModel, type MeshFlavour } from './mesh.js';
import { MeshMetrics } from './mesh-metrics.js';
import { buildSamples } from './metrics.js';
import { PodState } from './pod.js';
import { Planner, plannedToIncident, type PlannedEvent } from './schedule.js';
import { defaultTopology, nameRng, podName, podSuffix, validateTopology, type ClusterTopology } from './topology.js';
import { PEAK_HALF_WIDTH_MS, peakWindows, TrafficModel } from './traffic.js';
import type { Incident, MetricSample, ScenarioOptions, ScheduledEvent, SimPod, WorkloadStatus } from './types.js';

/** Re-exported so callers of the cluster find its option types here too. */
export type { ScenarioOptions, ScheduledEvent } from './types.js';

const DAY = 86_400_000;
/** How far ahead `incidents({ includeFuture: true })` shows the random plan, ms. */
export const FUTURE_HORIZON_MS = DAY;

/** How to build a {@link SimulatedCluster}. */
export interface SimulatorOptions {
  /** Seed of every random choice; default 1. */
  seed?: number;
  /** Start time, epoch ms. */
  start: number;
  /** Internal step, seconds; default 5. */
  tickSeconds?: number;
  scenario?: ScenarioOptions;
  /** The cluster's nodes and workloads; default {@link defaultTopology}. */
  topology?: ClusterTopology;
  /**
   * The service mesh on the topology's call graph, and whose names its series carry: `istio`,
   * `linkerd`, or `none` (default: no sidecars, no mesh series, mesh faults have no effect; the
   * cluster's series are those it had before it had a mesh). `kad serve` and `kad simulate` ask for one.
   */
  mesh?: MeshFlavour | 'none';
}

/** A simulated cluster, stepped deterministically from `start`. */
export class SimulatedCluster implements IncidentHost, ControllerHost {
  /** The options it was built with: a cluster built from them replays the same history. */
  readonly options: Readonly<SimulatorOptions>;
  readonly start: number;
  readonly seed: number;
  readonly tickMs: number;
  readonly topology: ClusterTopology;
  private now: number;
  private readonly deployments: Deployment[];
  private readonly byKey = new Map<string, Deployment>();
  private readonly nameRngs: Rng[];
  private readonly live: PodState[] = [];
  private readonly traffic: TrafficModel;
  private readonly planner: Planner;
  private readonly engine: IncidentEngine;
  private readonly queue: PlannedEvent[] = [];
  private plannedUntil = -Infinity;
  private readonly records: Incident[] = [];
  /** The service mesh (null without a call graph or with `mesh: 'none'`). */
  private readonly meshModel: MeshModel | null;
  private readonly meshMetrics: MeshMetrics | null;

  constructor(opts: SimulatorOptions) {
    if (!Number.isFinite(opts.start)) throw new InputError('simulator start must be epoch milliseconds');
    const tickSeconds = opts.tickSeconds ?? 5;
    if (!(tickSeconds > 0 && tickSeconds <= 60)) throw new InputError(`simulator tickSeconds must be in (0, 60], got ${tickSeconds}`);
    this.topology = opts.topology ?? defaultTopology();
    const problem = validateTopology(this.topology);
    if (problem) throw new InputError(`simulator topology: ${problem}`);
    this.options = Object.freeze({ ...opts });
    this.seed = (opts.seed ?? 1) >>> 0;
    this.start = opts.start;
    this.now = opts.start;
    this.tickMs = Math.round(tickSeconds * 1000);
    const workloads = this.topology.workloads;
    this.deployments = workloads.map((w, i) => new Deployment(w, i, this.seed));
    for (const d of this.deployments) this.byKey.set(`${d.spec.namespace}/${d.spec.name}`, d);
    this.nameRngs = workloads.map((w) => nameRng(this.seed, w.namespace, w.name));
    this.traffic = new TrafficModel(this.seed, workloads);
    this.planner = new Planner(this.seed, this.topology, this.start, this.tickMs, opts.scenario);
    this.engine = new IncidentEngine(this.seed, this);
    for (const e of this.planner.explicit) this.enqueue(e);
    const flavour = opts.mesh ?? 'none';
    if (flavour !== 'none' && flavour !== 'istio' && flavour !== 'linkerd') throw new InputError(`simulator mesh must be istio, linkerd or none, got ${JSON.stringify(flavour)}`);
    this.meshModel = flavour !== 'none' && this.topology.calls?.length ? new MeshModel(this.seed, this.topology, flavour) : null;
    this.meshMetrics = this.meshModel ? new MeshMetrics(this.meshModel, this.topology) : null;

    // Pods that were already running: created 1–9 days ago, warm and ready.
    this.traffic.step(this.start, 0);
    for (const d of this.deployments) {
      d.initAutoscale(this.traffic.rps[d.index], this.start);
      const rng = this.nameRngs[d.index];
      for (let r = 0; r < d.desired; r++) {
        const pod = this.createPod(d, this.start - Math.round((1 + 8 * rng.next()) * DAY));
        pod.preWarm(this.start - pod.createdAt);
        pod.updateReady(this.start);
      }
    }
    this.distribute();
    for (const p of this.live) p.step(this.start, 0);
    this.meshModel?.step(this.deployments, 0);
  }

  /** Current simulated time (epoch ms): the last tick stepped. */
  get time(): number {
    return this.now;
  }

  /** Steps whole ticks up to `t` (epoch ms); a no-op when `t` is not later than {@link time}. */
  advanceTo(t: number): void {
    while (this.now + this.tickMs <= t) this.step(this.now + this.tickMs);
  }

  /** The pods alive now. */
  pods(): SimPod[] {
    return this.live.map((p) => ({
      namespace: p.namespace, pod: p.name, workload: p.workload, node: p.node, container: p.container,
      replicaSet: p.replicaSet, createdAt: p.createdAt, ready: p.ready, restarts: p.restarts,
    }));
  }

  /** Every current metric sample; with `timestamp`, each sample carries it. */
  samples(opts: { timestamp?: number } = {}): MetricSample[] {
    return buildSamples(this.live, this.deployments, opts.timestamp, this.meshMetrics ?? undefined);
  }

  /** The Deployments now: replicas, traffic, current ReplicaSet. */
  workloads(): WorkloadStatus[] {
    return this.deployments.map((d) => ({
      namespace: d.spec.namespace, workload: d.spec.name, desiredReplicas: d.desired, readyReplicas: d.readyCount(),
      pods: d.pods.length, requestsPerSecond: this.traffic.rps[d.index], replicaSet: d.replicaSet,
      autoscaled: d.spec.autoscale !== undefined,
    }));
  }

  /** Node names. */
  nodes(): string[] {
    return this.topology.nodes.map((n) => n.name);
  }

  /**
   * Ground truth: incidents and benign events that have started by {@link time}, in start order
   * (ongoing ones carry their planned end). With `includeFuture`, also the planned ones of the next
   * 24 hours (pod and node empty until they start) and the coming daily peaks.
   */
  incidents(opts: { includeFuture?: boolean } = {}): Incident[] {
    const horizon = opts.includeFuture ? this.now + FUTURE_HORIZON_MS : this.now;
    const out: Incident[] = this.records.map(copyIncident);
    for (const w of peakWindows(this.topology.workloads, this.start - DAY, horizon + 1)) {
      if (w.end <= this.start) continue;
      const day = new Date(w.start + PEAK_HALF_WIDTH_MS).toISOString().slice(0, 10);
      out.push({
        id: `peak-${w.namespace}-${day}`, kind: 'traffic_peak', benign: true, namespace: w.namespace, workload: '',
        pod: '', node: '', start: w.start, end: w.end, detail: { pattern: w.pattern },
      });
    }
    if (opts.includeFuture) {
      this.plan(horizon);
      for (const e of this.queue) if (e.at <= horizon) out.push(plannedToIncident(e));
    }
    out.sort((a, b) => a.start - b.start || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return out;
  }

  /**
   * Injects an incident while the cluster runs (`kad simulate`'s `POST /incidents`). It starts on the
   * first tick at or after `e.at`, and never before the next tick. Returns its ground truth as planned
   * (pod and node fill in once it starts). Throws {@link InputError} for an unknown kind or target.
   * A cluster rebuilt from {@link options} does not replay injected incidents.
   */
  inject(e: ScheduledEvent): Incident {
    const planned = this.planner.add({ ...e, at: Math.max(e.at, this.now + this.tickMs) });
    this.enqueue(planned);
    return plannedToIncident(planned);
  }

  private plan(until: number): void {
    if (until <= this.plannedUntil) return;
    this.plannedUntil = until + 60 * 60_000;
    for (const e of this.planner.planUntil(this.plannedUntil)) this.enqueue(e);
  }

  private enqueue(e: PlannedEvent): void {
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.queue[mid].at <= e.at) lo = mid + 1;
      else hi = mid;
    }
    this.queue.splice(lo, 0, e);
  }

  private step(t: number): void {
    const dt = this.tickMs;
    this.plan(t);
    this.traffic.step(t, dt);
    while (this.queue.length > 0 && this.queue[0].at <= t) this.engine.start(this.queue.shift()!, t);
    this.engine.tick(t);
    for (const p of this.live) p.updateReady(t);
    for (const d of this.deployments) {
      d.autoscale(t, this.traffic.rps[d.index], dt, this);
      d.reconcile(t, this);
    }
    this.distribute();
    const dtS = dt / 1000;
    for (const p of this.live) p.step(t, dtS);
    this.meshModel?.step(this.deployments, dtS);
    this.now = t;
  }

  /** Spreads each workload's traffic over its ready pods by their weights. */
  private distribute(): void {
    const rps = this.traffic.rps;
    for (const d of this.deployments) {
      let total = 0;
      for (const p of d.pods) if (p.ready) total += p.weight;
      const per = total > 0 ? rps[d.index] / total : 0;
      for (const p of d.pods) p.rps = p.ready ? per * p.weight : 0;
    }
  }

  // ---- hosts for the controller and the incident engine ----

  /** @internal Creates a pod of `dep`'s current revision on the least loaded node. */
  createPod(dep: Deployment, t: number): PodState {
    const rng = this.nameRngs[dep.index];
    let name: string;
    do name = podName(dep.spec.name, dep.hash, podSuffix(rng));
    while (dep.pods.some((p) => p.name === name));
    let node = this.topology.nodes[0].name;
    let best = Infinity;
    for (const n of this.topology.nodes) {
      let same = 0;
      let total = 0;
      for (const p of this.live) {
        if (p.node !== n.name) continue;
        total++;
        if (p.workload === dep.spec.name && p.namespace === dep.spec.namespace) same++;
      }
      const score = same * 1000 + total;
      if (score < best) {
        best = score;
        node = n.name;
      }
    }
    const pod = new PodState({
      spec: dep.spec, workloadIndex: dep.index, name, hash: dep.hash, node, createdAt: t,
      readyDelayMs: 20_000 + 1000 * rng.int(21), seed: this.seed,
    });
    dep.pods.push(pod);
    this.live.push(pod);
    return pod;
  }

  /** @internal Deletes a pod at once (no graceful termination). */
  deletePod(pod: PodState, t: number): void {
    const dep = this.deployments[pod.workloadIndex];
    dep.pods.splice(dep.pods.indexOf(pod), 1);
    this.live.splice(this.live.indexOf(pod), 1);
    this.engine.podDeleted(pod, t);
  }

  /**
   * The incidents recorded from the `from`-th on, in the order they started, as the cluster keeps them
   * (not copies: an incident's `end` moves when its pod is deleted). For readers that follow the
   * incidents as they happen; {@link incidents} gives copies of all.
   */
  recordsFrom(from: number): readonly Incident[] {
    return this.records.slice(from);
  }

  /** @internal Records ground truth. */
  record(incident: Incident): void {
    this.records.push(incident);
  }

  /** @internal */
  deployment(namespace: string, workload: string): Deployment | undefined {
    return this.byKey.get(`${namespace}/${workload}`);
  }

  /** @internal */
  allPods(): readonly PodState[] {
    return this.live;
  }

  /** @internal The pods of the workloads that call `pod`'s workload, directly or further up (none without a mesh). */
  meshCallers(pod: PodState): PodState[] {
    if (!this.meshModel?.inMesh[pod.workloadIndex]) return [];
    return this.meshModel.callersOf(pod.workloadIndex).flatMap((i) => this.deployments[i].pods);
  }
}

function copyIncident(i: Incident): Incident {
  const c: Incident = { ...i };
  if (i.affected) c.affected = [...i.affected];
  if (i.detail) c.detail = { ...i.detail };
  return c;
}
