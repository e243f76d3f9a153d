/**
 * Stratified splits: a train/test split and k folds that keep each class's share, seeded; and taking a
 * subset of a frame's rows.
 */
import { InputError } from '../core/errors.js';
import type { Frame } from '../core/frame.js';
import { createRng, type Rng } from '../core/rng.js';

/** Row indices of the two parts, ascending. */
export interface TrainTestIndices {
  train: Int32Array;
  test: Int32Array;
}

/** Class k's rows, shuffled by `rng`. */
function shuffledByClass(y: Int32Array, nClasses: number, rng: Rng): number[][] {
  const by: number[][] = Array.from({ length: nClasses }, () => []);
  for (let i = 0; i < y.length; i++) by[y[i]].push(i);
  for (const rows of by) {
    for (let i = rows.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [rows[i], rows[j]] = [rows[j], rows[i]];
    }
  }
  return by;
}

/**
 * Splits rows so that each class puts a share `testSize` (rounded; at least one row when it has two
 * or more, and never all of them) in the test part. Throws {@link InputError} unless 0 < testSize < 1.
 */
export function stratifiedSplit(y: Int32Array, nClasses: number, testSize: number, seed: number): TrainTestIndices {
  if (!(testSize > 0 && testSize < 1)) throw new InputError(`test size must be in (0, 1), got ${testSize}`);
  const train: number[] = [];
  const test: number[] = [];
  for (const rows of shuffledByClass(y, nClasses, createRng(seed))) {
    let k = Math.round(rows.length * testSize);
    if (rows.length >= 2) k = Math.min(rows.length - 1, Math.max(1, k));
    else k = 0;
    for (let i = 0; i < rows.length; i++) (i < k ? test : train).push(rows[i]);
  }
  return { train: Int32Array.from(train).sort(), test: Int32Array.from(test).sort() };
}

/**
 * Assigns each row one of `k` folds, each class dealt round the folds in turn (continuing where the
 * previous class stopped, so fold sizes differ by at most one). Throws {@link InputError} unless k ≥ 2.
 */
export function stratifiedFolds(y: Int32Array, nClasses: number, k: number, seed: number): Int32Array {
  if (!(Number.isInteger(k) && k >= 2)) throw new InputError(`folds must be an integer >= 2, got ${k}`);
  const fold = new Int32Array(y.length);
  let next = 0;
  for (const rows of shuffledByClass(y, nClasses, createRng(seed))) {
    for (const r of rows) {
      fold[r] = next;
      next = (next + 1) % k;
    }
  }
  return fold;
}

/** The rows of fold `f` (`test`) and the others (`train`). */
export function foldIndices(fold: Int32Array, f: number): TrainTestIndices {
  const train: number[] = [];
  const test: number[] = [];
  for (let i = 0; i < fold.length; i++) (fold[i] === f ? test : train).push(i);
  return { train: Int32Array.from(train), test: Int32Array.from(test) };
}

/** A frame of rows `idx` of `frame` (copied, in that order). */
export function takeRows(frame: Frame, idx: ArrayLike<number>): Frame {
  const { cols } = frame;
  const data = new Float64Array(idx.length * cols);
  for (let i = 0; i < idx.length; i++) data.set(frame.data.subarray(idx[i] * cols, idx[i] * cols + cols), i * cols);
  const times = frame.times ? Float64Array.from(idx, (r) => (frame.times as Float64Array)[r]) : undefined;
  return { names: frame.names, rows: idx.length, cols, data, ...(times ? { times } : {}) };
}

/** The entries `idx` of `a`. */
export function takeItems<T>(a: readonly T[], idx: ArrayLike<number>): T[] {
  return Array.from(idx, (i) => a[i]);
}
