import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError, ModelFormatError } from '../core/errors.js';
import { blobs, withHoles } from './fixtures.testkit.js';
import { classifierKinds, createClassifier, loadClassifier, prepareClassifiers } from './index.js';
import { argmaxRows, indexLabels } from './labels.js';
import { macroF1 } from './metrics.js';

// The neural kinds' modules (TensorFlow.js) are loaded on demand (index.ts); the cpu backend, as before.
await prepareClassifiers(classifierKinds());

const FAST: Record<string, Record<string, unknown>> = {
  'random-forest': { nEstimators: 10 }, gbdt: { maxIter: 10 }, logistic: {},
  stack: { members: [{ kind: 'random-forest', params: { nEstimators: 5 } }, { kind: 'logistic' }], folds: 2 },
  mlp: { epochs: 20, hidden: [16] }, cnn: { epochs: 20, filters: [8], hidden: [] }, gnn: { epochs: 20, hidden: [16] },
};

// One contract, run over every registered kind: learns, handles NaN, same seed same model, JSON round trip.
describe.each(classifierKinds())('classifier contract: %s', (kind) => {
  const data = blobs(7, 400, 3, 3, 4);
  const holes = withHoles(data.frame, 0.1);

  it('learns separable data, with missing values, probabilities in [0, 1] summing to 1', () => {
    const m = createClassifier(kind, FAST[kind], 1);
    m.fit(holes, data.labels);
    const p = m.predictProba(holes);
    expect(p.length).toBe(400 * 3);
    expect(p.every((v) => v >= 0 && v <= 1)).toBe(true);
    for (let i = 0; i < 400; i++) expect(p[i * 3] + p[i * 3 + 1] + p[i * 3 + 2]).toBeCloseTo(1, 9);
    expect(macroF1(indexLabels(data.labels, m.classes), argmaxRows(p, 3), 3)).toBeGreaterThan(0.9);
  });

  it('same seed, same probabilities; saved and loaded, identical probabilities', () => {
    const a = createClassifier(kind, FAST[kind], 3);
    const b = createClassifier(kind, FAST[kind], 3);
    a.fit(holes, data.labels);
    b.fit(holes, data.labels);
    expect(b.predictProba(holes)).toEqual(a.predictProba(holes));
    const back = loadClassifier(JSON.parse(JSON.stringify(a.toJSON())));
    expect(back.kind).toBe(kind);
    expect(back.predictProba(holes)).toEqual(a.predictProba(holes));
  });
});

describe('registry', () => {
  it('refuses unknown kinds and snapshots that are not classifiers', () => {
    expect(() => createClassifier('svm')).toThrow(InputError);
    expect(() => loadClassifier(null)).toThrow(ModelFormatError);
    expect(() => loadClassifier({ kind: 'iforest', formatVersion: 1 })).toThrow(/not a classifier snapshot/);
    const m = createClassifier('logistic');
    m.fit(blobs(1, 50, 2, 2).frame, blobs(1, 50, 2, 2).labels);
    expect(() => loadClassifier({ ...m.toJSON(), formatVersion: 2 })).toThrow(/formatVersion/);
  });
});

// In a child process: this one has loaded TensorFlow.js above. A resolve hook prints every @tensorflow module resolved.
describe('TensorFlow.js on demand', () => {
  it('creating, fitting, saving and loading trees and stacks of them loads no @tensorflow module; a neural kind before prepareClassifiers is an InputError saying so, and works after', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kad-clf-lazy-'));
    const hook = join(dir, 'hook.mjs');
    writeFileSync(hook, `import { writeSync } from 'node:fs';
      export async function resolve(s, c, next) { const r = await next(s, c); if (r.url.includes('@tensorflow')) writeSync(2, 'TFJS ' + r.url + '\\n'); return r; }`);
    const register = join(dir, 'register.mjs');
    writeFileSync(register, `import { register } from 'node:module'; register(${JSON.stringify(new URL(`file://${hook}`).href)});`);
    const script = join(dir, 'child.mts');
    writeFileSync(script, `
      import { writeSync } from 'node:fs';
      const { createClassifier, loadClassifier, prepareClassifiers } = await import(${JSON.stringify(resolve(__dirname, 'index.ts'))});
      const rows = 80;
      const labels = Array.from({ length: rows }, (_, i) => (i % 2 ? 'x' : 'y'));
      const frame = { names: ['a', 'b'], rows, cols: 2, data: Float64Array.from({ length: rows * 2 }, (_, j) => (j % 2 ? (j >> 1) % 2 + (j % 7) / 10 : j / 7)) };
      const roundTrip = (m) => loadClassifier(JSON.parse(JSON.stringify(m.toJSON())));
      const out = { errors: [] };
      const rf = createClassifier('random-forest', { nEstimators: 5 }, 1);
      rf.fit(frame, labels);
      out.rf = roundTrip(rf).predictProba(frame).length;
      const stack = createClassifier('stack', { members: [{ kind: 'random-forest', params: { nEstimators: 3 } }, { kind: 'logistic' }], folds: 2 }, 1);
      stack.fit(frame, labels);
      out.stack = roundTrip(stack).predictProba(frame).length;
      const saved = stack.toJSON();
      const attempts = [
        () => createClassifier('mlp'),
        () => createClassifier('stack', { members: [{ kind: 'random-forest' }, { kind: 'cnn' }] }),
        () => loadClassifier({ kind: 'gnn', formatVersion: 1, params: {}, state: {} }),
        () => loadClassifier({ ...saved, state: { ...saved.state, members: [saved.state.members[0], { kind: 'mlp', formatVersion: 1, params: {}, state: {} }] } }),
      ];
      for (const f of attempts) {
        try { f(); out.errors.push(null); } catch (e) { out.errors.push({ code: e.code, message: e.message }); }
      }
      writeSync(2, 'PREPARING\\n');
      await prepareClassifiers({ kind: 'stack', params: { members: [{ kind: 'mlp' }] } });
      const mlp = createClassifier('mlp', { epochs: 2, hidden: [4] }, 1);
      mlp.fit(frame, labels);
      out.mlp = roundTrip(mlp).predictProba(frame).length;
      console.log(JSON.stringify(out));
    `);
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', register, script], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const [before, after] = r.stderr.split('PREPARING\n');
    expect(before).not.toMatch(/@tensorflow/);
    expect(after).toMatch(/TFJS .*@tensorflow\/tfjs-core/); // the hook sees tfjs once it is loaded
    const out = JSON.parse(r.stdout) as { rf: number; stack: number; mlp: number; errors: ({ code: string; message: string } | null)[] };
    expect(out).toMatchObject({ rf: 160, stack: 160, mlp: 160 });
    expect(out.errors.map((e) => e?.code)).toEqual(['KAD_ERR_INPUT', 'KAD_ERR_INPUT', 'KAD_ERR_INPUT', 'KAD_ERR_INPUT']);
    expect(out.errors.map((e) => /"(mlp|cnn|gnn)" needs TensorFlow\.js.*await prepare/.exec(e!.message)?.[1])).toEqual(['mlp', 'cnn', 'gnn', 'mlp']);
  });
});
