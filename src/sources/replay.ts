/**
 * The `replay` source: a folder of recorded per-pod CSV files, answered as {@link PodSnapshot}s the way
 * Prometheus answers range and instant queries, so the scoring cycle (`kad serve`, `kad train`, or
 * `engine/replay.ts` at full speed) runs on recorded data exactly as on live data.
 *
 * Layouts (`layout: 'auto'` picks the first that the folder holds):
 * - **nezha**: Nezha's pod metric files, `<pod>_metric.csv`, in the folder, in its `metric/`, or in
 *   `<day>/metric/` below it (the days of one pod are joined). Columns by name: `CpuUsage(m)` →
 *   `cpu` (cores, /1000), `MemoryUsage(Mi)` → `memory` (bytes, × 2^20), `NetworkReceiveBytes` /
 *   `NetworkTransmitBytes` → `rxBytes` / `txBytes`, and the limits derived from usage / usage rate
 *   where `CpuUsageRate(%)` / `MemoryUsageRate(%)` is above 0 (else the pod's last derived limit; NaN
 *   before one). With `mesh` (the service mesh's side, as Istio or Linkerd would give it; see
 *   nezha-mesh.ts for the files): `PodWorkload(Ops)` → `requestRate`, `PodServerLatencyP99(s)` →
 *   `latencyP99Ms` (× 1000), the latency of the calls into the pod's service as its callers see them
 *   (`source_50.csv`; the frontend's from `front_service.csv`) → `latencyMs`, and the frontend's
 *   failed share (`front_service.csv`) → `errorRatio` (NaN for the others); and the folder's call graph
 *   (`dependency.csv`) is {@link ReplaySource.callGraph}. Without `mesh` those files and columns are
 *   ignored, as are the other columns.
 * - **csv**: `<pod>.csv` files, one per pod, as `kad score` reads CSV (see csv.ts): a `timestamp` or
 *   `time` column and numeric columns named, in any case, with or without `_`: {@link CSV_COLUMNS}
 *   (`cpu` required; absent network and limit columns are NaN, absent restarts 0).
 *
 * Every pod's workload is inferred from its name (`workloadFromPodName`); its namespace is the
 * `namespace` option. Restarts are 0 where the layout has none, packets NaN.
 *
 * Times: rows keep their own times (Nezha's are a minute apart with a few ms of jitter). The value of a
 * pod at time `t` is its latest row at or before `t` and after `t − staleMs` (default 5 minutes, the
 * lookback delta of Prometheus): a pod with no row in that span is absent, as a stale series is. So
 * `history(start, end, step)` samples at `start + k·step` as a range query does, and leaves out steps
 * with no pod at all (a gap in the recording); `snapshots()` walks the whole recording on the
 * step grid (multiples of `stepMs`). `startAt` shifts every row (`kad serve` plays a recording as if
 * it had started one training window ago).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../core/errors.js';
import type { Frame } from '../core/frame.js';
import type { CallEdge, PodSample, PodSnapshot } from '../core/samples.js';
import { podKey, workloadFromPodName, type PodRef } from '../core/series.js';
import { parseUtc } from '../core/time.js';
import type { Source } from './base.js';
import { readCsvSeries } from './csv.js';
import { minuteOf, readNezhaCallEdges, readNezhaMesh, serviceMeshReader, type NezhaMesh } from './nezha-mesh.js';

/** A frame of numeric columns with a time per row (epoch ms). */
export type TimedFrame = Frame & { times: Float64Array };

/** Which file layout a replay folder holds; see the module comment. */
export type ReplayLayout = 'auto' | 'nezha' | 'csv';

/** Options of {@link ReplaySource}. */
export interface ReplaySourceOptions {
  /** The folder of per-pod files. */
  dir: string;
  /** The cycle step (ms): the grid of {@link ReplaySource.snapshots}. */
  stepMs: number;
  /** Default 'auto'. */
  layout?: ReplayLayout;
  /** Namespace of every pod (default "default"). */
  namespace?: string;
  /** A pod's row is used for at most this long after its time (ms; default 5 minutes, as Prometheus). */
  staleMs?: number;
  /** Shift every row so that the recording's first row is at this time (epoch ms; default: as recorded). */
  startAt?: number;
  /** Read the service mesh's side where the layout has one (nezha; see the module comment). Default false. */
  mesh?: boolean;
}

