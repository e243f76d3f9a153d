import { describe, expect, it } from 'vitest';
import { InputError, ModelFormatError } from '../core/errors.js';
import { blobs, sliceRows, withHoles } from './fixtures.testkit.js';
import { createClassifier, loadClassifier } from './index.js';
import { argmaxRows, indexLabels } from './labels.js';
import { macroF1 } from './metrics.js';
import type { StackingClassifier } from './stacking.js';

const small = { members: [{ kind: 'random-forest', params: { nEstimators: 15 } }, { kind: 'gbdt', params: { maxIter: 15 } }, { kind: 'logistic' }], folds: 3 };

describe('StackingClassifier', () => {
  const data = blobs(2, 900, 4, 3, 1.2);
  const train = sliceRows(data, 0, 600);
  const test = sliceRows(data, 600, 900);
  const f1 = (p: Float64Array) => macroF1(indexLabels(test.labels, ['c0', 'c1', 'c2']), argmaxRows(p, 3), 3);

  it('is about as good as its best member on held-out data', () => {
    const stack = createClassifier('stack', small, 1) as StackingClassifier;
    stack.fit(train.frame, train.labels);
    const best = Math.max(...stack.members.map((m) => f1(m.predictProba(test.frame))));
    expect(f1(stack.predictProba(test.frame))).toBeGreaterThan(best - 0.03);
  });

  it('round-trips through JSON with identical probabilities (missing values included)', () => {
    const stack = createClassifier('stack', small, 2);
    stack.fit(withHoles(train.frame, 0.1), train.labels);
    const back = loadClassifier(JSON.parse(JSON.stringify(stack.toJSON())));
    const holes = withHoles(test.frame, 0.1);
    expect(back.predictProba(holes)).toEqual(stack.predictProba(holes));
    expect(back.classes).toEqual(stack.classes);
  });

  it('predicts with its best member alone when that member beats the meta-learner out of fold, and saves the choice', () => {
    // A meta-learner regularised to the class prior (C tiny) is worse out of fold than any useful member.
    const stack = createClassifier('stack', { ...small, C: 1e-6 }, 3) as StackingClassifier;
    stack.fit(train.frame, train.labels);
    const scores = stack.outOfFoldScores;
    expect(scores).toHaveLength(4);
    expect(scores[3]).toBeLessThan(0.5);
    expect(stack.chosen).toBe(scores.slice(0, 3).indexOf(Math.max(...scores.slice(0, 3))));
    expect(stack.predictProba(test.frame)).toEqual(stack.members[stack.chosen].predictProba(test.frame));
    expect(f1(stack.predictProba(test.frame))).toBeGreaterThan(0.9);
    const s = JSON.parse(JSON.stringify(stack.toJSON()));
    const back = loadClassifier(s) as StackingClassifier;
    expect(back.chosen).toBe(stack.chosen);
    expect(back.predictProba(test.frame)).toEqual(stack.predictProba(test.frame));
    // A version-1 snapshot (before the choice) is read as the meta-learner's; a bad choice is refused.
    const v1 = loadClassifier({ ...s, formatVersion: 1, state: { ...s.state, chosen: undefined } }) as StackingClassifier;
    expect(v1.chosen).toBe(-1);
    expect(() => loadClassifier({ ...s, state: { ...s.state, chosen: 3 } })).toThrow(/state.chosen/);
  });

  it('refuses bad members and snapshots', () => {
    expect(() => createClassifier('stack', { members: [] })).toThrow(InputError);
    expect(() => createClassifier('stack', { members: [{ kind: 'stack' }] })).toThrow(/members/);
    expect(() => createClassifier('stack', { members: [{ kind: 'nope' }] })).toThrow(/unknown classifier/);
    const stack = createClassifier('stack', { ...small, members: small.members.slice(2) });
    stack.fit(train.frame, train.labels);
    const s = stack.toJSON();
    expect(() => loadClassifier({ ...s, state: { ...(s.state as object), members: [] } })).toThrow(ModelFormatError);
  });
});
