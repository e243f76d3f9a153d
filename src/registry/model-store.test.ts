import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '../core/errors.js';
import type { EngineModels } from './model-store.js';
import { loadModels, ownedModels, saveModels } from './model-store.js';
import { ShardOwnership } from '../core/shard.js';

const models = (version: string): EngineModels => ({
  kind: 'kad-pod-models', formatVersion: 1, version, trainedAt: 1, features: ['a'], trainingRows: 3,
  cluster: { kind: 'zmax', formatVersion: 1, params: {}, state: {} }, workloads: {},
});

describe('model store', () => {
  it('saves atomically, loads back, and keeps the previous model', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kad-models-'));
    saveModels(dir, models('v1'));
    expect(loadModels(dir).version).toBe('v1');
    saveModels(dir, models('v2'));
    expect(loadModels(dir).version).toBe('v2');
    expect(JSON.parse(readFileSync(join(dir, 'models.previous.json'), 'utf8')).version).toBe('v1');
    // A directory that went away meanwhile (another kad train's failure removed it while empty) is made again.
    const gone = join(dir, 'gone', 'models');
    saveModels(gone, models('v3'));
    expect(loadModels(gone).version).toBe('v3');
  });

  it('names the file and the problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kad-models-'));
    expect(() => loadModels(dir)).toThrow(/models\.json: cannot read the model \(no such file; run `kad train/);
    writeFileSync(join(dir, 'models.json'), '{"kind":"kad-pod-models"');
    expect(() => loadModels(dir)).toThrow(/not valid JSON/);
    writeFileSync(join(dir, 'models.json'), JSON.stringify({ ...models('v'), trainedAt: 'yesterday' }));
    expect(() => loadModels(dir)).toThrow(/field "trainedAt" must be a number/);
    expect(() => loadModels(dir)).toThrow(ModelFormatError);
    expect(existsSync(join(dir, 'models.json'))).toBe(true); // a bad file is reported, never deleted
  });
});

describe('ownedModels (KAD_SHARDS)', () => {
  it('keeps the models of the owned workloads and their pods, and the cluster model; every model in exactly one shard', () => {
    const snap = { kind: 'x', formatVersion: 1, params: {}, state: {} };
    const names = Array.from({ length: 40 }, (_, i) => `w${i}`);
    const models: EngineModels = {
      kind: 'kad-pod-models', formatVersion: 1, version: 'v1', trainedAt: 0, features: ['cpu'], trainingRows: 1, cluster: snap,
      workloads: Object.fromEntries(names.map((w) => [`ns/${w}`, snap])),
      pods: Object.fromEntries(names.map((w) => [`ns/${w}-5d4f8b9c6d-abcde`, snap])),
    };
    expect(ownedModels(models, new ShardOwnership({ shard: 0, shards: 1 }))).toBe(models);
    const parts = [0, 1, 2].map((shard) => ownedModels(models, new ShardOwnership({ shard, shards: 3 })));
    expect(parts.map((p) => Object.keys(p.workloads).length).reduce((a, b) => a + b)).toBe(40);
    expect(new Set(parts.flatMap((p) => Object.keys(p.pods!))).size).toBe(40);
    for (const p of parts) {
      expect(p.cluster).toBe(snap);
      expect(Object.keys(p.pods!).map((k) => k.replace(/-5d4f8b9c6d-abcde$/, ''))).toEqual(Object.keys(p.workloads));
    }
  });
});
