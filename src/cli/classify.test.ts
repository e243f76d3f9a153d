import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.js';
import { listClassifierVersions, loadClassifierVersion, productionVersion } from '../registry/classifier-versions.js';
import type { CommandIO } from './command.js';
import { main } from './kad.js';

function io(): CommandIO & { out: string; err: string } {
  const c = { out: '', err: '', env: {}, stopSignal: new AbortController().signal, stdout: (s: string) => { c.out += s; }, stderr: (s: string) => { c.err += s; } };
  return c;
}

const dir = mkdtempSync(join(tmpdir(), 'kad-classify-'));

/** A labelled CSV: a time column, two numeric features (with gaps), a text column, and the class. */
function labelled(name: string, rows = 400): string {
  const rng = createRng(5);
  const lines = ['timestamp,cpu,drops,zone,abnormality_class'];
  for (let i = 0; i < rows; i++) {
    const cls = i % 10 === 0 ? 'packet_loss' : i % 10 === 1 ? 'cpu_runaway' : 'normal';
    const cpu = (cls === 'cpu_runaway' ? 5 : 1) + 0.3 * rng.normal();
    const drops = (cls === 'packet_loss' ? 0.2 : 0) + 0.01 * rng.next();
    const t = new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString();
    lines.push(`${t},${i % 17 === 3 ? '' : cpu.toFixed(4)},${i % 23 === 4 ? 'NaN' : drops.toFixed(4)},${['a', 'b', 'c'][i % 3]},${cls}`);
  }
  const p = join(dir, name);
  writeFileSync(p, lines.join('\n') + '\n');
  return p;
}

