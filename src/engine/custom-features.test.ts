import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.js';
import { manualClock } from '../core/clock.js';
import { ModelFormatError } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import { createRng } from '../core/rng.js';
import type { PodSample, PodSnapshot } from '../core/samples.js';
import { column, type Frame } from '../core/frame.js';
import type { DetectorSnapshot } from '../core/snapshot.js';
import type { Detector } from '../detectors/base.js';
import { createDetector } from '../detectors/index.js';
import { MESH_FEATURES, POD_FEATURES, podFeatureMinScale } from '../features/pod-features.js';
import type { Source } from '../sources/base.js';
import { createTelemetry } from '../telemetry/metrics.js';
import { Engine, type EngineOptions, type PodModel } from './engine.js';
import { fromModelFile } from './training.js';

const MIN = 60_000;
const QUEUE = { name: 'queue_depth', scaleFloor: 1 };

/** Two workloads of three pods whose samples carry a custom `queue_depth` (about 10); `backlog` is added to pod a-0's. */
class QueueSource implements Source {
  readonly name = 'queue-scripted';
  backlog = 0;
  /** A queue value pod a-0 has in the live cycles (not in the history) while set. */
  live: number | undefined;
  /** Pod a-1 has no queue value (a pod the custom query does not answer for). */
  private rng = createRng(3);
  private snap(t: number): PodSnapshot {
    const pods: PodSample[] = [];
    for (const w of ['a', 'b']) {
      for (let i = 0; i < 3; i++) {
        const n = (sd: number) => 1 + sd * this.rng.normal();
        const p: PodSample = {
          ref: { namespace: 'ns', pod: `${w}-${i}`, workload: w }, cpu: 0.2 * n(0.02), memory: 2e8 * n(0.01), restarts: 0,
          rxBytes: 1e5 * n(0.02), txBytes: 2e5, rxPackets: 100, rxDropped: 0, cpuLimit: 1, memoryLimit: 5e8, startedAt: 0,
        };
        if (!(w === 'a' && i === 1)) p.custom = { queue_depth: 10 * n(0.05) + (w === 'a' && i === 0 ? this.backlog : 0) };
        pods.push(p);
      }
    }
    return { t, pods };
  }
  async history(start: number, end: number, step: number) {
    const out: PodSnapshot[] = [];
    for (let t = start; t <= end; t += step) out.push(this.snap(t));
    return out;
  }
  async current(t: number) {
    const s = this.snap(t);
    if (this.live !== undefined) s.pods[0].custom = { queue_depth: this.live };
    return s;
  }
  async close() {}
}

/** A streaming pod model that scores 0 and keeps every vector it is asked to score. */
class Recorder implements Detector {
  readonly kind = 'recorder';
  readonly threshold = 0.5;
  readonly seen: number[][] = [];
  learnOne(): void {}
  scoreOne(x: Float64Array): number {
    this.seen.push(Array.from(x));
    return 0;
  }
  toJSON(): DetectorSnapshot {
    return { kind: 'zmax', formatVersion: 1, params: {}, state: {} } as unknown as DetectorSnapshot;
  }
}

function makeEngine(source: Source, createModel: (seed: number) => PodModel, extra: Partial<Omit<EngineOptions, 'store'>> = {}) {
  const config = loadConfig({ env: {} });
  const clock = manualClock(Date.UTC(2026, 0, 5, 12));
  const engine = new Engine({
    source, clock, telemetry: createTelemetry(new Registry()), log: silentLogger, createModel,
    options: { lookbackMs: 60 * MIN, stepMs: MIN, retrainMs: 0, policy: { k: 2 }, seed: 1, store: config.store, ...extra },
  });
  return { engine, clock };
}

const robustZ = (floors: number[]) => (seed: number) => createDetector('robust-z', { minScale: Array.from(podFeatureMinScale(floors)) }, seed);

