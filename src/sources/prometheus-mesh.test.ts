import { describe, expect, it } from 'vitest';
import { callGraphQuery, edgesOf, meshProbeQuery, meshQueries } from './prometheus-mesh.js';

describe('prometheus mesh queries', () => {
  it('asks Istio\'s server side and Linkerd\'s inbound side, per namespace and pod label, 5xx as 0 where none', () => {
    const q = meshQueries('namespace=~"shop"', 'pod', '1m', 'istio');
    expect(q.requestRate).toBe('sum by (namespace, pod) (rate(istio_requests_total{reporter="destination",namespace=~"shop"}[1m]))');
    expect(q.errorRatio).toContain('response_code=~"5.."');
    expect(q.errorRatio).toContain(' or 0 * ');
    expect(q.latencyP99Ms).toBe('histogram_quantile(0.99, sum by (namespace, pod, le) (rate(istio_request_duration_milliseconds_bucket{reporter="destination",namespace=~"shop"}[1m])))');
    const l = meshQueries('namespace=~".*"', 'pod_name', '5m', 'linkerd');
    expect(l.latencyMs).toBe('sum by (namespace, pod_name) (rate(response_latency_ms_sum{direction="inbound",namespace=~".*"}[5m])) / sum by (namespace, pod_name) (rate(response_latency_ms_count{direction="inbound",namespace=~".*"}[5m]))');
    expect(l.errorRatio).toContain('classification="failure"');
    // The outbound side, from the pod's own proxy: callees with no request over the window, 0 where none.
    const perCallee = 'sum by (namespace, pod, destination_workload_namespace, destination_workload) (rate(istio_requests_total{reporter="source",namespace=~"shop"}[1m]))';
    const regular = `count_over_time((${perCallee} > 0)[600s:60s]) >= 5`;
    expect(q.missingCallees).toBe(`count by (namespace, pod) ((${perCallee} == 0) and ${regular}) or 0 * count by (namespace, pod) (${regular})`);
    expect(l.missingCallees).toContain('sum by (namespace, pod_name, dst_namespace, dst_deployment) (rate(request_total{direction="outbound",namespace=~".*"}[5m]))');
    expect(l.missingCallees).toContain('[3000s:300s]) >= 5'); // ten windows of 5m, a step each
    expect(meshQueries('namespace="a"', 'pod', '1500ms', 'istio').missingCallees).toContain('[15s:1500ms]');
    expect(meshProbeQuery('namespace=~"a"', 'linkerd')).toBe('count(response_total{direction="inbound",namespace=~"a"})');
    expect(callGraphQuery('namespace=~"a"', 'istio')).toMatch(/^sum by \(source_workload, source_workload_namespace, destination_workload, destination_workload_namespace\) \(increase\(istio_requests_total\{reporter="destination",namespace=~"a"\}\[10m\]\) > 0\)$/);
  });

  it('reads edges, leaving out callers outside the mesh and self-calls', () => {
    const at = (metric: Record<string, string>) => ({ metric, t: 0, value: 3 });
    expect(edgesOf([
      at({ source_workload: 'frontend', source_workload_namespace: 'shop', destination_workload: 'cart', destination_workload_namespace: 'shop' }),
      at({ source_workload: 'unknown', source_workload_namespace: 'unknown', destination_workload: 'frontend', destination_workload_namespace: 'shop' }),
      at({ source_workload: 'cart', source_workload_namespace: 'shop', destination_workload: 'cart', destination_workload_namespace: 'shop' }),
    ], 'istio')).toEqual([{ from: 'shop/frontend', to: 'shop/cart' }]);
    expect(edgesOf([at({ namespace: 'shop', deployment: 'frontend', dst_namespace: 'shop', dst_deployment: 'cart' })], 'linkerd')).toEqual([{ from: 'shop/frontend', to: 'shop/cart' }]);
  });
});
