/**
 * Wiring only (CONVENTIONS.md point 2): builds the source, the telemetry, the engine, the notifier,
 * the event store (with its recorder, the operator feedback and the workload bars) and the HTTP
 * server from a validated config, and returns a handle to stop them.
 */
import { redact } from './core/http-headers.js';
import { pino, type Logger as PinoLogger } from 'pino';
import { Registry } from 'prom-client';
import { checkApiAuth } from './api/auth.js';
import { LiveFeed } from './api/live-feed.js';
import { buildServer } from './api/server.js';
import { classifierDir, stateDir, type Config } from './config/schema.js';
import { acceleratedClock, systemClock, type Clock } from './core/clock.js';
import { ConfigError } from './core/errors.js';
import { ShardOwnership } from './core/shard.js';
import { createDetector, detectorEntry, detectorKinds, prepareDetectors } from './detectors/index.js';
import { podFeatureScoring } from './features/pod-features.js';
import type { ClassifierService } from './engine/classifier-service.js';
import { Engine, type EngineOptions, type PodModel } from './engine/engine.js';
import { staleFeatures } from './engine/training.js';
import { loadProphet } from './forecast/augurs.js';
import { policyParamsFromConfig } from './policy/alert-policy.js';
import { alertmanagerUrls, checkAlertmanagerCluster } from './notify/alertmanager.js';
import type { Notifier } from './notify/base.js';
import { alertExtraLabels, alertmanagerAuth, createNotifier } from './notify/notifier.js';
import { EventRecorder } from './notify/event-recorder.js';
import { ShardAlertWatcher } from './notify/shard-alerts.js';
import { SilenceWatcher } from './notify/silences.js';
import { OperatorFeedback } from './policy/feedback.js';
import { WorkloadBars } from './policy/workload-bars.js';
import { loadModels, ownedModels } from './registry/model-store.js';
import { SimulatedCluster } from './simulator/cluster.js';
import type { Source } from './sources/base.js';
import { PrometheusSource } from './sources/prometheus.js';
import { RemoteWriteSource, remoteWriteSettings } from './sources/remote-write.js';
import { ReplaySource } from './sources/replay.js';
import { ShardedSource } from './sources/sharded.js';
import { SimulatorSource } from './sources/simulator.js';
import { openEventStore, type EventStore } from './store/event-store.js';
import { SeriesStore, seriesStoreOptions } from './store/series-store.js';
import { resumeSimulatedClock } from './store/sim-clock.js';
import { createTelemetry, type Telemetry } from './telemetry/metrics.js';
import { VERSION } from './version.js';

/** What `serve` and `train` share: a source, a clock, telemetry, an engine. */
export interface Runtime {
  config: Readonly<Config>;
  log: PinoLogger;
  clock: Clock;
  source: Source;
  telemetry: Telemetry;
  engine: Engine;
  notifier?: Notifier;
  /** Ground truth, when the source is the simulator. */
  incidents?: () => unknown[];
  /** What this replica owns (KAD_SHARDS, KAD_SHARD); everything with one shard. */
  ownership: ShardOwnership;
  /** The event store every cycle is recorded in (with `eventStore`), its feedback, and the live feed of cycles. */
  events?: EventStore;
  feedback?: OperatorFeedback;
  feed: LiveFeed;
  /** The incident classifier: registry, dataset watch, the namer of firing pods' incidents (with `classifier`). */
  classifiers?: ClassifierService;
  /** A sharded replica with ALERTMANAGER_URL: the other shards' alerts, for topology inhibition (notify/shard-alerts.ts; started by the service). */
  shardAlerts?: ShardAlertWatcher;
}

/** Options for {@link buildRuntime} beyond the config (tests pass a clock or a notifier). */
export interface RuntimeOptions {
  clock?: Clock;
  /** The notifier to use; `'config'` builds one from the config's alert sinks; none: no alerts. */
  notifier?: Notifier | 'config';
  log?: PinoLogger;
  /**
   * Record every cycle in the event store (in `state.dir`, or in memory when it is unset) and apply
   * the workload bars saved there (`kad serve`); default false (`kad train` keeps no events).
   */
  eventStore?: boolean;
  /** Name firing pods' incidents with the production classifier, and train it (`kad serve`); default false. */
  classifier?: boolean;
}

