/**
 * Named scenarios: fixed event schedules that tests and benchmarks share, so they measure the same
 * thing.
 */
import type { ScheduledEvent } from './types.js';

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
