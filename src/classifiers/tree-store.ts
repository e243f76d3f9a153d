/**
 * Decision trees in flat typed arrays, shared by the random forest and gradient boosting: per node a
 * split feature (Int32), a threshold (Float64; a row goes right when `x > threshold`), the left child
 * (Int32; the right one is next to it, and a leaf is its own child with an infinite threshold), the
 * side missing values go (Uint8) and `width` leaf values (Float64). Tree t adds its leaf's values to
 * the output columns `column[t] … column[t] + width − 1` of a row.
 *
 * Prediction allocates nothing per row: every row takes a fixed number of branch-free steps per tree
 * (`n = child[n] + (x > threshold[n] | (x is NaN & missingRight[n]))`, leaves absorbing the extra
 * steps, stopping once all are at leaves), eight rows interleaved (their values copied feature by
 * feature, so the eight walks share one base), per block of rows so a tree and a block stay in
 * cache; a leaf with one nonzero value (a pure leaf of a forest grown until pure) adds only that one.
 */
import { ModelFormatError } from '../core/errors.js';
import { fromBase64, toBase64, type TypedArrayType } from '../core/snapshot.js';

/** A set of trees; see the module comment. */
export interface TreeSet {
  /** Leaf values per node. */
  width: number;
  root: Int32Array;
  /** Steps from the root to the deepest leaf, per tree. */
  depth: Int32Array;
  /** First output column each tree adds to. */
  column: Int32Array;
  feature: Int32Array;
  threshold: Float64Array;
  child: Int32Array;
  missingRight: Uint8Array;
  value: Float64Array;
  /** Derived: `child << (shift + 1) | missingRight << shift | feature`, one load per step instead of three. */
  key: Int32Array;
  shift: number;
  /** Derived: per node, the one of its `width` values that is nonzero, or −1 (none, or more than one). */
  single: Int32Array;
}

/**
 * The longest JSON text a model's trees may take: a version file is written and read as one string,
 * and Node's longest is 2^29 − 24 characters; the rest is left for the other fields and for the other
 * models of a stack.
 */
const TREE_TEXT_BUDGET = 320_000_000;

/**
 * How many nodes of `width` leaf values over `d` features one {@link TreeSet} can hold: as many as fit
 * in the text budget (each node's feature, threshold, child, missing side and values, 17 + 8·width
 * bytes, in base64), and as the packed step keys address (2^(30 − ⌈log2 d⌉)).
 */
export function treeNodeCapacity(width: number, d: number): number {
  const text = Math.floor(TREE_TEXT_BUDGET / (((17 + 8 * width) * 4) / 3));
  return Math.min(text, keyCapacity(d) - 1);
}

/** Bits of a step key that hold the feature. */
function keyShift(d: number): number {
  return Math.max(1, Math.ceil(Math.log2(Math.max(d, 2))));
}

/** Nodes the packed step keys address over `d` features: a child index must fit beside the feature and the missing side in 31 bits. */
function keyCapacity(d: number): number {
  return 2 ** (30 - keyShift(d));
}

/** Grows a {@link TreeSet} node by node. New nodes are leaves until split. */
export class TreeSetBuilder {
  private n = 0;
  private feature = new Int32Array(1024);
  private threshold = new Float64Array(1024);
  private child = new Int32Array(1024);
  private missingRight = new Uint8Array(1024);
  private value: Float64Array;
  private readonly roots: number[] = [];
  private readonly depths: number[] = [];
  private readonly columns: number[] = [];

  constructor(readonly width: number) {
    this.value = new Float64Array(1024 * width);
  }

  /** Nodes so far. */
  get size(): number {
    return this.n;
  }

  /** Starts a tree adding to output column `column`; returns its root. */
  beginTree(column: number): number {
    this.columns.push(column);
    const r = this.alloc(1);
    this.roots.push(r);
    return r;
  }

  /** Ends the current tree, `depth` steps deep. */
  endTree(depth: number): void {
    this.depths.push(depth);
  }

  /** Splits leaf `n`: right when `x > threshold`, missing to the right when `missingRight`. Returns the left child. */
  split(n: number, feature: number, threshold: number, missingRight: boolean): number {
    const left = this.alloc(2);
    this.feature[n] = feature;
    this.threshold[n] = threshold;
    this.child[n] = left;
    this.missingRight[n] = missingRight ? 1 : 0;
    return left;
  }

