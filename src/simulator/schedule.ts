/**
 * The incident schedule: explicit events checked and resolved to a workload, and a random schedule
 * planned lazily after `quietUntil`. The random plan cycles through every fault kind and the benign
 * rollout (shuffled per cycle), spaces starts `everyMinutes` apart on average, and never lets two
 * events overlap on the same workload; a noisy neighbour overlaps nothing at all, since its victims
 * are whichever pods share its node. The plan is a pure function of the seed, the start and the
 * explicit events, however far ahead it is asked for.
 */
import { InputError } from '../core/errors.js';
import { workloadFromPodName } from '../core/series.js';
import { createRng, hash32, type Rng } from '../core/rng.js';
import type { ClusterTopology, WorkloadSpec } from './topology.js';
import type { Incident, ScenarioOptions, ScheduledEvent, SchedulableKind } from './types.js';
import { BENIGN_KINDS } from './types.js';

const MIN = 60_000;

/** An event resolved to a workload, waiting to start. */
export interface PlannedEvent {
  id: string;
  kind: SchedulableKind;
  at: number;
  /** Planned end (for a rollout, an estimate; the rollout records its real end). */
  end: number;
  namespace: string;
  workload: string;
  pod?: string;
  replica: number;
  replicas?: number;
  intensity?: number;
  explicit: boolean;
}

/** Default length of an explicit event per kind, ms. */
export const DEFAULT_DURATION_MS: Readonly<Record<SchedulableKind, number>> = {
  cpu_runaway: 15 * MIN, memory_leak: 20 * MIN, oom_kill: 2 * MIN, crash_loop: 15 * MIN,
  packet_loss: 10 * MIN, noisy_neighbour: 10 * MIN, rollout: 3 * MIN, scale: 2 * MIN,
  latency_fault: 10 * MIN, error_fault: 10 * MIN,
};

/** Default target workload of an explicit event without `pod` or `workload` (default topology). */
export const DEFAULT_TARGET: Readonly<Record<SchedulableKind, string>> = {
  cpu_runaway: 'checkout', memory_leak: 'recommendation', oom_kill: 'cart', crash_loop: 'payment',
  packet_loss: 'catalog', noisy_neighbour: 'report-worker', rollout: 'frontend', scale: 'cart',
  latency_fault: 'payment', error_fault: 'cart',
};

/** The kinds the random schedule rotates through (`oom_kill` follows every `memory_leak`). */
export const ROTATION: readonly SchedulableKind[] = [
  'cpu_runaway', 'memory_leak', 'crash_loop', 'packet_loss', 'noisy_neighbour', 'rollout',
];

/** The mesh faults, added to the rotation with `scenario.meshFaults` (on topologies with a call graph). */
export const MESH_ROTATION: readonly SchedulableKind[] = ['latency_fault', 'error_fault'];

/** Random duration range per rotated kind, minutes. */
const DURATION_RANGE: Readonly<Partial<Record<SchedulableKind, [number, number]>>> = {
  cpu_runaway: [8, 20], memory_leak: [15, 35], crash_loop: [10, 25], packet_loss: [8, 20], noisy_neighbour: [6, 15],
  latency_fault: [8, 20], error_fault: [8, 20],
};

/** Quiet time kept after an event on the same workload (OOM window, warm-up), ms. */
function tailMs(kind: SchedulableKind): number {
  return kind === 'memory_leak' ? 5 * MIN : 3 * MIN;
}

/** Estimated length of a rollout of `replicas` pods (ready in 20–40 s each, one at a time). */
export function rolloutEstimateMs(replicas: number): number {
  return replicas * 40_000 + 30_000;
}

interface Busy {
  workload: string;
  kind: SchedulableKind;
  start: number;
  end: number;
}

/** Resolves explicit events and plans random ones. */
export class Planner {
  /** Explicit events, resolved, in time order. */
  readonly explicit: PlannedEvent[];
  private readonly rng: Rng;
  private readonly busy: Busy[] = [];
  private rotation: SchedulableKind[] = [];
  private cursor: number;
  private count = 0;
  private readonly everyMs: number;
  private readonly enabled: boolean;
  private readonly kinds: readonly SchedulableKind[];