/** Builds the source the config asks for. */
async function createSource(config: Readonly<Config>, clock: Clock, lookbackMs: number, telemetry: Telemetry, shard: ShardOwnership): Promise<{ source: Source; incidents?: () => unknown[] }> {
  const kind: string = config.source.kind === 'auto' ? (config.prometheus.url ? 'prometheus' : 'simulator') : config.source.kind;
  const custom = config.features.custom;
  if (custom.length && kind !== 'prometheus') {
    throw new ConfigError(`features.custom (custom series: ${custom.map((c) => c.name).join(', ')}) needs the Prometheus source, which runs their queries; the source is ${kind} (KAD_SOURCE=${config.source.kind}${config.source.kind === 'auto' ? ', PROMETHEUS_URL unset' : ''}): set PROMETHEUS_URL, or remove features.custom from the config`);
  }
  switch (kind) {
    case 'prometheus':
      if (!config.prometheus.url) throw new ConfigError('KAD_SOURCE=prometheus needs PROMETHEUS_URL (e.g. http://prometheus:9090)');
      return {
        source: PrometheusSource.fromConfig(config.prometheus, {
          mesh: config.mesh.mode, shard, ...(custom.length ? { custom } : {}), onRecordedSeries: (reading) => telemetry.recordedSeries.set(reading ? 1 : 0),
        }),
      };
    case 'metrics-api': {
      // Loaded on demand: @kubernetes/client-node adds ~0.4 s to start-up for everyone else.
      const { MetricsApiSource, metricsApiSettings } = await import('./sources/metrics-api.js');
      return {
        source: new MetricsApiSource({
          kubeconfigPath: config.source.kubeconfig,
          ...metricsApiSettings(config),
          keepMs: Math.max(2 * 3_600_000, 2 * lookbackMs),
          // What it polls goes to a series store of its own (no coarse history: the engine's store keeps that).
          store: new SeriesStore(seriesStoreOptions(config.store, config.training.queryStepSeconds * 1000, false)),
          clock,
        }),
      };
    }
    case 'simulator': {
      // The simulated cluster starts a little before the training window, so there is history to learn from.
      const now = clock.now();
      // It starts a little before the history kad asks for: the training window, the streaming models' warm-up, or the forecasts' days.
      const historyMs = Math.max(lookbackMs, config.training.warmupMinutes * 60_000, config.forecast.enabled ? config.forecast.historyDays * 86_400_000 : 0);
      // Its mesh: Istio's series, or Linkerd's with KAD_MESH=linkerd; none to read with KAD_MESH=off.
      const mesh = config.mesh.mode === 'off' ? 'none' : config.mesh.mode === 'linkerd' ? 'linkerd' : 'istio';
      const cluster = new SimulatedCluster({ seed: config.simulator.seed, start: now - historyMs - 10 * 60_000, mesh, scenario: { quietUntil: now + 5 * 60_000, meshFaults: config.simulator.meshFaults } });
      return { source: new SimulatorSource(cluster, { mesh: config.mesh.mode }), incidents: () => cluster.incidents() };
    }
    case 'replay': {
      if (!config.source.replayDir) throw new ConfigError('KAD_SOURCE=replay needs KAD_REPLAY_DIR (a folder of per-pod CSV files)');
      // The recording plays as if it had started one training window ago: the first window trains, the rest is scored as it comes.
      // Its mesh side (Nezha's mesh files: the pods' mesh fields and the call graph) unless KAD_MESH=off.
      return { source: new ReplaySource({ dir: config.source.replayDir, stepMs: config.training.queryStepSeconds * 1000, startAt: clock.now() - lookbackMs, mesh: config.mesh.mode !== 'off' }) };
    }
    case 'remote-write':
      // Fed by POST /api/v1/write (src/api/remote-write.ts); its metrics go with the service's.
      return { source: new RemoteWriteSource({ ...remoteWriteSettings(config, lookbackMs), clock, registry: telemetry.registry }) };
    default:
      throw new ConfigError(`KAD_SOURCE=${kind}: unknown source`);
  }
}

/**
 * The service's pod model maker for `detector.kind` (KAD_DETECTOR): `adaptive` (the default, as
 * `kad score`'s; a streaming kind, so one per pod: engine/cycle.ts), `pod-model` (per-workload
 * StandardScaler + Isolation Forest with the IFOREST_* settings, and a largest-z detector), or any
 * other kind of the detector registry, with the service settings its registry
 * entry says it takes (`podParams`: the pod features' scale floors with the custom series' `scaleFloor`s, the IFOREST_* settings) and its
 * defaults for the rest. Throws {@link ConfigError} for an unknown kind.
 */
