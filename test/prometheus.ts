/**
 * A real Prometheus for integration tests and benchmarks: started on a free loopback port with a
 * given scrape configuration, its TSDB in a temporary directory, optionally backfilled from an
 * OpenMetrics file with `promtool tsdb create-blocks-from openmetrics` first, and stopped by PID.
 */
import { execFile } from 'node:child_process';
import { readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BINARIES, freePort, startServer, tempDir, type ServerProcess } from './integration.js';

const run = promisify(execFile);

/** One scrape job: static loopback targets (`host:port`). */
export interface ScrapeJob {
  job: string;
  targets: string[];
  /** Default 15. */
  intervalSeconds?: number;
  /** Default `/metrics`. */
  metricsPath?: string;
}

/** Options of {@link startPrometheus}. */
export interface StartPrometheusOptions {
  scrape?: ScrapeJob[];
  /** OpenMetrics files to backfill before the start (each with its own promtool run, in parallel). */
  backfill?: string[];
  /** TSDB directory; default a fresh temporary one. */
  dataDir?: string;
  /** Accept samples this far out of order (`storage.tsdb.out_of_order_time_window`). Default `0s`. */
  outOfOrderWindow?: string;
  /** Extra command-line flags. */
  args?: string[];
  /** YAML appended to prometheus.yml after the scrape jobs (top-level sections such as `remote_write:`). */
  extraConfig?: string;
  /** How long to wait for readiness, ms. Default 30 s. */
  readyTimeoutMs?: number;
  /**
   * Serve behind `--web.config.file` (TLS, client certificates, basic auth): the file, whether it
   * serves https, and how to tell it is ready (the plain `/-/ready` probe cannot pass).
   */
  web?: WebConfig;
}

/** A server behind `--web.config.file`; see {@link StartPrometheusOptions.web}. */
export interface WebConfig {
  file: string;
  https: boolean;
  /** Resolves true once the server at `url` answers its readiness probe. */
  ready: (url: string) => Promise<boolean>;
}

/** A running Prometheus. */
export interface PrometheusServer extends ServerProcess {
  dataDir: string;
  configFile: string;
}

/** Runs `promtool tsdb create-blocks-from openmetrics FILE DIR`; resolves with promtool's output. */
export async function backfillOpenMetrics(file: string, dataDir: string): Promise<string> {
  try {
    const { stdout, stderr } = await run(BINARIES.promtool, ['tsdb', 'create-blocks-from', 'openmetrics', file, dataDir], {
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout + stderr;
  } catch (e) {
    const err = e as Error & { stdout?: string; stderr?: string };
    throw new Error(`promtool could not backfill ${file}: ${err.message}\n${(err.stderr ?? '').slice(-2000)}`);
  }
}

/**
 * Evaluates the rules of `rulesFile` over [startMs, endMs] against `prom` with `promtool tsdb
 * create-blocks-from rules` (at each group's interval), then stops `prom`, moves the blocks into its
 * data directory and restarts it, so the recorded series cover the backfilled past.
 */
export async function backfillRules(prom: PrometheusServer, rulesFile: string, startMs: number, endMs: number): Promise<void> {
  const out = tempDir('prom-rules-blocks');
  try {
    await run(BINARIES.promtool, ['tsdb', 'create-blocks-from', 'rules', '-q', `--start=${startMs / 1000}`, `--end=${endMs / 1000}`, `--url=${prom.url}`, `--output-dir=${out}`, rulesFile], {
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (e) {
    const err = e as Error & { stderr?: string };
    throw new Error(`promtool could not evaluate the rules of ${rulesFile}: ${err.message}\n${(err.stderr ?? '').slice(-2000)}`);
  }
  await prom.stop();
  for (const block of readdirSync(out)) renameSync(join(out, block), join(prom.dataDir, block));
  rmSync(out, { recursive: true, force: true });
  await prom.restart();
}

/** The prometheus.yml for `opts`. */
export function prometheusConfig(opts: Pick<StartPrometheusOptions, 'scrape' | 'outOfOrderWindow' | 'extraConfig'>): string {
  let y = 'global:\n  scrape_interval: 15s\n  evaluation_interval: 15s\n';
  if (opts.outOfOrderWindow) y += `storage:\n  tsdb:\n    out_of_order_time_window: ${opts.outOfOrderWindow}\n`;
  y += 'scrape_configs:\n';
  if (!opts.scrape?.length) y += '  []\n';
  for (const j of opts.scrape ?? []) {
    y += `  - job_name: ${JSON.stringify(j.job)}\n`;
    y += `    scrape_interval: ${j.intervalSeconds ?? 15}s\n`;
    y += `    scrape_timeout: ${Math.min(10, j.intervalSeconds ?? 15)}s\n`;
    y += `    metrics_path: ${JSON.stringify(j.metricsPath ?? '/metrics')}\n`;
    y += `    honor_labels: true\n`;
    y += `    static_configs:\n      - targets: ${JSON.stringify(j.targets)}\n`;
  }
  return y + (opts.extraConfig ?? '');
}

/**
 * Backfills (when asked), then starts `prometheus` on 127.0.0.1:<free port> and waits for `/-/ready`.
 * `restart()` keeps the port and the data directory.
 */
export async function startPrometheus(opts: StartPrometheusOptions = {}): Promise<PrometheusServer> {
  const dataDir = opts.dataDir ?? tempDir('prom');
  if (opts.backfill?.length) await Promise.all(opts.backfill.map((f) => backfillOpenMetrics(f, dataDir)));
  const configFile = join(dataDir, 'prometheus.yml');
  writeFileSync(configFile, prometheusConfig(opts));
  const port = await freePort();
  const url = `${opts.web?.https ? 'https' : 'http'}://127.0.0.1:${port}`;
  const args = [
    ...(opts.web ? [`--web.config.file=${opts.web.file}`] : []),
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${dataDir}`,
    `--storage.tsdb.retention.time=3650d`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
    ...(opts.args ?? []),
  ];
  const web = opts.web;
  const server = await startServer(BINARIES.prometheus, args, url, web ? () => web.ready(url) : `${url}/-/ready`, opts.readyTimeoutMs ?? 30_000);
  return Object.assign(server, { dataDir, configFile });
}
