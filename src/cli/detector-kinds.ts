/**
 * The detector kinds users name, for help text only: `kad score --help` and `kad evaluate --help`
 * list them without loading the registry (which loads TensorFlow.js for lstm-ae, about 0.3 s). The
 * registry (`detectorKinds()` in src/detectors/index.ts) stays the truth: a test checks this list
 * against it.
 */
export const HELP_DETECTOR_KINDS: readonly string[] = Object.freeze([
  'adaptive', 'ensemble', 'hst', 'iforest', 'lstm-ae', 'novelty', 'onset', 'pod-model', 'profile-z', 'robust-z', 'seasonal-band', 'subspace', 'zmax',
]);
