import { describe, expect, it } from 'vitest';
import { InputError, ModelFormatError } from '../core/errors.js';
import { createDetector, detectorEntry, detectorKinds, loadDetector, onlyAboveKinds, prepareDetectors } from './index.js';
import { MaxDetector } from './max.js';
import { IsolationForest } from './iforest.js';
import { Pipeline } from './pipeline.js';

describe('detector registry', () => {
  // First in this file: the module state starts without lstm-ae's module.
  it('builds lstm-ae only once prepareDetectors has loaded TensorFlow.js for a spec that names it', async () => {
    expect(() => createDetector('lstm-ae', {}, 1)).toThrow(/prepareDetectors/);
    await prepareDetectors(['adaptive', { members: [{ kind: 'zmax' }] }]);
    expect(() => createDetector('lstm-ae', {}, 1)).toThrow(/TensorFlow\.js/);
    await prepareDetectors({ kind: 'ensemble', params: { members: [{ kind: 'lstm-ae' }] } });
    expect(createDetector('lstm-ae', {}, 1).kind).toBe('lstm-ae');
  });

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

  it('lists the kinds users name, pod-model included; snapshot-only kinds load but are not created', () => {
    expect(detectorKinds()).toEqual(['adaptive', 'ensemble', 'hst', 'iforest', 'lstm-ae', 'novelty', 'onset', 'pod-model', 'profile-z', 'robust-z', 'seasonal-band', 'subspace', 'zmax']);
    for (const kind of ['calibrated', 'max', 'standard-scaler']) {
      expect(() => createDetector(kind, {}, 1)).toThrow(InputError);
      expect(detectorEntry(kind)).toBeUndefined();
    }
    const pod = createDetector('pod-model', {}, 1);
    expect(pod).toBeInstanceOf(MaxDetector);
    expect(loadDetector(JSON.parse(JSON.stringify(pod.toJSON()))).kind).toBe('max');
    expect(() => createDetector('pod-model', { nTrees: 3 }, 1)).toThrow(/pod-model: unknown parameter "nTrees"/);
  });

  it('says in each entry which service settings a kind takes as the pod model', () => {
    const service = { nEstimators: 7, maxSamples: 'auto' as const, contamination: 0.1, minScale: [1, 2], onlyAbove: [1] };
    const taken = Object.fromEntries(detectorKinds().map((k) => [k, detectorEntry(k)!.podParams?.(service) ?? {}]));
    expect(taken).toEqual({
      adaptive: {
        members: [
          { kind: 'novelty', params: { minScale: [1, 2], onlyAbove: [1] } },
          { kind: 'zmax', params: { unionBound: true, minScale: [1, 2], onlyAbove: [1] } },
          { kind: 'profile-z', params: { binSeconds: 600, smoothBins: 1, minScale: [1, 2], onlyAbove: [1] } },
          { kind: 'subspace', params: { minFeatures: 2, memorySeconds: 30 * 86_400, minScale: [1, 2], onlyAbove: [1] } },
        ],
      },
      ensemble: {}, hst: {}, iforest: {}, 'lstm-ae': {}, novelty: { minScale: [1, 2], onlyAbove: [1] }, 'seasonal-band': {},
      onset: { minScale: [1, 2] }, 'profile-z': { minScale: [1, 2], onlyAbove: [1] }, 'robust-z': { minScale: [1, 2], onlyAbove: [1] },
      subspace: { minScale: [1, 2], onlyAbove: [1] }, zmax: { minScale: [1, 2], onlyAbove: [1] },
      'pod-model': service,
    });
    // Every kind builds with what it takes.
    for (const k of detectorKinds()) expect(createDetector(k, taken[k], 1).threshold).toBeGreaterThan(0);
    // The kinds flagged as taking onlyAbove (kad score --only-above) are the ones the service passes it to.
    expect(onlyAboveKinds()).toEqual(detectorKinds().filter((k) => k !== 'adaptive' && 'onlyAbove' in taken[k]));
  });
});
