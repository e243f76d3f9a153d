import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { writeNabFixture } from './fixtures.testkit.js';
import { readNabCorpus, readNabProfiles, windowsToEvents } from './nab.js';
import { NAB_PROFILES, nabScores } from './nab-score.js';
import { evaluateDetector } from './runner.js';

const REAL = '../shared/data/nab';

describe('readNabCorpus on a synthetic NAB folder', () => {
  const dir = writeNabFixture();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads series, windows as row ranges, labels and the probationary period', () => {
    const corpus = readNabCorpus(dir);
    expect(corpus.map((s) => s.name)).toEqual(['synthetic/a.csv', 'synthetic/b.csv']);
    const [a, b] = corpus;
    expect(a.frame.rows).toBe(1000);
    expect(a.events).toEqual([{ start: 500, end: 549, t0: a.frame.times[500] }]);
    expect(a.labels.reduce((x, y) => x + y, 0)).toBe(50);
    expect(a.warmup).toBe(150);
    expect(b.events).toEqual([]);
    expect(readNabCorpus(dir, { limit: 1 }).length).toBe(1);
    expect(readNabCorpus(dir, { only: ['synthetic/b.csv'] })[0].name).toBe('synthetic/b.csv');
    expect(readNabProfiles(dir)).toEqual({ standard: NAB_PROFILES.standard });
  });

  it('scores a perfect detector 100 and a silent one 0', () => {
    const corpus = readNabCorpus(dir);
    const perfect = corpus.map((s) => ({ name: s.name, windows: s.events, scores: Float64Array.from(s.labels, (_, i) => (s.events.some((e) => e.start === i) ? 1 : 0)) }));
    for (const r of nabScores(perfect)) expect(r.score).toBeCloseTo(100, 10);
    const silent = corpus.map((s) => ({ name: s.name, windows: s.events, scores: new Float64Array(s.frame.rows) }));
    for (const r of nabScores(silent)) expect(r.score).toBe(0);
  });

  it('runs a detector over it and finds the planted spike', () => {
    const r = evaluateDetector('zmax', readNabCorpus(dir), { nabProfiles: NAB_PROFILES });
    expect(r.nab?.map((n) => n.profile)).toEqual(['standard', 'reward_low_FP_rate', 'reward_low_FN_rate']);
    expect(r.nab?.[0].score).toBeGreaterThan(50);
    expect(r.summary.events).toBe(1);
    expect(r.series[1].nab?.standard).toBeNull(); // no window in b
  });

  it('says which data files the labels do not name (scored as without windows) and which labelled names have no file', () => {
    const path = join(dir, 'labels', 'combined_windows.json');
    const good = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    writeFileSync(path, JSON.stringify({ 'synthetic/a.csv': good['synthetic/a.csv'], 'synthetic/c.csv': [] }));
    const warned: string[] = [];
    const corpus = readNabCorpus(dir, { warn: (l) => warned.push(l) });
    expect(corpus.map((s) => s.name)).toEqual(['synthetic/a.csv', 'synthetic/b.csv']);
    expect(corpus[1].events).toEqual([]);
    expect(warned).toEqual([
      expect.stringMatching(/combined_windows\.json: no entry for 1 data file\(s\) \("synthetic\/b\.csv"\): scored as having no anomaly window$/),
      expect.stringMatching(/combined_windows\.json: 1 labelled name\(s\) with no file under .*data \("synthetic\/c\.csv"\): left out$/),
    ]);
    const quiet: string[] = [];
    readNabCorpus(dir, { only: ['synthetic/a.csv'], warn: (l) => quiet.push(l) }); // a chosen subset: the others are not news
    expect(quiet).toEqual([]);
    writeFileSync(path, JSON.stringify(good));
  });

  it('maps window times to the rows inside them and rejects bad labels with the file named', () => {
    const times = Float64Array.from([0, 10, 20, 30, 40]);
    expect(windowsToEvents(times, [[5, 30], [41, 50]])).toEqual([{ start: 1, end: 3, t0: 10 }]);
    writeFileSync(join(dir, 'labels', 'combined_windows.json'), JSON.stringify({ 'synthetic/a.csv': [['2014-04-01', 'x']] }));
    expect(() => readNabCorpus(dir)).toThrow(InputError);
    expect(() => readNabCorpus(dir)).toThrow(/combined_windows\.json: "synthetic\/a\.csv" window 1/);
    expect(() => readNabCorpus(join(dir, 'nowhere'))).toThrow(/no such file/);
  });
});

describe.skipIf(!existsSync(REAL))('NAB corpus in ../shared/data', () => {
  it('reads three files with windows and scores zmax on them', () => {
    const only = ['artificialWithAnomaly/art_daily_jumpsup.csv', 'realTraffic/speed_7578.csv', 'realAdExchange/exchange-2_cpc_results.csv'];
    const corpus = readNabCorpus(REAL, { only });
    expect(corpus.map((s) => s.name)).toEqual([...only].sort());
    for (const s of corpus) expect(s.events.length).toBeGreaterThan(0);
    const r = evaluateDetector('zmax', corpus, { nabProfiles: NAB_PROFILES });
    for (const n of r.nab ?? []) {
      expect(n.score).toBeGreaterThan(-1000);
      expect(n.score).toBeLessThanOrEqual(100);
    }
    expect(r.summary.events).toBe(corpus.reduce((a, s) => a + s.events.length, 0));
  });
});
if (!existsSync(REAL)) console.warn(`skipping the NAB corpus test: ${REAL} not found (the labelled corpora live in ../shared/data)`);
