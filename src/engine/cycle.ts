/**
 * One scoring cycle, as data passing from stage to stage: a snapshot → features → the pod models →
 * peer comparison → the policy (alert state, learn gate, early warning, topology inhibition along
 * the call graph it is given) → a {@link CycleResult}. No
 * I/O, no timers, no clock: time comes with each snapshot, so the same cycle runs live (the
 * {@link Engine} feeds it from a source) and on recorded data (see replay.ts) at full speed.
 * Training on a window of history snapshots is here too, since its first run warms the live state.
 */
import { ModelFormatError, NotReadyError } from '../core/errors.js';
import type { PodSnapshot } from '../core/samples.js';
import { hash32, hashString } from '../core/rng.js';
import { podKey, workloadKey, type PodRef } from '../core/series.js';
import { loadDetector } from '../detectors/index.js';
import type { CustomSeries } from '../core/feature-names.js';
import { MESH_FEATURES, podFeatureNames, podFeatureScoring, PodFeatureExtractor } from '../features/pod-features.js';
import { ExhaustionMonitor, exhaustionMonitorParams } from '../forecast/exhaustion-monitor.js';
import { PeerSignals, peerInputs, warmingUp } from '../peers/peer-signals.js';
import { AlertInhibition, type FiringElsewhere } from '../policy/alert-inhibition.js';
import { AlertPolicy, type AlertDecision, type AlertPolicyParams } from '../policy/alert-policy.js';
import { FlagCalibrator } from '../policy/flag-calibrator.js';
import type { AnomalyFinding, CycleResult, PodOutcome, PodResult } from '../policy/cycle-result.js';
import { EarlyWarning, type EarlyWarningOptions } from '../policy/early-warning.js';
import { LearnGate } from '../policy/learn-gate.js';
import type { WorkloadBars } from '../policy/workload-bars.js';
import type { CallGraph } from '../policy/topology-inhibition.js';
import { checkFeatures, fitModels, TrainingSet, versionOf, type PodModel, type TrainedModels } from './training.js';

/** Settings of a {@link ScoringCycle} (from the config). */
export interface CycleOptions {
  /** Training window, ms. */
  lookbackMs: number;
  /** Time between snapshots, ms. */
  stepMs: number;
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
  /** Early warning of memory / CPU exhaustion (see policy/early-warning.ts); null or unset: off. */
  earlyWarning?: EarlyWarningOptions | null;
  /**
   * Calibrated flags (policy/flag-calibrator.ts), as `kad score`'s `is_anomaly`: a pod's point is hot
   * for the alert policy when its score is rarer than this share of the pod's own past scores (a
   * batch-trained model's threshold must be reached too; see `decide`). Until a pod has the
   * calibrator's warm-up of scores, hot is the pod model's own threshold. 0 or unset: always the
   * model's threshold.
   */
  targetFalseAlarmRate?: number;
  /**
   * The service mesh's features (pod-features.ts `MESH_FEATURES`) after the pod's own: true, false
   * (KAD_MESH=off), or unset: on when the first history the cycle sees has mesh data for some pod, or
   * as the models loaded before it ({@link ScoringCycle.useModels}) were trained. Fixed from then on.
   */
  meshFeatures?: boolean;
  /**
   * The config's custom series (`features.custom`): their values (`PodSample.custom`) are features
   * after the pod's own, their `scaleFloor`s the peer group's floors (`onlyAbove`, which side of its peers is odd); models trained without one of
   * them, or with another, are refused ({@link ScoringCycle.useModels}). Default none.
   */
  customFeatures?: readonly Pick<CustomSeries, 'name' | 'scaleFloor' | 'onlyAbove'>[];
}

