import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.js';
import { resolveTailParams, TailCalibrator } from './tail-calibrator.js';

/** A calibrator with the given minExceedances fed `n` scores with u = −ln(1 − s) exponential (scale 1). */
function fed(minExceedances: number, n: number, seed = 9): TailCalibrator {
  const c = new TailCalibrator(resolveTailParams({ minPoints: 100, tailQuantile: 0.99, minExceedances }, 'test'));
  const rng = createRng(seed);
  for (let i = 0; i < n; i++) c.learn(rng.next()); // u = −ln(1 − s) exponential with scale 1
  return c;
}

describe('TailCalibrator minExceedances', () => {
  it('fits the tail on at least that many scores while the history is short, and changes nothing once it is long', () => {
    // 200 scores and one outlier (u = 12): the 99th percentile leaves 2 above it, the outlier one of
    // them, and the tail fitted on those two is heavy; fitted on 10 (from the 95th) it is not.
    const at = (u: number) => 1 - Math.exp(-u);
    const short = fed(10, 200);
    const plain = fed(0, 200);
    short.learn(at(12));
    plain.learn(at(12));
    for (let i = 0; i < 32; i++) {
      short.learn(at(0.5));
      plain.learn(at(0.5));
    }
    expect(short.pValue(at(11))).toBeLessThan(0.001);
    expect(plain.pValue(at(11))).toBeGreaterThan(0.001);
    // 5,000 scores: 50 above the 99th percentile, more than 10: the same p everywhere.
    const long10 = fed(10, 5000);
    const long0 = fed(0, 5000);
    for (const s of [0.5, 0.99, 0.999, 0.99999]) expect(long10.pValue(s)).toBe(long0.pValue(s));
  });

  it('refuses a bad minExceedances with the setting\'s name', () => {
    expect(() => resolveTailParams({ minExceedances: -1 }, 'flag calibration')).toThrow(/flag calibration: minExceedances must be an integer >= 0/);
    expect(() => resolveTailParams({ minExceedances: 2.5 }, 'x')).toThrow(/minExceedances/);
    expect(resolveTailParams({}, 'x').minExceedances).toBe(0);
  });
});