/** One pod's recorded samples, in time order. */
export interface PodRecording {
  ref: PodRef;
  times: Float64Array;
  samples: PodSample[];
}

/**
 * Columns of the csv layout, by {@link PodSample} field; a header matches when it equals the name
 * with case and `_`/`-` ignored (`rx_bytes`, `rxBytes`, `RX-BYTES`). `started_at` is epoch seconds.
 */
export const CSV_COLUMNS = Object.freeze({
  cpu: 'cpu', memory: 'memory', restarts: 'restarts', rxBytes: 'rx_bytes', txBytes: 'tx_bytes', rxPackets: 'rx_packets',
  rxDropped: 'rx_dropped', cpuLimit: 'cpu_limit', memoryLimit: 'memory_limit', cpuRequest: 'cpu_request', startedAt: 'started_at',
} as const);

const NEZHA_SUFFIX = '_metric.csv';
const NEZHA_SKIP = new Set(['Time', 'TimeStamp', 'PodName']);
const MIB = 2 ** 20;

/**
 * Parses one Nezha `<pod>_metric.csv`: the numeric columns (every one but `Time`, `TimeStamp` and
 * `PodName`), times from the `Time` column (a Go time string in UTC), rows sorted by time. `name` is
 * used in error messages, which name the line and column.
 */
export function parseNezhaMetrics(text: string, name: string): TimedFrame {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length < 2) throw new InputError(`${name}: no data rows (expected a header and one row a minute)`);
  const header = lines[0].replace(/^\uFEFF/, '').split(',').map((h) => h.trim());
  const tcol = header.indexOf('Time');
  if (tcol < 0) throw new InputError(`${name}:1: no "Time" column (found: ${header.join(', ')})`);
  const cols = header.map((_, j) => j).filter((j) => !NEZHA_SKIP.has(header[j]));
  const rows: { t: number; v: Float64Array }[] = [];
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i].split(',');
    if (f.length !== header.length) throw new InputError(`${name}:${i + 1}: expected ${header.length} fields, found ${f.length}`);
    const t = parseUtc(f[tcol]);
    if (Number.isNaN(t)) throw new InputError(`${name}:${i + 1}: column "Time": "${f[tcol]}" is not a time (expected "YYYY-MM-DD HH:MM:SS.fff +0000 UTC …")`);
    const v = new Float64Array(cols.length);
    cols.forEach((j, k) => {
      const raw = f[j].trim();
      const x = raw === '' || /^nan$/i.test(raw) ? NaN : Number(raw);
      if (Number.isNaN(x) && raw !== '' && !/^nan$/i.test(raw)) throw new InputError(`${name}:${i + 1}: column "${header[j]}": "${raw}" is not a number`);
      v[k] = x;
    });
    rows.push({ t, v });
  }
  rows.sort((a, b) => a.t - b.t);
  const data = new Float64Array(rows.length * cols.length);
  rows.forEach((r, i) => data.set(r.v, i * cols.length));
  return { names: cols.map((j) => header[j]), rows: rows.length, cols: cols.length, data, times: Float64Array.from(rows, (r) => r.t) };
}

/** A column reader over a frame: the value of column `j` at row `i`, NaN for a column it lacks (-1). */
function cell(frame: TimedFrame, i: number, j: number): number {
  return j < 0 ? NaN : frame.data[i * frame.cols + j];
}

/**
 * The Nezha pod frame as samples of pod `ref`; see the module comment. With `mesh` (its folder's mesh
 * tables), the mesh fields too. Throws without `CpuUsage(m)`.
 */
