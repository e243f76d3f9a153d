/**
 * The detector registry: builds a detector from a kind, settings and a seed, and loads one from a
 * snapshot. The kinds users name (`--detector`, config, the API) are the keys of the table in
 * {@link detectorKinds}; "iforest" is the seeds' model, a `StandardScaler` in front of an
 * `IsolationForest`, whose snapshots have kind `standard-scaler|iforest` (see `pipeline.ts`).
 * Snapshots of bare steps ("iforest", a bare forest) and of any `<transformer>|<detector>` pipeline
 * load too.
 */
import { InputError, ModelFormatError } from '../core/errors.js';
import { StandardScaler } from '../features/standard-scaler.js';
import type { BatchDetector, Detector } from './base.js';
import type { DetectorSnapshot } from '../core/snapshot.js';
import { AdaptiveDetector, type AdaptiveParams } from './adaptive.js';
import { CalibratedDetector } from './calibrated.js';
import { EnsembleDetector, type EnsembleParams } from './ensemble.js';
import { IsolationForest, type IsolationForestParams } from './iforest.js';
import { HalfSpaceTrees, type HalfSpaceTreesParams } from './hst.js';
import { LstmAutoencoder, type LstmAeParams } from './lstm-ae.js';
import { MaxDetector } from './max.js';
import { OnsetDetector, type OnsetParams } from './onset.js';
import { NoveltyDetector, type NoveltyParams } from './novelty.js';
import { Pipeline, type Transformer } from './pipeline.js';
import { ProfileZDetector, type ProfileZParams } from './profile-z.js';
import { RobustZDetector, type RobustZParams } from './robust-z.js';
import { SeasonalBandDetector, type SeasonalBandParams } from './seasonal-band.js';
import { ZMaxDetector, type ZMaxParams } from './zmax.js';

/** What the registry hands out: a streaming detector that may also fit and score in batch. */
export type AnyDetector = Detector & Partial<BatchDetector>;

// Frozen tables of constructors (no state): user-facing kinds, then saved detector and transformer kinds.
const FACTORIES: Readonly<Record<string, (params: Record<string, unknown>, seed: number) => AnyDetector>> = Object.freeze({
  iforest: (params: Record<string, unknown>, seed: number) => new Pipeline(new StandardScaler(), new IsolationForest(params as IsolationForestParams, seed)),
  zmax: (params: Record<string, unknown>) => new ZMaxDetector(params as ZMaxParams),
  'robust-z': (params: Record<string, unknown>) => new RobustZDetector(params as RobustZParams),
  hst: (params: Record<string, unknown>, seed: number) => new HalfSpaceTrees(params as HalfSpaceTreesParams, seed),
  'lstm-ae': (params: Record<string, unknown>, seed: number) => new LstmAutoencoder(params as LstmAeParams, seed),
  'seasonal-band': (params: Record<string, unknown>, seed: number) => new SeasonalBandDetector(params as SeasonalBandParams, seed),
  onset: (params: Record<string, unknown>) => new OnsetDetector(params as OnsetParams),
  'profile-z': (params: Record<string, unknown>) => new ProfileZDetector(params as ProfileZParams),
  novelty: (params: Record<string, unknown>) => new NoveltyDetector(params as NoveltyParams),
  ensemble: (params: Record<string, unknown>, seed: number) => new EnsembleDetector(params as EnsembleParams, seed, createDetector),
  adaptive: (params: Record<string, unknown>, seed: number) => new AdaptiveDetector(params as AdaptiveParams, seed, createDetector),
});
const DETECTORS: Readonly<Record<string, (s: DetectorSnapshot) => AnyDetector>> = Object.freeze({
  iforest: (s: DetectorSnapshot) => IsolationForest.fromJSON(s),
  zmax: (s: DetectorSnapshot) => ZMaxDetector.fromJSON(s),
  'robust-z': (s: DetectorSnapshot) => RobustZDetector.fromJSON(s),
  hst: (s: DetectorSnapshot) => HalfSpaceTrees.fromJSON(s),
  'lstm-ae': (s: DetectorSnapshot) => LstmAutoencoder.fromJSON(s),
  'seasonal-band': (s: DetectorSnapshot) => SeasonalBandDetector.fromJSON(s),
  onset: (s: DetectorSnapshot) => OnsetDetector.fromJSON(s),
  'profile-z': (s: DetectorSnapshot) => ProfileZDetector.fromJSON(s),
  calibrated: (s: DetectorSnapshot) => CalibratedDetector.fromJSON(s, loadDetector),
  max: (s: DetectorSnapshot) => MaxDetector.fromJSON(s, loadDetector),
  novelty: (s: DetectorSnapshot) => NoveltyDetector.fromJSON(s),
  ensemble: (s: DetectorSnapshot) => EnsembleDetector.fromJSON(s, loadDetector),
  adaptive: (s: DetectorSnapshot) => AdaptiveDetector.fromJSON(s, loadDetector),
});
const TRANSFORMERS: Readonly<Record<string, (s: DetectorSnapshot) => Transformer>> = Object.freeze({
  'standard-scaler': (s: DetectorSnapshot) => StandardScaler.fromJSON(s),
});

/** The kinds {@link createDetector} accepts, sorted. */
export function detectorKinds(): string[] {
  return Object.keys(FACTORIES).sort();
}

/**
 * Builds a detector of a user-facing `kind` with its settings and a seed (same seed, same scores).
 * Throws {@link InputError} for an unknown kind (listing the known ones) or a bad setting.
 */
export function createDetector(kind: string, params: Record<string, unknown>, seed: number): AnyDetector {
  const make = Object.hasOwn(FACTORIES, kind) ? FACTORIES[kind] : undefined;
  if (!make) throw new InputError(`unknown detector kind ${JSON.stringify(kind)}; known kinds: ${detectorKinds().join(', ')}`);
  return make(params, seed);
}

/**
 * Loads a detector from a snapshot made by its `toJSON()` (after `JSON.parse`). Throws
 * {@link ModelFormatError} for an unknown kind, a formatVersion this build cannot read, or a
 * malformed state.
 */
export function loadDetector(snapshot: DetectorSnapshot): AnyDetector {
  if (typeof snapshot !== 'object' || snapshot === null || typeof snapshot.kind !== 'string') {
    throw new ModelFormatError('a detector snapshot must be an object with a string "kind"');
  }
  if (snapshot.kind.includes('|')) {
    const [t, d] = snapshot.kind.split('|');
    if (!Object.hasOwn(TRANSFORMERS, t) || !Object.hasOwn(DETECTORS, d)) {
      throw new ModelFormatError(`unknown pipeline kind ${JSON.stringify(snapshot.kind)}; known steps: transformers ${Object.keys(TRANSFORMERS).join(', ')}; detectors ${Object.keys(DETECTORS).join(', ')}`);
    }
    return Pipeline.fromJSON(snapshot, TRANSFORMERS[t], loadDetector);
  }
  if (!Object.hasOwn(DETECTORS, snapshot.kind)) {
    throw new ModelFormatError(`unknown detector kind ${JSON.stringify(snapshot.kind)} in snapshot; known kinds: ${Object.keys(DETECTORS).join(', ')}, and "<transformer>|<detector>" pipelines of them`);
  }
  return DETECTORS[snapshot.kind](snapshot);
}

export type { BatchDetector, Detector } from './base.js';
export type { DetectorSnapshot } from '../core/snapshot.js';
