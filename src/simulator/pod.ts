/**
 * One simulated pod with one container: its lifecycle (readiness, restarts) and the metrics it
 * produces each tick. Counters are integrated from rates: CPU = base + cost × requests + noise;
 * network bytes follow requests; the working set is steady with a small traffic component and warms
 * up over the first 1–2 minutes of a container. Incident effects are plain fields set by
 * `incidents.ts` and read here, so the per-tick step allocates nothing.
 */
import { createRng, hash32, hashString, type Rng } from '../core/rng.js';
import type { PodMeshState } from './types.js';
import type { WorkloadSpec } from './topology.js';

/** Background traffic of every pod (probes, scrapes), bytes per second. */
const BACKGROUND_RX = 400;
const BACKGROUND_TX = 600;
/** Average received packet size for request payloads, and MSS for responses (ACKs come back). */
const RX_PACKET = 700;
const TX_PACKET = 1448;
/** Baseline fraction of received packets dropped (a few a day). */
const BASE_DROP = 2e-6;
/** Memory warm-up time constant: 30% at start, ~90% after 1 min, ~99% after 2.5 min. */
const WARMUP_TAU_MS = 30_000;
/** Extra CPU while a container starts (JIT, caches), fading over this long. */
const STARTUP_MS = 30_000;
/** A runaway's CPU reaches its target over this long. */
const RUNAWAY_RAMP_MS = 45_000;

/** Frozen label sets of a pod's series, built once when the pod is created. */
export interface PodLabels {
  cadvisor: Record<string, string>;
  network: Record<string, string>;
  container: Record<string, string>;
  /** For kube_pod_container_resource_limits / _requests with resource="cpu". */
  cpuResource: Record<string, string>;
  /** The same with resource="memory". */
  memoryResource: Record<string, string>;
  info: Record<string, string>;
  /** `{namespace, pod}`: kube-state-metrics' per-pod families (kube_pod_start_time). */
  pod: Record<string, string>;
  readyTrue: Record<string, string>;
  readyFalse: Record<string, string>;
  /** kube_pod_status_phase's labels, one per phase ({@link POD_PHASES}). */
  phases: readonly Record<string, string>[];
}

/** The phases kube-state-metrics exports a `kube_pod_status_phase` series for, each pod; the simulator's pods are all `Running`. */
export const POD_PHASES = ['Pending', 'Succeeded', 'Failed', 'Unknown', 'Running'] as const;

/** Where and how a pod is created. */
export interface PodInit {
  spec: WorkloadSpec;
  workloadIndex: number;
  name: string;
  hash: string;
  node: string;
  createdAt: number;
  /** Delay from creation (or container restart) to ready, ms. */
  readyDelayMs: number;
  seed: number;
}

/** A pod's mutable state. Fields are public for the cluster, controller and incident code in this folder. */
export class PodState {
  readonly spec: WorkloadSpec;
  readonly workloadIndex: number;
  readonly namespace: string;
  readonly name: string;
  readonly workload: string;
  readonly container: string;
  readonly node: string;
  readonly hash: string;
  readonly replicaSet: string;
  readonly createdAt: number;
  readonly labels: PodLabels;
  readonly rng: Rng;
  /** Relative share of the workload's traffic (load-balancer imbalance, fixed per pod). */
  readonly weight: number;
  /** The image version's CPU efficiency (±3%). */
  readonly versionFactor: number;
  readonly readyDelayMs: number;

  containerStart: number;
  readyAt: number;
  /** False while the container waits out a CrashLoopBackOff delay. */
  running = true;
  /** True while a crash loop keeps the container from ever passing readiness. */
  crashLooping = false;
  ready = false;
  restarts = 0;
  /** kube-state-metrics reasons: last termination ('OOMKilled' | 'Error') and current waiting reason. */
  lastTerminationReason = '';
  waitingReason = '';

  /** Requests per second this pod serves now (set by the cluster before {@link step}). */
  rps = 0;
  cpuRate = 0;
  cpuSeconds = 0;
  rxBytes = 0;
  txBytes = 0;
  rxPackets = 0;
  txPackets = 0;
  rxDropped = 0;
  workingSet = 0;
  memoryUsage = 0;
  private memNoise = 0;
  private dropDebt = 0;
  private dropNext = 1;
  private noiseDt = NaN;
  private noisePhi = 0;
  private noiseGain = 0;

