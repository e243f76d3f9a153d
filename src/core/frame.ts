/**
 * Numeric frames: the one tabular type every stage passes around. Stored row-major in one
 * Float64Array because detectors score one point (row) at a time; `column()` copies a column out when
 * a stage needs one. Missing values are NaN.
 */

/** A matrix of `rows` points by `cols` named features, with an optional time per row (epoch ms). */
export interface Frame {
  readonly names: readonly string[];
  readonly rows: number;
  readonly cols: number;
  /** Row-major values: point i, feature j is `data[i * cols + j]`. */
  readonly data: Float64Array;
  /** Epoch milliseconds per row, when the rows are a time series. */
  readonly times?: Float64Array;
}

/** One point: a feature vector in the order of its frame's `names`. NaN marks a missing feature. */
export type Features = Float64Array;

/** Builds a frame from rows of numbers. */
export function frameFromRows(names: readonly string[], rows: ArrayLike<number>[], times?: ArrayLike<number>): Frame {
  const cols = names.length;
  const data = new Float64Array(rows.length * cols);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    for (let j = 0; j < cols; j++) data[i * cols + j] = j < r.length ? r[j] : NaN;
  }
  return { names, rows: rows.length, cols, data, times: times ? Float64Array.from(times) : undefined };
}

/** A view of row `i` (no copy). */
export function row(frame: Frame, i: number): Features {
  return frame.data.subarray(i * frame.cols, (i + 1) * frame.cols);
}

/** Copies column `j` out. */
export function column(frame: Frame, j: number): Float64Array {
  const out = new Float64Array(frame.rows);
  for (let i = 0; i < frame.rows; i++) out[i] = frame.data[i * frame.cols + j];
  return out;
}
