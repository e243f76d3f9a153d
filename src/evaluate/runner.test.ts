import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { LabeledSeries } from './corpus.js';
import { readAsdCorpus } from './asd.js';
import { writeAsdFixture } from './fixtures.testkit.js';
import { runSeries } from './runner.js';

function series(values: number[], train?: number[]): LabeledSeries {
  const mk = (v: number[]) => ({ names: ['v'], rows: v.length, cols: 1, data: Float64Array.from(v), times: Float64Array.from(v, (_, i) => i * 60_000) });
  return { name: 's', frame: mk(values), train: train ? mk(train) : undefined, labels: new Uint8Array(values.length), events: [], warmup: 0 };
}

describe('runSeries', () => {
  const dir = writeAsdFixture();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is causal: a row\'s score does not depend on later rows', () => {
    const base = Array.from({ length: 300 }, (_, i) => Math.sin(i / 5) + (i % 7) * 0.01);
    const changed = [...base.slice(0, 200), ...base.slice(200).map((x) => x + 100)];
    for (const kind of ['zmax', 'iforest']) {
      const a = runSeries(kind, series(base));
      const b = runSeries(kind, series(changed));
      expect(Array.from(a.scores.subarray(0, 200))).toEqual(Array.from(b.scores.subarray(0, 200)));
      expect(b.scores[200]).toBeGreaterThan(a.scores[200]);
    }
  });

  it('gives the same scores for the same seed, and never NaN', () => {
    const v = Array.from({ length: 400 }, (_, i) => Math.cos(i / 3) * (i % 50 === 0 ? 9 : 1));
    const a = runSeries('iforest', series(v), { seed: 7 });
    const b = runSeries('iforest', series(v), { seed: 7 });
    expect(a.scores).toEqual(b.scores);
    expect(a.scores.every((s) => Number.isFinite(s) && s >= 0 && s <= 1)).toBe(true);
    expect(a.flags.length).toBe(400);
  });

  it('fits on the training rows first when given them', () => {
    const [s] = readAsdCorpus(dir, { limit: 1 });
    const withTrain = runSeries('zmax', s);
    const withoutTrain = runSeries('zmax', { ...s, train: undefined });
    expect(withTrain.scores[0]).not.toBe(withoutTrain.scores[0]); // a fitted detector scores row 0 from train.csv
    expect(Math.max(...withTrain.scores.subarray(100, 105))).toBeGreaterThan(Math.max(...withTrain.scores.subarray(0, 100)));
  });
});
