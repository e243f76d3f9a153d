import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.js';
import { manualClock } from '../core/clock.js';
import { NotReadyError } from '../core/errors.js';
import { createRng } from '../core/rng.js';
import { createPodModel } from '../detectors/pod-model.js';
import type { Source } from '../sources/base.js';
import type { PodSample, PodSnapshot } from '../core/samples.js';
import { createTelemetry } from '../telemetry/metrics.js';
import { Engine, type EngineDeps, type EngineOptions, type PodModel } from './engine.js';
import { FEATURE_VERSION, staleFeatures } from './training.js';
import type { FlaggedPod, Notifier } from '../notify/base.js';
import { createDetector } from '../detectors/index.js';
import { POD_FEATURE_MIN_SCALE } from '../features/pod-features.js';
import { silentLogger } from '../core/logger.js';
import type { CycleResult } from '../policy/cycle-result.js';
import { WorkloadBars } from '../policy/workload-bars.js';

const MIN = 60_000;

/** A scripted in-memory source: steady pods, with hooks to make one go away or the source fail. */
class ScriptedSource implements Source {
  readonly name = 'scripted';
  down = false;
  gone = new Set<string>();
  /** CPU multiplier per pod (an incident). */
  boost = new Map<string, number>();
  /** Memory leak per pod: bytes added per minute since `leakFrom`. */
  leak = new Map<string, number>();
  leakFrom = 0;
  /** Start time per pod (default 0: long running). */
  started = new Map<string, number>();
  private rng = createRng(3);
  constructor(readonly pods: string[]) {}
  private snap(t: number): PodSnapshot {
    const pods: PodSample[] = this.pods
      .filter((p) => !this.gone.has(p))
      .map((pod) => ({
        ref: { namespace: 'ns', pod, workload: 'web' },
        cpu: 0.2 * (this.boost.get(pod) ?? 1) * (1 + 0.02 * this.rng.normal()),
        memory: 2e8 * (1 + 0.01 * this.rng.normal()) + Math.max(0, (t - this.leakFrom) / MIN) * (this.leak.get(pod) ?? 0),
        restarts: 0,
        rxBytes: 1e5 * (1 + 0.02 * this.rng.normal()),
        txBytes: 2e5,
        rxPackets: 100,
        rxDropped: 0,
        cpuLimit: 1,
        memoryLimit: 5e8,
        startedAt: this.started.get(pod) ?? 0,
      }));
    return { t, pods };
  }
  async history(start: number, end: number, step: number) {
    if (this.down) throw new Error('connection refused');
    const out: PodSnapshot[] = [];
    for (let t = start; t <= end; t += step) out.push(this.snap(t));
    return out;
  }
  async current(t: number) {
    if (this.down) throw new Error('connection refused');
    return this.snap(t);
  }
  async close() {}
}

function makeEngine(source: Source, createModel?: (seed: number) => PodModel, notifier?: Notifier, extra: Partial<Omit<EngineOptions, 'store'>> = {}, deps: Pick<EngineDeps, 'observers' | 'bars'> = {}) {
  const config = loadConfig({ env: {} });
  const clock = manualClock(Date.UTC(2026, 0, 5, 12));
  const registry = new Registry();
  const telemetry = createTelemetry(registry);
  const engine = new Engine({
    source, clock, telemetry, log: silentLogger,
    createModel: createModel ?? ((seed) => createPodModel(config.iforest, seed)),
    notifier,
    ...deps,
    options: { lookbackMs: 60 * MIN, stepMs: MIN, retrainMs: 60 * MIN, policy: { k: 2 }, seed: 1, store: config.store, ...extra },
  });
  return { engine, clock, registry };
}