  /** Sets leaf `n`'s values from `v[from …]`. */
  setValue(n: number, v: ArrayLike<number>, from = 0): void {
    for (let k = 0; k < this.width; k++) this.value[n * this.width + k] = v[from + k];
  }

  /** The leaf the tree rooted at `root` (grown so far) sends row `data[off …]` to; see {@link leafOf}. */
  leaf(root: number, data: Float64Array, off: number): number {
    const { feature, threshold, child, missingRight } = this;
    let n = root;
    while (child[n] !== n) {
      const v = data[off + feature[n]];
      n = child[n] + (v > threshold[n] ? 1 : v <= threshold[n] ? 0 : missingRight[n]);
    }
    return n;
  }

  /** Leaf value `k` of node `n`. */
  valueAt(n: number, k: number): number {
    return this.value[n * this.width + k];
  }

  /** The finished trees over `d` features. */
  finish(d: number): TreeSet {
    const n = this.n;
    return withKeys({
      width: this.width, root: Int32Array.from(this.roots), depth: Int32Array.from(this.depths), column: Int32Array.from(this.columns),
      feature: this.feature.slice(0, n), threshold: this.threshold.slice(0, n), child: this.child.slice(0, n),
      missingRight: this.missingRight.slice(0, n), value: this.value.slice(0, n * this.width), key: new Int32Array(0), shift: 0, single: new Int32Array(0),
    }, d);
  }

  private alloc(k: number): number {
    const first = this.n;
    if (first + k > this.child.length) {
      const cap = Math.max(2 * this.child.length, first + k);
      const grow = <A extends Int32Array | Float64Array | Uint8Array>(a: A, per = 1): A => {
        const b = new (a.constructor as { new (n: number): A })(cap * per);
        b.set(a);
        return b;
      };
      this.feature = grow(this.feature);
      this.threshold = grow(this.threshold);
      this.child = grow(this.child);
      this.missingRight = grow(this.missingRight);
      this.value = grow(this.value, this.width);
    }
    for (let i = first; i < first + k; i++) {
      this.child[i] = i;
      this.threshold[i] = Infinity;
      this.feature[i] = 0;
    }
    this.n += k;
    return first;
  }
}

function withKeys(s: TreeSet, d: number): TreeSet {
  const shift = keyShift(d);
  const n = s.child.length;
  if (n >= keyCapacity(d)) throw new ModelFormatError(`trees: ${n} nodes over ${d} features is too large a model; use fewer or shallower trees`);
  const key = new Int32Array(n);
  for (let i = 0; i < n; i++) key[i] = (s.child[i] << (shift + 1)) | (s.missingRight[i] << shift) | s.feature[i];
  const single = new Int32Array(n).fill(-1);
  for (let i = 0, w = s.width; i < n; i++) {
    let nz = 0;
    for (let k = 0; k < w; k++) {
      if (s.value[i * w + k] !== 0) {
        nz++;
        single[i] = k;
      }
    }
    if (nz !== 1) single[i] = -1;
  }
  return { ...s, key, shift, single };
}

/** The leaf tree `t` sends row `data[off …]` to (missing values by the learned direction). */
export function leafOf(s: TreeSet, t: number, data: Float64Array, off: number): number {
  const { feature, threshold, child, missingRight } = s;
  let n = s.root[t];
  while (child[n] !== n) {
    const v = data[off + feature[n]];
    n = child[n] + (v > threshold[n] ? 1 : v <= threshold[n] ? 0 : missingRight[n]);
  }
  return n;
}

/** Rows per block: a block of rows and one tree stay in L1 cache together. */
const BLOCK = 256;

/**
 * Adds the leaf values of trees `from … to − 1` to `out` (rows × `outCols`) for every row of `data`
 * (rows × `cols`, `cols` ≥ the trees' features), tree by tree over blocks of rows, each row's trees
 * added in tree order (so the sums are the same as one row at a time). Allocates nothing per row or
 * tree: a block's rows are copied eight at a time feature by feature (`tb[g + 8·feature + r]` for
 * row r of the eight at g), so the eight walks of a tree address their values from one base; a
 * step is `n = child + (x > threshold | (x is NaN & missing goes right))`, branch-free, the eight
 * rows interleaved, until all eight are at leaves (or the tree's depth is reached); eight rows
 * without a missing value take steps without the NaN test. Rows left over (fewer than eight) walk
 * one at a time.
 */
