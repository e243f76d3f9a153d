/**
 * Reads the Nezha OnlineBoutique layout: `<day>/metric/<pod>_metric.csv` (one row a minute per pod; the
 * `Time` column is a Go time string in UTC, `TimeStamp` is offset and ignored, `PodName` is text, every
 * other column a number) and `<day>/<day>-fault_list.json` (faults grouped by hour, each with
 * `inject_time`, `inject_timestamp` (epoch seconds), `inject_pod`, `inject_type`).
 *
 * Each fault is an event on its pod's series from the injection to `windowMinutes` (default 5) after
 * it; those rows are the anomalous points. A fault on a pod with no metric file is dropped.
 *
 * With `nezhaEdges` (default on) each pod's series also carries the service-mesh columns of its
 * service from the same folder (`source_50.csv`, `destination_50.csv`, `front_service.csv`; see
 * nezha-mesh.ts), matched by UTC minute: the latency of calls into the service, the calls it stopped
 * making, and the frontend's error rate and latency on the frontend pod; a network delay on a pod moves
 * only these. The pod-metric columns that describe its neighbours (the node's, and its client-side
 * latency, which is its callees') are then left out: they alert on the wrong pod. Default on, because
 * that is what a cluster with a service mesh gives kad; `false` reproduces the pod-metrics-only
 * figures. With `trainOnPreviousDay` (default off: each day stands alone, as before) a day's series
 * gets, as training rows, the previous day's rows of the same pod (or, when the pod was replaced, of
 * the one pod of the same service), columns matched by name.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../core/errors.js';
import { parseNezhaMetrics } from '../sources/replay.js';
import { parseUtc } from '../core/time.js';
import { lowerBound, selectNames, type AnomalyEvent, type LabeledSeries, type ReadOptions } from './corpus.js';
import { callGraph, type CallGraph } from '../policy/topology-inhibition.js';
import { isBeyondPodMetrics, isNeighbourColumn, meshColumns, readNezhaCallEdges, readNezhaMesh, serviceOfPod, withMeshColumns, type MeshColumnSet, type NezhaMesh } from './nezha-mesh.js';

/** One injected fault. */
export interface NezhaFault {
  time: number;
  pod: string;
  type: string;
}

/** Options of {@link readNezhaCorpus}. */
export interface NezhaReadOptions extends ReadOptions {
  /** Minutes after injection that a detection still counts (default 5). */
  windowMinutes?: number;
  /**
   * Add the service-mesh columns of each pod's service (default true; false: the pod metrics only, as
   * before; an object: choose which columns, see {@link MeshColumnSet}).
   */
  nezhaEdges?: boolean | MeshColumnSet;
  /** Give each day's series the previous day's rows of the same pod or service as training (default false). */
  trainOnPreviousDay?: boolean;
  /**
   * With `nezhaEdges: false`: only the columns a cluster without a service mesh gives kad (CPU, memory,
   * network; see nezha-mesh.ts `isBeyondPodMetrics`), not the pod files' mesh, node and syscall
   * columns (default false: every column of the pod files).
   */
  withoutMesh?: boolean;
  /** Give each series its day's call graph (`dependency.csv`, else the mesh edges), for topology inhibition (default false). */
  callGraph?: boolean;
}

/** Reads `<day>/<day>-fault_list.json`. */
export function readNezhaFaults(path: string): NezhaFault[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new InputError(`${path}: cannot read fault list: ${(e as Error).message}`);
  }
  const out: NezhaFault[] = [];
  for (const [hour, list] of Object.entries(raw as Record<string, unknown>)) {
    if (!Array.isArray(list)) throw new InputError(`${path}: hour "${hour}" must hold a list of faults`);
    for (const f of list as Record<string, unknown>[]) {
      const time = f.inject_timestamp !== undefined ? Number(f.inject_timestamp) * 1000 : parseUtc(String(f.inject_time));
      if (!Number.isFinite(time) || typeof f.inject_pod !== 'string') {
        throw new InputError(`${path}: hour "${hour}": a fault needs inject_timestamp (or inject_time) and inject_pod, got ${JSON.stringify(f)}`);
      }
      out.push({ time, pod: f.inject_pod, type: String(f.inject_type ?? 'unknown') });
    }
  }
  return out.sort((a, b) => a.time - b.time);
}

