/**
 * One absurd reading must not blind a detector (issue 13, item 5): in a 0–1 noise series, a value of
 * 1e308 at row 200 must not stop a later spike of 50 (row 600) from scoring as anomalous, for every
 * registered kind, learning online (score row t, then learn it) as `kad score` does without --train;
 * nor a spike 10 points after the absurd value, where the kind detects one in the same series
 * without it. A spike passes when it reaches the detector's threshold or is clearly above every score
 * the series gave its ordinary points between the absurd value and row 600.
 */
import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.js';
import { createDetector, detectorKinds, prepareDetectors } from './index.js';

// lstm-ae's module (TensorFlow.js) is loaded on demand (detectors/index.ts).
await prepareDetectors('lstm-ae');

const ROWS = 800;
const ABSURD_AT = 200;
const SPIKE_AT = 600;
/** Points after the absurd value at which detection must be back. */
const SOON = 10;
const T0 = 1_700_000_000_000;
const STEP_MS = 60_000;

/** Settings that keep slow kinds fast here (as in their contract tests). */
const SMALL: Record<string, Record<string, unknown>> = {
  'lstm-ae': { window: 8, hidden: 8, epochs: 2, minTrain: 200, retrainEvery: 1000, maxTrain: 600 },
};

function series(seed: number, spikeAt: number, absurd = true): Float64Array {
  const rng = createRng(seed);
  const x = new Float64Array(ROWS);
  for (let i = 0; i < ROWS; i++) x[i] = rng.next();
  if (absurd) x[ABSURD_AT] = 1e308;
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

/** Whether the spike at `at` scores as anomalous: at least the threshold, or clearly above the ordinary points' scores. */
function detected(kind: string, at: number, absurd = true): { ok: boolean; score: number; threshold: number; usual: number } {
  const { scores, threshold } = scoreOnline(kind, series(13, at, absurd));
  let usual = 0;
  for (let i = ABSURD_AT + 20; i < SPIKE_AT; i++) if (i !== at) usual = Math.max(usual, scores[i]);
  const score = scores[at];
  return { ok: Number.isFinite(score) && (score >= threshold || score > usual + 0.1 * (1 - usual)), score, threshold, usual };
}

describe('a single absurd value (1e308) does not blind any detector', () => {
  for (const kind of detectorKinds()) {
    it(`${kind}: a spike of 50 after 1e308 still scores as anomalous, 400 points later and ${SOON} points later`, () => {
      const far = detected(kind, SPIKE_AT);
      expect(far.ok, `spike at row ${SPIKE_AT}: score ${far.score}, threshold ${far.threshold}, ordinary points up to ${far.usual}`).toBe(true);
      // Soon after: wherever the kind detects that spike in the same series without the absurd value
      // (hst, for one, scores nothing before its first window of 250 points is complete).
      const near = detected(kind, ABSURD_AT + SOON);
      if (detected(kind, ABSURD_AT + SOON, false).ok) {
        expect(near.ok, `spike at row ${ABSURD_AT + SOON}: score ${near.score}, threshold ${near.threshold}, ordinary points up to ${near.usual}`).toBe(true);
      }
    }, 60_000);
  }
});