export function nezhaPodSamples(frame: TimedFrame, ref: PodRef, name: string, mesh?: NezhaMesh): PodSample[] {
  const col = (n: string) => frame.names.indexOf(n);
  const [cpuC, cpuRateC, memC, memRateC, rxC, txC] = ['CpuUsage(m)', 'CpuUsageRate(%)', 'MemoryUsage(Mi)', 'MemoryUsageRate(%)', 'NetworkReceiveBytes', 'NetworkTransmitBytes'].map(col);
  if (cpuC < 0) throw new InputError(`${name}:1: no "CpuUsage(m)" column (found: ${frame.names.join(', ')})`);
  const [workC, p99C] = [col('PodWorkload(Ops)'), col('PodServerLatencyP99(s)')];
  const calls = mesh ? serviceMeshReader(mesh, ref.workload) : undefined;
  let cpuLimit = NaN;
  let memoryLimit = NaN;
  const out: PodSample[] = [];
  for (let i = 0; i < frame.rows; i++) {
    const cpu = cell(frame, i, cpuC) / 1000;
    const memory = cell(frame, i, memC) * MIB;
    const cpuRate = cell(frame, i, cpuRateC);
    const memRate = cell(frame, i, memRateC);
    if (cpuRate > 0 && cpu > 0) cpuLimit = cpu / (cpuRate / 100);
    if (memRate > 0 && memory > 0) memoryLimit = memory / (memRate / 100);
    const s: PodSample = {
      ref, cpu, memory, restarts: 0, rxBytes: cell(frame, i, rxC), txBytes: cell(frame, i, txC),
      rxPackets: NaN, rxDropped: NaN, cpuLimit, memoryLimit,
    };
    if (calls) {
      const c = calls(minuteOf(frame.times[i]));
      s.requestRate = cell(frame, i, workC);
      s.errorRatio = c.errorRatio;
      s.latencyMs = c.latencyS * 1000;
      s.latencyP99Ms = cell(frame, i, p99C) * 1000;
      s.missingCallees = c.missingCallees;
    }
    out.push(s);
  }
  return out;
}

const squash = (s: string) => s.toLowerCase().replace(/[_-]/g, '');

/** The generic per-pod CSV frame as samples of pod `ref`; see {@link CSV_COLUMNS}. Throws without `cpu`. */
export function csvPodSamples(frame: TimedFrame, ref: PodRef, name: string): PodSample[] {
  const names = frame.names.map(squash);
  const col = (field: keyof typeof CSV_COLUMNS) => names.indexOf(squash(CSV_COLUMNS[field]));
  if (col('cpu') < 0) {
    throw new InputError(`${name}:1: no "cpu" column (cores); the columns kad reads are ${Object.values(CSV_COLUMNS).join(', ')} (found: ${frame.names.join(', ')})`);
  }
  const c = Object.fromEntries(Object.keys(CSV_COLUMNS).map((f) => [f, col(f as keyof typeof CSV_COLUMNS)])) as Record<keyof typeof CSV_COLUMNS, number>;
  const out: PodSample[] = [];
  for (let i = 0; i < frame.rows; i++) {
    const at = (j: number) => cell(frame, i, j);
    const restarts = at(c.restarts);
    const startedAt = at(c.startedAt);
    const s: PodSample = {
      ref, cpu: at(c.cpu), memory: at(c.memory), restarts: Number.isFinite(restarts) ? restarts : 0,
      rxBytes: at(c.rxBytes), txBytes: at(c.txBytes), rxPackets: at(c.rxPackets), rxDropped: at(c.rxDropped),
      cpuLimit: at(c.cpuLimit), memoryLimit: at(c.memoryLimit),
    };
    if (c.cpuRequest >= 0) s.cpuRequest = at(c.cpuRequest);
    if (Number.isFinite(startedAt)) s.startedAt = startedAt * 1000;
    out.push(s);
  }
  return out;
}

