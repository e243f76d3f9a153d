import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { MlpClassifier } from '../classifiers/mlp.js';
import { trainOnTable, type TableTrainSettings } from '../classifiers/train-table.js';
import { windowFeatureNames } from '../features/feature-window.js';
import { POD_FEATURES } from '../features/pod-features.js';
import type { AnomalyFinding, CycleResult } from '../policy/cycle-result.js';
import { ClassifierRegistry, versionDocument } from '../registry/classifier-versions.js';
import { createTelemetry } from '../telemetry/metrics.js';
import { IncidentNamer } from './incident-namer.js';

const silent = { info() {}, warn() {}, error() {}, debug() {} };
const settings: TableTrainSettings = { target: 'abnormality_class', kind: 'random-forest', params: { nEstimators: 20 }, testSize: 0.25, seed: 1, smote: false, classWeight: false };

/** A table in the export's layout: memory_utilisation high → memory_leak, rx_drop_ratio high → packet_loss, else normal. */
function windowTable(names: readonly string[], rows = 240) {
  const header = [...names, 'abnormality_class'];
  const columns: string[][] = header.map(() => []);
  for (let i = 0; i < rows; i++) {
    const cls = ['normal', 'memory_leak', 'packet_loss'][i % 3];
    const base: Record<string, number> = { memory_utilisation: cls === 'memory_leak' ? 0.95 : 0.4, rx_drop_ratio: cls === 'packet_loss' ? 0.3 : 0.001 };
    names.forEach((n, j) => {
      const root = Object.keys(base).find((b) => n.startsWith(b));
      columns[j].push(String((root ? base[root] : 0.5) + ((i * 7919) % 100) / 1000));
    });
    columns[names.length].push(cls);
  }
  return { name: 'train.csv', header, columns, rows };
}

function register(registry: ClassifierRegistry, names: readonly string[]): string {
  const r = trainOnTable(windowTable(names), settings);
  return registry.save(versionDocument(r, settings, 'train.csv', 'ab'.repeat(32))).version;
}

/** A cycle of two pods with the given features; the first fires. */
function cycle(features: Record<string, number>): CycleResult {
  const pod = (pod: string, firing: boolean) => {
    const anomaly = firing ? ({ threshold: 0.5, topFeatures: [], peer: null, change: 'none' } as AnomalyFinding) : null;
    return { result: { ref: { namespace: 'shop', pod, workload: 'cart' }, features, anomaly }, anomaly, started: firing, warnings: [] };
  };
  return { t: 0, decided: true, modelVersion: 'm', pods: [pod('cart-1', true), pod('cart-2', false)], departed: [] } as unknown as CycleResult;
}

describe('IncidentNamer', () => {
  it('names the incident of firing pods only, from their window, and reports the production macro-F1 as anomaly_detector_model_accuracy', async () => {
    const registry = ClassifierRegistry.open(join(mkdtempSync(join(tmpdir(), 'kad-namer-')), 'm'));
    const version = register(registry, windowFeatureNames(POD_FEATURES, 10));
    const telemetry = createTelemetry(new Registry());
    const namer = new IncidentNamer({ registry, telemetry, log: silent });
    namer.reload();
    expect(namer.status()).toEqual({ version, problem: null });
    let r!: CycleResult;
    for (let i = 0; i < 10; i++) namer.annotate((r = cycle({ cpu_per_traffic: 0.5, cpu_above_peers: 0.5, memory_utilisation: 0.95, restarts_recent: 0.5, rx_drop_ratio: 0.001 })));
    expect(r.pods[0].anomaly?.incident).toMatchObject({ type: 'memory_leak', version });
    expect(r.pods[0].anomaly!.incident!.probability).toBeGreaterThan(0.5);
    expect(r.pods[1].anomaly).toBeNull();
    const text = await telemetry.registry.metrics();
    expect(text).toMatch(new RegExp(`^anomaly_detector_model_accuracy\\{model="random-forest",version="${version}"\\} (0\\.\\d+|1)$`, 'm'));
    registry.close();
  });

  it('picks up a newly promoted version at its next look, and refuses a model trained on other features, saying why', () => {
    const registry = ClassifierRegistry.open(join(mkdtempSync(join(tmpdir(), 'kad-namer-')), 'm'));
    const good = register(registry, windowFeatureNames(POD_FEATURES, 5));
    let now = 0;
    const namer = new IncidentNamer({ registry, log: silent, now: () => now, checkEveryMs: 1000 });
    namer.annotate(cycle({}));
    expect(namer.status().version).toBe(good);
    const other = register(registry, ['a', 'b', 'c']);
    registry.promote(other);
    now = 500;
    namer.annotate(cycle({}));
    expect(namer.status().version).toBe(good);
    now = 1000;
    const r = cycle({});
    namer.annotate(r);
    expect(namer.status()).toEqual({ version: null, problem: expect.stringMatching(/was trained on other features \(0 of its 3 columns/) });
    expect(r.pods[0].anomaly?.incident).toBeUndefined();
    registry.rollback();
    namer.reload();
    expect(namer.status()).toEqual({ version: good, problem: null });
    registry.close();
  });

  it('loads TensorFlow.js in the background for a neural production version, naming with the version before it meanwhile', async () => {
    const registry = ClassifierRegistry.open(join(mkdtempSync(join(tmpdir(), 'kad-namer-')), 'm'));
    const names = windowFeatureNames(POD_FEATURES, 10);
    const good = register(registry, names);
    // An mlp built here, not by the registry (whose neural modules this process has not prepared).
    const r = trainOnTable(windowTable(names), settings);
    const mlp = new MlpClassifier({ epochs: 30, hidden: [8] }, 1);
    mlp.fit(r.testFrame, r.testLabels);
    const neural = registry.save(versionDocument({ ...r, model: mlp }, { ...settings, kind: 'mlp', params: {} }, 'train.csv', 'cd'.repeat(32))).version;
    registry.rollback();
    let now = 0;
    const namer = new IncidentNamer({ registry, log: silent, now: () => now, checkEveryMs: 1000 });
    namer.reload();
    expect(namer.status()).toEqual({ version: good, problem: null });
    registry.promote(neural);
    namer.reload();
    expect(namer.status()).toEqual({ version: good, problem: null });
    await namer.settled();
    expect(namer.status()).toEqual({ version: neural, problem: null });
    const c = cycle({ cpu_per_traffic: 0.5, cpu_above_peers: 0.5, memory_utilisation: 0.95, restarts_recent: 0.5, rx_drop_ratio: 0.001 });
    namer.annotate(c);
    expect(c.pods[0].anomaly?.incident?.version).toBe(neural);
    registry.rollback();
    now = 1000;
    namer.annotate(cycle({}));
    expect(namer.status()).toEqual({ version: good, problem: null });
    registry.close();
  });
});