export function podModelFactory(config: Readonly<Config>): (seed: number) => PodModel {
  const kind = config.detector.kind;
  const entry = detectorEntry(kind);
  if (!entry) {
    const others = detectorKinds().filter((k) => k !== 'pod-model');
    throw new ConfigError(`KAD_DETECTOR=${JSON.stringify(kind)} is invalid: must be pod-model or one of ${others.join(', ')}`);
  }
  const { nEstimators, maxSamples, contamination } = config.iforest;
  const params = entry.podParams?.({ nEstimators, maxSamples, contamination, ...podFeatureScoring(config.features.custom) }) ?? {};
  return (seed) => createDetector(kind, params, seed);
}

/**
 * The engine's settings from the config: the training window and step, retraining, the alert policy,
 * the seed, peer groups, early warning, forecasting and the series store's sizes. `kad serve`, `kad train` and the replay
 * evaluation (`kad evaluate --corpus nezha --engine`) all run with these.
 */
export function engineOptions(config: Readonly<Config>): EngineOptions {
  return {
    lookbackMs: config.training.lookbackMinutes * 60_000,
    warmupMs: config.training.warmupMinutes * 60_000,
    stepMs: config.training.queryStepSeconds * 1000,
    retrainMs: config.training.retrainMinutes * 60_000,
    policy: policyParamsFromConfig(config.policy),
    seed: config.detector.seed,
    peerGroup: config.detector.peerGroup,
    earlyWarning: config.earlyWarning.enabled ? config.earlyWarning : null,
    targetFalseAlarmRate: config.policy.targetFalseAlarmRate,
    ...(config.mesh.mode === 'off' ? { meshFeatures: false } : {}),
    ...(config.features.custom.length ? { customFeatures: config.features.custom } : {}),
    forecast: config.forecast.enabled ? { ...config.forecast, scaling: config.scaling } : null,
    store: config.store,
  };
}

/** Whether the source is the embedded simulated cluster (KAD_SOURCE=simulator, or auto without PROMETHEUS_URL). */
function usesSimulator(config: Readonly<Config>): boolean {
  return config.source.kind === 'simulator' || (config.source.kind === 'auto' && !config.prometheus.url);
}

/** Seed of the simulator export the default classifier is trained on: `kad simulate --export-labeled`'s default, so the same command line reproduces it. */
const DEFAULT_CLASSIFIER_EXPORT_SEED = 7;

/**
 * The service's incident classifier from the config (section `classifier`): versions in
 * {@link classifierDir}, the registry in the state directory's database (or the model directory's
 * without one), a watch of `classifier.data` when set, else on the simulator a default classifier
 * trained in the background on `classifier.defaultHours` of its labelled export. Loaded on demand (the
 * classifiers add to start-up only here). Throws {@link ConfigError} for an unknown algorithm, and a
 * StoreError for a registry that cannot be opened when a classifier was asked for (without one: none).
 */
async function createClassifierService(config: Readonly<Config>, telemetry: Telemetry, log: PinoLogger): Promise<ClassifierService | undefined> {
  const [{ ClassifierService }, { classifierKinds }] = await Promise.all([import('./engine/classifier-service.js'), import('./classifiers/index.js')]);
  const c = config.classifier;
  if (!classifierKinds().includes(c.algorithm)) throw new ConfigError(`KAD_CLASSIFIER_ALGORITHM=${JSON.stringify(c.algorithm)} is invalid: must be one of ${classifierKinds().join(', ')}`);
  const simulated = usesSimulator(config) && !c.data && c.defaultHours > 0;
  const options = {
    modelDir: classifierDir(config), stateDir: config.state.dir, promoteMargin: c.promoteMargin, data: c.data, debounceMs: c.debounceMs,
    settings: { target: c.target, kind: c.algorithm, params: {}, testSize: 0.2, seed: c.seed, smote: false, classWeight: false },
    defaultData: simulated ? { module: new URL('./evaluate/simulator-labeled.js', import.meta.url).href, hours: c.defaultHours, seed: DEFAULT_CLASSIFIER_EXPORT_SEED } : undefined,
    telemetry, log,
  };
  try {
    const service = new ClassifierService(options);
    await service.namer.settled(); // a neural production version names incidents from the first cycle
    return service;
  } catch (e) {
    // Nothing asked for a classifier: a default place that cannot be written to must not stop the service.
    if (c.data || c.dir) throw e;
    log.warn({ dir: options.modelDir, err: (e as Error).message }, 'no incident classifier (set KAD_STATE_DIR or KAD_CLASSIFIER_DIR to a writable directory)');
    return undefined;
  }
}