  /** Active incidents on this pod (scale-in avoids such pods). */
  incidents = 0;
  runawayTarget = 0;
  runawayStart = 0;
  leakFrom = 0;
  leakStart = 0;
  leakEnd = 0;
  dropRate = 0;
  aggressorCores = 0;
  aggressorBytes = 0;
  /** Multiplier on CPU when a noisy neighbour throttles this pod (1 = none). */
  throttle = 1;
  /** Mesh faults: extra ms on each answer (`latency_fault`), share of answers that are a 5xx (`error_fault`). */
  meshLatencyMs = 0;
  meshErrorShare = 0;
  /** The pod's sidecar (mesh.ts), when its workload is in the service mesh. */
  mesh: PodMeshState | undefined = undefined;

  constructor(init: PodInit) {
    const { spec } = init;
    this.spec = spec;
    this.workloadIndex = init.workloadIndex;
    this.namespace = spec.namespace;
    this.workload = spec.name;
    this.container = spec.name;
    this.name = init.name;
    this.node = init.node;
    this.hash = init.hash;
    this.replicaSet = `${spec.name}-${init.hash}`;
    this.createdAt = init.createdAt;
    this.containerStart = init.createdAt;
    this.readyDelayMs = init.readyDelayMs;
    this.readyAt = init.createdAt + init.readyDelayMs;
    this.rng = createRng(hash32(init.seed, hashString(`pod/${spec.namespace}/${init.name}`)));
    this.weight = 1 + 0.1 * (this.rng.next() - 0.5);
    this.versionFactor = 1 + 0.06 * ((hash32(init.seed, hashString(init.hash)) / 4294967296) - 0.5);
    this.memNoise = 0.008 * this.rng.normal();
    this.dropNext = -Math.log(1 - this.rng.next());
    this.labels = makeLabels(this);
  }

  /** Fills counters as if the pod had run for `ageMs` at average load (for pods that exist at start). */
  preWarm(ageMs: number): void {
    const s = ageMs / 1000;
    const rps = this.spec.rps / this.spec.replicas;
    this.cpuSeconds = (this.spec.cpuBase + this.spec.cpuPerRequest * rps) * s;
    this.rxBytes = Math.floor((rps * this.spec.requestBytes + BACKGROUND_RX) * s);
    this.txBytes = Math.floor((rps * this.spec.responseBytes + BACKGROUND_TX) * s);
    this.rxPackets = Math.floor(this.rxBytes / RX_PACKET + this.txBytes / TX_PACKET / 2);
    this.txPackets = Math.floor(this.txBytes / TX_PACKET + this.rxBytes / RX_PACKET / 2);
    this.rxDropped = Math.floor(this.rxPackets * BASE_DROP);
  }

  /** Updates readiness for time `t`. */
  updateReady(t: number): void {
    this.ready = this.running && !this.crashLooping && t >= this.readyAt;
  }

  /** Starts a new container: restart counter +1, container counters reset (as cAdvisor sees a new cgroup). */
  restartContainer(t: number, reason: string): void {
    this.restarts++;
    this.cpuSeconds = 0;
    this.containerStart = t;
    this.readyAt = t + Math.round(this.readyDelayMs / 2);
    this.running = true;
    this.waitingReason = '';
    this.lastTerminationReason = reason;
    this.ready = false;
  }

  /** The container exits and waits to be restarted (CrashLoopBackOff). */
  crash(t: number): void {
    this.running = false;
    this.ready = false;
    this.waitingReason = 'CrashLoopBackOff';
    this.lastTerminationReason = 'Error';
    this.containerStart = t;
  }