  constructor(seed: number, private readonly topology: ClusterTopology, private readonly start: number,
    private readonly tickMs: number, scenario: ScenarioOptions = {}) {
    this.rng = createRng(hash32(seed, 0x706c616e));
    const every = scenario.everyMinutes ?? 15;
    if (!(every > 0)) throw new InputError(`scenario.everyMinutes must be a positive number of minutes, got ${every}`);
    this.everyMs = every * MIN;
    this.cursor = scenario.quietUntil ?? start + 60 * MIN;
    if (!Number.isFinite(this.cursor)) throw new InputError('scenario.quietUntil must be epoch milliseconds');
    this.enabled = scenario.random ?? true;
    this.kinds = scenario.meshFaults && calledWorkloads(topology).length > 0 ? [...ROTATION, ...MESH_ROTATION] : ROTATION;
    this.explicit = (scenario.events ?? []).map((e, i) => this.resolve(e, i));
    this.explicit.sort((a, b) => a.at - b.at);
    for (const e of this.explicit) this.busy.push({ workload: key(e), kind: e.kind, start: e.at, end: e.end + tailMs(e.kind) });
  }

  /** Plans random events until one starts at or after `until`; returns the new ones, in order. */
  planUntil(until: number): PlannedEvent[] {
    const out: PlannedEvent[] = [];
    if (!this.enabled) return out;
    while (this.cursor < until) out.push(this.next());
    return out;
  }

  private align(t: number): number {
    return this.start + Math.ceil((t - this.start) / this.tickMs) * this.tickMs;
  }

  private next(): PlannedEvent {
    const rng = this.rng;
    if (this.rotation.length === 0) {
      this.rotation = [...this.kinds];
      for (let i = this.rotation.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [this.rotation[i], this.rotation[j]] = [this.rotation[j], this.rotation[i]];
      }
    }
    const kind = this.rotation.shift()!;
    let at = this.align(this.cursor + this.everyMs * (0.5 + rng.next()));
    const candidates = this.eligible(kind);
    const range = DURATION_RANGE[kind];
    const duration = range ? Math.round((range[0] + rng.next() * (range[1] - range[0])) * 2) * MIN / 2 : 0;
    const replica = rng.int(8);
    let chosen: WorkloadSpec | undefined;
    for (let attempt = 0; attempt < 100 && !chosen; attempt++) {
      const free: WorkloadSpec[] = [];
      let nextFree = Infinity;
      for (const w of candidates) {
        const len = kind === 'rollout' ? rolloutEstimateMs(w.autoscale?.maxReplicas ?? w.replicas) : duration;
        const blocker = this.conflict(`${w.namespace}/${w.name}`, kind, at - MIN, at + len + tailMs(kind));
        if (blocker === undefined) free.push(w);
        else nextFree = Math.min(nextFree, blocker);
      }
      if (free.length > 0) chosen = free[rng.int(free.length)];
      else at = this.align(Math.max(at + MIN, nextFree + MIN));
    }
    if (!chosen) chosen = candidates[0];
    const w = chosen;
    const end = at + (kind === 'rollout' ? rolloutEstimateMs(w.replicas) : duration);
    const busyEnd = kind === 'rollout' ? at + rolloutEstimateMs(w.autoscale?.maxReplicas ?? w.replicas) : end;
    const ev: PlannedEvent = {
      id: `r${++this.count}`, kind, at, end, namespace: w.namespace, workload: w.name, replica, explicit: false,
    };
    this.busy.push({ workload: key(ev), kind, start: at, end: busyEnd + tailMs(kind) });
    this.cursor = at;
    // Forget random intervals long past; explicit ones may lie anywhere, so they stay.
    if (this.busy.length > 256) {
      for (let i = this.busy.length - 1; i >= 0; i--) if (this.busy[i].end < at - 24 * 60 * MIN) this.busy.splice(i, 1);
    }
    return ev;
  }

  /** The end of an interval that conflicts with [start, end) for `workload`, or undefined. */
  private conflict(workload: string, kind: SchedulableKind, start: number, end: number): number | undefined {
    let worst: number | undefined;
    for (const b of this.busy) {
      if (b.start >= end || b.end <= start) continue;
      if (b.workload === workload || b.kind === 'noisy_neighbour' || kind === 'noisy_neighbour') {
        worst = worst === undefined ? b.end : Math.max(worst, b.end);
      }
    }
    return worst;
  }

