import { describe, expect, it } from 'vitest';
import { histogramQuantile, type MeshSample, MESH_BOUNDS_MS, MESH_BUCKETS, MESH_ERRORS, MESH_REQUESTS, meshCounters, meshEdges, outboundCounters } from './mesh-series.js';

describe('mesh series', () => {
  it('computes quantiles as histogram_quantile does: linear within the bucket, skipping absent bounds', () => {
    const bounds = [10, 20, 50, 100];
    expect(histogramQuantile(0.25, bounds, [0, 50, 90, 100, 100])).toBeCloseTo(15, 9);
    expect(histogramQuantile(0.99, bounds, [0, 50, 90, 100, 100])).toBeCloseTo(95, 9);
    expect(histogramQuantile(0.25, bounds, [40, 60, 80, 100, 100])).toBeCloseTo(6.25, 9);
    // The rank past the last finite bound: that bound.
    expect(histogramQuantile(0.99, bounds, [0, 0, 0, 50, 100])).toBe(100);
    expect(histogramQuantile(0.5, bounds, [NaN, 50, NaN, 100, 100])).toBeCloseTo(20, 9);
    expect(histogramQuantile(0.5, bounds, [0, 0, 0, 0, 0])).toBeNaN();
  });

  it('sums each caller pod\'s own outbound counters per callee workload: Istio\'s client side, Linkerd\'s outbound side', () => {
    const src = { reporter: 'source', namespace: 'shop', pod: 'checkout-1', source_workload: 'checkout', source_workload_namespace: 'shop' };
    const samples: MeshSample[] = [
      { name: 'istio_requests_total', labels: { ...src, destination_workload: 'payment', destination_workload_namespace: 'shop', response_code: '200' }, value: 40 },
      { name: 'istio_requests_total', labels: { ...src, destination_workload: 'payment', destination_workload_namespace: 'shop', response_code: '503' }, value: 2 },
      { name: 'istio_requests_total', labels: { ...src, destination_workload: 'email', destination_workload_namespace: 'shop', response_code: '200' }, value: 7 },
      // The server side of the same calls is not the caller's outbound side.
      { name: 'istio_requests_total', labels: { ...src, reporter: 'destination', pod: 'payment-1', destination_workload: 'payment', destination_workload_namespace: 'shop', response_code: '200' }, value: 40 },
      { name: 'request_total', labels: { direction: 'outbound', namespace: 'shop', pod: 'cart-1', deployment: 'cart', dst_namespace: 'shop', dst_deployment: 'redis' }, value: 9 },
      { name: 'request_total', labels: { direction: 'inbound', namespace: 'shop', pod: 'cart-1', deployment: 'cart' }, value: 50 },
    ];
    const all = outboundCounters(samples, 'auto');
    expect([...all.keys()].sort()).toEqual(['shop/cart-1', 'shop/checkout-1']);
    expect(Object.fromEntries(all.get('shop/checkout-1')!)).toEqual({ 'shop/payment': 42, 'shop/email': 7 });
    expect(Object.fromEntries(all.get('shop/cart-1')!)).toEqual({ 'shop/redis': 9 });
    expect([...outboundCounters(samples, 'istio').keys()]).toEqual(['shop/checkout-1']);
    expect([...outboundCounters(samples, 'linkerd').keys()]).toEqual(['shop/cart-1']);
    expect(outboundCounters(samples, 'off').size).toBe(0);
  });

  it('sums Istio series per destination pod, counting 5xx, and reads edges from the callers', () => {
    const base = { reporter: 'destination', namespace: 'shop', pod: 'cart-1', destination_workload: 'cart', destination_workload_namespace: 'shop' };
    const samples = [
      { name: 'istio_requests_total', labels: { ...base, source_workload: 'frontend', source_workload_namespace: 'shop', response_code: '200' }, value: 90 },
      { name: 'istio_requests_total', labels: { ...base, source_workload: 'frontend', source_workload_namespace: 'shop', response_code: '503' }, value: 10 },
      { name: 'istio_requests_total', labels: { ...base, source_workload: 'unknown', source_workload_namespace: 'unknown', response_code: '200' }, value: 5 },
      { name: 'istio_requests_total', labels: { ...base, reporter: 'source', source_workload: 'x', source_workload_namespace: 'shop', response_code: '200' }, value: 1000 },
      { name: 'istio_request_duration_milliseconds_bucket', labels: { ...base, le: '10' }, value: 7 },
      { name: 'istio_request_duration_milliseconds_bucket', labels: { ...base, le: '+Inf' }, value: 9 },
    ];
    const c = meshCounters(samples, 'auto').get('shop/cart-1')!;
    expect(c[MESH_REQUESTS]).toBe(105);
    expect(c[MESH_ERRORS]).toBe(10);
    expect(c[MESH_BUCKETS + MESH_BOUNDS_MS.indexOf(10)]).toBe(7);
    expect(c[MESH_BUCKETS + MESH_BOUNDS_MS.length]).toBe(9);
    expect(c[MESH_BUCKETS + MESH_BOUNDS_MS.indexOf(5)]).toBeNaN();
    expect(meshCounters(samples, 'linkerd').size).toBe(0);
    expect(meshCounters(samples, 'off').size).toBe(0);
    expect(meshEdges(samples, 'auto')).toEqual([{ from: 'shop/frontend', to: 'shop/cart' }, { from: 'shop/x', to: 'shop/cart' }]);
  });

  it('reads Linkerd\'s failures from response_total and its edges from the outbound side', () => {
    const base = { direction: 'inbound', namespace: 'shop', pod: 'cart-1', deployment: 'cart' };
    const samples: MeshSample[] = [
      { name: 'request_total', labels: base, value: 100 },
      { name: 'response_total', labels: { ...base, classification: 'success', status_code: '200' }, value: 97 },
      { name: 'response_total', labels: { ...base, classification: 'failure', status_code: '500' }, value: 3 },
      { name: 'request_total', labels: { direction: 'outbound', namespace: 'shop', pod: 'front-1', deployment: 'frontend', dst_namespace: 'shop', dst_deployment: 'cart' }, value: 40 },
    ];
    const c = meshCounters(samples, 'auto').get('shop/cart-1')!;
    expect([c[MESH_REQUESTS], c[MESH_ERRORS]]).toEqual([100, 3]);
    expect(meshEdges(samples, 'linkerd')).toEqual([{ from: 'shop/frontend', to: 'shop/cart' }]);
    expect(meshEdges(samples, 'istio')).toEqual([]);
  });
});
