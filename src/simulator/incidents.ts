/**
 * Incident effects. When a planned event starts, {@link IncidentEngine} picks the target pod, sets
 * the effect fields `pod.ts` reads each tick, records the ground truth, and later undoes the effect:
 * - `cpu_runaway`: CPU climbs within ~45 s to 90–98% of the limit; traffic unchanged.
 * - `memory_leak`: the working set climbs linearly to the limit; at the end an OOM kill (restart +1,
 *   CPU counter reset, memory back to a warming baseline) recorded as `oom_kill` for 2 minutes.
 * - `crash_loop`: the container exits, is restarted after 10 s, 20 s, 40 s … (capped at 5 min),
 *   runs a few seconds and exits again; not ready meanwhile, so its traffic moves to the others.
 * - `packet_loss`: 5–30% of received packets are dropped (and retransmitted by the senders).
 * - `noisy_neighbour`: a pod burns several cores and tens of MB/s; its node-mates lose 10–30% CPU.
 * - `latency_fault`: a pod answers 100–400 ms slower; `error_fault`: it answers 10–40% of requests
 *   with a 5xx. Only the mesh sees them (mesh.ts), at the pod and at its callers, whose pods are the
 *   incident's `affected`; CPU and memory do not move.
 * - `rollout` and `scale`: handed to the Deployment controller.
 */
import { createRng, hash32, hashString, type Rng } from '../core/rng.js';
import type { ControllerHost, Deployment } from './controller.js';
import type { PodState } from './pod.js';
import type { PlannedEvent } from './schedule.js';
import { BENIGN_KINDS, type Incident } from './types.js';

/** How long an `oom_kill`'s ground truth lasts after the kill, ms. */
export const OOM_WINDOW_MS = 2 * 60_000;
/** First CrashLoopBackOff delay, seconds (kubelet's value); it doubles after each crash. */
export const BACKOFF_START_S = 10;
/** Cap of the CrashLoopBackOff delay, seconds (kubelet's 5 minutes). */
export const BACKOFF_CAP_S = 300;

/** What the engine needs from the cluster. */
export interface IncidentHost extends ControllerHost {
  deployment(namespace: string, workload: string): Deployment | undefined;
  allPods(): readonly PodState[];
  /** The pods of the workloads that call `pod`'s workload in the service mesh, directly or further up. */
  meshCallers(pod: PodState): PodState[];
}

interface Active {
  incident: Incident;
  kind: Incident['kind'];
  pod: PodState;
  victims: PodState[];
  end: number;
  // crash loop
  nextRestart: number;
  crashAt: number;
  backoffS: number;
  runMs: number;
}

function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng.next();
}

/** Starts, steps and ends incidents on the pods of a cluster. */
export class IncidentEngine {
  private readonly active: Active[] = [];

  constructor(private readonly seed: number, private readonly host: IncidentHost) {}

  /** Number of incidents in progress. */
  get activeCount(): number {
    return this.active.length;
  }

  /** Starts `ev` at tick time `t`; returns its ground truth, or undefined when it has no target. */
  start(ev: PlannedEvent, t: number): Incident | undefined {
    const rng = createRng(hash32(this.seed, hashString(`incident/${ev.id}`)));
    const dep = this.host.deployment(ev.namespace, ev.workload);
    if (!dep) return undefined;
    const duration = Math.max(1, ev.end - ev.at);
    if (ev.kind === 'rollout') {
      const incident = this.base(ev, t, t + duration);
      incident.affected = [];
      incident.detail = { fromRevision: dep.revision, toRevision: dep.revision + 1 };
      dep.startRollout(incident);
      incident.detail.replicaSet = dep.replicaSet;
      this.host.record(incident);
      return incident;
    }
    if (ev.kind === 'scale') return dep.scaleTo(ev.replicas ?? dep.desired, t, this.host, ev.id);

    const pod = this.target(dep, ev);
    if (!pod) return undefined;
    const incident = this.base(ev, t, t + duration);
    incident.pod = pod.name;
    incident.node = pod.node;
    const a: Active = {
      incident, kind: ev.kind, pod, victims: [], end: t + duration, nextRestart: 0, crashAt: 0, backoffS: 0, runMs: 0,
    };
    switch (ev.kind) {
      case 'cpu_runaway': {
        const f = ev.intensity ?? uniform(rng, 0.9, 0.98);
        pod.runawayTarget = pod.spec.cpuLimit * f;
        pod.runawayStart = t;
        incident.detail = { limitFraction: f, cpuLimitCores: pod.spec.cpuLimit };
        break;
      }
      case 'memory_leak':
        pod.leakFrom = pod.workingSet;
        pod.leakStart = t;
        pod.leakEnd = a.end;
        incident.detail = { fromBytes: Math.round(pod.workingSet), limitBytes: pod.spec.memoryLimit };
        break;
      case 'oom_kill':
        pod.restartContainer(t, 'OOMKilled');
        break;
      case 'crash_loop':
        a.runMs = (5 + 5 * rng.int(3)) * 1000;
        a.backoffS = BACKOFF_START_S;
        a.nextRestart = t + a.backoffS * 1000;
        pod.crash(t);
        pod.crashLooping = true;
        incident.detail = { firstBackoffSeconds: BACKOFF_START_S, backoffCapSeconds: BACKOFF_CAP_S, runSeconds: a.runMs / 1000 };
        break;
      case 'packet_loss': {
        const f = ev.intensity ?? uniform(rng, 0.05, 0.3);
        pod.dropRate = f;
        incident.detail = { dropFraction: f };
        break;
      }
      case 'noisy_neighbour': {
        const cores = Math.min(pod.spec.cpuLimit * 0.95, ev.intensity ?? uniform(rng, 2.5, 4.5));
        pod.aggressorCores = cores;
        pod.aggressorBytes = uniform(rng, 30e6, 80e6);
        incident.affected = [];
        for (const p of this.host.allPods()) {
          if (p === pod || p.node !== pod.node) continue;
          p.throttle = 1 - uniform(rng, 0.1, 0.3);
          p.incidents++;
          a.victims.push(p);
          incident.affected.push(p.name);
        }
        incident.detail = { cores, networkBytesPerSecond: Math.round(pod.aggressorBytes) };
        break;
      }
      case 'latency_fault': {
        const ms = ev.intensity ?? uniform(rng, 100, 400);
        pod.meshLatencyMs = ms;
        incident.affected = this.host.meshCallers(pod).map((p) => p.name);
        incident.detail = { extraLatencyMs: ms };
        break;
      }
      case 'error_fault': {
        const share = ev.intensity ?? uniform(rng, 0.1, 0.4);
        pod.meshErrorShare = share;
        incident.affected = this.host.meshCallers(pod).map((p) => p.name);
        incident.detail = { errorShare: share };
        break;
      }
    }
    pod.incidents++;
    this.active.push(a);
    this.host.record(incident);
    return incident;
  }

