import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError, ModelFormatError, NotFoundError } from '../core/errors.js';
import Database from 'better-sqlite3';
import { EVENT_STORE_FILE } from '../store/event-store.js';
import {
  ClassifierRegistry, listClassifierVersions, loadClassifierVersion, productionVersion, readRegistry, rollbackProduction, saveClassifierVersion, setProductionVersion, type ClassifierVersion,
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

  it('promotes a new version only when its macro-F1 is within the margin; keeps stages, hashes and recall in the database', () => {
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

  it('says so for an unknown version or an empty registry', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'kad-cv-')), 'models');
    expect(() => rollbackProduction(dir)).toThrow(NotFoundError);
    expect(() => setProductionVersion(dir, 'v0001')).toThrow(/no classifier versions/);
    saveClassifierVersion(dir, doc('rf'));
    saveClassifierVersion(dir, doc('gbdt'));
    expect(() => setProductionVersion(dir, 'v0007')).toThrow(/no classifier version v0007 \(versions: v0001, v0002\)/);
    expect(existsSync(join(dir, 'kad.db'))).toBe(true);
  });

  it('a reader opening the registry while a version is being written waits for its row instead of importing the new file as an older layout\'s', async () => {
    // The writer's side, held open by hand: a version file on disk, its row not committed yet (save() does both under the write lock).
    const done = mkdtempSync(join(tmpdir(), 'kad-reg-'));
    saveClassifierVersion(done, doc('rf'));
    const dir = mkdtempSync(join(tmpdir(), 'kad-reg-'));
    readRegistry(dir); // the database exists, with nothing of this directory
    const db = new Database(join(dir, EVENT_STORE_FILE));
    db.exec('BEGIN IMMEDIATE');
    writeFileSync(join(dir, 'v0001.json'), readFileSync(join(done, 'v0001.json')));
    const module = JSON.stringify(new URL('./classifier-versions.ts', import.meta.url).pathname);
    const code = `import(${module}).then((m) => { console.log('opening'); try { console.log(JSON.stringify(m.readRegistry(${JSON.stringify(dir)}).versions.map((v) => v.version))); } catch (e) { console.log('error', e.message); } })`;
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    const end = Date.now() + 30_000;
    while (!out.includes('opening') && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 1000)); // the reader is in open() now, waiting for the lock
    db.exec(`ATTACH ${JSON.stringify(join(done, EVENT_STORE_FILE))} AS done`);
    db.exec('INSERT INTO classifier_versions SELECT * FROM done.classifier_versions; INSERT INTO classifier_production SELECT * FROM done.classifier_production; COMMIT');
    await new Promise((r) => child.once('exit', r));
    db.close();
    expect(out.trim().split('\n')).toEqual(['opening', '["v0001"]']);
  }, 40_000);

  it('imports a registry.json of the older layout once, with its stages and production order', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'kad-cv-')), 'models');
    mkdirSync(dir);
    for (const v of ['v0001', 'v0002', 'v0003']) writeFileSync(join(dir, `${v}.json`), JSON.stringify({ ...doc('rf'), version: v }));
    const entry = (version: string, stage: string, macroF1: number) => ({ version, algorithm: 'rf', params: {}, dataSha256: version, macroF1, recall: { a: 1 }, createdAt: '2026-01-01T00:00:00.000Z', stage });
    writeFileSync(join(dir, 'registry.json'), JSON.stringify({
      kind: 'kad-classifier-registry', formatVersion: 1, versions: [entry('v0001', 'archived', 0.8), entry('v0002', 'production', 0.9), entry('v0003', 'candidate', 0.5)], productionHistory: ['v0001', 'v0002'],
    }));
    const r = readRegistry(dir);
    expect(r.versions.map((e) => [e.version, e.stage, e.macroF1])).toEqual([['v0001', 'archived', 0.8], ['v0002', 'production', 0.9], ['v0003', 'candidate', 0.5]]);
    expect(r.productionHistory).toEqual(['v0001', 'v0002']);
    expect(existsSync(join(dir, 'registry.json'))).toBe(false);
    expect(existsSync(join(dir, 'registry.json.imported'))).toBe(true);
    expect(rollbackProduction(dir)).toEqual({ from: 'v0002', to: 'v0001' });
    expect(saveClassifierVersion(dir, doc('rf', 0.95)).version).toBe('v0004');
  });

  it('indexes a directory written before registry.json; refuses an unreadable registry.json', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'kad-cv-')), 'models');
    mkdirSync(dir);
    for (const v of ['v0001', 'v0002']) writeFileSync(join(dir, `${v}.json`), JSON.stringify({ ...doc('rf'), version: v }));
    writeFileSync(join(dir, 'production.json'), '{"version":"v0002"}');
    expect(readRegistry(dir).versions.map((e) => [e.version, e.stage])).toEqual([['v0001', 'archived'], ['v0002', 'production']]);
    expect(productionVersion(dir)).toBe('v0002');
    const bad = join(mkdtempSync(join(tmpdir(), 'kad-cv-')), 'models');
    mkdirSync(bad);
    writeFileSync(join(bad, 'registry.json'), '{"kind":"x"}');
    expect(() => readRegistry(bad)).toThrow(ModelFormatError);
  });

  it('keeps the registries of several model directories in the state directory\'s one database, each under its own path', () => {
    const state = mkdtempSync(join(tmpdir(), 'kad-cv-state-'));
    const a = join(state, 'classifiers'), b = join(state, 'other');
    saveClassifierVersion(a, doc('rf', 0.9), { stateDir: state });
    saveClassifierVersion(b, doc('gbdt', 0.5), { stateDir: state });
    saveClassifierVersion(b, doc('gbdt', 0.4), { stateDir: state });
    expect(readRegistry(a, { stateDir: state }).versions.map((e) => e.version)).toEqual(['v0001']);
    expect(readRegistry(b, { stateDir: state }).versions.map((e) => [e.version, e.stage])).toEqual([['v0001', 'production'], ['v0002', 'candidate']]);
    expect(existsSync(join(a, 'kad.db'))).toBe(false);
    const db = new Database(join(state, 'kad.db'), { readonly: true });
    expect(db.prepare('SELECT model_dir, COUNT(*) AS n FROM classifier_versions GROUP BY model_dir ORDER BY model_dir').all()).toEqual([{ model_dir: 'classifiers', n: 1 }, { model_dir: 'other', n: 2 }]);
    db.close();
    const r = ClassifierRegistry.open(a, { stateDir: state });
    expect(r.productionOrNull()).toBe('v0001');
    expect(r.load().algorithm).toBe('rf');
    r.close();
  });
});
