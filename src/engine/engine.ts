/**
 * The loop: on start, train one model per workload on `lookback` of history; then every step, fetch
 * the pods' current metrics, turn them into features, score them, let the policy decide, and publish
 * the result (state for the API, gauges for /metrics). Failures of the source are recorded and
 * retried; they never stop the loop.
 */
import type { Clock } from '../core/clock.js';
import { NotReadyError } from '../core/errors.js';
import { frameFromRows } from '../core/frame.js';
import { hash32, hashString } from '../core/rng.js';
import { podKey, workloadKey, type PodRef } from '../core/series.js';
import type { BatchDetector, Detector } from '../detectors/base.js';
import { POD_FEATURES, PodFeatureExtractor } from '../features/pod-features.js';
import { ConsecutivePolicy } from '../policy/consecutive.js';
import type { PodSample, PodSnapshot, Source } from '../sources/base.js';
import type { Telemetry } from '../telemetry/metrics.js';

/** A trainable pod model. */
export type PodModel = Detector & BatchDetector;

/** Minimal logger (fastify's pino logger fits). */
export interface Logger {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  debug(obj: object | string, msg?: string): void;
}

/** Engine settings (from the config). */
export interface EngineOptions {
  lookbackMs: number;
  stepMs: number;
  /** Retrain every this many ms; 0 = never. */
  retrainMs: number;
  consecutive: number;
  seed: number;
  /** Workloads with fewer training rows than this use the cluster-wide model. Default 30. */
  minWorkloadRows?: number;
}

/** Everything the engine needs, passed in (CONVENTIONS.md point 6). */
export interface EngineDeps {
  source: Source;
  clock: Clock;
  telemetry: Telemetry;
  log: Logger;
  /** Makes a fresh, untrained model with the given seed. */
  createModel: (seed: number) => PodModel;
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
}

/** Schedules source → features → detectors → policy and keeps the latest result per pod. */
export class Engine {
  private readonly features = new PodFeatureExtractor();
  private readonly policy: ConsecutivePolicy;
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

  constructor(private readonly deps: EngineDeps) {
    this.policy = new ConsecutivePolicy(deps.options.consecutive);
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
    const byWorkload = new Map<string, number[][]>();
    const all: number[][] = [];
    for (const snap of snaps) {
      const vectors = extractor.update(snap);
      for (const p of snap.pods) {
        const key = podKey(p.ref);
        if (this.wasFlagged(key, snap.t)) continue; // do not learn what we called anomalous
        const row = Array.from(vectors.get(key)!);
        all.push(row);
        const wk = workloadKey(p.ref);
        let rows = byWorkload.get(wk);
        if (!rows) byWorkload.set(wk, (rows = []));
        rows.push(row);
      }
    }
    if (all.length < 2) throw new NotReadyError(`Not enough history to train: ${all.length} pod samples in the last ${options.lookbackMs / 60_000} min`);
    const minRows = options.minWorkloadRows ?? 30;
    const models = new Map<string, PodModel>();
    for (const [wk, rows] of byWorkload) {
      if (rows.length < minRows) continue;
      const m = this.deps.createModel(hash32(options.seed, hashString(wk)));
      m.fit(frameFromRows(POD_FEATURES, rows));
      models.set(wk, m);
    }
    const cluster = this.deps.createModel(options.seed);
    cluster.fit(frameFromRows(POD_FEATURES, all));
    this.models = models;
    this.clusterModel = cluster;
    this.trainedAt = end;
    this.trainingRows = all.length;
    telemetry.modelsTrained.set(models.size + 1);
    telemetry.trainingDuration.observe((performance.now() - started) / 1000);
    log.info({ rows: all.length, workloads: models.size, snapshots: snaps.length, ms: Math.round(performance.now() - started) }, 'trained pod models');
    if (first && snaps.length) this.publish(snaps[snaps.length - 1], false);
  }

  /** One scoring cycle at the clock's current time. */
  async cycle(signal?: AbortSignal): Promise<void> {
    const t0 = performance.now();
    const snap = await this.fetch(() => this.deps.source.current(this.deps.clock.now(), signal));
    this.publish(snap, true);
    this.deps.telemetry.cycleDuration.observe((performance.now() - t0) / 1000);
  }

  /**
   * One iteration of the loop: trains if no model exists or a retrain is due, then scores the
   * current snapshot. Errors propagate (the caller records them); the next call tries again.
   */
  async step(signal?: AbortSignal): Promise<void> {
    const { clock, options } = this.deps;
    if (!this.clusterModel || (options.retrainMs > 0 && clock.now() >= this.nextTrainAt)) {
      await this.train(signal);
      this.nextTrainAt = clock.now() + options.retrainMs;
    }
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

  /** Scores a snapshot, applies the policy (when `decide`), and publishes results and gauges. */
  private publish(snap: PodSnapshot, decide: boolean): void {
    const { telemetry, options } = this.deps;
    const started = performance.now();
    const vectors = this.features.update(snap);
    const seen = new Set<string>();
    for (const p of snap.pods) {
      const key = podKey(p.ref);
      seen.add(key);
      const x = vectors.get(key)!;
      const own = this.models.get(workloadKey(p.ref));
      const model = own ?? this.clusterModel!;
      const score = model.scoreOne(x, snap.t);
      const flagged = decide ? this.policy.observe(key, score, model.threshold) : { flagged: false, started: false };
      const labels = { namespace: p.ref.namespace, pod: p.ref.pod, workload: p.ref.workload };
      telemetry.anomalyScore.set(labels, score);
      telemetry.anomalyFlag.set(labels, flagged.flagged ? 1 : 0);
      if (flagged.started) telemetry.anomaliesDetected.inc({ namespace: p.ref.namespace, workload: p.ref.workload });
      if (flagged.flagged) this.noteFlagged(key, snap.t);
      const features: Record<string, number> = {};
      POD_FEATURES.forEach((n, j) => (features[n] = x[j]));
      this.results.set(key, { ref: p.ref, t: snap.t, sample: p, score, flagged: flagged.flagged, features, model: own ? 'workload' : 'cluster' });
    }
    for (const [key, r] of this.results) {
      if (seen.has(key)) continue;
      // The pod went away: drop its series from /metrics and its state.
      const labels = { namespace: r.ref.namespace, pod: r.ref.pod, workload: r.ref.workload };
      telemetry.anomalyScore.remove(labels);
      telemetry.anomalyFlag.remove(labels);
      this.results.delete(key);
      this.policy.forget(key);
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
  }

  private noteFlagged(key: string, t: number): void {
    let a = this.flaggedTimes.get(key);
    if (!a) this.flaggedTimes.set(key, (a = []));
    a.push(t);
  }
}
