/**
 * The Deployment controller and an HPA-like autoscaler. Each tick a {@link Deployment} reconciles its
 * pods towards `desired` replicas of the current revision: plain scaling creates or deletes pods at
 * once; a rollout (new revision, new ReplicaSet hash) replaces pods one by one with surge 1 and
 * maxUnavailable 0 — create one new pod, wait until it is ready, delete one old pod, repeat.
 */
import type { PodState } from './pod.js';
import { replicaSetHash, type WorkloadSpec } from './topology.js';
import type { Incident } from './types.js';

/** What a Deployment needs from the cluster that owns it. */
export interface ControllerHost {
  /** Creates, places and registers a pod of `dep`'s current revision. */
  createPod(dep: Deployment, t: number): PodState;
  /** Removes a pod from the cluster (and from `dep.pods`). */
  deletePod(pod: PodState, t: number): void;
  /** Records a ground-truth incident. */
  record(incident: Incident): void;
}

/** How often the autoscaler evaluates, ms (Kubernetes' --horizontal-pod-autoscaler-sync-period). */
export const HPA_PERIOD_MS = 15_000;
/** Ratio band around the target within which the autoscaler does nothing. */
const HPA_TOLERANCE = 0.1;
/** How long a `scale` event's ground truth lasts after the decision, ms. */
export const SCALE_WINDOW_MS = 2 * 60_000;
const RING = 64;

/** One Deployment: desired replicas, current revision, its pods and its autoscaler state. */
export class Deployment {
  readonly spec: WorkloadSpec;
  readonly index: number;
  /** Frozen labels of its kube_deployment_* series. */
  readonly labels: Record<string, string>;
  /** Pods of every revision, in creation order. */
  readonly pods: PodState[] = [];
  desired: number;
  revision = 1;
  hash: string;
  /** The rollout in progress, whose ground truth `end` is set when it completes. */
  rollout: Incident | null = null;
  /** The latest scale event, collecting affected pods while its window lasts. */
  scaleEvent: Incident | null = null;
  private scaleCount = 0;
  private smoothedRps = NaN;
  private nextHpaAt = 0;
  private readonly recValues = new Float64Array(RING);
  private readonly recTimes = new Float64Array(RING).fill(-Infinity);
  private recHead = 0;

  constructor(spec: WorkloadSpec, index: number, private readonly seed: number) {
    this.spec = spec;
    this.index = index;
    this.labels = Object.freeze({ namespace: spec.namespace, deployment: spec.name }) as Record<string, string>;
    this.desired = spec.replicas;
    this.hash = replicaSetHash(seed, spec.namespace, spec.name, this.revision);
  }

  /** `<workload>-<hash>` of the current revision. */
  get replicaSet(): string {
    return `${this.spec.name}-${this.hash}`;
  }

  /** Ready pods of any revision. */
  readyCount(): number {
    let n = 0;
    for (const p of this.pods) if (p.ready) n++;
    return n;
  }

  /** Sets the starting replica count of an autoscaled workload from its traffic at the start. */
  initAutoscale(rps: number, t: number): void {
    const hpa = this.spec.autoscale;
    if (!hpa) return;
    this.smoothedRps = rps;
    this.desired = this.recommend(rps);
    this.nextHpaAt = t + HPA_PERIOD_MS;
  }

  /** Starts a rollout: a new revision with a new ReplicaSet hash. */
  startRollout(incident: Incident): void {
    this.revision++;
    this.hash = replicaSetHash(this.seed, this.spec.namespace, this.spec.name, this.revision);
    this.rollout = incident;
  }

  /** Sets the replica count by hand (workloads without an autoscaler), recording a `scale` event. */
  scaleTo(replicas: number, t: number, host: ControllerHost, id?: string): Incident {
    return this.changeDesired(Math.max(0, Math.round(replicas)), t, host, 'manual', id);
  }

  private recommend(rps: number): number {
    const hpa = this.spec.autoscale!;
    const current = this.desired;
    const ratio = rps / (current * hpa.targetRps);
    const raw = Math.abs(ratio - 1) <= HPA_TOLERANCE ? current : Math.ceil(rps / hpa.targetRps);
    return Math.min(hpa.maxReplicas, Math.max(hpa.minReplicas, raw));
  }

