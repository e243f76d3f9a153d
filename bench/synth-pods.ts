/**
 * Synthetic cAdvisor / kube-state-metrics series of many pods, the ones the Prometheus source queries,
 * written as OpenMetrics for `promtool tsdb create-blocks-from openmetrics` (bench:cycle, bench:shard),
 * and, for bench:mesh-query, each pod's Istio sidecar series ({@link meshFamilies}).
 */
import { once } from 'node:events';
import { createWriteStream, statSync } from 'node:fs';
import { createRng, hash32, hashString } from '../src/core/rng.js';

const PODS_PER_NAMESPACE = 50;
const REPLICAS = 5;

/** A synthetic pod: its identity and the means its series swing around. */
export interface SynthPod {
  namespace: string;
  pod: string;
  workload: string;
  replicaSet: string;
  node: string;
  cpu: number; // mean cores
  phase: number;
  memory: number;
  cpuLimit: number;
  memoryLimit: number;
  restarts: number;
  drop: number; // dropped share of packets
}

/** `n` pods in namespaces of 50, workloads of 5 replicas (Deployments: a ReplicaSet hash in the name), seeded. */
export function synthPods(n: number, seed: number): SynthPod[] {
  const pods: SynthPod[] = [];
  const nodes = Math.max(1, Math.ceil(n / 30));
  for (let i = 0; i < n; i++) {
    const ns = `team-${String(Math.floor(i / PODS_PER_NAMESPACE)).padStart(3, '0')}`;
    const w = Math.floor((i % PODS_PER_NAMESPACE) / REPLICAS);
    const workload = `svc-${w}`;
    const hash = hash32(seed, hashString(`${ns}/${workload}`)).toString(16).padStart(8, '0').slice(0, 8) + '4d';
    const rng = createRng(hash32(seed, hashString(`${ns}/${workload}`), i));
    const wr = createRng(hash32(seed, hashString(`${ns}/${workload}`)));
    const cpu = 0.05 + 0.5 * wr.next();
    const memory = (64 + 900 * wr.next()) * 2 ** 20;
    pods.push({
      namespace: ns, workload, replicaSet: `${workload}-${hash}`, pod: `${workload}-${hash}-${rng.int(1e5).toString(36).padStart(5, 'x')}`,
      node: `node-${i % nodes}`, cpu: cpu * (0.95 + 0.1 * rng.next()), phase: rng.next() * 2 * Math.PI,
      memory: memory * (0.97 + 0.06 * rng.next()), cpuLimit: Math.ceil(cpu * 4 * 10) / 10, memoryLimit: Math.ceil((memory * 2) / 2 ** 20) * 2 ** 20,
      restarts: rng.next() < 0.02 ? 1 + rng.int(3) : 0, drop: rng.next() < 0.05 ? 0.001 : 0,
    });
  }
  return pods;
}

const MIN = 60_000;
const W = (2 * Math.PI) / (40 * MIN); // one slow swing every 40 minutes

/** ∫ cores dt from t0 to t, seconds: mean `c` with a ±30% swing; always increasing. */
function cpuSeconds(p: SynthPod, t0: number, t: number): number {
  const dt = (t - t0) / 1000;
  return p.cpu * dt + ((0.3 * p.cpu) / (W * 1000)) * (Math.cos(W * t0 + p.phase) - Math.cos(W * t + p.phase));
}

/** One series per pod: its name, OpenMetrics type, labels and value at time t (history from t0). */
export type Family = [name: string, type: string, labels: (p: SynthPod) => string, value: (p: SynthPod, t: number, t0: number) => number];

function families(): Family[] {
  const cad = (p: SynthPod) => `namespace="${p.namespace}",pod="${p.pod}",container="${p.workload}",node="${p.node}"`;
  const net = (p: SynthPod) => `namespace="${p.namespace}",pod="${p.pod}",interface="eth0"`;
  const ksm = (p: SynthPod) => `namespace="${p.namespace}",pod="${p.pod}",container="${p.workload}"`;
  const lim = (r: string, u: string) => (p: SynthPod) => `namespace="${p.namespace}",pod="${p.pod}",container="${p.workload}",node="${p.node}",resource="${r}",unit="${u}"`;
  const rx = (p: SynthPod, t: number, t0: number) => Math.floor(cpuSeconds(p, t0, t) * 4e6);
  return [
    ['container_cpu_usage_seconds_total', 'counter', cad, (p, t, t0) => +cpuSeconds(p, t0, t).toFixed(4)],
    ['container_memory_working_set_bytes', 'gauge', cad, (p, t) => Math.round(p.memory * (1 + 0.01 * Math.sin(W * t + p.phase)))],
    ['container_memory_usage_bytes', 'gauge', cad, (p, t) => Math.round(p.memory * (1.2 + 0.01 * Math.sin(W * t + p.phase)))],
    ['container_network_receive_bytes_total', 'counter', net, rx],
    ['container_network_transmit_bytes_total', 'counter', net, (p, t, t0) => 3 * rx(p, t, t0)],
    ['container_network_receive_packets_total', 'counter', net, (p, t, t0) => Math.floor(rx(p, t, t0) / 1200)],
    ['container_network_receive_packets_dropped_total', 'counter', net, (p, t, t0) => Math.floor((p.drop * rx(p, t, t0)) / 1200)],
    ['kube_pod_container_status_restarts_total', 'counter', ksm, (p) => p.restarts],
    ['kube_pod_container_resource_limits', 'gauge', lim('cpu', 'core'), (p) => p.cpuLimit],
    ['kube_pod_container_resource_limits', 'gauge', lim('memory', 'byte'), (p) => p.memoryLimit],
    ['kube_pod_info', 'gauge', (p) => `namespace="${p.namespace}",pod="${p.pod}",node="${p.node}",created_by_kind="ReplicaSet",created_by_name="${p.replicaSet}"`, () => 1],
  ];
}

