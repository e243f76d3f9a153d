import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SimulatedCluster } from './cluster.js';
import { escapeLabelValue, formatValue, renderExposition } from './exposition.js';
import { METRIC_METADATA } from './metrics.js';
import type { MetricSample } from './types.js';

interface Parsed {
  families: { name: string; help: string; type: string }[];
  samples: MetricSample[];
}

/** A strict little parser of text format 0.0.4: HELP, TYPE, then that family's samples. */
function parse(text: string): Parsed {
  expect(text.endsWith('\n')).toBe(true);
  const families: Parsed['families'] = [];
  const samples: MetricSample[] = [];
  let current: Parsed['families'][number] | undefined;
  const lines = text.slice(0, -1).split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const help = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (help) {
      const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|untyped|histogram|summary)$/.exec(lines[++i]);
      if (!type || type[1] !== help[1]) throw new Error(`line ${i + 1}: TYPE must follow HELP of ${help[1]}`);
      if (families.some((f) => f.name === help[1])) throw new Error(`family ${help[1]} appears twice`);
      current = { name: help[1], help: help[2], type: type[2] };
      families.push(current);
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)(?: (-?\d+))?$/.exec(line);
    if (!m) throw new Error(`line ${i + 1} is not a sample: ${line}`);
    // A histogram family's samples are <family>_bucket, _sum and _count.
    const inFamily = current && (current.name === m[1] || (current.type === 'histogram' && /^(.*)_(bucket|sum|count)$/.exec(m[1])?.[1] === current.name));
    if (!inFamily) throw new Error(`line ${i + 1}: sample of ${m[1]} outside its family`);
    const labels: Record<string, string> = {};
    if (m[2]) {
      const body = m[2].slice(1, -1);
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/y;
      let pos = 0;
      while (pos < body.length) {
        re.lastIndex = pos;
        const l = re.exec(body);
        if (!l) throw new Error(`line ${i + 1}: bad labels ${m[2]}`);
        labels[l[1]] = l[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
        pos = re.lastIndex;
      }
    }
    const v = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]);
    if (m[3] !== 'NaN' && Number.isNaN(v)) throw new Error(`line ${i + 1}: bad value ${m[3]}`);
    samples.push(m[4] === undefined ? { name: m[1], labels, value: v } : { name: m[1], labels, value: v, timestamp: Number(m[4]) });
  }
  return { families, samples };
}

describe('renderExposition', () => {
  it('writes HELP and TYPE once per family and groups interleaved samples', () => {
    const text = renderExposition([
      { name: 'a_total', labels: { pod: 'x' }, value: 1 },
      { name: 'b', labels: {}, value: 2.5 },
      { name: 'a_total', labels: { pod: 'y' }, value: 3 },
    ], { a_total: { type: 'counter', help: 'A.' } });
    expect(text).toBe('# HELP a_total A.\n# TYPE a_total counter\na_total{pod="x"} 1\na_total{pod="y"} 3\n'
      + '# HELP b b\n# TYPE b untyped\nb 2.5\n');
  });

  it('escapes label values and round-trips them through a parser', () => {
    const nasty = 'say "hi"\\ then\nnewline';
    expect(escapeLabelValue(nasty)).toBe('say \\"hi\\"\\\\ then\\nnewline');
    const parsed = parse(renderExposition([{ name: 'm', labels: { v: nasty, w: '' }, value: 1, timestamp: 1700000000123 }]));
    expect(parsed.samples[0]).toEqual({ name: 'm', labels: { v: nasty, w: '' }, value: 1, timestamp: 1700000000123 });
  });

  it('formats special values as Prometheus does and rejects invalid names', () => {
    expect([NaN, Infinity, -Infinity, 0.1, 1e21, -3].map(formatValue)).toEqual(['NaN', '+Inf', '-Inf', '0.1', '1e+21', '-3']);
    expect(() => renderExposition([{ name: 'bad-name', labels: {}, value: 1 }])).toThrow(/invalid metric name/);
    expect(() => renderExposition([{ name: 'ok', labels: { 'bad-label': 'x' }, value: 1 }])).toThrow(/invalid label name/);
  });

  it('renders the whole simulated cluster into parseable text with the right types', () => {
    const c = new SimulatedCluster({ seed: 2, start: Date.parse('2024-03-04T00:00:00Z'), mesh: 'istio', scenario: { random: false } });
    c.advanceTo(c.start + 10 * 60_000);
    const samples = c.samples({ timestamp: c.time });
    const text = renderExposition(samples);
    const parsed = parse(text);
    expect(parsed.samples).toHaveLength(samples.length);
    for (const f of parsed.families) {
      expect(f.type).toBe(METRIC_METADATA[f.name].type);
      expect(f.type === 'counter').toBe(f.name.endsWith('_total'));
    }
    expect(parsed.families.map((f) => f.name)).toEqual(expect.arrayContaining([
      'container_cpu_usage_seconds_total', 'container_memory_working_set_bytes', 'container_memory_usage_bytes',
      'container_network_receive_bytes_total', 'container_network_transmit_bytes_total',
      'container_network_receive_packets_total', 'container_network_receive_packets_dropped_total',
      'kube_pod_container_status_restarts_total', 'kube_pod_container_resource_limits', 'kube_pod_info',
      'istio_requests_total', 'istio_request_duration_milliseconds',
    ]));
    for (let i = 0; i < samples.length; i += 37) {
      const s = samples[i];
      const p = parsed.samples.find((x) => x.name === s.name && JSON.stringify(x.labels) === JSON.stringify(s.labels))!;
      expect(p.value).toBe(s.value);
      expect(p.timestamp).toBe(c.time);
    }
  });

  it.runIf(existsSync('/usr/bin/promtool'))('passes promtool check metrics', () => {
    const c = new SimulatedCluster({ seed: 2, start: Date.parse('2024-03-04T00:00:00Z'), mesh: 'istio' });
    c.advanceTo(c.start + 5 * 60_000);
    const r = spawnSync('/usr/bin/promtool', ['check', 'metrics'], { input: renderExposition(c.samples()), encoding: 'utf8' });
    // The mesh's families keep Istio's and Linkerd's own names, which promtool's naming lint dislikes.
    const lint = (r.stdout + r.stderr).split('\n').filter((l) => l && !/^istio_request_duration_milliseconds use base unit/.test(l));
    expect(lint).toEqual([]);
  });
});
