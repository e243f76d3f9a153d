/**
 * The demo stack deploy/compose. No Docker daemon runs here, so the containers are not started; their
 * commands and configuration files are, with the real binaries: `kad simulate` and `kad serve` with
 * the compose file's command and environment (from the sources, as the image runs them from dist/),
 * Debian's Prometheus with deploy/compose/prometheus.yml and Debian's Alertmanager with
 * deploy/compose/alertmanager.yml, service host names mapped to loopback ports. Then the demo itself:
 * inject a CPU runaway with `POST /incidents` and the alert reaches Alertmanager within a minute.
 * Prometheus is first backfilled with the simulated cluster's last hour (promtool), standing in for the
 * minutes a fresh demo waits before kad has history to train on. Grafana is not run: its provisioning
 * files are checked as data (paths, data source). Also: promtool and amtool accept the configs, and
 * the Alertmanager routing example routes kad's alerts as it says.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SimulatedCluster } from '../../src/simulator/cluster.js';
import { writeOpenMetricsHistory } from '../../src/simulator/openmetrics.js';
import type { GettableAlert } from '../alertmanager.js';
import { exited, ROOT, spawnKad, waitFor } from '../helpers.js';
import { BINARIES, describeWithServers, freePort, startServer, tempDir, type ServerProcess } from '../integration.js';
import { backfillOpenMetrics } from '../prometheus.js';

const DIR = join(ROOT, 'deploy/compose');
const AMTOOL = '/usr/bin/amtool';
interface Service { image?: string; build?: { context: string; dockerfile: string }; command?: string[]; environment?: Record<string, string>; volumes?: string[]; read_only?: boolean; ports?: string[] }
const compose = parse(readFileSync(join(DIR, 'compose.yaml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const svc = compose.services;
/** A bind mount's host path (relative to deploy/compose) and container path. */
const mounts = (s: Service) => (s.volumes ?? []).map((v) => v.split(':')).filter(([h]) => h.startsWith('.')).map(([h, c]) => ({ host: join(DIR, h), container: c }));

describe('deploy/compose (as data)', () => {
  it('runs kad simulate, kad serve, Prometheus, Alertmanager and Grafana; kad from the image of deploy/docker', () => {
    expect(Object.keys(svc).sort()).toEqual(['alertmanager', 'grafana', 'kad', 'prometheus', 'simulate']);
    for (const name of ['kad', 'simulate']) {
      expect(svc[name].build, name).toEqual({ context: '../..', dockerfile: 'deploy/docker/Dockerfile' });
      expect(existsSync(join(DIR, svc[name].build!.context, svc[name].build!.dockerfile))).toBe(true);
      expect(svc[name].read_only).toBe(true);
    }
    expect(svc.kad.volumes).toContain('kad-state:/var/lib/kad');
    for (const s of Object.values(svc)) for (const m of mounts(s)) expect(existsSync(m.host), m.host).toBe(true);
  });

  it('Grafana gets the Prometheus data source and kad\'s dashboards folder', () => {
    const g = mounts(svc.grafana);
    const dashboards = g.find((m) => m.host.endsWith('deploy/grafana'))!;
    const provider = parse(readFileSync(join(DIR, 'grafana/provisioning/dashboards/kad.yml'), 'utf8')).providers[0];
    expect(provider.options.path).toBe(dashboards.container);
    const ds = parse(readFileSync(join(DIR, 'grafana/provisioning/datasources/prometheus.yml'), 'utf8')).datasources[0];
    expect(ds).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090', isDefault: true });
    expect(svc.grafana.environment!.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH).toBe(`${dashboards.container}/overview.json`);
  });
});

describeWithServers('deploy/compose configs with promtool and amtool', ['promtool', 'alertmanager'], () => {
  it('promtool accepts prometheus.yml; amtool accepts both Alertmanager configs', () => {
    expect(execFileSync(BINARIES.promtool, ['check', 'config', 'prometheus.yml'], { cwd: DIR, encoding: 'utf8' })).toContain('SUCCESS');
    for (const f of [join(DIR, 'alertmanager.yml'), join(ROOT, 'deploy/alertmanager/alertmanager.example.yml')]) {
      expect(execFileSync(AMTOOL, ['check-config', f], { encoding: 'utf8' }), f).toContain('SUCCESS');
    }
  });

  it('the routing example sends kad\'s alerts to the namespace\'s team, exhaustion warnings to capacity, others elsewhere', () => {
    const route = (...labels: string[]) => execFileSync(AMTOOL, ['config', 'routes', 'test', `--config.file=${join(ROOT, 'deploy/alertmanager/alertmanager.example.yml')}`, ...labels], { encoding: 'utf8' }).trim();
    expect(route('source=kad', 'alertname=KadPodAnomaly', 'namespace=shop')).toBe('kad-default');
    expect(route('source=kad', 'alertname=KadPodAnomaly', 'namespace=payments')).toBe('payments-oncall');
    expect(route('source=kad', 'alertname=KadResourceExhaustion', 'namespace=shop')).toBe('capacity');
    expect(route('alertname=Watchdog')).toBe('default');
  });
});

