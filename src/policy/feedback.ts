/**
 * Operator feedback on anomalies, and what it teaches the policy. A verdict is kept with its anomaly
 * in the event store (store/event-store.ts):
 * - `false_alarm` sets the workload's score floor (workload-bars.ts) to the highest peak score of its
 *   anomalies marked false alarm: alerts that stay at or below it are muted from the next cycle on
 *   (a firing one at once); a verdict changed to `real_incident` lowers it again. The floor is saved
 *   in the store and loaded at start;
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

/** Settings of {@link OperatorFeedback}. */
export interface OperatorFeedbackOptions {
  /** The time feedback is given at, epoch ms (the engine's clock). */
  now: () => number;
}

/** What recording feedback did. */
export interface FeedbackOutcome {
  /** The anomaly as it is now, feedback included. */
  anomaly: AnomalyRecord;
  /** Whether it is a new false alarm of its workload (not one marked before). */
  counted: boolean;
  /** The workload's score floor now (0: none). */
  floor: number;
  /** The workload's anomalies marked false alarm now. */
  falseAlarms: number;
}

/** Records feedback and sets workload floors; see the module comment. */
export class OperatorFeedback {
  constructor(private readonly store: EventStore, private readonly bars: WorkloadBars, private readonly opts: OperatorFeedbackOptions) {}

  /** Applies the floors saved in the store (call once at start, before the first cycle). */
  load(): void {
    for (const b of this.store.workloadBars()) this.bars.setFloor(workloadKey(b), b.scoreFloor);
  }

  /**
   * Records `input` on anomaly `id`; returns the anomaly as it is now and its workload's floor. Throws
   * {@link NotFoundError} for an unknown id and {@link InputError} for a bad verdict.
   */
  give(id: number, input: FeedbackInput): FeedbackOutcome {
    if (!VERDICTS.includes(input.verdict)) throw new InputError(`verdict must be one of ${VERDICTS.join(', ')}, got ${JSON.stringify(input.verdict)}`);
    const out = this.store.write((): FeedbackOutcome => {
      const done = this.store.setFeedback(id, { verdict: input.verdict, incidentType: input.incidentType ?? null, comment: input.comment ?? null, at: this.opts.now() });
      if (!done) throw new NotFoundError(`No anomaly ${id}; see GET /anomalies for their ids`);
      const { anomaly, previous } = done;
      const { namespace, workload } = anomaly;
      const falseNow = input.verdict === 'false_alarm';
      const { count, peak } = this.store.falseAlarms(namespace, workload);
      if (falseNow !== (previous === 'false_alarm')) this.store.saveWorkloadBar({ namespace, workload, falseAlarms: count, scoreFloor: peak, updatedAt: this.opts.now() });
      return { anomaly, counted: falseNow && previous !== 'false_alarm', floor: peak, falseAlarms: count };
    });
    this.bars.setFloor(workloadKey(out.anomaly), out.floor);
    return out;
  }
}
