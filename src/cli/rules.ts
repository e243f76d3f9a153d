/**
 * `kad rules`: prints the recording rules that let kad read each pod's values with one query per batch
 * (src/sources/prometheus-rules.ts), for the settings in the environment (KAD_RATE_WINDOW,
 * NAMESPACE_REGEX, POD_LABEL), as a Prometheus rules file (`rule_files`) or, with `--crd`, as a
 * PrometheusRule of the Prometheus Operator. kad finds the recorded series by itself
 * (KAD_RECORDING_RULES=auto).
 */
import { UsageError } from '../core/errors.js';
import type { Command } from './command.js';

const DURATION = /^[0-9]+(ms|s|m|h)$/;

/** `kad rules`: see the module comment. */
export const rulesCommand: Command = {
  name: 'rules',
  summary: 'Print the Prometheus recording rules that make kad\'s queries cheaper (for KAD_RECORDING_RULES)',
  usage: 'kad rules [--interval 30s] [--crd [--name NAME] [--namespace NS]]',
  options: {
    interval: { type: 'string', value: 'DURATION', description: 'How often Prometheus evaluates the rules (default 30s; kad reads values up to this old)' },
    crd: { type: 'boolean', description: 'A PrometheusRule object (Prometheus Operator, kube-prometheus-stack) instead of a rules file' },
    name: { type: 'string', value: 'NAME', description: 'The PrometheusRule\'s name (default kad-recording-rules)' },
    namespace: { type: 'string', value: 'NS', description: 'The PrometheusRule\'s namespace (default: none, kubectl\'s)' },
  },
  details: [
    'The rules depend on KAD_RATE_WINDOW, NAMESPACE_REGEX and POD_LABEL as set in the environment:',
    'print them with the settings kad serve runs with. Load them with `rule_files` (promtool check rules',
    'validates the file) or `kubectl apply -f` (with --crd).',
  ].join('\n'),
  async run(v, io) {
    const interval = typeof v.interval === 'string' ? v.interval : '30s';
    if (!DURATION.test(interval)) throw new UsageError(`--interval "${interval}" is not a PromQL duration such as 15s, 30s or 1m`);
    if (!v.crd && (v.name !== undefined || v.namespace !== undefined)) throw new UsageError('--name and --namespace go with --crd');
    const [{ loadConfig }, { recordingRulesYaml }] = await Promise.all([import('../config/load.js'), import('../sources/prometheus-rules.js')]);
    const { prometheus } = loadConfig({ env: io.env });
    const crd = v.crd ? { name: typeof v.name === 'string' ? v.name : 'kad-recording-rules', namespace: typeof v.namespace === 'string' ? v.namespace : undefined } : undefined;
    io.stdout(recordingRulesYaml(prometheus, { interval, crd }));
    return 0;
  },
};
