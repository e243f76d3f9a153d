/**
 * The classifier registry: creates a classifier by kind, lists the kinds, and loads any saved one
 * ({@link loadClassifier} checks the kind and format version and refuses anything else with a
 * {@link ModelFormatError}).
 *
 * The neural kinds (mlp, cnn, gnn) train on TensorFlow.js, which takes 0.3 s and 55 MB to load. So
 * their modules are loaded only by {@link prepareClassifiers} (or {@link prepareTraining}), which every
 * caller that may create or load one awaits first (kad classify train, predict and watch, the service's
 * incident namer and training worker); the trees, logistic regression and stacking of them never load
 * it. Creating or loading a neural kind without it throws an {@link InputError} that says so.
 */
import { InputError, ModelFormatError } from '../core/errors.js';
import type { Classifier, ClassifierSnapshot } from './classifier.js';
import type { CnnParams } from './cnn.js';
import { GradientBoosting, type GbdtParams } from './gbdt.js';
import type { GnnParams } from './gnn.js';
import { LogisticRegression, type LogisticParams } from './logistic.js';
import type { MlpParams } from './mlp.js';
import { RandomForest, type RandomForestParams } from './random-forest.js';
import { StackingClassifier, type StackingDeps, type StackingParams } from './stacking.js';

interface Entry {
  create(params: Record<string, unknown>, seed: number): Classifier;
  load(s: ClassifierSnapshot): Classifier;
  /** Trains on tfjs (neural.ts): its module is loaded by {@link prepareClassifiers}. */
  tfjs?: true;
}

/** The neural kinds' modules, once {@link prepareClassifiers} loaded them. */
interface NeuralModules {
  mlp: typeof import('./mlp.js');
  cnn: typeof import('./cnn.js');
  gnn: typeof import('./gnn.js');
}
let neuralModules: NeuralModules | undefined;

function neural(kind: string): NeuralModules {
  if (!neuralModules) {
    throw new InputError(`classifier ${JSON.stringify(kind)} needs TensorFlow.js, which is loaded only on demand: await prepareTraining(kind, params) before creating one, or prepareClassifiers(snapshot) before loading one`);
  }
  return neuralModules;
}

const deps: StackingDeps = { create: createClassifier, load: loadClassifier };

const KINDS: Record<string, Entry> = {
  'random-forest': { create: (p, seed) => new RandomForest(p as RandomForestParams, seed), load: (s) => RandomForest.fromJSON(s) },
  gbdt: { create: (p, seed) => new GradientBoosting(p as GbdtParams, seed), load: (s) => GradientBoosting.fromJSON(s) },
  logistic: { create: (p, seed) => new LogisticRegression(p as LogisticParams, seed), load: (s) => LogisticRegression.fromJSON(s) },
  stack: { create: (p, seed) => new StackingClassifier(p as StackingParams, seed, deps), load: (s) => StackingClassifier.fromJSON(s, deps) },
  mlp: { create: (p, seed) => new (neural('mlp').mlp.MlpClassifier)(p as MlpParams, seed), load: (s) => neural('mlp').mlp.MlpClassifier.fromJSON(s), tfjs: true },
  cnn: { create: (p, seed) => new (neural('cnn').cnn.CnnClassifier)(p as CnnParams, seed), load: (s) => neural('cnn').cnn.CnnClassifier.fromJSON(s), tfjs: true },
  gnn: { create: (p, seed) => new (neural('gnn').gnn.GnnClassifier)(p as GnnParams, seed), load: (s) => neural('gnn').gnn.GnnClassifier.fromJSON(s), tfjs: true },
};

const entryOf = (kind: unknown): Entry | undefined => (typeof kind === 'string' && Object.hasOwn(KINDS, kind) ? KINDS[kind] : undefined);

/**
 * The first neural kind `spec` names, if any: a kind, a list, `{ kind, params }` settings or a snapshot,
 * a stack's members included (in its params or its saved state). Only those fields are looked at, so a
 * large snapshot is not walked.
 */
function neuralKindIn(spec: unknown): string | undefined {
  if (typeof spec === 'string') return entryOf(spec)?.tfjs ? spec : undefined;
  if (typeof spec !== 'object' || spec === null || ArrayBuffer.isView(spec)) return undefined;
  if (Array.isArray(spec)) {
    for (const x of spec) {
      const k = neuralKindIn(x);
      if (k) return k;
    }
    return undefined;
  }
  const o = spec as { kind?: unknown; members?: unknown; params?: { members?: unknown }; state?: { members?: unknown } };
  return neuralKindIn(o.kind) ?? neuralKindIn(o.members) ?? neuralKindIn(o.params?.members) ?? neuralKindIn(o.state?.members);
}

/** Every classifier kind, in a stable order. */
export function classifierKinds(): string[] {
  return Object.keys(KINDS);
}

/**
 * Loads what the classifiers `spec` names need beyond this module: a kind, a list of kinds,
 * `{ kind, params }` settings (a stack's members included) or a saved snapshot. Today that is
 * TensorFlow.js and the neural kinds' modules (see the module comment); nothing when none is named.
 */
export async function prepareClassifiers(spec: unknown): Promise<void> {
  if (neuralModules || !neuralKindIn(spec)) return;
  const [mlp, cnn, gnn] = await Promise.all([import('./mlp.js'), import('./cnn.js'), import('./gnn.js')]);
  neuralModules = { mlp, cnn, gnn };
}

/**
 * Whether {@link loadClassifier} and {@link createClassifier} can take what `spec` names now (see
 * {@link prepareClassifiers}), without awaiting anything.
 */
export function classifiersPrepared(spec: unknown): boolean {
  return neuralModules !== undefined || !neuralKindIn(spec);
}

/**
 * Readies what training a `kind` with `params` needs, once per process before its first fit: the
 * modules of {@link prepareClassifiers} (a stack's neural members' too), and tfjs's wasm backend for a
 * kind that trains on tfjs itself (2–3× faster than its cpu backend); nothing for the others.
 */
export async function prepareTraining(kind: string, params: Record<string, unknown> = {}): Promise<void> {
  await prepareClassifiers({ kind, params });
  if (entryOf(kind)?.tfjs) await (await import('../core/tf.js')).useWasmBackend();
}

/**
 * A new, unfitted classifier of `kind`. Throws {@link InputError} for an unknown kind, a bad setting,
 * or a neural kind (itself or a stack's member) before {@link prepareTraining}.
 */
export function createClassifier(kind: string, params: Record<string, unknown> = {}, seed = 0): Classifier {
  const e = entryOf(kind);
  if (!e) throw new InputError(`unknown classifier ${JSON.stringify(kind)} (known: ${classifierKinds().join(', ')})`);
  return e.create(params, seed);
}

/**
 * Loads a saved classifier of any kind. Throws {@link ModelFormatError} for an unknown kind, a wrong
 * format version or a malformed snapshot, and {@link InputError} for a neural one (itself or a stack's
 * member) before {@link prepareClassifiers}.
 */
export function loadClassifier(s: unknown): Classifier {
  if (typeof s !== 'object' || s === null) throw new ModelFormatError(`expected a classifier snapshot object, got ${s === null ? 'null' : typeof s}`);
  const kind = (s as { kind?: unknown }).kind;
  const e = entryOf(kind);
  if (!e) throw new ModelFormatError(`not a classifier snapshot: kind ${JSON.stringify(kind)} (known: ${classifierKinds().join(', ')})`);
  // Said before a stack wraps its member's error in a ModelFormatError.
  const needs = neuralModules ? undefined : neuralKindIn(s);
  if (needs) neural(needs);
  return e.load(s as ClassifierSnapshot);
}
