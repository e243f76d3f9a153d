/**
 * Operator feedback on anomalies, and what it teaches the policy. A verdict is kept with its anomaly
 * in the event store (store/event-store.ts):
 * - `false_alarm` raises the anomaly's workload bar (workload-bars.ts) once per anomaly (marking it a
 *   false alarm again changes nothing; turning it into a real incident takes the step back), and the
 *   bar is saved in the store, so it applies from the next cycle and after a restart;
 * - `real_incident` (with an optional incident type) makes the anomaly a labeled example, which
 *   `kad export-labels` writes out with its pod's history. False alarms are exported as normal
 *   examples, never as anomalous ones.
 * Nothing else learns from feedback: no model is retrained on it.
 */
import { InputError, NotFoundError } from '../core/errors.js';
import { workloadKey } from '../core/series.js';
import type { AnomalyRecord, EventStore, Verdict } from '../store/event-store.js';
import type { WorkloadBars } from './workload-bars.js';

/** What an operator sends. */
export interface FeedbackInput {
  verdict: Verdict;
  incidentType?: string;
  comment?: string;
}

/** The verdicts an operator can give. */
export const VERDICTS: readonly Verdict[] = ['false_alarm', 'real_incident'];

/** Settings and hooks of {@link OperatorFeedback}. */
export interface OperatorFeedbackOptions {
  /** The time feedback is given at, epoch ms (the engine's clock). */
  now: () => number;
  /** Told of every verdict recorded, and whether it raised the workload's bar. */
  onFeedback?: (verdict: Verdict, anomaly: AnomalyRecord, raised: boolean) => void;
}

/** Records feedback and raises workload bars; see the module comment. */
export class OperatorFeedback {
  constructor(private readonly store: EventStore, private readonly bars: WorkloadBars, private readonly opts: OperatorFeedbackOptions) {}

  /** Applies the bars saved in the store (call once at start, before the first cycle). */
  load(): void {
    for (const b of this.store.workloadBars()) this.bars.setFalseAlarms(workloadKey(b), b.falseAlarms);
  }

  /**
   * Records `input` on anomaly `id` and returns the anomaly as it is now. Throws {@link NotFoundError}
   * for an unknown id and {@link InputError} for a bad verdict.
   */
  give(id: number, input: FeedbackInput): AnomalyRecord {
    if (!VERDICTS.includes(input.verdict)) throw new InputError(`verdict must be one of ${VERDICTS.join(', ')}, got ${JSON.stringify(input.verdict)}`);
    const { anomaly, change } = this.store.write((): { anomaly: AnomalyRecord; change: number } => {
      const done = this.store.setFeedback(id, { verdict: input.verdict, incidentType: input.incidentType ?? null, comment: input.comment ?? null, at: this.opts.now() });
      if (!done) throw new NotFoundError(`No anomaly ${id}; see GET /anomalies for their ids`);
      const now = done.anomaly.feedback!.verdict === 'false_alarm';
      const before = done.previous === 'false_alarm';
      const step = now === before ? 0 : now ? 1 : -1;
      if (step !== 0) this.saveBar(done.anomaly, step);
      return { anomaly: done.anomaly, change: step };
    });
    this.opts.onFeedback?.(input.verdict, anomaly, change > 0);
    return anomaly;
  }

  /** Raises (+1) or lowers (−1, a false alarm taken back) the anomaly's workload bar, in memory and in the store. */
  private saveBar(a: AnomalyRecord, step: 1 | -1): void {
    const key = workloadKey(a);
    const factor = step > 0 ? this.bars.raise(key) : this.bars.lower(key);
    this.store.saveWorkloadBar({ namespace: a.namespace, workload: a.workload, factor, falseAlarms: this.bars.falseAlarms(key), updatedAt: this.opts.now() });
  }
}
