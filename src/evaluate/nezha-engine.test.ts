import { existsSync, rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.js';
import { createPodModel } from '../detectors/pod-model.js';
import { policyParamsFromConfig } from '../policy/alert-policy.js';
import { evaluateNezhaEngine, formatNezhaEngineReport, replayNezha, scoreRun, type EngineRun, type EngineScore, type ServicePath, type SweepPoint, sweepRecallAtBudget } from './nezha-engine.js';
import type { NezhaFault } from './nezha.js';
import { FIXTURE_PODS, writeNezhaPodsFixture } from './nezha-pods.testkit.js';

const MIN = 60_000;
const REAL = '../shared/data/nezha-onlineboutique';
const config = loadConfig({ env: {} });
/** The service's pod model and settings at the config's defaults (main.ts builds the same for kad serve). */
const SERVICE: ServicePath = {
  createModel: (seed) => createPodModel(config.iforest, seed),
  options: {
    lookbackMs: config.training.lookbackMinutes * MIN, stepMs: config.training.queryStepSeconds * 1000, retrainMs: config.training.retrainMinutes * MIN,
    policy: policyParamsFromConfig(config.policy), seed: config.detector.seed, earlyWarning: config.earlyWarning, store: config.store,
  },
};

describe('Nezha through the service path, on a generated corpus', () => {
  const { dir, faultTimes } = writeNezhaPodsFixture();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = replayNezha(dir, SERVICE);

  it('replays the days as one history: day 1 trains for an hour, day 2 is scored from its first step', () => {
    expect(run.days.map((d) => [d.day, new Date(d.scoredFrom).toISOString(), d.podCycles])).toEqual([
      ['2022-08-22', '2022-08-22T11:01:00.000Z', 4 * 120],
      ['2022-08-23', '2022-08-23T12:01:00.000Z', 4 * 120],
    ]);
    // Every burst after the first training window raises one alert two cycles in (the policy needs 2 hot points), at its recorded time.
    expect(run.alerts.map((a) => [a.day, new Date(a.t).toISOString().slice(11, 16), a.pod, a.alertname])).toEqual([
      ['2022-08-22', '12:03', FIXTURE_PODS.cartA, 'KadPodAnomaly'],
      ['2022-08-23', '12:08', FIXTURE_PODS.frontend, 'KadPodAnomaly'],
      ['2022-08-23', '13:03', FIXTURE_PODS.cartB, 'KadPodAnomaly'],
      ['2022-08-23', '13:33', FIXTURE_PODS.ad, 'KadPodAnomaly'],
    ]);
    expect(run.alerts[0].t - faultTimes[1]).toBeLessThanOrEqual(5 * MIN);
    // Each burst's alert ends once its points are no longer hot.
    for (const a of run.alerts) expect(a.end).toBeGreaterThan(a.t);
  });

  it('scores alerts against the faults: on the injected pod, or on any pod of its service', () => {
    const pod = scoreRun(run);
    expect(pod).toMatchObject({ faults: 5, caught: 2, recall: 0.4, scoredFaults: 4, scoredCaught: 2, alerts: 4, falseAlerts: 2, podDays: 8 * 120 / 1440 });
    expect(pod.falseAlertsPerPodDay).toBeCloseTo(3, 12);
    expect(pod.byType).toEqual({ cpu_consumed: { faults: 2, caught: 1 }, cpu_contention: { faults: 2, caught: 1 }, exception: { faults: 1, caught: 0 } });
    // The day-2 burst on the other cart replica catches the cart fault and is no longer false.
    expect(scoreRun(run, { match: 'service' })).toMatchObject({ caught: 3, falseAlerts: 1 });
    // An alert 3 minutes after injection is outside a 2-minute window.
    expect(scoreRun(run, { windowMinutes: 2 })).toMatchObject({ caught: 0, falseAlerts: 4 });
    expect(scoreRun(run, { alertnames: ['KadResourceExhaustion'] })).toMatchObject({ caught: 0, alerts: 0 });
  });

  it('reports the service\'s figures and a sweep, and recall at each false-alert budget', () => {
    const r = evaluateNezhaEngine(dir, SERVICE, { sweep: [{ enter: 0.999 }] });
    expect(r.pod.caught).toBe(2);
    expect(r.sweep).toHaveLength(1);
    expect(r.sweep[0].score.alerts).toBeLessThan(r.pod.alerts);
    // 3 false alerts per pod-day at the service's settings: under budget from 5 on.
    expect(r.atBudget.map((b) => b.recall)).toEqual([r.sweep[0].score.recall, r.sweep[0].score.recall, 0.4, 0.4]);
    const text = formatNezhaEngineReport(r);
    expect(text).toContain('service defaults, on the injected pod');
    expect(text).toMatch(/recall within 5 min at ≤ 1 \/ 2 \/ 5 \/ 10 false alerts per pod-day: /);
    expect(text).toContain('2022-08-23: 2 faults, scored from 2022-08-23T12:01:00.000Z');
    expect(text).toContain(`missed (on the pod, scored): ${r.pod.scoredFaults - r.pod.scoredCaught}, of them ${r.pod.maskedFaults} while an alert`);
    expect(r.pod.outcomes).toHaveLength(r.pod.faults);
  });
});

describe('scoreRun: each fault\'s outcome', () => {
  const T = Date.UTC(2022, 7, 22, 12);
  const fault = (min: number, pod: string, type: string): NezhaFault => ({ time: T + min * MIN, pod, type });
  // One alert on cart from minute 1 to 20 (before the second fault and over it), one on ad at minute 32.
  const run: EngineRun = {
    days: [{ day: '2022-08-22', faults: [fault(-30, 'cart-1', 'cpu_contention'), fault(2, 'cart-1', 'cpu_contention'), fault(10, 'cart-1', 'exception'), fault(30, 'ad-1', 'return'), fault(40, 'ad-1', 'exception')], scoredFrom: T - 10 * MIN, podCycles: 1440 }],
    alerts: [
      { day: '2022-08-22', t: T + 4 * MIN, pod: 'cart-1', alertname: 'KadPodAnomaly', end: T + 20 * MIN },
      { day: '2022-08-22', t: T + 32 * MIN, pod: 'ad-1', alertname: 'KadPodAnomaly', end: T + 35 * MIN },
    ],
    stepMs: MIN, wallMs: 0,
  };

  it('says when each was caught, and which were missed under an alert that was already firing', () => {
    const s = scoreRun(run);
    expect(s.outcomes.map((o) => [o.type, o.scored, o.caughtAfterSeconds, o.masked])).toEqual([
      ['cpu_contention', false, null, false], // before scoring started
      ['cpu_contention', true, 120, false],
      ['exception', true, null, true], // cart's alert from minute 4 still fires at minute 10
      ['return', true, 120, false],
      ['exception', true, null, false], // ad's alert ended at minute 35
    ]);
    expect(s.maskedFaults).toBe(1);
    expect(s.outcomes[1].time).toBe('2022-08-22T12:02:00.000Z');
  });

  it('counts a fault as masked by an alert that started the day before and still fires', () => {
    const day2: EngineRun = {
      ...run,
      days: [...run.days, { day: '2022-08-23', faults: [fault(24 * 60 + 5, 'ad-1', 'cpu_contention')], scoredFrom: T + 24 * 60 * MIN, podCycles: 1440 }],
      alerts: [...run.alerts, { day: '2022-08-22', t: T + 23 * 60 * MIN, pod: 'ad-1', alertname: 'KadPodAnomaly', end: T + (24 * 60 + 30) * MIN }],
    };
    const s = scoreRun(day2);
    expect(s.outcomes.at(-1)).toMatchObject({ day: '2022-08-23', caughtAfterSeconds: null, masked: true });
    expect(s.maskedFaults).toBe(2);
  });
});

describe('sweepRecallAtBudget', () => {
  const point = (recall: number, fa: number): SweepPoint => ({ policy: {}, wallMs: 0, score: { recall, falseAlertsPerPodDay: fa } as EngineScore });
  it('is the best recall within the budget, 0 when no setting is that quiet', () => {
    const pts = [point(0.2, 0.5), point(0.5, 3), point(0.4, 1.5), point(0.7, 12)];
    expect([0.1, 1, 2, 5, 10, 20].map((b) => sweepRecallAtBudget(pts, b))).toEqual([0, 0.2, 0.4, 0.5, 0.5, 0.7]);
  });
});

describe('Nezha OnlineBoutique (real data) through the service path', () => {
  it.skipIf(!existsSync(REAL))('replays both days and scores every fault (skipped without ../shared/data/nezha-onlineboutique)', () => {
    const run = replayNezha(REAL, SERVICE);
    const s = scoreRun(run);
    expect(run.days.map((d) => d.day)).toEqual(['2022-08-22', '2022-08-23']);
    expect(s.faults).toBe(56);
    // Day 1's first hour is the first training window: the faults in it are not scored.
    expect(s.scoredFaults).toBe(49);
    expect(s.podDays).toBeGreaterThan(12);
    expect(s.recall).toBeGreaterThan(0);
    // With the mesh: the pods' mesh fields from the mesh files, and the call graph from dependency.csv.
    const mesh = scoreRun(replayNezha(REAL, { ...SERVICE, mesh: true }));
    expect(mesh.faults).toBe(56);
    expect(mesh.byType.network_delay.caught).toBeGreaterThan(0);
  }, 120_000);
});
if (!existsSync(REAL)) console.warn(`skipping the Nezha service-path test on real data: ${REAL} not found (the labelled corpora live in ../shared/data)`);
