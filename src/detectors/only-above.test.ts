/**
 * `onlyAbove` (scale-settings.ts `readOnlyAbove`): the detectors that take it score a feature listed
 * there only above what they expect, so a fall in latency, errors or memory raises no flag while a
 * rise still does and the other features stay two-sided. Every kind that takes it runs the same checks,
 * alone and as the adaptive detector's members (as the service builds its pod model).
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { createRng } from '../core/rng.js';
import type { Detector } from './base.js';
import { createDetector, detectorEntry, loadDetector, onlyAboveKinds } from './index.js';

// pod-model passes it to its largest z (its forest needs a batch fit, not this streaming check).
const KINDS = onlyAboveKinds().filter((k) => k !== 'pod-model');
const MINUTE = 60_000;

/** A detector of `kind` with feature 1 only-above, trained on 3,000 minutes of two noisy features around 10 and 50. */
function trained(kind: string): { det: Detector; t: number } {
  const params = kind === 'adaptive'
    ? detectorEntry('adaptive')!.podParams!({ nEstimators: 10, maxSamples: 'auto', contamination: 0.1, minScale: [0.01, 0.01], onlyAbove: [1] })
    : { onlyAbove: [1] };
  const det = createDetector(kind, params, 7);
  const rng = createRng(3);
  let t = 0;
  for (let i = 0; i < 3000; i++, t += MINUTE) {
    const x = Float64Array.of(10 + rng.normal(), 50 + rng.normal());
    det.scoreOne(x, t);
    det.learnOne(x, t);
  }
  return { det, t };
}

describe('onlyAbove: a feature scored only above what is expected', () => {
  for (const kind of [...KINDS, 'adaptive']) {
    it(`${kind}: a fall of 30 spreads in the only-above feature is not flagged; a rise is, and the other feature stays two-sided`, () => {
      const { det, t } = trained(kind);
      const fall = det.scoreOne(Float64Array.of(10, 20), t);
      const rise = det.scoreOne(Float64Array.of(10, 80), t);
      const otherFall = det.scoreOne(Float64Array.of(-20, 50), t);
      expect(fall).toBeLessThan(det.threshold);
      expect(rise).toBeGreaterThanOrEqual(det.threshold);
      expect(otherFall).toBeGreaterThanOrEqual(det.threshold);
      // Saved and loaded, it keeps the setting: the same scores.
      const back = loadDetector(JSON.parse(JSON.stringify(det.toJSON())));
      expect(back.scoreOne(Float64Array.of(10, 20), t)).toBe(fall);
      expect(back.scoreOne(Float64Array.of(10, 80), t)).toBe(rise);
    });
  }

  for (const kind of KINDS) {
    it(`${kind}: a bad onlyAbove is refused, naming the setting; none leaves the snapshot as it was`, () => {
      expect(() => createDetector(kind, { onlyAbove: [-1] }, 1)).toThrow(InputError);
      expect(() => createDetector(kind, { onlyAbove: ['latency'] }, 1)).toThrow(/onlyAbove must be an array of feature indices/);
      expect(createDetector(kind, {}, 1).toJSON().params).not.toHaveProperty('onlyAbove');
    });
  }
});
