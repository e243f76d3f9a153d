/**
 * `kad check`: before a first `kad serve` (or after a change), checks what the configuration points
 * at, as `promtool check` and `amtool check-config` do for theirs: the configuration itself; with
 * Prometheus as the source, that it answers (TLS, credentials, tenant), which of the series kad reads
 * it has for the watched namespaces (how many pods each covers, and what is lost without one), whether
 * the pods are found under `POD_LABEL`, and whether kad's recording rules are loaded; each Alertmanager
 * of `ALERTMANAGER_URL`, its version and its cluster's size. One line per check on stdout (`ok`,
 * `warn`, `FAIL`, with what to do); exit 0 when nothing failed, 1 when something did, 2 for a bad
 * configuration. Nothing is written anywhere and no alert is sent.
 */
import type { Config } from '../config/schema.js';
import { throwIfStopped, type Command, type CommandIO } from './command.js';

/** The outcome of one check. */
export interface CheckLine {
  status: 'ok' | 'warn' | 'FAIL';
  what: string;
  detail: string;
}

/** A series kad reads: the metric, what it feeds, what provides it, and whether kad can run without it. */
interface Needed {
  metric: string;
  feeds: string;
  from: string;
  required: boolean;
}

const CADVISOR = 'the kubelet\'s cAdvisor (job kubelet, /metrics/cadvisor)';
const KSM = 'kube-state-metrics';

/** The series of kad's pod features and their context (sources/prometheus-queries.ts). */
const NEEDED: readonly Needed[] = [
  { metric: 'container_cpu_usage_seconds_total', feeds: 'CPU', from: CADVISOR, required: true },
  { metric: 'container_memory_working_set_bytes', feeds: 'memory', from: CADVISOR, required: true },
  { metric: 'kube_pod_container_status_restarts_total', feeds: 'restarts (crash loops)', from: KSM, required: false },
  { metric: 'container_network_receive_bytes_total', feeds: 'network in', from: CADVISOR, required: false },
  { metric: 'container_network_transmit_bytes_total', feeds: 'network out', from: CADVISOR, required: false },
  { metric: 'container_network_receive_packets_dropped_total', feeds: 'dropped packets (packet loss)', from: CADVISOR, required: false },
  { metric: 'kube_pod_container_resource_limits', feeds: 'limits (the early warning, the CPU floor)', from: KSM, required: false },
  { metric: 'kube_pod_info', feeds: 'pod owners (workloads, sharding)', from: KSM, required: false },
];

/** `kad check`: see the module comment. */
export const checkCommand: Command = {
  name: 'check',
  summary: 'Check the configuration and what it points at: Prometheus (the series kad reads), Alertmanager',
  usage: 'kad check [--config FILE]',
  options: {
    config: { type: 'string', short: 'c', value: 'FILE', description: 'YAML config file (same settings as kad serve)' },
  },
  details: [
    'Checks, with the settings kad serve would run with (environment, or --config):',
    '  the configuration; with Prometheus as the source, that it answers, the series kad reads for the',
    '  watched namespaces (pods covered, and what is lost without each), the pod label, the recording',
    '  rules (`kad rules`); each Alertmanager of ALERTMANAGER_URL, its version and cluster size.',
    'A line per check: ok, warn or FAIL, with what to do. Exit 0 when nothing failed, 1 when a check',
    'failed, 2 for an invalid configuration. Sends no alert and writes nothing.',
  ].join('\n'),
  async run(v, io) {
    const { loadConfig } = await import('../config/load.js');
    const config = loadConfig({ env: io.env, file: typeof v.config === 'string' ? v.config : undefined });
    const lines: CheckLine[] = [{ status: 'ok', what: 'configuration', detail: typeof v.config === 'string' ? `${v.config} and the environment` : 'the environment' }];
    const print = (l: CheckLine) => io.stdout(`${l.status.padEnd(4)}  ${l.what}: ${l.detail}\n`);
    print(lines[0]);
    for await (const l of runChecks(config, io)) {
      lines.push(l);
      print(l);
    }
    const failed = lines.filter((l) => l.status === 'FAIL').length;
    const warned = lines.filter((l) => l.status === 'warn').length;
    io.stdout(`${lines.length} checks: ${failed} failed, ${warned} warnings\n`);
    return failed ? 1 : 0;
  },
};

/** The checks after the configuration's, in order; see the module comment. */
export async function* runChecks(config: Readonly<Config>, io: Pick<CommandIO, 'stopSignal'>): AsyncGenerator<CheckLine> {
  const kind = config.source.kind === 'auto' ? (config.prometheus.url ? 'prometheus' : 'simulator') : config.source.kind;
  if (kind === 'prometheus') yield* prometheusChecks(config, io);
  else yield { status: 'ok', what: 'source', detail: kind === 'simulator' ? 'the embedded simulated cluster (PROMETHEUS_URL is not set)' : `${kind} (not checked here)` };
  throwIfStopped(io.stopSignal);
  if (config.alertmanager.url) yield* alertmanagerChecks(config);
  else yield { status: 'warn', what: 'alerts', detail: 'ALERTMANAGER_URL is not set: kad flags anomalies on /metrics and its API, and sends no alert' };
  if (config.alertmanager.webhookUrl) yield { status: 'ok', what: 'webhook', detail: 'KAD_WEBHOOK_URL is set (not called here: that would send an alert)' };
}