export function addTrees(s: TreeSet, data: Float64Array, rows: number, cols: number, out: Float64Array, outCols: number, from = 0, to = s.root.length): void {
  const gc = 8 * cols; // values per eight rows
  const tb = new Float64Array(BLOCK * cols);
  const missing = new Uint8Array(BLOCK / 8); // per eight rows of a block: 1 when one misses a value
  for (let b0 = 0; b0 < rows; b0 += BLOCK) {
    const b1 = Math.min(rows, b0 + BLOCK);
    const full = (b1 - b0) & ~7; // rows in whole eights
    for (let i = 0; i < full; i += 8) {
      let clean = true;
      for (let r = 0; r < 8; r++) {
        for (let f = 0, q = (b0 + i + r) * cols, z = i * cols + r; f < cols; f++, z += 8) {
          const v = data[q + f];
          tb[z] = v;
          if (v !== v) clean = false;
        }
      }
      missing[i >> 3] = clean ? 0 : 1;
    }
    for (let t = from; t < to; t++) {
      addTree(s, t, tb, gc, full, missing, out, outCols, b0);
      const c = s.column[t];
      for (let r = b0 + full; r < b1; r++) addLeaf(s, leafOf(s, t, data, r * cols), out, r * outCols + c);
    }
  }
}

/** Adds leaf `n`'s values to `out[o …]`: only its one nonzero value when it has one (adding zeros changes no sum). */
function addLeaf(s: TreeSet, n: number, out: Float64Array, o: number): void {
  const { value, width } = s;
  if (width === 1) {
    out[o] += value[n];
    return;
  }
  const k = s.single[n];
  if (k >= 0) out[o + k] += value[n * width + k];
  else for (let j = 0; j < width; j++) out[o + j] += value[n * width + j];
}

/**
 * Tree `t` on the first `full` rows of the block at row `b0`, copied eight at a time into `tb` (`gc`
 * values per eight; `missing[g]`: whether the g-th eight miss a value).
 */
