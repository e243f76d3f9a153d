import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { podQueries } from './prometheus.js';
import { RECORDED_METRICS, recordedName, recordedNames, recordedProbeQuery, recordedQuery, recordingExpressions, recordingRulesYaml } from './prometheus-rules.js';

const SETTINGS = { namespaceRegex: 'shop|pay"x', podLabel: 'pod_name', rateWindow: '2m' };

describe('recording rules', () => {
  it('record the queries kad asks without them, over its namespaces, with the rate window in the names', () => {
    const exprs = recordingExpressions(SETTINGS);
    const raw = podQueries('namespace=~"shop|pay\\"x"', 'pod_name', '2m');
    for (const m of ['cpu', 'rxBytes', 'txBytes', 'rxPackets', 'rxDropped'] as const) expect(exprs[m]).toBe(raw[m]);
    const sel = 'namespace=~"shop|pay\\"x",container!="",container!="POD"';
    expect(exprs.memory).toBe(`sum by (namespace, pod_name) (container_memory_working_set_bytes{${sel}})`); // no usage: such pods are asked the six queries
    expect(exprs.restarts).toBe(`sum by (namespace, pod_name) (kube_pod_container_status_restarts_total{${sel}})`);
    expect(recordedName('cpu', '2m')).toBe('kad_pod:container_cpu_usage_seconds_total:sum_rate2m');
    expect(recordedName('memory', '2m')).toBe('kad_pod:container_memory_working_set_bytes:sum');
    expect(new Set(recordedNames('2m').values())).toEqual(new Set(RECORDED_METRICS));
    expect(recordedProbeQuery('namespace=~"shop"', 'pod_name', '2m')).toBe('max(timestamp(kad_pod:container_cpu_usage_seconds_total:sum_rate2m{namespace=~"shop",pod_name!=""}))');
    expect(recordedQuery('namespace="shop"', '1m')).toBe(`{__name__=~"${[...recordedNames('1m').keys()].join('|')}",namespace="shop"}`);
  });

  it('print as a rules file or a PrometheusRule', () => {
    const file = parse(recordingRulesYaml(SETTINGS, { interval: '15s' }));
    expect(file.groups).toHaveLength(1);
    expect(file.groups[0]).toMatchObject({ name: 'kad-pod-values', interval: '15s' });
    expect(file.groups[0].rules.map((r: { record: string }) => r.record)).toEqual(RECORDED_METRICS.map((m) => recordedName(m, '2m')));
    expect(file.groups[0].rules[0].expr).toBe(recordingExpressions(SETTINGS).cpu);
    const crd = parse(recordingRulesYaml(SETTINGS, { crd: { name: 'kad', namespace: 'monitoring', labels: { release: 'prom' } } }));
    expect(crd).toMatchObject({ apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'kad', namespace: 'monitoring', labels: { release: 'prom' } } });
    expect(crd.spec.groups).toEqual([{ ...file.groups[0], interval: '30s' }]);
  });
});
