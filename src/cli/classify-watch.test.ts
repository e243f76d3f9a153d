import { renameSync, utimesSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.js';
import { readRegistry } from '../registry/classifier-versions.js';
import type { CommandIO } from './command.js';
import { main } from './kad.js';

/** Three classes told apart by two features; `noise` of the labels replaced by a random class. */
function csv(noise: number, seed: number): string {
  const rng = createRng(seed);
  const classes = ['normal', 'packet_loss', 'cpu_runaway'];
  const lines = ['cpu,drops,label'];
  for (let i = 0; i < 300; i++) {
    const k = i % 3;
    const label = rng.next() < noise ? classes[Math.floor(rng.next() * 3)] : classes[k];
    lines.push(`${((k === 2 ? 5 : 1) + 0.3 * rng.normal()).toFixed(4)},${((k === 1 ? 0.2 : 0) + 0.01 * rng.next()).toFixed(4)},${label}`);
  }
  return lines.join('\n') + '\n';
}

async function until(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('kad classify watch', () => {
  it('retrains on a changed file, promotes a better version, holds a worse one back, ignores a touch, and stops on SIGTERM with 143', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kad-watch-'));
    const data = join(dir, 'train.csv'), models = join(dir, 'models');
    writeFileSync(data, csv(0.2, 1));
    const ctrl = new AbortController();
    const io: CommandIO & { err: string } = { err: '', env: {}, stopSignal: ctrl.signal, stdout: () => {}, stderr: (s) => { io.err += s; } };
    const lines = (): string[] => io.err.split('\n').filter((l) => /: (changed|content unchanged)/.test(l));
    const done = main(['classify', 'watch', '--data', data, '--target', 'label', '--model-dir', models, '--algorithm', 'logistic', '--debounce-ms', '100', '--poll-ms', '200'], io);
    await until('the first version', () => readRegistry(models).versions.length === 1);
    expect(readRegistry(models).versions[0].stage).toBe('production');

    // Cleaner labels: a better model, promoted. Written elsewhere and renamed in, as atomic writers do.
    writeFileSync(join(dir, 'next.tmp'), csv(0, 2));
    renameSync(join(dir, 'next.tmp'), data);
    await until('the second version', () => readRegistry(models).versions.length === 2);
    // Mostly random labels: worse by far more than the margin, held back.
    writeFileSync(data, csv(0.6, 3));
    // The worker registers a version just before the watch logs it: wait for the log line too.
    await until('the third version', () => readRegistry(models).versions.length === 3 && lines().length === 3);
    const r = readRegistry(models);
    expect(r.versions.map((e) => e.stage)).toEqual(['archived', 'production', 'candidate']);
    expect(r.versions[1].macroF1).toBeGreaterThan(r.versions[0].macroF1);
    expect(lines()[1]).toMatch(/trained v0002 .*promoted to production/);
    expect(lines()[2]).toMatch(/trained v0003 .*kept as a candidate: macro-F1 [\d.]+ is worse than production v0002's/);

    // A touch: the same bytes, looked at and not retrained.
    const t = new Date(Date.now() + 5000);
    utimesSync(data, t, t);
    await until('the touch to be looked at', () => lines().length === 4);
    expect(lines()[3]).toMatch(/content unchanged \(sha256 [0-9a-f]{12}\); not retrained/);
    expect(readRegistry(models).versions).toHaveLength(3);

    ctrl.abort('SIGTERM');
    expect(await done).toBe(143);
    expect(io.err).toMatch(/stopped \(SIGTERM\)\n$/);
  }, 60_000);

  it('does not retrain at start on data a version was already trained on; a bad file is logged and the watch goes on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kad-watch-'));
    const data = join(dir, 'train.csv'), models = join(dir, 'models');
    writeFileSync(data, csv(0, 1));
    const quiet: CommandIO = { env: {}, stopSignal: new AbortController().signal, stdout: () => {}, stderr: () => {} };
    expect(await main(['classify', 'train', '--data', data, '--target', 'label', '--model-dir', models, '--algorithm', 'logistic'], quiet)).toBe(0);
    const ctrl = new AbortController();
    const io: CommandIO & { err: string } = { err: '', env: {}, stopSignal: ctrl.signal, stdout: () => {}, stderr: (s) => { io.err += s; } };
    const done = main(['classify', 'watch', '--data', dir, '--target', 'label', '--model-dir', models, '--algorithm', 'logistic', '--debounce-ms', '50', '--poll-ms', '100'], io);
    await until('the first look', () => io.err.includes('content unchanged'));
    writeFileSync(join(dir, 'other.csv'), 'cpu,label\n1,a\n');
    await until('the bad file', () => io.err.includes('not trained'));
    expect(io.err).toMatch(/other\.csv: changed .*; not trained: .*single class/);
    ctrl.abort('SIGINT');
    expect(await done).toBe(130);
    expect(readRegistry(models).versions).toHaveLength(1);
  }, 60_000);
});
