import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { MEMORY_METRIC, podQueries, RESTARTS_METRIC } from './prometheus-queries.js';
import { MESH_METRICS, meshQueries } from './prometheus-mesh.js';
import {
  meshRecordingRuleGroup, RECORDED_MESH_FLAVOURS, RECORDED_METRICS, recordedMeshName, recordedMeshNames, recordedMeshProbeQuery, recordedMeshQuery, recordedName, recordedNames,
  recordedProbeQuery, recordedQuery, recordingExpressions, recordingRulesYaml,
} from './prometheus-rules.js';

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
    expect(file.groups).toHaveLength(2);
    expect(file.groups[1]).toEqual(meshRecordingRuleGroup(SETTINGS, '15s'));
    expect(file.groups[0]).toMatchObject({ name: 'kad-pod-values', interval: '15s' });
    expect(file.groups[0].rules.map((r: { record: string }) => r.record)).toEqual(RECORDED_METRICS.map((m) => recordedName(m, '2m')));
    expect(file.groups[0].rules[0].expr).toBe(recordingExpressions(SETTINGS).cpu);
    const crd = parse(recordingRulesYaml(SETTINGS, { crd: { name: 'kad', namespace: 'monitoring', labels: { release: 'prom' } } }));
    expect(crd).toMatchObject({ apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'kad', namespace: 'monitoring', labels: { release: 'prom' } } });
    expect(crd.spec.groups).toEqual([{ ...file.groups[0], interval: '30s' }, { ...file.groups[1], interval: '30s' }]);
  });

  it('record the mesh queries of Istio and Linkerd over kad\'s namespaces, read back by name', () => {
    const group = meshRecordingRuleGroup(SETTINGS);
    expect(group.name).toBe('kad-mesh-values');
    expect(group.rules).toHaveLength(RECORDED_MESH_FLAVOURS.length * MESH_METRICS.length);
    for (const f of RECORDED_MESH_FLAVOURS) {
      const sent = meshQueries('namespace=~"shop|pay\\"x"', 'pod_name', '2m', f);
      for (const m of MESH_METRICS) expect(group.rules.find((r) => r.record === recordedMeshName(f, m, '2m'))?.expr).toBe(sent[m]);
      expect([...recordedMeshNames(f, '2m')].map(([name, i]) => [name, MESH_METRICS[i]])).toEqual(MESH_METRICS.map((m) => [recordedMeshName(f, m, '2m'), m]));
    }
    // Valid metric names, one per value and mesh, the rate window in them.
    const names = group.rules.map((r) => r.record);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^kad_pod:(istio|linkerd)_[a-z0-9_]+:[a-z0-9_]+2m$/);
    expect(recordedMeshName('istio', 'requestRate', '1m')).toBe('kad_pod:istio_requests:rate1m');
    expect(recordedMeshProbeQuery('namespace=~"shop"', 'pod_name', '2m', 'linkerd')).toBe('max(timestamp(kad_pod:linkerd_requests:rate2m{namespace=~"shop",pod_name!=""}))');
    expect(recordedMeshQuery('istio', '1m')('namespace="shop"')).toBe(`{__name__=~"${[...recordedMeshNames('istio', '1m').keys()].join('|')}",namespace="shop"}`);
  });
});
