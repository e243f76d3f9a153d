/**
 * What the simulated cluster is made of: nodes, and Deployments with their traffic and resource
 * profiles, plus the way Kubernetes names ReplicaSets and pods. {@link defaultTopology} is the shop
 * demo cluster; tests may pass a smaller one.
 */
import { createRng, hash32, hashString, type Rng } from '../core/rng.js';
import type { TrafficPattern } from './types.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** An HPA-like rule: keep requests per ready pod near `targetRps`. */
export interface AutoscaleSpec {
  minReplicas: number;
  maxReplicas: number;
  /** Target requests per second per pod. */
  targetRps: number;
  /** Scale-in stabilisation window, ms (Kubernetes default 5 min). */
  scaleDownStabilizationMs?: number;
}

/** A Deployment and how its pods behave. Rates are per second; the mean is over a weekday. */
export interface WorkloadSpec {
  namespace: string;
  name: string;
  replicas: number;
  /** Daily-mean requests per second of the whole workload on a weekday. */
  rps: number;
  pattern: TrafficPattern;
  /** Workloads in the same group share the slow part of their traffic noise (same users). */
  trafficGroup: string;
  /** CPU cores used with no traffic. */
  cpuBase: number;
  /** CPU core-seconds per request. */
  cpuPerRequest: number;
  /** CPU limit, cores. */
  cpuLimit: number;
  /** Steady working set, bytes. */
  memory: number;
  /** Memory limit, bytes. */
  memoryLimit: number;
  /** Page cache on top of the working set, as a fraction of `memory`. */
  cacheFraction: number;
  /** Received bytes per request. */
  requestBytes: number;
  /** Transmitted bytes per request. */
  responseBytes: number;
  autoscale?: AutoscaleSpec;
  /**
   * Service mesh: the pod's own time to answer a request, ms (mean, before the time it waits on the
   * workloads it calls). Default 10.
   */
  serviceMs?: number;
  /** Service mesh: share of requests the workload answers with a 5xx by itself (default 0.0005). */
  errorRate?: number;
}

/**
 * A call edge of the service mesh: `from` calls `to` (workload keys `namespace/name`). `share` is the
 * share of `to`'s requests that come from `from`; what the shares into a workload leave over comes
 * from outside the mesh (Istio's `source_workload="unknown"`). Every request to `from` calls `to`
 * `share × rps(to) / rps(from)` times on average (daily means of the specs), so a caller's latency
 * includes that much of its callee's.
 */
export interface CallSpec {
  from: string;
  to: string;
  share: number;
}

/** A node pods are scheduled on. */
export interface NodeSpec {
  name: string;
  cpuCores: number;
  memoryBytes: number;
}

/** The whole cluster's shape. */
export interface ClusterTopology {
  nodes: NodeSpec[];
  workloads: WorkloadSpec[];
  /** The service mesh's call graph (a DAG); the workloads it names have sidecars. Absent: no mesh. */
  calls?: CallSpec[];
}

type Profile = Omit<WorkloadSpec, 'namespace' | 'name' | 'replicas' | 'rps' | 'pattern' | 'trafficGroup'>;

function workload(namespace: string, name: string, replicas: number, rps: number, pattern: TrafficPattern,
  trafficGroup: string, profile: Profile): WorkloadSpec {
  return { namespace, name, replicas, rps, pattern, trafficGroup, ...profile };
}

/**
 * The default demo cluster: 4 nodes, 4 namespaces, 13 Deployments, 24 pods at minimum scale.
 * - shop: frontend ×3 (HPA 3–6), cart ×2, checkout ×2, payment ×2, catalog ×3 (HPA 3–5),
 *   recommendation ×2, redis-cart ×1
 * - platform: ingress-nginx ×2, coredns ×2, metrics-server ×1
 * - batch: report-worker ×2 (nightly peak)
 * - monitoring: kube-state-metrics ×1, grafana ×1
 *
 * The mesh (Istio or Linkerd sidecars on ingress-nginx and the shop): ingress-nginx → frontend →
 * cart, catalog, recommendation, checkout; checkout → cart, catalog, payment; recommendation →
 * catalog; cart → redis-cart.
 */
