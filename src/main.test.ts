import { describe, expect, it } from 'vitest';
import { loadConfig } from './config/load.js';
import { ConfigError } from './core/errors.js';
import { podModelFactory } from './main.js';
import { createDetector } from './detectors/index.js';
import type { DetectorSnapshot } from './core/snapshot.js';

describe('podModelFactory (KAD_DETECTOR)', () => {
  it('builds the per-workload pod model by default', () => {
    const make = podModelFactory(loadConfig({ env: {} }));
    const m = make(1);
    expect(m.kind).toBe('max');
    expect(typeof m.fit).toBe('function');
  });

  it('builds the registry\'s pod-model: with the config\'s defaults it is the kind\'s defaults; IFOREST_* settings reach it', () => {
    expect(podModelFactory(loadConfig({ env: {} }))(3).toJSON()).toEqual(createDetector('pod-model', {}, 3).toJSON());
    const m = podModelFactory(loadConfig({ env: { IFOREST_N_ESTIMATORS: '10', IFOREST_MAX_SAMPLES: '64', IFOREST_CONTAMINATION: '0.05' } }))(1);
    const calibrated = (m.toJSON().state as { members: DetectorSnapshot[] }).members[0];
    expect(calibrated.params).toMatchObject({ quantile: 0.95, k: 1 });
    const forest = ((calibrated.state as { inner: DetectorSnapshot }).inner.state as { steps: DetectorSnapshot[] }).steps[1];
    expect(forest.params).toMatchObject({ nEstimators: 10, maxSamples: 64, contamination: 0.05 });
  });

  it('builds any registry kind, with the pod features\' scale floors where the kind takes them', () => {
    const robust = podModelFactory(loadConfig({ env: { KAD_DETECTOR: 'robust-z' } }))(1);
    expect(robust.kind).toBe('robust-z');
    expect((robust.toJSON().params as { minScale?: number[] }).minScale).toHaveLength(5);
    expect(podModelFactory(loadConfig({ env: { KAD_DETECTOR: 'hst' } }))(1).kind).toBe('hst');
  });

  it('refuses an unknown kind at boot, naming the setting and the known kinds', () => {
    expect(() => podModelFactory(loadConfig({ env: { KAD_DETECTOR: 'magic' } }))).toThrow(ConfigError);
    expect(() => podModelFactory(loadConfig({ env: { KAD_DETECTOR: 'magic' } }))).toThrow(/KAD_DETECTOR="magic" is invalid: must be pod-model or one of .*ensemble/);
  });
});
