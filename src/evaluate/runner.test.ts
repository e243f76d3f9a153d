import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { LabeledSeries } from './corpus.js';
import { readAsdCorpus } from './asd.js';
import { writeAsdFixture } from './fixtures.testkit.js';
import { evaluateDetector, runSeries } from './runner.js';
import { callGraph } from '../policy/topology-inhibition.js';

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

describe('evaluateDetector with topology inhibition', () => {
  it('holds a caller\'s alert while the service it calls fires, and counts only the alerts sent', () => {
    // The callee jumps at row 300 and the caller follows at the same minute (its calls slow down).
    const graph = callGraph([['front', 'back']]);
    const mk = (name: string, service: string): LabeledSeries => {
      const v = Array.from({ length: 400 }, (_, i) => Math.sin(i / 4) * 0.1 + (i >= 300 && i < 310 ? 50 : 0));
      const labels = new Uint8Array(400);
      if (service === 'back') labels.fill(1, 300, 316);
      const frame = { names: ['v'], rows: 400, cols: 1, data: Float64Array.from(v), times: Float64Array.from(v, (_, i) => i * 60_000) };
      return { name, frame, labels, events: service === 'back' ? [{ start: 300, end: 315, t0: 300 * 60_000 }] : [], warmup: 10, topology: { group: 'day', service, graph } };
    };
    const corpus = [mk('day/front-1', 'front'), mk('day/back-1', 'back')];
    const policy = { k: 1 };
    const plain = evaluateDetector('zmax', corpus, { policy });
    const held = evaluateDetector('zmax', corpus, { policy, inhibit: true });
    const falseAlerts = (r: typeof plain) => r.series.map((s) => s.policy!.policyFalseAlerts);
    expect(falseAlerts(plain)).toEqual([1, 0]); // the caller's alert at the jump is a false one
    expect(falseAlerts(held)).toEqual([0, 0]); // held: its callee fires at the same minute
    expect(held.series[1].policy!.policyEventsDetected).toBe(1); // the callee's own alert still counts
  });
});
