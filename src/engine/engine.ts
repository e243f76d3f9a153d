/**
 * The loop: on start, train one model per workload on `lookback` of history; then every step, fetch
 * the pods' current metrics, turn them into features, score them, let the policy decide, and publish
 * the result (state for the API, gauges for /metrics). Failures of the source are recorded and
 * retried; they never stop the loop.
 */
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { NotReadyError } from '../core/errors.js';
import { frameFromRows } from '../core/frame.js';
import { hash32, hashString } from '../core/rng.js';
import { podKey, workloadKey, type PodRef } from '../core/series.js';
import type { BatchDetector, Detector, Explainer } from '../detectors/base.js';
import type { DetectorSnapshot } from '../core/snapshot.js';
import { loadDetector } from '../detectors/index.js';
import { ModelFormatError } from '../core/errors.js';
import type { EngineModels } from '../registry/model-store.js';
import type { FlaggedPod, Notifier, NotifierStatus } from '../notify/base.js';
import { POD_FEATURE_MIN_SCALE, POD_FEATURES, PodFeatureExtractor } from '../features/pod-features.js';
import { AlertPolicy, type AlertPolicyParams } from '../policy/alert-policy.js';
import type { Source } from '../sources/base.js';
import type { PodSample, PodSnapshot } from '../core/samples.js';
import type { Telemetry } from '../telemetry/metrics.js';
import { PeerSignals, type PeerInput } from '../peers/peer-signals.js';
import { EarlyWarning, type EarlyWarningOptions } from '../policy/early-warning.js';
import { FORECAST_METRICS, WorkloadForecasts, type ForecastingOptions } from '../forecast/workload-forecasts.js';
import { STORE_DEFAULTS } from '../store/series-history.js';
import { SeriesStore, seriesStoreOptions } from '../store/series-store.js';

/**
 * A pod model: any detector. One with `fit` (a batch model such as the default pod model) is fitted
 * on the lookback window; a streaming one (no `fit`) learns the window point by point, then keeps
 * learning every scored point the policy lets it learn. Explains its scores when it can.
 */
export type PodModel = Detector & Partial<BatchDetector> & Partial<Explainer>;

/** Engine settings (from the config). */
export interface EngineOptions {
  lookbackMs: number;
  stepMs: number;
  /** Retrain every this many ms; 0 = never. */
  retrainMs: number;
  /** The alert policy's settings (see policy/alert-policy.ts). */
  policy: AlertPolicyParams;
  seed: number;
  /** Workloads with fewer training rows than this use the cluster-wide model. Default 30. */
  minWorkloadRows?: number;
  /**
   * Compare each pod with the other replicas of its workload (3 or more) and take the larger of its
   * model score and its peer-group score (default true).
   */
  peerGroup?: boolean;
  /** Early warning of memory / CPU exhaustion (see early-warning.ts); null or unset: off. */
  earlyWarning?: EarlyWarningOptions | null;
  /** Workload forecasts and replica recommendations (see forecast/workload-forecasts.ts); null or unset: off. */
  forecast?: ForecastingOptions | null;
}

/** Everything the engine needs, passed in (CONVENTIONS.md point 6). */
export interface EngineDeps {
  source: Source;
  clock: Clock;
  telemetry: Telemetry;
  log: Logger;
  /** Makes a fresh, untrained model with the given seed. */
  createModel: (seed: number) => PodModel;
  /** Receives the flagged pods after every scoring cycle (alerts). Optional. */
  notifier?: Notifier;
  /** The series store every cycle is appended to. Default: one sized by the `store` config defaults. */
  store?: SeriesStore;
  options: EngineOptions;
}

/** The latest result for one pod. */
export interface PodResult {
  ref: PodRef;
  t: number;
  sample: PodSample;
  score: number;
  flagged: boolean;
  /** Feature values by name (NaN → null in JSON). */
  features: Record<string, number>;
  /** Which model scored it: the workload's own, or the cluster-wide fallback. */
  model: 'workload' | 'cluster';
  /** The model's own score, before the peer comparison. */
  modelScore: number;
  /** Score against the workload's other replicas (0 with fewer than 3 replicas or peerGroup off). */
  peerScore: number;
  /** Early warning: predicted seconds to the memory and CPU limits (Infinity: not heading there), and the warnings firing. */
  exhaustion?: { memorySeconds: number; cpuSeconds: number; warnings: string[] };
}

