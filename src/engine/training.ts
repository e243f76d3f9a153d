/**
 * Training: the rows of a lookback window of history (every pod point the learn gate lets through, as
 * feature vectors, per workload and all together), and the models fitted on them: one per workload
 * with enough rows, and a cluster-wide one that scores every other pod; and the models as the data of a
 * model file (`kad train` writes it, `kad serve` loads it).
 */
import { ModelFormatError } from '../core/errors.js';
import { BUILT_IN_FEATURES, CUSTOM_FEATURE_NAME, MESH_FEATURES, POD_FEATURES } from '../core/feature-names.js';
import { frameFromRows } from '../core/frame.js';
import { hash32, hashString } from '../core/rng.js';
import type { PodSnapshot } from '../core/samples.js';
import { podKey, workloadKey } from '../core/series.js';
import type { DetectorSnapshot } from '../core/snapshot.js';
import type { BatchDetector, Detector, Explainer } from '../detectors/base.js';
import { loadDetector } from '../detectors/index.js';
import type { EngineModels } from '../registry/model-store.js';

/**
 * A pod model: any detector. One with `fit` (a batch model such as the default pod model) is fitted
 * on the lookback window; a streaming one (no `fit`) learns the window point by point, then keeps
 * learning every scored point the policy lets it learn. Explains its scores when it can.
 */
export type PodModel = Detector & Partial<BatchDetector> & Partial<Explainer>;

/** The models one training run made (or a model file held). */
export interface TrainedModels {
  /** Workload key (`namespace/workload`) → its own model. */
  workloads: Map<string, PodModel>;
  /** The cluster-wide model, for pods of workloads without their own (batch models). */
  cluster: PodModel;
  /** Streaming models (kinds without `fit`): pod key (`namespace/pod`) → the pod's own model, which keeps learning. */
  pods?: Map<string, PodModel>;
  /** End of the training window, epoch ms. */
  trainedAt: number;
  /** Training rows (pod points) of the cluster model. */
  rows: number;
  /** Short, sortable id of the run (see {@link versionOf}). */
  version: string;
  /** The feature names of the models' vectors, in order (pod-features.ts `podFeatureNames`). */
  features: readonly string[];
}

/** Settings of {@link fitModels}. */
export interface FitOptions {
  seed: number;
  /** Workloads with fewer rows than this use the cluster-wide model. Default 30. */
  minWorkloadRows?: number;
}

/** The training rows of a history window, built one snapshot at a time (oldest first). */
export class TrainingSet {
  /** Workload key → its rows and their times. */
  readonly byWorkload = new Map<string, { rows: number[][]; times: number[] }>();
  /** Every row, and its time. */
  readonly all: number[][] = [];
  readonly times: number[] = [];

  /**
   * Adds the snapshot's pods, `vectors` being their feature vectors by `namespace/pod`, except the
   * points `mayLearn` refuses (what the policy called anomalous is not learned as normal).
   */
  add(snap: PodSnapshot, vectors: ReadonlyMap<string, Float64Array>, mayLearn: (key: string, t: number) => boolean): void {
    for (const p of snap.pods) {
      const key = podKey(p.ref);
      if (!mayLearn(key, snap.t)) continue;
      const row = Array.from(vectors.get(key)!);
      this.all.push(row);
      this.times.push(snap.t);
      const wk = workloadKey(p.ref);
      let w = this.byWorkload.get(wk);
      if (!w) this.byWorkload.set(wk, (w = { rows: [], times: [] }));
      w.rows.push(row);
      w.times.push(snap.t);
    }
  }
}

/**
 * Fits a model per workload with at least `minWorkloadRows` rows (seeded from the seed and the
 * workload's name) and the cluster model on all rows; `end` is the window's end.
 */
export function fitModels(set: TrainingSet, createModel: (seed: number) => PodModel, o: FitOptions, end: number, features: readonly string[]): TrainedModels {
  const minRows = o.minWorkloadRows ?? 30;
  const workloads = new Map<string, PodModel>();
  for (const [wk, { rows, times }] of set.byWorkload) {
    if (rows.length < minRows) continue;
    const m = createModel(hash32(o.seed, hashString(wk)));
    fitModel(m, rows, times, features);
    workloads.set(wk, m);
  }
  const cluster = createModel(o.seed);
  fitModel(cluster, set.all, set.times, features);
  return { workloads, cluster, trainedAt: end, rows: set.all.length, version: versionOf(end, o.seed), features };
}

/** Fits a batch model on the rows, or feeds a streaming one the rows in time order. */
function fitModel(m: PodModel, rows: number[][], times: number[], features: readonly string[]): void {
  if (m.fit) {
    m.fit(frameFromRows(features, rows));
    return;
  }
  for (let i = 0; i < rows.length; i++) m.learnOne(Float64Array.from(rows[i]), times[i]);
}

/** A short, sortable version id for a training run: UTC time of the data's end and the seed. */
export function versionOf(t: number, seed: number): string {
  return `${new Date(t).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-s${seed}`;
}

/** The models as the data of a model file. */
export function toModelFile(m: TrainedModels): EngineModels {
  return {
    kind: 'kad-pod-models',
    formatVersion: 1,
    version: m.version,
    trainedAt: m.trainedAt,
    features: [...m.features],
    featureVersion: FEATURE_VERSION,
    trainingRows: m.rows,
    cluster: m.cluster.toJSON(),
    workloads: Object.fromEntries([...m.workloads].map(([k, w]) => [k, w.toJSON()])),
    ...(m.pods?.size ? { pods: Object.fromEntries([...m.pods].map(([k, p]) => [k, p.toJSON()])) } : {}),
  };
}

