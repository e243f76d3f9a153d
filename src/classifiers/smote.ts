/**
 * SMOTE (Chawla et al. 2002): new rows for the smaller classes, each on the segment between a row of
 * the class and one of its `k` nearest neighbours in the same class, at a uniform random point; and
 * SMOTE-NC for data with categorical (one-hot) columns: their mismatch adds the median standard
 * deviation of the continuous columns (within the class) to the distance, and a new row takes the
 * category most of its neighbours have. Distances are measured in standardised space (missing values
 * at the mean); a new value is missing where its base row's is. Seeded. As imbalanced-learn's
 * default, every class but the largest is raised to the largest's size.
 */
import { InputError } from '../core/errors.js';
import type { Frame } from '../core/frame.js';
import { createRng } from '../core/rng.js';
import { StandardScaler } from '../features/standard-scaler.js';
import { insertSortedWith } from '../stats/sorted-windows.js';

/** SMOTE settings. */
export interface SmoteOptions {
  /** Neighbours to interpolate towards (default 5). */
  k?: number;
  seed?: number;
  /** Groups of one-hot column indices, one group per categorical feature (SMOTE-NC); default none. */
  categorical?: readonly (readonly number[])[];
  /** Rows wanted per class (at least its own count); default: every class as large as the largest. */
  targets?: Readonly<Record<string, number>>;
}

/** The data with the new rows appended, and how many each class got. */
export interface SmoteResult {
  frame: Frame;
  labels: string[];
  added: Record<string, number>;
}

/** Indices of the `k` nearest rows of `rows` (within `Z`, d wide) to row `rows[a]`, nearest first. */
function nearest(Z: Float64Array, d: number, rows: readonly number[], a: number, k: number, cont: Int32Array, groups: readonly (readonly number[])[], cat: Int32Array, pen: number, out: Int32Array, dist: Float64Array): number {
  let m = 0;
  const ra = rows[a];
  for (let b = 0; b < rows.length; b++) {
    if (b === a) continue;
    const rb = rows[b];
    let s = 0;
    for (let q = 0; q < cont.length; q++) {
      const t = Z[ra * d + cont[q]] - Z[rb * d + cont[q]];
      s += t * t;
    }
    for (let g = 0; g < groups.length; g++) if (cat[ra * groups.length + g] !== cat[rb * groups.length + g]) s += pen;
    if (m < k) m++;
    else if (s >= dist[m - 1]) continue;
    insertSortedWith(dist, out, m - 1, s, rb); // the farthest of k falls out
  }
  return m;
}

/** Oversamples the smaller classes of `frame`/`labels`; see the module comment. Throws {@link InputError} on bad options. */
export function smote(frame: Frame, labels: readonly string[], opts: SmoteOptions = {}): SmoteResult {
  const k = opts.k ?? 5;
  if (!(Number.isInteger(k) && k >= 1)) throw new InputError(`smote: k must be an integer >= 1, got ${k}`);
  if (labels.length !== frame.rows) throw new InputError(`smote: ${labels.length} labels for ${frame.rows} rows`);
  const d = frame.cols;
  const groups = opts.categorical ?? [];
  const inGroup = new Uint8Array(d);
  for (const g of groups) {
    for (const j of g) {
      if (!(Number.isInteger(j) && j >= 0 && j < d) || inGroup[j]) throw new InputError(`smote: categorical column ${j} is out of range or in two groups`);
      inGroup[j] = 1;
    }
  }
  const cont = Int32Array.from({ length: d }, (_, j) => j).filter((j) => !inGroup[j]);
  const Z = new StandardScaler().fit(frame).transform(frame).data;
  // Category of each row in each group: the hot column's place, -1 when none is hot (or missing).
  const cat = new Int32Array(frame.rows * groups.length).fill(-1);
  for (let i = 0; i < frame.rows; i++) {
    groups.forEach((g, q) => {
      for (let t = 0; t < g.length; t++) if (frame.data[i * d + g[t]] === 1) cat[i * groups.length + q] = t;
    });
  }
  const byClass = new Map<string, number[]>();
  labels.forEach((l, i) => {
    const a = byClass.get(l);
    if (a) a.push(i);
    else byClass.set(l, [i]);
  });
  const largest = Math.max(...[...byClass.values()].map((a) => a.length));
  const rng = createRng(opts.seed ?? 0);
  const extra: number[] = [];
  const extraLabels: string[] = [];
  const added: Record<string, number> = {};
  const nn = new Int32Array(k);
  const dist = new Float64Array(k);
  const votes = new Int32Array(Math.max(1, ...groups.map((g) => g.length)));
  for (const cls of [...byClass.keys()].sort()) {
    const rows = byClass.get(cls) as number[];
    const want = opts.targets?.[cls] ?? largest;
    const need = Math.max(0, Math.round(want) - rows.length);
    added[cls] = need;
    if (need === 0) continue;
    // SMOTE-NC's penalty: the median within-class standard deviation of the continuous columns, squared.
    let pen = 0;
    if (groups.length > 0 && cont.length > 0) {
      const sds = Array.from(cont, (j) => {
        let s = 0, s2 = 0;
        for (const r of rows) {
          s += Z[r * d + j];
          s2 += Z[r * d + j] * Z[r * d + j];
        }
        const mu = s / rows.length;
        return Math.sqrt(Math.max(0, s2 / rows.length - mu * mu));
      }).sort((a, b) => a - b);
      const med = sds.length % 2 ? sds[sds.length >> 1] : (sds[sds.length / 2 - 1] + sds[sds.length / 2]) / 2;
      pen = med * med;
    } else if (groups.length > 0) pen = 1;
    const kk = Math.min(k, rows.length - 1);
    const neighbours = rows.map((_, a) => {
      const m = kk > 0 ? nearest(Z, d, rows, a, kk, cont, groups, cat, pen, nn, dist) : 0;
      return Array.from(nn.subarray(0, m));
    });
    for (let s = 0; s < need; s++) {
      const a = rng.int(rows.length);
      const base = rows[a];
      const near = neighbours[a];
      const other = near.length ? near[rng.int(near.length)] : base;
      const gap = rng.next();
      const o = extra.length;
      for (let j = 0; j < d; j++) {
        const x = frame.data[base * d + j];
        const yv = frame.data[other * d + j];
        extra.push(inGroup[j] ? 0 : yv === yv ? x + gap * (yv - x) : x);
      }
      groups.forEach((g, q) => {
        // The most common category among the neighbours (ties: the lowest column), or the base's.
        votes.fill(0);
        for (const r of near.length ? near : [base]) {
          const c = cat[r * groups.length + q];
          if (c >= 0) votes[c]++;
        }
        let best = -1;
        for (let t = 0; t < g.length; t++) if (votes[t] > 0 && (best < 0 || votes[t] > votes[best])) best = t;
        for (let t = 0; t < g.length; t++) extra[o + g[t]] = best < 0 ? frame.data[base * d + g[t]] : t === best ? 1 : 0;
      });
      extraLabels.push(cls);
    }
  }
  const data = new Float64Array(frame.data.length + extra.length);
  data.set(frame.data);
  data.set(extra, frame.data.length);
  return { frame: { names: frame.names, rows: frame.rows + extraLabels.length, cols: d, data }, labels: [...labels, ...extraLabels], added };
}