/** Health of the engine, for /healthz and /readyz. */
export interface EngineStatus {
  source: string;
  sourceUp: boolean;
  trained: boolean;
  trainedAt: number | null;
  trainingRows: number;
  models: number;
  lastCycleAt: number | null;
  lastError: string | null;
  pods: number;
  modelVersion: string | null;
  notify: NotifierStatus | null;
}

/** Schedules source → features → detectors → policy and keeps the latest result per pod. */
export class Engine {
  private readonly features = new PodFeatureExtractor();
  private readonly policy: AlertPolicy;
  private readonly peers: PeerSignals | null;
  private readonly warnings: EarlyWarning | null;
  private readonly store: SeriesStore;
  private readonly forecasts: WorkloadForecasts | null;
  private backfill: Promise<void> | null = null;
  private readonly backfillAbort = new AbortController();
  private forecastError: string | null = null;
  private models = new Map<string, PodModel>();
  private clusterModel: PodModel | null = null;
  private results = new Map<string, PodResult>();
  private flaggedTimes = new Map<string, number[]>();
  private sourceUp = false;
  private trainedAt: number | null = null;
  private trainingRows = 0;
  private lastCycleAt: number | null = null;
  private lastError: string | null = null;
  private nextTrainAt = 0;
  private modelVersion: string | null = null;

  constructor(private readonly deps: EngineDeps) {
    this.policy = new AlertPolicy(deps.options.policy);
    this.peers = deps.options.peerGroup === false ? null : new PeerSignals({ peer: { minScale: Array.from(POD_FEATURE_MIN_SCALE) } });
    this.warnings = deps.options.earlyWarning ? new EarlyWarning(deps.options.earlyWarning) : null;
    this.store = deps.store ?? new SeriesStore(seriesStoreOptions(STORE_DEFAULTS, deps.options.stepMs, !!deps.options.forecast));
    this.forecasts = deps.options.forecast ? new WorkloadForecasts(deps.options.forecast, this.store) : null;
  }

  /** Current health. */
  status(): EngineStatus {
    return {
      source: this.deps.source.name,
      sourceUp: this.sourceUp,
      trained: this.clusterModel !== null,
      trainedAt: this.trainedAt,
      trainingRows: this.trainingRows,
      models: this.models.size + (this.clusterModel ? 1 : 0),
      lastCycleAt: this.lastCycleAt,
      lastError: this.lastError,
      pods: this.results.size,
      modelVersion: this.modelVersion,
      notify: this.deps.notifier?.status() ?? null,
    };
  }

  /** The latest result per pod, sorted by score (highest first). Throws {@link NotReadyError} before training. */
  detect(): PodResult[] {
    if (!this.clusterModel) {
      throw new NotReadyError(`No model trained yet${this.lastError ? `: ${this.lastError}` : ' (training on the first history window)'}`);
    }
    return [...this.results.values()].sort((a, b) => b.score - a.score);
  }

