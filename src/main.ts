/**
 * Wiring only (CONVENTIONS.md point 2): builds the source, the telemetry, the engine and the HTTP
 * server from a validated config, and returns a handle to stop them.
 */
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { Config } from './config/schema.js';
import { acceleratedClock, systemClock, type Clock } from './core/clock.js';
import { ConfigError } from './core/errors.js';
import { buildServer } from './api/server.js';
import { createPodModel } from './detectors/pod-model.js';
import { Engine } from './engine/engine.js';
import { SimulatedCluster } from './simulator/cluster.js';
import { SimulatorSource } from './sources/simulator.js';
import type { Source } from './sources/base.js';
import { createTelemetry } from './telemetry/metrics.js';
import { VERSION } from './version.js';

/** A running service. */
export interface Service {
  url: string;
  engine: Engine;
  close(): Promise<void>;
}

/** Options for {@link startService} beyond the config (tests pass a clock). */
export interface ServiceOptions {
  clock?: Clock;
}

/** Starts `kad serve`: the engine loop and the HTTP server. */
export async function startService(config: Readonly<Config>, opts: ServiceOptions = {}): Promise<Service> {
  const log = pino({ level: config.log.level });
  const registry = new Registry();
  const telemetry = createTelemetry(registry, { processMetrics: true });
  const lookbackMs = config.training.lookbackMinutes * 60_000;
  const stepMs = config.training.queryStepSeconds * 1000;

  let source: Source;
  let clock: Clock;
  let incidents: (() => unknown[]) | undefined;
  if (config.prometheus.url) {
    throw new ConfigError(`PROMETHEUS_URL=${config.prometheus.url}: the Prometheus source is not available in this version; unset PROMETHEUS_URL to watch the embedded simulated cluster`);
  } else {
    const now = Date.now();
    clock = opts.clock ?? (config.simulator.speed === 1 ? systemClock : acceleratedClock(now, config.simulator.speed));
    // The simulated cluster starts a little before the training window, so there is history to learn from.
    const cluster = new SimulatedCluster({ seed: config.simulator.seed, start: clock.now() - lookbackMs - 10 * 60_000, scenario: { quietUntil: clock.now() + 5 * 60_000 } });
    source = new SimulatorSource(cluster);
    incidents = () => cluster.incidents();
  }

  const engine = new Engine({
    source,
    clock,
    telemetry,
    createModel: (seed) => createPodModel(config, seed),
    log,
    options: {
      lookbackMs,
      stepMs,
      retrainMs: config.training.retrainMinutes * 60_000,
      consecutive: config.policy.consecutive,
      seed: config.detector.seed,
    },
  });
  const app = await buildServer(
    { engine, telemetry, version: VERSION, incidents, info: { prometheusUrl: config.prometheus.url ?? null } },
    { logger: log },
  );
  let url: string;
  try {
    url = await app.listen({ host: config.server.host, port: config.server.port });
  } catch (e) {
    await source.close();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      throw new ConfigError(`cannot listen on ${config.server.host}:${config.server.port} (${code === 'EADDRINUSE' ? 'the port is in use' : 'permission denied'}); set PORT (or --port) to another port`);
    }
    throw e;
  }
  const stop = new AbortController();
  const loop = engine.run(stop.signal);
  log.info({ source: source.name, url }, 'kad serving');
  return {
    url,
    engine,
    async close() {
      stop.abort();
      await loop;
      await app.close();
      await source.close();
    },
  };
}
