/**
 * The shipped Prometheus examples are valid for a real promtool, and the alerting rules behave; the
 * scaling examples (KEDA, HPA on an external metric via prometheus-adapter) use a metric kad exports,
 * with PromQL promtool accepts. No Kubernetes API server runs here, so the manifests are checked as
 * data, not applied.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { createTelemetry } from '../src/telemetry/metrics.js';
import { ROOT } from './helpers.js';
import { BINARIES, describeWithServers } from './integration.js';

const dir = join(ROOT, 'deploy/prometheus');
const promtool = (...args: string[]) => execFileSync(BINARIES.promtool, args, { cwd: dir, encoding: 'utf8', stdio: 'pipe' });

describeWithServers('deploy/prometheus examples (promtool)', ['promtool'], () => {
  it('the example Prometheus config and rules pass promtool check', () => {
    expect(promtool('check', 'config', 'prometheus.example.yml')).toContain('SUCCESS');
    expect(promtool('check', 'rules', 'kad-rules.yml')).toMatch(/SUCCESS: 5 rules found/);
  });

  it('the alerting rules fire and resolve as their unit tests say', () => {
    expect(promtool('test', 'rules', 'kad-rules.test.yml')).toContain('SUCCESS');
  });
});

describeWithServers('deploy/scaling examples (KEDA, HPA + prometheus-adapter)', ['promtool'], () => {
  const scaling = join(ROOT, 'deploy/scaling');
  const read = (f: string) => parse(readFileSync(join(scaling, f), 'utf8')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const names = async () => (await createTelemetry(new Registry()).registry.getMetricsAsJSON()).map((m) => m.name);

  it('the KEDA ScaledObject queries a metric kad exports, with PromQL promtool accepts', async () => {
    const so = read('keda-scaledobject.yaml');
    expect(so).toMatchObject({ apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject' });
    const trigger = so.spec.triggers.find((t: { type: string }) => t.type === 'prometheus');
    const query: string = trigger.metadata.query;
    const metric = /anomaly_detector_[a-z_]+/.exec(query)![0];
    expect(await names()).toContain(metric);
    // promtool parses the expression as a recording rule's.
    const dir2 = mkdtempSync(join(tmpdir(), 'kad-keda-'));
    try {
      writeFileSync(join(dir2, 'r.yml'), stringify({ groups: [{ name: 'keda', rules: [{ record: 'kad:keda_query', expr: query }] }] }));
      expect(execFileSync(BINARIES.promtool, ['check', 'rules', 'r.yml'], { cwd: dir2, encoding: 'utf8' })).toMatch(/SUCCESS: 1 rules found/);
    } finally {
      rmSync(dir2, { recursive: true, force: true });
    }
  });

  it('the HPA\'s external metric is the one the prometheus-adapter rule exposes, from a metric kad exports', async () => {
    const hpa = read('hpa-external-metric.yaml');
    expect(hpa).toMatchObject({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' });
    const ext = hpa.spec.metrics.find((m: { type: string }) => m.type === 'External').external.metric.name;
    const rule = read('prometheus-adapter-values.yaml').rules.external[0];
    expect(rule.name.as).toBe(ext);
    expect(rule.seriesQuery).toContain(ext);
    expect(await names()).toContain(ext);
    expect(hpa.spec.metrics.find((m: { type: string }) => m.type === 'External').external.metric.selector.matchLabels).toHaveProperty('workload');
  });
});
