/**
 * The service's per-workload pod model: the seeds' StandardScaler + Isolation Forest (with the
 * IFOREST_* settings), alongside a largest-z detector whose per-feature scale floors let it see
 * features that never moved in training (restarts, dropped packets), which Isolation Forest cannot
 * split on. The forest's score is calibrated against its training scores (see `calibrated.ts`) so both
 * share one decision scale; the pod's score is the larger of the two.
 */
import type { Config } from '../config/schema.js';
import { StandardScaler } from '../features/standard-scaler.js';
import { POD_FEATURE_MIN_SCALE } from '../features/pod-features.js';
import { CalibratedDetector } from './calibrated.js';
import { IsolationForest } from './iforest.js';
import { MaxDetector } from './max.js';
import { Pipeline } from './pipeline.js';
import { ZMaxDetector } from './zmax.js';

/** Builds an untrained pod model from the config, seeded. */
export function createPodModel(config: Pick<Readonly<Config>, 'iforest'>, seed: number): MaxDetector {
  const { nEstimators, maxSamples, contamination } = config.iforest;
  const forest = new Pipeline(new StandardScaler(), new IsolationForest({ nEstimators, maxSamples, contamination }, seed));
  // contamination "auto": anchor at the training 99th percentile; a number c: at the (1 − c) quantile, flagging past it.
  const calibration = contamination === 'auto' ? { quantile: 0.99, k: 2 } : { quantile: 1 - contamination, k: 1 };
  return new MaxDetector([new CalibratedDetector(forest, calibration), new ZMaxDetector({ minScale: POD_FEATURE_MIN_SCALE })]);
}
