import { describe, expect, it } from 'vitest';
import { WorkloadBars } from './workload-bars.js';

describe('WorkloadBars', () => {
  it('keeps a score floor per workload, none by default; 0, negatives and NaN clear it; at most 1', () => {
    const b = new WorkloadBars();
    expect(b.floor('shop/web')).toBe(0);
    b.setFloor('shop/web', 0.8);
    b.setFloor('shop/api', 3);
    expect([b.floor('shop/web'), b.floor('shop/api'), b.floor('shop/db')]).toEqual([0.8, 1, 0]);
    expect(b.entries()).toEqual([['shop/web', 0.8], ['shop/api', 1]]);
    for (const x of [0, -1, NaN]) {
      b.setFloor('shop/web', 0.8);
      b.setFloor('shop/web', x);
      expect(b.floor('shop/web')).toBe(0);
    }
  });
});
