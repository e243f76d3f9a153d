/**
 * What every corpus reader hands the evaluator: labelled series, each with its scored rows, optional
 * training rows, per-point labels and the anomaly events (windows) to detect.
 */
import type { Frame } from '../core/frame.js';
import type { CsvReadOptions } from '../sources/csv.js';
import type { CallGraph } from '../policy/topology-inhibition.js';

/** One anomaly event: rows `start`…`end` (inclusive) of a series, starting at time `t0` (epoch ms). */
export interface AnomalyEvent {
  start: number;
  end: number;
  t0: number;
}

/** A labelled series of a corpus. */
export interface LabeledSeries {
  /** Name within the corpus, e.g. `realTraffic/speed_7578.csv`, `omi-1`, `2022-08-22/frontend-…`. */
  name: string;
  /** The rows to score, with times in epoch ms. */
  frame: Frame & { times: Float64Array };
  /** Rows to fit on before scoring (ASD's train.csv); absent: learn online from the scored rows. */
  train?: Frame & { times: Float64Array };
  /** Per scored row: 1 = anomalous. */
  labels: Uint8Array;
  /** The anomaly events (NAB windows, ASD label runs, Nezha fault windows), in time order. */
  events: AnomalyEvent[];
  /** Leading rows left out of the point metrics (NAB's probationary period); 0 elsewhere. */
  warmup: number;
  /**
   * Where the series sits in a service call graph (Nezha: its day, its pod's service and that day's
   * call graph), for topology inhibition of its alerts; absent elsewhere.
   */
  topology?: { group: string; service: string; graph: CallGraph };
}

/** Which series of a corpus to read, and how to read its CSV files (time order, warnings). */
export interface ReadOptions extends CsvReadOptions {
  /** Read at most this many series (in name order, after `only`). */
  limit?: number;
  /** Read only these series names. */
  only?: readonly string[];
}

/** The corpora `kad evaluate` reads. */
export type CorpusName = 'nab' | 'asd' | 'smd' | 'nezha';

/** Where each corpus lives under `../shared/data` by default. */
export const DEFAULT_CORPUS_DIRS: Readonly<Record<CorpusName, string>> = Object.freeze({
  nab: '../shared/data/nab', asd: '../shared/data/asd', smd: '../shared/data/smd-dev', nezha: '../shared/data/nezha-onlineboutique',
});

/** Applies {@link ReadOptions} to a sorted list of names. */
export function selectNames(names: readonly string[], opts: ReadOptions = {}): string[] {
  let out = [...names].sort();
  if (opts.only) out = out.filter((n) => opts.only?.includes(n));
  if (opts.limit !== undefined) out = out.slice(0, opts.limit);
  return out;
}

/** Maximal runs of 1s in `labels` as events. */
export function eventsFromLabels(labels: Uint8Array, times: Float64Array): AnomalyEvent[] {
  const out: AnomalyEvent[] = [];
  for (let i = 0; i < labels.length; i++) {
    if (!labels[i]) continue;
    let j = i;
    while (j + 1 < labels.length && labels[j + 1]) j++;
    out.push({ start: i, end: j, t0: times[i] });
    i = j;
  }
  return out;
}

/** First row index with `times[i] >= t` (times sorted ascending); `times.length` if none. */
export function lowerBound(times: Float64Array, t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