describe('kad classify', () => {
  const data = labelled('train.csv');

  it('train prints a per-class report and confusion matrix and writes a production version; predict writes one row per input row', async () => {
    const models = join(dir, 'models');
    for (const algorithm of ['rf', 'gbdt']) {
      const c = io();
      expect(await main(['classify', 'train', '--data', data, '--target', 'abnormality_class', '--model-dir', models, '--algorithm', algorithm, '--seed', '3', '-q'], c)).toBe(0);
      expect(c.out).toMatch(/packet_loss\s+[\d.]+\s+1\.000/); // recall
      expect(c.out).toContain('confusion matrix');
      expect(Number(/macro-F1\s+([\d.]+)/.exec(c.out)?.[1])).toBeGreaterThan(0.9);
    }
    expect(listClassifierVersions(models)).toEqual(['v0001', 'v0002']);
    expect(productionVersion(models)).toBe('v0002');
    expect(loadClassifierVersion(models).algorithm).toBe('gbdt');

    const out = join(dir, 'pred.csv');
    const p = io();
    expect(await main(['classify', 'predict', '--model-dir', models, '--input', data, '--output', out], p)).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('timestamp,label,probability,p_cpu_runaway,p_normal,p_packet_loss');
    expect(lines.length).toBe(401);
    const input = readFileSync(data, 'utf8').trim().split('\n');
    let right = 0;
    for (let i = 1; i < lines.length; i++) {
      const f = lines[i].split(',');
      expect(f[0]).toBe(input[i].split(',')[0]);
      if (f[1] === input[i].split(',')[4]) right++;
      const probs = f.slice(3).map(Number);
      expect(Number(f[2])).toBe(Math.max(...probs));
      expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
    expect(right).toBeGreaterThan(390); // rows with a missing cpu may be taken for normal

    // A large input is read block by block (about 1 MB each): the rows come out the same as the same
    // rows read at once, and a bad cell in a later block is named by its line; nothing is written then.
    const big = labelled('big.csv', 50_000);
    expect(statSync(big).size).toBeGreaterThan(2e6); // two blocks or more
    const bigOut = join(dir, 'big-pred.csv');
    expect(await main(['classify', 'predict', '--model-dir', models, '--input', big, '--output', bigOut], io())).toBe(0);
    const predicted = readFileSync(bigOut, 'utf8').trim().split('\n');
    expect(predicted.length).toBe(50_001);
    expect(predicted.slice(0, 401)).toEqual(lines); // the same first 400 input rows, the same labels and probabilities
    const rows = readFileSync(big, 'utf8').split('\n');
    rows[45_001] = rows[45_001].replace(/^([^,]*),[^,]*,/, '$1,oops,');
    writeFileSync(big, rows.join('\n'));
    const bad = io();
    expect(await main(['classify', 'predict', '--model-dir', models, '--input', big, '--output', bigOut + '2'], bad)).toBe(2);
    expect(bad.err).toMatch(/big\.csv:45002: column "cpu": "oops" is not a number/);
    expect(existsSync(bigOut + '2')).toBe(false);
    // A column the model needs and the input lacks: said before anything reaches stdout.
    const lacking = join(dir, 'lacking.csv');
    writeFileSync(lacking, 'timestamp,cpu\n2024-01-01T00:00:00Z,1\n');
    const l = io();
    expect(await main(['classify', 'predict', '--model-dir', models, '--input', lacking, '--output', '-'], l)).toBe(2);
    expect(l.err).toContain('no column "drops" (the model was trained with it)');
    expect(l.out).toBe('');
  });

  it('SMOTE, class weights, logistic and stacking train too; --importance prints the features', async () => {
    const models = join(dir, 'm2');
    const c = io();
    expect(await main(['classify', 'train', '--data', data, '--target', 'abnormality_class', '--model-dir', models, '--algorithm', 'logistic', '--smote', '--importance', '--class-weight', 'balanced', '-q'], c)).toBe(0);
    expect(c.out).toContain('permutation importance');
    expect(c.out).toMatch(/zone=a/);
    const s = io();
    expect(await main(['classify', 'train', '--data', data, '--target', 'abnormality_class', '--model-dir', models, '--algorithm', 'stack', '--params', '{"folds":3}'], s)).toBe(0);
    expect(s.err).toContain('fitting stack');
    expect(productionVersion(models)).toBe('v0002');
  });

  it('mlp and cnn train with their report, and predict with the saved model', async () => {
    const models = join(dir, 'm-neural');
    for (const algorithm of ['mlp', 'cnn']) {
      const c = io();
      expect(await main(['classify', 'train', '--data', data, '--target', 'abnormality_class', '--model-dir', models, '--algorithm', algorithm, '--params', '{"epochs":30,"learningRate":0.01}', '--class-weight', 'balanced', '-q'], c), c.err).toBe(0);
      expect(c.out).toContain('confusion matrix');
      expect(Number(/macro-F1\s+([\d.]+)/.exec(c.out)?.[1])).toBeGreaterThan(0.8);
      const out = join(dir, `pred-${algorithm}.csv`);
      expect(await main(['classify', 'predict', '--model-dir', models, '--input', data, '--output', out, '--version', algorithm === 'mlp' ? 'v0001' : 'v0002'], io())).toBe(0);
      expect(readFileSync(out, 'utf8').trim().split('\n').length).toBe(401);
    }
    expect(loadClassifierVersion(models, 'v0002').algorithm).toBe('cnn');
  });

  it('exits 2 naming the file or column: missing target, a single class, an empty file, a text column of too many values', async () => {
    const models = join(dir, 'm3');
    const run = async (file: string, target = 'abnormality_class') => {
      const c = io();
      const code = await main(['classify', 'train', '--data', file, '--target', target, '--model-dir', models, '-q'], c);
      return { code, err: c.err };
    };
    expect(await run(data, 'label')).toMatchObject({ code: 2, err: expect.stringContaining('no column "label"') });
    const semi = join(dir, 'semi.csv');
    writeFileSync(semi, 'x;abnormality_class\n1;normal\n2;leak\n');
    expect(await run(semi)).toMatchObject({ code: 2, err: expect.stringContaining('semi.csv:1: no column "abnormality_class" (the --target); columns: "x;abnormality_class"; the header is one field with semicolons in it: kad reads values separated by commas') });
    writeFileSync(semi, 'x;abnormality_class\n1,5;normal\n2,5;leak\n'); // decimal commas: a row has more fields than the header
    expect(await run(semi)).toMatchObject({ code: 2, err: expect.stringContaining('semi.csv:2: expected 1 fields ("x;abnormality_class"), found 2; the header is one field with semicolons') });
    const blocked = join(dir, 'blocked');
    writeFileSync(blocked, 'x'); // a file where the model directory would go: said before the fit
    const b = io();
    expect(await main(['classify', 'train', '--data', data, '--target', 'abnormality_class', '--model-dir', join(blocked, 'm')], b)).toBe(2);
    expect(b.err).toMatch(/--model-dir .*blocked\/m: cannot create the directory \(ENOTDIR/);
    expect(b.err).not.toContain('fitting');
    const none = io(); // a data file that is not there: said, and no model directory made for it
    expect(await main(['classify', 'train', '--data', join(dir, 'no-such.csv'), '--target', 'abnormality_class', '--model-dir', join(dir, 'm-none')], none)).toBe(2);
    expect(none.err).toMatch(/no-such\.csv: cannot read: no such file/);
    expect(existsSync(join(dir, 'm-none'))).toBe(false);
    const oneClass = join(dir, 'one-class.csv'); // fails in the training, after the directory was made: it is removed again
    writeFileSync(oneClass, 'x,abnormality_class\n1,normal\n2,normal\n');
    expect(await main(['classify', 'train', '--data', oneClass, '--target', 'abnormality_class', '--model-dir', join(dir, 'm-fail', 'deep'), '-q'], io())).toBe(2);
    expect(existsSync(join(dir, 'm-fail'))).toBe(false);
    const one = join(dir, 'one.csv');
    writeFileSync(one, 'x,abnormality_class\n1,normal\n2,normal\n');
    expect(await run(one)).toMatchObject({ code: 2, err: expect.stringMatching(/one\.csv: column "abnormality_class" has a single class/) });
    const empty = join(dir, 'empty.csv');
    writeFileSync(empty, '');
    expect(await run(empty)).toMatchObject({ code: 2, err: expect.stringMatching(/empty\.csv: the file is empty/) });
    const pods = join(dir, 'pods.csv');
    writeFileSync(pods, 'pod,abnormality_class\n' + Array.from({ length: 50 }, (_, i) => `pod-${i},${i % 2 ? 'a' : 'b'}`).join('\n'));
    expect(await run(pods)).toMatchObject({ code: 2, err: expect.stringContaining('column "pod" is not numeric') });
    expect(existsSync(join(models, 'production.json'))).toBe(false);
    const c = io();
    expect(await main(['classify', 'predict', '--model-dir', models, '--input', data, '--output', join(dir, 'x.csv')], c)).toBe(1);
    expect(c.err).toContain('no production classifier');
  });

  it('lists its sub-commands, and refuses an unknown one or a bad option', async () => {
    const h = io();
    expect(await main(['classify', '--help'], h)).toBe(0);
    expect(h.out).toContain('kad classify train');
    expect(h.out).toContain('kad classify predict');
    const u = io();
    expect(await main(['classify', 'fly'], u)).toBe(2);
    expect(u.err).toContain('unknown sub-command "fly"');
    const b = io();
    expect(await main(['classify', 'train', '--data', data, '--target', 'x', '--model-dir', dir, '--algorithm', 'svm'], b)).toBe(2);
    expect(b.err).toContain('--algorithm must be one of rf, gbdt, logistic, stack');
    const t = io();
    expect(await main(['classify', 'train', '--help'], t)).toBe(0);
    expect(t.out).toContain('--smote');
  });
});