/** The stages of a scoring cycle and their state; see the module comment. */
export class ScoringCycle {
  /** The feature extractor of the live cycle; replaced once the feature set is fixed (see {@link fixFeatures}). */
  private features = new PodFeatureExtractor();
  /** The feature names of every vector, once fixed (null before the first history or models). */
  private names: readonly string[] | null = null;
  private readonly policy: AlertPolicy;
  private readonly gate: LearnGate;
  private readonly peers: PeerSignals | null;
  private readonly exhaustion: ExhaustionMonitor | null;
  private readonly warnings: EarlyWarning | null;
  private current: TrainedModels | null = null;
  private readonly latest = new Map<string, PodResult>();
  private readonly flags: FlagCalibrator | null;
  private readonly inhibition: AlertInhibition;
  /** Whether the pod model learns as it goes (a kind without `fit`): then each pod has its own. */
  readonly streaming: boolean;
  /** Streaming: each pod's workload, the time of the last point its model learned and how many it learned. */
  private readonly learned = new Map<string, { workload: string; until: number; n: number }>();
  /** Streaming: each pod's own model (also the current models' `pods`). */
  private readonly podModels = new Map<string, PodModel>();
  /** Alert episodes under a workload score floor: the episode's peak score and whether it was reported (see {@link muted}). */
  private readonly episodes = new Map<string, { peak: number; shown: boolean }>();
  /** Streaming: the features of history fed by {@link warm} before the first training. */
  private warmFeatures = new PodFeatureExtractor();
  /** The names of the custom series (options `customFeatures`). */
  private readonly custom: readonly string[];

  /**
   * @param bars per-workload score floors set by false-alarm feedback (policy/workload-bars.ts), read
   *   every cycle: an alert at or below its workload's floor is muted; unset: none.
   */
  constructor(readonly options: Readonly<CycleOptions>, private readonly createModel: (seed: number) => PodModel, private readonly bars?: WorkloadBars) {
    this.streaming = typeof createModel(options.seed).fit !== 'function';
    this.policy = new AlertPolicy(options.policy);
    this.gate = new LearnGate({ stepMs: options.stepMs, keepMs: options.lookbackMs });
    this.custom = (options.customFeatures ?? []).map((c) => c.name);
    this.peers = options.peerGroup === false ? null : new PeerSignals({ peer: podFeatureScoring(options.customFeatures) });
    const ew = options.earlyWarning;
    this.exhaustion = ew ? new ExhaustionMonitor(exhaustionMonitorParams(ew)) : null;
    this.warnings = ew ? new EarlyWarning(ew) : null;
    const rate = options.targetFalseAlarmRate ?? 0;
    this.flags = rate > 0 ? new FlagCalibrator({ targetFalseAlarmRate: rate }) : null;
    // A source's rates look back one window (a cycle): a caller's still carry a callee's trouble one
    // cycle after the callee's alert resolves, so a callee that fired in the previous cycle still inhibits.
    this.inhibition = new AlertInhibition({ stepMs: options.stepMs, lookbackSteps: 1 });
  }

  /** The call graph (workload keys) along which alerts are inhibited from the next cycle on; see policy/alert-inhibition.ts. */
  useCallGraph(graph: CallGraph): void {
    this.inhibition.useGraph(graph);
  }

  /** The models scoring now (null before training). */
  get models(): TrainedModels | null {
    return this.current;
  }

  /** The feature names of the cycle's vectors, once fixed by a first history or loaded models (else null). */
  get featureNames(): readonly string[] | null {
    return this.names;
  }

  /** Fixes the feature set, with or without the mesh's, unless already fixed. */
  private fixFeatures(mesh: boolean): void {
    if (this.names) return;
    const custom = this.custom;
    this.names = podFeatureNames(mesh, custom);
    this.features = new PodFeatureExtractor({ mesh, custom });
    this.warmFeatures = new PodFeatureExtractor({ mesh, custom });
  }

  /** Fixes the feature set from a first history: the mesh's features when set so, or when some pod has mesh data. */
  private featuresFor(history: readonly PodSnapshot[]): void {
    if (this.names) return;
    this.fixFeatures(this.options.meshFeatures ?? history.some((s) => s.pods.some((p) => Number.isFinite(p.requestRate))));
  }

  /**
   * Scores with these models from now on (e.g. loaded from a model file) instead of training. Throws
   * a ModelFormatError, naming the feature, when they were trained on other features than the
   * cycle's (fixed, or the mesh's turned off by the options, or other custom series than the options').
   */
  useModels(m: TrainedModels): void {
    const mesh = m.features.includes(MESH_FEATURES[0]);
    if (this.names) checkFeatures(m.features, this.names, this.custom);
    else if (mesh && this.options.meshFeatures === false) {
      throw new ModelFormatError(`models were trained with feature ${MESH_FEATURES[0]}, which this kad does not compute (KAD_MESH=off): retrain with \`kad train\`, or turn the mesh on`);
    } else checkFeatures(m.features, podFeatureNames(mesh, this.custom), this.custom);
    this.fixFeatures(mesh);
    this.current = m;
    if (this.streaming) this.adoptPods(m);
  }