  /** Trains on the lookback window ending now. On the first call the live feature state is warmed too. */
  async train(signal?: AbortSignal): Promise<void> {
    const { options, telemetry, log } = this.deps;
    const end = this.deps.clock.now();
    const started = performance.now();
    const snaps = await this.fetch(() => this.deps.source.history(end - options.lookbackMs, end, options.stepMs, signal));
    const first = this.clusterModel === null;
    const extractor = first ? this.features : new PodFeatureExtractor();
    const byWorkload = new Map<string, { rows: number[][]; times: number[] }>();
    const all: number[][] = [];
    const allTimes: number[] = [];
    for (const snap of snaps) {
      const vectors = extractor.update(snap);
      // The early warning's trends start from the history (once: it only takes points in time order).
      if (first && this.warnings) for (const p of snap.pods) this.warnings.observe(p, snap.t, podKey(p.ref), false);
      for (const p of snap.pods) {
        const key = podKey(p.ref);
        if (this.wasFlagged(key, snap.t)) continue; // do not learn what we called anomalous
        const row = Array.from(vectors.get(key)!);
        all.push(row);
        allTimes.push(snap.t);
        const wk = workloadKey(p.ref);
        let w = byWorkload.get(wk);
        if (!w) byWorkload.set(wk, (w = { rows: [], times: [] }));
        w.rows.push(row);
        w.times.push(snap.t);
      }
    }
    if (all.length < 2) throw new NotReadyError(`Not enough history to train: ${all.length} pod samples in the last ${options.lookbackMs / 60_000} min`);
    const minRows = options.minWorkloadRows ?? 30;
    const models = new Map<string, PodModel>();
    for (const [wk, { rows, times }] of byWorkload) {
      if (rows.length < minRows) continue;
      const m = this.deps.createModel(hash32(options.seed, hashString(wk)));
      fitModel(m, rows, times);
      models.set(wk, m);
    }
    const cluster = this.deps.createModel(options.seed);
    fitModel(cluster, all, allTimes);
    this.models = models;
    this.clusterModel = cluster;
    this.trainedAt = end;
    this.trainingRows = all.length;
    this.modelVersion = versionOf(end, options.seed);
    telemetry.modelsTrained.set(models.size + 1);
    telemetry.trainingDuration.observe((performance.now() - started) / 1000);
    log.info({ rows: all.length, workloads: models.size, snapshots: snaps.length, ms: Math.round(performance.now() - started) }, 'trained pod models');
    if (first && snaps.length) this.publish(snaps[snaps.length - 1], false);
    this.nextTrainAt = end + options.retrainMs;
  }

  /** One scoring cycle at the clock's current time. */
  async cycle(signal?: AbortSignal): Promise<void> {
    const t0 = performance.now();
    const snap = await this.fetch(() => this.deps.source.current(this.deps.clock.now(), signal));
    this.store.append(snap);
    const flagged = this.publish(snap, true);
    if (this.forecasts) this.forecastCycle(snap);
    if (this.deps.notifier) await this.deps.notifier.update(snap.t, flagged);
    this.deps.telemetry.cycleDuration.observe((performance.now() - t0) / 1000);
  }

  /** The trained models as data, for `kad train`. Throws {@link NotReadyError} before training. */
  exportModels(): EngineModels {
    if (!this.clusterModel || this.trainedAt === null || !this.modelVersion) throw new NotReadyError('No model trained yet');
    return {
      kind: 'kad-pod-models',
      formatVersion: 1,
      version: this.modelVersion,
      trainedAt: this.trainedAt,
      features: [...POD_FEATURES],
      trainingRows: this.trainingRows,
      cluster: this.clusterModel.toJSON(),
      workloads: Object.fromEntries([...this.models].map(([k, m]) => [k, m.toJSON()])),
    };
  }

  /**
   * Uses models saved by {@link exportModels} instead of training now; the next retrain is due
   * `retrainMs` from now. Throws {@link ModelFormatError} when they do not fit this kad.
   */
  importModels(m: EngineModels): void {
    if (m?.kind !== 'kad-pod-models') throw new ModelFormatError(`not a kad model file (kind ${JSON.stringify(m?.kind)}, expected "kad-pod-models")`);
    if (m.formatVersion !== 1) throw new ModelFormatError(`model file has formatVersion ${JSON.stringify(m.formatVersion)}; this kad reads formatVersion 1`);
    if (JSON.stringify(m.features) !== JSON.stringify(POD_FEATURES)) {
      throw new ModelFormatError(`models were trained on features [${m.features}], this kad uses [${POD_FEATURES.join(',')}]: retrain with \`kad train\``);
    }
    const asModel = (s: DetectorSnapshot, what: string): PodModel => {
      try {
        return loadDetector(s) as PodModel;
      } catch (e) {
        throw new ModelFormatError(`${what}: ${(e as Error).message}`);
      }
    };
    const models = new Map(Object.entries(m.workloads ?? {}).map(([k, s]) => [k, asModel(s, `workload ${k}`)] as const));
    this.clusterModel = asModel(m.cluster, 'cluster model');
    this.models = models;
    this.trainedAt = m.trainedAt;
    this.trainingRows = m.trainingRows;
    this.modelVersion = m.version;
    this.nextTrainAt = this.deps.clock.now() + this.deps.options.retrainMs;
    this.deps.telemetry.modelsTrained.set(models.size + 1);
  }

