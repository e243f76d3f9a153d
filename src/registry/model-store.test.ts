import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '../core/errors.js';
import type { EngineModels } from './model-store.js';
import { loadModels, saveModels } from './model-store.js';

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
