import { describe, expect, it } from 'vitest';
import { SimulatedCluster } from './cluster.js';
import { selectSamples } from './metrics.js';
import { defaultTopology, validateTopology } from './topology.js';
import type { MetricSample } from './types.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 17, 9);

function cluster(opts: { mesh?: 'istio' | 'linkerd' | 'none'; events?: boolean; seed?: number } = {}): SimulatedCluster {
  const events = opts.events === false ? [] : [
    { kind: 'latency_fault' as const, at: T0 + 20 * MIN, durationMs: 10 * MIN, namespace: 'shop', workload: 'payment', intensity: 200 },
    { kind: 'error_fault' as const, at: T0 + 40 * MIN, durationMs: 10 * MIN, namespace: 'shop', workload: 'cart', intensity: 0.3 },
  ];
  return new SimulatedCluster({ seed: opts.seed ?? 3, start: T0, mesh: opts.mesh ?? 'istio', scenario: { random: false, events } });
}

/** Per pod: requests, 5xx and latency sum of its Istio server-side series. */
function istioTotals(samples: readonly MetricSample[]): Map<string, { req: number; err: number; sum: number }> {
  const out = new Map<string, { req: number; err: number; sum: number }>();
  const get = (pod: string) => out.get(pod) ?? (out.set(pod, { req: 0, err: 0, sum: 0 }), out.get(pod)!);
  for (const s of selectSamples(samples, 'istio_requests_total', { reporter: 'destination' })) {
    const t = get(s.labels.pod);
    t.req += s.value;
    if (s.labels.response_code.startsWith('5')) t.err += s.value;
  }
  for (const s of selectSamples(samples, 'istio_request_duration_milliseconds_sum')) get(s.labels.pod).sum += s.value;
  return out;
}

/** Mean latency (ms) and 5xx share of each pod between two sample sets. */
function windowStats(a: readonly MetricSample[], b: readonly MetricSample[]): Map<string, { latency: number; errors: number }> {
  const x = istioTotals(a);
  const out = new Map<string, { latency: number; errors: number }>();
  for (const [pod, y] of istioTotals(b)) {
    const p = x.get(pod);
    if (!p || y.req - p.req <= 0) continue;
    out.set(pod, { latency: (y.sum - p.sum) / (y.req - p.req), errors: (y.err - p.err) / (y.req - p.req) });
  }
  return out;
}

const workloadOf = (pod: string) => pod.replace(/-[0-9a-f]{10}-[a-z0-9]{5}$/, '');