describeWithServers('the compose demo with the real binaries: inject a CPU runaway, the alert fires', ['prometheus', 'promtool', 'alertmanager'], () => {
  const dir = tempDir('compose');
  const procs: ServerProcess[] = [];
  let sim: ReturnType<typeof spawnKad>;
  let kad: ReturnType<typeof spawnKad>;
  let urls: Record<'simulate' | 'kad' | 'prometheus' | 'alertmanager', string>;

  /** The compose text with each service's host:port replaced by its loopback address. */
  const local = (text: string) => text
    .replace(/simulate:9100/g, urls.simulate.slice(7)).replace(/kad:8080/g, urls.kad.slice(7))
    .replace(/prometheus:9090/g, urls.prometheus.slice(7)).replace(/alertmanager:9093/g, urls.alertmanager.slice(7));

  beforeAll(async () => {
    const [s, k, p, a] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    urls = { simulate: `http://127.0.0.1:${s}`, kad: `http://127.0.0.1:${k}`, prometheus: `http://127.0.0.1:${p}`, alertmanager: `http://127.0.0.1:${a}` };

    // kad simulate, as compose runs it, on its loopback port.
    const simArgs = svc.simulate.command!.map((x) => x.replace('0.0.0.0:9100', `127.0.0.1:${s}`));
    const now = Date.now();
    sim = spawnKad(simArgs);
    await waitFor(async () => ((await fetch(`${urls.simulate}/healthz`)).ok ? true : undefined), 30_000, `kad simulate: ${sim.output()}`);

    // The last hour of the same simulated cluster (kad simulate's defaults: seed 1, 60 minutes of history).
    const cluster = new SimulatedCluster({ seed: 1, start: now - 60 * 60_000, scenario: { quietUntil: now + 5 * 60_000 } });
    const grid = 5_000;
    const history = join(dir, 'history.om');
    await writeOpenMetricsHistory(cluster, history, Math.ceil((now - 60 * 60_000) / grid) * grid, Math.floor((now - 10_000) / grid) * grid, grid, { labels: { job: 'kad-simulate', instance: urls.simulate.slice(7) } });
    const promData = join(dir, 'prometheus');
    await backfillOpenMetrics(history, promData);

    const promConfig = join(dir, 'prometheus.yml');
    writeFileSync(promConfig, local(readFileSync(join(DIR, 'prometheus.yml'), 'utf8')));
    const amConfig = join(dir, 'alertmanager.yml');
    writeFileSync(amConfig, readFileSync(join(DIR, 'alertmanager.yml'), 'utf8'));
    const swap = (args: string[], file: string, port: number, storage: string) => [
      ...args.map((x) => (x.startsWith('--config.file=') ? `--config.file=${file}` : x)).filter((x) => !x.startsWith('--storage.')),
      storage, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn',
    ];
    procs.push(...(await Promise.all([
      startServer(BINARIES.prometheus, swap(svc.prometheus.command!, promConfig, p, `--storage.tsdb.path=${promData}`), urls.prometheus, `${urls.prometheus}/-/ready`),
      startServer(BINARIES.alertmanager, swap(svc.alertmanager.command!, amConfig, a, `--storage.path=${join(dir, 'am')}`), urls.alertmanager, `${urls.alertmanager}/-/ready`),
    ])));

    // kad serve with the compose file's environment.
    const env = Object.fromEntries(Object.entries(svc.kad.environment!).map(([key, v]) => [key, local(v)]));
    expect(svc.kad.command).toEqual(['serve']);
    kad = spawnKad(svc.kad.command!, { ...env, PORT: String(k), KAD_HOST: '127.0.0.1', KAD_STATE_DIR: join(dir, 'state') });
  }, 120_000);

  afterAll(async () => {
    for (const c of [kad, sim]) {
      if (c && c.exitCode === null) {
        c.kill('SIGTERM');
        await exited(c);
      }
    }
    await Promise.all(procs.map((p) => p.stop()));
  });

  it('kad becomes ready; a CPU runaway injected with POST /incidents reaches Alertmanager within a minute', async () => {
    await waitFor(async () => ((await fetch(`${urls.kad}/readyz`)).status === 200 ? true : undefined), 120_000, `kad /readyz 200: ${kad.output().slice(-2000)}`);
    const injectedAt = Date.now();
    const r = await fetch(`${urls.simulate}/incidents`, { method: 'POST', body: JSON.stringify({ kind: 'cpu_runaway', namespace: 'shop', workload: 'catalog', durationSeconds: 300 }) });
    expect(r.status).toBe(201);
    const alert = await waitFor(async () => {
      const alerts = (await (await fetch(`${urls.alertmanager}/api/v2/alerts`)).json()) as GettableAlert[];
      return alerts.find((x) => x.labels.workload === 'catalog' && x.labels.source === 'kad');
    }, 90_000, 'the KadPodAnomaly alert for catalog on Alertmanager');
    const seconds = (Date.now() - injectedAt) / 1000;
    expect(alert.labels).toMatchObject({ alertname: 'KadPodAnomaly', namespace: 'shop' });
    expect(alert.receivers.map((x) => x.name)).toEqual(['kad']);
    expect(seconds, `alert after ${seconds} s`).toBeLessThanOrEqual(60);
  }, 240_000);
});
