/**
 * The Grafana dashboards in deploy/grafana. No Grafana runs here, so:
 * - each dashboard is checked as data against a JSON Schema (ajv) of what Grafana needs to import it
 *   (current schemaVersion, a `datasource` variable, `namespace` and `workload` variables, panels on
 *   that data source with non-overlapping positions and PromQL targets);
 * - every PromQL expression (panels, variable queries) is run, with Grafana's variables replaced by
 *   their "All" value, against a real Prometheus scraping a running `kad serve` (embedded simulated
 *   cluster, alerts to a real Alertmanager) and the simulator's exporter (the cAdvisor series a
 *   cluster has), kad's simulated clock running 60× so forecasts meet their 30-minute horizon of
 *   actuals within the test: each must succeed and return data; `offset 30m` (the forecast horizon) is
 *   dropped because the test's Prometheus holds minutes, not hours.
 * - the metrics of deploy/prometheus/kad-rules.yml's expressions return data too.
 * Not proven: how Grafana draws the panels.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { systemClock } from '../../src/core/clock.js';
import { startService, type Service } from '../../src/main.js';
import { SimulatedCluster } from '../../src/simulator/cluster.js';
import { startExporter, type Exporter } from '../../src/simulator/exporter.js';
import { startAlertmanager, type AlertmanagerServer } from '../alertmanager.js';
import { ROOT, waitFor } from '../helpers.js';
import { describeWithServers, tempDir } from '../integration.js';
import { startPrometheus, type PrometheusServer } from '../prometheus.js';

const DIR = join(ROOT, 'deploy/grafana');
interface Target { expr: string; refId: string }
interface Panel { id: number; title: string; type: string; datasource: { uid: string }; gridPos: { x: number; y: number; w: number; h: number }; targets: Target[] }
interface Variable { name: string; type: string; query: string | { query: string }; allValue?: string }
interface Dashboard { uid: string; title: string; schemaVersion: number; panels: Panel[]; templating: { list: Variable[] } }
const dashboards = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort().map((f) => [f, JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Dashboard] as const);

/** Grafana 11's dashboard schema version; older Grafanas migrate lower ones, so it is the floor. */
const SCHEMA_VERSION = 39;
const DASHBOARD_SCHEMA = {
  type: 'object',
  required: ['uid', 'title', 'schemaVersion', 'panels', 'templating', 'time'],
  properties: {
    uid: { type: 'string', pattern: '^kad-[a-z]+$' },
    schemaVersion: { type: 'integer', minimum: SCHEMA_VERSION },
    templating: {
      type: 'object',
      required: ['list'],
      properties: {
        list: {
          type: 'array',
          allOf: ['datasource', 'namespace', 'workload'].map((name) => ({ contains: { type: 'object', required: ['name'], properties: { name: { const: name } } } })),
          items: { type: 'object', required: ['name', 'type'], properties: { type: { enum: ['datasource', 'query', 'custom', 'constant', 'interval'] } } },
        },
      },
    },
    panels: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['id', 'title', 'type', 'datasource', 'gridPos', 'targets'],
        properties: {
          type: { enum: ['stat', 'timeseries', 'table', 'gauge', 'bargauge', 'heatmap'] },
          datasource: { type: 'object', required: ['type', 'uid'], properties: { type: { const: 'prometheus' }, uid: { const: '${datasource}' } } },
          gridPos: { type: 'object', required: ['x', 'y', 'w', 'h'], properties: { x: { minimum: 0 }, w: { minimum: 1 }, h: { minimum: 1 } } },
          targets: { type: 'array', minItems: 1, items: { type: 'object', required: ['refId', 'expr'], properties: { expr: { type: 'string', minLength: 1 } } } },
        },
      },
    },
  },
};

/** The dashboards' PromQL, with Grafana's variables at their "All" value and the horizon's offset dropped. */
function queries(d: Dashboard): { where: string; expr: string }[] {
  const out: { where: string; expr: string }[] = [];
  for (const p of d.panels) for (const t of p.targets) out.push({ where: `${d.uid} "${p.title}" ${t.refId}`, expr: t.expr });
  for (const v of d.templating.list) {
    if (v.type !== 'query') continue;
    const q = typeof v.query === 'string' ? v.query : v.query.query;
    const m = /^label_values\((.+),\s*\w+\)$/.exec(q);
    out.push({ where: `${d.uid} variable ${v.name}`, expr: m ? m[1] : q });
  }
  return out.map((q) => ({ ...q, expr: q.expr.replace(/\$\{?(\w+)\}?/g, '.*').replace(/ offset 30m/g, '') }));
}

