/**
 * Nezha OnlineBoutique's faults as labelled rows for the sequence and graph classifiers, beside
 * nezha-windows.ts's window summaries:
 * - {@link nezhaSequenceTasks}: per fault and pod, the pod's columns minute by minute from `before`
 *   minutes before the injection to `after` minutes after it, each value as a robust z against the
 *   `baselineMinutes` before the window (distance from the baseline median in baseline MADs; the mesh
 *   columns of calls into the pod's service pooled as nezha-windows.ts pools them, the z farthest from 0
 *   kept), named `<feature>@<step>` as classifiers/cnn.ts reads them. A minute without a value is missing.
 * - {@link nezhaGraphTask}: per fault, every service's window features (nezha-windows.ts's `faultyPod`
 *   rows, the same features the per-pod classifiers see) side by side as `<service>/<feature>`, labelled
 *   `<faulty service>:<fault type>`, with the call graph (each day's `dependency.csv`, else its mesh
 *   edges), as classifiers/gnn.ts reads them.
 */
import { join } from 'node:path';
import { lowerBound, type LabeledSeries } from './corpus.js';
import { readNezhaCallEdges, serviceOfPod } from './nezha-mesh.js';
import { faultRows, featureOf, median, nezhaWindowTasks, type NezhaWindowTask } from './nezha-windows.js';

/** Options of {@link nezhaSequenceTasks}. */
export interface NezhaSequenceOptions {
  /** Minutes before the injection in each window (default 5). */
  before?: number;
  /** Minutes after it (default 5, the evaluator's window). */
  after?: number;
  /** Minutes before the window that are the pod's normal (default 30). */
  baselineMinutes?: number;
}

const MIN = 60_000;

/** Per feature (columns pooled by `featureOf`), the robust z of each minute of the window from `w0`, `steps` long. */
function minuteZ(s: LabeledSeries, w0: number, steps: number, baseMs: number): Map<string, Float64Array> {
  const { frame } = s;
  const b0 = lowerBound(frame.times, w0 - baseMs), b1 = lowerBound(frame.times, w0);
  const out = new Map<string, Float64Array>();
  frame.names.forEach((name, j) => {
    const key = featureOf(name);
    const z = out.get(key) ?? new Float64Array(steps).fill(NaN);
    out.set(key, z);
    const base: number[] = [];
    for (let i = b0; i < b1; i++) if (frame.data[i * frame.cols + j] === frame.data[i * frame.cols + j]) base.push(frame.data[i * frame.cols + j]);
    if (base.length < 3) return;
    const med = median(base);
    const scale = Math.max(median(base.map((v) => Math.abs(v - med))) * 1.4826, 1e-3 * Math.abs(med), 1e-9);
    for (let k = 0; k < steps; k++) {
      let sum = 0, n = 0;
      for (let i = lowerBound(frame.times, w0 + k * MIN), e = lowerBound(frame.times, w0 + (k + 1) * MIN); i < e; i++) {
        const v = frame.data[i * frame.cols + j];
        if (v === v) {
          sum += v;
          n++;
        }
      }
      if (n === 0) continue;
      const v = (sum / n - med) / scale;
      if (Number.isNaN(z[k]) || Math.abs(v) > Math.abs(z[k])) z[k] = v;
    }
  });
  return out;
}

/** Builds the faulty pod's fault-type task and every pod's faulty-or-not task, as sequences, from the Nezha corpus folder `dir`. */
export function nezhaSequenceTasks(dir: string, o: NezhaSequenceOptions = {}): { faultType: NezhaWindowTask; faultyPod: NezhaWindowTask } {
  const before = o.before ?? 5, steps = before + (o.after ?? 5), baseMs = (o.baselineMinutes ?? 30) * MIN;
  const { typeRows, podRows } = faultRows(dir, (s, t) => minuteZ(s, t - before * MIN, steps, baseMs));
  const channels = [...new Set(podRows.flatMap((r) => [...r.value.keys()]))].sort();
  const names = Array.from({ length: steps }, (_, k) => channels.map((c) => `${c}@${k}`)).flat();
  const task = (rows: typeof podRows): NezhaWindowTask => {
    const data = new Float64Array(rows.length * names.length).fill(NaN);
    rows.forEach((r, i) => channels.forEach((c, j) => {
      const z = r.value.get(c);
      if (z) for (let k = 0; k < steps; k++) data[i * names.length + k * channels.length + j] = z[k];
    }));
    return { names, rows: rows.length, data, labels: rows.map((r) => r.label), ids: rows.map((r) => r.id) };
  };
  return { faultType: task(typeRows), faultyPod: task(podRows) };
}

/** A graph task: one row per fault, `<service>/<feature>` columns, and the call graph. */
export interface NezhaGraphTask extends NezhaWindowTask {
  /** The services, in column order. */
  services: string[];
  /** Call edges `[caller, callee]` among them (the union over days). */
  edges: [string, string][];
}

/** Builds the graph task (see the module comment) from the Nezha corpus folder `dir`. */
export function nezhaGraphTask(dir: string): NezhaGraphTask {
  const { faultyPod, faultType } = nezhaWindowTasks(dir);
  const typeOf = new Map(faultType.ids.map((id, i) => [id, faultType.labels[i]]));
  const F = faultyPod.names.length;
  const faults = new Map<string, { rows: Map<string, number>; label?: string }>();
  faultyPod.ids.forEach((id, i) => {
    const [name, at] = id.split('@');
    const [day, pod] = name.split('/');
    const key = `${day}@${at}`;
    const f = faults.get(key) ?? { rows: new Map<string, number>() };
    faults.set(key, f);
    f.rows.set(serviceOfPod(pod), i);
    if (faultyPod.labels[i] === 'fault') f.label = `${serviceOfPod(pod)}:${typeOf.get(id)}`;
  });
  const services = [...new Set([...faults.values()].flatMap((f) => [...f.rows.keys()]))].sort();
  const keys = [...faults.keys()].filter((k) => faults.get(k)?.label !== undefined);
  const names = services.flatMap((s) => faultyPod.names.map((n) => `${s}/${n}`));
  const data = new Float64Array(keys.length * names.length).fill(NaN);
  keys.forEach((k, r) => {
    for (const [svc, i] of (faults.get(k) as { rows: Map<string, number> }).rows) data.set(faultyPod.data.subarray(i * F, (i + 1) * F), r * names.length + services.indexOf(svc) * F);
  });
  const days = [...new Set(keys.map((k) => k.split('@')[0]))];
  const edges = new Map<string, [string, string]>();
  for (const day of days) {
    for (const [a, b] of readNezhaCallEdges(join(dir, day, 'metric'))) if (services.includes(a) && services.includes(b) && a !== b) edges.set(`${a}>${b}`, [a, b]);
  }
  return { names, rows: keys.length, data, labels: keys.map((k) => faults.get(k)?.label as string), ids: keys, services, edges: [...edges.values()].sort() };
}