  /** The latest result of every pod still present. */
  results(): IterableIterator<PodResult> {
    return this.latest.values();
  }

  /** Number of pods with a result. */
  get pods(): number {
    return this.latest.size;
  }

  /**
   * Trains on history snapshots (oldest first) ending at `end`, leaving out the points the learn
   * gate held. The first training also warms the live state on them (features, exhaustion trends);
   * score its last snapshot with `decide` false then to publish scores at once. Throws
   * {@link NotReadyError} when the history holds fewer than 2 pod points.
   */
  train(history: readonly PodSnapshot[], end: number): TrainedModels {
    const first = this.current === null;
    this.featuresFor(history);
    const names = this.names!;
    const extractor = first ? this.features : new PodFeatureExtractor({ mesh: this.features.mesh, custom: this.custom });
    const set = new TrainingSet();
    const mayLearn = (key: string, t: number) => this.gate.mayLearn(key, t);
    let rows = 0;
    for (const snap of history) {
      const vectors = extractor.update(snap);
      // The early warning's trends start from the history (once: it only takes points in time order).
      if (first && this.exhaustion) for (const p of snap.pods) this.exhaustion.observe(p, snap.t, podKey(p.ref));
      if (this.streaming) rows += this.catchUp(snap, vectors);
      else set.add(snap, vectors, mayLearn);
    }
    if (this.streaming) {
      if (this.learned.size === 0) throw new NotReadyError(`Not enough history to train: no pod samples in the last ${this.options.lookbackMs / 60_000} min`);
      const prev = this.current;
      const m: TrainedModels = { workloads: new Map(), cluster: prev?.cluster ?? this.createModel(this.options.seed), pods: this.podModels, trainedAt: end, rows: (prev?.rows ?? 0) + rows, version: versionOf(end, this.options.seed), features: names };
      this.current = m;
      return m;
    }
    if (set.all.length < 2) {
      throw new NotReadyError(`Not enough history to train: ${set.all.length} pod samples in the last ${this.options.lookbackMs / 60_000} min`);
    }
    this.current = fitModels(set, this.createModel, this.options, end, names);
    return this.current;
  }

  /**
   * Streaming pod models, before the first training: each pod's model scores and learns these history
   * snapshots (oldest first; older than the training window), so that it has seen a day's cycle before
   * it scores live (engine.ts fetches `warmupMs` of history in chunks). No-op for batch models.
   */
  warm(history: readonly PodSnapshot[]): void {
    if (!this.streaming) return;
    this.featuresFor(history);
    for (const snap of history) this.catchUp(snap, this.warmFeatures.update(snap));
  }

  /**
   * Streaming: each pod of the snapshot whose model has not learned this time scores the point (its
   * flag calibration learns the score) and learns it, unless the learn gate holds it. Returns the
   * points learned.
   */
  private catchUp(snap: PodSnapshot, vectors: ReadonlyMap<string, Float64Array>): number {
    let n = 0;
    for (const p of snap.pods) {
      const key = podKey(p.ref);
      const model = this.podModel(key, workloadKey(p.ref));
      const l = this.learned.get(key)!;
      if (snap.t <= l.until || warmingUp(p, snap.t) || !this.gate.mayLearn(key, snap.t)) continue;
      const x = vectors.get(key)!;
      this.flags?.learn(key, model.scoreOne(x, snap.t));
      model.learnOne(x, snap.t);
      l.until = snap.t;
      l.n++;
      n++;
    }
    return n;
  }

  /** Streaming: the pods' models of loaded {@link TrainedModels} become theirs (learned up to its `trainedAt`); `m.pods` is the cycle's map from then on. */
  private adoptPods(m: TrainedModels): void {
    if (m.pods && m.pods !== this.podModels) {
      for (const [key, model] of m.pods) {
        this.podModels.set(key, model);
        this.learned.set(key, { workload: '', until: m.trainedAt, n: this.options.minWorkloadRows ?? 30 });
      }
    }
    m.pods = this.podModels;
  }