/** Builds the engine and everything it needs from the config. */
export async function buildRuntime(config: Readonly<Config>, opts: RuntimeOptions = {}): Promise<Runtime> {
  await prepareDetectors(config.detector.kind);
  const log = opts.log ?? pino({ level: config.log.level });
  const clock = opts.clock ?? (usesSimulator(config) && config.simulator.speed !== 1 ? acceleratedClock(Date.now(), config.simulator.speed) : systemClock);
  const telemetry = createTelemetry(new Registry(), { processMetrics: true });
  const lookbackMs = config.training.lookbackMinutes * 60_000;
  // A sharded replica sees only the workloads it owns, whatever the source (sources/sharded.ts).
  const ownership = new ShardOwnership({ shard: config.sharding.shard ?? 0, shards: config.sharding.shards, by: config.sharding.by });
  telemetry.shardInfo.set({ shard: String(ownership.shard), shards: String(ownership.shards) }, 1);
  const created = await createSource(config, clock, lookbackMs, telemetry, ownership);
  const incidents = created.incidents;
  const source = new ShardedSource(created.source, ownership, ({ pods, workloads }) => {
    telemetry.shardPods.set(pods);
    telemetry.shardWorkloads.set(workloads);
  });
  // Each custom series' query is asked once now: a bad one stops the start, one that answers nothing is a warning.
  if (created.source instanceof PrometheusSource && config.features.custom.length) {
    let warnings: string[];
    try {
      warnings = await created.source.checkCustomSeries(clock.now());
    } catch (e) {
      await created.source.close();
      throw e;
    }
    for (const w of warnings) process.stderr.write(`kad: warning: ${w}\n`);
  }
  // Prophet's optimizer can only be loaded asynchronously, once, before the first fit.
  if (config.forecast.enabled && config.forecast.model === 'prophet') await loadProphet();
  const notifier = opts.notifier === 'config'
    ? createNotifier(config, { clock, log, onSinkStatus: (sink, up) => telemetry.notifyUp.set({ sink }, up ? 1 : 0) })
    : opts.notifier;
  const feed = new LiveFeed();
  const bars = new WorkloadBars();
  let events: EventStore | undefined;
  let feedback: OperatorFeedback | undefined;
  let recorder: EventRecorder | undefined;
  if (opts.eventStore) {
    events = openEventStore({ dir: config.state.dir, retentionDays: config.state.retentionDays, historyPointsPerPod: config.state.historyPointsPerPod });
    feedback = new OperatorFeedback(events, bars, { now: () => clock.now() });
    feedback.load();
    for (const [key, floor] of bars.entries()) {
      const [namespace, workload] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
      telemetry.workloadFloor.set({ namespace, workload }, floor);
    }
    recorder = new EventRecorder(events, {
      severity: config.alertmanager.severity,
      labels: alertExtraLabels(config.alertmanager),
      onAnomaly: (namespace, workload) => {
        if (bars.floor(`${namespace}/${workload}`) > 0) telemetry.alarmsAfterFeedback.inc({ namespace, workload });
      },
    });
    log.info({ file: events.path, bars: bars.entries().length }, events.inMemory ? 'event store in memory (set KAD_STATE_DIR to keep it across restarts)' : 'event store opened');
  }
  const classifiers = opts.classifier ? await createClassifierService(config, telemetry, log) : undefined;
  // A sharded replica hears of the other replicas' alerts through Alertmanager, so that a callee on another shard inhibits.
  const shardAlerts = ownership.sharded && config.alertmanager.url
    ? new ShardAlertWatcher({ url: config.alertmanager.url, auth: alertmanagerAuth(config.alertmanager), labels: alertExtraLabels(config.alertmanager), shard: ownership, registry: telemetry.registry, log })
    : undefined;
  const engine = new Engine({
    source,
    clock,
    telemetry,
    log,
    notifier,
    observers: recorder ? [recorder, feed] : [feed],
    bars,
    createModel: podModelFactory(config),
    options: engineOptions(config),
    incidents: classifiers,
    firingElsewhere: shardAlerts && (() => shardAlerts.firing()),
  });
  return { config, log, clock, source, telemetry, engine, notifier, incidents, ownership, events, feedback, feed, classifiers, shardAlerts };
}