/** Lists a Nezha corpus's series names (`<day>/<pod>`), sorted. */
export function listNezhaSeries(dir: string): string[] {
  if (!existsSync(dir)) throw new InputError(`${dir}: no such folder`);
  const out: string[] = [];
  for (const day of readdirSync(dir)) {
    const m = join(dir, day, 'metric');
    if (!statSync(join(dir, day)).isDirectory() || !existsSync(m)) continue;
    for (const f of readdirSync(m)) if (f.endsWith('_metric.csv')) out.push(`${day}/${f.slice(0, -'_metric.csv'.length)}`);
  }
  if (out.length === 0) throw new InputError(`${dir}: not a Nezha corpus (no <day>/metric/<pod>_metric.csv)`);
  return out.sort();
}

type TimedFrame = LabeledSeries['frame'];

/** Lays `frame` out with the columns `names` (matched by name; a column it lacks is NaN). */
function alignColumns(frame: TimedFrame, names: readonly string[]): TimedFrame {
  const idx = names.map((n) => frame.names.indexOf(n));
  const data = new Float64Array(frame.rows * names.length).fill(NaN);
  for (let i = 0; i < frame.rows; i++) {
    idx.forEach((j, k) => {
      if (j >= 0) data[i * names.length + k] = frame.data[i * frame.cols + j];
    });
  }
  return { names, rows: frame.rows, cols: names.length, data, times: frame.times };
}

/** Reads a Nezha corpus folder (the one holding the `<day>/` folders). */
export function readNezhaCorpus(dir: string, opts: NezhaReadOptions = {}): LabeledSeries[] {
  const windowMs = (opts.windowMinutes ?? 5) * 60_000;
  const edges = opts.nezhaEdges ?? true;
  const all = listNezhaSeries(dir);
  const days = [...new Set(all.map((n) => n.split('/')[0]))].sort();
  const faultsByDay = new Map<string, NezhaFault[]>();
  const meshByDay = new Map<string, NezhaMesh>();
  const graphByDay = new Map<string, CallGraph>();
  const readPod = (day: string, pod: string): TimedFrame => {
    const path = join(dir, day, 'metric', `${pod}_metric.csv`);
    const frame = parseNezhaMetrics(readFileSync(path, 'utf8'), path);
    if (edges === false) return opts.withoutMesh ? withMeshColumns(frame, [], (n) => !isBeyondPodMetrics(n)) : frame;
    if (!meshByDay.has(day)) meshByDay.set(day, readNezhaMesh(join(dir, day, 'metric')));
    const set = edges === true ? {} : edges;
    const keep = set.neighbourColumns ? undefined : (n: string) => !isNeighbourColumn(n);
    return withMeshColumns(frame, meshColumns(meshByDay.get(day) as NezhaMesh, serviceOfPod(pod), set), keep);
  };
  const previousPod = (day: string, pod: string): string | undefined => {
    const prev = days[days.indexOf(day) - 1];
    if (prev === undefined) return undefined;
    const pods = all.filter((n) => n.startsWith(`${prev}/`)).map((n) => n.slice(prev.length + 1));
    if (pods.includes(pod)) return `${prev}/${pod}`;
    const same = pods.filter((p) => serviceOfPod(p) === serviceOfPod(pod));
    return same.length === 1 ? `${prev}/${same[0]}` : undefined;
  };
  return selectNames(all, opts).map((name) => {
    const [day, pod] = name.split('/');
    if (!faultsByDay.has(day)) {
      const p = join(dir, day, `${day}-fault_list.json`);
      faultsByDay.set(day, existsSync(p) ? readNezhaFaults(p) : []);
    }
    const frame = readPod(day, pod);
    const events: AnomalyEvent[] = [];
    for (const f of faultsByDay.get(day) ?? []) {
      if (f.pod !== pod) continue;
      const start = lowerBound(frame.times, f.time);
      const end = lowerBound(frame.times, f.time + windowMs + 1e-3) - 1;
      if (end >= start) events.push({ start, end, t0: f.time });
    }
    const labels = new Uint8Array(frame.rows);
    for (const e of events) labels.fill(1, e.start, e.end + 1);
    const series: LabeledSeries = { name, frame, labels, events, warmup: 0 };
    if (opts.callGraph) {
      if (!graphByDay.has(day)) graphByDay.set(day, callGraph(readNezhaCallEdges(join(dir, day, 'metric'), edges === false ? undefined : meshByDay.get(day))));
      series.topology = { group: day, service: serviceOfPod(pod), graph: graphByDay.get(day)! };
    }
    const prev = opts.trainOnPreviousDay ? previousPod(day, pod) : undefined;
    if (prev !== undefined) {
      const [pday, ppod] = prev.split('/');
      series.train = alignColumns(readPod(pday, ppod), frame.names);
    }
    return series;
  });
}
