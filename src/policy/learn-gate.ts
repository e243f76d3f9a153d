/**
 * The learn gate: which points a pod model may learn. A point the alert policy keeps from learning
 * (a pod flagged anomalous, see {@link AlertDecision.learn}) is held here, so that the next
 * retraining leaves it out too: what kad called anomalous never becomes normal. Held points are
 * kept for the training lookback and dropped after it (older points are outside every training
 * window anyway); a pod that went away is forgotten.
 */
import type { AlertDecision } from './alert-policy.js';

/** Settings of a {@link LearnGate}. */
export interface LearnGateOptions {
  /** The scoring step, ms: a history point within half a step of a held point is that point. */
  stepMs: number;
  /** How long held points are kept, ms (the training lookback). */
  keepMs: number;
}

/** The points withheld from learning, per pod; see the module comment. */
export class LearnGate {
  private readonly held = new Map<string, number[]>();

  constructor(private readonly opts: LearnGateOptions) {}

  /**
   * Records the policy's decision for the pod's live point at `t`; returns whether its model may
   * learn the point now (a streaming model learns it right after scoring).
   */
  admit(key: string, t: number, d: Pick<AlertDecision, 'learn'>): boolean {
    if (d.learn) return true;
    let a = this.held.get(key);
    if (!a) this.held.set(key, (a = []));
    a.push(t);
    return false;
  }

  /** Whether a training point of the pod at `t` may be learned (false: it was held). */
  mayLearn(key: string, t: number): boolean {
    const times = this.held.get(key);
    if (!times) return true;
    const half = this.opts.stepMs / 2;
    for (const f of times) if (Math.abs(f - t) <= half) return false;
    return true;
  }

  /** Drops held points older than the lookback before `now`. */
  expire(now: number): void {
    const horizon = now - this.opts.keepMs;
    for (const [key, times] of this.held) {
      while (times.length && times[0] < horizon) times.shift();
      if (!times.length) this.held.delete(key);
    }
  }

  /** Forgets a pod that went away. */
  forget(key: string): void {
    this.held.delete(key);
  }
}
