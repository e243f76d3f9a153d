/**
 * The detector contract over every kind of the registry, by a loop (CONVENTIONS.md point 11): a kind
 * registered in `index.ts` is checked here without anyone writing a test for it, with its defaults
 * unless {@link SETTINGS} says otherwise.
 */
import { describe, expect, it } from 'vitest';
import { detectorContract } from './contract.testkit.js';
import { createDetector, detectorKinds, prepareDetectors } from './index.js';

// lstm-ae's module (TensorFlow.js) is loaded on demand (detectors/index.ts).
await prepareDetectors('lstm-ae');

/** Contract settings of one run: a name suffix, the kind's settings, the ROC-AUC floor, the features. */
interface ContractRun {
  name?: string;
  params?: Record<string, unknown>;
  aucFloor?: number;
  dims?: number;
}

// Small lstm-ae settings so the suite trains in seconds on the cpu backend: two trainings per 2,000-point stream.
const SMALL_LSTM = { window: 8, hidden: 8, epochs: 2, minTrain: 200, retrainEvery: 1000, maxTrain: 600 };

/** Kind-specific runs; a kind not named here runs once with its defaults and the testkit's floor. */
const SETTINGS: Readonly<Record<string, readonly ContractRun[]>> = {
  adaptive: [{ aucFloor: 0.8 }],
  ensemble: [{ aucFloor: 0.85 }],
  hst: [{ aucFloor: 0.9 }, { name: '8 features', aucFloor: 0.9, dims: 8 }],
  iforest: [{ aucFloor: 0.9 }, { name: '8 features, contamination 0.02', params: { contamination: 0.02 }, aucFloor: 0.9, dims: 8 }],
  'lstm-ae': [{ params: SMALL_LSTM, aucFloor: 0.9 }],
  // The default scores rises only: planted anomalies that go down in every feature are not its business, hence the floor.
  onset: [{ aucFloor: 0.85 }, { name: 'both directions, 8 features', params: { direction: 'both' }, aucFloor: 0.9, dims: 8 }],
  // The service's pod model (calibrated scaler + forest, max with zmax) on the generic fixture.
  'pod-model': [{ aucFloor: 0.85 }],
  'profile-z': [{ aucFloor: 0.9 }, { name: '8 features', aucFloor: 0.9, dims: 8 }],
  'robust-z': [{ aucFloor: 0.9 }, { name: '8 features', aucFloor: 0.9, dims: 8 }],
  // The planted fixture has no season, so this runs the non-seasonal path (median/MAD band, then ETS);
  // measured ROC-AUC 0.951 (4 features) and 0.93 (8). Inside the band scores 0, so normal points tie.
  'seasonal-band': [{ aucFloor: 0.9 }, { name: '8 features', aucFloor: 0.9, dims: 8 }],
  zmax: [{ aucFloor: 0.85 }],
};

const covered: string[] = [];
for (const kind of detectorKinds()) {
  covered.push(kind);
  for (const run of SETTINGS[kind] ?? [{}]) {
    detectorContract(run.name ? `${kind} (${run.name})` : kind, (seed) => createDetector(kind, run.params ?? {}, seed), run);
  }
}

describe('detector contract coverage', () => {
  it('runs the contract for every kind of detectorKinds(), pod-model included', () => {
    expect(covered).toEqual(detectorKinds());
    expect(covered).toContain('pod-model');
  });

  it('has settings only for registered kinds (a renamed kind does not keep stale settings)', () => {
    for (const kind of Object.keys(SETTINGS)) expect(detectorKinds(), kind).toContain(kind);
  });
});
