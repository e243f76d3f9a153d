import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readNezhaCorpus } from '../evaluate/nezha.js';
import { evaluateDetector } from '../evaluate/runner.js';

const REAL = '../shared/data/nezha-onlineboutique';

// The figures of the issue-4 report (27/56 faults, 0.97 false alerts per pod-day, 94% cut, no recall
// lost); the bounds leave room for small changes but catch a detector or policy that regresses.
describe.skipIf(!existsSync(REAL))('onset on the Nezha corpus in ../shared/data', () => {
  it('flags the CPU faults on the faulty pod with at most 2 false alerts per pod-day through a K=2 policy', () => {
    const policy = { k: 2, n: 2, targetFalseAlarmsPerDay: 2, stopLearning: false };
    const r = evaluateDetector('onset', readNezhaCorpus(REAL), { policy });
    expect(r.summary.events).toBe(56);
    expect(r.summary.eventsDetected).toBeGreaterThanOrEqual(25);
    expect(r.summary.falseAlertsPerSeriesDay).toBeLessThanOrEqual(2);
    expect(r.summary.meanDelaySeconds).toBeLessThan(300);
    const c = r.policy!.comparison;
    expect(c.policyFalseAlerts).toBeLessThanOrEqual(0.15 * c.rawFalsePoints);
    expect(c.rawEventsDetected - c.policyEventsDetected).toBeLessThanOrEqual(0.05 * c.events);
  });
});
if (!existsSync(REAL)) console.warn(`skipping the onset Nezha corpus test: ${REAL} not found (the labelled corpora live in ../shared/data)`);