function addTree(s: TreeSet, t: number, tb: Float64Array, gc: number, full: number, missing: Uint8Array, out: Float64Array, outCols: number, b0: number): void {
  const { key, shift, threshold } = s;
  const mask = (1 << shift) - 1;
  const cs = shift + 1; // key = child << (shift + 1) | missingRight << shift | feature
  const r = s.root[t], depth = s.depth[t], c = s.column[t];
  for (let i = 0, g = 0; i < full; i += 8, g = (g + gc) | 0) {
    let n0 = r, n1 = r, n2 = r, n3 = r, n4 = r, n5 = r, n6 = r, n7 = r;
    // Two steps at a time. A leaf is its own child, and a row at an inner node always moves: once no
    // row moves in a step, all eight are at leaves (checked every second step; extra steps stay put).
    if (missing[i >> 3] === 0) {
      for (let h = depth, k = 0, m = 0, moved = 0; h > 0; h -= 2) {
        k = key[n0]; n0 = ((k >> cs) + +(tb[(g + ((k & mask) << 3) + 0) | 0] > threshold[n0])) | 0;
        k = key[n1]; n1 = ((k >> cs) + +(tb[(g + ((k & mask) << 3) + 1) | 0] > threshold[n1])) | 0;
        k = key[n2]; n2 = ((k >> cs) + +(tb[(g + ((k & mask) << 3) + 2) | 0] > threshold[n2])) | 0;
        k = key[n3]; n3 = ((k >> cs) + +(tb[(g + ((k & mask) << 3) + 3) | 0] > threshold[n3])) | 0;
        k = key[n4]; n4 = ((k >> cs) + +(tb[(g + ((k & mask) << 3) + 4) | 0] > threshold[n4])) | 0;
        k = key[n5]; n5 = ((k >> cs) + +(tb[(g + ((k & mask) << 3) + 5) | 0] > threshold[n5])) | 0;
        k = key[n6]; n6 = ((k >> cs) + +(tb[(g + ((k & mask) << 3) + 6) | 0] > threshold[n6])) | 0;
        k = key[n7]; n7 = ((k >> cs) + +(tb[(g + ((k & mask) << 3) + 7) | 0] > threshold[n7])) | 0;
        k = key[n0]; m = ((k >> cs) + +(tb[(g + ((k & mask) << 3) + 0) | 0] > threshold[n0])) | 0; moved = m ^ n0; n0 = m;
        k = key[n1]; m = ((k >> cs) + +(tb[(g + ((k & mask) << 3) + 1) | 0] > threshold[n1])) | 0; moved |= m ^ n1; n1 = m;
        k = key[n2]; m = ((k >> cs) + +(tb[(g + ((k & mask) << 3) + 2) | 0] > threshold[n2])) | 0; moved |= m ^ n2; n2 = m;
        k = key[n3]; m = ((k >> cs) + +(tb[(g + ((k & mask) << 3) + 3) | 0] > threshold[n3])) | 0; moved |= m ^ n3; n3 = m;
        k = key[n4]; m = ((k >> cs) + +(tb[(g + ((k & mask) << 3) + 4) | 0] > threshold[n4])) | 0; moved |= m ^ n4; n4 = m;
        k = key[n5]; m = ((k >> cs) + +(tb[(g + ((k & mask) << 3) + 5) | 0] > threshold[n5])) | 0; moved |= m ^ n5; n5 = m;
        k = key[n6]; m = ((k >> cs) + +(tb[(g + ((k & mask) << 3) + 6) | 0] > threshold[n6])) | 0; moved |= m ^ n6; n6 = m;
        k = key[n7]; m = ((k >> cs) + +(tb[(g + ((k & mask) << 3) + 7) | 0] > threshold[n7])) | 0; moved |= m ^ n7; n7 = m;
        if (moved === 0) break;
      }
    } else {
      for (let h = depth, k = 0, v = 0, m = 0, moved = 0; h > 0; h -= 2) {
        k = key[n0]; v = tb[(g + ((k & mask) << 3) + 0) | 0]; n0 = ((k >> cs) + (+(v > threshold[n0]) | (+(v !== v) & (k >> shift)))) | 0;
        k = key[n1]; v = tb[(g + ((k & mask) << 3) + 1) | 0]; n1 = ((k >> cs) + (+(v > threshold[n1]) | (+(v !== v) & (k >> shift)))) | 0;
        k = key[n2]; v = tb[(g + ((k & mask) << 3) + 2) | 0]; n2 = ((k >> cs) + (+(v > threshold[n2]) | (+(v !== v) & (k >> shift)))) | 0;
        k = key[n3]; v = tb[(g + ((k & mask) << 3) + 3) | 0]; n3 = ((k >> cs) + (+(v > threshold[n3]) | (+(v !== v) & (k >> shift)))) | 0;
        k = key[n4]; v = tb[(g + ((k & mask) << 3) + 4) | 0]; n4 = ((k >> cs) + (+(v > threshold[n4]) | (+(v !== v) & (k >> shift)))) | 0;
        k = key[n5]; v = tb[(g + ((k & mask) << 3) + 5) | 0]; n5 = ((k >> cs) + (+(v > threshold[n5]) | (+(v !== v) & (k >> shift)))) | 0;
        k = key[n6]; v = tb[(g + ((k & mask) << 3) + 6) | 0]; n6 = ((k >> cs) + (+(v > threshold[n6]) | (+(v !== v) & (k >> shift)))) | 0;
        k = key[n7]; v = tb[(g + ((k & mask) << 3) + 7) | 0]; n7 = ((k >> cs) + (+(v > threshold[n7]) | (+(v !== v) & (k >> shift)))) | 0;
        k = key[n0]; v = tb[(g + ((k & mask) << 3) + 0) | 0]; m = ((k >> cs) + (+(v > threshold[n0]) | (+(v !== v) & (k >> shift)))) | 0; moved = m ^ n0; n0 = m;
        k = key[n1]; v = tb[(g + ((k & mask) << 3) + 1) | 0]; m = ((k >> cs) + (+(v > threshold[n1]) | (+(v !== v) & (k >> shift)))) | 0; moved |= m ^ n1; n1 = m;
        k = key[n2]; v = tb[(g + ((k & mask) << 3) + 2) | 0]; m = ((k >> cs) + (+(v > threshold[n2]) | (+(v !== v) & (k >> shift)))) | 0; moved |= m ^ n2; n2 = m;
        k = key[n3]; v = tb[(g + ((k & mask) << 3) + 3) | 0]; m = ((k >> cs) + (+(v > threshold[n3]) | (+(v !== v) & (k >> shift)))) | 0; moved |= m ^ n3; n3 = m;
        k = key[n4]; v = tb[(g + ((k & mask) << 3) + 4) | 0]; m = ((k >> cs) + (+(v > threshold[n4]) | (+(v !== v) & (k >> shift)))) | 0; moved |= m ^ n4; n4 = m;
        k = key[n5]; v = tb[(g + ((k & mask) << 3) + 5) | 0]; m = ((k >> cs) + (+(v > threshold[n5]) | (+(v !== v) & (k >> shift)))) | 0; moved |= m ^ n5; n5 = m;
        k = key[n6]; v = tb[(g + ((k & mask) << 3) + 6) | 0]; m = ((k >> cs) + (+(v > threshold[n6]) | (+(v !== v) & (k >> shift)))) | 0; moved |= m ^ n6; n6 = m;
        k = key[n7]; v = tb[(g + ((k & mask) << 3) + 7) | 0]; m = ((k >> cs) + (+(v > threshold[n7]) | (+(v !== v) & (k >> shift)))) | 0; moved |= m ^ n7; n7 = m;
        if (moved === 0) break;
      }
    }
    addLeaf(s, n0, out, (b0 + i + 0) * outCols + c);
    addLeaf(s, n1, out, (b0 + i + 1) * outCols + c);
    addLeaf(s, n2, out, (b0 + i + 2) * outCols + c);
    addLeaf(s, n3, out, (b0 + i + 3) * outCols + c);
    addLeaf(s, n4, out, (b0 + i + 4) * outCols + c);
    addLeaf(s, n5, out, (b0 + i + 5) * outCols + c);
    addLeaf(s, n6, out, (b0 + i + 6) * outCols + c);
    addLeaf(s, n7, out, (b0 + i + 7) * outCols + c);
  }
}

