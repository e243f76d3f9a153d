import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { createRng } from '../core/rng.js';
import { AlertPolicy, AlertState, type AlertPolicyParams } from './alert-policy.js';

const MIN = 60_000;

/** Feeds scores one a minute; returns per point [state, started, ended, learn]. */
function run(params: AlertPolicyParams, scores: number[], base = 0.5): { state: number[]; started: number[]; ended: number[]; learn: boolean[] } {
  const p = new AlertPolicy(params);
  const out = { state: [] as number[], started: [] as number[], ended: [] as number[], learn: [] as boolean[] };
  scores.forEach((s, i) => {
    const d = p.observe('a', s, i * MIN, base);
    out.state.push(d.state);
    if (d.started) out.started.push(i);
    if (d.ended) out.ended.push(i);
    out.learn.push(d.learn);
  });
  return out;
}

describe('AlertPolicy', () => {
  it('fires after k hot points in a row by default, and resolves on the first cold one', () => {
    const r = run({ k: 2 }, [0, 0.9, 0, 0.9, 0.9, 0.9, 0.1, 0]);
    expect(r.started).toEqual([4]);
    expect(r.ended).toEqual([6]);
    expect(r.state.slice(3, 7)).toEqual([AlertState.inactive, AlertState.firing, AlertState.firing, AlertState.inactive]);
  });

  it('K-of-N fires on 3 hot points among 5 that are not consecutive', () => {
    const scores = [0, 0.9, 0, 0.9, 0, 0.9, 0, 0];
    expect(run({ k: 3, n: 5 }, scores).started).toEqual([5]);
    expect(run({ k: 3, n: 3 }, scores).started).toEqual([]);
  });

  it('hysteresis keeps an alert firing between the exit and enter levels', () => {
    const scores = [0.9, 0.9, 0.45, 0.42, 0.3, 0.9];
    expect(run({ k: 1, hysteresis: 0.1 }, scores).ended).toEqual([4]);
    expect(run({ k: 1 }, scores).ended).toEqual([2]);
  });

  it('`for` delays firing until the condition has held that long; a gap resets it', () => {
    const r = run({ k: 1, forSeconds: 120 }, [0.9, 0.9, 0, 0.9, 0.9, 0.9, 0.9]);
    expect(r.started).toEqual([5]);
    expect(r.state[3]).toBe(AlertState.pending);
  });

  it('keepFiringFor holds a firing alert through a short dip', () => {
    const scores = [0.9, 0, 0, 0.9, 0, 0, 0, 0];
    expect(run({ k: 1, keepFiringForSeconds: 150 }, scores)).toMatchObject({ started: [0], ended: [6] });
    expect(run({ k: 1 }, scores)).toMatchObject({ started: [0, 3], ended: [1, 4] });
  });

  it('cooldown stops a new alert from starting right after one resolved', () => {
    const scores = [0.9, 0, 0.9, 0, 0, 0, 0.9, 0];
    expect(run({ k: 1, cooldownSeconds: 180 }, scores).started).toEqual([0, 6]);
    expect(run({ k: 1 }, scores).started).toEqual([0, 2, 6]);
  });

  it('stopLearning marks hot, pending and firing points as not to learn', () => {
    const r = run({ k: 2 }, [0.1, 0.9, 0.9, 0.1, 0.1]);
    expect(r.learn).toEqual([true, false, false, true, true]);
    expect(run({ k: 2, stopLearning: false }, [0.1, 0.9, 0.9, 0.1]).learn).toEqual([true, true, true, true]);
  });

  it('stops quarantining after maxQuarantineSeconds, so a lasting change is learned', () => {
    const r = run({ k: 1, maxQuarantineSeconds: 180 }, [0.1, 0.9, 0.9, 0.9, 0.9, 0.9, 0.1, 0.9]);
    expect(r.learn).toEqual([true, false, false, false, true, true, true, false]);
  });

  it('calibrates a noisy series to its target false-alarm rate, and leaves a quiet one at the base level', () => {
    const rng = createRng(7);
    const policy = new AlertPolicy({ k: 1, targetFalseAlarmsPerDay: 2, calibrationMinPoints: 500 });
    const days = 10;
    let noisyAlerts = 0;
    let quietAlerts = 0;
    for (let i = 0; i < days * 1440; i++) {
      // Noisy: scores uniform on [0, 1), so half the points pass the base level 0.5.
      if (policy.observe('noisy', rng.next(), i * MIN, 0.5).started && i >= 1440) noisyAlerts++;
      if (policy.observe('quiet', 0.1 * rng.next(), i * MIN, 0.5).started && i >= 1440) quietAlerts++;
    }
    expect(noisyAlerts / (days - 1)).toBeGreaterThan(0.5);
    expect(noisyAlerts / (days - 1)).toBeLessThan(6);
    expect(quietAlerts).toBe(0);
    expect(policy.enterLevel('noisy', 0.5)).toBeGreaterThan(0.99);
    expect(policy.enterLevel('quiet', 0.5)).toBe(0.5);
  });

  it('treats repeated and backward timestamps as the latest time and NaN scores as 0', () => {
    const p = new AlertPolicy({ k: 1, forSeconds: 60 });
    expect(p.observe('a', 0.9, 10 * MIN, 0.5).state).toBe(AlertState.pending);
    expect(p.observe('a', 0.9, 5 * MIN, 0.5).state).toBe(AlertState.pending);
    expect(p.observe('a', 0.9, 11 * MIN, 0.5).started).toBe(true);
    expect(p.observe('a', NaN, 12 * MIN, 0.5).ended).toBe(true);
  });

  it('keeps series apart and forgets them', () => {
    const p = new AlertPolicy({ k: 1 });
    p.observe('a', 0.9, 0, 0.5);
    expect(p.isFiring('a')).toBe(true);
    expect(p.isFiring('b')).toBe(false);
    p.forget('a');
    expect(p.stateOf('a')).toBe(AlertState.inactive);
  });

  it('rejects bad and unknown settings, naming them', () => {
    expect(() => new AlertPolicy({ k: 0 })).toThrow(/k must be an integer/);
    expect(() => new AlertPolicy({ k: 3, n: 2 })).toThrow(/n must be an integer in \[k = 3/);
    expect(() => new AlertPolicy({ enter: 1.5 })).toThrow(InputError);
    expect(() => new AlertPolicy({ cooldownSeconds: -1 })).toThrow(/cooldownSeconds/);
    expect(() => new AlertPolicy({ kk: 1 } as AlertPolicyParams)).toThrow(/unknown setting "kk"/);
  });
});