/** The folders under `dir` that may hold Nezha pod files: itself, `metric/`, `<day>/metric/`. */
function nezhaFolders(dir: string): string[] {
  const folders = [dir, join(dir, 'metric')];
  for (const d of readdirSync(dir).sort()) if (statSync(join(dir, d)).isDirectory()) folders.push(join(dir, d, 'metric'));
  return folders.filter((f) => existsSync(f) && statSync(f).isDirectory());
}

/** The Nezha pod files under `dir` (see {@link nezhaFolders}), by pod name, each pod's files in name order. */
function nezhaFiles(dir: string): Map<string, string[]> {
  const byPod = new Map<string, string[]>();
  for (const f of nezhaFolders(dir)) {
    for (const file of readdirSync(f).sort()) {
      if (!file.endsWith(NEZHA_SUFFIX)) continue;
      const pod = file.slice(0, -NEZHA_SUFFIX.length);
      byPod.set(pod, [...(byPod.get(pod) ?? []), join(f, file)]);
    }
  }
  return byPod;
}

/** Joins one pod's frames (of the same layout), sorting rows by time. */
function joinRows(times: Float64Array[], samples: PodSample[][]): { times: Float64Array; samples: PodSample[] } {
  const idx = times.flatMap((ts, f) => Array.from(ts, (t, i) => ({ t, f, i })));
  idx.sort((a, b) => a.t - b.t);
  return { times: Float64Array.from(idx, (x) => x.t), samples: idx.map((x) => samples[x.f][x.i]) };
}

/**
 * Reads a replay folder into one recording per pod, sorted by pod; with `mesh`, the mesh fields too
 * (see the module comment). Throws {@link InputError} when the folder is missing or holds no per-pod
 * files of the layout, or a file is malformed (naming it).
 */
export function readPodRecordings(dir: string, layout: ReplayLayout = 'auto', namespace = 'default', mesh = false): PodRecording[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InputError(`${dir}: no such folder (KAD_REPLAY_DIR / --data: a folder of per-pod CSV files)`);
  const ref = (pod: string): PodRef => ({ namespace, pod, workload: workloadFromPodName(pod) });
  const out: PodRecording[] = [];
  const nezha = layout === 'csv' ? new Map<string, string[]>() : nezhaFiles(dir);
  if (nezha.size > 0) {
    const meshes = new Map<string, NezhaMesh>();
    const meshOf = (file: string): NezhaMesh | undefined => {
      if (!mesh) return undefined;
      const folder = dirname(file);
      if (!meshes.has(folder)) meshes.set(folder, readNezhaMesh(folder));
      return meshes.get(folder);
    };
    for (const [pod, files] of nezha) {
      const frames = files.map((p) => ({ p, frame: parseNezhaMetrics(readFileSync(p, 'utf8'), p) }));
      const joined = joinRows(frames.map((f) => f.frame.times), frames.map((f) => nezhaPodSamples(f.frame, ref(pod), f.p, meshOf(f.p))));
      out.push({ ref: ref(pod), ...joined });
    }
  } else if (layout !== 'nezha') {
    for (const file of readdirSync(dir).sort()) {
      if (!file.toLowerCase().endsWith('.csv')) continue;
      const p = join(dir, file);
      const pod = basename(file, file.slice(-4));
      const { frame } = readCsvSeries(p);
      out.push({ ref: ref(pod), times: frame.times, samples: csvPodSamples(frame, ref(pod), p) });
    }
  }
  if (out.length === 0) {
    const want = layout === 'nezha' ? `<pod>${NEZHA_SUFFIX} files (in it, its metric/ or <day>/metric/)` : layout === 'csv' ? '<pod>.csv files' : `<pod>.csv or <pod>${NEZHA_SUFFIX} files`;
    throw new InputError(`${dir}: no per-pod files to replay (expected ${want})`);
  }
  return out.sort((a, b) => (podKey(a.ref) < podKey(b.ref) ? -1 : 1));
}

/**
 * The call graph of the Nezha folders under `dir` (each folder's `dependency.csv`, else its mesh edge
 * names; see nezha-mesh.ts), joined, as workload keys `namespace/service`.
 */
