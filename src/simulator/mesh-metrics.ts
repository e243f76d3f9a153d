/**
 * The simulated mesh's series, under Istio's or Linkerd's names, as Prometheus has them after its
 * usual pod scrape (which adds `namespace` and `pod` of the scraped sidecar):
 *
 * - Istio (server-side sidecar, `reporter="destination"`): `istio_requests_total` and the histogram
 *   `istio_request_duration_milliseconds` (`_bucket` by `le`, `_sum`, `_count`), one series per pod,
 *   caller and `response_code`, with Istio's standard labels: `source_workload`,
 *   `source_workload_namespace`, `source_principal`, `source_app`, `source_version`,
 *   `source_canonical_service`, `source_canonical_revision`, `source_cluster` (all `unknown` for
 *   requests from outside the mesh), the same for `destination_*` plus `destination_service`,
 *   `destination_service_name`, `destination_service_namespace`, and `request_protocol`,
 *   `response_code`, `grpc_response_status`, `response_flags`, `connection_security_policy`. And the
 *   client side (`reporter="source"`, the caller pod's own sidecar): `istio_requests_total` per pod and
 *   callee workload, the requests it sent (all counted as `200`: the callee's answers are on its side).
 * - Linkerd (the proxy's inbound side, `direction="inbound"`): `request_total`, `response_total`
 *   (`classification` success/failure, `status_code`) and the histogram `response_latency_ms`, per
 *   pod and caller (`client_id`, its mTLS identity; none from outside the mesh), with `deployment`
 *   from the pod's owner; and the outbound side, `request_total{direction="outbound"}` per pod and
 *   `dst_namespace` / `dst_deployment`, from which the call graph is read.
 */
import type { MeshModel } from './mesh.js';
import type { PodMeshState } from './types.js';
import type { PodState } from './pod.js';
import type { ClusterTopology } from './topology.js';

/** Status codes of the two answers the mesh counts: success and a 5xx. */
const CODES = ['200', '500'] as const;

/** Frozen label sets of one pod's mesh series. */
interface PodMeshLabels {
  /** Per inbound source s and code c, at s·2 + c: the series' labels (requests, sum, count; Linkerd: response_total). */
  series: Record<string, string>[];
  /** The same with `le`, at (s·2 + c)·(B + 1) + b; the last of each row is `+Inf`. */
  buckets: Record<string, string>[];
  /** Linkerd: inbound `request_total` per source. */
  requests: Record<string, string>[];
  /** Per callee: Istio's `reporter="source"` `istio_requests_total`, Linkerd's outbound `request_total`. */
  outbound: Record<string, string>[];
}

function freeze(o: Record<string, string>): Record<string, string> {
  return Object.freeze(o) as Record<string, string>;
}

/** Turns the mesh's counters into samples; label sets are built once per pod. */
export class MeshMetrics {
  private readonly labels = new WeakMap<PodState, PodMeshLabels>();
  private readonly names: { namespace: string; name: string }[];

  constructor(private readonly mesh: MeshModel, topology: ClusterTopology) {
    this.names = topology.workloads.map((w) => ({ namespace: w.namespace, name: w.name }));
  }

  /** The mesh series of `pods`, family by family, appended to `push`. */
  collect(pods: readonly PodState[], push: (name: string, labels: Record<string, string>, value: number) => void): void {
    const mesh = this.mesh;
    const B = mesh.buckets.length;
    const withState: [PodState, PodMeshState, PodMeshLabels][] = [];
    for (const p of pods) {
      const st = mesh.stateOf(p);
      if (st) withState.push([p, st, this.labelsOf(p)]);
    }
    if (mesh.flavour === 'istio') {
      for (const [, st, l] of withState) {
        for (let i = 0; i < st.requests.length; i++) push('istio_requests_total', l.series[i], Math.floor(st.requests[i]));
        for (let o = 0; o < l.outbound.length; o++) push('istio_requests_total', l.outbound[o], Math.floor(st.outbound[o]));
      }
      for (const [, st, l] of withState) this.histogram('istio_request_duration_milliseconds', st, l, B, push);
      return;
    }
    for (const [, st, l] of withState) {
      for (let s = 0; s < l.requests.length; s++) push('request_total', l.requests[s], Math.floor(st.requests[s * 2] + st.requests[s * 2 + 1]));
      for (let o = 0; o < l.outbound.length; o++) push('request_total', l.outbound[o], Math.floor(st.outbound[o]));
    }
    for (const [, st, l] of withState) for (let i = 0; i < st.requests.length; i++) push('response_total', l.series[i], Math.floor(st.requests[i]));
    for (const [, st, l] of withState) this.histogram('response_latency_ms', st, l, B, push);
  }

