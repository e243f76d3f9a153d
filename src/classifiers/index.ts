/**
 * The classifier registry: creates a classifier by kind, lists the kinds, and loads any saved one
 * ({@link loadClassifier} checks the kind and format version and refuses anything else with a
 * {@link ModelFormatError}).
 */
import { InputError, ModelFormatError } from '../core/errors.js';
import { useWasmBackend } from '../core/tf.js';
import type { Classifier, ClassifierSnapshot } from './classifier.js';
import { CnnClassifier, type CnnParams } from './cnn.js';
import { GradientBoosting, type GbdtParams } from './gbdt.js';
import { GnnClassifier, type GnnParams } from './gnn.js';
import { LogisticRegression, type LogisticParams } from './logistic.js';
import { MlpClassifier, type MlpParams } from './mlp.js';
import { RandomForest, type RandomForestParams } from './random-forest.js';
import { StackingClassifier, type StackingDeps, type StackingParams } from './stacking.js';

interface Entry {
  create(params: Record<string, unknown>, seed: number): Classifier;
  load(s: ClassifierSnapshot): Classifier;
  /** Trains on tfjs (neural.ts). */
  tfjs?: true;
}

const deps: StackingDeps = { create: createClassifier, load: loadClassifier };

const KINDS: Record<string, Entry> = {
  'random-forest': { create: (p, seed) => new RandomForest(p as RandomForestParams, seed), load: (s) => RandomForest.fromJSON(s) },
  gbdt: { create: (p, seed) => new GradientBoosting(p as GbdtParams, seed), load: (s) => GradientBoosting.fromJSON(s) },
  logistic: { create: (p, seed) => new LogisticRegression(p as LogisticParams, seed), load: (s) => LogisticRegression.fromJSON(s) },
  stack: { create: (p, seed) => new StackingClassifier(p as StackingParams, seed, deps), load: (s) => StackingClassifier.fromJSON(s, deps) },
  mlp: { create: (p, seed) => new MlpClassifier(p as MlpParams, seed), load: (s) => MlpClassifier.fromJSON(s), tfjs: true },
  cnn: { create: (p, seed) => new CnnClassifier(p as CnnParams, seed), load: (s) => CnnClassifier.fromJSON(s), tfjs: true },
  gnn: { create: (p, seed) => new GnnClassifier(p as GnnParams, seed), load: (s) => GnnClassifier.fromJSON(s), tfjs: true },
};

/** Every classifier kind, in a stable order. */
export function classifierKinds(): string[] {
  return Object.keys(KINDS);
}

/**
 * Readies what training a `kind` needs, once per process before its first fit: tfjs's wasm backend for
 * the kinds that train on tfjs (2–3× faster than its cpu backend); nothing for the others.
 */
export async function prepareTraining(kind: string): Promise<void> {
  if (KINDS[kind]?.tfjs) await useWasmBackend();
}

/** A new, unfitted classifier of `kind`. Throws {@link InputError} for an unknown kind or a bad setting. */
export function createClassifier(kind: string, params: Record<string, unknown> = {}, seed = 0): Classifier {
  const e = KINDS[kind];
  if (!e) throw new InputError(`unknown classifier ${JSON.stringify(kind)} (known: ${classifierKinds().join(', ')})`);
  return e.create(params, seed);
}

/** Loads a saved classifier of any kind. Throws {@link ModelFormatError} for an unknown kind, a wrong format version or a malformed snapshot. */
export function loadClassifier(s: unknown): Classifier {
  if (typeof s !== 'object' || s === null) throw new ModelFormatError(`expected a classifier snapshot object, got ${s === null ? 'null' : typeof s}`);
  const kind = (s as { kind?: unknown }).kind;
  const e = typeof kind === 'string' ? KINDS[kind] : undefined;
  if (!e) throw new ModelFormatError(`not a classifier snapshot: kind ${JSON.stringify(kind)} (known: ${classifierKinds().join(', ')})`);
  return e.load(s as ClassifierSnapshot);
}