export function defaultTopology(): ClusterTopology {
  const nodes: NodeSpec[] = [1, 2, 3, 4].map((i) => ({ name: `kad-worker-${i}`, cpuCores: 8, memoryBytes: 32 * GiB }));
  const web = (cpuBase: number, cpuPerRequest: number, cpuLimit: number, memory: number, memoryLimit: number,
    requestBytes: number, responseBytes: number, cacheFraction = 0.15): Profile =>
    ({ cpuBase, cpuPerRequest, cpuLimit, memory, memoryLimit, requestBytes, responseBytes, cacheFraction });
  const workloads: WorkloadSpec[] = [
    { ...workload('shop', 'frontend', 3, 150, 'web', 'users', web(0.04, 0.004, 1, 256 * MiB, 512 * MiB, 1400, 18000)),
      autoscale: { minReplicas: 3, maxReplicas: 6, targetRps: 55 } },
    workload('shop', 'cart', 2, 60, 'web', 'users', web(0.03, 0.003, 0.5, 192 * MiB, 384 * MiB, 900, 2400)),
    workload('shop', 'checkout', 2, 20, 'web', 'users', web(0.03, 0.012, 1, 320 * MiB, 640 * MiB, 2200, 3000)),
    workload('shop', 'payment', 2, 18, 'web', 'users', web(0.02, 0.008, 0.5, 256 * MiB, 512 * MiB, 1600, 1200)),
    { ...workload('shop', 'catalog', 3, 180, 'web', 'users', web(0.05, 0.0025, 1, 384 * MiB, 768 * MiB, 700, 9000, 0.3)),
      autoscale: { minReplicas: 3, maxReplicas: 5, targetRps: 60 } },
    workload('shop', 'recommendation', 2, 80, 'web', 'users', web(0.06, 0.005, 1, 512 * MiB, 1 * GiB, 800, 4000)),
    workload('shop', 'redis-cart', 1, 400, 'web', 'users', web(0.02, 0.0003, 0.5, 128 * MiB, 256 * MiB, 180, 350, 0.05)),
    workload('platform', 'ingress-nginx', 2, 160, 'web', 'users', web(0.05, 0.0015, 2, 160 * MiB, 512 * MiB, 1500, 18500)),
    workload('platform', 'coredns', 2, 300, 'web', 'users', web(0.01, 0.0002, 0.5, 32 * MiB, 170 * MiB, 90, 160, 0.05)),
    workload('platform', 'metrics-server', 1, 4, 'flat', 'infra', web(0.02, 0.003, 0.2, 48 * MiB, 200 * MiB, 3000, 6000, 0.05)),
    workload('batch', 'report-worker', 2, 6, 'nightly', 'batch', web(0.05, 0.05, 6, 768 * MiB, 2 * GiB, 40000, 20000, 0.4)),
    workload('monitoring', 'kube-state-metrics', 1, 2, 'flat', 'infra', web(0.01, 0.01, 0.2, 64 * MiB, 256 * MiB, 400, 90000, 0.05)),
    workload('monitoring', 'grafana', 1, 3, 'web', 'ops', web(0.02, 0.01, 0.5, 160 * MiB, 512 * MiB, 1200, 30000, 0.2)),
  ];
  const serviceMs: Record<string, number> = {
    'ingress-nginx': 2, frontend: 18, cart: 6, checkout: 25, payment: 35, catalog: 8, recommendation: 14, 'redis-cart': 1,
  };
  for (const w of workloads) if (serviceMs[w.name] !== undefined) w.serviceMs = serviceMs[w.name];
  const calls: CallSpec[] = [
    { from: 'platform/ingress-nginx', to: 'shop/frontend', share: 1 },
    { from: 'shop/frontend', to: 'shop/cart', share: 0.7 },
    { from: 'shop/checkout', to: 'shop/cart', share: 0.3 },
    { from: 'shop/frontend', to: 'shop/catalog', share: 0.6 },
    { from: 'shop/recommendation', to: 'shop/catalog', share: 0.25 },
    { from: 'shop/checkout', to: 'shop/catalog', share: 0.15 },
    { from: 'shop/frontend', to: 'shop/recommendation', share: 1 },
    { from: 'shop/frontend', to: 'shop/checkout', share: 1 },
    { from: 'shop/checkout', to: 'shop/payment', share: 1 },
    { from: 'shop/cart', to: 'shop/redis-cart', share: 1 },
  ];
  return { nodes, workloads, calls };
}

