import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.js';
import { manualClock } from '../core/clock.js';
import { ModelFormatError } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import { createRng } from '../core/rng.js';
import type { CallEdge, PodSample, PodSnapshot } from '../core/samples.js';
import { createDetector } from '../detectors/index.js';
import { MESH_FEATURES, POD_FEATURE_MIN_SCALE, POD_FEATURES } from '../features/pod-features.js';
import type { FlaggedPod, Notifier } from '../notify/base.js';
import type { Source } from '../sources/base.js';
import { createTelemetry } from '../telemetry/metrics.js';
import { Engine, type EngineOptions } from './engine.js';

const MIN = 60_000;
const WORKLOADS = ['front', 'mid', 'back'];

/** Three workloads of three pods, front → mid → back, with mesh series: a latency added to `back` reaches its callers. */
class MeshSource implements Source {
  readonly name = 'mesh-scripted';
  /** Extra ms on the first `back` pod's answers. */
  slow = 0;
  mesh = true;
  graphCalls = 0;
  private rng = createRng(7);
  private snap(t: number): PodSnapshot {
    const pods: PodSample[] = [];
    const own = { front: 20, mid: 10, back: 5 } as Record<string, number>;
    const backMean = own.back + this.slow / 3;
    const lat = { back: own.back, mid: own.mid + backMean, front: own.front + own.mid + backMean } as Record<string, number>;
    for (const w of WORKLOADS) {
      for (let i = 0; i < 3; i++) {
        const n = (sd: number) => 1 + sd * this.rng.normal();
        const p: PodSample = {
          ref: { namespace: 'ns', pod: `${w}-${i}`, workload: w }, cpu: 0.2 * n(0.02), memory: 2e8 * n(0.01), restarts: 0,
          rxBytes: 1e5 * n(0.02), txBytes: 2e5, rxPackets: 100, rxDropped: 0, cpuLimit: 1, memoryLimit: 5e8, startedAt: 0,
        };
        if (this.mesh) {
          p.requestRate = 50 * n(0.02);
          p.errorRatio = 0.001;
          p.latencyMs = (w === 'back' && i === 0 ? lat.back + this.slow : lat[w]) * n(0.02);
        }
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
    return this.snap(t);
  }
  async callGraph(): Promise<CallEdge[]> {
    this.graphCalls++;
    return [{ from: 'ns/front', to: 'ns/mid' }, { from: 'ns/mid', to: 'ns/back' }];
  }
  async close() {}
}

class RecordingNotifier implements Notifier {
  sent: FlaggedPod[][] = [];
  async update(_t: number, flagged: FlaggedPod[]) {
    this.sent.push(flagged);
  }
  status() {
    return null as never;
  }
  async close() {}
}

function makeEngine(source: Source, notifier?: Notifier, extra: Partial<Omit<EngineOptions, 'store'>> = {}) {
  const config = loadConfig({ env: {} });
  const clock = manualClock(Date.UTC(2026, 0, 5, 12));
  const engine = new Engine({
    source, clock, telemetry: createTelemetry(new Registry()), log: silentLogger, notifier,
    createModel: (seed) => createDetector('robust-z', { minScale: Array.from(POD_FEATURE_MIN_SCALE) }, seed),
    options: { lookbackMs: 60 * MIN, stepMs: MIN, retrainMs: 0, policy: { k: 2 }, seed: 1, store: config.store, ...extra },
  });
  return { engine, clock };
}

describe('Engine with a service mesh', () => {
  it('adds the mesh features when the source has mesh data, flags a slow callee, holds its callers\' alerts and names it', async () => {
    const source = new MeshSource();
    const notifier = new RecordingNotifier();
    const { engine, clock } = makeEngine(source, notifier);
    await engine.step();
    expect(Object.keys(engine.detect()[0].features)).toEqual([...POD_FEATURES, ...MESH_FEATURES]);
    expect(engine.exportModels().features).toEqual([...POD_FEATURES, ...MESH_FEATURES]);
    expect(source.graphCalls).toBe(1);
    source.slow = 300;
    for (let i = 0; i < 3; i++) {
      clock.advance(MIN);
      await engine.step();
    }
    const flagged = engine.detect().filter((r) => r.flagged).map((r) => r.ref.pod).sort();
    expect(flagged).toContain('back-0');
    // Every pod of the callers is slower, so flagged too; their alerts are held, naming the callee's.
    expect(flagged.filter((p) => !p.startsWith('back'))).toEqual(['front-0', 'front-1', 'front-2', 'mid-0', 'mid-1', 'mid-2']);
    const front = engine.detect().find((r) => r.ref.pod === 'front-1')!;
    expect(front.inhibitedBy).toEqual(expect.arrayContaining([{ namespace: 'ns', workload: 'back', pod: 'back-0' }]));
    const sent = notifier.sent.at(-1)!.map((f) => f.pod);
    expect(sent).toEqual(['back-0']);
    // The callee recovers: for one cycle its last firing still holds its callers (their rates still
    // carry it); a caller that fires on after that is sent, naming nothing.
    source.slow = 0;
    clock.advance(MIN);
    await engine.step();
    expect(notifier.sent.at(-1)!.filter((f) => !f.pod.startsWith('back'))).toEqual([]);
    for (let i = 0; i < 2; i++) {
      clock.advance(MIN);
      await engine.step();
    }
    const still = engine.detect().filter((r) => r.flagged).map((r) => r.ref.pod).sort();
    expect(notifier.sent.at(-1)!.map((f) => f.pod).sort()).toEqual(still);
    expect(notifier.sent.at(-1)!.every((f) => !f.annotations?.inhibited_by)).toBe(true);
  });

  it('keeps the pod\'s own features without mesh data, and refuses models of the other feature set, naming the feature', async () => {
    const plain = new MeshSource();
    plain.mesh = false;
    const a = makeEngine(plain);
    await a.engine.step();
    expect(Object.keys(a.engine.detect()[0].features)).toEqual([...POD_FEATURES]);
    const withoutMesh = a.engine.exportModels();

    const b = makeEngine(new MeshSource());
    await b.engine.step();
    const withMesh = b.engine.exportModels();
    // A cycle whose features are fixed with the mesh refuses models trained without it, and the reverse.
    expect(() => b.engine.importModels(withoutMesh)).toThrow(ModelFormatError);
    expect(() => b.engine.importModels(withoutMesh)).toThrow(/trained without feature mesh_request_rate/);
    expect(() => a.engine.importModels(withMesh)).toThrow(/trained with feature mesh_request_rate, which this kad does not compute/);
    // KAD_MESH=off before any data: a model with mesh features is refused too.
    const off = makeEngine(new MeshSource(), undefined, { meshFeatures: false });
    expect(() => off.engine.importModels(withMesh)).toThrow(/mesh_request_rate.*KAD_MESH=off/);
    // Before any data the model decides: mesh models load, then score with the mesh features.
    const fresh = makeEngine(new MeshSource());
    fresh.engine.importModels(JSON.parse(JSON.stringify(withMesh)));
    fresh.clock.advance(MIN);
    await fresh.engine.step();
    expect(Object.keys(fresh.engine.detect()[0].features)).toEqual([...POD_FEATURES, ...MESH_FEATURES]);
    // A file with an unknown feature names it.
    expect(() => makeEngine(new MeshSource()).engine.importModels({ ...withMesh, features: [...POD_FEATURES, 'gpu_temp'] })).toThrow(/feature gpu_temp/);
  });
});
