/**
 * `kad rules`: prints the recording rules that let kad read each pod's values with one query per batch
 * (src/sources/prometheus-rules.ts), for the settings in the environment or `--config` (KAD_RATE_WINDOW,
 * NAMESPACE_REGEX, POD_LABEL), as a Prometheus rules file (`rule_files`) or, with `--crd`, as a
 * PrometheusRule of the Prometheus Operator. kad finds the recorded series by itself
 * (KAD_RECORDING_RULES=auto).
 */
import { UsageError } from '../core/errors.js';
import { promDurationMs } from '../sources/promql.js';
import type { Command } from './command.js';

/** `kad rules`: see the module comment. */
export const rulesCommand: Command = {
  name: 'rules',
  summary: 'Print the Prometheus recording rules that make kad\'s queries cheaper (for KAD_RECORDING_RULES)',
  usage: 'kad rules [--config FILE] [--interval 30s] [--crd [--name NAME] [--namespace NS]]',
  options: {
    config: { type: 'string', short: 'c', value: 'FILE', description: 'YAML config file (same settings as kad serve): its rate window, namespaces and pod label' },
    interval: { type: 'string', value: 'DURATION', description: 'How often Prometheus evaluates the rules, at most 1m (default 30s; kad reads values up to this old)' },
    crd: { type: 'boolean', description: 'A PrometheusRule object (Prometheus Operator, kube-prometheus-stack) instead of a rules file' },
    name: { type: 'string', value: 'NAME', description: 'The PrometheusRule\'s name (default kad-recording-rules)' },
    namespace: { type: 'string', value: 'NS', description: 'The PrometheusRule\'s namespace (default: none, kubectl\'s)' },
  },
  details: [
    'The rules depend on KAD_RATE_WINDOW, NAMESPACE_REGEX and POD_LABEL (environment, or --config):',
    'print them with the settings kad serve runs with. Load them with `rule_files` (promtool check rules',
    'validates the file) or `kubectl apply -f` (with --crd). kad reads recorded values while they are at',
    'most 3 minutes old, so the rules must be evaluated at least every minute. Two groups: kad-pod-values',
    '(each pod\'s CPU and network rates, working set, restarts) and kad-mesh-values (with Istio or Linkerd,',
    'each pod\'s request rate, 5xx share, mean and p99 latency and missing callees; a mesh the cluster',
    'does not run records nothing).',
  ].join('\n'),
  async run(v, io) {
    const interval = typeof v.interval === 'string' ? v.interval : '30s';
    let ms: number;
    try {
      ms = promDurationMs(interval);
    } catch {
      throw new UsageError(`--interval "${interval}" is not a PromQL duration such as 15s, 30s or 1m`);
    }
    if (!(ms > 0 && ms <= 60_000)) throw new UsageError(`--interval ${interval}: must be above 0 and at most 1m (kad reads recorded values while they are at most 3 minutes old)`);
    if (!v.crd && (v.name !== undefined || v.namespace !== undefined)) throw new UsageError('--name and --namespace go with --crd');
    const [{ loadConfig }, { recordingRulesYaml }] = await Promise.all([import('../config/load.js'), import('../sources/prometheus-rules.js')]);
    const { prometheus } = loadConfig({ env: io.env, file: typeof v.config === 'string' ? v.config : undefined });
    const crd = v.crd ? { name: typeof v.name === 'string' ? v.name : 'kad-recording-rules', namespace: typeof v.namespace === 'string' ? v.namespace : undefined } : undefined;
    io.stdout(recordingRulesYaml(prometheus, { interval, crd }));
    return 0;
  },
};