  /**
   * One iteration of the loop: trains if no model exists or a retrain is due, then scores the
   * current snapshot. Errors propagate (the caller records them); the next call tries again.
   */
  async step(signal?: AbortSignal): Promise<void> {
    const { clock, options } = this.deps;
    if (!this.clusterModel || (options.retrainMs > 0 && clock.now() >= this.nextTrainAt)) await this.train(signal);
    await this.cycle(signal);
  }

  /** Calls {@link step} every `stepMs` until `signal` aborts; failures are logged, reported and retried. */
  async run(signal: AbortSignal): Promise<void> {
    const { clock, options, log } = this.deps;
    let next = clock.now();
    while (!signal.aborted) {
      try {
        await this.step(signal);
        this.lastError = null;
      } catch (e) {
        if (signal.aborted) break;
        this.lastError = (e as Error).message;
        log.warn({ err: this.lastError }, 'engine cycle failed; will retry');
      }
      next = Math.max(next + options.stepMs, clock.now() - options.stepMs);
      // After a failure, retry sooner than a full step (but not in a busy loop).
      const wait = this.lastError ? Math.min(options.stepMs, 5_000) : next - clock.now();
      await clock.sleep(Math.max(0, wait), signal);
    }
    this.backfillAbort.abort();
    await this.backfill;
  }

  /** Workload forecasts (null when forecasting is off). */
  workloadForecasts(): WorkloadForecasts | null {
    return this.forecasts;
  }

  /** Resolves when the forecasts' history backfill (started by the first cycle) has finished. */
  async forecastsLoaded(): Promise<void> {
    await this.backfill;
  }

  /** Forecasting's state: backfilling history, and the backfill's error if it failed. */
  forecastStatus(): { enabled: boolean; backfilling: boolean; lastError: string | null } {
    return { enabled: this.forecasts !== null, backfilling: this.forecasts?.backfilling ?? false, lastError: this.forecastError };
  }

  /** Feeds the cycle's snapshot to the forecasts (starting the history backfill on the first), refits what is due, and publishes. */
  private forecastCycle(snap: PodSnapshot): void {
    const f = this.forecasts!;
    const { source, log, telemetry } = this.deps;
    if (!this.backfill) {
      const signal = this.backfillAbort.signal;
      const started = performance.now();
      this.backfill = f.backfill(snap.t, (start, end, step) => source.history(start, end, step, signal)).then(
        () => {
          log.info({ days: f.options.historyDays, ms: Math.round(performance.now() - started) }, 'forecast history loaded');
          // Forecast now rather than at the next cycle.
          if (!signal.aborted && this.lastCycleAt !== null) {
            f.refresh(this.lastCycleAt);
            this.publishForecasts();
          }
        },
        (e) => {
          this.forecastError = `forecast history: ${(e as Error).message}`;
          if (!signal.aborted) log.warn({ err: this.forecastError }, 'could not load forecast history; forecasts will start from live data');
        },
      );
    }
    f.observe(snap);
    const report = f.refresh(snap.t);
    if (report.refreshed + report.failed > 0) telemetry.forecastRefresh.observe(report.ms / 1000);
    this.publishForecasts();
  }