describe('Engine with a custom series', () => {
  it('gives the pod model each pod\'s custom value after its own features, NaN where the pod has none', async () => {
    const models: Recorder[] = [];
    const { engine, clock } = makeEngine(new QueueSource(), () => {
      const r = new Recorder();
      models.push(r);
      return r as unknown as PodModel;
    }, { customFeatures: [QUEUE], peerGroup: false });
    await engine.step();
    const j = POD_FEATURES.length;
    const a0 = engine.detect().find((r) => r.ref.pod === 'a-0')!;
    expect(Object.keys(a0.features)).toEqual([...POD_FEATURES, 'queue_depth']);
    expect(a0.features.queue_depth).toBeGreaterThan(7);
    expect(engine.detect().find((r) => r.ref.pod === 'a-1')!.features.queue_depth).toBeNaN();
    clock.advance(MIN);
    await engine.step();
    // The detector's input: the same value, at the custom feature's place.
    const last = models.flatMap((m) => m.seen).filter((x) => x.length === j + 1);
    expect(last.length).toBeGreaterThan(0);
    const now = engine.detect().find((r) => r.ref.pod === 'a-0')!;
    expect(last.some((x) => x[j] === now.features.queue_depth)).toBe(true);
  });

  it('flags the pod whose custom series moves while its own metrics stay put, and saves the feature in the model', async () => {
    const source = new QueueSource();
    const { engine, clock } = makeEngine(source, robustZ([QUEUE.scaleFloor]), { customFeatures: [QUEUE] });
    await engine.step();
    expect(engine.exportModels().features).toEqual([...POD_FEATURES, 'queue_depth']);
    source.backlog = 200;
    for (let i = 0; i < 3; i++) {
      clock.advance(MIN);
      await engine.step();
    }
    expect(engine.detect().filter((r) => r.flagged).map((r) => r.ref.pod)).toEqual(['a-0']);
  });

  it('retrains on the store\'s cycles with their custom values, a live one between the history\'s steps included', async () => {
    const source = new QueueSource();
    const fits: Frame[] = [];
    const batch = (): PodModel => ({
      kind: 'batch-recorder', threshold: 0.5, learnOne() {}, scoreOne: () => 0, score: (f: Frame) => new Float64Array(f.rows), fit: (f: Frame) => void fits.push(f),
      toJSON: () => ({ kind: 'zmax', formatVersion: 1, params: {}, state: {} }) as unknown as DetectorSnapshot,
    }) as unknown as PodModel;
    const { engine, clock } = makeEngine(source, batch, { customFeatures: [QUEUE], retrainMs: 3 * MIN, peerGroup: false });
    await engine.step();
    clock.advance(MIN / 2); // off the history's one-minute steps
    source.live = 777;
    await engine.step();
    source.live = undefined;
    clock.advance(MIN / 2);
    for (let i = 0; i < 2; i++) {
      await engine.step();
      clock.advance(MIN);
    }
    const before = fits.length;
    await engine.step(); // the retrain
    const retrained = fits.slice(before);
    expect(retrained.length).toBeGreaterThan(0);
    const queue = POD_FEATURES.length;
    expect(retrained.some((f) => column(f, queue).includes(777))).toBe(true);
  });

  it('refuses a model trained without the config\'s custom feature, or with one the config lacks, naming it', async () => {
    const plain = makeEngine(new QueueSource(), robustZ([]));
    await plain.engine.step();
    const withoutQueue = plain.engine.exportModels();
    const custom = makeEngine(new QueueSource(), robustZ([1]), { customFeatures: [QUEUE] });
    await custom.engine.step();
    const withQueue = custom.engine.exportModels();

    const fresh = () => makeEngine(new QueueSource(), robustZ([1]), { customFeatures: [QUEUE] }).engine;
    expect(() => fresh().importModels(withoutQueue)).toThrow(ModelFormatError);
    expect(() => fresh().importModels(withoutQueue)).toThrow('models were trained without custom feature queue_depth, which the config adds (features.custom): retrain with `kad train`, or remove it from the config');
    // Once trained, too.
    expect(() => custom.engine.importModels(withoutQueue)).toThrow(/without custom feature queue_depth/);
    expect(() => makeEngine(new QueueSource(), robustZ([])).engine.importModels(withQueue))
      .toThrow('models were trained with custom feature queue_depth, which this config does not define (features.custom): retrain with `kad train`, or add it to the config');
    // Another custom feature in its place is named as well.
    expect(() => makeEngine(new QueueSource(), robustZ([1]), { customFeatures: [{ name: 'lag', scaleFloor: 1 }] }).engine.importModels(withQueue)).toThrow(/custom feature queue_depth/);
    // The same custom features load, and score with them.
    const same = makeEngine(new QueueSource(), robustZ([1]), { customFeatures: [QUEUE] });
    same.engine.importModels(JSON.parse(JSON.stringify(withQueue)));
    same.clock.advance(MIN);
    await same.engine.step();
    expect(Object.keys(same.engine.detect()[0].features)).toContain('queue_depth');
  });

  it('reads a model file\'s custom features between the pod\'s own and the mesh\'s, and refuses a name no kad computes', () => {
    const file = (features: string[]) => ({ kind: 'kad-pod-models', formatVersion: 1, version: 'v', trainedAt: 0, features, trainingRows: 0, cluster: createDetector('robust-z', {}, 1).toJSON(), workloads: {} }) as never;
    expect(fromModelFile(file([...POD_FEATURES, 'queue_depth', ...MESH_FEATURES])).features).toHaveLength(POD_FEATURES.length + 1 + MESH_FEATURES.length);
    // A model file from before mesh_missing_callees (three mesh features) is refused, naming it.
    expect(() => fromModelFile(file([...POD_FEATURES, 'queue_depth', 'mesh_request_rate', 'mesh_error_ratio', 'mesh_latency'])))
      .toThrow('models were trained without feature mesh_missing_callees, which this kad computes: retrain with `kad train`');
    expect(() => fromModelFile(file([...POD_FEATURES, 'Queue-Depth']))).toThrow(/feature Queue-Depth, which this kad does not compute/);
    expect(() => fromModelFile(file([...POD_FEATURES, 'mesh_request_rate', 'mesh_error_ratio', 'mesh_latency', 'queue_depth']))).toThrow(ModelFormatError);
  });
});
