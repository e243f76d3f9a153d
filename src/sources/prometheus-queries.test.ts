import { describe, expect, it } from 'vitest';
import { podQueries } from './prometheus-queries.js';

describe('podQueries', () => {
  it('follows the seeds, filtered by namespace and grouped by the pod label', () => {
    const q = podQueries('namespace=~"shop"', 'pod', '1m');
    expect(q.cpu).toBe('sum by (namespace, pod) (rate(container_cpu_usage_seconds_total{namespace=~"shop",container!="",container!="POD"}[1m]))');
    // The working set and the restarts in one query, told apart by metric name.
    expect(q.memory).toBe('sum by (namespace, pod, __name__) ({__name__=~"container_memory_working_set_bytes|kube_pod_container_status_restarts_total",namespace=~"shop",container!="",container!="POD"})');
    expect(q.restarts).toBe(q.memory);
    expect(q.memoryUsage).toBe('sum by (namespace, pod) (container_memory_usage_bytes{namespace=~"shop",container!="",container!="POD"})');
    expect(q.rxDropped).toBe('sum by (namespace, pod) (rate(container_network_receive_packets_dropped_total{namespace=~"shop"}[1m]))');
    expect(q.cpuLimit).toContain('kube_pod_container_resource_limits{namespace=~"shop",resource="cpu"}');
    expect(q.info).toBe('max by (namespace, pod, created_by_kind, created_by_name, node) (kube_pod_info{namespace=~"shop"})');
    const custom = podQueries('namespace=~".*"', 'pod_name', '5m');
    expect(custom.txBytes).toBe('sum by (namespace, pod_name) (rate(container_network_transmit_bytes_total{namespace=~".*"}[5m]))');
  });
});
