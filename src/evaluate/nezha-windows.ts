/**
 * Nezha OnlineBoutique's faults as labelled rows for the incident classifiers: for each injected fault
 * and each pod of that day, the pod's columns (pod metrics and its service's mesh columns, as
 * `readNezhaCorpus` reads them) over the `windowMinutes` after the injection, against the
 * `baselineMinutes` before it: per column the robust z of the window's mean and of its most extreme
 * value (distance from the baseline median in baseline MADs; the mesh columns of calls into the pod's
 * service pooled into one per kind, the farthest from 0 kept). Two tasks: the faulty pod's row labelled
 * with the fault type, and every pod's row labelled `fault` or `ok` (was this pod the one injected).
 * A column a pod lacks is missing (NaN).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { lowerBound, type LabeledSeries } from './corpus.js';
import { readNezhaCorpus, readNezhaFaults, type NezhaFault } from './nezha.js';

/** Rows of a Nezha task. */
export interface NezhaWindowTask {
  names: string[];
  rows: number;
  data: Float64Array;
  labels: string[];
  /** `<day>/<pod>@<fault time ISO>` per row. */
  ids: string[];
}

/** Options of {@link nezhaWindowTasks}. */
export interface NezhaWindowOptions {
  /** Minutes after the injection (default 5, the evaluator's window). */
  windowMinutes?: number;
  /** Minutes before it that are the pod's normal (default 30). */
  baselineMinutes?: number;
}

const MIN = 60_000;

/** The median of `a` (sorts a copy). */
export function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The feature a column feeds: the service-mesh edge columns into a pod's service (`in:<caller>_<callee>:dst`) pool as `in:dst` (and `in:src`). */
export function featureOf(column: string): string {
  const m = /^in:.*:(dst|src)$/.exec(column);
  return m ? `in:${m[1]}` : column;
}

/**
 * Per column of `s`: robust z of the window's mean and of its value farthest from the baseline median;
 * columns pooled by {@link featureOf} keep the z farthest from 0.
 */
function windowFeatures(s: LabeledSeries, t0: number, windowMs: number, baseMs: number): Map<string, number> {
  const { frame } = s;
  const b0 = lowerBound(frame.times, t0 - baseMs), b1 = lowerBound(frame.times, t0);
  const w1 = lowerBound(frame.times, t0 + windowMs);
  const out = new Map<string, number>();
  frame.names.forEach((name, j) => {
    const base: number[] = [];
    const win: number[] = [];
    for (let i = b0; i < b1; i++) if (frame.data[i * frame.cols + j] === frame.data[i * frame.cols + j]) base.push(frame.data[i * frame.cols + j]);
    for (let i = b1; i < w1; i++) if (frame.data[i * frame.cols + j] === frame.data[i * frame.cols + j]) win.push(frame.data[i * frame.cols + j]);
    const key = featureOf(name);
    const put = (k: string, z: number): void => {
      const had = out.get(k);
      if (had === undefined || Number.isNaN(had) || Math.abs(z) > Math.abs(had)) out.set(k, z);
    };
    if (base.length < 3 || win.length === 0) {
      put(`${key}_z_mean`, NaN);
      put(`${key}_z_peak`, NaN);
      return;
    }
    const med = median(base);
    const mad = median(base.map((v) => Math.abs(v - med))) * 1.4826;
    const scale = Math.max(mad, 1e-3 * Math.abs(med), 1e-9);
    const mean = win.reduce((a, b) => a + b, 0) / win.length;
    const peak = win.reduce((a, b) => (Math.abs(b - med) > Math.abs(a - med) ? b : a));
    put(`${key}_z_mean`, (mean - med) / scale);
    put(`${key}_z_peak`, (peak - med) / scale);
  });
  return out;
}

/** One labelled row of a fault window task: the pod's series at one fault, what `of` made of it. */
export interface FaultRow<T> {
  /** `<day>/<pod>@<fault time ISO>`. */
  id: string;
  value: T;
  /** `fault` for the faulty pod, else `ok` (faulty-or-not); the fault type (fault type). */
  label: string;
}

/**
 * Every pod's series of the Nezha corpus folder `dir` at every fault of its day, as rows of the
 * faulty-or-not task (every pod) and of the fault-type task (the faulty pod only), with `of(series,
 * fault time)` as each row's value; days in order, the corpus's pod order within a day.
 */
export function faultRows<T>(dir: string, of: (s: LabeledSeries, faultTime: number) => T): { typeRows: FaultRow<T>[]; podRows: FaultRow<T>[] } {
  const byDay = new Map<string, LabeledSeries[]>();
  for (const s of readNezhaCorpus(dir)) {
    const day = s.name.split('/')[0];
    byDay.set(day, [...(byDay.get(day) ?? []), s]);
  }
  const typeRows: FaultRow<T>[] = [];
  const podRows: FaultRow<T>[] = [];
  for (const [day, series] of [...byDay].sort(([a], [b]) => a.localeCompare(b))) {
    const list = join(dir, day, `${day}-fault_list.json`);
    const faults: NezhaFault[] = existsSync(list) ? readNezhaFaults(list) : [];
    for (const fault of faults) {
      for (const s of series) {
        const pod = s.name.slice(day.length + 1);
        const value = of(s, fault.time);
        const id = `${s.name}@${new Date(fault.time).toISOString()}`;
        podRows.push({ id, value, label: pod === fault.pod ? 'fault' : 'ok' });
        if (pod === fault.pod) typeRows.push({ id, value, label: fault.type });
      }
    }
  }
  return { typeRows, podRows };
}

/** Builds the two tasks from the Nezha corpus folder `dir` (the one holding the `<day>/` folders). */
export function nezhaWindowTasks(dir: string, o: NezhaWindowOptions = {}): { faultType: NezhaWindowTask; faultyPod: NezhaWindowTask } {
  const windowMs = (o.windowMinutes ?? 5) * MIN, baseMs = (o.baselineMinutes ?? 30) * MIN;
  const { typeRows, podRows } = faultRows(dir, (s, t) => windowFeatures(s, t, windowMs, baseMs));
  const names = [...new Set(podRows.flatMap((r) => [...r.value.keys()]))].sort();
  const task = (rows: typeof podRows): NezhaWindowTask => {
    const data = new Float64Array(rows.length * names.length);
    rows.forEach((r, i) => names.forEach((n, j) => { data[i * names.length + j] = r.value.get(n) ?? NaN; }));
    return { names, rows: rows.length, data, labels: rows.map((r) => r.label), ids: rows.map((r) => r.id) };
  };
  return { faultType: task(typeRows), faultyPod: task(podRows) };
}
