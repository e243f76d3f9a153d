/**
 * `kad export-labels`: the anomalies operators gave feedback on, as labeled examples for supervised
 * training: one CSV row per cycle of the pod's history from the anomaly's start to its end (to the
 * newest point while it lasts), with the verdict. Real incidents are `is_anomaly=1` with their
 * incident type; false alarms are `is_anomaly=0` (never part of the anomalous set: they are the
 * normal examples that looked anomalous). Reads the event store (KAD_STATE_DIR/kad.db), which may be
 * in use by a running kad serve; history older than KAD_RETENTION_DAYS is gone from it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, UsageError } from '../core/errors.js';
import { throwIfStopped, type Command } from './command.js';
import { csvField, openOutputFile } from './output-file.js';

/** The CSV's columns (the metrics are the event store's HISTORY_METRICS). */
const HEAD = ['anomaly_id', 'verdict', 'is_anomaly', 'incident_type', 'namespace', 'workload', 'pod', 'timestamp', 'score', 'threshold', 'flagged'];

export const exportLabelsCommand: Command = {
  name: 'export-labels',
  summary: 'Write the anomalies operators gave feedback on as a labeled CSV (one row per cycle of the pod)',
  usage: 'kad export-labels --output OUT.csv [--state-dir DIR]',
  options: {
    'state-dir': { type: 'string', short: 's', value: 'DIR', description: 'The state directory of kad serve, holding kad.db (default $KAD_STATE_DIR)' },
    output: { type: 'string', short: 'o', value: 'FILE', description: 'CSV file to write (written whole or not at all)' },
  },
  details: [
    `Columns: ${HEAD.join(',')},<metrics>: cpu, memory, restarts, network_rx, network_tx, rx_packets, rx_dropped, cpu_limit, memory_limit.`,
    'real_incident rows have is_anomaly=1 and the incident type given with the feedback; false_alarm rows have is_anomaly=0.',
    'timestamp is ISO 8601 (UTC). Feedback is given with POST /anomalies/{id}/feedback (or the dashboard).',
  ].join('\n'),
  async run(v, io) {
    const dir = typeof v['state-dir'] === 'string' ? v['state-dir'] : io.env.KAD_STATE_DIR;
    if (!dir) throw new UsageError('--state-dir DIR (or KAD_STATE_DIR) is required: the directory kad serve keeps kad.db in');
    if (typeof v.output !== 'string') throw new UsageError('--output FILE is required');
    // Loaded here: `kad export-labels --help` does not load SQLite.
    const { EVENT_STORE_FILE, HISTORY_METRICS, openEventStore } = await import('../store/event-store.js');
    if (!existsSync(join(dir, EVENT_STORE_FILE))) throw new InputError(`${join(dir, EVENT_STORE_FILE)}: no event store there (is ${dir} the KAD_STATE_DIR of kad serve?)`);
    const store = openEventStore({ dir });
    const out = openOutputFile(v.output);
    let rows = 0;
    let examples = 0;
    try {
      out.write(Buffer.from([...HEAD, ...HISTORY_METRICS].join(',') + '\n'));
      for (const a of store.anomalies({ withFeedback: true, limit: Number.MAX_SAFE_INTEGER }).reverse()) {
        throwIfStopped(io.stopSignal);
        const f = a.feedback!;
        const h = store.history(a.namespace, a.pod, a.start, a.end ?? Infinity);
        const fixed = [a.id, f.verdict, f.verdict === 'real_incident' ? 1 : 0, f.incidentType, a.namespace, a.workload, a.pod].map(csvField);
        const lines = h.t.map((t, i) => [
          ...fixed, new Date(t).toISOString(), csvField(h.score[i]), csvField(h.threshold[i]), h.flagged[i] ? 1 : 0, ...HISTORY_METRICS.map((m) => csvField(h.metrics[m][i])),
        ].join(','));
        if (lines.length) out.write(Buffer.from(lines.join('\n') + '\n'));
        rows += lines.length;
        examples++;
      }
      out.commit();
    } finally {
      out.discard();
      store.close();
    }
    io.stderr(`kad export-labels: ${examples} anomalies with feedback, ${rows} rows; wrote ${v.output}\n`);
    return 0;
  },
};
