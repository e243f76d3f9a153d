/**
 * The detector kinds users name, for help text only: `kad score --help` and `kad evaluate --help`
 * list them without loading the registry (which loads TensorFlow.js for lstm-ae, about 0.3 s). The
 * registry (`detectorKinds()` in src/detectors/index.ts) stays the truth: a test checks this list
 * against it.
 */
export const HELP_DETECTOR_KINDS: readonly string[] = Object.freeze([
  'adaptive', 'ensemble', 'hst', 'iforest', 'lstm-ae', 'novelty', 'onset', 'pod-model', 'profile-z', 'robust-z', 'seasonal-band', 'subspace', 'zmax',
]);

/**
 * Kinds too slow for `kad evaluate`'s default run, which leaves them out unless named with
 * `--detector`; each with what it costs. Measured on two NAB series (8,064 rows, score and learn, one
 * core of a busy 2-core machine): lstm-ae 280 rows/s, seasonal-band 5,900 rows/s, every other kind
 * 25,000 rows/s or more (the NAB corpus of ../shared/data, 228,000 rows: about 14 minutes and 40 s,
 * against 10 s or less).
 */
export const SLOW_DETECTOR_KINDS: Readonly<Record<string, string>> = Object.freeze({
  'lstm-ae': 'about 280 rows/s: 14 min on NAB',
  'seasonal-band': 'about 6,000 rows/s: 40 s on NAB, many minutes on ASD',
});
