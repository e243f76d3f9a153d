/**
 * Consecutive-anomaly policy (the seed's false-positive control): a series is flagged only when its
 * last `consecutive` scores were all at or above the threshold, and unflagged as soon as one is not.
 * Detectors score; this decides (CONVENTIONS.md point 4).
 */

/** What the policy decided for one series at one step. */
export interface Decision {
  flagged: boolean;
  /** True on the step the series became flagged. */
  started: boolean;
  /** True on the step the series stopped being flagged. */
  ended: boolean;
}

/** Per-series consecutive-anomaly counter. */
export class ConsecutivePolicy {
  private readonly runs = new Map<string, number>();
  private readonly flagged = new Set<string>();

  /** @param consecutive how many scores in a row must reach the threshold (1 = every such score flags). */
  constructor(readonly consecutive: number) {
    if (!(consecutive >= 1)) throw new RangeError('consecutive must be at least 1');
  }

  /** Feeds the score of series `key`; returns the decision. */
  observe(key: string, score: number, threshold: number): Decision {
    const run = score >= threshold ? (this.runs.get(key) ?? 0) + 1 : 0;
    this.runs.set(key, run);
    const was = this.flagged.has(key);
    const now = run >= this.consecutive;
    if (now) this.flagged.add(key);
    else this.flagged.delete(key);
    return { flagged: now, started: now && !was, ended: was && !now };
  }

  /** Whether `key` is flagged now. */
  isFlagged(key: string): boolean {
    return this.flagged.has(key);
  }

  /** Forgets a series (its pod went away). */
  forget(key: string): void {
    this.runs.delete(key);
    this.flagged.delete(key);
  }
}
