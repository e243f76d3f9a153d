import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.js';
import { manualClock } from '../core/clock.js';
import { InputError } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import { createRng, hash32 } from '../core/rng.js';
import type { PodSample, PodSnapshot } from '../core/samples.js';
import { createPodModel } from '../detectors/pod-model.js';
import type { FlaggedPod, Notifier } from '../notify/base.js';
import { flaggedPods } from '../notify/cycle-alerts.js';
import type { CycleResult } from '../policy/cycle-result.js';
import type { Source } from '../sources/base.js';
import { SeriesStore, seriesStoreOptions } from '../store/series-store.js';
import { createTelemetry } from '../telemetry/metrics.js';
import { Engine } from './engine.js';
import { Replay, type ReplayOptions } from './replay.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 5, 12);
const PODS = ['web-a', 'web-b', 'web-c', 'web-d'];
/** web-c runs hot (4× CPU, dropping packets) from here on. */
const INCIDENT_AT = T0 + 90 * MIN;

/** A recorded snapshot: the same data for the same time, whoever asks. */
function recorded(t: number): PodSnapshot {
  const pods: PodSample[] = PODS.map((pod, i) => {
    const rng = createRng(hash32(t / MIN, i));
    const hot = pod === 'web-c' && t >= INCIDENT_AT;
    return {
      ref: { namespace: 'ns', pod, workload: 'web' },
      cpu: 0.2 * (hot ? 4 : 1) * (1 + 0.02 * rng.normal()),
      memory: 2e8 * (1 + 0.01 * rng.normal()),
      restarts: 0,
      rxBytes: 1e5 * (1 + 0.02 * rng.normal()),
      txBytes: 2e5,
      rxPackets: 100,
      rxDropped: hot ? 20 : 0,
      cpuLimit: 1,
      memoryLimit: 5e8,
      startedAt: 0,
    };
  });
  return { t, pods };
}

const config = loadConfig({ env: {} });
const createModel = (seed: number) => createPodModel(config.iforest, seed);
const OPTIONS: ReplayOptions = {
  lookbackMs: 60 * MIN, stepMs: MIN, retrainMs: 30 * MIN, policy: { k: 2 }, seed: 1, earlyWarning: config.earlyWarning, store: config.store,
};

/** What a cycle's result says, per pod: score, flag, and the alerts it raises. */
function summary(r: CycleResult) {
  return { t: r.t, pods: r.pods.map((o) => [o.result.ref.pod, o.result.score, o.result.flagged]), alerts: flaggedPods(r) };
}

describe('Replay', () => {
  it('runs the scoring cycle on recorded snapshots with no server, source or clock, and flags a planted anomaly', () => {
    const replay = new Replay(OPTIONS, createModel);
    const results: CycleResult[] = [];
    for (let t = T0; t <= T0 + 120 * MIN; t += MIN) {
      const r = replay.push(recorded(t));
      if (t < T0 + 60 * MIN) expect(r).toBeNull(); // history: the first lookback only trains
      else results.push(r!);
    }
    expect(results).toHaveLength(61);
    const flags = results.flatMap((r) => r.pods.filter((o) => o.result.flagged).map((o) => ({ pod: o.result.ref.pod, t: r.t })));
    expect(flags.length).toBeGreaterThan(0);
    expect(new Set(flags.map((f) => f.pod))).toEqual(new Set(['web-c']));
    // Flagged within a few cycles of the incident's start (the policy needs k = 2 hot points).
    expect(Math.min(...flags.map((f) => f.t)) - INCIDENT_AT).toBeLessThanOrEqual(5 * MIN);
    const first = results.find((r) => r.pods.some((o) => o.anomaly))!;
    const [alert] = flaggedPods(first);
    expect(alert).toMatchObject({ pod: 'web-c', workload: 'web', modelVersion: first.modelVersion });
    expect(alert.topFeatures.length).toBeGreaterThan(0);
    // Retrained every 30 minutes of snapshot time, after the first training at T0 + 60 min.
    expect(replay.cycle.models!.trainedAt).toBe(T0 + 120 * MIN);
  });

  it('keeps the snapshots in its series store, which holds the lookback window it trains on, and refuses one out of order', () => {
    const store = new SeriesStore({ ...seriesStoreOptions(config.store, MIN, false), recentCycles: 10 });
    const replay = new Replay(OPTIONS, createModel, store);
    for (let t = T0; t <= T0 + 60 * MIN; t += MIN) replay.push(recorded(t));
    expect(replay.cycle.models!.rows).toBe(61 * PODS.length);
    expect(store.cycleTimes(T0 + 0.5 * MIN)).toEqual(Array.from({ length: 60 }, (_, i) => T0 + (i + 1) * MIN));
    expect(store.snapshots([T0 + 60 * MIN], 'arrival')[0].pods.map((p) => p.ref.pod)).toEqual(PODS);
    expect(() => replay.push(recorded(T0 + 60 * MIN))).toThrow(InputError);
  });

  it('trains on the mesh fields of the snapshots pushed, which its store keeps', () => {
    const meshed = (t: number): PodSnapshot => {
      const s = recorded(t);
      return { t, pods: s.pods.map((p, i) => ({ ...p, requestRate: 10 + i, errorRatio: NaN, latencyMs: 5, latencyP99Ms: 20 })) };
    };
    const replay = new Replay(OPTIONS, createModel);
    for (let t = T0; t <= T0 + 60 * MIN; t += MIN) replay.push(meshed(t));
    expect(replay.cycle.featureNames).toContain('mesh_request_rate');
    const [back] = replay.store.snapshots([T0 + 30 * MIN], 'arrival');
    expect(back.pods.map((p) => [p.requestRate, p.errorRatio, p.latencyMs, p.latencyP99Ms])).toEqual(PODS.map((_, i) => [10 + i, NaN, 5, 20]));
  });

  it('gives what the engine gives on the same data, cycle by cycle', async () => {
    const source: Source = {
      name: 'recorded',
      history: async (start, end, step) => {
        const out: PodSnapshot[] = [];
        for (let t = start; t <= end; t += step) out.push(recorded(t));
        return out;
      },
      current: async (t) => recorded(t),
      close: async () => {},
    };
    const clock = manualClock(T0 + 60 * MIN);
    const alerts: FlaggedPod[][] = [];
    const notifier: Notifier = { update: async (_t, f) => void alerts.push([...f]), status: () => ({ sinks: {}, firing: 0 }), close: async () => {} };
    const engine = new Engine({ source, clock, telemetry: createTelemetry(new Registry()), log: silentLogger, createModel, notifier, options: OPTIONS });
    const seen: CycleResult[] = [];
    const replay = new Replay(OPTIONS, createModel);
    for (let t = T0; t < T0 + 60 * MIN; t += MIN) replay.push(recorded(t));
    for (let t = T0 + 60 * MIN; t <= T0 + 110 * MIN; t += MIN) {
      clock.set(t);
      await engine.step();
      seen.push(replay.push(recorded(t))!);
      const live = engine.detect().map((r) => [r.ref.pod, r.score, r.flagged]);
      const last = seen[seen.length - 1];
      expect(live.sort()).toEqual(summary(last).pods.sort());
      expect(alerts[alerts.length - 1]).toEqual(summary(last).alerts);
    }
    expect(alerts.some((a) => a.some((f) => f.pod === 'web-c'))).toBe(true);
  });
});
