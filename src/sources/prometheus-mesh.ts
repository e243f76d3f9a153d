/**
 * The service mesh in PromQL, for the Prometheus source: per-pod request rate, 5xx share and latency
 * from Istio's server-side series or Linkerd's inbound ones, the callees a pod stopped calling from
 * its own client-side (Istio) or outbound (Linkerd) series, grouped `by (namespace, <POD_LABEL>)` as
 * every other per-pod query (the pod scrape adds those labels to the sidecar's series), and the call
 * graph from the same series. `S` is the batch's selector, `W` the rate window:
 *
 * | field | Istio | Linkerd |
 * | --- | --- | --- |
 * | requestRate | `sum(rate(istio_requests_total{reporter="destination",S}[W]))` | `sum(rate(response_total{direction="inbound",S}[W]))` |
 * | errorRatio | the same with `response_code=~"5.."`, over it (0 where no 5xx series exists) | `classification="failure"`, over it |
 * | latencyMs | `rate(istio_request_duration_milliseconds_sum[W])` / `_count` | `response_latency_ms_sum` / `_count` |
 * | latencyP99Ms | `histogram_quantile(0.99, sum by (…, le) (rate(…_bucket[W])))` | the same on `response_latency_ms_bucket` |
 * | missingCallees | of the pod's own `reporter="source"` series summed per destination workload, how many of those with a rate above 0 at ≥ 5 of the last 10 window steps (a subquery) have a rate of 0 now (0 where none; absent for a pod with no such callee) | `request_total{direction="outbound"}` per `dst_namespace`, `dst_deployment` |
 * | call graph | `source_workload(_namespace)` → `destination_workload(_namespace)` with requests in the last 10 minutes | `deployment` → `dst_deployment` of `request_total{direction="outbound"}` |
 */
import { CALLEE_REGULAR, CALLEE_WINDOWS, MESH_FIELDS, type CallEdge } from '../core/samples.js';
import { promDurationMs } from './promql.js';
import type { VectorSample } from './prometheus-client.js';

/** A mesh whose series a Prometheus answered for. */
export type MeshFlavour = 'istio' | 'linkerd';

/** The per-pod mesh values the source asks for, in order (PodSample's field names). */
export const MESH_METRICS = MESH_FIELDS;
/** One of {@link MESH_METRICS}. */
export type MeshMetric = (typeof MESH_METRICS)[number];

/** Requests seen over this window make an edge of the call graph. */
const GRAPH_WINDOW = '10m';

/** The flavour's series names and the matchers that pick the pod's own (server / inbound) side. */
function names(flavour: MeshFlavour) {
  return flavour === 'istio'
    ? {
      requests: 'istio_requests_total', side: 'reporter="destination"', failed: 'response_code=~"5.."', latency: 'istio_request_duration_milliseconds',
      outbound: 'istio_requests_total', outSide: 'reporter="source"', callee: 'destination_workload_namespace, destination_workload',
    }
    : {
      requests: 'response_total', side: 'direction="inbound"', failed: 'classification="failure"', latency: 'response_latency_ms',
      outbound: 'request_total', outSide: 'direction="outbound"', callee: 'dst_namespace, dst_deployment',
    };
}

/** The PromQL of each mesh value for the pods matched by `selector`, grouped by `namespace` and `podLabel`. */
export function meshQueries(selector: string, podLabel: string, rateWindow: string, flavour: MeshFlavour): Record<MeshMetric, string> {
  const n = names(flavour);
  const by = `namespace, ${podLabel}`;
  const sel = `${n.side},${selector}`;
  const rate = (metric: string, s = sel) => `sum by (${by}) (rate(${metric}{${s}}[${rateWindow}]))`;
  const total = rate(n.requests);
  // Per pod and callee, the requests per second its own proxy sent over the window; regular callees
  // are those it called in CALLEE_REGULAR of the last CALLEE_WINDOWS windows (core/samples.ts).
  const perCallee = `sum by (${by}, ${n.callee}) (rate(${n.outbound}{${n.outSide},${selector}}[${rateWindow}]))`;
  const w = promDurationMs(rateWindow);
  const ms = (x: number) => (x % 1000 === 0 ? `${x / 1000}s` : `${x}ms`);
  const regular = `count_over_time((${perCallee} > 0)[${ms(CALLEE_WINDOWS * w)}:${ms(w)}]) >= ${CALLEE_REGULAR}`;
  return {
    requestRate: total,
    errorRatio: `(${rate(n.requests, `${sel},${n.failed}`)} or 0 * ${total}) / ${total}`,
    latencyMs: `${rate(`${n.latency}_sum`)} / ${rate(`${n.latency}_count`)}`,
    latencyP99Ms: `histogram_quantile(0.99, sum by (${by}, le) (rate(${n.latency}_bucket{${sel}}[${rateWindow}])))`,
    missingCallees: `count by (${by}) ((${perCallee} == 0) and ${regular}) or 0 * count by (${by}) (${regular})`,
  };
}

/** How many of the flavour's pod-side request series `selector` matches (0 or nothing: no such mesh). */
export function meshProbeQuery(selector: string, flavour: MeshFlavour): string {
  const n = names(flavour);
  return `count(${n.requests}{${n.side},${selector}})`;
}

/**
 * The call graph's PromQL: per caller and callee workload, requests in the last 10 minutes, where any.
 * Each series' increase is kept where it is above 0 before the sum, so that one series that answers
 * NaN (a NaN sample, as a backfill writes where a scrape writes a staleness marker) cannot hide an
 * edge that the other series of the pair show; for finite increases, the same edges as the sum > 0.
 */
export function callGraphQuery(selector: string, flavour: MeshFlavour): string {
  return flavour === 'istio'
    ? `sum by (source_workload, source_workload_namespace, destination_workload, destination_workload_namespace) (increase(istio_requests_total{reporter="destination",${selector}}[${GRAPH_WINDOW}]) > 0)`
    : `sum by (namespace, deployment, dst_namespace, dst_deployment) (increase(request_total{direction="outbound",${selector}}[${GRAPH_WINDOW}]) > 0)`;
}

/** The edges of a {@link callGraphQuery} answer (callers outside the mesh, `unknown`, left out). */
export function edgesOf(result: readonly VectorSample[], flavour: MeshFlavour): CallEdge[] {
  const edges = new Map<string, CallEdge>();
  for (const { metric: l } of result) {
    const [fromNs, from, toNs, to] = flavour === 'istio'
      ? [l.source_workload_namespace, l.source_workload, l.destination_workload_namespace, l.destination_workload]
      : [l.namespace, l.deployment, l.dst_namespace ?? l.namespace, l.dst_deployment];
    if (!from || !to || from === 'unknown' || to === 'unknown' || !fromNs || !toNs) continue;
    const e = { from: `${fromNs}/${from}`, to: `${toNs}/${to}` };
    if (e.from !== e.to) edges.set(`${e.from}>${e.to}`, e);
  }
  return [...edges.values()];
}
