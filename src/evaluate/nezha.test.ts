import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeNezhaFixture } from './fixtures.testkit.js';
import { parseNezhaMetrics } from '../sources/replay.js';
import { readNezhaCorpus, readNezhaFaults } from './nezha.js';
import { evaluateDetector, runSeries } from './runner.js';

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

/**
 * Two days of a two-service mesh: pods `frontend-579b9bff58-t2dbm` and `cartservice-579f59597d-<x>`
 * (the cart pod is replaced on day 2), 240 rows a day at hh:mm:19.8, the mesh files at hh:mm:20.0. On
 * day 2 at 12:00 a network delay on the cart pod: calls into it (caller side) go from ~5 ms to ~200 ms
 * for 4 minutes while the pod's own metrics do not move.
 */
function writeMeshFixture(): { dir: string; delayAt: number } {
  const dir = mkdtempSync(join(tmpdir(), 'kad-nezha-mesh-'));
  const days = [{ day: '2022-08-22', cart: 'cartservice-579f59597d-wc2lz' }, { day: '2022-08-23', cart: 'cartservice-579f59597d-aaaaa' }];
  const delayAt = Date.UTC(2022, 7, 23, 12, 0, 0);
  const go = (t: number): string => `${new Date(t).toISOString().slice(0, 23).replace('T', ' ')}158889 +0000 UTC m=+1.0`;
  days.forEach(({ day, cart }, d) => {
    const m = join(dir, day, 'metric');
    mkdirSync(m, { recursive: true });
    const t0 = Date.UTC(2022, 7, 22 + d, 10, 0, 19, 800);
    const pods = ['Time,TimeStamp,PodName,CpuUsage(m),PodClientLatencyP90(s),NodeCpuUsageRate(%)'];
    const podLines = new Map<string, string[]>([['frontend-579b9bff58-t2dbm', [...pods]], [cart, [...pods]]]);
    const src = ['time,timestamp,frontend_cartservice'];
    const front = ['Time,TimeStamp,ServiceName,SuccessRate(%),LatencyP50(s)'];
    for (let i = 0; i < 240; i++) {
      const t = t0 + i * 60_000;
      const wiggle = 0.2 * Math.sin(i * 1.7);
      for (const [pod, lines] of podLines) lines.push(`${go(t)},0,${pod},${(5 + wiggle).toFixed(3)},${(0.05 + wiggle / 100).toFixed(4)},${(30 + wiggle).toFixed(2)}`);
      const delayed = t + 200 >= delayAt && t + 200 < delayAt + 4 * 60_000;
      src.push(`${go(t + 200)},0,${delayed ? 0.2 : (0.005 + wiggle / 100).toFixed(4)}`);
      front.push(`${go(t - 200)},0,Frontend,100,${(0.2 + wiggle / 10).toFixed(3)}`);
    }
    for (const [pod, lines] of podLines) writeFileSync(join(m, `${pod}_metric.csv`), lines.join('\n') + '\n');
    writeFileSync(join(m, 'source_50.csv'), src.join('\n') + '\n');
    writeFileSync(join(m, 'destination_50.csv'), src.join('\n').replace(/,0\.2$/gm, ',0.005') + '\n');
    writeFileSync(join(m, 'front_service.csv'), front.join('\n') + '\n');
    const faults = d === 1 ? { '12': [{ inject_time: '2022-08-23 12:00:00', inject_timestamp: String(delayAt / 1000), inject_pod: cart, inject_type: 'network_delay' }] } : {};
    writeFileSync(join(dir, day, `${day}-fault_list.json`), JSON.stringify(faults));
  });
  return { dir, delayAt };
}

