import { describe, expect, it } from 'vitest';
import { LearnGate } from './learn-gate.js';

const MIN = 60_000;

describe('LearnGate', () => {
  it('holds the points the policy keeps from learning, within half a step, for the lookback', () => {
    const gate = new LearnGate({ stepMs: MIN, keepMs: 60 * MIN });
    expect(gate.admit('a', 10 * MIN, { learn: true })).toBe(true);
    expect(gate.admit('a', 11 * MIN, { learn: false })).toBe(false);
    expect(gate.mayLearn('a', 10 * MIN)).toBe(true);
    expect(gate.mayLearn('a', 11 * MIN + 30_000)).toBe(false);
    expect(gate.mayLearn('a', 11 * MIN + 30_001)).toBe(true);
    expect(gate.mayLearn('b', 11 * MIN)).toBe(true);
    gate.expire(71 * MIN);
    expect(gate.mayLearn('a', 11 * MIN)).toBe(false);
    gate.expire(71 * MIN + 1);
    expect(gate.mayLearn('a', 11 * MIN)).toBe(true);
    gate.admit('a', 80 * MIN, { learn: false });
    gate.forget('a');
    expect(gate.mayLearn('a', 80 * MIN)).toBe(true);
  });
});
