/**
 * `kad simulate`: serves the simulated cluster as a Prometheus exporter (/metrics) with its ground
 * truth at /incidents, for a real Prometheus to scrape; `POST /incidents` injects an incident now
 * (deploy/compose's demo).
 */
import { acceleratedClock, systemClock } from '../core/clock.js';
import { UsageError } from '../core/errors.js';
import { SimulatedCluster } from '../simulator/cluster.js';
import { startExporter } from '../simulator/exporter.js';
import { untilAborted, type Command } from './command.js';

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
  usage: 'kad simulate --listen HOST:PORT [--seed N] [--speed X] [--history-minutes M] [--mesh istio|linkerd]',
  options: {
    listen: { type: 'string', short: 'l', value: 'HOST:PORT', description: 'Where to serve /metrics, /incidents and /healthz' },
    seed: { type: 'string', value: 'N', description: 'Random seed (default 1); same seed, same cluster' },
    speed: { type: 'string', value: 'X', description: 'Clock speed-up (default 1 = real time)' },
    'history-minutes': { type: 'string', value: 'M', description: 'Minutes the cluster has already run at start (default 60)' },
    timestamps: { type: 'boolean', description: 'Write sample timestamps in the exposition' },
    mesh: { type: 'string', value: 'istio|linkerd', description: 'Also export a service mesh\'s series (Istio\'s or Linkerd\'s names) for the call graph (default: none)' },
  },
  async run(v, io) {
    if (typeof v.listen !== 'string') throw new UsageError('--listen HOST:PORT is required');
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