  /** Integrates `dtS` seconds ending at time `t`. With `dtS` 0 it only sets the gauges. */
  step(t: number, dtS: number): void {
    const spec = this.spec;
    const rng = this.rng;
    const age = t - this.containerStart;
    const rps = this.ready ? this.rps : 0;
    if (dtS * 1000 !== this.noiseDt) {
      this.noiseDt = dtS * 1000;
      this.noisePhi = Math.exp(-this.noiseDt / 600_000);
      this.noiseGain = Math.sqrt(1 - this.noisePhi * this.noisePhi) * 0.008;
    }
    this.memNoise = this.noisePhi * this.memNoise + this.noiseGain * rng.normal();
    const n1 = rng.normal(); // CPU and transmit noise
    const n2 = rng.normal(); // receive noise

    // CPU
    let cpu = 0;
    if (this.running) {
      const startup = age < STARTUP_MS ? 1 + 2 * (1 - age / STARTUP_MS) : 1;
      cpu = (spec.cpuBase * startup + spec.cpuPerRequest * rps) * this.versionFactor;
      cpu *= 1 + 0.05 * n1;
      if (this.runawayTarget > 0) {
        const f = Math.min(1, (t - this.runawayStart) / RUNAWAY_RAMP_MS);
        const target = this.runawayTarget * (1 + 0.2 * 0.05 * n1);
        if (target > cpu) cpu += (target - cpu) * f;
      }
      if (this.aggressorCores > 0) cpu += this.aggressorCores * (1 + 0.04 * n2);
      cpu *= this.throttle;
      cpu = Math.min(spec.cpuLimit, Math.max(0.0005, cpu));
    }
    this.cpuRate = cpu;
    this.cpuSeconds += cpu * dtS;

    // Network (pod level: the sandbox outlives container restarts, so these never reset)
    // Background: probes and scrapes; with the container down, only refused probe connections.
    const bg = this.running ? 1 : 0.15;
    let rx = rps * spec.requestBytes * (1 + 0.05 * n2) + BACKGROUND_RX * bg;
    let tx = rps * spec.responseBytes * (1 + 0.05 * n1) + BACKGROUND_TX * bg;
    if (this.aggressorBytes > 0) {
      rx += this.aggressorBytes * (1 + 0.1 * n2);
      tx += this.aggressorBytes * 0.6;
    }
    rx = Math.max(0, rx) * dtS;
    tx = Math.max(0, tx) * dtS;
    let rxPk = rx / RX_PACKET + tx / TX_PACKET / 2;
    const txPk = tx / TX_PACKET + rx / RX_PACKET / 2;
    let dropped: number;
    if (this.dropRate > 0) {
      rxPk *= 1 + this.dropRate; // senders retransmit what was dropped
      dropped = rxPk * this.dropRate * Math.max(0, 1 + 0.1 * n2);
    } else {
      // A Poisson trickle of drops: one whenever the expected count passes an exponential threshold.
      dropped = 0;
      this.dropDebt += rxPk * BASE_DROP;
      if (this.dropDebt >= this.dropNext) {
        dropped = 1;
        this.dropDebt -= this.dropNext;
        this.dropNext = -Math.log(1 - rng.next());
      }
    }
    this.rxBytes += rx;
    this.txBytes += tx;
    this.rxPackets += rxPk;
    this.txPackets += txPk;
    this.rxDropped += dropped;

    // Memory
    if (!this.running) {
      this.workingSet = spec.memory * 0.01;
      this.memoryUsage = this.workingSet;
      return;
    }
    const warm = 1 - 0.7 * Math.exp(-age / WARMUP_TAU_MS);
    const meanRps = spec.rps / spec.replicas;
    const load = meanRps > 0 ? Math.min(2, rps / meanRps) : 0;
    let ws = spec.memory * warm * (0.97 + 0.03 * load) * (1 + this.memNoise);
    let cache = spec.memory * spec.cacheFraction * warm * (1 + 2 * this.memNoise);
    if (this.leakEnd > this.leakStart) {
      const p = Math.min(1, Math.max(0, (t - this.leakStart) / (this.leakEnd - this.leakStart)));
      const leaked = this.leakFrom + (spec.memoryLimit * 0.99 - this.leakFrom) * p;
      if (leaked > ws) ws = leaked;
      cache *= 1 - 0.85 * p; // the kernel reclaims page cache under pressure
    }
    this.workingSet = Math.min(ws, spec.memoryLimit);
    this.memoryUsage = Math.min(spec.memoryLimit, this.workingSet + cache);
  }
}

function freeze(o: Record<string, string>): Record<string, string> {
  return Object.freeze(o) as Record<string, string>;
}

function makeLabels(p: PodState): PodLabels {
  const { namespace, name: pod, container, node } = p;
  return {
    cadvisor: freeze({ namespace, pod, container, node }),
    network: freeze({ namespace, pod, interface: 'eth0' }),
    container: freeze({ namespace, pod, container }),
    cpuResource: freeze({ namespace, pod, container, node, resource: 'cpu', unit: 'core' }),
    memoryResource: freeze({ namespace, pod, container, node, resource: 'memory', unit: 'byte' }),
    info: freeze({ namespace, pod, node, created_by_kind: 'ReplicaSet', created_by_name: p.replicaSet }),
    readyTrue: freeze({ namespace, pod, condition: 'true' }),
    readyFalse: freeze({ namespace, pod, condition: 'false' }),
    phases: POD_PHASES.map((phase) => freeze({ namespace, pod, phase })),
    pod: freeze({ namespace, pod }),
  };
}
