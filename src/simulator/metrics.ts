/**
 * The metric families the simulator exports, with cAdvisor and kube-state-metrics names, types and
 * help texts, and the function that turns pod and Deployment state into {@link MetricSample}s.
 * Samples come metric by metric (all pods for one name, then the next name), the order the text
 * exposition wants.
 */
import type { Deployment } from './controller.js';
import type { MeshMetrics } from './mesh-metrics.js';
import type { PodState } from './pod.js';
import type { MetricSample } from './types.js';

/** A metric family's Prometheus type and help text. */
export interface MetricMeta {
  /** A histogram family's samples are `<family>_bucket` (by `le`), `<family>_sum` and `<family>_count`. */
  type: 'counter' | 'gauge' | 'histogram' | 'untyped';
  help: string;
}

/** Every family the simulator exports (the mesh's under Istio's or Linkerd's names, as the cluster's flavour). */
export const METRIC_METADATA: Readonly<Record<string, MetricMeta>> = {
  container_cpu_usage_seconds_total: { type: 'counter', help: 'Cumulative cpu time consumed in seconds.' },
  container_memory_working_set_bytes: { type: 'gauge', help: 'Current working set in bytes.' },
  container_memory_usage_bytes: { type: 'gauge', help: 'Current memory usage in bytes, including all memory regardless of when it was accessed' },
  container_network_receive_bytes_total: { type: 'counter', help: 'Cumulative count of bytes received' },
  container_network_transmit_bytes_total: { type: 'counter', help: 'Cumulative count of bytes transmitted' },
  container_network_receive_packets_total: { type: 'counter', help: 'Cumulative count of packets received' },
  container_network_transmit_packets_total: { type: 'counter', help: 'Cumulative count of packets transmitted' },
  container_network_receive_packets_dropped_total: { type: 'counter', help: 'Cumulative count of packets dropped while receiving' },
  kube_pod_info: { type: 'gauge', help: 'Information about pod.' },
  kube_pod_start_time: { type: 'gauge', help: 'Start time in unix timestamp for a pod.' },
  kube_pod_status_ready: { type: 'gauge', help: 'Describes whether the pod is ready to serve requests.' },
  kube_pod_status_phase: { type: 'gauge', help: 'The pods current phase.' },
  kube_pod_container_status_restarts_total: { type: 'counter', help: 'The number of container restarts per container.' },
  kube_pod_container_status_waiting_reason: { type: 'gauge', help: 'Describes the reason the container is currently in waiting state.' },
  kube_pod_container_status_last_terminated_reason: { type: 'gauge', help: 'Describes the last reason the container was in terminated state.' },
  kube_pod_container_resource_limits: { type: 'gauge', help: 'The number of requested limit resource by a container.' },
  kube_pod_container_resource_requests: { type: 'gauge', help: 'The number of requested request resource by a container.' },
  kube_deployment_spec_replicas: { type: 'gauge', help: 'Number of desired pods for a deployment.' },
  kube_deployment_status_replicas_available: { type: 'gauge', help: 'The number of available replicas per deployment.' },
  istio_requests_total: { type: 'counter', help: 'Requests handled by the Istio proxy.' },
  istio_request_duration_milliseconds: { type: 'histogram', help: 'Duration of requests handled by the Istio proxy, in milliseconds.' },
  request_total: { type: 'counter', help: 'Total count of HTTP requests.' },
  response_total: { type: 'counter', help: 'Total count of HTTP responses.' },
  response_latency_ms: { type: 'histogram', help: 'Elapsed times between a request\'s headers being received and its response stream completing.' },
};

/**
 * The family a sample name belongs to: `x` for `x_bucket`, `x_sum` and `x_count` when `x` is a
 * histogram in `metadata`, else the name itself.
 */
export function familyOf(name: string, metadata: Readonly<Record<string, MetricMeta>> = METRIC_METADATA): string {
  const m = /^(.*)_(bucket|sum|count)$/.exec(name);
  return m && metadata[m[1]]?.type === 'histogram' ? m[1] : name;
}

/** CPU request of a container: 40% of its limit, in steps of 50 millicores. */
export function cpuRequest(limit: number): number {
  return Math.max(0.05, Math.round((limit * 0.4) / 0.05) * 0.05);
}

/** Memory request of a container: its steady working set plus 10%, whole MiB. */
export function memoryRequest(memory: number): number {
  return Math.ceil((memory * 1.1) / 1048576) * 1048576;
}

