import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeNezhaFixture } from './fixtures.testkit.js';
import { parseNezhaMetrics, readNezhaCorpus, readNezhaFaults } from './nezha.js';
import { evaluateDetector } from './runner.js';

const REAL = '../shared/data/nezha-onlineboutique';

describe('readNezhaCorpus on a synthetic Nezha folder', () => {
  const { dir, faultTime } = writeNezhaFixture();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads pod metrics with the Go time column and fault windows of 5 minutes', () => {
    const corpus = readNezhaCorpus(dir);
    expect(corpus.map((s) => s.name)).toEqual(['2022-08-22/cart-y', '2022-08-22/frontend-x']);
    const [cart, fe] = corpus;
    expect(fe.frame.names).toEqual(['CpuUsage(m)', 'MemoryUsage(Mi)', 'PodSuccessRate(%)']);
    expect(fe.frame.times[0]).toBe(Date.UTC(2022, 7, 22, 10, 0, 30, 123));
    // Rows are at hh:mm:30.123; the fault at 12:00:00 covers 12:00:30 … 12:04:30 (rows 120–124).
    expect(fe.events).toEqual([{ start: 120, end: 124, t0: faultTime }]);
    expect(cart.events).toEqual([]);
    expect(readNezhaCorpus(dir, { windowMinutes: 2 })[1].events[0].end).toBe(121);
  });

  it('flags the faulty pod within the window', () => {
    const r = evaluateDetector('zmax', readNezhaCorpus(dir));
    expect(r.summary.eventRecall).toBe(1);
    expect(r.summary.meanDelaySeconds).toBeLessThanOrEqual(5 * 60);
  });

  it('names the file and line of a bad value', () => {
    const text = 'Time,PodName,Cpu\n2022-08-22 03:51:19.607158889 +0000 UTC m=+0.11,p,x1\n';
    expect(() => parseNezhaMetrics(text, 'p_metric.csv')).toThrow('p_metric.csv:2: column "Cpu": "x1" is not a number');
    expect(() => parseNezhaMetrics('Time,Cpu\nyesterday,1\n', 'q.csv')).toThrow(/q\.csv:2: column "Time"/);
  });
});

describe.skipIf(!existsSync(REAL))('Nezha corpus in ../shared/data', () => {
  it('reads faults whose inject_timestamp and inject_time agree, and evaluates three pods', () => {
    const day = '2022-08-22';
    const faults = readNezhaFaults(join(REAL, day, `${day}-fault_list.json`));
    const raw = JSON.parse(readFileSync(join(REAL, day, `${day}-fault_list.json`), 'utf8')) as Record<string, { inject_time: string }[]>;
    expect(faults.length).toBe(Object.values(raw).flat().length);
    expect(new Date(faults[0].time).toISOString().slice(0, 19).replace('T', ' ')).toBe(Object.values(raw).flat().map((f) => f.inject_time).sort()[0]);
    const corpus = readNezhaCorpus(REAL, { limit: 3 });
    expect(corpus.length).toBe(3);
    expect(corpus[0].frame.cols).toBe(19);
    const r = evaluateDetector('zmax', corpus);
    expect(r.summary.events).toBe(corpus.reduce((a, s) => a + s.events.length, 0));
    expect(r.summary.events).toBeGreaterThan(0);
  });
});
if (!existsSync(REAL)) console.warn(`skipping the Nezha corpus test: ${REAL} not found (the labelled corpora live in ../shared/data)`);