  private base(ev: PlannedEvent, start: number, end: number): Incident {
    return {
      id: ev.id, kind: ev.kind, benign: BENIGN_KINDS.has(ev.kind), namespace: ev.namespace, workload: ev.workload,
      pod: '', node: '', start, end,
    };
  }

  /** The pod an event hits: the named one, else the `replica`-th free ready pod of the workload. */
  private target(dep: Deployment, ev: PlannedEvent): PodState | undefined {
    if (ev.pod) return dep.pods.find((p) => p.name === ev.pod);
    const pools = [
      dep.pods.filter((p) => p.ready && p.incidents === 0),
      dep.pods.filter((p) => p.incidents === 0),
      dep.pods,
    ];
    for (const pool of pools) if (pool.length > 0) return pool[ev.replica % pool.length];
    return undefined;
  }

  /** Advances crash loops and ends incidents whose time is up. */
  tick(t: number): void {
    for (let i = this.active.length - 1; i >= 0; i--) {
      const a = this.active[i];
      if (t >= a.end) {
        this.finish(a, t);
        this.active.splice(i, 1);
        continue;
      }
      if (a.kind !== 'crash_loop') continue;
      const pod = a.pod;
      if (!pod.running && t >= a.nextRestart) {
        pod.restartContainer(t, 'Error');
        a.crashAt = t + a.runMs;
      } else if (pod.running && t >= a.crashAt) {
        pod.crash(t);
        a.backoffS = Math.min(BACKOFF_CAP_S, a.backoffS * 2);
        a.nextRestart = t + a.backoffS * 1000;
      }
    }
  }

  private finish(a: Active, t: number): void {
    const pod = a.pod;
    pod.incidents--;
    switch (a.kind) {
      case 'cpu_runaway':
        pod.runawayTarget = 0;
        break;
      case 'memory_leak': {
        pod.leakEnd = pod.leakStart = pod.leakFrom = 0;
        pod.restartContainer(t, 'OOMKilled');
        this.host.record({
          id: `${a.incident.id}-oom`, kind: 'oom_kill', benign: false, namespace: pod.namespace, workload: pod.workload,
          pod: pod.name, node: pod.node, start: t, end: t + OOM_WINDOW_MS, detail: { cause: a.incident.id },
        });
        break;
      }
      case 'crash_loop':
        pod.crashLooping = false;
        if (!pod.running) pod.restartContainer(t, 'Error');
        break;
      case 'packet_loss':
        pod.dropRate = 0;
        break;
      case 'latency_fault':
        pod.meshLatencyMs = 0;
        break;
      case 'error_fault':
        pod.meshErrorShare = 0;
        break;
      case 'noisy_neighbour':
        pod.aggressorCores = 0;
        pod.aggressorBytes = 0;
        for (const v of a.victims) {
          v.throttle = 1;
          v.incidents--;
        }
        break;
    }
  }

  /** A pod was deleted: incidents on it end now; it stops being a victim. */
  podDeleted(pod: PodState, t: number): void {
    for (let i = this.active.length - 1; i >= 0; i--) {
      const a = this.active[i];
      if (a.pod === pod) {
        a.incident.end = Math.max(a.incident.start + 1, t);
        for (const v of a.victims) {
          v.throttle = 1;
          v.incidents--;
        }
        this.active.splice(i, 1);
        continue;
      }
      const j = a.victims.indexOf(pod);
      if (j >= 0) a.victims.splice(j, 1);
    }
  }
}
