import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelFormatError, NotFoundError } from '../core/errors.js';
import { listClassifierVersions, loadClassifierVersion, productionVersion, saveClassifierVersion, setProductionVersion, type ClassifierVersion } from './classifier-versions.js';

const doc = (algorithm: string): Omit<ClassifierVersion, 'version'> => ({
  kind: 'kad-classifier-version', formatVersion: 1, createdAt: '2026-01-01T00:00:00.000Z', algorithm, params: {}, target: 'y',
  data: { file: 'a.csv', sha256: '0', rows: 1 }, training: { testSize: 0.2, smote: false, seed: 1, trainRows: 1, testRows: 1 },
  metrics: { classes: [], perClass: [], macroF1: 1, accuracy: 1, confusion: [] }, encoder: { kind: 'table-encoder', formatVersion: 1, columns: [] },
  model: { kind: 'logistic', formatVersion: 1, params: {}, state: {} },
});

describe('classifier versions', () => {
  it('numbers versions, points production at the newest, and can point it back', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'kad-cv-')), 'models');
    expect(listClassifierVersions(dir)).toEqual([]);
    expect(() => productionVersion(dir)).toThrow(NotFoundError);
    expect(saveClassifierVersion(dir, doc('gbdt')).version).toBe('v0001');
    expect(saveClassifierVersion(dir, doc('logistic')).version).toBe('v0002');
    expect(productionVersion(dir)).toBe('v0002');
    setProductionVersion(dir, 'v0001');
    expect(loadClassifierVersion(dir).algorithm).toBe('gbdt');
    expect(loadClassifierVersion(dir, 'v0002').version).toBe('v0002');
    expect(() => setProductionVersion(dir, 'v0009')).toThrow(NotFoundError);
    writeFileSync(join(dir, 'v0003.json'), '{"kind":"other"}');
    expect(() => loadClassifierVersion(dir, 'v0003')).toThrow(ModelFormatError);
    expect(saveClassifierVersion(dir, doc('stack')).version).toBe('v0004');
  });
});
