import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readAsdCorpus } from './asd.js';
import { writeAsdFixture } from './fixtures.testkit.js';
import { evaluateDetector } from './runner.js';

const REAL = '../shared/data/asd';

describe('readAsdCorpus on a synthetic ASD folder', () => {
  const dir = writeAsdFixture();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads train, test and labels, with label runs as events', () => {
    const corpus = readAsdCorpus(dir);
    expect(corpus.map((s) => s.name)).toEqual(['omi-1', 'omi-2']);
    const s = corpus[0];
    expect(s.train?.rows).toBe(400);
    expect(s.frame.rows).toBe(200);
    expect(s.frame.names).toEqual(['m1', 'm2', 'm3']);
    expect(s.events).toEqual([{ start: 100, end: 104, t0: s.frame.times[100] }]);
    expect(s.warmup).toBe(0);
  });

  it('fits on train.csv, scores test.csv and finds the planted anomaly', () => {
    for (const kind of ['zmax', 'iforest']) {
      const r = evaluateDetector(kind, readAsdCorpus(dir, { limit: 1 }));
      expect(r.summary.f1Adjusted).toBeGreaterThan(0.5);
      expect(r.summary.rocAuc).toBeGreaterThan(0.5);
    }
  });

  it('names the labels file when its length differs from test.csv', () => {
    writeFileSync(join(dir, 'omi-2', 'test_labels.csv'), 'timestamp,label\n1,0\n');
    expect(() => readAsdCorpus(dir)).toThrow(/omi-2[/\\]test_labels\.csv: 1 labels for 200 rows/);
  });
});

describe.skipIf(!existsSync(REAL))('ASD corpus in ../shared/data', () => {
  it('evaluates zmax on omi-1 (fit on train.csv, score test.csv)', () => {
    const corpus = readAsdCorpus(REAL, { limit: 1 });
    expect(corpus[0].name).toBe('omi-1');
    expect(corpus[0].frame.cols).toBe(19);
    const r = evaluateDetector('zmax', corpus);
    expect(r.summary.f1Adjusted).toBeGreaterThanOrEqual(r.summary.f1);
    expect(r.summary.rocAuc).toBeGreaterThan(0.5);
  });
});
if (!existsSync(REAL)) console.warn(`skipping the ASD corpus test: ${REAL} not found (the labelled corpora live in ../shared/data)`);
