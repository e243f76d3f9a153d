import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.js';
import { PeerSignals } from './peer-signals.js';

describe('PeerSignals', () => {
  const rng = createRng(5);
  const cycle = (ps: PeerSignals, values: Record<string, number>, workload = 'ns/web/rs1') =>
    ps.update(Object.entries(values).map(([key, v]) => ({ key, workload, x: Float64Array.of(v * (1 + 0.01 * rng.normal()), 1) })));

  it('scores a replica unlike its siblings above 0.5 and its siblings low, once it has been different for a few cycles', () => {
    const ps = new PeerSignals();
    for (let i = 0; i < 10; i++) cycle(ps, { a: 1, b: 1, c: 1, d: i < 5 ? 1 : 3 });
    expect(ps.get('d')!.peerScore).toBeGreaterThan(0.5);
    expect(ps.get('d')!.peerFeature).toBe(0);
    for (const k of ['a', 'b', 'c']) expect(ps.get(k)!.peerScore).toBeLessThan(0.5);
  });

  it('compares only pods of the same group and needs three of them', () => {
    const ps = new PeerSignals();
    for (let i = 0; i < 10; i++) {
      cycle(ps, { a: 1, b: 1 }, 'ns/web/old');
      cycle(ps, { c: 5, d: 5 }, 'ns/web/new');
    }
    for (const k of ['a', 'b', 'c', 'd']) expect(ps.get(k)!.peerScore).toBe(0);
  });

  it('classifies a pod\'s score history as a level shift or a spike, and forgets pods', () => {
    const ps = new PeerSignals();
    cycle(ps, { shift: 1, spike: 1 });
    for (let i = 0; i < 40; i++) {
      ps.observeScore('shift', (i < 25 ? 0.05 : 0.9) + 0.01 * rng.normal());
      ps.observeScore('spike', (i === 35 ? 0.95 : 0.05) + 0.01 * rng.normal());
    }
    expect(ps.changeOf('shift')).toBe('level-shift');
    expect(ps.changeOf('spike')).toBe('spike');
    ps.forget('shift');
    expect(ps.get('shift')).toBeUndefined();
    expect(ps.changeOf('shift')).toBe('none');
  });
});