  /** Workloads a random event of `kind` may hit: batch workloads make noise, the rest fail. */
  private eligible(kind: SchedulableKind): WorkloadSpec[] {
    const all = this.topology.workloads;
    if (kind === 'latency_fault' || kind === 'error_fault') return calledWorkloads(this.topology);
    const batch = all.filter((w) => w.namespace === 'batch');
    if (kind === 'noisy_neighbour') {
      if (batch.length > 0) return batch;
      const most = Math.max(...all.map((w) => w.cpuLimit));
      return all.filter((w) => w.cpuLimit === most);
    }
    const rest = all.filter((w) => w.namespace !== 'batch');
    return rest.length > 0 ? rest : all;
  }

  /**
   * Adds an explicit event while the cluster runs (an injected incident): resolved like the
   * scenario's events, its id continuing their `e<n>` numbering; random events avoid its workload.
   */
  add(e: ScheduledEvent): PlannedEvent {
    const p = this.resolve(e, this.explicit.length, 'incident');
    this.explicit.push(p);
    this.busy.push({ workload: key(p), kind: p.kind, start: p.at, end: p.end + tailMs(p.kind) });
    return p;
  }

  private resolve(e: ScheduledEvent, i: number, where = `scenario.events[${i}]`): PlannedEvent {
    if (!(e.kind in DEFAULT_DURATION_MS)) throw new InputError(`${where}.kind "${String(e.kind)}" is not one of ${Object.keys(DEFAULT_DURATION_MS).join(', ')}`);
    if (!Number.isFinite(e.at)) throw new InputError(`${where}.at must be epoch milliseconds`);
    if (e.durationMs !== undefined && !(e.durationMs > 0)) throw new InputError(`${where}.durationMs must be positive`);
    const name = e.workload ?? (e.pod ? workloadFromPodName(e.pod) : DEFAULT_TARGET[e.kind]);
    const matches = this.topology.workloads.filter((w) => w.name === name && (!e.namespace || w.namespace === e.namespace));
    if (matches.length !== 1) {
      throw new InputError(`${where}: ${matches.length === 0 ? 'no' : 'more than one'} workload named "${name}"${e.namespace ? ` in namespace ${e.namespace}` : ''}; give namespace and workload of the cluster`);
    }
    const w = matches[0];
    if ((e.kind === 'latency_fault' || e.kind === 'error_fault') && !(this.topology.calls ?? []).some((c) => c.to === key({ namespace: w.namespace, workload: w.name }) || c.from === key({ namespace: w.namespace, workload: w.name }))) {
      throw new InputError(`${where}: a ${e.kind} needs a workload in the service mesh; ${w.namespace}/${w.name} is in no call of the topology`);
    }
    if (e.kind === 'scale') {
      if (!(Number.isInteger(e.replicas) && e.replicas! >= 0)) throw new InputError(`${where}: a scale event needs replicas (a whole number >= 0)`);
      if (w.autoscale) throw new InputError(`${where}: ${w.name} is scaled by its autoscaler; scale events apply to workloads without one`);
    }
    const at = this.align(e.at); // effects start on the first tick at or after `at`
    const duration = e.kind === 'rollout' ? rolloutEstimateMs(w.replicas) : e.durationMs ?? DEFAULT_DURATION_MS[e.kind];
    return {
      id: `e${i + 1}`, kind: e.kind, at, end: at + duration, namespace: w.namespace, workload: w.name,
      pod: e.pod, replica: e.replica ?? 0, replicas: e.replicas, intensity: e.intensity, explicit: true,
    };
  }
}

/** Workloads that another workload calls (targets of mesh faults), in topology order. */
export function calledWorkloads(t: ClusterTopology): WorkloadSpec[] {
  const called = new Set((t.calls ?? []).map((c) => c.to));
  return t.workloads.filter((w) => called.has(`${w.namespace}/${w.name}`));
}

function key(e: { namespace: string; workload: string }): string {
  return `${e.namespace}/${e.workload}`;
}

/** A planned event as ground truth before it starts: the pod and node are not known yet. */
export function plannedToIncident(e: PlannedEvent): Incident {
  return {
    id: e.id, kind: e.kind, benign: BENIGN_KINDS.has(e.kind), namespace: e.namespace, workload: e.workload,
    pod: e.pod ?? '', node: '', start: e.at, end: e.end,
  };
}
