/**
 * Named scenarios: fixed event schedules that tests and benchmarks share, so they measure the same
 * thing.
 */
import { createRng, hash32 } from '../core/rng.js';
import { rolloutEstimateMs } from './schedule.js';
import type { ClusterTopology, WorkloadSpec } from './topology.js';
import type { SchedulableKind, ScheduledEvent } from './types.js';

const MIN = 60_000;

/**
 * One incident of each abrupt kind, a memory leak ending in an OOM kill, then a rollout, spaced so
 * they never overlap, starting 20 minutes after `from` (epoch ms). Start times fall at odd seconds
 * past the minute, so detection is not helped by alignment with the scoring step. Spans ~4.5 hours.
 */
export function incidentTour(from: number): ScheduledEvent[] {
  return [
    { kind: 'cpu_runaway', at: from + 20 * MIN + 17_000, durationMs: 15 * MIN, namespace: 'shop', workload: 'catalog', replica: 1 },
    { kind: 'crash_loop', at: from + 60 * MIN + 41_000, durationMs: 15 * MIN, namespace: 'shop', workload: 'cart', replica: 0 },
    { kind: 'packet_loss', at: from + 100 * MIN + 5_000, durationMs: 15 * MIN, namespace: 'shop', workload: 'checkout', replica: 1 },
    { kind: 'noisy_neighbour', at: from + 140 * MIN + 29_000, durationMs: 15 * MIN },
    { kind: 'memory_leak', at: from + 170 * MIN + 11_000, durationMs: 40 * MIN, namespace: 'shop', workload: 'recommendation', replica: 0 },
    { kind: 'rollout', at: from + 250 * MIN, namespace: 'shop', workload: 'frontend' },
  ];
}

/**
 * The service mesh's two faults, after {@link incidentTour}'s events (which end by `from` + 4.5 h):
 * a latency fault on a payment pod (checkout calls payment; frontend calls checkout; ingress-nginx
 * calls frontend) at `from` + 290 min and an error fault on a cart pod (frontend and checkout call
 * cart) at `from` + 330 min, 15 minutes each, strengths drawn from the seed.
 */
export function meshFaultTour(from: number): ScheduledEvent[] {
  return [
    { kind: 'latency_fault', at: from + 290 * MIN + 23_000, durationMs: 15 * MIN, namespace: 'shop', workload: 'payment', replica: 0 },
    { kind: 'error_fault', at: from + 330 * MIN + 37_000, durationMs: 15 * MIN, namespace: 'shop', workload: 'cart', replica: 1 },
  ];
}

/** One slow memory leak of {@link slowLeaks}: which pod, when it starts and when its OOM kill comes. */
export interface LeakSpec {
  namespace: string;
  workload: string;
  /** Start, ms after `from`. */
  afterMs: number;
  /** From the leak's start to the OOM kill, ms (the working set climbs linearly to the limit). */
  durationMs: number;
  /** Which pod of the workload (0 = oldest free one). Default 0. */
  replica?: number;
}

/** `memory_leak` events for the given leaks, relative to `from` (epoch ms), in the order given. */
export function slowLeaks(from: number, leaks: readonly LeakSpec[]): ScheduledEvent[] {
  return leaks.map((l) => ({
    kind: 'memory_leak' as const, at: from + l.afterMs, durationMs: l.durationMs,
    namespace: l.namespace, workload: l.workload, replica: l.replica ?? 0,
  }));
}

/** Options of {@link backgroundEvents}. */
export interface BackgroundOptions {
  /** Seed of every choice. */
  seed: number;
  /** Events start in [from, until), epoch ms. */
  from: number;
  until: number;
  /** The cluster's workloads (for targets, replica counts and autoscalers). */
  topology: ClusterTopology;
  /** Mean minutes between event starts; default 15, as the random schedule. */
  everyMinutes?: number;
  /** Events already planned (e.g. {@link slowLeaks}): no background event overlaps one on the same workload. */
  avoid?: readonly ScheduledEvent[];
}

