import { describe, expect, it } from 'vitest';
import { InputError, ModelFormatError } from '../core/errors.js';
import { blobs, sliceRows, withHoles } from './fixtures.testkit.js';
import { createClassifier, loadClassifier } from './index.js';
import { argmaxRows, indexLabels } from './labels.js';
import { macroF1 } from './metrics.js';
import { chooseOutOfFold, type StackingClassifier } from './stacking.js';

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

  it('predicts with a member alone when the meta-learner does not beat it clearly out of fold, and saves the choice', () => {
    // A meta-learner regularised to the class prior (C tiny) is worse out of fold than any useful member.
    const stack = createClassifier('stack', { ...small, C: 1e-6 }, 3) as StackingClassifier;
    stack.fit(train.frame, train.labels);
    const scores = stack.outOfFoldScores;
    expect(scores).toHaveLength(4);
    expect(scores[3]).toBeLessThan(0.5);
    expect(stack.chosen).toBeGreaterThanOrEqual(0);
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

  it('chooses out of fold: the first member unless a paired t-test says a later one or the meta-learner beats it', () => {
    // 5 folds of 4 rows, 2 classes; y alternates.
    const y = Int32Array.from({ length: 20 }, (_, i) => i % 2);
    const folds = Int32Array.from({ length: 20 }, (_, i) => Math.floor(i / 4));
    const wrong = (rows: (i: number) => boolean) => Int32Array.from(y, (v, i) => (rows(i) ? 1 - v : v));
    const first = wrong((i) => i % 4 === 0); // one row of each fold wrong
    expect(chooseOutOfFold([first, first, first], y, 2, folds, 5)).toBe(0); // ties keep the first
    expect(chooseOutOfFold([first, y, first], y, 2, folds, 5)).toBe(1); // better in every fold
    expect(chooseOutOfFold([first, first, y], y, 2, folds, 5)).toBe(-1); // the meta-learner, last
    expect(chooseOutOfFold([first, wrong((i) => i === 0), y], y, 2, folds, 5)).toBe(-1); // both clearly better: the larger gain
    expect(chooseOutOfFold([first, wrong((i) => i === 0), first], y, 2, folds, 5)).toBe(1); // better in 4 folds of 5
    // Better in 2 folds of 5, the same in 3: 1.6 standard errors, under t(0.95, 4) = 2.13 (the one-standard-error rule took it).
    expect(chooseOutOfFold([first, wrong((i) => i % 4 === 0 && i >= 8), first], y, 2, folds, 5)).toBe(0);
    // Better in one fold, worse in another: not clearly better, the first stays.
    expect(chooseOutOfFold([first, wrong((i) => (i % 4 === 0 && i !== 0) || i === 5), first], y, 2, folds, 5)).toBe(0);
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
