import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.js';
import { ModelFormatError } from '../core/errors.js';
import { addTrees, decodeTreeSet, encodeTreeSet, leafOf, TreeSetBuilder, type TreeSet } from './tree-store.js';

/** `trees` random trees over `d` features, `width` values per leaf (some leaves with one nonzero value, some with several). */
function randomTrees(seed: number, trees: number, d: number, width: number, outCols: number): TreeSet {
  const rng = createRng(seed);
  const b = new TreeSetBuilder(width);
  for (let t = 0; t < trees; t++) {
    const root = b.beginTree(rng.int(outCols - width + 1));
    let height = 0;
    const grow = (n: number, depth: number): void => {
      if (depth > height) height = depth;
      if (depth < 12 && rng.next() < 0.8 - depth * 0.04) {
        const left = b.split(n, rng.int(d), rng.normal(), rng.next() < 0.5);
        grow(left, depth + 1);
        grow(left + 1, depth + 1);
        return;
      }
      const v = Array.from({ length: width }, () => (rng.next() < 0.5 ? 0 : rng.next()));
      if (rng.next() < 0.5) v.fill(0)[rng.int(width)] = 1;
      b.setValue(n, v);
    };
    grow(root, 0);
    b.endTree(height);
  }
  return b.finish(d);
}

/** The sums one row and one tree at a time, in tree order. */
function reference(s: TreeSet, data: Float64Array, rows: number, cols: number, outCols: number): Float64Array {
  const out = new Float64Array(rows * outCols);
  for (let i = 0; i < rows; i++) {
    for (let t = 0; t < s.root.length; t++) {
      const n = leafOf(s, t, data, i * cols);
      for (let k = 0; k < s.width; k++) out[i * outCols + s.column[t] + k] += s.value[n * s.width + k];
    }
  }
  return out;
}

describe('addTrees', () => {
  it('adds exactly what walking each row through each tree in order adds, missing values included', () => {
    const d = 5, cols = 7; // the frame may carry more columns than the trees use
    for (const [width, outCols] of [[1, 3], [4, 4]]) {
      const s = randomTrees(width, 37, d, width, outCols);
      for (const rows of [1, 7, 8, 300, 531]) {
        const rng = createRng(rows);
        const data = Float64Array.from({ length: rows * cols }, () => (rng.next() < 0.03 ? NaN : rng.normal()));
        const out = new Float64Array(rows * outCols);
        addTrees(s, data, rows, cols, out, outCols);
        expect(out).toEqual(reference(s, data, rows, cols, outCols));
        const back = decodeTreeSet(JSON.parse(JSON.stringify(encodeTreeSet(s))), d, outCols, 'test');
        const again = new Float64Array(rows * outCols);
        addTrees(back, data, rows, cols, again, outCols);
        expect(again).toEqual(out);
      }
    }
  });

  it('refuses saved trees whose leaf has a threshold or a missing-value side (prediction steps past leaves)', () => {
    const s = randomTrees(3, 4, 3, 1, 1);
    const leaf = Array.from(s.child.keys()).find((i) => s.child[i] === i) as number;
    const bad = { ...s, threshold: Float64Array.from(s.threshold) };
    bad.threshold[leaf] = 0.5;
    expect(() => decodeTreeSet(encodeTreeSet(bad), 3, 1, 'test')).toThrow(ModelFormatError);
    const bad2 = { ...s, missingRight: Uint8Array.from(s.missingRight) };
    bad2.missingRight[leaf] = 1;
    expect(() => decodeTreeSet(encodeTreeSet(bad2), 3, 1, 'test')).toThrow(ModelFormatError);
    expect(() => decodeTreeSet(encodeTreeSet(s), 3, 1, 'test')).not.toThrow();
  });
});
