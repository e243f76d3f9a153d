/**
 * A real Alertmanager (Debian's 0.25) for integration tests: clustering off, a free loopback port,
 * storage and config in a temporary directory. Optionally it forwards its notifications, resolved
 * ones included, to a webhook the test runs, which is the only place Alertmanager 0.25 shows a
 * resolution: `GET /api/v2/alerts` leaves out every alert whose endsAt has passed, whatever the
 * filters.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BINARIES, freePort, startServer, tempDir, type ServerProcess } from './integration.js';
import type { WebConfig } from './prometheus.js';

/** Options of {@link startAlertmanager}. */
export interface AlertmanagerOptions {
  /** Where Alertmanager sends its notifications (firing and resolved, grouped per pod, at once). */
  webhookUrl?: string;
  /** Serve behind `--web.config.file` (TLS, client certificates, basic auth; see test/prometheus.ts). */
  web?: WebConfig;
  /** Cluster with other replicas: its own gossip address and theirs (`host:port`); default: clustering off. */
  cluster?: { listen: string; peers: string[] };
}

/** An alert as `GET /api/v2/alerts` returns it (`GettableAlert`). */
export interface GettableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  updatedAt: string;
  generatorURL?: string;
  fingerprint: string;
  receivers: { name: string }[];
  status: { state: 'unprocessed' | 'active' | 'suppressed'; silencedBy: string[]; inhibitedBy: string[] };
}

/** A running Alertmanager. `restart()` also starts it again after `stop()`, on the same port and storage. */
export interface AlertmanagerServer extends ServerProcess {
  readonly storageDir: string;
  /** `GET /api/v2/alerts` with the given query (default: active, silenced and inhibited alerts). */
  alerts(query?: string): Promise<GettableAlert[]>;
  /** The value of one sample of Alertmanager's own metrics, e.g. `alertmanager_alerts_received_total{status="firing",version="v2"}`. */
  metric(series: string): Promise<number>;
}

/** Alertmanager's config: one route to the test's webhook (or to nowhere). */
export function alertmanagerConfig(webhookUrl?: string): string {
  if (!webhookUrl) return ['route:', "  receiver: 'none'", 'receivers:', "  - name: 'none'", ''].join('\n');
  return [
    'route:',
    "  receiver: 'test'",
    "  group_by: ['alertname', 'namespace', 'pod']",
    '  group_wait: 0s',
    '  group_interval: 1s',
    '  repeat_interval: 1h',
    'receivers:',
    "  - name: 'test'",
    '    webhook_configs:',
    `      - url: '${webhookUrl}'`,
    '        send_resolved: true',
    '',
  ].join('\n');
}

/** Starts Alertmanager and waits until `/-/ready` answers. */
export async function startAlertmanager(opts: AlertmanagerOptions = {}): Promise<AlertmanagerServer> {
  const dir = tempDir('alertmanager');
  const storageDir = join(dir, 'data');
  const configFile = join(dir, 'alertmanager.yml');
  writeFileSync(configFile, alertmanagerConfig(opts.webhookUrl));
  const port = await freePort();
  const web = opts.web;
  const url = `${web?.https ? 'https' : 'http'}://127.0.0.1:${port}`;
  const server = await startServer(
    BINARIES.alertmanager,
    [
      ...(web ? [`--web.config.file=${web.file}`] : []),
      `--config.file=${configFile}`,
      `--storage.path=${storageDir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      ...(opts.cluster ? [`--cluster.listen-address=${opts.cluster.listen}`, ...opts.cluster.peers.map((p) => `--cluster.peer=${p}`)] : ['--cluster.listen-address=']),
      '--log.level=warn',
    ],
    url,
    web ? () => web.ready(url) : `${url}/-/ready`,
  );
  return {
    get url() { return server.url; },
    get pid() { return server.pid; },
    output: () => server.output(),
    stop: () => server.stop(),
    restart: () => server.restart(),
    storageDir,
    async alerts(query = '') {
      const res = await fetch(`${url}/api/v2/alerts${query ? `?${query}` : ''}`);
      if (!res.ok) throw new Error(`GET /api/v2/alerts: HTTP ${res.status}: ${await res.text()}`);
      return (await res.json()) as GettableAlert[];
    },
    async metric(series) {
      const text = await (await fetch(`${url}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      if (!line) throw new Error(`no sample ${series} in Alertmanager's /metrics`);
      return Number(line.slice(series.length + 1));
    },
  };
}
