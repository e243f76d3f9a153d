/**
 * Test data for the classifiers: Gaussian blobs, one per class, seeded; and helpers to punch holes
 * (NaN) in a frame and to split one.
 */
import type { Frame } from '../core/frame.js';
import { createRng } from '../core/rng.js';

/** A labelled data set. */
export interface Blobs {
  frame: Frame;
  labels: string[];
}

/**
 * `rows` points in `cols` dimensions from `classes` blobs (class k centred at `spread` × k on every
 * feature, then rotated per feature so the classes differ in each), unit noise; class sizes follow
 * `weights` (default equal).
 */
export function blobs(seed: number, rows: number, cols: number, classes: number, spread = 3, weights?: number[]): Blobs {
  const rng = createRng(seed);
  const w = weights ?? Array.from({ length: classes }, () => 1);
  const total = w.reduce((a, b) => a + b, 0);
  const data = new Float64Array(rows * cols);
  const labels: string[] = [];
  for (let i = 0; i < rows; i++) {
    let u = rng.next() * total;
    let k = 0;
    while (k < classes - 1 && u >= w[k]) u -= w[k++];
    labels.push(`c${k}`);
    for (let j = 0; j < cols; j++) data[i * cols + j] = spread * (((k + j) % classes) - (classes - 1) / 2) + rng.normal();
  }
  return { frame: { names: Array.from({ length: cols }, (_, j) => `f${j}`), rows, cols, data }, labels };
}

/** A copy of `frame` with a share `p` of its values set to NaN (seeded). */
export function withHoles(frame: Frame, p: number, seed = 9): Frame {
  const rng = createRng(seed);
  const data = Float64Array.from(frame.data, (v) => (rng.next() < p ? NaN : v));
  return { ...frame, data };
}

/** Rows `from … to − 1` of a data set. */
export function sliceRows(b: Blobs, from: number, to: number): Blobs {
  const { cols } = b.frame;
  return { frame: { ...b.frame, rows: to - from, data: b.frame.data.slice(from * cols, to * cols) }, labels: b.labels.slice(from, to) };
}
