import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError, ModelFormatError, NotFoundError } from '../core/errors.js';
import {
  listClassifierVersions, loadClassifierVersion, productionVersion, readRegistry, rollbackProduction, saveClassifierVersion, setProductionVersion, type ClassifierVersion,
} from './classifier-versions.js';

const doc = (algorithm: string, macroF1 = 1): Omit<ClassifierVersion, 'version'> => ({
  kind: 'kad-classifier-version', formatVersion: 1, createdAt: '2026-01-01T00:00:00.000Z', algorithm, params: {}, target: 'y',
  data: { file: 'a.csv', sha256: '0', rows: 1 }, training: { testSize: 0.2, smote: false, seed: 1, trainRows: 1, testRows: 1 },
  metrics: { classes: ['a', 'b'], perClass: [{ precision: 1, recall: 0.5, f1: 1, support: 1 }, { precision: 1, recall: 1, f1: 1, support: 1 }], macroF1, accuracy: 1, confusion: [] }, encoder: { kind: 'table-encoder', formatVersion: 1, columns: [] },
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

  it('promotes a new version only when its macro-F1 is within the margin; keeps stages, hashes and recall in registry.json', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'kad-cv-')), 'models');
    expect(saveClassifierVersion(dir, doc('rf', 0.9), { sha256: 'ab'.repeat(32) })).toMatchObject({ version: 'v0001', stage: 'production', reason: 'no production version yet' });
    expect(saveClassifierVersion(dir, doc('rf', 0.895)).stage).toBe('production'); // 0.005 worse: within 0.01
    const held = saveClassifierVersion(dir, doc('gbdt', 0.8));
    expect(held.stage).toBe('candidate');
    expect(held.reason).toMatch(/worse than production v0002's 0\.895 by 0\.095, more than the margin 0\.01/);
    expect(saveClassifierVersion(dir, doc('gbdt', 0.8), { promoteMargin: 0.2 }).stage).toBe('production');
    const r = readRegistry(dir);
    expect(r.versions.map((e) => e.stage)).toEqual(['archived', 'archived', 'candidate', 'production']);
    expect(r.versions[0]).toMatchObject({ algorithm: 'rf', dataSha256: 'ab'.repeat(32), macroF1: 0.9, recall: { a: 0.5, b: 1 } });
    expect(JSON.parse(readFileSync(join(dir, 'production.json'), 'utf8'))).toEqual({ version: 'v0004' });

    setProductionVersion(dir, 'v0003');
    expect(readRegistry(dir).versions.map((e) => e.stage)).toEqual(['archived', 'archived', 'production', 'archived']);
    expect(rollbackProduction(dir)).toEqual({ from: 'v0003', to: 'v0004' });
    expect(rollbackProduction(dir)).toEqual({ from: 'v0004', to: 'v0002' });
    expect(productionVersion(dir)).toBe('v0002');
    expect(rollbackProduction(dir)).toEqual({ from: 'v0002', to: 'v0001' });
    expect(() => rollbackProduction(dir)).toThrow(InputError);
    expect(readRegistry(dir).versions.map((e) => e.stage)).toEqual(['production', 'archived', 'archived', 'archived']);
  });

  it('says so for an unknown version or an empty registry; indexes a directory written before registry.json', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'kad-cv-')), 'models');
    expect(() => rollbackProduction(dir)).toThrow(NotFoundError);
    expect(() => setProductionVersion(dir, 'v0001')).toThrow(/no classifier versions/);
    saveClassifierVersion(dir, doc('rf'));
    saveClassifierVersion(dir, doc('gbdt'));
    expect(() => setProductionVersion(dir, 'v0007')).toThrow(/no classifier version v0007 \(versions: v0001, v0002\)/);
    rmSync(join(dir, 'registry.json'));
    const r = readRegistry(dir);
    expect(r.versions.map((e) => [e.version, e.stage])).toEqual([['v0001', 'archived'], ['v0002', 'production']]);
    expect(productionVersion(dir)).toBe('v0002');
    writeFileSync(join(dir, 'registry.json'), '{"kind":"x"}');
    expect(() => readRegistry(dir)).toThrow(ModelFormatError);
  });
});
