/**
 * End to end on the simulated cluster at an accelerated (manual) clock, with the service's pod model: warm on a day and train on an hour of
 * history, then score every step through a day's traffic peak, a rollout and one incident of each
 * abrupt kind. Every incident's pod must be flagged within two scoring intervals of its start, and
 * nothing of the benign peak or rollout may be flagged.
 */
import { Registry } from 'prom-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { manualClock } from '../src/core/clock.js';
import { Engine } from '../src/engine/engine.js';
import { podModelFactory } from '../src/main.js';
import { policyParamsFromConfig } from '../src/policy/alert-policy.js';
import { SimulatedCluster } from '../src/simulator/cluster.js';
import { incidentTour } from '../src/simulator/scenarios.js';
import type { Incident } from '../src/simulator/types.js';
import { SimulatorSource } from '../src/sources/simulator.js';
import { createTelemetry } from '../src/telemetry/metrics.js';
import { silentLogger } from '../src/core/logger.js';

const MIN = 60_000;
const STEP = 60_000; // QUERY_STEP_SECONDS default
const T0 = Date.UTC(2026, 10, 17, 9, 0, 0); // a Tuesday, 09:00 UTC: the daily peak (~15:00) is ahead
const TRAIN_AT = T0 + 70 * MIN;
const END = T0 + 9 * 60 * MIN;

const events = incidentTour(TRAIN_AT);

interface Flag { pod: string; namespace: string; t: number }

describe.each([7, 2, 23])('kad on the simulated cluster (accelerated clock), seed %i', (simSeed) => {
  const flags: Flag[] = [];
  let truth: Incident[] = [];
  let podsSeen = 0;

  beforeAll(async () => {
    const config = loadConfig({ env: {} });
    const clock = manualClock(TRAIN_AT);
    // The service's defaults: its pod model (adaptive, one per pod) warms on a day of history before the training window.
    const warmupMs = config.training.warmupMinutes * MIN;
    const cluster = new SimulatedCluster({ seed: simSeed, start: Math.min(T0, TRAIN_AT - 60 * MIN - warmupMs), scenario: { random: false, events } });
    const engine = new Engine({
      source: new SimulatorSource(cluster),
      clock,
      telemetry: createTelemetry(new Registry()),
      log: silentLogger,
      createModel: podModelFactory(config),
      options: {
        lookbackMs: 60 * MIN, warmupMs, stepMs: STEP, retrainMs: config.training.retrainMinutes * MIN, policy: policyParamsFromConfig(config.policy), seed: 42, store: config.store,
        targetFalseAlarmRate: config.policy.targetFalseAlarmRate,
      },
    });
    for (let t = TRAIN_AT; t <= END; t += STEP) {
      clock.set(t);
      await engine.step();
      const pods = engine.detect();
      podsSeen = Math.max(podsSeen, pods.length);
      for (const r of pods) if (r.flagged) flags.push({ pod: r.ref.pod, namespace: r.ref.namespace, t });
    }
    truth = cluster.incidents();
  });

  it('scores at least 20 pods', () => {
    expect(podsSeen).toBeGreaterThanOrEqual(20);
  });

  for (const kind of ['cpu_runaway', 'crash_loop', 'packet_loss', 'noisy_neighbour', 'oom_kill'] as const) {
    it(`flags the pod of ${kind} within two scoring intervals of its start`, () => {
      const incidents = truth.filter((i) => i.kind === kind);
      expect(incidents.length).toBeGreaterThan(0);
      for (const inc of incidents) {
        const hit = flags.find((f) => f.pod === inc.pod && f.t >= inc.start && f.t <= inc.start + 2 * STEP);
        const first = flags.find((f) => f.pod === inc.pod && f.t >= inc.start);
        expect(hit, `${kind} on ${inc.pod} at ${new Date(inc.start).toISOString()}: first flag ${first ? new Date(first.t).toISOString() : 'never'}`).toBeDefined();
      }
    });
  }

  it('does not flag the rollout', () => {
    const rollouts = truth.filter((i) => i.kind === 'rollout');
    expect(rollouts.length).toBeGreaterThan(0);
    for (const r of rollouts) {
      const during = flags.filter((f) => f.namespace === r.namespace && f.pod.startsWith(`${r.workload}-`) && f.t >= r.start && f.t <= r.end + 10 * MIN);
      expect(during, `flags during rollout of ${r.workload}`).toEqual([]);
    }
  });

  it('does not flag the daily traffic peak', () => {
    const peaks = truth.filter((i) => i.kind === 'traffic_peak' && i.start < END && i.end > TRAIN_AT);
    expect(peaks.length).toBeGreaterThan(0);
    const faulty = new Set(truth.filter((i) => !i.benign).flatMap((i) => [i.pod, ...(i.affected ?? [])]));
    for (const p of peaks) {
      const during = flags.filter((f) => f.t >= p.start && f.t <= p.end && (!p.namespace || f.namespace === p.namespace) && !faulty.has(f.pod));
      expect(during, `flags during the ${p.namespace} peak`).toEqual([]);
    }
  });

  it('raises few false flags overall (pods with no incident)', () => {
    const involved = new Set(truth.filter((i) => !i.benign).flatMap((i) => [i.pod, ...(i.affected ?? [])]));
    const stray = flags.filter((f) => !involved.has(f.pod));
    // 20+ pods × ~470 cycles: allow at most a handful of stray flagged cycles.
    expect(stray.length, JSON.stringify(stray.slice(0, 5))).toBeLessThanOrEqual(5);
  });
});
