import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../core/errors.js';
import { openEventStore } from '../store/event-store.js';
import { OperatorFeedback } from './feedback.js';
import { WorkloadBars } from './workload-bars.js';

const T0 = Date.UTC(2026, 0, 5);

function setup() {
  const store = openEventStore();
  const open = (workload: string, peakScore: number) => store.openAnomaly({
    namespace: 'shop', workload, pod: `${workload}-1`, start: T0, peakScore, threshold: 0.8, topFeatures: [], explanation: 'x', modelVersion: 'v',
  });
  const bars = new WorkloadBars();
  const fb = new OperatorFeedback(store, bars, { now: () => T0 + 1 });
  return { store, open, bars, fb };
}

describe('OperatorFeedback', () => {
  it('a false alarm sets its workload\'s floor to the highest peak of its false alarms, saved in the store; taking one back lowers it', () => {
    const { store, open, bars, fb } = setup();
    const a = open('web', 0.7);
    const b = open('web', 0.9);
    open('api', 0.95);
    const first = fb.give(a, { verdict: 'false_alarm', comment: 'a deploy' });
    expect(first.anomaly.feedback).toEqual({ verdict: 'false_alarm', incidentType: null, comment: 'a deploy', at: T0 + 1 });
    expect(first).toMatchObject({ counted: true, floor: 0.7, falseAlarms: 1 });
    expect(fb.give(a, { verdict: 'false_alarm' })).toMatchObject({ counted: false, floor: 0.7, falseAlarms: 1 });
    expect(fb.give(b, { verdict: 'false_alarm' })).toMatchObject({ counted: true, floor: 0.9, falseAlarms: 2 });
    expect(bars.floor('shop/web')).toBe(0.9);
    expect(store.workloadBars()).toMatchObject([{ namespace: 'shop', workload: 'web', falseAlarms: 2, scoreFloor: 0.9 }]);
    expect(fb.give(b, { verdict: 'real_incident', incidentType: 'oom_kill' })).toMatchObject({ counted: false, floor: 0.7, falseAlarms: 1 });
    expect(bars.floor('shop/web')).toBe(0.7);
    expect(bars.floor('shop/api')).toBe(0);
    // A restart: the floors come back from the store.
    const again = new WorkloadBars();
    new OperatorFeedback(store, again, { now: () => 0 }).load();
    expect(again.entries()).toEqual([['shop/web', 0.7]]);
  });

  it('refuses an unknown anomaly and a bad verdict', () => {
    const { fb, open } = setup();
    expect(() => fb.give(42, { verdict: 'false_alarm' })).toThrow(NotFoundError);
    expect(() => fb.give(open('web', 0.9), { verdict: 'maybe' as never })).toThrow(/verdict must be one of/);
  });
});
