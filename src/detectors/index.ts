/**
 * The detector registry: one table with an entry per kind ({@link DetectorEntry}: how to create it,
 * how to load its snapshots, which service settings it takes as the pod model). The kinds users name
 * (`--detector`, KAD_DETECTOR, the API) are those that create ({@link detectorKinds}); "iforest" is
 * the seeds' model, a `StandardScaler` in front of an `IsolationForest`, whose snapshots have kind
 * `standard-scaler|iforest` (see `pipeline.ts`); "pod-model" is the service's default (see
 * `pod-model.ts`). Snapshots of bare steps ("iforest", a bare forest), of composites' parts
 * ("calibrated", "max") and of any `<transformer>|<detector>` pipeline load too. Adding a kind is
 * adding an entry: the contract suite (`contract.test.ts`) runs over every kind by itself.
 *
 * `lstm-ae` trains on TensorFlow.js, which takes 0.3 s and 55 MB to load and, once loaded, slows the
 * typed-array loops of every other detector in the process (the default `adaptive`: 1.46 M against
 * 1.29–1.36 M samples/s in bench:throughput). So its module is loaded only by
 * {@link prepareDetectors}, which every caller that may build or load one awaits first (kad score,
 * kad evaluate, the service's runtime, model loading); building one without it says so.
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
import type { LstmAeParams } from './lstm-ae.js';
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
export type PodSettings = Required<PodModelParams> & { minScale: number[]; onlyAbove: number[] };

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
  /**
   * Whether its settings take `onlyAbove` (scale-settings.ts `readOnlyAbove`; pod-model gives it to its
   * largest z): the features scored only above what is expected (`kad score --only-above`).
   */
  readonly onlyAbove?: true;
}

/**
 * The settings that make a detector of `kind` score the features at the indices `onlyAbove` only
 * above what it expects (`kad score --only-above`): `{ onlyAbove }` for a kind that takes it, and for
 * `adaptive` its default members, each with it. Throws {@link InputError} naming the kinds that take
 * it for one that does not.
 */
export function onlyAboveParams(kind: string, onlyAbove: readonly number[]): Record<string, unknown> {
  const takes = (k: string) => entryOf(k)?.onlyAbove === true;
  if (kind === 'adaptive') return adaptiveMembersWith((m) => (takes(m) ? { onlyAbove: [...onlyAbove] } : undefined));
  if (takes(kind)) return { onlyAbove: [...onlyAbove] };
  throw new InputError(`detector ${kind} scores every feature both ways and takes no onlyAbove; the kinds that do: ${['adaptive', ...onlyAboveKinds()].sort().join(', ')}`);
}

/** The kinds whose settings take `onlyAbove` themselves ({@link DetectorEntry.onlyAbove}), sorted; `adaptive` passes it to its members. */
export function onlyAboveKinds(): string[] {
  return Object.keys(REGISTRY).filter((k) => REGISTRY[k].onlyAbove).sort();
}

/** Adaptive's settings: its default members, each with what `own` gives its kind added to its own settings (none: as they are). */
function adaptiveMembersWith(own: (kind: string) => Record<string, unknown> | undefined): Record<string, unknown> {
  return { members: DEFAULT_ADAPTIVE_MEMBERS.map((m) => ({ kind: m.kind, params: { ...m.params, ...own(m.kind) } })) };
}

const podScaleFloors = (service: Readonly<PodSettings>) => ({ minScale: service.minScale });
/** The pod features' scale floors, and the features scored only above what is expected (latency, errors, memory, ...: core/feature-names.ts). */
const podFeatureSettings = (service: Readonly<PodSettings>) => ({ minScale: service.minScale, onlyAbove: service.onlyAbove });

/** The lstm-ae module, once {@link prepareDetectors} loaded it. */
let lstmAeModule: typeof import('./lstm-ae.js') | undefined;

function lstmAe(): typeof import('./lstm-ae.js') {
  if (!lstmAeModule) throw new InputError('lstm-ae needs TensorFlow.js, which is loaded only on demand: await prepareDetectors(...) with the kinds, settings or snapshots to build before building one');
  return lstmAeModule;
}

