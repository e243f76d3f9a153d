/**
 * Property-based test of every registered detector kind (`detectorKinds()`, so a new kind is fuzzed
 * without anyone writing a test for it): random streams of 1 to 4 features with NaN, infinities, the
 * largest and smallest doubles and constant runs mixed into ordinary values, on times that repeat, go
 * backward and jump. Each stream is scored then learned point by point (as `kad score` does), fitted
 * and scored in batch when the kind can, and saved and loaded (a saved model must load). A case passes when every score and
 * the threshold are finite numbers in [0, 1] with one score per point, or when it fails with a coded
 * error (KadError); any other exception fails it.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.js';
import type { Frame } from '../../src/core/frame.js';
import type { DetectorSnapshot } from '../../src/core/snapshot.js';
import { createDetector, detectorKinds, loadDetector, type AnyDetector } from '../../src/detectors/index.js';
import { anyNumber, outcomeOf, params, runs, Tally, timeline } from './fuzz.testkit.js';

/** Per-kind runs and settings: slow kinds get few, short cases (lstm-ae trains a network). */
const KIND_SETTINGS: Readonly<Record<string, { runs: number; maxPoints: number; params?: Record<string, unknown> }>> = {
  'lstm-ae': { runs: 4, maxPoints: 90, params: { window: 4, hidden: 4, epochs: 1, minTrain: 40, retrainEvery: 1000, maxTrain: 80 } },
  adaptive: { runs: 15, maxPoints: 300 },
  ensemble: { runs: 15, maxPoints: 300 },
};
const DEFAULT_SETTINGS = { runs: 25, maxPoints: 300 };

/** One generated case: a stream and where its odd values go. */
interface StreamCase {
  dims: number;
  seed: number;
  times: number[];
  /** [point, feature, value] written over the ordinary value. */
  odd: [number, number, number][];
  /** Features held constant for the whole stream. */
  constant: boolean[];
}

function streamCase(maxPoints: number): fc.Arbitrary<StreamCase> {
  return fc.record({ dims: fc.integer({ min: 1, max: 4 }), n: fc.integer({ min: 1, max: maxPoints }) }).chain(({ dims, n }) =>
    fc.record({
      dims: fc.constant(dims),
      seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      times: timeline(n),
      odd: fc.array(fc.tuple(fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 0, max: dims - 1 }), anyNumber()), { maxLength: Math.max(1, Math.floor(n / 4)) }),
      constant: fc.array(fc.boolean(), { minLength: dims, maxLength: dims }),
    }),
  );
}

/** The stream as a frame: a noisy daily sine per feature, constants where asked, then the odd values. */
function toFrame(c: StreamCase): Frame & { times: Float64Array } {
  const rng = createRng(c.seed);
  const rows = c.times.length;
  const data = new Float64Array(rows * c.dims);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < c.dims; j++) {
      data[i * c.dims + j] = c.constant[j] ? 7 : 10 ** j * (50 + 20 * Math.sin((2 * Math.PI * i) / 1440) + 3 * rng.normal());
    }
  }
  for (const [i, j, v] of c.odd) data[i * c.dims + j] = v;
  return { names: Array.from({ length: c.dims }, (_, j) => `f${j}`), rows, cols: c.dims, data, times: Float64Array.from(c.times) };
}

function expectUnit(what: string, s: number): void {
  if (!(Number.isFinite(s) && s >= 0 && s <= 1)) expect.fail(`${what} is ${s}, not a finite number in [0, 1]`);
}

/** Scores then learns every point; checks the scores and the threshold. */
function streamAll(d: AnyDetector, f: Frame & { times: Float64Array }): void {
  let scored = 0;
  for (let i = 0; i < f.rows; i++) {
    const x = f.data.subarray(i * f.cols, (i + 1) * f.cols);
    expectUnit(`score of point ${i}`, d.scoreOne(x, f.times[i]));
    scored++;
    d.learnOne(x, f.times[i]);
  }
  expect(scored).toBe(f.rows);
  expectUnit('threshold', d.threshold);
}

/** Fits on the first half (at least one row) and scores the whole frame in batch. */
function batchAll(d: AnyDetector, f: Frame & { times: Float64Array }): void {
  if (!d.fit || !d.score) return;
  const half = Math.max(1, Math.floor(f.rows / 2));
  d.fit({ ...f, rows: half, data: f.data.subarray(0, half * f.cols), times: f.times.subarray(0, half) });
  const scores = d.score(f);
  expect(scores.length).toBe(f.rows);
  for (let i = 0; i < scores.length; i++) expectUnit(`batch score of point ${i}`, scores[i]);
}

describe('fuzz: every detector kind on hostile streams', () => {
  const tallies: Tally[] = [];
  afterAll(() => {
    for (const t of tallies) t.report();
  });

  for (const kind of detectorKinds()) {
    const settings = KIND_SETTINGS[kind] ?? DEFAULT_SETTINGS;
    const n = runs(settings.runs);
    const tally = new Tally(`detector ${kind}`);
    tallies.push(tally);
    it(`${kind}: scores in [0, 1], one per point, or a coded error (${n} streams of up to ${settings.maxPoints} points)`, () => {
      fc.assert(
        fc.property(streamCase(settings.maxPoints), (c) => {
          const f = toFrame(c);
          const what = `${kind} on ${f.rows} points × ${f.cols}`;
          tally.add(outcomeOf(`${what}, streaming`, () => {
            const d = createDetector(kind, settings.params ?? {}, c.seed);
            streamAll(d, f);
            // Saved and loaded (as a model file is), it scores the same way: a model that learned the
            // stream is never refused at load, whatever the stream held (no coded error accepted here).
            const snap = JSON.parse(JSON.stringify(d.toJSON())) as DetectorSnapshot;
            let back: AnyDetector;
            try {
              back = loadDetector(snap);
            } catch (e) {
              expect.fail(`the snapshot it saved cannot be loaded: ${(e as Error).message}`);
            }
            expectUnit('score after a JSON round trip', back.scoreOne(f.data.subarray(0, f.cols), f.times[f.rows - 1]));
          }));
          tally.add(outcomeOf(`${what}, batch`, () => batchAll(createDetector(kind, settings.params ?? {}, c.seed), f)));
        }),
        params(n),
      );
    }, 120_000);
  }
});