const BACKGROUND_KINDS: readonly SchedulableKind[] = ['cpu_runaway', 'crash_loop', 'packet_loss', 'noisy_neighbour', 'rollout', 'oom_kill', 'scale'];
const BACKGROUND_MINUTES: Readonly<Partial<Record<SchedulableKind, [number, number]>>> = {
  cpu_runaway: [8, 20], crash_loop: [10, 25], packet_loss: [8, 20], noisy_neighbour: [6, 15], oom_kill: [2, 2], scale: [2, 2],
};

/**
 * A seeded background of every incident kind but `memory_leak` (plus single OOM kills and manual
 * scales), as explicit events: the random schedule's rotation and spacing without its leaks, so a
 * benchmark decides where leaks happen. Like the random schedule, no two events overlap on one
 * workload (with 5 minutes to spare), a noisy neighbour (batch workloads only) overlaps no other
 * background event, and scales go to workloads without an autoscaler, one replica up or down.
 */
export function backgroundEvents(opts: BackgroundOptions): ScheduledEvent[] {
  const rng = createRng(hash32(opts.seed, 0x626b6764));
  const everyMs = (opts.everyMinutes ?? 15) * MIN;
  const all = opts.topology.workloads;
  const batch = all.filter((w) => w.namespace === 'batch');
  const rest = all.filter((w) => w.namespace !== 'batch');
  const busy: { key: string; start: number; end: number; noisy: boolean; background: boolean }[] = [];
  for (const e of opts.avoid ?? []) {
    busy.push({ key: `${e.namespace}/${e.workload}`, start: e.at, end: e.at + (e.durationMs ?? 20 * MIN) + 10 * MIN, noisy: false, background: false });
  }
  const replicas = new Map(all.map((w) => [`${w.namespace}/${w.name}`, w.replicas]));
  const out: ScheduledEvent[] = [];
  let rotation: SchedulableKind[] = [];
  for (let at = opts.from + everyMs * (0.5 + rng.next()); at < opts.until; at += everyMs * (0.5 + rng.next())) {
    if (rotation.length === 0) {
      rotation = [...BACKGROUND_KINDS];
      for (let i = rotation.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [rotation[i], rotation[j]] = [rotation[j], rotation[i]];
      }
    }
    const kind = rotation.shift()!;
    const range = BACKGROUND_MINUTES[kind];
    const pool = kind === 'noisy_neighbour' ? batch : kind === 'scale' ? rest.filter((w) => !w.autoscale) : rest;
    const drawn = range ? Math.round(range[0] + rng.next() * (range[1] - range[0])) * MIN : 0;
    const lenOf = (w: WorkloadSpec) => (range ? drawn : rolloutEstimateMs(w.autoscale?.maxReplicas ?? w.replicas));
    const start = Math.round(at / 1000) * 1000;
    const free = pool.filter((w) => {
      const key = `${w.namespace}/${w.name}`;
      const end = start + lenOf(w) + 5 * MIN;
      return !busy.some((b) => b.start < end && b.end > start - MIN
        && (b.key === key || (b.background && (b.noisy || kind === 'noisy_neighbour'))));
    });
    if (free.length === 0) continue;
    const w = free[rng.int(free.length)];
    const key = `${w.namespace}/${w.name}`;
    const durationMs = lenOf(w);
    const ev: ScheduledEvent = { kind, at: start, namespace: w.namespace, workload: w.name, replica: rng.int(8) };
    if (range) ev.durationMs = durationMs;
    if (kind === 'scale') {
      const now = replicas.get(key)!;
      const next = now <= 1 ? 2 : now >= w.replicas + 1 ? now - 1 : now + (rng.next() < 0.5 ? -1 : 1);
      replicas.set(key, next);
      ev.replicas = next;
    }
    busy.push({ key, start, end: start + durationMs + 5 * MIN, noisy: kind === 'noisy_neighbour', background: true });
    out.push(ev);
  }
  return out;
}
