/**
 * `kad simulate`: serves the simulated cluster as a Prometheus exporter (/metrics) with its ground
 * truth at /incidents, for a real Prometheus to scrape; `POST /incidents` injects an incident now
 * (deploy/compose's demo). With `--export-labeled`, writes a labelled feature data set for the
 * incident classifiers instead (src/evaluate/simulator-labeled.ts) and exits.
 */
import { acceleratedClock, systemClock } from '../core/clock.js';
import { UsageError } from '../core/errors.js';
import { SimulatedCluster } from '../simulator/cluster.js';
import { startExporter } from '../simulator/exporter.js';
import { untilAborted, yieldAndCheck, type Command, type CommandIO } from './command.js';
import { openOutputFile } from './output-file.js';

/** Parses HOST:PORT (IPv6 hosts in brackets). */
export function parseListen(s: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(s);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new UsageError(`--listen must be HOST:PORT (e.g. 127.0.0.1:9100), got "${s}"`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
}

function intOption(name: string, raw: unknown, dflt: number): number {
  if (raw === undefined) return dflt;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got "${raw}"`);
  return n;
}

export const simulateCommand: Command = {
  name: 'simulate',
  summary: 'Serve the simulated cluster as a Prometheus exporter with ground truth',
  usage: 'kad simulate --listen HOST:PORT [--seed N] [--speed X] [--history-minutes M] [--mesh istio|linkerd] | --export-labeled OUT.csv --hours N [--seed N]',
  options: {
    'export-labeled': { type: 'string', value: 'FILE', description: 'Write a labelled per-pod, per-minute feature CSV (abnormality_class column) and exit' },
    hours: { type: 'string', value: 'N', description: 'With --export-labeled: hours to simulate (default 24; the first has no incident)' },
    listen: { type: 'string', short: 'l', value: 'HOST:PORT', description: 'Where to serve /metrics, /incidents and /healthz' },
    seed: { type: 'string', value: 'N', description: 'Random seed (default 1); same seed, same cluster' },
    speed: { type: 'string', value: 'X', description: 'Clock speed-up (default 1 = real time)' },
    'history-minutes': { type: 'string', value: 'M', description: 'Minutes the cluster has already run at start (default 60)' },
    timestamps: { type: 'boolean', description: 'Write sample timestamps in the exposition' },
    mesh: { type: 'string', value: 'istio|linkerd', description: 'Also export a service mesh\'s series (Istio\'s or Linkerd\'s names) for the call graph (default: none)' },
  },
  async run(v, io) {
    if (typeof v['export-labeled'] === 'string') return exportLabeled(v['export-labeled'], intOption('hours', v.hours, 24), intOption('seed', v.seed, 7), io);
    if (typeof v.listen !== 'string') throw new UsageError('--listen HOST:PORT (or --export-labeled FILE) is required');
    const { host, port } = parseListen(v.listen);
    const seed = intOption('seed', v.seed, 1);
    const speed = intOption('speed', v.speed, 1);
    const history = intOption('history-minutes', v['history-minutes'], 60);
    if (!(speed > 0)) throw new UsageError(`--speed must be above 0, got "${v.speed}"`);
    const now = Date.now();
    const clock = speed === 1 ? systemClock : acceleratedClock(now, speed);
    const mesh = v.mesh ?? 'none';
    if (mesh !== 'istio' && mesh !== 'linkerd' && mesh !== 'none') throw new UsageError(`--mesh must be istio, linkerd or none, got "${String(mesh)}"`);
    const cluster = new SimulatedCluster({ seed, start: now - history * 60_000, mesh, scenario: { quietUntil: now + 5 * 60_000 } });
    cluster.advanceTo(now);
    const exporter = await startExporter({ cluster, clock, host, port, withTimestamps: v.timestamps === true, inject: true });
    io.stderr(`kad simulate: ${cluster.pods().length} pods; metrics at ${exporter.url}/metrics, ground truth at ${exporter.url}/incidents (POST one to inject it)\n`);
    await untilAborted(io.stopSignal);
    await exporter.close();
    return 0;
  },
};

/**
 * `kad simulate --export-labeled`: the labelled data set, written all or nothing, step by step as it is
 * simulated (memory does not grow with the hours); SIGINT/SIGTERM stop it between simulated hours.
 */
async function exportLabeled(path: string, hours: number, seed: number, io: CommandIO): Promise<number> {
  if (!(hours > 0)) throw new UsageError(`--hours must be above 0, got ${hours}`);
  const { simulatorLabeledSteps, labeledFeatureNames, labeledCsvHeader, labeledCsvLine } = await import('../evaluate/simulator-labeled.js');
  const out = openOutputFile(path);
  try {
    let last = 0;
    const names = labeledFeatureNames();
    const d = names.length;
    let chunk: string[] = [labeledCsvHeader(names)];
    let rows = 0;
    const counts = new Map<string, number>();
    let steps = 0;
    for (const s of simulatorLabeledSteps({
      hours, seed,
      onProgress: (done, total) => {
        if (done === total || performance.now() - last > 2000) {
          last = performance.now();
          io.stderr(`kad simulate: ${done}/${total} minutes simulated\n`);
        }
      },
    })) {
      for (let r = 0; r < s.pods.length; r++) {
        chunk.push(labeledCsvLine(s.t, s.data, r * d, d, s.labels[r]));
        counts.set(s.labels[r], (counts.get(s.labels[r]) ?? 0) + 1);
      }
      rows += s.pods.length;
      if (++steps % STEPS_PER_LOOK === 0) {
        out.write(Buffer.from(chunk.join('\n') + '\n'));
        chunk = [];
        await yieldAndCheck(io.stopSignal);
      }
    }
    if (chunk.length) out.write(Buffer.from(chunk.join('\n') + '\n'));
    out.commit();
    io.stderr(`kad simulate: wrote ${rows} rows to ${path} (${[...counts].map(([c, n]) => `${c} ${n}`).join(', ')})\n`);
    return 0;
  } finally {
    out.discard();
  }
}

/** Simulated steps between two looks at the stop signal (and writes) of the export: an hour, some 30 ms of work. */
const STEPS_PER_LOOK = 60;