/**
 * Each pod's Istio sidecar series, as a pod scrape labels them (`namespace`, `pod`): its server side
 * (`reporter="destination"`: requests with codes 200 and 500, the latency histogram's sum, count and
 * 8 buckets) and its client side to `callees` workloads of its namespace (`reporter="source"`, by
 * `destination_workload`), 15 series a pod at 3 callees. Requests run at 5 + 20 × the pod's mean
 * cores per second, 0.1% of them 500s, 20 ms on average. One pod in 20 stops calling its first
 * callee at `stopAt` (its counter stays put), so `mesh_missing_callees` has pods to count.
 */
export function meshFamilies(callees: number, stopAt: number): Family[] {
  const rate = (p: SynthPod) => 5 + 20 * p.cpu;
  const count = (p: SynthPod, t: number, t0: number, share: number) => Math.floor(rate(p) * share * ((t - t0) / 1000));
  const server = (p: SynthPod, extra: string) => `namespace="${p.namespace}",pod="${p.pod}",reporter="destination",destination_workload="${p.workload}",destination_workload_namespace="${p.namespace}",${extra}`;
  const stops = (p: SynthPod) => hashString(p.pod) % 20 === 0;
  const out: Family[] = [
    ['istio_requests_total', 'counter', (p) => server(p, 'response_code="200"'), (p, t, t0) => count(p, t, t0, 0.999)],
    ['istio_requests_total', 'counter', (p) => server(p, 'response_code="500"'), (p, t, t0) => count(p, t, t0, 0.001)],
  ];
  for (let c = 0; c < callees; c++) {
    const callee = (p: SynthPod) => `svc-${(Number(p.workload.slice(4)) + 1 + c) % 10}`;
    out.push(['istio_requests_total', 'counter',
      (p) => `namespace="${p.namespace}",pod="${p.pod}",reporter="source",destination_workload="${callee(p)}",destination_workload_namespace="${p.namespace}",response_code="200"`,
      (p, t, t0) => count(p, c === 0 && stops(p) ? Math.min(t, stopAt) : t, t0, 1 / callees)]);
  }
  const lat = 'istio_request_duration_milliseconds';
  out.push([`${lat}_sum`, 'unknown', (p) => server(p, 'response_code="200"'), (p, t, t0) => 20 * count(p, t, t0, 1)]);
  out.push([`${lat}_count`, 'unknown', (p) => server(p, 'response_code="200"'), (p, t, t0) => count(p, t, t0, 1)]);
  const les: [string, number][] = [['5', 0.05], ['10', 0.2], ['25', 0.5], ['50', 0.8], ['100', 0.95], ['250', 0.99], ['1000', 0.999], ['+Inf', 1]];
  for (const [le, share] of les) out.push([`${lat}_bucket`, 'unknown', (p) => server(p, `response_code="200",le="${le}"`), (p, t, t0) => count(p, t, t0, share)]);
  return out;
}

/**
 * Writes the pods' history [t0, t1] every `step` ms as OpenMetrics (the cAdvisor / kube-state-metrics
 * series, then `extra`'s); resolves with bytes and samples.
 */
export async function writeHistory(file: string, pods: SynthPod[], t0: number, t1: number, step: number, extra: Family[] = []): Promise<{ bytes: number; samples: number }> {
  const out = createWriteStream(file);
  let buf = '';
  let samples = 0;
  const flush = async () => {
    if (!out.write(buf)) await once(out, 'drain');
    buf = '';
  };
  const times: string[] = [];
  for (let t = t0; t <= t1; t += step) times.push((t / 1000).toFixed(3));
  let lastName = '';
  for (const [name, type, labels, value] of [...families(), ...extra]) {
    if (name !== lastName) buf += `# TYPE ${type === 'counter' ? name.replace(/_total$/, '') : name} ${type}\n`;
    lastName = name;
    for (const p of pods) {
      const head = `${name}{${labels(p)}} `;
      for (let i = 0, t = t0; i < times.length; i++, t += step) buf += `${head}${value(p, t, t0)} ${times[i]}\n`;
      samples += times.length;
      if (buf.length > 1 << 20) await flush();
    }
  }
  buf += '# EOF\n';
  await flush();
  out.end();
  await once(out, 'close');
  return { bytes: statSync(file).size, samples };
}
