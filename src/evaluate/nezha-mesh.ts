/**
 * The service-mesh side of a Nezha day (what Istio or Linkerd report next to cAdvisor): the files in
 * `<day>/metric/` beside the pod metrics.
 * - `source_50.csv`, `destination_50.csv`: one column per call edge `caller_callee` (e.g.
 *   `frontend_cartservice`), the median (p50) latency in seconds a minute, from traces, as seen at the
 *   caller (source) or at the callee (destination);
 * - `front_service.csv`: the frontend's `SuccessRate(%)` and `LatencyP50(s)` … `LatencyP99(s)`;
 * - `dependency.csv`: the call graph, `Source,Target[,Weight]` (targets that are IP addresses are hosts,
 *   not services, and are left out).
 *
 * Rows are matched to pod rows by UTC minute (every file is written at about hh:mm:20 of the same
 * minute). A value that is empty, `nan` or not a number is missing (NaN), and so is a minute a file
 * lacks; only a file without a header or a time column is an error ({@link InputError}).
 *
 * {@link meshColumns} chooses, for a pod's service S, the columns worth adding to its series:
 * - `in:<caller>_S:src` for each edge into S: the caller-side latency of calls to S. A network delay
 *   on S's pod shows here and nowhere else (its own CPU, memory and byte counts do not move); so does
 *   S being slow to answer.
 * - `in:<caller>_S:dst` for each edge into S: the callee-side latency, S's own serving time.
 * - for the frontend (the service `front_service.csv` names in its `ServiceName` column, else
 *   `frontend`: the entry point, where the load generator's calls land): `front:ErrorRate(%)`
 *   (100 − SuccessRate, so that trouble is a rise like every other column) and `front:LatencyP50(s)` …
 *   `front:LatencyP99(s)`.
 * - `out:MissingCalls` for a service that calls others: how many of its outgoing edges have no value
 *   in a minute while it is itself being called (see {@link meshColumns}).
 * The latency of calls out of S is left out by default: it is mostly the callees' (a delay on
 * cartservice would raise the frontend's and checkoutservice's outgoing latency and alert on the wrong
 * pods). For the same reason {@link isNeighbourColumn} names the pod-metric columns that describe the
 * pod's neighbours (the node's, and the pod's client-side latency), which the reader drops by default.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../core/errors.js';
import { parseUtc } from '../core/time.js';

/** A wide per-minute table: its numeric column names and, per UTC minute (epoch ms / 60 000), the row. */
export interface MinuteTable {
  names: readonly string[];
  rows: Map<number, Float64Array>;
  /** The first value of a `ServiceName` column, lower-cased (front_service.csv names its service). */
  service?: string;
}

/** A day's mesh tables (absent files are undefined). */
export interface NezhaMesh {
  /** Caller-side p50 latency (s) per edge `caller_callee`. */
  source?: MinuteTable;
  /** Callee-side p50 latency (s) per edge `caller_callee`. */
  destination?: MinuteTable;
  /** The frontend's success rate and latency percentiles. */
  front?: MinuteTable;
}

/** Which mesh columns {@link meshColumns} adds. */
export interface MeshColumnSet {
  /** Caller-side latency of each edge into the service (default true). */
  inSource?: boolean;
  /** Callee-side latency of each edge into the service (default true). */
  inDestination?: boolean;
  /** Caller-side latency of each edge out of the service (default false). */
  outSource?: boolean;
  /** Callee-side latency of each edge out of the service (default false). */
  outDestination?: boolean;
  /** The frontend's error rate and latency percentiles, on the frontend's pods (default true). */
  front?: boolean;
  /** How many of the service's usual outgoing calls are missing while it is being called (default true). */
  missingCalls?: boolean;
  /**
   * Keep the pod file's columns that measure its neighbours rather than the pod (default false): the
   * node's (`Node…`, shared by every pod on the node) and the latency of the pod's own outgoing calls
   * (`PodClientLatency…`, which is its callees' latency).
   */
  neighbourColumns?: boolean;
}

/** One column to add: its name and how to read it at a minute. */
export interface MeshColumn {
  name: string;
  at: (minute: number) => number;
}

const TEXT_COLUMNS = new Set(['time', 'timestamp', 'servicename', 'podname']);
const MINUTE = 60_000;

/** The UTC minute (epoch ms / 60 000, floored) of an epoch-ms time. */
export function minuteOf(t: number): number {
  return Math.floor(t / MINUTE);
}

