/**
 * The model store: trained engine models as one JSON file in a directory (`models.json`; written and
 * read in parts, so it may be longer than one string: store/json-parts.ts), written
 * atomically by the state-file writer (src/store/state-file.ts: temporary file, fsync, rename), so a
 * crash mid-write never leaves a broken model and a reader never sees half a file. The previous model is kept as `models.previous.json` for rollback.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelFormatError } from '../core/errors.js';
import { workloadFromPodName } from '../core/series.js';
import type { ShardOwnership } from '../core/shard.js';
import type { DetectorSnapshot } from '../core/snapshot.js';
import { parseJsonBytes } from '../store/json-parts.js';
import { makeDirSync } from '../store/make-dir.js';
import { writeJsonAtomicSync } from '../store/state-file.js';

/** Trained engine models as data (what `kad train` writes and `kad serve` can load). */
export interface EngineModels {
  kind: 'kad-pod-models';
  formatVersion: 1;
  /** Identifies this training run (in alerts and /healthz). */
  version: string;
  trainedAt: number;
  /** Feature names in vector order; loading refuses a different list. */
  features: string[];
  /**
   * The version of the features' definitions the models learned (engine/training.ts
   * `FEATURE_VERSION`); absent in files written before it was kept: 1.
   */
  featureVersion?: number;
  trainingRows: number;
  cluster: DetectorSnapshot;
  workloads: Record<string, DetectorSnapshot>;
  /** Streaming pod models (kinds without `fit`, e.g. `adaptive`): pod key (`namespace/pod`) → its own model. */
  pods?: Record<string, DetectorSnapshot>;
}


/** File name of the current model in a model directory. */
export const MODEL_FILE = 'models.json';
/** File name the previous model is moved to when a new one is saved. */
export const PREVIOUS_MODEL_FILE = 'models.previous.json';

/** Writes `models` to `dir/models.json` atomically, keeping the old file as `models.previous.json`. */
export function saveModels(dir: string, models: EngineModels): string {
  const path = join(dir, MODEL_FILE);
  makeDirSync(dir); // made at the command's start, but another run's failure may have removed it meanwhile while empty
  // Mode 0o666 (less the umask), as before: models may be read by other users, unlike alert state.
  writeJsonAtomicSync(path, models, { mode: 0o666, previous: join(dir, PREVIOUS_MODEL_FILE) });
  return path;
}

/** Reads `dir/models.json`. Throws {@link ModelFormatError} naming the file and what is wrong. */
export function loadModels(dir: string): EngineModels {
  const path = join(dir, MODEL_FILE);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ModelFormatError(`${path}: cannot read the model (${code === 'ENOENT' ? 'no such file; run `kad train --output ' + dir + '` first' : (e as Error).message})`);
  }
  let parsed: unknown;
  try {
    parsed = parseJsonBytes(bytes); // in parts when longer than one string can be (a large cluster's models)
  } catch (e) {
    throw new ModelFormatError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  const m = parsed as Partial<EngineModels>;
  if (typeof m !== 'object' || m === null || m.kind !== 'kad-pod-models') {
    throw new ModelFormatError(`${path}: not a kad model file (expected "kind": "kad-pod-models")`);
  }
  for (const [field, type] of [['version', 'string'], ['trainedAt', 'number'], ['cluster', 'object'], ['workloads', 'object']] as const) {
    if (typeof m[field] !== type || m[field] === null) throw new ModelFormatError(`${path}: field "${field}" must be a ${type}`);
  }
  if (!Array.isArray(m.features)) throw new ModelFormatError(`${path}: field "features" must be an array of feature names`);
  return m as EngineModels;
}

/**
 * The models of a sharded replica: those of the workloads `ownership` owns (and of their pods, whose
 * workload is read from the pod's name), out of a model file trained on every workload (`kad train`
 * runs unsharded). The cluster-wide model is kept. A workload that moves to this replica when the
 * number of shards changes starts from its trained model, not cold.
 */
export function ownedModels(models: EngineModels, ownership: ShardOwnership): EngineModels {
  if (!ownership.sharded) return models;
  const owns = (key: string, workload: (rest: string) => string) => {
    const i = key.indexOf('/');
    return ownership.owns({ namespace: key.slice(0, i), workload: workload(key.slice(i + 1)) });
  };
  const workloads = Object.fromEntries(Object.entries(models.workloads).filter(([key]) => owns(key, (w) => w)));
  const out: EngineModels = { ...models, workloads };
  if (models.pods) out.pods = Object.fromEntries(Object.entries(models.pods).filter(([key]) => owns(key, workloadFromPodName)));
  return out;
}
