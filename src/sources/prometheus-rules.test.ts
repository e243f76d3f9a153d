import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { MEMORY_METRIC, podQueries, RESTARTS_METRIC } from './prometheus-queries.js';
import { RECORDED_METRICS, recordedName, recordedNames, recordedProbeQuery, recordedQuery, recordingExpressions, recordingRulesYaml } from './prometheus-rules.js';

const SETTINGS = { namespaceRegex: 'shop|pay"x', podLabel: 'pod_name', rateWindow: '2m' };

describe('recording rules', () => {
  it('record the queries kad asks without them, over its namespaces, with the rate window in the names', () => {
    const exprs = recordingExpressions(SETTINGS);
    const sent = podQueries('namespace=~"shop|pay\\"x"', 'pod_name', '2m');
    // Each rate is the query the source sends for it; the working set and the restarts, which the source
    // asks in one query told apart by name, are that query's sum for one of its two metrics each.
    for (const m of RECORDED_METRICS) {
      if (m !== 'memory' && m !== 'restarts') {
        expect(exprs[m]).toBe(sent[m]);
        continue;
      }
      const [, metric, matchers] = /^sum by \(namespace, pod_name\) \((\w+)\{(.*)\}\)$/.exec(exprs[m]) ?? [];
      expect(metric).toBe(m === 'memory' ? MEMORY_METRIC : RESTARTS_METRIC);
      expect(sent[m]).toBe(`sum by (namespace, pod_name, __name__) ({__name__=~"${MEMORY_METRIC}|${RESTARTS_METRIC}",${matchers}})`);
    }
    const sel = 'namespace=~"shop|pay\\"x",container!="",container!="POD"';
    expect(exprs.memory).toBe(`sum by (namespace, pod_name) (container_memory_working_set_bytes{${sel}})`); // no usage: such pods are asked the six queries
    expect(exprs.restarts).toBe(`sum by (namespace, pod_name) (kube_pod_container_status_restarts_total{${sel}})`);
    expect(recordedName('cpu', '2m')).toBe('kad_pod:container_cpu_usage_seconds_total:sum_rate2m');
    expect(recordedName('memory', '2m')).toBe('kad_pod:container_memory_working_set_bytes:sum');
    expect(new Set(recordedNames('2m').values())).toEqual(new Set(RECORDED_METRICS));
    expect(recordedProbeQuery('namespace=~"shop"', 'pod_name', '2m')).toBe('max(timestamp(kad_pod:container_cpu_usage_seconds_total:sum_rate2m{namespace=~"shop",pod_name!=""}))');
    const query = recordedQuery('1m'); // one per source, asked for each batch
    for (const batch of ['namespace="shop"', 'namespace="x",pod_name=~"a|b"']) expect(query(batch)).toBe(`{__name__=~"${[...recordedNames('1m').keys()].join('|')}",${batch}}`);
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