  /**
   * Streaming: pod `key`'s own model. A pod seen for the first time starts from a copy of the model
   * (and flag calibration) of the sibling of its workload that has learned the most, once that one has
   * learned `minWorkloadRows` points (a new replica behaves as its siblings do, and a fresh model would
   * find everything new); else from a fresh model seeded from the seed and the pod's key.
   */
  private podModel(key: string, workload: string): PodModel {
    const own = this.podModels.get(key);
    if (own) {
      const l = this.learned.get(key)!;
      if (l.workload === '') l.workload = workload;
      return own;
    }
    let sibling: string | undefined;
    let most = (this.options.minWorkloadRows ?? 30) - 1;
    for (const [k, l] of this.learned) {
      if (l.workload === workload && l.n > most) {
        sibling = k;
        most = l.n;
      }
    }
    const model = sibling !== undefined ? (loadDetector(this.podModels.get(sibling)!.toJSON()) as PodModel) : this.createModel(hash32(this.options.seed, hashString(key)));
    if (sibling !== undefined) this.flags?.copy(sibling, key);
    this.podModels.set(key, model);
    this.learned.set(key, { workload, until: sibling !== undefined ? this.learned.get(sibling)!.until : -Infinity, n: sibling !== undefined ? most : 0 });
    return model;
  }

  /**
   * Scores a snapshot and, with `decide` (the default), lets the policy decide, the models learn what
   * the learn gate admits, and the early warning observe. Pods missing from the snapshot are
   * forgotten. Throws {@link NotReadyError} before the first training.
   */
  score(snap: PodSnapshot, decide = true, elsewhere?: FiringElsewhere): CycleResult {
    const m = this.current;
    if (!m) throw new NotReadyError('No model trained yet');
    const vectors = this.features.update(snap);
    this.peers?.update(peerInputs(snap, vectors));
    const seen = new Set<string>();
    const pods: PodOutcome[] = [];
    for (const p of snap.pods) {
      const key = podKey(p.ref);
      seen.add(key);
      const x = vectors.get(key)!;
      const wk = workloadKey(p.ref);
      const own = m.workloads.get(wk);
      const model = this.streaming ? this.podModel(key, wk) : (own ?? m.cluster);
      const modelScore = model.scoreOne(x, snap.t);
      const peerScore = this.peers?.scoreOnScale(key, model.threshold) ?? 0;
      const score = Math.max(modelScore, peerScore);
      this.peers?.observeScore(key, score);
      // A streaming pod model neither flags nor learns a pod in its first 10 minutes (warmingUp, as the
      // peer group does not compare it): a new replica's start-up is not an alert and does not widen
      // what its model calls normal.
      const young = this.streaming && warmingUp(p, snap.t);
      const d = decide ? this.decide(key, young ? 0 : score, snap.t, model.threshold) : undefined;
      const floor = this.bars?.floor(wk) ?? 0;
      const threshold = Math.max(floor, this.barOf(key, model.threshold, d?.enter));
      // The learn gate holds the points the policy keeps from learning (the next retraining leaves
      // them out too); a streaming model learns the others right after scoring the same pod
      // (detectors may keep per-point state between scoreOne and learnOne of one time).
      // (A streaming model learns each time once: the first live cycle may be at the last trained time.)
      const l = this.learned.get(key);
      if (d && this.gate.admit(key, snap.t, d) && l && !young && snap.t > l.until) {
        model.learnOne(x, snap.t);
        l.until = snap.t;
        l.n++;
      }
      const { firing, started } = this.muted(key, d, score, floor);
      const features: Record<string, number> = {};
      m.features.forEach((n, j) => (features[n] = x[j]));
      const anomaly = firing ? this.finding(key, x, model, peerScore, threshold, m.features) : null;
      const result: PodResult = { ref: p.ref, t: snap.t, sample: p, score, flagged: firing, features, model: this.streaming ? 'pod' : own ? 'workload' : 'cluster', modelScore, peerScore, threshold, anomaly };
      const outcome: PodOutcome = { result, started, anomaly, warnings: [] };
      if (decide && this.exhaustion && this.warnings) {
        const w = this.warnings.decide(key, this.exhaustion.observe(p, snap.t, key), snap.t);
        result.exhaustion = { memorySeconds: w.memory.tteSeconds, cpuSeconds: w.cpu.tteSeconds, warnings: w.firing };
        outcome.warnings = w.firing.map((resource) => ({ resource, estimate: { ...w[resource] } }));
      }
      this.latest.set(key, result);
      pods.push(outcome);
    }
    if (decide) {
      this.inhibition.apply(snap.t, pods, elsewhere);
      for (const o of pods) if (o.inhibitedBy) o.result.inhibitedBy = o.inhibitedBy;
    }
    const departed: PodRef[] = [];
    for (const [key, r] of this.latest) {
      if (seen.has(key)) continue;
      departed.push(r.ref);
      this.latest.delete(key);
      this.policy.forget(key);
      this.episodes.delete(key);
      this.flags?.forget(key);
      this.podModels.delete(key);
      this.learned.delete(key);
      this.peers?.forget(key);
      this.gate.forget(key);
      this.exhaustion?.forget(key);
      this.warnings?.forget(key);
      this.inhibition.forget(key);
    }
    this.gate.expire(snap.t);
    return { t: snap.t, decided: decide, modelVersion: m.version, pods, departed };
  }

