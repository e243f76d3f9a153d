/**
 * The simulated service mesh: the sidecars of the workloads a topology's call graph names count the
 * requests each pod receives, per caller and response code, and their latency, as Istio's and
 * Linkerd's proxies do (`mesh-metrics.ts` exports them under either's names).
 *
 * Each tick, workloads are visited callees first. A pod's mean latency is its own serving time
 * (`serviceMs`, a little slower under load, with slow noise of its own) plus, for every workload it
 * calls, the calls a request makes to it times that workload's latency now (traffic-weighted over its
 * ready pods): a caller's latency includes its callees'. Its 5xx share is its own error rate combined
 * with its callees' (a failed call fails the request). A `latency_fault` adds milliseconds to one
 * pod's serving time, an `error_fault` a 5xx share to its answers; both reach the callers through
 * the same sums, while CPU and memory stay as they were (the pod's other metrics do not read the
 * mesh). The other incident kinds leave the mesh alone: a pod that is not ready gets no requests.
 *
 * Requests follow the traffic model: a pod receives the requests the cluster gives it, split over
 * its callers by the call graph's shares (the rest from outside the mesh). Latencies of one pod are
 * lognormal around its mean (σ = {@link LATENCY_SIGMA}), counted into the flavour's histogram
 * buckets. Every random draw comes from generators of the mesh's own, so the cAdvisor and
 * kube-state-metrics series are the same with the mesh as without it.
 */
import { createRng, hash32, hashString } from '../core/rng.js';
import { normalCdf } from '../stats/normal.js';
import type { Deployment } from './controller.js';
import type { PodState } from './pod.js';
import type { ClusterTopology } from './topology.js';
import type { PodMeshState } from './types.js';

/** Whose names the mesh's series carry. */
export type MeshFlavour = 'istio' | 'linkerd';

/** Bucket bounds (ms) of `istio_request_duration_milliseconds` (Envoy's default histogram buckets). */
export const ISTIO_BUCKETS_MS: readonly number[] = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000];
/** Bucket bounds (ms) of Linkerd's `response_latency_ms`. */
export const LINKERD_BUCKETS_MS: readonly number[] = [1, 2, 3, 4, 5, 10, 20, 30, 40, 50, 100, 200, 300, 400, 500, 1000, 2000, 3000, 4000, 5000, 10000, 20000, 30000, 40000, 50000];

/** Spread of one pod's request latencies (σ of their logarithm). */
export const LATENCY_SIGMA = 0.45;
const DEFAULT_SERVICE_MS = 10;
const DEFAULT_ERROR_RATE = 0.0005;
/** Slow noise of a pod's serving time: σ of its logarithm and its time constant. */
const NOISE_SD = 0.04;
const NOISE_TAU_MS = 5 * 60_000;

/** Where a mesh workload's requests come from: a caller (workload index) or outside the mesh (-1), and its share. */
export interface MeshInbound {
  from: number;
  share: number;
}

/** A workload a mesh workload calls, and how many calls a request makes to it on average. */
export interface MeshOutbound {
  to: number;
  perRequest: number;
}

/** The mesh of a cluster: its call graph, per-workload latency and errors now, and every pod's sidecar. */
export class MeshModel {
  readonly flavour: MeshFlavour;
  /** Histogram bucket bounds (ms) of the flavour. */
  readonly buckets: readonly number[];
  /** Per workload index: where its requests come from (empty: not in the mesh). */
  readonly inbound: MeshInbound[][];
  /** Per workload index: whom it calls. */
  readonly outbound: MeshOutbound[][];
  /** Per workload index: whether it has a sidecar. */
  readonly inMesh: boolean[];
  /** Workload indexes, every callee before its callers. */
  private readonly order: number[];
  /** Per workload: traffic-weighted mean latency (ms) and 5xx share of its ready pods now. */
  readonly latency: Float64Array;
  readonly errors: Float64Array;
  private readonly logBounds: Float64Array;
  private readonly cdf: Float64Array;
  private noiseDt = NaN;
  private noisePhi = 0;
  private noiseGain = 0;

  constructor(private readonly seed: number, topology: ClusterTopology, flavour: MeshFlavour) {
    this.flavour = flavour;
    this.buckets = flavour === 'istio' ? ISTIO_BUCKETS_MS : LINKERD_BUCKETS_MS;
    this.logBounds = Float64Array.from(this.buckets, Math.log);
    this.cdf = new Float64Array(this.buckets.length);
    const ws = topology.workloads;
    const index = new Map(ws.map((w, i) => [`${w.namespace}/${w.name}`, i]));
    this.inbound = ws.map(() => []);
    this.outbound = ws.map(() => []);
    this.inMesh = ws.map(() => false);
    for (const c of topology.calls ?? []) {
      const from = index.get(c.from)!;
      const to = index.get(c.to)!;
      this.inMesh[from] = this.inMesh[to] = true;
      this.inbound[to].push({ from, share: c.share });
      this.outbound[from].push({ to, perRequest: ws[from].rps > 0 ? (c.share * ws[to].rps) / ws[from].rps : 0 });
    }
    this.inbound.forEach((list, i) => {
      if (!this.inMesh[i]) return;
      const rest = 1 - list.reduce((s, x) => s + x.share, 0);
      if (rest > 1e-9) list.push({ from: -1, share: rest });
    });
    this.order = [];
    const done = new Set<number>();
    const visit = (i: number): void => {
      if (done.has(i)) return;
      done.add(i);
      for (const o of this.outbound[i]) visit(o.to);
      this.order.push(i);
    };
    ws.forEach((_, i) => this.inMesh[i] && visit(i));
    this.latency = new Float64Array(ws.length);
    this.errors = new Float64Array(ws.length);
  }