type Getter = (p: PodState) => number;
type LabelPick = (p: PodState) => Record<string, string>;

/** Per-pod families with one sample per pod: name, which labels, which value. */
const POD_FAMILIES: readonly [string, LabelPick, Getter][] = [
  ['container_cpu_usage_seconds_total', (p) => p.labels.cadvisor, (p) => p.cpuSeconds],
  ['container_memory_working_set_bytes', (p) => p.labels.cadvisor, (p) => Math.round(p.workingSet)],
  ['container_memory_usage_bytes', (p) => p.labels.cadvisor, (p) => Math.round(p.memoryUsage)],
  ['container_network_receive_bytes_total', (p) => p.labels.network, (p) => Math.floor(p.rxBytes)],
  ['container_network_transmit_bytes_total', (p) => p.labels.network, (p) => Math.floor(p.txBytes)],
  ['container_network_receive_packets_total', (p) => p.labels.network, (p) => Math.floor(p.rxPackets)],
  ['container_network_transmit_packets_total', (p) => p.labels.network, (p) => Math.floor(p.txPackets)],
  ['container_network_receive_packets_dropped_total', (p) => p.labels.network, (p) => Math.floor(p.rxDropped)],
  ['kube_pod_info', (p) => p.labels.info, () => 1],
  ['kube_pod_start_time', (p) => p.labels.pod, (p) => Math.floor(p.createdAt / 1000)],
  ['kube_pod_container_status_restarts_total', (p) => p.labels.container, (p) => p.restarts],
];

function reasonLabels(p: PodState, reason: string): Record<string, string> {
  return { namespace: p.namespace, pod: p.name, container: p.container, reason };
}

/**
 * Samples of the pods and Deployments now (and of their sidecars, with `mesh`). Label objects are
 * shared and frozen; each call makes new sample objects, so a caller may keep them while the cluster
 * moves on.
 */
export function buildSamples(pods: readonly PodState[], deployments: readonly Deployment[], timestamp?: number, mesh?: MeshMetrics): MetricSample[] {
  const out: MetricSample[] = [];
  const push = (name: string, labels: Record<string, string>, value: number): void => {
    out.push(timestamp === undefined ? { name, labels, value } : { name, labels, value, timestamp });
  };
  for (const [name, labels, value] of POD_FAMILIES) for (const p of pods) push(name, labels(p), value(p));
  for (const p of pods) {
    push('kube_pod_status_ready', p.labels.readyTrue, p.ready ? 1 : 0);
    push('kube_pod_status_ready', p.labels.readyFalse, p.ready ? 0 : 1);
    for (const labels of p.labels.phases) push('kube_pod_status_phase', labels, labels.phase === 'Running' ? 1 : 0);
  }
  for (const p of pods) if (p.waitingReason) push('kube_pod_container_status_waiting_reason', reasonLabels(p, p.waitingReason), 1);
  for (const p of pods) {
    if (p.lastTerminationReason) push('kube_pod_container_status_last_terminated_reason', reasonLabels(p, p.lastTerminationReason), 1);
  }
  for (const p of pods) {
    push('kube_pod_container_resource_limits', p.labels.cpuResource, p.spec.cpuLimit);
    push('kube_pod_container_resource_limits', p.labels.memoryResource, p.spec.memoryLimit);
  }
  for (const p of pods) {
    push('kube_pod_container_resource_requests', p.labels.cpuResource, cpuRequest(p.spec.cpuLimit));
    push('kube_pod_container_resource_requests', p.labels.memoryResource, memoryRequest(p.spec.memory));
  }
  for (const d of deployments) push('kube_deployment_spec_replicas', d.labels, d.desired);
  for (const d of deployments) push('kube_deployment_status_replicas_available', d.labels, d.readyCount());
  mesh?.collect(pods, push);
  return out;
}

/**
 * The samples named `name` whose labels include every pair of `match`, e.g.
 * `selectSamples(s, 'container_cpu_usage_seconds_total', { pod })`.
 */
export function selectSamples(samples: readonly MetricSample[], name: string, match: Record<string, string> = {}): MetricSample[] {
  const out: MetricSample[] = [];
  outer: for (const s of samples) {
    if (s.name !== name) continue;
    for (const k in match) if (s.labels[k] !== match[k]) continue outer;
    out.push(s);
  }
  return out;
}