/**
 * Parses a wide per-minute CSV with a `time` or `Time` column (a Go time string) and numeric columns;
 * `timestamp`, `ServiceName` and `PodName` columns are skipped. Bad values, short rows and rows whose
 * time does not parse become NaN or are skipped; a later row for the same minute replaces an earlier one.
 */
export function parseMinuteTable(text: string, name: string): MinuteTable {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').replace(/^\uFEFF/, '').split(',').map((h) => h.trim());
  const tcol = header.findIndex((h) => h.toLowerCase() === 'time');
  if (tcol < 0) throw new InputError(`${name}:1: no "time" column (found: ${header.join(', ') || 'nothing'})`);
  const cols = header.map((_, j) => j).filter((j) => !TEXT_COLUMNS.has(header[j].toLowerCase()) && header[j] !== '');
  const rows = new Map<number, Float64Array>();
  const scol = header.findIndex((h) => h.toLowerCase() === 'servicename');
  let service: string | undefined;
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const f = lines[i].split(',');
    if (service === undefined && scol >= 0 && (f[scol] ?? '').trim() !== '') service = f[scol].trim().toLowerCase();
    const t = parseUtc(f[tcol] ?? '');
    if (Number.isNaN(t)) continue;
    const v = new Float64Array(cols.length);
    cols.forEach((j, k) => {
      const raw = (f[j] ?? '').trim();
      v[k] = raw === '' ? NaN : Number(raw);
    });
    rows.set(minuteOf(t), v);
  }
  return { names: cols.map((j) => header[j]), rows, service };
}

/** Reads a day's mesh tables from its `metric` folder; files that are absent stay undefined. */
export function readNezhaMesh(metricDir: string): NezhaMesh {
  const read = (file: string): MinuteTable | undefined => {
    const path = join(metricDir, file);
    return existsSync(path) ? parseMinuteTable(readFileSync(path, 'utf8'), path) : undefined;
  };
  return { source: read('source_50.csv'), destination: read('destination_50.csv'), front: read('front_service.csv') };
}

const IP = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * A day's call graph as `[caller, callee]` pairs: from `dependency.csv` when the folder has one (rows
 * whose source or target is an IP address skipped), else from the edge names of `source_50.csv`.
 */
export function readNezhaCallEdges(metricDir: string, mesh?: NezhaMesh): [string, string][] {
  const path = join(metricDir, 'dependency.csv');
  const out: [string, string][] = [];
  if (existsSync(path)) {
    const lines = readFileSync(path, 'utf8').split(/\r?\n/);
    const header = (lines[0] ?? '').replace(/^\uFEFF/, '').split(',').map((h) => h.trim().toLowerCase());
    const [si, ti] = [header.indexOf('source'), header.indexOf('target')];
    if (si < 0 || ti < 0) throw new InputError(`${path}:1: expected "Source" and "Target" columns (found: ${header.join(', ')})`);
    for (const line of lines.slice(1)) {
      const f = line.split(',').map((v) => v.trim());
      const [from, to] = [f[si] ?? '', f[ti] ?? ''];
      if (from !== '' && to !== '' && !IP.test(from) && !IP.test(to)) out.push([from, to]);
    }
    return out;
  }
  for (const n of (mesh ?? readNezhaMesh(metricDir)).source?.names ?? []) {
    const e = splitEdge(n);
    if (e) out.push(e);
  }
  return out;
}

/**
 * The service a pod belongs to: its name without the ReplicaSet hash and pod suffix
 * (`cartservice-579f59597d-wc2lz` → `cartservice`), or without a StatefulSet ordinal (`db-0` → `db`);
 * otherwise the name itself.
 */
export function serviceOfPod(pod: string): string {
  const rs = /^(.+)-[0-9a-f]{5,10}-[0-9a-z]{5}$/.exec(pod);
  if (rs) return rs[1];
  const ss = /^(.+)-\d+$/.exec(pod);
  return ss ? ss[1] : pod;
}

/** Splits an edge name `caller_callee`; undefined when it is not one. */
export function splitEdge(name: string): [string, string] | undefined {
  const parts = name.split('_');
  return parts.length === 2 && parts[0] !== '' && parts[1] !== '' ? [parts[0], parts[1]] : undefined;
}

function reader(table: MinuteTable, col: number, map: (v: number) => number = (v) => v): MeshColumn['at'] {
  return (minute) => {
    const r = table.rows.get(minute);
    if (r === undefined) return NaN;
    const v = r[col];
    return Number.isFinite(v) ? map(v) : NaN;
  };
}