/**
 * The version of the pod features' definitions (src/features/pod-features.ts), written into model
 * files: a file of an older version has the same feature names computed another way, so its models
 * would misread today's vectors. 1: until CPU was read above a floor of 1 millicore; 2: above 1
 * millicore per core of the pod's CPU limit.
 */
export const FEATURE_VERSION = 2;

/**
 * Why models saved in `m` should not score today's vectors although their feature names match: a
 * file of an older {@link FEATURE_VERSION} (absent: 1). Null when they may.
 */
export function staleFeatures(m: Pick<EngineModels, 'featureVersion'>): string | null {
  const v = m.featureVersion ?? 1;
  return v < FEATURE_VERSION ? `the models were trained on pod features of version ${v}; this kad computes version ${FEATURE_VERSION} (CPU read above 1 millicore per core of the pod's limit)` : null;
}

/**
 * Throws {@link ModelFormatError} unless models trained on features `trained` can score vectors of
 * features `expected` (the same names in the same order), naming the first feature that differs:
 * one the models lack, or one they have that this kad does not compute. A custom series (config
 * `features.custom`, here `custom`: the config's names) is named as one, with what to change.
 */
export function checkFeatures(trained: readonly string[], expected: readonly string[], custom: readonly string[] = []): void {
  if (trained.length === expected.length && trained.every((f, i) => f === expected[i])) return;
  const retrain = 'retrain with `kad train`';
  const extra = trained.find((f) => !expected.includes(f));
  if (extra !== undefined && CUSTOM_FEATURE_NAME.test(extra) && !BUILT_IN_FEATURES.includes(extra)) {
    throw new ModelFormatError(`models were trained with custom feature ${extra}, which this config does not define (features.custom): ${retrain}, or add it to the config`);
  }
  if (extra !== undefined) throw new ModelFormatError(`models were trained with feature ${extra}, which this kad does not compute: ${retrain}, or give kad the data it was trained on`);
  const missing = expected.find((f) => !trained.includes(f));
  if (missing !== undefined && custom.includes(missing)) {
    throw new ModelFormatError(`models were trained without custom feature ${missing}, which the config adds (features.custom): ${retrain}, or remove it from the config`);
  }
  if (missing !== undefined) throw new ModelFormatError(`models were trained without feature ${missing}, which this kad computes: ${retrain}`);
  throw new ModelFormatError(`models were trained on features [${trained.join(',')}] in another order than this kad's [${expected.join(',')}]: ${retrain}`);
}

/**
 * The parts of a model file's feature list: the pod's own features, then custom series' names, then
 * the mesh's or none (pod-features.ts `podFeatureNames`). Throws {@link ModelFormatError} naming the
 * first feature that is out of place or that no kad computes.
 */
export function featureLayout(features: readonly string[]): { mesh: boolean; custom: string[] } {
  const at = features.indexOf(MESH_FEATURES[0]);
  const mesh = at >= 0;
  const n = POD_FEATURES.length;
  // Custom series sit between the pod's own and the mesh's first (a file from a kad with fewer mesh features names the one it lacks).
  const custom = features.slice(n, mesh ? Math.max(n, at) : features.length);
  const expected = [...POD_FEATURES, ...custom.filter((f) => CUSTOM_FEATURE_NAME.test(f) && !BUILT_IN_FEATURES.includes(f)), ...(mesh ? MESH_FEATURES : [])];
  checkFeatures(features, expected);
  return { mesh, custom };
}

/**
 * The models of a model file. Throws {@link ModelFormatError} when they do not fit this kad: another
 * kind or format, or features other than the pod's own, custom series' and the mesh's (the feature named;
 * whether the custom series are the config's, cycle.ts `useModels` checks).
 */
export function fromModelFile(m: EngineModels): TrainedModels {
  if (m?.kind !== 'kad-pod-models') throw new ModelFormatError(`not a kad model file (kind ${JSON.stringify(m?.kind)}, expected "kad-pod-models")`);
  if (m.formatVersion !== 1) throw new ModelFormatError(`model file has formatVersion ${JSON.stringify(m.formatVersion)}; this kad reads formatVersion 1`);
  if (!Array.isArray(m.features) || !m.features.every((f) => typeof f === 'string')) throw new ModelFormatError('model file has no feature list ("features"): retrain with `kad train`');
  const features = [...m.features];
  featureLayout(features);
  const asModel = (s: DetectorSnapshot, what: string): PodModel => {
    try {
      return loadDetector(s) as PodModel;
    } catch (e) {
      throw new ModelFormatError(`${what}: ${(e as Error).message}`);
    }
  };
  const workloads = new Map(Object.entries(m.workloads ?? {}).map(([k, s]) => [k, asModel(s, `workload ${k}`)] as const));
  const cluster = asModel(m.cluster, 'cluster model');
  const pods = m.pods ? new Map(Object.entries(m.pods).map(([k, s]) => [k, asModel(s, `pod ${k}`)] as const)) : undefined;
  return { workloads, cluster, ...(pods ? { pods } : {}), trainedAt: m.trainedAt, rows: m.trainingRows, version: m.version, features };
}