  /**
   * Feeds the workload's traffic for this tick; every {@link HPA_PERIOD_MS} the autoscaler decides:
   * scale out at once, scale in to the highest recommendation of the stabilisation window.
   */
  autoscale(t: number, rps: number, dtMs: number, host: ControllerHost): void {
    const hpa = this.spec.autoscale;
    if (!hpa) return;
    const a = 1 - Math.exp(-dtMs / 60_000);
    this.smoothedRps = Number.isNaN(this.smoothedRps) ? rps : this.smoothedRps + a * (rps - this.smoothedRps);
    if (t < this.nextHpaAt) return;
    this.nextHpaAt = t + HPA_PERIOD_MS;
    const raw = this.recommend(this.smoothedRps);
    this.recValues[this.recHead] = raw;
    this.recTimes[this.recHead] = t;
    this.recHead = (this.recHead + 1) % RING;
    let next = raw;
    if (raw < this.desired) {
      const window = hpa.scaleDownStabilizationMs ?? 5 * 60_000;
      for (let i = 0; i < RING; i++) {
        if (t - this.recTimes[i] <= window && this.recValues[i] > next) next = this.recValues[i];
      }
    }
    if (next !== this.desired) this.changeDesired(next, t, host, 'hpa');
  }

  private changeDesired(to: number, t: number, host: ControllerHost, reason: string, id?: string): Incident {
    const from = this.desired;
    this.desired = to;
    const incident: Incident = {
      id: id ?? `scale-${this.spec.namespace}-${this.spec.name}-${++this.scaleCount}`,
      kind: 'scale', benign: true, namespace: this.spec.namespace, workload: this.spec.name, pod: '', node: '',
      start: t, end: t + SCALE_WINDOW_MS, affected: [], detail: { from, to, reason },
    };
    this.scaleEvent = incident;
    host.record(incident);
    return incident;
  }

  private noteAffected(name: string, t: number): void {
    if (this.rollout) this.rollout.affected!.push(name);
    else if (this.scaleEvent && t < this.scaleEvent.end) this.scaleEvent.affected!.push(name);
  }

  private create(t: number, host: ControllerHost): void {
    const pod = host.createPod(this, t);
    this.noteAffected(pod.name, t);
  }

  private remove(pod: PodState, t: number, host: ControllerHost): void {
    this.noteAffected(pod.name, t);
    host.deletePod(pod, t);
  }

  /** Moves the pods one step towards the desired state. */
  reconcile(t: number, host: ControllerHost): void {
    let fresh = 0;
    let freshReady = 0;
    let old = 0;
    for (const p of this.pods) {
      if (p.hash === this.hash) {
        fresh++;
        if (p.ready) freshReady++;
      } else old++;
    }
    if (old > 0) {
      // Rolling update, surge 1, maxUnavailable 0.
      if (freshReady === fresh && fresh + old > this.desired) {
        this.remove(this.pickOld(), t, host);
        old--;
      }
      if (fresh + old < this.desired + 1 && fresh < this.desired) {
        this.create(t, host);
        fresh++;
      }
      if (old === 0) this.finishRollout(t);
      return;
    }
    if (this.rollout && fresh >= this.desired && freshReady >= this.desired) this.finishRollout(t);
    for (; fresh < this.desired; fresh++) this.create(t, host);
    for (; fresh > this.desired; fresh--) this.remove(this.pickScaleIn(), t, host);
  }

  private finishRollout(t: number): void {
    if (!this.rollout) return;
    this.rollout.end = Math.max(t, this.rollout.start + 1);
    this.rollout = null;
  }

  /** The old-revision pod to delete next: a not-ready one first, else the oldest. */
  private pickOld(): PodState {
    let pick: PodState | undefined;
    for (const p of this.pods) {
      if (p.hash === this.hash) continue;
      if (!p.ready) return p;
      if (!pick) pick = p;
    }
    return pick!;
  }

  /** The pod to delete on scale-in: not ready first, then one without an incident, newest first. */
  private pickScaleIn(): PodState {
    let best: PodState | undefined;
    let bestRank = -1;
    for (let i = this.pods.length - 1; i >= 0; i--) {
      const p = this.pods[i];
      const rank = (p.ready ? 0 : 2) + (p.incidents === 0 ? 1 : 0);
      if (rank > bestRank) {
        best = p;
        bestRank = rank;
      }
    }
    return best!;
  }
}