  /**
   * The policy's decision on a pod's score. With calibrated flags, a point is hot when it is rarer than
   * the target rate among the pod's own past scores (tail probability p < rate: the policy gets 1 − p
   * against base 1 − rate, as flag-calibrator.ts says): for a streaming pod model, exactly `kad
   * score`'s `is_anomaly`. A model retrained in batches (per workload) must also call the point
   * anomalous (score ≥ its threshold): its scores change scale at every retraining, so the pod's
   * calibration, learned on the previous models' scores, lags behind them (measured on
   * bench:detection: pod-model without this floor, 103 stray flags in 102,080 pod-cycles; with it, 0;
   * adaptive per pod 0 either way, and on Nezha through the service the floor cost 2 of 17 faults).
   * While the pod's calibration warms up, and with calibration off, hot is the model's threshold
   * alone. The calibration learns the scores the policy lets the model learn (not an incident's,
   * within the learn gate's hour).
   */
  private decide(key: string, score: number, t: number, threshold: number): AlertDecision {
    const flags = this.flags;
    if (flags === null) return this.policy.observe(key, score, t, threshold);
    const d = flags.warm(key)
      ? this.policy.observe(key, this.streaming || score >= threshold ? 1 - flags.pValue(key, score) : 0, t, 1 - flags.rate)
      : this.policy.observe(key, score, t, threshold);
    if (d.learn) flags.learn(key, score);
    return d;
  }

  /**
   * What is reported of pod `key`'s decision `d` under its workload's score `floor` (the highest peak
   * of its false alarms; 0: none): a firing alert stays silent (not flagged, no anomaly) while every
   * score of its episode is at or below the floor, and is reported as starting at the first score
   * above it. The policy's state and what the models learn are those of `d` (muting changes what is
   * told, not what is learned). Without a floor, `d` as it is.
   */
  private muted(key: string, d: AlertDecision | undefined, score: number, floor: number): { firing: boolean; started: boolean } {
    if (!d?.firing) {
      this.episodes.delete(key);
      return { firing: false, started: false };
    }
    let e = this.episodes.get(key);
    if (floor <= 0 && e === undefined) return { firing: true, started: d.started };
    if (e === undefined || d.started) this.episodes.set(key, (e = { peak: -Infinity, shown: false }));
    e.peak = Math.max(e.peak, score);
    if (e.peak <= floor) return { firing: false, started: false };
    const started = !e.shown;
    e.shown = true;
    return { firing: true, started };
  }

  /**
   * The score at or above which pod `key`'s point is hot now, as {@link decide} judges: the policy's
   * enter level `enter` (its decision's; unset: the plain level), read back from the calibrated
   * flags' tail probability (1 − enter) when the pod's calibration is warm (for a batch-trained
   * model, at least its `threshold`).
   */
  private barOf(key: string, threshold: number, enter: number | undefined): number {
    const flags = this.flags;
    if (flags !== null && flags.warm(key)) {
      const bar = flags.scoreAt(key, enter !== undefined ? 1 - enter : flags.rate);
      return this.streaming ? bar : Math.max(threshold, bar);
    }
    return enter ?? threshold;
  }

  /** What a firing pod's alert states: its top features, whether its replicas call it the outlier, the shape of its recent scores. */
  private finding(key: string, x: Float64Array, model: PodModel, peerScore: number, threshold: number, names: readonly string[]): AnomalyFinding {
    const peer = this.peers?.get(key);
    return {
      threshold,
      topFeatures: model.explain ? model.explain(x, names).slice(0, 3) : [],
      peer: peer && peerScore >= model.threshold ? { score: peerScore, feature: names[peer.peerFeature] ?? null } : null,
      change: this.peers?.changeOf(key) ?? 'none',
    };
  }
}