  /** Sets the forecast, accuracy and recommendation gauges from the latest forecasts. */
  private publishForecasts(): void {
    const t = this.deps.telemetry;
    const f = this.forecasts!;
    for (const g of [t.forecast, t.forecastMase, t.forecastMape, t.forecastCoverage, t.forecastPoor, t.recommendedReplicas, t.scalingPredictive]) g.reset();
    for (const [namespace, workload] of f.workloads()) {
      for (const metric of FORECAST_METRICS) {
        const { forecast: fc, accuracy: acc } = f.get(namespace, workload, metric);
        const l = { namespace, workload, metric };
        if (fc && fc.point.length) {
          const i = fc.point.length - 1;
          const bounds = { point: fc.point[i], lower_80: fc.lower80[i], upper_80: fc.upper80[i], lower_95: fc.lower95[i], upper_95: fc.upper95[i] };
          for (const [bound, v] of Object.entries(bounds)) if (Number.isFinite(v)) t.forecast.set({ ...l, bound }, v);
        }
        if (acc && acc.points > 0) {
          if (Number.isFinite(acc.mase)) t.forecastMase.set(l, acc.mase);
          if (Number.isFinite(acc.mape)) t.forecastMape.set(l, acc.mape);
          if (Number.isFinite(acc.coverage80)) t.forecastCoverage.set({ ...l, level: '0.8' }, acc.coverage80);
          if (Number.isFinite(acc.coverage95)) t.forecastCoverage.set({ ...l, level: '0.95' }, acc.coverage95);
          t.forecastPoor.set(l, acc.poor ? 1 : 0);
        }
      }
    }
    for (const { namespace, workload, recommendation: r } of f.recommendations().values()) {
      t.recommendedReplicas.set({ namespace, workload }, r.replicas);
      t.scalingPredictive.set({ namespace, workload }, r.mode === 'predictive' ? 1 : 0);
    }
  }

  private async fetch<T>(query: () => Promise<T>): Promise<T> {
    const { telemetry, source } = this.deps;
    try {
      const r = await query();
      this.sourceUp = true;
      telemetry.sourceUp.set({ source: source.name }, 1);
      return r;
    } catch (e) {
      this.sourceUp = false;
      telemetry.sourceUp.set({ source: source.name }, 0);
      throw e;
    }
  }

  private wasFlagged(key: string, t: number): boolean {
    const times = this.flaggedTimes.get(key);
    if (!times) return false;
    const half = this.deps.options.stepMs / 2;
    for (const f of times) if (Math.abs(f - t) <= half) return true;
    return false;
  }

  /**
   * Scores a snapshot, applies the policy (when `decide`), publishes results and gauges, and returns
   * the pods flagged now.
   */
  private publish(snap: PodSnapshot, decide: boolean): FlaggedPod[] {
    const { telemetry, options } = this.deps;
    const started = performance.now();
    const vectors = this.features.update(snap);
    this.peers?.update(peerInputs(snap, vectors));
    const seen = new Set<string>();
    const out: FlaggedPod[] = [];
    for (const p of snap.pods) {
      const key = podKey(p.ref);
      seen.add(key);
      const x = vectors.get(key)!;
      const own = this.models.get(workloadKey(p.ref));
      const model = own ?? this.clusterModel!;
      const modelScore = model.scoreOne(x, snap.t);
      // Peer scores are 0.5 at augurs' outlier threshold: on the model's scale when its threshold is 0.5 too.
      const peer = this.peers?.get(key);
      const peerScore = peer && model.threshold === 0.5 ? peer.peerScore : 0;
      const score = Math.max(modelScore, peerScore);
      this.peers?.observeScore(key, score);
      const d = decide ? this.policy.observe(key, score, snap.t, model.threshold) : undefined;
      const firing = d?.firing ?? false;
      const labels = { namespace: p.ref.namespace, pod: p.ref.pod, workload: p.ref.workload };
      telemetry.anomalyScore.set(labels, score);
      telemetry.anomalyFlag.set(labels, firing ? 1 : 0);
      if (d?.started) telemetry.anomaliesDetected.inc({ namespace: p.ref.namespace, workload: p.ref.workload });
      // Points the policy keeps from learning are left out of the next retraining.
      if (d && !d.learn) this.noteFlagged(key, snap.t);
      // A streaming model keeps learning what the policy lets it (right after scoring the same pod:
      // detectors may keep per-point state between scoreOne and learnOne of one time).
      else if (decide && !model.fit) model.learnOne(x, snap.t);
      if (firing) {
        const annotations: Record<string, string> = {};
        if (peerScore >= model.threshold && peer) annotations.peer_outlier = `unlike the other replicas of ${p.ref.workload} in ${POD_FEATURES[peer.peerFeature] ?? 'its features'} (peer score ${peerScore.toPrecision(6)})`;
        const change = this.peers?.changeOf(key);
        if (change && change !== 'none') annotations.change = change;
        out.push({
          namespace: p.ref.namespace, pod: p.ref.pod, workload: p.ref.workload, node: p.ref.node,
          score, threshold: model.threshold, modelVersion: this.modelVersion ?? 'unknown',
          topFeatures: model.explain ? model.explain(x, POD_FEATURES).slice(0, 3) : [],
          annotations,
        });
      }
      const features: Record<string, number> = {};
      POD_FEATURES.forEach((n, j) => (features[n] = x[j]));
      const result: PodResult = { ref: p.ref, t: snap.t, sample: p, score, flagged: firing, features, model: own ? 'workload' : 'cluster', modelScore, peerScore };
      if (decide && this.warnings) {
        const w = this.warnings.observe(p, snap.t, key);
        result.exhaustion = { memorySeconds: w.memory.tteSeconds, cpuSeconds: w.cpu.tteSeconds, warnings: w.firing };
        for (const res of ['memory', 'cpu'] as const) {
          const l = { ...labels, resource: res };
          const tte = w[res].tteSeconds;
          if (Number.isFinite(tte)) telemetry.timeToExhaustion.set(l, tte);
          else telemetry.timeToExhaustion.remove(l);
          telemetry.earlyWarning.set(l, w.firing.includes(res) ? 1 : 0);
        }
        out.push(...this.warnings.alerts(p, w, this.modelVersion ?? 'unknown'));
      }
      this.results.set(key, result);
    }
    for (const [key, r] of this.results) {
      if (seen.has(key)) continue;
      // The pod went away: drop its series from /metrics and its state.
      const labels = { namespace: r.ref.namespace, pod: r.ref.pod, workload: r.ref.workload };
      telemetry.anomalyScore.remove(labels);
      telemetry.anomalyFlag.remove(labels);
      for (const resource of ['memory', 'cpu']) {
        telemetry.timeToExhaustion.remove({ ...labels, resource });
        telemetry.earlyWarning.remove({ ...labels, resource });
      }
      this.warnings?.forget(key);
      this.results.delete(key);
      this.policy.forget(key);
      this.peers?.forget(key);
      this.flaggedTimes.delete(key);
    }
    if (decide) telemetry.predictions.inc(snap.pods.length);
    telemetry.podsScored.set(snap.pods.length);
    telemetry.inferenceDuration.observe((performance.now() - started) / 1000);
    telemetry.lastCycle.set(snap.t / 1000);
    this.lastCycleAt = snap.t;
    const horizon = snap.t - options.lookbackMs;
    for (const [key, times] of this.flaggedTimes) {
      while (times.length && times[0] < horizon) times.shift();
      if (!times.length) this.flaggedTimes.delete(key);
    }
    return out;
  }

