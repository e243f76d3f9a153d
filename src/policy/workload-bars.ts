/**
 * Workload bars: what operators' "false alarm" feedback does to alerting. Each workload
 * (`namespace/workload`) may have a score floor: the highest peak score of its anomalies marked
 * false alarm, the level the operator called normal. The scoring cycle (engine/cycle.ts) mutes an
 * alert of the workload's pods while every score of its episode stays at or below the floor, and
 * reports it from its first score above the floor. Muting changes what is told, not what is learned:
 * the alert policy's state and its stop-learning quarantine go on as without feedback, so an
 * incident below the floor is not learned as normal either.
 *
 * Explicit and small on purpose, and measured (bench/feedback.bench.ts): on the simulated cluster's
 * scenario replayed after marking its false alarms, they disappear while nearly every fault is still
 * detected. A false alarm with a high peak mutes much of its workload: marking it `real_incident`
 * afterwards lowers the floor again (to the highest remaining false alarm). Marking a firing alert
 * false silences it at once (its peak so far is the floor). The floors are kept in the event store
 * and loaded at start, so they hold across restarts.
 */

/** Per-workload score floors; see the module comment. */
export class WorkloadBars {
  private readonly floors = new Map<string, number>();

  /** Workload `key`'s floor: an alert of its pods is reported only once a score exceeds it (0: no floor). */
  floor(key: string): number {
    return this.floors.get(key) ?? 0;
  }

  /** Sets workload `key`'s floor (at most 1; 0, less or not a number: none). */
  setFloor(key: string, score: number): void {
    if (Number.isFinite(score) && score > 0) this.floors.set(key, Math.min(score, 1));
    else this.floors.delete(key);
  }

  /** Every workload with a floor, with it. */
  entries(): [string, number][] {
    return [...this.floors];
  }
}
