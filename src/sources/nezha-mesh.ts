/**
 * Nezha's service-mesh files, read: the files in `<day>/metric/` beside the pod metrics (what Istio or
 * Linkerd report next to cAdvisor, from traces). The `replay` source turns them into each pod's mesh
 * fields and the call graph (replay.ts); `kad evaluate` into per-series columns (evaluate/nezha-mesh.ts).
 * - `source_50.csv`, `destination_50.csv`: one column per call edge `caller_callee` (e.g.
 *   `frontend_cartservice`), the median (p50) latency in seconds a minute, as seen at the caller
 *   (source) or at the callee (destination);
 * - `front_service.csv`: the frontend's `SuccessRate(%)` and `LatencyP50(s)` … `LatencyP99(s)`;
 * - `dependency.csv`: the call graph, `Source,Target[,Weight]` (targets that are IP addresses are hosts,
 *   not services, and are left out).
 *
 * Rows are matched to pod rows by UTC minute (every file is written at about hh:mm:20 of the same
 * minute). A value that is empty, `nan` or not a number is missing (NaN), and so is a minute a file
 * lacks; only a file without a header or a time column is an error ({@link InputError}).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../core/errors.js';
import { CALLEE_WINDOWS, countMissingCallees } from '../core/samples.js';
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


/** What a day's mesh tables say of the calls into one service in one minute. */
export interface ServiceMeshMinute {
  /** Median latency of the calls into the service as its callers see them, seconds: see {@link serviceMeshReader}. */
  latencyS: number;
  /** Share of the service's answers that failed (the frontend only: 1 − front_service's SuccessRate); NaN where unknown. */
  errorRatio: number;
  /**
   * How many of the services this one calls regularly (edges out of it in `source_50.csv` with a
   * value in at least 5 of the 10 minutes up to this one; core/samples.ts `CALLEE_WINDOWS`) have none
   * in this one: the outbound side's `missingCallees`. NaN where it calls none regularly or the table
   * has no row for the minute.
   */
  missingCallees: number;
}

/**
 * A reader of the calls into `service`, minute by minute (UTC minute, see {@link minuteOf}):
 * - latency: the mean, over the edges into the service that have a value that minute, of their
 *   caller-side (`source_50.csv`) p50. The caller's side is what a caller waits: the service's own
 *   serving time and the network into its pod (a delay on the pod's network shows there and not on
 *   the callee's side). The entry point (the service `front_service.csv` names), which no traced
 *   service calls, takes front_service's `LatencyP50(s)`, what the load generator waits.
 * - error share: front_service's, for the entry point; NaN for the others (no file has theirs: the pod
 *   files' `PodSuccessRate(%)` is 0 in every row).
 * - missing callees: of the edges out of the service in `source_50.csv` with a value in at least 5
 *   of the 10 minutes up to this one (called regularly), those with none in this one; for the entry
 *   point too.
 * NaN where no table has a value that minute.
 */
export function serviceMeshReader(mesh: NezhaMesh, service: string): (minute: number) => ServiceMeshMinute {
  const front = mesh.front && service === (mesh.front.service ?? 'frontend') ? mesh.front : undefined;
  const col = (n: string) => front?.names.indexOf(n) ?? -1;
  const [success, p50] = [col('SuccessRate(%)'), col('LatencyP50(s)')];
  const source = mesh.source;
  const ins = source ? source.names.map((n, j) => (splitEdge(n)?.[1] === service ? j : -1)).filter((j) => j >= 0) : [];
  const outs = source ? source.names.map((n, j) => (splitEdge(n)?.[0] === service ? j : -1)).filter((j) => j >= 0) : [];
  // Regular callees: edges that carried calls in at least CALLEE_REGULAR of the CALLEE_WINDOWS
  // minutes up to this one (core/samples.ts `countMissingCallees`; a minute table has presence, not counts).
  const missing = (minute: number): number => {
    const now = outs.length > 0 ? source?.rows.get(minute) : undefined;
    if (!now) return NaN;
    const window = Array.from({ length: CALLEE_WINDOWS }, (_, k) => source?.rows.get(minute - k));
    return countMissingCallees(outs, (j, k) => Number.isFinite(window[k]?.[j]));
  };
  return (minute) => {
    const out: ServiceMeshMinute = { latencyS: NaN, errorRatio: NaN, missingCallees: missing(minute) };
    const f = front?.rows.get(minute);
    if (f) {
      if (success >= 0 && Number.isFinite(f[success])) out.errorRatio = 1 - f[success] / 100;
      if (p50 >= 0 && Number.isFinite(f[p50])) out.latencyS = f[p50];
      return out;
    }
    const r = ins.length > 0 ? source?.rows.get(minute) : undefined;
    if (!r) return out;
    let sum = 0;
    let n = 0;
    for (const j of ins) {
      if (Number.isFinite(r[j])) {
        sum += r[j];
        n++;
      }
    }
    if (n > 0) out.latencyS = sum / n;
    return out;
  };
}
