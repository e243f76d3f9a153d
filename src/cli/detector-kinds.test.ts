import { describe, expect, it } from 'vitest';
import { detectorKinds } from '../detectors/index.js';
import { HELP_DETECTOR_KINDS, SLOW_DETECTOR_KINDS } from './detector-kinds.js';

describe('HELP_DETECTOR_KINDS', () => {
  it('is the registry\'s list of kinds (add a kind to both)', () => {
    expect([...HELP_DETECTOR_KINDS]).toEqual(detectorKinds());
  });
});

describe('SLOW_DETECTOR_KINDS', () => {
  it('names registered kinds only', () => {
    for (const k of Object.keys(SLOW_DETECTOR_KINDS)) expect(detectorKinds()).toContain(k);
  });
});
