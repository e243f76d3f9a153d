/**
 * One absurd reading must not blind a detector (issue 13, item 5): in a 0–1 noise series, a value of
 * 1e308 at row 200 must not stop a later spike of 50 (row 600) from scoring as anomalous, for every
 * registered kind, learning online (score row t, then learn it) as `kad score` does without --train.
 * The spike passes when it reaches the detector's threshold or is clearly above every score the
 * series gave its ordinary points between the absurd value and the spike.
 */
import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.js';
import { createDetector, detectorKinds } from './index.js';

const ROWS = 800;
const ABSURD_AT = 200;
const SPIKE_AT = 600;
const T0 = 1_700_000_000_000;
const STEP_MS = 60_000;

/** Settings that keep slow kinds fast here (as in their contract tests). */
const SMALL: Record<string, Record<string, unknown>> = {
  'lstm-ae': { window: 8, hidden: 8, epochs: 2, minTrain: 200, retrainEvery: 1000, maxTrain: 600 },
};

function series(seed: number, spikeAt: number): Float64Array {
  const rng = createRng(seed);
  const x = new Float64Array(ROWS);
  for (let i = 0; i < ROWS; i++) x[i] = rng.next();
  x[ABSURD_AT] = 1e308;
  x[spikeAt] = 50;
  return x;
}

/** Scores every row online (score, then learn). */
function scoreOnline(kind: string, x: Float64Array): { scores: Float64Array; threshold: number } {
  const d = createDetector(kind, SMALL[kind] ?? {}, 1);
  const scores = new Float64Array(x.length);
  const p = new Float64Array(1);
  let threshold = d.threshold;
  for (let i = 0; i < x.length; i++) {
    p[0] = x[i];
    const t = T0 + i * STEP_MS;
    scores[i] = d.scoreOne(p, t);
    if (i === SPIKE_AT) threshold = d.threshold;
    d.learnOne(p, t);
  }
  return { scores, threshold };
}

describe('a single absurd value (1e308) does not blind any detector', () => {
  for (const kind of detectorKinds()) {
    it(`${kind}: a spike of 50 after 1e308 still scores as anomalous`, () => {
      const { scores, threshold } = scoreOnline(kind, series(13, SPIKE_AT));
      let usual = 0;
      for (let i = ABSURD_AT + 20; i < SPIKE_AT; i++) usual = Math.max(usual, scores[i]);
      const s = scores[SPIKE_AT];
      expect(Number.isFinite(s)).toBe(true);
      expect(s >= threshold || s > usual + 0.1 * (1 - usual)).toBe(true);
    }, 60_000);
  }
});