/**
 * Loads what the detectors named anywhere in `spec` need beyond this module: a kind, a list of kinds,
 * settings (members of adaptive or ensemble included) or a saved snapshot, as JSON-able data. Today
 * that is TensorFlow.js for `lstm-ae` (see the module comment); cheap when none is named.
 */
export async function prepareDetectors(spec: unknown): Promise<void> {
  if (lstmAeModule) return;
  // Any mention loads it (settings may still be JSON text): at worst tfjs is loaded for nothing.
  if (mentions(spec, 'lstm-ae')) lstmAeModule = await import('./lstm-ae.js');
}

/** Whether a string anywhere in `v` (arrays and objects walked, not serialised: saved models are large) contains `word`. */
function mentions(v: unknown, word: string): boolean {
  if (typeof v === 'string') return v.includes(word);
  if (typeof v !== 'object' || v === null) return false;
  if (ArrayBuffer.isView(v)) return false;
  for (const x of Array.isArray(v) ? v : Object.values(v)) if (mentions(x, word)) return true;
  return false;
}

// One frozen table (no state): every kind users name (those with `create`) and every saved detector kind (those with `load`).
const REGISTRY: Readonly<Record<string, DetectorEntry>> = Object.freeze({
  iforest: {
    create: (params, seed) => new Pipeline(new StandardScaler(), new IsolationForest(params as IsolationForestParams, seed)),
    load: (s) => IsolationForest.fromJSON(s),
  },
  zmax: { create: (params) => new ZMaxDetector(params as ZMaxParams), load: (s) => ZMaxDetector.fromJSON(s), podParams: podFeatureSettings, onlyAbove: true },
  'robust-z': { create: (params) => new RobustZDetector(params as RobustZParams), load: (s) => RobustZDetector.fromJSON(s), podParams: podFeatureSettings, onlyAbove: true },
  hst: { create: (params, seed) => new HalfSpaceTrees(params as HalfSpaceTreesParams, seed), load: (s) => HalfSpaceTrees.fromJSON(s) },
  'lstm-ae': { create: (params, seed) => new (lstmAe().LstmAutoencoder)(params as LstmAeParams, seed), load: (s) => lstmAe().LstmAutoencoder.fromJSON(s) },
  'seasonal-band': { create: (params, seed) => new SeasonalBandDetector(params as SeasonalBandParams, seed), load: (s) => SeasonalBandDetector.fromJSON(s) },
  onset: { create: (params) => new OnsetDetector(params as OnsetParams), load: (s) => OnsetDetector.fromJSON(s), podParams: podScaleFloors },
  'profile-z': { create: (params) => new ProfileZDetector(params as ProfileZParams), load: (s) => ProfileZDetector.fromJSON(s), podParams: podFeatureSettings, onlyAbove: true },
  subspace: { create: (params, seed) => new SubspaceDetector(params as SubspaceParams, seed), load: (s) => SubspaceDetector.fromJSON(s), podParams: podFeatureSettings, onlyAbove: true },
  novelty: { create: (params) => new NoveltyDetector(params as NoveltyParams), load: (s) => NoveltyDetector.fromJSON(s), podParams: podFeatureSettings, onlyAbove: true },
  ensemble: { create: (params, seed) => new EnsembleDetector(params as EnsembleParams, seed, createDetector), load: (s) => EnsembleDetector.fromJSON(s, loadDetector) },
  'pod-model': { create: (params, seed) => createPodModel(params as PodModelParams, seed), podParams: (service) => ({ ...service }), onlyAbove: true },
  adaptive: {
    create: (params, seed) => new AdaptiveDetector(params as AdaptiveParams, seed, createDetector),
    load: (s) => AdaptiveDetector.fromJSON(s, loadDetector),
    // Each member takes what it would take as the pod model itself (the pod features' scale floors).
    podParams: (service) => adaptiveMembersWith((kind) => REGISTRY[kind]?.podParams?.(service)),
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
