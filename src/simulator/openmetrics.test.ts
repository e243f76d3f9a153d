import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BINARIES, describeWithServers, tempDir } from '../../test/integration.js';
import { SimulatedCluster } from './cluster.js';
import { renderOpenMetricsHistory, writeOpenMetricsHistory } from './openmetrics.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 2, 2, 9);

function cluster(): SimulatedCluster {
  // A scale-in at +5 min deletes a cart pod, so one pod's series end early.
  return new SimulatedCluster({ seed: 5, start: T0, mesh: 'istio', scenario: { random: false, events: [{ kind: 'scale', at: T0 + 5 * MIN, namespace: 'shop', workload: 'cart', replicas: 1 }] } });
}

describe('renderOpenMetricsHistory', () => {
  const text = renderOpenMetricsHistory(cluster(), T0, T0 + 10 * MIN, 15_000);
  const lines = text.trimEnd().split('\n');

  it('writes each family once, with a type, samples with timestamps in seconds, and # EOF', () => {
    expect(lines.at(-1)).toBe('# EOF');
    const types = lines.filter((l) => l.startsWith('# TYPE '));
    expect(new Set(types).size).toBe(types.length);
    expect(types).toContain('# TYPE container_cpu_usage_seconds counter');
    expect(types).toContain('# TYPE container_memory_working_set_bytes gauge');
    expect(types).toContain('# TYPE istio_request_duration_milliseconds histogram');
    const cpu = lines.filter((l) => l.startsWith('container_cpu_usage_seconds_total{'));
    expect(cpu.length).toBeGreaterThan(24 * 40);
    expect(cpu[0]).toMatch(/^container_cpu_usage_seconds_total\{namespace="shop",pod="frontend-[0-9a-f]+-[a-z0-9]{5}",container="frontend",node="kad-worker-\d"\} [0-9.e+]+ 1772442000\.000$/);
    // Every family's samples are contiguous.
    let family = '';
    const done = new Set<string>();
    for (const l of lines) {
      if (l.startsWith('#')) continue;
      const name = l.slice(0, l.search(/[{ ]/)).replace(/^(istio_request_duration_milliseconds)_(bucket|sum|count)$/, '$1');
      if (name !== family) {
        expect(done.has(name)).toBe(false);
        done.add(family);
        family = name;
      }
    }
  });

  it('ends the series of a deleted pod with a NaN a step after its last sample', () => {
    const nan = lines.filter((l) => l.startsWith('container_memory_working_set_bytes{') && / NaN /.test(l));
    expect(nan).toHaveLength(1);
    expect(nan[0]).toMatch(/pod="cart-/);
    const t = Number(nan[0].split(' ').at(-1)) * 1000;
    expect(t).toBeGreaterThanOrEqual(T0 + 5 * MIN);
    expect(t).toBeLessThanOrEqual(T0 + 5 * MIN + 30_000);
  });

  it('adds the given labels to every series', () => {
    const t = renderOpenMetricsHistory(cluster(), T0, T0, 15_000, { families: ['kube_pod_info'], labels: { job: 'sim', instance: 'h:1' } });
    const samples = t.split('\n').filter((l) => l.startsWith('kube_pod_info{'));
    expect(samples.length).toBeGreaterThan(20);
    for (const l of samples) expect(l).toMatch(/,job="sim",instance="h:1"\} 1 1772442000\.000$/);
  });

  it('leaves the cluster at the end, and refuses a cluster already past the start', () => {
    const c = cluster();
    renderOpenMetricsHistory(c, T0, T0 + MIN, 15_000, { families: ['kube_pod_info'] });
    expect(c.time).toBe(T0 + MIN);
    expect(() => renderOpenMetricsHistory(c, T0, T0 + 2 * MIN, 15_000)).toThrow(/already at/);
  });
});

describeWithServers('OpenMetrics history with promtool', ['promtool'], () => {
  it('backfills into TSDB blocks holding every sample', async () => {
    const dir = tempDir('om');
    const file = join(dir, 'history.om');
    const bytes = await writeOpenMetricsHistory(cluster(), file, T0, T0 + 10 * MIN, 15_000);
    const text = readFileSync(file, 'utf8');
    expect(bytes).toBe(Buffer.byteLength(text));
    const samples = text.split('\n').filter((l) => l && !l.startsWith('#')).length;
    const out = execFileSync(BINARIES.promtool, ['tsdb', 'create-blocks-from', 'openmetrics', file, join(dir, 'data')], { encoding: 'utf8' });
    const rows = out.trim().split('\n').slice(1).map((r) => r.trim().split(/\s+/));
    expect(rows.length).toBeGreaterThanOrEqual(1);
    // Columns: ULID, min time, max time, duration, samples, chunks, series, size.
    expect(rows.reduce((n, r) => n + Number(r[4]), 0)).toBe(samples);
    expect(Math.min(...rows.map((r) => Number(r[1])))).toBe(T0);
    expect(Math.max(...rows.map((r) => Number(r[2])))).toBe(T0 + 10 * MIN + 1); // max time is exclusive
  });
});