  /** The sidecar of `pod` (created on first use), or undefined when its workload is not in the mesh. */
  stateOf(pod: PodState): PodMeshState | undefined {
    if (!this.inMesh[pod.workloadIndex]) return undefined;
    if (!pod.mesh) {
      const n = this.inbound[pod.workloadIndex].length * 2;
      pod.mesh = {
        requests: new Float64Array(n), latencySum: new Float64Array(n), buckets: new Float64Array(n * this.buckets.length),
        outbound: new Float64Array(this.outbound[pod.workloadIndex].length), latencyMs: NaN, errorShare: NaN, noise: 0,
        rng: createRng(hash32(this.seed, hashString(`mesh/${pod.namespace}/${pod.name}`))),
      };
      pod.mesh.noise = NOISE_SD * pod.mesh.rng.normal();
    }
    return pod.mesh;
  }

  /** Workload indexes that call workload `i`, directly or further up. */
  callersOf(i: number): number[] {
    const out = new Set<number>();
    const stack = [i];
    while (stack.length) {
      for (const src of this.inbound[stack.pop()!]) {
        if (src.from >= 0 && !out.has(src.from)) {
          out.add(src.from);
          stack.push(src.from);
        }
      }
    }
    return [...out];
  }

  /** Integrates `dtS` seconds for the Deployments' pods (after the pods' own step); with 0 it only sets the latencies. */
  step(deployments: readonly Deployment[], dtS: number): void {
    const dtMs = dtS * 1000;
    if (dtMs !== this.noiseDt) {
      this.noiseDt = dtMs;
      this.noisePhi = Math.exp(-dtMs / NOISE_TAU_MS);
      this.noiseGain = Math.sqrt(1 - this.noisePhi * this.noisePhi) * NOISE_SD;
    }
    for (const w of this.order) {
      const dep = deployments[w];
      const spec = dep.spec;
      let down = 0;
      let ok = 1;
      for (const o of this.outbound[w]) {
        down += o.perRequest * this.latency[o.to];
        ok *= 1 - Math.min(1, o.perRequest) * this.errors[o.to];
      }
      const serviceMs = spec.serviceMs ?? DEFAULT_SERVICE_MS;
      const ownErrors = spec.errorRate ?? DEFAULT_ERROR_RATE;
      const meanRps = spec.rps / spec.replicas;
      let weight = 0;
      let lat = 0;
      let err = 0;
      for (const p of dep.pods) {
        const st = this.stateOf(p)!;
        st.noise = this.noisePhi * st.noise + this.noiseGain * st.rng.normal();
        const load = meanRps > 0 ? Math.min(2, p.rps / meanRps) : 1;
        const own = serviceMs * (0.95 + 0.05 * load) * Math.exp(st.noise) + p.meshLatencyMs;
        st.latencyMs = own + down;
        st.errorShare = 1 - (1 - Math.min(1, ownErrors + p.meshErrorShare)) * ok;
        if (!p.ready || !(p.rps > 0)) continue;
        weight += p.rps;
        lat += p.rps * st.latencyMs;
        err += p.rps * st.errorShare;
        if (dtS > 0) this.count(st, w, p.rps * dtS);
      }
      // With no pod ready, callers' calls fail at once (Envoy's 503 "no healthy upstream").
      this.latency[w] = weight > 0 ? lat / weight : serviceMs + down;
      this.errors[w] = weight > 0 ? err / weight : spec.rps > 0 ? 1 : 0;
    }
  }

  /** Counts `n` requests into the pod's sidecar: per source and code, their latency and buckets. */
  private count(st: PodMeshState, w: number, n: number): void {
    const B = this.buckets.length;
    const logMedian = Math.log(st.latencyMs) - (LATENCY_SIGMA * LATENCY_SIGMA) / 2;
    for (let b = 0; b < B; b++) {
      const z = (this.logBounds[b] - logMedian) / LATENCY_SIGMA;
      this.cdf[b] = z < -8 ? 0 : z > 8 ? 1 : normalCdf(z); // past 8σ the CDF is 0 or 1 to 1e-15
    }
    const sources = this.inbound[w];
    const e = st.errorShare;
    for (let s = 0; s < sources.length; s++) {
      const ns = n * sources[s].share;
      // Binomial noise on the 5xx count (normal approximation).
      const ne = Math.min(ns, Math.max(0, ns * e + Math.sqrt(ns * e * (1 - e)) * st.rng.normal()));
      for (let c = 0; c < 2; c++) {
        const k = c === 0 ? ns - ne : ne;
        const i = s * 2 + c;
        st.requests[i] += k;
        st.latencySum[i] += k * st.latencyMs;
        const row = i * B;
        for (let b = 0; b < B; b++) st.buckets[row + b] += k * this.cdf[b];
      }
    }
    const out = this.outbound[w];
    for (let o = 0; o < out.length; o++) st.outbound[o] += n * out[o].perRequest;
  }
}
