import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../core/errors.js';
import { openEventStore } from '../store/event-store.js';
import { OperatorFeedback } from './feedback.js';
import { WorkloadBars } from './workload-bars.js';

const T0 = Date.UTC(2026, 0, 5);

function setup() {
  const store = openEventStore();
  const open = (workload: string) => store.openAnomaly({
    namespace: 'shop', workload, pod: `${workload}-1`, start: T0, peakScore: 0.9, threshold: 0.8, topFeatures: [], explanation: 'x', modelVersion: 'v',
  });
  const told: string[] = [];
  const bars = new WorkloadBars();
  const fb = new OperatorFeedback(store, bars, { now: () => T0 + 1, onFeedback: (v, a, raised) => told.push(`${v}:${a.workload}:${raised}`) });
  return { store, open, bars, fb, told };
}

describe('OperatorFeedback', () => {
  it('a false alarm raises its workload\'s bar once, saved in the store; taking it back lowers it', () => {
    const { store, open, bars, fb, told } = setup();
    const a = open('web');
    const b = open('web');
    expect(fb.give(a, { verdict: 'false_alarm', comment: 'a deploy' }).feedback).toEqual({ verdict: 'false_alarm', incidentType: null, comment: 'a deploy', at: T0 + 1 });
    fb.give(a, { verdict: 'false_alarm' });
    expect(bars.factor('shop/web')).toBe(0.5);
    fb.give(b, { verdict: 'false_alarm' });
    expect(bars.factor('shop/web')).toBe(0.25);
    expect(store.workloadBars()).toMatchObject([{ namespace: 'shop', workload: 'web', factor: 0.25, falseAlarms: 2 }]);
    fb.give(b, { verdict: 'real_incident', incidentType: 'oom_kill' });
    expect(bars.factor('shop/web')).toBe(0.5);
    expect(told).toEqual(['false_alarm:web:true', 'false_alarm:web:false', 'false_alarm:web:true', 'real_incident:web:false']);
    // A restart: the bars come back from the store.
    const again = new WorkloadBars();
    new OperatorFeedback(store, again, { now: () => 0 }).load();
    expect(again.factor('shop/web')).toBe(0.5);
    expect(again.factor('shop/api')).toBe(1);
  });

  it('refuses an unknown anomaly and a bad verdict', () => {
    const { fb, open } = setup();
    expect(() => fb.give(42, { verdict: 'false_alarm' })).toThrow(NotFoundError);
    expect(() => fb.give(open('web'), { verdict: 'maybe' as never })).toThrow(/verdict must be one of/);
  });
});
