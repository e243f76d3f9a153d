/**
 * The detector registry: one table with an entry per kind ({@link DetectorEntry}: how to create it,
 * how to load its snapshots, which service settings it takes as the pod model). The kinds users name
 * (`--detector`, KAD_DETECTOR, the API) are those that create ({@link detectorKinds}); "iforest" is
 * the seeds' model, a `StandardScaler` in front of an `IsolationForest`, whose snapshots have kind
 * `standard-scaler|iforest` (see `pipeline.ts`); "pod-model" is the service's default (see
 * `pod-model.ts`). Snapshots of bare steps ("iforest", a bare forest), of composites' parts
 * ("calibrated", "max") and of any `<transformer>|<detector>` pipeline load too. Adding a kind is
 * adding an entry: the contract suite (`contract.test.ts`) runs over every kind by itself.
 */
import { InputError, ModelFormatError } from '../core/errors.js';
import { StandardScaler } from '../features/standard-scaler.js';
import type { BatchDetector, Detector } from './base.js';
import type { DetectorSnapshot } from '../core/snapshot.js';
import { AdaptiveDetector, DEFAULT_ADAPTIVE_MEMBERS, type AdaptiveParams } from './adaptive.js';
import { CalibratedDetector } from './calibrated.js';
import { EnsembleDetector, type EnsembleParams } from './ensemble.js';
import { IsolationForest, type IsolationForestParams } from './iforest.js';
import { HalfSpaceTrees, type HalfSpaceTreesParams } from './hst.js';
import { LstmAutoencoder, type LstmAeParams } from './lstm-ae.js';
import { MaxDetector } from './max.js';
import { OnsetDetector, type OnsetParams } from './onset.js';
import { NoveltyDetector, type NoveltyParams } from './novelty.js';
import { Pipeline, type Transformer } from './pipeline.js';
import { createPodModel, type PodModelParams } from './pod-model.js';
import { ProfileZDetector, type ProfileZParams } from './profile-z.js';
import { RobustZDetector, type RobustZParams } from './robust-z.js';
import { SeasonalBandDetector, type SeasonalBandParams } from './seasonal-band.js';
import { SubspaceDetector, type SubspaceParams } from './subspace.js';
import { ZMaxDetector, type ZMaxParams } from './zmax.js';

/** What the registry hands out: a streaming detector that may also fit and score in batch. */
export type AnyDetector = Detector & Partial<BatchDetector>;

/**
 * The settings the service hands the kind it runs as its per-workload pod model (KAD_DETECTOR):
 * the IFOREST_* settings and the pod features' scale floors, mapped from the config by `main.ts`.
 */
export type PodSettings = Required<PodModelParams> & { minScale: number[] };

/** One kind of the registry. */
export interface DetectorEntry {
  /**
   * Builds an untrained detector from its settings and a seed (same seed, same scores); throws
   * InputError for a bad setting. Kinds without it only load: parts that composites save.
   */
  readonly create?: (params: Record<string, unknown>, seed: number) => AnyDetector;
  /**
   * Loads a snapshot of this kind. Kinds without it save under other kinds: "iforest" builds a
   * `standard-scaler|iforest` pipeline (its key loads a bare forest), "pod-model" a `max`.
   */
  readonly load?: (snapshot: DetectorSnapshot) => AnyDetector;
  /**
   * The settings this kind takes from the service when it is the pod model; without it, the kind
   * runs with its defaults. Kinds with per-feature scale floors take the pod features' (a constant
   * feature such as restarts must not turn a tiny change into a huge z).
   */
  readonly podParams?: (service: Readonly<PodSettings>) => Record<string, unknown>;
}

const podScaleFloors = (service: Readonly<PodSettings>) => ({ minScale: service.minScale });