describe('simulated service mesh', () => {
  it('leaves the cAdvisor and kube-state-metrics series exactly as without a mesh', () => {
    const a = cluster({ mesh: 'istio' });
    const b = cluster({ mesh: 'none' });
    for (const t of [T0 + 25 * MIN, T0 + 45 * MIN]) {
      a.advanceTo(t);
      b.advanceTo(t);
      const base = b.samples();
      expect(base.some((s) => s.name.startsWith('istio_'))).toBe(false);
      expect(a.samples().filter((s) => !s.name.startsWith('istio_'))).toEqual(base);
    }
  });

  it('exports Istio series per pod, caller and code with the standard labels, and histograms whose buckets add up', () => {
    const c = cluster();
    c.advanceTo(T0 + 10 * MIN);
    const s = c.samples();
    const req = selectSamples(s, 'istio_requests_total', { destination_workload: 'payment', reporter: 'destination' });
    expect(new Set(req.map((x) => x.labels.source_workload))).toEqual(new Set(['checkout']));
    expect(req[0].labels).toMatchObject({
      reporter: 'destination', source_workload_namespace: 'shop', destination_workload_namespace: 'shop',
      destination_service: 'payment.shop.svc.cluster.local', connection_security_policy: 'mutual_tls', namespace: 'shop',
    });
    expect(req[0].labels.pod).toMatch(/^payment-/);
    const ingress = selectSamples(s, 'istio_requests_total', { destination_workload: 'ingress-nginx', reporter: 'destination' });
    expect(new Set(ingress.map((x) => x.labels.source_workload))).toEqual(new Set(['unknown']));
    // Not in the mesh: no series.
    expect(selectSamples(s, 'istio_requests_total', { destination_workload: 'coredns' })).toHaveLength(0);
    const pod = req[0].labels.pod;
    const buckets = selectSamples(s, 'istio_request_duration_milliseconds_bucket', { pod, response_code: '200' });
    expect(buckets.map((b) => b.labels.le).at(-1)).toBe('+Inf');
    for (let i = 1; i < buckets.length; i++) expect(buckets[i].value).toBeGreaterThanOrEqual(buckets[i - 1].value);
    const count = selectSamples(s, 'istio_request_duration_milliseconds_count', { pod, response_code: '200' })[0].value;
    expect(buckets.at(-1)!.value).toBe(count);
    expect(count).toBeGreaterThan(1000);
    // The client side: the caller pod's own sidecar counts what it sent, per callee workload.
    const sent = selectSamples(s, 'istio_requests_total', { destination_workload: 'payment', reporter: 'source' });
    expect(sent.length).toBeGreaterThan(0);
    for (const x of sent) {
      expect(x.labels).toMatchObject({ source_workload: 'checkout', source_workload_namespace: 'shop', destination_workload_namespace: 'shop', namespace: 'shop' });
      expect(x.labels.pod).toMatch(/^checkout-/);
    }
    // What checkout's pods sent is about what payment's pods got from checkout (both follow the traffic model).
    const got = req.reduce((a, x) => a + x.value, 0);
    const total = sent.reduce((a, x) => a + x.value, 0);
    expect(total / got).toBeGreaterThan(0.9);
    expect(total / got).toBeLessThan(1.1);
  });

  it('slows the faulty pod and, less, its callers, while their CPU and memory stay as without the fault', () => {
    const c = cluster();
    const quiet = cluster({ events: false });
    c.advanceTo(T0 + 10 * MIN);
    const before0 = c.samples();
    c.advanceTo(T0 + 19 * MIN);
    const before1 = c.samples();
    c.advanceTo(T0 + 22 * MIN);
    const during0 = c.samples();
    c.advanceTo(T0 + 29 * MIN);
    const during1 = c.samples();
    const before = windowStats(before0, before1);
    const during = windowStats(during0, during1);
    const truth = c.incidents().find((i) => i.kind === 'latency_fault')!;
    expect(truth).toMatchObject({ workload: 'payment', detail: { extraLatencyMs: 200 } });
    expect(truth.pod).toMatch(/^payment-/);
    const callers = new Set(truth.affected!.map(workloadOf));
    expect(callers).toEqual(new Set(['checkout', 'frontend', 'ingress-nginx']));
    const ratio = (pod: string) => during.get(pod)!.latency / before.get(pod)!.latency;
    expect(during.get(truth.pod)!.latency - before.get(truth.pod)!.latency).toBeGreaterThan(180);
    for (const pod of truth.affected!) if (before.has(pod) && during.has(pod)) expect(ratio(pod)).toBeGreaterThan(1.1);
    for (const [pod] of during) if (workloadOf(pod) === 'catalog') expect(ratio(pod)).toBeLessThan(1.1);
    quiet.advanceTo(T0 + 29 * MIN);
    const cpu = (s: readonly MetricSample[]) => selectSamples(s, 'container_cpu_usage_seconds_total', { pod: truth.pod })[0].value;
    expect(cpu(during1)).toBe(cpu(quiet.samples()));
  });

  it('answers a share of the faulty pod\'s requests with a 5xx, and its callers fail part of theirs', () => {
    const c = cluster();
    c.advanceTo(T0 + 42 * MIN);
    const a = c.samples();
    c.advanceTo(T0 + 49 * MIN);
    const w = windowStats(a, c.samples());
    const truth = c.incidents().find((i) => i.kind === 'error_fault')!;
    expect(truth.workload).toBe('cart');
    expect(w.get(truth.pod)!.errors).toBeGreaterThan(0.25);
    expect(w.get(truth.pod)!.errors).toBeLessThan(0.35);
    for (const [pod, x] of w) {
      const wl = workloadOf(pod);
      if (wl === 'checkout') expect(x.errors).toBeGreaterThan(0.05);
      if (wl === 'frontend') expect(x.errors).toBeGreaterThan(0.02);
      if (wl === 'payment' || wl === 'catalog' || wl === 'redis-cart') expect(x.errors).toBeLessThan(0.01);
    }
  });

  it('exports Linkerd series instead, with the call graph on the outbound side', () => {
    const c = cluster({ mesh: 'linkerd', events: false });
    c.advanceTo(T0 + 5 * MIN);
    const s = c.samples();
    expect(s.some((x) => x.name.startsWith('istio_'))).toBe(false);
    const out = selectSamples(s, 'request_total', { direction: 'outbound' });
    const edges = new Set(out.map((x) => `${x.labels.namespace}/${x.labels.deployment}>${x.labels.dst_namespace}/${x.labels.dst_deployment}`));
    expect(edges).toEqual(new Set(defaultTopology().calls!.map((e) => `${e.from}>${e.to}`)));
    const failures = selectSamples(s, 'response_total', { deployment: 'cart', classification: 'failure' });
    expect(failures.every((x) => x.labels.status_code === '500')).toBe(true);
    expect(selectSamples(s, 'response_latency_ms_bucket', { deployment: 'cart', le: '+Inf' }).length).toBeGreaterThan(0);
  });

  it('refuses a call graph with a cycle, an unknown workload or shares over 1, and a mesh fault outside the mesh', () => {
    const t = defaultTopology();
    expect(validateTopology({ ...t, calls: [...t.calls!, { from: 'shop/payment', to: 'platform/ingress-nginx', share: 0.1 }] })).toMatch(/cycle/);
    expect(validateTopology({ ...t, calls: [{ from: 'shop/nope', to: 'shop/cart', share: 0.1 }] })).toMatch(/no workload shop\/nope/);
    expect(validateTopology({ ...t, calls: [...t.calls!, { from: 'shop/payment', to: 'shop/cart', share: 0.5 }] })).toMatch(/more than 1/);
    expect(() => new SimulatedCluster({ start: T0, mesh: 'istio', scenario: { events: [{ kind: 'error_fault', at: T0, workload: 'coredns' }] } })).toThrow(/service mesh/);
    // Without a mesh the cluster exports none (the default).
    const plain = new SimulatedCluster({ start: T0 });
    expect(plain.samples().some((s) => s.name.startsWith('istio_'))).toBe(false);
  });

  it('puts the mesh faults into the random rotation only when asked, leaving the plan of a seed as it was otherwise', () => {
    const kinds = (meshFaults?: boolean) => {
      const c = new SimulatedCluster({ seed: 9, start: T0, mesh: 'istio', scenario: { quietUntil: T0, everyMinutes: 10, meshFaults } });
      return c.incidents({ includeFuture: true }).filter((i) => !i.benign).map((i) => `${i.kind}@${i.start}`);
    };
    expect(kinds(false)).toEqual(kinds(undefined));
    expect(kinds(undefined).some((k) => k.startsWith('latency_fault'))).toBe(false);
    const mixed = kinds(true);
    expect(mixed.some((k) => k.startsWith('latency_fault'))).toBe(true);
    expect(mixed.some((k) => k.startsWith('error_fault'))).toBe(true);
  });
});