/** The trees as JSON-safe data (typed arrays in base64). */
export function encodeTreeSet(s: TreeSet): Record<string, unknown> {
  return {
    width: s.width, root: toBase64(s.root), depth: toBase64(s.depth), column: toBase64(s.column), feature: toBase64(s.feature),
    threshold: toBase64(s.threshold), child: toBase64(s.child), missingRight: toBase64(s.missingRight), value: toBase64(s.value),
  };
}

/**
 * Decodes trees saved by {@link encodeTreeSet} over `d` features and `outCols` output columns, checking
 * every index so a bad file cannot make prediction read out of bounds. Throws {@link ModelFormatError}.
 */
export function decodeTreeSet(v: unknown, d: number, outCols: number, kind: string): TreeSet {
  if (typeof v !== 'object' || v === null) throw new ModelFormatError(`${kind} snapshot: field "state.trees" must be an object`);
  const r = v as Record<string, unknown>;
  const get = <A>(type: TypedArrayType<A>, name: string): A => fromBase64(type, r[name], kind, `state.trees.${name}`);
  const width = r.width;
  if (typeof width !== 'number' || !Number.isInteger(width) || width < 1 || width > outCols) {
    throw new ModelFormatError(`${kind} snapshot: field "state.trees.width" must be an integer in [1, ${outCols}]`);
  }
  const s: TreeSet = {
    width, root: get(Int32Array, 'root'), depth: get(Int32Array, 'depth'), column: get(Int32Array, 'column'), feature: get(Int32Array, 'feature'),
    threshold: get(Float64Array, 'threshold'), child: get(Int32Array, 'child'), missingRight: get(Uint8Array, 'missingRight'),
    value: get(Float64Array, 'value'), key: new Int32Array(0), shift: 0, single: new Int32Array(0),
  };
  const n = s.child.length;
  const trees = s.root.length;
  const ok = s.depth.length === trees && s.column.length === trees && [s.feature, s.threshold, s.missingRight].every((a) => a.length === n) &&
    s.value.length === n * width && s.root.every((x) => x >= 0 && x < n) && s.depth.every((x) => x >= 0 && x <= 4096) &&
    s.column.every((c) => c >= 0 && c + width <= outCols) && s.feature.every((f) => f >= 0 && f < Math.max(d, 1)) &&
    s.child.every((c, i) => (c === i ? s.threshold[i] === Infinity && s.missingRight[i] === 0 : c > i && c + 1 < n));
  if (!ok) throw new ModelFormatError(`${kind} snapshot: field "state.trees" is inconsistent (array lengths or node indices out of range, or a leaf with a split)`);
  return withKeys(s, d);
}
