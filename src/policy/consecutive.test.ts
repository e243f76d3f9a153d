import { describe, expect, it } from 'vitest';
import { ConsecutivePolicy } from './consecutive.js';

describe('ConsecutivePolicy', () => {
  it('flags only after k scores in a row reach the threshold, and unflags on the first that does not', () => {
    const p = new ConsecutivePolicy(2);
    const seq = [0.9, 0.1, 0.9, 0.9, 0.95, 0.2, 0.9];
    const flags = seq.map((s) => p.observe('a', s, 0.5).flagged);
    expect(flags).toEqual([false, false, false, true, true, false, false]);
  });

  it('reports start and end transitions once', () => {
    const p = new ConsecutivePolicy(1);
    expect(p.observe('a', 0.9, 0.5)).toEqual({ flagged: true, started: true, ended: false });
    expect(p.observe('a', 0.9, 0.5)).toEqual({ flagged: true, started: false, ended: false });
    expect(p.observe('a', 0.1, 0.5)).toEqual({ flagged: false, started: false, ended: true });
  });

  it('keeps series apart and forgets them', () => {
    const p = new ConsecutivePolicy(2);
    p.observe('a', 0.9, 0.5);
    p.observe('b', 0.9, 0.5);
    expect(p.observe('a', 0.9, 0.5).flagged).toBe(true);
    p.forget('b');
    expect(p.observe('b', 0.9, 0.5).flagged).toBe(false);
    expect(() => new ConsecutivePolicy(0)).toThrow();
  });
});
