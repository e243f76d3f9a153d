import { describe, expect, it } from 'vitest';
import { InputError, ModelFormatError } from '../core/errors.js';
import { createDetector, detectorKinds, loadDetector } from './index.js';
import { IsolationForest } from './iforest.js';
import { Pipeline } from './pipeline.js';

describe('detector registry', () => {
  it('builds "iforest" as the seeds’ model: a StandardScaler in front of an IsolationForest', () => {
    const d = createDetector('iforest', { nEstimators: 10, contamination: 0.1 }, 1);
    expect(d).toBeInstanceOf(Pipeline);
    expect(d.kind).toBe('standard-scaler|iforest');
    expect((d as Pipeline).detector).toBeInstanceOf(IsolationForest);
    expect(((d as Pipeline).detector as IsolationForest).params.nEstimators).toBe(10);
    expect(typeof d.fit).toBe('function');
    expect(detectorKinds()).toContain('iforest');
  });

  it('refuses an unknown kind or setting with an InputError that lists what is known', () => {
    expect(() => createDetector('lstm', {}, 1)).toThrow(InputError);
    expect(() => createDetector('lstm', {}, 1)).toThrow(/known kinds: (.+, )?iforest/);
    expect(() => createDetector('toString', {}, 1)).toThrow(InputError);
    expect(() => createDetector('iforest', { nTrees: 3 }, 1)).toThrow(/unknown parameter "nTrees"/);
  });

  it('loads pipelines and bare forests, and refuses unknown kinds with ModelFormatError', () => {
    const bare = new IsolationForest({}, 2);
    expect(loadDetector(bare.toJSON())).toBeInstanceOf(IsolationForest);
    const p = createDetector('iforest', {}, 2);
    expect(loadDetector(p.toJSON()).kind).toBe('standard-scaler|iforest');
    expect(() => loadDetector({ kind: 'prophet', formatVersion: 1, params: {}, state: null })).toThrow(/known kinds: (.+, )?iforest/);
    expect(() => loadDetector({ kind: 'minmax|iforest', formatVersion: 1, params: {}, state: null })).toThrow(ModelFormatError);
    expect(() => loadDetector(null as never)).toThrow(ModelFormatError);
  });
});