/** Kubernetes' alphabet for generated name suffixes: no vowels, no look-alikes. */
const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * The pod-template-hash of revision `revision` of a workload: 10 lowercase hex digits, a pure
 * function of the seed, the workload and the revision (a rollout gives a new one).
 */
export function replicaSetHash(seed: number, namespace: string, workload: string, revision: number): string {
  const key = hashString(`${namespace}/${workload}`);
  const hi = hash32(seed, key, revision, 1).toString(16).padStart(8, '0');
  const lo = hash32(seed, key, revision, 2).toString(16).padStart(8, '0');
  return (hi + lo).slice(0, 10);
}

/** A 5-character pod name suffix drawn from `rng`, as the ReplicaSet controller generates. */
export function podSuffix(rng: Rng): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += SUFFIX_ALPHABET[rng.int(SUFFIX_ALPHABET.length)];
  return s;
}

/** `<workload>-<hash>-<suffix>`, the name Kubernetes gives a Deployment's pod. */
export function podName(workload: string, hash: string, suffix: string): string {
  return `${workload}-${hash}-${suffix}`;
}

/** The random source for one workload's pod names, independent of everything else in the run. */
export function nameRng(seed: number, namespace: string, workload: string): Rng {
  return createRng(hash32(seed, hashString(`${namespace}/${workload}`), 0x6e616d65));
}

/** Checks a topology for mistakes a caller could make, returning a message or undefined. */
export function validateTopology(t: ClusterTopology): string | undefined {
  if (t.nodes.length === 0) return 'topology needs at least one node';
  const seen = new Set<string>();
  for (const w of t.workloads) {
    const key = `${w.namespace}/${w.name}`;
    if (seen.has(key)) return `workload ${key} is defined twice`;
    seen.add(key);
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(w.name)) return `workload name "${w.name}" is not a DNS label`;
    if (!(w.replicas >= 1)) return `workload ${key} needs replicas >= 1`;
    if (!(w.memory < w.memoryLimit)) return `workload ${key} needs memory below memoryLimit`;
    if (w.autoscale && w.autoscale.minReplicas > w.autoscale.maxReplicas) return `workload ${key}: minReplicas > maxReplicas`;
    if (w.serviceMs !== undefined && !(w.serviceMs > 0 && Number.isFinite(w.serviceMs))) return `workload ${key} needs serviceMs > 0`;
    if (w.errorRate !== undefined && !(w.errorRate >= 0 && w.errorRate < 1)) return `workload ${key} needs errorRate in [0, 1)`;
  }
  return validateCalls(t, seen);
}

/** Checks the call graph: known workloads, shares in (0, 1] summing to at most 1 per callee, no cycle. */
function validateCalls(t: ClusterTopology, workloads: ReadonlySet<string>): string | undefined {
  const into = new Map<string, number>();
  const out = new Map<string, string[]>();
  for (const c of t.calls ?? []) {
    for (const k of [c.from, c.to]) if (!workloads.has(k)) return `call ${c.from} → ${c.to}: no workload ${k}`;
    if (c.from === c.to) return `call ${c.from} → ${c.to}: a workload cannot call itself`;
    if (!(c.share > 0 && c.share <= 1)) return `call ${c.from} → ${c.to} needs a share in (0, 1]`;
    into.set(c.to, (into.get(c.to) ?? 0) + c.share);
    if (into.get(c.to)! > 1 + 1e-9) return `calls into ${c.to} have shares summing to more than 1`;
    if (!out.has(c.from)) out.set(c.from, []);
    out.get(c.from)!.push(c.to);
  }
  // Depth-first search for a cycle (0 unvisited, 1 on the stack, 2 done).
  const mark = new Map<string, number>();
  const visit = (k: string): string | undefined => {
    if (mark.get(k) === 1) return `calls form a cycle through ${k}`;
    if (mark.get(k) === 2) return undefined;
    mark.set(k, 1);
    for (const n of out.get(k) ?? []) {
      const e = visit(n);
      if (e) return e;
    }
    mark.set(k, 2);
    return undefined;
  };
  for (const k of out.keys()) {
    const e = visit(k);
    if (e) return e;
  }
  return undefined;
}