// One frozen table (no state): every kind users name (those with `create`) and every saved detector kind (those with `load`).
const REGISTRY: Readonly<Record<string, DetectorEntry>> = Object.freeze({
  iforest: {
    create: (params, seed) => new Pipeline(new StandardScaler(), new IsolationForest(params as IsolationForestParams, seed)),
    load: (s) => IsolationForest.fromJSON(s),
  },
  zmax: { create: (params) => new ZMaxDetector(params as ZMaxParams), load: (s) => ZMaxDetector.fromJSON(s), podParams: podScaleFloors },
  'robust-z': { create: (params) => new RobustZDetector(params as RobustZParams), load: (s) => RobustZDetector.fromJSON(s), podParams: podScaleFloors },
  hst: { create: (params, seed) => new HalfSpaceTrees(params as HalfSpaceTreesParams, seed), load: (s) => HalfSpaceTrees.fromJSON(s) },
  'lstm-ae': { create: (params, seed) => new LstmAutoencoder(params as LstmAeParams, seed), load: (s) => LstmAutoencoder.fromJSON(s) },
  'seasonal-band': { create: (params, seed) => new SeasonalBandDetector(params as SeasonalBandParams, seed), load: (s) => SeasonalBandDetector.fromJSON(s) },
  onset: { create: (params) => new OnsetDetector(params as OnsetParams), load: (s) => OnsetDetector.fromJSON(s), podParams: podScaleFloors },
  'profile-z': { create: (params) => new ProfileZDetector(params as ProfileZParams), load: (s) => ProfileZDetector.fromJSON(s), podParams: podScaleFloors },
  subspace: { create: (params, seed) => new SubspaceDetector(params as SubspaceParams, seed), load: (s) => SubspaceDetector.fromJSON(s), podParams: podScaleFloors },
  novelty: { create: (params) => new NoveltyDetector(params as NoveltyParams), load: (s) => NoveltyDetector.fromJSON(s), podParams: podScaleFloors },
  ensemble: { create: (params, seed) => new EnsembleDetector(params as EnsembleParams, seed, createDetector), load: (s) => EnsembleDetector.fromJSON(s, loadDetector) },
  'pod-model': { create: (params, seed) => createPodModel(params as PodModelParams, seed), podParams: (service) => ({ ...service }) },
  adaptive: {
    create: (params, seed) => new AdaptiveDetector(params as AdaptiveParams, seed, createDetector),
    load: (s) => AdaptiveDetector.fromJSON(s, loadDetector),
    // Each member takes what it would take as the pod model itself (the pod features' scale floors).
    podParams: (service) => ({
      members: DEFAULT_ADAPTIVE_MEMBERS.map((m) => {
        const own = REGISTRY[m.kind]?.podParams?.(service);
        return own ? { kind: m.kind, params: { ...m.params, ...own } } : { kind: m.kind, params: { ...m.params } };
      }),
    }),
  },
  calibrated: { load: (s) => CalibratedDetector.fromJSON(s, loadDetector) },
  max: { load: (s) => MaxDetector.fromJSON(s, loadDetector) },
} satisfies Record<string, DetectorEntry>);

// Transformers that stand first in a saved `<transformer>|<detector>` pipeline.
const TRANSFORMERS: Readonly<Record<string, (s: DetectorSnapshot) => Transformer>> = Object.freeze({
  'standard-scaler': (s: DetectorSnapshot) => StandardScaler.fromJSON(s),
});

const entryOf = (kind: string): DetectorEntry | undefined => (Object.hasOwn(REGISTRY, kind) ? REGISTRY[kind] : undefined);
const loadableKinds = (): string[] => Object.keys(REGISTRY).filter((k) => REGISTRY[k].load);

/** The kinds {@link createDetector} accepts, sorted. */
export function detectorKinds(): string[] {
  return Object.keys(REGISTRY).filter((k) => REGISTRY[k].create).sort();
}

/** The registry's entry of a kind users name (one of {@link detectorKinds}), or undefined. */
export function detectorEntry(kind: string): DetectorEntry | undefined {
  const e = entryOf(kind);
  return e?.create ? e : undefined;
}

/**
 * Builds a detector of a user-facing `kind` with its settings and a seed (same seed, same scores).
 * Throws {@link InputError} for an unknown kind (listing the known ones) or a bad setting.
 */
export function createDetector(kind: string, params: Record<string, unknown>, seed: number): AnyDetector {
  const make = detectorEntry(kind)?.create;
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
    if (!Object.hasOwn(TRANSFORMERS, t) || !entryOf(d)?.load) {
      throw new ModelFormatError(`unknown pipeline kind ${JSON.stringify(snapshot.kind)}; known steps: transformers ${Object.keys(TRANSFORMERS).join(', ')}; detectors ${loadableKinds().join(', ')}`);
    }
    return Pipeline.fromJSON(snapshot, TRANSFORMERS[t], loadDetector);
  }
  const load = entryOf(snapshot.kind)?.load;
  if (!load) {
    throw new ModelFormatError(`unknown detector kind ${JSON.stringify(snapshot.kind)} in snapshot; known kinds: ${loadableKinds().join(', ')}, and "<transformer>|<detector>" pipelines of them`);
  }
  return load(snapshot);
}

export type { BatchDetector, Detector } from './base.js';
export type { DetectorSnapshot } from '../core/snapshot.js';