  private histogram(family: string, st: PodMeshState, l: PodMeshLabels, B: number,
    push: (name: string, labels: Record<string, string>, value: number) => void): void {
    for (let i = 0; i < st.requests.length; i++) {
      for (let b = 0; b < B; b++) push(`${family}_bucket`, l.buckets[i * (B + 1) + b], Math.floor(st.buckets[i * B + b]));
      push(`${family}_bucket`, l.buckets[i * (B + 1) + B], Math.floor(st.requests[i]));
      push(`${family}_sum`, l.series[i], st.latencySum[i]);
      push(`${family}_count`, l.series[i], Math.floor(st.requests[i]));
    }
  }

  private labelsOf(p: PodState): PodMeshLabels {
    let l = this.labels.get(p);
    if (!l) {
      l = this.mesh.flavour === 'istio' ? this.istioLabels(p) : this.linkerdLabels(p);
      this.labels.set(p, l);
    }
    return l;
  }

  private withBuckets(series: Record<string, string>[]): Record<string, string>[] {
    const out: Record<string, string>[] = [];
    for (const s of series) {
      for (const b of this.mesh.buckets) out.push(freeze({ ...s, le: String(b) }));
      out.push(freeze({ ...s, le: '+Inf' }));
    }
    return out;
  }

  private istioLabels(p: PodState): PodMeshLabels {
    const { namespace, workload } = p;
    const side = (prefix: 'source' | 'destination', ns: string, name: string): Record<string, string> => {
      const known = name !== 'unknown';
      return {
        [`${prefix}_workload`]: name,
        [`${prefix}_workload_namespace`]: ns,
        [`${prefix}_principal`]: known ? `spiffe://cluster.local/ns/${ns}/sa/${name}` : 'unknown',
        [`${prefix}_app`]: name,
        [`${prefix}_version`]: known ? 'v1' : 'unknown',
        [`${prefix}_canonical_service`]: name,
        [`${prefix}_canonical_revision`]: known ? 'v1' : 'latest',
        [`${prefix}_cluster`]: known ? 'Kubernetes' : 'unknown',
      };
    };
    const dest = {
      ...side('destination', namespace, workload),
      destination_service: `${workload}.${namespace}.svc.cluster.local`,
      destination_service_name: workload,
      destination_service_namespace: namespace,
    };
    const series: Record<string, string>[] = [];
    for (const src of this.mesh.inbound[p.workloadIndex]) {
      const caller = src.from >= 0 ? this.names[src.from] : { namespace: 'unknown', name: 'unknown' };
      for (const code of CODES) {
        series.push(freeze({
          reporter: 'destination', ...side('source', caller.namespace, caller.name), ...dest,
          request_protocol: 'http', response_code: code, grpc_response_status: '', response_flags: '-',
          connection_security_policy: src.from >= 0 ? 'mutual_tls' : 'none', namespace, pod: p.name,
        }));
      }
    }
    const self = side('source', namespace, workload);
    const outbound = this.mesh.outbound[p.workloadIndex].map((o) => {
      const dst = this.names[o.to];
      return freeze({
        reporter: 'source', ...self, ...side('destination', dst.namespace, dst.name),
        destination_service: `${dst.name}.${dst.namespace}.svc.cluster.local`, destination_service_name: dst.name, destination_service_namespace: dst.namespace,
        request_protocol: 'http', response_code: '200', grpc_response_status: '', response_flags: '-', connection_security_policy: 'unknown', namespace, pod: p.name,
      });
    });
    return { series, buckets: this.withBuckets(series), requests: [], outbound };
  }

  private linkerdLabels(p: PodState): PodMeshLabels {
    const { namespace, workload } = p;
    const base = { direction: 'inbound', authority: `${workload}.${namespace}.svc.cluster.local:8080`, namespace, pod: p.name, deployment: workload };
    const series: Record<string, string>[] = [];
    const requests: Record<string, string>[] = [];
    for (const src of this.mesh.inbound[p.workloadIndex]) {
      const caller = src.from >= 0 ? this.names[src.from] : undefined;
      const identity: Record<string, string> = caller
        ? { tls: 'true', client_id: `${caller.name}.${caller.namespace}.serviceaccount.identity.linkerd.cluster.local` }
        : { tls: 'no_identity', no_tls_reason: 'no_tls_from_remote' };
      requests.push(freeze({ ...base, ...identity }));
      for (const code of CODES) {
        series.push(freeze({ ...base, ...identity, classification: code === '200' ? 'success' : 'failure', status_code: code }));
      }
    }
    const outbound = this.mesh.outbound[p.workloadIndex].map((o) => {
      const dst = this.names[o.to];
      return freeze({
        direction: 'outbound', authority: `${dst.name}.${dst.namespace}.svc.cluster.local:8080`, namespace, pod: p.name, deployment: workload,
        dst_namespace: dst.namespace, dst_deployment: dst.name, tls: 'true',
      });
    });
    return { series, buckets: this.withBuckets(series), requests, outbound };
  }
}
