/**
 * The service-mesh side of a Nezha day as per-series columns: the files in `<day>/metric/` beside the
 * pod metrics (`source_50.csv`, `destination_50.csv`, `front_service.csv`, `dependency.csv`; read by
 * sources/nezha-mesh.ts, which says what each holds), matched to pod rows by UTC minute.
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
import { minuteOf, splitEdge, type MinuteTable, type NezhaMesh } from '../sources/nezha-mesh.js';

// The files are read in sources/nezha-mesh.ts (the replay source reads them too); re-exported for this folder's readers.
export { minuteOf, parseMinuteTable, readNezhaCallEdges, readNezhaMesh, serviceOfPod, splitEdge, type MinuteTable, type NezhaMesh } from '../sources/nezha-mesh.js';

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

/**
 * Whether a pod-metric column is one a cluster without a service mesh does not give kad: the mesh's
 * own per-pod columns (latencies, request rate, success rate: Istio's, in Nezha), the node's, and the
 * syscall counts (no cAdvisor or kube-state-metrics series has them). What is left is what kad's
 * Prometheus source reads without a mesh: CPU, memory (and their shares of the limits) and network.
 */
export function isBeyondPodMetrics(name: string): boolean {
  return isNeighbourColumn(name) || /^Pod(Server|Client)Latency|^PodWorkload|^PodSuccessRate|^Syscall/.test(name);
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