  private noteFlagged(key: string, t: number): void {
    let a = this.flaggedTimes.get(key);
    if (!a) this.flaggedTimes.set(key, (a = []));
    a.push(t);
  }
}

/** Pods younger than this are not compared with their peers (they warm up: caches, JIT, connections). */
const PEER_MIN_AGE_MS = 10 * 60_000;

/**
 * The peer-group inputs of a snapshot: pods grouped by ReplicaSet (the pod name without its last
 * `-suffix`, within the workload), so that during a rollout old and new pods are not compared with
 * each other, and without pods that started in the last 10 minutes.
 */
function peerInputs(snap: PodSnapshot, vectors: ReadonlyMap<string, Float64Array>): PeerInput[] {
  const out: PeerInput[] = [];
  for (const p of snap.pods) {
    if (p.startedAt !== undefined && snap.t - p.startedAt < PEER_MIN_AGE_MS) continue;
    const key = podKey(p.ref);
    out.push({ key, workload: `${workloadKey(p.ref)}/${p.ref.pod.replace(/-[^-]+$/, '')}`, x: vectors.get(key)! });
  }
  return out;
}

/** Fits a batch model on the rows, or feeds a streaming one the rows in time order. */
function fitModel(m: PodModel, rows: number[][], times: number[]): void {
  if (m.fit) {
    m.fit(frameFromRows(POD_FEATURES, rows));
    return;
  }
  for (let i = 0; i < rows.length; i++) m.learnOne(Float64Array.from(rows[i]), times[i]);
}

/** A short, sortable version id for a training run: UTC time of the data's end and the seed. */
function versionOf(t: number, seed: number): string {
  return `${new Date(t).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-s${seed}`;
}
