/**
 * The service's per-workload pod model: the seeds' StandardScaler + Isolation Forest (with the
 * IFOREST_* settings), alongside a largest-z detector whose per-feature scale floors let it see
 * features that never moved in training (restarts, dropped packets), which Isolation Forest cannot
 * split on. The forest's score is calibrated against its training scores (see `calibrated.ts`) so both
 * share one decision scale; the pod's score is the larger of the two. Saved, it is a `max` snapshot.
 */
import { paramReader } from '../core/params.js';
import { StandardScaler } from '../features/standard-scaler.js';
import { POD_FEATURE_MIN_SCALE, podFeatureOnlyAbove } from '../features/pod-features.js';
import { CalibratedDetector } from './calibrated.js';
import { IsolationForest, type IsolationForestParams } from './iforest.js';
import { MaxDetector } from './max.js';
import { Pipeline } from './pipeline.js';
import { ZMaxDetector } from './zmax.js';

const PARAMS = ['nEstimators', 'maxSamples', 'contamination', 'minScale', 'onlyAbove'];

/**
 * Settings of the pod model. Unset, each is the forest's default (equal to the config schema's
 * IFOREST_* defaults) or, for `minScale` and `onlyAbove`, the pod features'.
 */
export interface PodModelParams extends Pick<IsolationForestParams, 'nEstimators' | 'maxSamples' | 'contamination'> {
  /** The largest-z detector's smallest scale per feature (default `POD_FEATURE_MIN_SCALE`). */
  minScale?: ArrayLike<number>;
  /** The features the largest-z detector scores only above their mean (default `podFeatureOnlyAbove()`: latency, errors, memory, ...). */
  onlyAbove?: readonly number[];
}

/** Builds an untrained pod model, seeded; throws an InputError naming an unknown or bad setting. */
export function createPodModel(params: PodModelParams, seed: number): MaxDetector {
  paramReader('pod-model', params as Record<string, unknown>, PARAMS);
  const { minScale = POD_FEATURE_MIN_SCALE, onlyAbove = podFeatureOnlyAbove(), ...forestParams } = params;
  const iforest = new IsolationForest(forestParams, seed);
  const forest = new Pipeline(new StandardScaler(), iforest);
  const { contamination } = iforest.params;
  // contamination "auto": anchor at the training 99th percentile; a number c: at the (1 − c) quantile, flagging past it.
  const calibration = contamination === 'auto' ? { quantile: 0.99, k: 2 } : { quantile: 1 - contamination, k: 1 };
  return new MaxDetector([new CalibratedDetector(forest, calibration), new ZMaxDetector({ minScale, onlyAbove })]);
}