describe('Engine', () => {
  it('is not ready before training and says why', async () => {
    const { engine } = makeEngine(new ScriptedSource(['web-a', 'web-b']));
    expect(engine.status().trained).toBe(false);
    expect(() => engine.detect()).toThrow(NotReadyError);
  });

  it('scores every pod each step and removes pods that went away from /metrics', async () => {
    const source = new ScriptedSource(['web-a', 'web-b', 'web-c']);
    const { engine, clock, registry } = makeEngine(source);
    await engine.step();
    expect(engine.detect().map((r) => r.ref.pod).sort()).toEqual(['web-a', 'web-b', 'web-c']);
    expect(await registry.getSingleMetricAsString('anomaly_score')).toContain('pod="web-c"');
    for (const r of engine.detect()) expect(r.threshold).toBeGreaterThan(0);
    expect(await registry.getSingleMetricAsString('anomaly_threshold')).toMatch(/anomaly_threshold\{namespace="ns",pod="web-c",workload="web"\} 0\.\d+/);
    source.gone.add('web-c');
    clock.advance(MIN);
    await engine.step();
    expect(engine.detect().map((r) => r.ref.pod).sort()).toEqual(['web-a', 'web-b']);
    const text = await registry.getSingleMetricAsString('anomaly_score') + (await registry.getSingleMetricAsString('anomaly_flag')) + (await registry.getSingleMetricAsString('anomaly_threshold'));
    expect(text).not.toContain('web-c');
    expect(text).toContain('pod="web-a"');
    const predictions = await registry.getSingleMetricAsString('anomaly_detector_predictions_total');
    expect(predictions).toMatch(/anomaly_detector_predictions_total 5$/m);
  });

  it('hands every cycle\'s result to its observers (the first, undecided pass included); an observer that throws stops nothing', async () => {
    const seen: CycleResult[] = [];
    const source = new ScriptedSource(['web-a', 'web-b']);
    const { engine, clock } = makeEngine(source, undefined, undefined, {}, {
      observers: [{ observe: () => { throw new Error('full disk'); } }, { observe: (r) => seen.push(r) }],
    });
    await engine.step();
    clock.advance(MIN);
    await engine.step();
    expect(seen.map((r) => r.decided)).toEqual([false, true, true]);
    expect(seen[2].pods.map((o) => o.result.threshold).every((t) => t > 0 && t <= 1)).toBe(true);
  });

  it('a workload\'s score floor (false-alarm feedback) mutes an alert at or below it, reports one above it, and lifts the threshold', async () => {
    const run = async (bars?: WorkloadBars, boostLater = 3) => {
      const seen: CycleResult[] = [];
      const source = new ScriptedSource(['web-a', 'web-b', 'web-c']);
      const { engine, clock } = makeEngine(source, (seed) => createDetector('robust-z', { minScale: Array.from(POD_FEATURE_MIN_SCALE) }, seed), undefined, { peerGroup: false }, { bars, observers: [{ observe: (r) => seen.push(r) }] });
      await engine.step();
      source.boost.set('web-b', 3);
      const flags: boolean[] = [];
      for (let i = 0; i < 8; i++) {
        if (i === 4) source.boost.set('web-b', boostLater);
        clock.advance(MIN);
        await engine.step();
        flags.push(engine.detect().find((r) => r.ref.pod === 'web-b')!.flagged);
      }
      const started = seen.flatMap((r) => r.pods.filter((o) => o.started).map(() => r.t));
      const peak = Math.max(...seen.flatMap((r) => r.pods.filter((o) => o.result.ref.pod === 'web-b').map((o) => o.result.score)));
      return { flags, started, threshold: engine.detect()[0].threshold, peak };
    };
    const plain = await run();
    expect(plain.flags.filter(Boolean).length).toBeGreaterThan(0);
    const peak = plain.peak;
    const bars = new WorkloadBars();
    bars.setFloor('ns/web', peak);
    const muted = await run(bars);
    expect(muted.flags.some(Boolean)).toBe(false);
    expect(muted.started).toEqual([]);
    expect(muted.threshold).toBe(peak);
    const above = await run(bars, 30); // from the 5th step on it scores above the floor: reported from there
    expect(above.flags.slice(0, 4).some(Boolean)).toBe(false);
    expect(above.flags.slice(4).some(Boolean)).toBe(true);
    expect(above.started).toHaveLength(1);
  });

  it('keeps running through a source outage, reports it, and recovers by itself', async () => {
    const source = new ScriptedSource(['web-a', 'web-b']);
    const { engine, clock, registry } = makeEngine(source);
    await engine.step();
    source.down = true;
    clock.advance(MIN);
    await expect(engine.step()).rejects.toThrow('connection refused');
    expect(engine.status().sourceUp).toBe(false);
    expect(await registry.getSingleMetricAsString('anomaly_detector_source_up')).toContain('anomaly_detector_source_up{source="scripted"} 0');
    source.down = false;
    clock.advance(MIN);
    await engine.step();
    expect(engine.status().sourceUp).toBe(true);
    expect(engine.detect()).toHaveLength(2);
  });

  it('run() retries after failures until the source answers, then trains', async () => {
    const source = new ScriptedSource(['web-a', 'web-b']);
    source.down = true;
    const { engine } = makeEngine(source);
    const stop = new AbortController();
    const loop = engine.run(stop.signal);
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    expect(engine.status().trained).toBe(false);
    expect(engine.status().lastError).toContain('connection refused');
    source.down = false;
    for (let i = 0; i < 50 && !engine.status().trained; i++) await new Promise((r) => setImmediate(r));
    stop.abort();
    await loop;
    expect(engine.status().trained).toBe(true);
    expect(engine.status().lastError).toBeNull();
  });

  it('runs a streaming detector one model per pod: learns the lookback point by point, keeps learning, flags a jump, and round-trips its models', async () => {
    const source = new ScriptedSource(['web-a', 'web-b', 'web-c']);
    const learned: number[] = [];
    const { engine, clock } = makeEngine(source, (seed) => {
      const d = createDetector('robust-z', { minScale: Array.from(POD_FEATURE_MIN_SCALE) }, seed);
      const learnOne = d.learnOne.bind(d);
      d.learnOne = (x, t) => {
        learned.push(t);
        learnOne(x, t);
      };
      return d;
    });
    await engine.step();
    const afterTraining = learned.length;
    // 61 snapshots of 3 pods, each learned once, by the pod's own model.
    expect(afterTraining).toBeGreaterThanOrEqual(3 * 60);
    expect(afterTraining).toBeLessThanOrEqual(3 * 62);
    clock.advance(MIN);
    await engine.step();
    expect(learned.length - afterTraining).toBe(3); // this step's points, after scoring them
    expect(engine.detect().every((r) => r.score < 0.5)).toBe(true);
    source.boost.set('web-b', 4);
    for (let i = 0; i < 2; i++) {
      clock.advance(MIN);
      await engine.step();
    }
    const b = engine.detect().find((r) => r.ref.pod === 'web-b')!;
    expect(b.score).toBeGreaterThan(0.5);
    expect(b.flagged).toBe(true);
    // The hot pod's points were kept from learning: 2 steps × 2 quiet pods.
    expect(learned.length - afterTraining).toBe(3 + 4);
    const models = engine.exportModels();
    expect(Object.keys(models.pods ?? {}).sort()).toEqual(['ns/web-a', 'ns/web-b', 'ns/web-c']);
    expect(models.pods!['ns/web-a'].kind).toBe('robust-z');
    expect(models.workloads).toEqual({});
    // The file names the version of the features' definitions; an older (or absent) one is stale.
    expect(models.featureVersion).toBe(FEATURE_VERSION);
    expect(staleFeatures(models)).toBeNull();
    expect(staleFeatures({})).toMatch(/trained on pod features of version 1; this kad computes version 2/);
    engine.importModels(JSON.parse(JSON.stringify(models)));
    expect(engine.status()).toMatchObject({ trained: true, models: 3 });
    clock.advance(MIN);
    await engine.step();
    expect(engine.detect().map((r) => r.model)).toEqual(['pod', 'pod', 'pod']);
  });

  it('warms streaming pod models on warmupMs of history before the lookback; a new replica starts from its sibling and is not flagged or taught while it warms up', async () => {
    const source = new ScriptedSource(['web-a', 'web-b', 'web-c']);
    let created = 0;
    const learnedAt = new Map<number, number>();
    const { engine, clock } = makeEngine(source, (seed) => {
      created++;
      const d = createDetector('robust-z', { minScale: Array.from(POD_FEATURE_MIN_SCALE) }, seed);
      const learnOne = d.learnOne.bind(d);
      d.learnOne = (x, t) => {
        learnedAt.set(t, (learnedAt.get(t) ?? 0) + 1);
        learnOne(x, t);
      };
      return d;
    }, undefined, { warmupMs: 6 * 60 * MIN });
    await engine.step();
    const now = clock.now();
    // Every pod learned the 6 hours before the 60-minute window too, each point once.
    expect(Math.min(...learnedAt.keys())).toBeLessThanOrEqual(now - 60 * MIN - 6 * 60 * MIN + MIN);
    expect([...learnedAt.values()].every((n) => n <= 3)).toBe(true);
    const before = created;
    source.pods.push('web-d');
    source.started.set('web-d', now + MIN);
    for (let i = 1; i <= 14; i++) {
      clock.advance(MIN);
      source.boost.set('web-d', i <= 9 ? 5 : 1); // a busy start-up, then like its siblings
      await engine.step();
      const d = engine.detect().find((r) => r.ref.pod === 'web-d')!;
      expect(d.model).toBe('pod');
      expect(d.flagged).toBe(false);
      // While it warms up (its first 10 minutes) nothing of web-d is learned: 3 points a cycle.
      if (i <= 10) expect(learnedAt.get(clock.now()) ?? 0).toBe(3);
    }
    // web-d's model is a copy of a sibling's (no new model was made for it).
    expect(created).toBe(before);
    expect(engine.status().models).toBe(4);
  });

  it('compares replicas: a pod unlike its siblings gets a peer score, which can flag it, with a peer_outlier annotation', async () => {
    const source = new ScriptedSource(['web-a', 'web-b', 'web-c', 'web-d']);
    const flagged: FlaggedPod[][] = [];
    const { engine, clock } = makeEngine(source, undefined, { update: async (_t, f) => void flagged.push([...f]), status: () => ({ sinks: {}, firing: 0 }), close: async () => {} });
    await engine.step();
    expect(engine.detect().every((r) => r.peerScore < 0.5)).toBe(true);
    source.boost.set('web-d', 3);
    for (let i = 0; i < 12; i++) {
      clock.advance(MIN);
      await engine.step();
    }
    const d = engine.detect().find((r) => r.ref.pod === 'web-d')!;
    expect(d.peerScore).toBeGreaterThan(0.5);
    expect(d.score).toBe(Math.max(d.modelScore, d.peerScore));
    expect(engine.detect().filter((r) => r.ref.pod !== 'web-d').every((r) => r.peerScore < 0.5)).toBe(true);
    const last = flagged[flagged.length - 1].find((f) => f.pod === 'web-d')!;
    expect(last.annotations?.peer_outlier).toMatch(/^unlike the other replicas of web in cpu_(per_traffic|above_peers) \(peer score 0\.\d{6}\)$/);
  });

  it('leaves peers out with peerGroup off', async () => {
    const source = new ScriptedSource(['web-a', 'web-b', 'web-c', 'web-d']);
    const { engine, clock } = makeEngine(source, undefined, undefined, { peerGroup: false });
    source.boost.set('web-d', 3);
    for (let i = 0; i < 12; i++) {
      await engine.step();
      clock.advance(MIN);
    }
    expect(engine.detect().every((r) => r.peerScore === 0)).toBe(true);
  });

  it('warns before a leaking pod reaches its memory limit, as a KadResourceExhaustion alert beside the anomaly alerts', async () => {
    const source = new ScriptedSource(['web-a', 'web-b', 'web-c']);
    const flagged: FlaggedPod[][] = [];
    const notifier: Notifier = { update: async (_t, f) => void flagged.push([...f]), status: () => ({ sinks: {}, firing: 0 }), close: async () => {} };
    const { engine, clock, registry } = makeEngine(source, undefined, notifier, { earlyWarning: loadConfig({ env: {} }).earlyWarning });
    await engine.step();
    // From now on web-b leaks 1 MB a minute: from 200 MB to the 500 MB limit in 5 hours.
    source.leakFrom = clock.now();
    source.leak.set('web-b', 1e6);
    let warnedAt = -1;
    for (let i = 1; i <= 240 && warnedAt < 0; i++) {
      clock.advance(MIN);
      await engine.step();
      const w = flagged[flagged.length - 1].find((f) => f.alertname === 'KadResourceExhaustion');
      if (w) {
        warnedAt = i;
        expect(w.pod).toBe('web-b');
        expect(w.labels).toEqual({ resource: 'memory' });
        const tte = Number(w.annotations?.time_to_exhaustion_seconds);
        // At the warning, ~(0.98 × 500 − 200 − i) MB remain at 1 MB a minute.
        const truth = (0.98 * 500 - 200 - i) * 60;
        expect(tte).toBeGreaterThan(0.5 * truth);
        expect(tte).toBeLessThan(1.5 * truth);
      }
    }
    // Warned within the 2-hour horizon, more than an hour before the limit, and nobody else.
    expect(warnedAt).toBeGreaterThan(0);
    expect(290 - warnedAt).toBeGreaterThan(60);
    expect(flagged.flat().filter((f) => f.alertname === 'KadResourceExhaustion' && f.pod !== 'web-b')).toEqual([]);
    const b = engine.detect().find((r) => r.ref.pod === 'web-b')!;
    expect(b.exhaustion?.warnings).toEqual(['memory']);
    const text = await registry.getSingleMetricAsString('anomaly_detector_early_warning');
    expect(text).toContain('anomaly_detector_early_warning{namespace="ns",pod="web-b",workload="web",resource="memory"} 1');
    expect(await registry.getSingleMetricAsString('anomaly_detector_time_to_exhaustion_seconds')).toMatch(/pod="web-b",workload="web",resource="memory"} \d+/);
  });
});