async function* prometheusChecks(config: Readonly<Config>, io: Pick<CommandIO, 'stopSignal'>): AsyncGenerator<CheckLine> {
  const [{ PrometheusClient }, { namespaceSelector }, { recordedName }] = await Promise.all([
    import('../sources/prometheus-client.js'), import('../sources/promql.js'), import('../sources/prometheus-rules.js'),
  ]);
  const p = config.prometheus;
  const client = PrometheusClient.fromConfig(p, { maxRetries: 0 });
  const now = Date.now();
  const signal = io.stopSignal;
  try {
    try {
      await client.query('vector(1)', now, signal);
    } catch (e) {
      throwIfStopped(signal); // Ctrl-C: exit 130, not a failed check
      yield { status: 'FAIL', what: 'Prometheus', detail: (e as Error).message };
      return;
    }
    yield { status: 'ok', what: 'Prometheus', detail: `${client.url} answers` };
    const ns = namespaceSelector(p.namespaceRegex);
    const where = p.namespaceRegex === '.*' ? 'in any namespace' : `in namespaces matching NAMESPACE_REGEX=${JSON.stringify(p.namespaceRegex)}`;
    const pods = async (metric: string, labels: string): Promise<number> => {
      // Series without the label would all count as one pod with an empty name: only those that have it.
      const r = await client.query(`count(count by (namespace, ${p.podLabel}) (${metric}{${labels},${p.podLabel}!=""}))`, now, signal);
      return r[0]?.value ?? 0;
    };
    for (const n of NEEDED) {
      const containers = n.from === CADVISOR && !n.metric.startsWith('container_network') ? `${ns},container!="",container!="POD"` : ns;
      const count = await pods(n.metric, containers);
      if (count > 0) {
        yield { status: 'ok', what: n.metric, detail: `${count} pods ${where} (${n.feeds})` };
        continue;
      }
      // None under the pod label and namespaces: is it there at all, under another label or namespace?
      const anywhere = (await client.query(`count(${n.metric})`, now, signal))[0]?.value ?? 0;
      let why: string;
      if (anywhere === 0) why = `Prometheus has no ${n.metric} series: it comes from ${n.from}; is it scraped?`;
      else if (((await client.query(`count(${n.metric}{${ns}})`, now, signal))[0]?.value ?? 0) === 0) why = `${anywhere} series, none ${where}`;
      else why = `${anywhere} series ${where}, none with a "${p.podLabel}" label (POD_LABEL): set POD_LABEL to the label holding the pod's name (e.g. pod_name on old cAdvisor)`;
      yield { status: n.required ? 'FAIL' : 'warn', what: n.metric, detail: `no pods: ${why}; without it kad has no ${n.feeds}` };
    }
    const rule = recordedName('cpu', p.rateWindow);
    const recorded = (await client.query(`count(${rule})`, now, signal))[0]?.value ?? 0;
    const rulesMode = p.recordingRules;
    if (recorded > 0) yield { status: 'ok', what: 'recording rules', detail: `${rule} has ${recorded} series${rulesMode === 'off' ? ' (KAD_RECORDING_RULES=off: not read)' : ': kad reads the recorded values'}` };
    else if (rulesMode === 'on') yield { status: 'FAIL', what: 'recording rules', detail: `KAD_RECORDING_RULES=on but ${rule} has no series: load \`kad rules\` into Prometheus` };
    else yield { status: rulesMode === 'off' ? 'ok' : 'warn', what: 'recording rules', detail: `not loaded (${rule} has no series): kad asks six queries per batch of pods; \`kad rules\` prints rules that make it one` };
  } catch (e) {
    throwIfStopped(signal);
    yield { status: 'FAIL', what: 'Prometheus', detail: (e as Error).message };
  } finally {
    await client.close();
  }
}

async function* alertmanagerChecks(config: Readonly<Config>): AsyncGenerator<CheckLine> {
  const [{ alertmanagerStatus, alertmanagerUrls, clusterWarning }, { alertmanagerAuth }, { HttpEndpoint }] = await Promise.all([
    import('../notify/alertmanager.js'), import('../notify/notifier.js'), import('../core/http-endpoint.js'),
  ]);
  const urls = alertmanagerUrls(config.alertmanager.url);
  const auth = alertmanagerAuth(config.alertmanager);
  let peers = 0;
  for (const url of urls) {
    const e = new HttpEndpoint(url, auth, { setting: 'ALERTMANAGER' });
    try {
      const status = await alertmanagerStatus([e]);
      peers = Math.max(peers, status.peers);
      yield { status: 'ok', what: 'Alertmanager', detail: `${e.url} answers (version ${status.version}; ${status.peers ? `a cluster of ${status.peers}` : 'clustering off'})` };
    } catch (err) {
      yield { status: 'FAIL', what: 'Alertmanager', detail: (err as Error).message };
    } finally {
      e.close();
    }
  }
  const warning = clusterWarning(peers, urls.length);
  if (warning) yield { status: 'warn', what: 'Alertmanager', detail: warning };
}