describe('deploy/grafana dashboards (as data)', () => {
  const validate = new Ajv({ allErrors: true, strict: false }).compile(DASHBOARD_SCHEMA);
  it.each(dashboards)('%s imports: schema, variables, panels on ${datasource}, no overlapping panels', (_f, d) => {
    expect(validate(d), JSON.stringify(validate.errors)).toBe(true);
    expect(new Set(d.panels.map((p) => p.id)).size).toBe(d.panels.length);
    const cells = new Set<string>();
    for (const p of d.panels) {
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          expect(cells.has(`${x},${y}`), `${p.title} overlaps at ${x},${y}`).toBe(false);
          cells.add(`${x},${y}`);
        }
      }
    }
  });

  it('the three dashboards the README describes exist: overview, workload, model', () => {
    expect(dashboards.map(([f]) => f)).toEqual(['model.json', 'overview.json', 'workload.json']);
  });
});

describeWithServers('deploy/grafana PromQL against Prometheus scraping kad serve', ['prometheus', 'alertmanager'], () => {
  let prom: PrometheusServer;
  let am: AlertmanagerServer;
  let kad: Service;
  let exporter: Exporter;
  const query = async (expr: string) => {
    const r = await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    return (await r.json()) as { status: string; error?: string; data?: { result: unknown[] } };
  };

  beforeAll(async () => {
    am = await startAlertmanager();
    const cluster = new SimulatedCluster({ seed: 3, start: Date.now() - 60 * 60_000 });
    exporter = await startExporter({ cluster, clock: systemClock, host: '127.0.0.1', port: 0 });
    kad = await startService(loadConfig({
      env: { PORT: '0', KAD_HOST: '127.0.0.1', KAD_STATE_DIR: join(tempDir('dash'), 'state'), KAD_LOG_LEVEL: 'silent', ALERTMANAGER_URL: am.url, KAD_SIM_SPEED: '60' },
    }));
    prom = await startPrometheus({
      scrape: [
        { job: 'kad', targets: [kad.url.replace('http://', '')], intervalSeconds: 1 },
        { job: 'kad-sim', targets: [exporter.url.replace('http://', '')], intervalSeconds: 1 },
      ],
    });
    // Forecasts and recommendations appear after the first forecast refresh (seconds); rates need two scrapes.
    // The simulated clock runs 60× (KAD_SIM_SPEED), so forecasts meet their 30-minute horizon of actuals within a minute.
    for (const m of ['anomaly_detector_recommended_replicas', 'anomaly_detector_forecast_mase', 'anomaly_detector_anomalies_detected_total']) {
      await waitFor(async () => ((await query(m)).data?.result.length ? true : undefined), 90_000, `${m} in Prometheus`);
    }
    await new Promise((r) => setTimeout(r, 3_000));
  }, 120_000);

  afterAll(async () => {
    await prom?.stop();
    await kad?.close();
    await am?.stop();
    await exporter?.close();
  });

  it('every dashboard expression succeeds and returns data', async () => {
    const empty: string[] = [];
    for (const [, d] of dashboards) {
      for (const q of queries(d)) {
        const r = await query(q.expr);
        expect(r.status, `${q.where}: ${q.expr}: ${r.error}`).toBe('success');
        if (r.data!.result.length === 0) empty.push(`${q.where}: ${q.expr}`);
      }
    }
    expect(empty, 'expressions with no data').toEqual([]);
  });

  it('every metric in deploy/prometheus/kad-rules.yml returns data', async () => {
    const rules = parse(readFileSync(join(ROOT, 'deploy/prometheus/kad-rules.yml'), 'utf8')) as { groups: { rules: { expr: string }[] }[] };
    const names = new Set(rules.groups.flatMap((g) => g.rules.flatMap((r) => [...r.expr.matchAll(/\b(anomaly_[a-z_]+)\b/g)].map((m) => m[1]))));
    expect(names.size).toBeGreaterThanOrEqual(4);
    for (const n of names) expect((await query(n)).data!.result.length, n).toBeGreaterThan(0);
  });
});