/**
 * `out:MissingCalls`: how many of the edges out of `service` have no value in a minute while the service
 * is being called (an edge into it has a value, or nothing calls it: the entry point). A service that
 * fails part-way through a request (it throws, or returns early) still receives calls but stops making
 * the calls that came after the failure: checkoutservice that fails stops calling paymentservice and
 * emailservice. NaN while the service is not being called (no traffic: nothing to say). None for a
 * service that calls nothing.
 */
function missingCallsColumn(source: MinuteTable, service: string): MeshColumn[] {
  const outs: number[] = [];
  const ins: number[] = [];
  source.names.forEach((n, j) => {
    const e = splitEdge(n);
    if (e?.[0] === service) outs.push(j);
    if (e?.[1] === service) ins.push(j);
  });
  if (outs.length === 0) return [];
  const at = (minute: number): number => {
    const r = source.rows.get(minute);
    if (r === undefined) return NaN;
    if (ins.length > 0 && !ins.some((j) => Number.isFinite(r[j]))) return NaN;
    let missing = 0;
    for (const j of outs) if (!Number.isFinite(r[j])) missing++;
    return missing;
  };
  return [{ name: 'out:MissingCalls', at }];
}

/** The mesh columns for a pod of `service` (see the module comment), in a stable order. */
export function meshColumns(mesh: NezhaMesh, service: string, set: MeshColumnSet = {}): MeshColumn[] {
  const { inSource = true, inDestination = true, outSource = false, outDestination = false, front = true, missingCalls = true } = set;
  const out: MeshColumn[] = [];
  const edges = (table: MinuteTable | undefined, side: 'src' | 'dst', dir: 'in' | 'out', on: boolean): void => {
    if (!table || !on) return;
    const picked = table.names
      .map((n, j) => ({ n, j, e: splitEdge(n) }))
      .filter((c) => c.e !== undefined && (dir === 'in' ? c.e[1] === service : c.e[0] === service))
      .sort((a, b) => (a.n < b.n ? -1 : a.n > b.n ? 1 : 0));
    for (const c of picked) out.push({ name: `${dir}:${c.n}:${side}`, at: reader(table, c.j) });
  };
  edges(mesh.source, 'src', 'in', inSource);
  edges(mesh.destination, 'dst', 'in', inDestination);
  edges(mesh.source, 'src', 'out', outSource);
  edges(mesh.destination, 'dst', 'out', outDestination);
  if (missingCalls && mesh.source) out.push(...missingCallsColumn(mesh.source, service));
  if (front && mesh.front && service === (mesh.front.service ?? 'frontend')) {
    mesh.front.names.forEach((n, j) => {
      if (n === 'SuccessRate(%)') out.push({ name: 'front:ErrorRate(%)', at: reader(mesh.front as MinuteTable, j, (v) => 100 - v) });
      else if (/^Latency/.test(n)) out.push({ name: `front:${n}`, at: reader(mesh.front as MinuteTable, j) });
    });
  }
  return out;
}

/** Whether a pod-metrics column measures the pod's neighbours (see {@link MeshColumnSet.neighbourColumns}). */
export function isNeighbourColumn(name: string): boolean {
  return /^Node/.test(name) || /^PodClientLatency/.test(name);
}

/** A frame with the columns that pass `keep` and then `extra` columns, each read at the UTC minute of every row. */
export function withMeshColumns<F extends { names: readonly string[]; rows: number; cols: number; data: Float64Array; times: Float64Array }>(
  frame: F, extra: readonly MeshColumn[], keep: (name: string) => boolean = () => true,
): F {
  const kept = frame.names.map((n, j) => (keep(n) ? j : -1)).filter((j) => j >= 0);
  if (extra.length === 0 && kept.length === frame.cols) return frame;
  const cols = kept.length + extra.length;
  const data = new Float64Array(frame.rows * cols);
  for (let i = 0; i < frame.rows; i++) {
    kept.forEach((j, k) => {
      data[i * cols + k] = frame.data[i * frame.cols + j];
    });
    const m = minuteOf(frame.times[i]);
    extra.forEach((c, k) => {
      data[i * cols + kept.length + k] = c.at(m);
    });
  }
  return { ...frame, names: [...kept.map((j) => frame.names[j]), ...extra.map((c) => c.name)], cols, data };
}
