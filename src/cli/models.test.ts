import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { saveClassifierVersion, type ClassifierVersion } from '../registry/classifier-versions.js';
import type { CommandIO } from './command.js';
import { main } from './kad.js';

function captureIO(): CommandIO & { out: string; err: string } {
  const c = { out: '', err: '', env: {}, stopSignal: new AbortController().signal, stdout: (s: string) => { c.out += s; }, stderr: (s: string) => { c.err += s; } };
  return c;
}

const doc = (algorithm: string, macroF1: number): Omit<ClassifierVersion, 'version'> => ({
  kind: 'kad-classifier-version', formatVersion: 1, createdAt: '2026-01-01T00:00:00.000Z', algorithm, params: {}, target: 'y',
  data: { file: 'a.csv', sha256: '0123456789abcdef', rows: 1 }, training: { testSize: 0.2, smote: false, seed: 1, trainRows: 1, testRows: 1 },
  metrics: { classes: ['a'], perClass: [{ precision: 1, recall: 1, f1: 1, support: 1 }], macroF1, accuracy: 1, confusion: [] },
  encoder: { kind: 'table-encoder', formatVersion: 1, columns: [] }, model: { kind: 'logistic', formatVersion: 1, params: {}, state: {} },
});

describe('kad models', () => {
  it('lists versions with stage, macro-F1 and data hash; promotes one; rolls production back', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'kad-models-')), 'm');
    saveClassifierVersion(dir, doc('random-forest', 0.9), { sha256: 'fe'.repeat(32) });
    saveClassifierVersion(dir, doc('gbdt', 0.7)); // held back: a candidate
    const l = captureIO();
    expect(await main(['models', 'list', '--model-dir', dir], l)).toBe(0);
    const lines = l.out.trim().split('\n');
    expect(lines[0]).toMatch(/^version\s+kind\s+stage\s+macro-F1\s+data\s+time$/);
    expect(lines[1]).toMatch(/^v0001\s+random-forest\s+production\s+0\.900\s+fefefefefefe\s+2026-01-01T00:00:00\.000Z$/);
    expect(lines[2]).toMatch(/^v0002\s+gbdt\s+candidate\s+0\.700\s+0123456789ab\s/);

    const p = captureIO();
    expect(await main(['models', 'promote', 'v0002', '--model-dir', dir], p)).toBe(0);
    expect(p.out).toContain('v0002 is production');
    const r = captureIO();
    expect(await main(['models', 'rollback', '--model-dir', dir], r)).toBe(0);
    expect(r.out).toContain('v0001 is production again, v0002 archived');
    const l2 = captureIO();
    await main(['models', 'list', '--model-dir', dir], l2);
    expect(l2.out).toMatch(/v0001\s+random-forest\s+production/);
    expect(l2.out).toMatch(/v0002\s+gbdt\s+archived/);
  });

  it('fails with a coded error for an unknown version, an empty registry, nothing to roll back to, or a missing VERSION', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'kad-models-')), 'm');
    const e = captureIO();
    expect(await main(['models', 'rollback', '--model-dir', dir], e)).toBe(1);
    expect(e.err).toMatch(/no classifier versions/);
    saveClassifierVersion(dir, doc('gbdt', 0.9));
    const u = captureIO();
    expect(await main(['models', 'promote', 'v0042', '--model-dir', dir], u)).toBe(1);
    expect(u.err).toMatch(/no classifier version v0042/);
    const b = captureIO();
    expect(await main(['models', 'rollback', '--model-dir', dir], b)).toBe(2);
    expect(b.err).toMatch(/no earlier production version/);
    const m = captureIO();
    expect(await main(['models', 'promote', '--model-dir', dir], m)).toBe(2);
    expect(m.err).toMatch(/needs a VERSION/);
    const x = captureIO();
    expect(await main(['models', 'promote', 'v0001', 'v0002', '--model-dir', dir], x)).toBe(2);
    expect(x.err).toMatch(/unexpected argument "v0002"/);
  });

  it('uses the service\'s registry with KAD_STATE_DIR: its database, and its model directory when --model-dir is left out', async () => {
    const state = mkdtempSync(join(tmpdir(), 'kad-models-state-'));
    saveClassifierVersion(join(state, 'classifiers'), doc('random-forest', 0.9), { stateDir: state });
    saveClassifierVersion(join(state, 'classifiers'), doc('gbdt', 0.95), { stateDir: state });
    const io = (): ReturnType<typeof captureIO> => Object.assign(captureIO(), { env: { KAD_STATE_DIR: state } });
    const l = io();
    expect(await main(['models', 'list'], l)).toBe(0);
    expect(l.out).toMatch(/v0002\s+gbdt\s+production/);
    expect(await main(['models', 'rollback'], io())).toBe(0);
    const l2 = io();
    await main(['models', 'list', '--model-dir', join(state, 'classifiers')], l2);
    expect(l2.out).toMatch(/v0001\s+random-forest\s+production/);
    const none = captureIO();
    expect(await main(['models', 'list'], none)).toBe(2);
    expect(none.err).toMatch(/--model-dir is required \(or set KAD_STATE_DIR/);
  });
});