describe('readNezhaCorpus with the service-mesh files', () => {
  const { dir } = writeMeshFixture();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('adds the mesh columns of each pod\'s service and drops the neighbour columns by default', () => {
    const corpus = readNezhaCorpus(dir);
    const cart = corpus.find((s) => s.name === '2022-08-23/cartservice-579f59597d-aaaaa');
    const fe = corpus.find((s) => s.name === '2022-08-23/frontend-579b9bff58-t2dbm');
    expect(cart?.frame.names).toEqual(['CpuUsage(m)', 'in:frontend_cartservice:src', 'in:frontend_cartservice:dst']);
    expect(fe?.frame.names).toEqual(['CpuUsage(m)', 'out:MissingCalls', 'front:ErrorRate(%)', 'front:LatencyP50(s)']);
    // Row 120 is 12:00:19.8; the mesh row of that minute is at 12:00:20.0 and holds the delay.
    expect(cart?.frame.data[120 * 3 + 1]).toBe(0.2);
    expect(cart?.events).toEqual([{ start: 120, end: 124, t0: Date.UTC(2022, 7, 23, 12) }]);
    expect(cart?.train).toBeUndefined();
  });

  it('reads the pod metrics alone with nezhaEdges: false, and chosen columns with a set', () => {
    expect(readNezhaCorpus(dir, { nezhaEdges: false })[0].frame.names).toEqual(['CpuUsage(m)', 'PodClientLatencyP90(s)', 'NodeCpuUsageRate(%)']);
    // As a cluster without a mesh has them (the leave-one-corpus-out pod fold): no mesh or node column.
    const bare = readNezhaCorpus(dir, { nezhaEdges: false, withoutMesh: true })[0].frame;
    expect(bare.names).toEqual(['CpuUsage(m)']);
    expect(bare.rows).toBe(readNezhaCorpus(dir, { nezhaEdges: false })[0].frame.rows);
    const some = readNezhaCorpus(dir, { nezhaEdges: { inDestination: false, neighbourColumns: true }, only: ['2022-08-22/cartservice-579f59597d-wc2lz'] });
    expect(some[0].frame.names).toEqual(['CpuUsage(m)', 'PodClientLatencyP90(s)', 'NodeCpuUsageRate(%)', 'in:frontend_cartservice:src']);
  });

  it('gives day 2 the previous day\'s rows of the same pod, or of the one pod of the same service', () => {
    const corpus = readNezhaCorpus(dir, { trainOnPreviousDay: true });
    const [cart1, fe1, cart2, fe2] = corpus;
    expect(cart1.train).toBeUndefined();
    expect(fe1.train).toBeUndefined();
    expect(fe2.train?.rows).toBe(240);
    expect(fe2.train?.names).toEqual(fe2.frame.names);
    expect(fe2.train?.times[0]).toBe(fe1.frame.times[0]);
    expect(cart2.train?.data).toEqual(cart1.frame.data); // the replaced cart pod learns from its predecessor
  });

  it('lets a detector see a network delay that the pod metrics do not show', () => {
    const only = ['2022-08-23/cartservice-579f59597d-aaaaa'];
    const withMesh = evaluateDetector('onset', readNezhaCorpus(dir, { only, trainOnPreviousDay: true }));
    const podOnly = evaluateDetector('onset', readNezhaCorpus(dir, { only, trainOnPreviousDay: true, nezhaEdges: false }));
    expect(withMesh.summary.eventsDetected).toBe(1);
    expect(podOnly.summary.eventsDetected).toBe(0);
    const run = runSeries('onset', readNezhaCorpus(dir, { only })[0]);
    expect(run.flags.subarray(0, 20).every((f) => f === 0)).toBe(true); // no training rows: quiet until it has history
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
    expect(readNezhaCorpus(REAL, { limit: 1, nezhaEdges: false })[0].frame.cols).toBe(19);
    // adservice: 19 pod columns less 3 node and 3 client-latency ones, plus the caller and callee side of frontend → adservice.
    expect(corpus[0].frame.names.slice(13)).toEqual(['in:frontend_adservice:src', 'in:frontend_adservice:dst']);
    const edge = corpus[0].frame.data.filter((_, k) => k % 15 === 13);
    expect(edge.filter((v) => v > 0).length).toBeGreaterThan(0.99 * corpus[0].frame.rows); // matched by minute: (nearly) every row has its value
    const r = evaluateDetector('zmax', corpus);
    expect(r.summary.events).toBe(corpus.reduce((a, s) => a + s.events.length, 0));
    expect(r.summary.events).toBeGreaterThan(0);
  });
});
if (!existsSync(REAL)) console.warn(`skipping the Nezha corpus test: ${REAL} not found (the labelled corpora live in ../shared/data)`);