function nezhaCallGraph(dir: string, namespace: string): CallEdge[] {
  const edges = new Map<string, CallEdge>();
  for (const f of nezhaFolders(dir)) {
    if (![...readdirSync(f)].some((file) => file.endsWith(NEZHA_SUFFIX))) continue;
    for (const [from, to] of readNezhaCallEdges(f)) {
      if (from !== to) edges.set(`${from}>${to}`, { from: `${namespace}/${from}`, to: `${namespace}/${to}` });
    }
  }
  return [...edges.values()];
}

/** Index of the last time ≤ t, or -1. */
function lastAtOrBefore(times: Float64Array, t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** Per-pod recorded metrics, replayed as snapshots; see the module comment. */
export class ReplaySource implements Source {
  readonly name = 'replay';
  /** The pods' recordings (times shifted as `startAt` asks). */
  readonly pods: readonly PodRecording[];
  private readonly stepMs: number;
  private readonly staleMs: number;
  /** With `mesh`: the call graph of the recording's folders (workload keys), the same at every time; else empty. */
  readonly edges: readonly CallEdge[] = [];

  /** Reads the folder at once; throws {@link InputError} as {@link readPodRecordings} does. */
  constructor(opts: Readonly<ReplaySourceOptions>) {
    if (!(opts.stepMs > 0)) throw new InputError(`replay step must be positive, got ${opts.stepMs} ms`);
    this.stepMs = opts.stepMs;
    this.staleMs = opts.staleMs ?? 5 * 60_000;
    const pods = readPodRecordings(opts.dir, opts.layout, opts.namespace, opts.mesh);
    if (opts.mesh && opts.layout !== 'csv') this.edges = nezhaCallGraph(opts.dir, opts.namespace ?? 'default');
    const offset = opts.startAt === undefined ? 0 : opts.startAt - Math.min(...pods.map((r) => r.times[0] ?? Infinity));
    this.pods = offset ? pods.map((r) => ({ ...r, times: r.times.map((t) => t + offset) })) : pods;
  }

  /** The first and last row times of the recording (epoch ms, shifted). */
  span(): { start: number; end: number } {
    let start = Infinity;
    let end = -Infinity;
    for (const r of this.pods) {
      if (r.times.length === 0) continue;
      start = Math.min(start, r.times[0]);
      end = Math.max(end, r.times[r.times.length - 1]);
    }
    return { start, end };
  }

  /** The pods whose latest row at or before `t` is younger than the staleness limit, at time `t`. */
  at(t: number): PodSnapshot {
    const pods: PodSample[] = [];
    for (const r of this.pods) {
      const i = lastAtOrBefore(r.times, t);
      if (i >= 0 && r.times[i] > t - this.staleMs) pods.push(r.samples[i]);
    }
    return { t, pods };
  }

  /** Every step of the grid (multiples of `stepMs`) from the first row to the last, leaving out steps with no pod. */
  *snapshots(): Generator<PodSnapshot> {
    const { start, end } = this.span();
    if (!Number.isFinite(start)) return;
    for (let t = Math.ceil(start / this.stepMs) * this.stepMs; t < end + this.stepMs; t += this.stepMs) {
      const snap = this.at(t);
      if (snap.pods.length > 0) yield snap;
    }
  }

  async history(start: number, end: number, stepMs: number): Promise<PodSnapshot[]> {
    if (!(stepMs > 0)) throw new InputError(`history step must be positive, got ${stepMs} ms`);
    const out: PodSnapshot[] = [];
    for (let t = start; t <= end; t += stepMs) {
      const snap = this.at(t);
      if (snap.pods.length > 0) out.push(snap);
    }
    return out;
  }

  async current(t: number): Promise<PodSnapshot> {
    return this.at(t);
  }

  /** With `mesh`: the call graph of the recording's folders (the same at every time); else none. */
  async callGraph(): Promise<CallEdge[]> {
    return [...this.edges];
  }

  async close(): Promise<void> {}
}