/** With ALERTMANAGER_URL and the event store: polls Alertmanager's silences as weak feedback (notify/silences.ts). */
function watchSilences(config: Readonly<Config>, rt: Runtime): SilenceWatcher | undefined {
  const { url, silencePollSeconds } = config.alertmanager;
  if (!url || silencePollSeconds === 0 || !rt.events) return undefined;
  const w = new SilenceWatcher({
    url, auth: alertmanagerAuth(config.alertmanager), events: rt.events, now: () => rt.clock.now(), registry: rt.telemetry.registry, log: rt.log, intervalMs: silencePollSeconds * 1000,
    onSilenced: () => rt.telemetry.feedback.inc({ verdict: 'silenced' }),
  });
  w.start();
  return w;
}

/** The source under a {@link ShardedSource}: what serves POST /api/v1/write for remote write. */
function unsharded(source: Source): Source {
  return source instanceof ShardedSource ? source.inner : source;
}

/** A running service. */
export interface Service {
  url: string;
  runtime: Runtime;
  close(): Promise<void>;
}

/** Starts `kad serve`: loads or trains models, runs the engine loop and the HTTP server. */
export async function startService(config: Readonly<Config>, opts: RuntimeOptions = {}): Promise<Service> {
  const logger = opts.log ?? pino({ level: config.log.level });
  // On the simulator the simulated clock continues across restarts (kept in the state directory), so
  // alerts saved by the previous run never end before they started.
  const clock = opts.clock ?? (usesSimulator(config) ? resumeSimulatedClock({ dir: stateDir(config), speed: config.simulator.speed, log: logger }) : undefined);
  checkApiAuth(config.api);
  const rt = await buildRuntime(config, { notifier: 'config', eventStore: true, classifier: true, ...opts, log: logger, ...(clock ? { clock } : {}) });
  const { engine, source, log } = rt;
  if (config.training.modelDir) {
    // A sharded replica keeps the models of its own workloads (registry/model-store.ts ownedModels).
    const saved = loadModels(config.training.modelDir);
    const stale = staleFeatures(saved);
    if (stale) {
      // The file stays as it is; the engine trains new models at its first step, as without a model directory.
      log.warn({ dir: config.training.modelDir, version: saved.version }, `not loading the saved models: ${stale}; training new ones now (run \`kad train --output ${config.training.modelDir}\` to refresh the file)`);
    } else {
      await prepareDetectors(saved);
      engine.importModels(ownedModels(saved, rt.ownership));
      log.info({ dir: config.training.modelDir, version: engine.status().modelVersion, shard: rt.ownership.shard, shards: rt.ownership.shards }, 'loaded models');
    }
  }
  const inner = unsharded(source);
  const app = await buildServer(
    {
      engine, telemetry: rt.telemetry, version: VERSION, incidents: rt.incidents,
      // The URL without its password.
      info: { prometheusUrl: config.prometheus.url ? redact(config.prometheus.url) : null, shard: { shard: rt.ownership.shard, shards: rt.ownership.shards } },
      events: rt.events, feedback: rt.feedback, feed: rt.feed, auth: config.api,
      remoteWrite: inner instanceof RemoteWriteSource ? inner : undefined, classifiers: rt.classifiers,
    },
    { logger: log },
  );
  let url: string;
  try {
    url = await app.listen({ host: config.server.host, port: config.server.port });
  } catch (e) {
    await source.close();
    await rt.classifiers?.close();
    rt.events?.close();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      throw new ConfigError(`cannot listen on ${config.server.host}:${config.server.port} (${code === 'EADDRINUSE' ? 'the port is in use' : 'permission denied'}); set PORT (or --port) to another port`);
    }
    throw e;
  }
  const stop = new AbortController();
  const loop = engine.run(stop.signal);
  const silences = watchSilences(config, rt);
  rt.shardAlerts?.start();
  rt.classifiers?.start();
  // A load-balanced Service in front of an HA Alertmanager is said once at start (off the start's path).
  if (config.alertmanager.url) void checkAlertmanagerCluster(alertmanagerUrls(config.alertmanager.url), alertmanagerAuth(config.alertmanager), log);
  log.info({ source: source.name, url }, 'kad serving');
  return {
    url,
    runtime: rt,
    async close() {
      stop.abort();
      await loop;
      await silences?.stop();
      await rt.shardAlerts?.stop();
      await rt.classifiers?.close();
      await app.close();
      await rt.notifier?.close();
      await source.close();
      rt.events?.close();
    },
  };
}
