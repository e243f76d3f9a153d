/**
 * Classifier versions on disk: each trained classifier is a file `vNNNN.json` in a model directory
 * (numbered from v0001 up), and `registry.json` indexes them: per version its algorithm, params, data
 * hash, held-out macro-F1 and per-class recall, time and stage (`candidate` → `production` →
 * `archived`), plus the order in which versions were production (for rollback). `production.json`
 * names the production version too, for readers of the older layout. Every file is written atomically
 * (the state-file writer: temporary file, fsync, rename), so a reader sees the old or the new file,
 * never half of one. All of the registry's file layout is in this module, so it can move to the
 * embedded database without touching its callers. A directory written before `registry.json` existed
 * is indexed from its version files on first use.
 *
 * Promotion rule: a new version becomes production only when its macro-F1 is not worse than
 * production's by more than a margin (default {@link DEFAULT_PROMOTE_MARGIN}); otherwise it stays a
 * candidate, which `promote` can still make production by hand.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, ModelFormatError, NotFoundError } from '../core/errors.js';
import type { ClassifierSnapshot } from '../classifiers/classifier.js';
import type { EncoderSnapshot } from '../classifiers/encoding.js';
import type { ClassificationReport } from '../classifiers/metrics.js';
import { writeJsonAtomicSync } from '../store/state-file.js';

/** One trained classifier with what it was trained on and how it scored. */
export interface ClassifierVersion {
  kind: 'kad-classifier-version';
  formatVersion: 1;
  /** `v0001`, `v0002`, … */
  version: string;
  /** ISO 8601. */
  createdAt: string;
  /** The algorithm (a classifier kind) and its settings as given. */
  algorithm: string;
  params: Record<string, unknown>;
  /** The class column of the training data. */
  target: string;
  /** The training file and the first 16 hex digits of its SHA-256 (the whole hash is in the registry index). */
  data: { file: string; sha256: string; rows: number };
  /** How the split, SMOTE and seed were set. */
  training: { testSize: number; smote: boolean; seed: number; trainRows: number; testRows: number };
  /** On the held-out rows. */
  metrics: ClassificationReport;
  encoder: EncoderSnapshot;
  model: ClassifierSnapshot;
}

const VERSION_FILE = /^v(\d{4,})\.json$/;
const PRODUCTION = 'production.json';
const REGISTRY = 'registry.json';

/** The versions in `dir`, oldest first ([] when the directory does not exist). */
export function listClassifierVersions(dir: string): string[] {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    return [];
  }
  return files.filter((f) => VERSION_FILE.test(f)).map((f) => f.slice(0, -5)).sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
}

/** Where a version stands. */
export type Stage = 'candidate' | 'production' | 'archived';

/** The default `--promote-margin`: how much worse (in macro-F1) a new version may be and still be promoted. */
export const DEFAULT_PROMOTE_MARGIN = 0.01;

/** One version as `registry.json` lists it. */
export interface RegistryEntry {
  version: string;
  /** The algorithm (a classifier kind). */
  algorithm: string;
  params: Record<string, unknown>;
  /** SHA-256 of the training file, hex (as much as the version recorded for an indexed older one). */
  dataSha256: string;
  /** Held-out macro-F1 and recall per class. */
  macroF1: number;
  recall: Record<string, number>;
  createdAt: string;
  stage: Stage;
}

/** `registry.json`. */
export interface RegistryIndex {
  kind: 'kad-classifier-registry';
  formatVersion: 1;
  versions: RegistryEntry[];
  /** The versions that have been production, in order; the last is production now. */
  productionHistory: string[];
}

/** What {@link saveClassifierVersion} did. */
export interface SaveResult {
  version: string;
  path: string;
  stage: Stage;
  /** Why it was (or was not) promoted, for the user. */
  reason: string;
}

function entryOf(v: ClassifierVersion, stage: Stage, sha256 = v.data.sha256): RegistryEntry {
  const recall: Record<string, number> = {};
  v.metrics.classes.forEach((c, k) => (recall[c] = v.metrics.perClass[k]?.recall ?? 0));
  return { version: v.version, algorithm: v.algorithm, params: v.params, dataSha256: sha256, macroF1: v.metrics.macroF1, recall, createdAt: v.createdAt, stage };
}

function writeIndex(dir: string, index: RegistryIndex): void {
  writeJsonAtomicSync(join(dir, REGISTRY), index, { mode: 0o666 });
  const prod = index.productionHistory.at(-1);
  if (prod) writeJsonAtomicSync(join(dir, PRODUCTION), { version: prod }, { mode: 0o666 });
}

/**
 * The index of `dir`: `registry.json`, or one built from the version files and `production.json` of a
 * directory written before it existed (production: the named one; others archived). Empty when `dir`
 * has no versions.
 */
export function readRegistry(dir: string): RegistryIndex {
  const path = join(dir, REGISTRY);
  let text: string | undefined;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    text = undefined;
  }
  if (text !== undefined) {
    let r: Partial<RegistryIndex>;
    try {
      r = JSON.parse(text) as Partial<RegistryIndex>;
    } catch (e) {
      throw new ModelFormatError(`${path}: not valid JSON (${(e as Error).message})`);
    }
    if (r?.kind !== 'kad-classifier-registry' || r.formatVersion !== 1 || !Array.isArray(r.versions) || !Array.isArray(r.productionHistory)) {
      throw new ModelFormatError(`${path}: not a kad classifier registry (expected "kind": "kad-classifier-registry", "formatVersion": 1)`);
    }
    return r as RegistryIndex;
  }
  let prod: string | undefined;
  try {
    prod = (JSON.parse(readFileSync(join(dir, PRODUCTION), 'utf8')) as { version?: string }).version;
  } catch {
    prod = undefined;
  }
  const versions: RegistryEntry[] = [];
  for (const name of listClassifierVersions(dir)) {
    try {
      versions.push(entryOf(loadClassifierVersion(dir, name), name === prod ? 'production' : 'archived'));
    } catch {
      // an unreadable version file is left out of the index (loading it by name still says why)
    }
  }
  return { kind: 'kad-classifier-registry', formatVersion: 1, versions, productionHistory: versions.some((e) => e.version === prod) ? [prod!] : [] };
}

/**
 * Writes `v` as the next version in `dir` (created if needed) and registers it: production when there
 * is none or its macro-F1 is at least production's minus `promoteMargin`, else a candidate. `sha256`
 * is the whole hash of the training data (default: the one in `v`).
 */
export function saveClassifierVersion(dir: string, v: Omit<ClassifierVersion, 'version'>, options: { promoteMargin?: number; sha256?: string } = {}): SaveResult {
  const margin = options.promoteMargin ?? DEFAULT_PROMOTE_MARGIN;
  const index = readRegistry(dir);
  const all = listClassifierVersions(dir);
  const n = all.length ? Number(all[all.length - 1].slice(1)) + 1 : 1;
  const version = `v${String(n).padStart(4, '0')}`;
  const path = join(dir, `${version}.json`);
  writeJsonAtomicSync(path, { ...v, version }, { mode: 0o666 });
  const prodName = index.productionHistory.at(-1);
  const prod = index.versions.find((e) => e.version === prodName);
  const f1 = v.metrics.macroF1;
  let stage: Stage = 'production', reason: string;
  if (!prod) reason = 'no production version yet';
  else if (f1 >= prod.macroF1 - margin) reason = `macro-F1 ${f1.toFixed(3)} is within ${margin} of production ${prod.version}'s ${prod.macroF1.toFixed(3)} or better`;
  else {
    stage = 'candidate';
    reason = `macro-F1 ${f1.toFixed(3)} is worse than production ${prod.version}'s ${prod.macroF1.toFixed(3)} by ${(prod.macroF1 - f1).toFixed(3)}, more than the margin ${margin}; ` +
      `kept as a candidate (\`kad models promote ${version} --model-dir ${dir}\` to use it anyway)`;
  }
  if (stage === 'production' && prod) prod.stage = 'archived';
  index.versions.push(entryOf({ ...v, version }, stage, options.sha256));
  if (stage === 'production') index.productionHistory.push(version);
  writeIndex(dir, index);
  return { version, path, stage, reason };
}

function requireVersions(dir: string, index: RegistryIndex): void {
  if (index.versions.length === 0) throw new NotFoundError(`${dir}: no classifier versions (train one with \`kad classify train --model-dir ${dir}\`)`);
}

/** Makes `version` of `dir` production (the production one is archived). Throws {@link NotFoundError} for an unknown version or an empty registry. */
export function setProductionVersion(dir: string, version: string): void {
  const index = readRegistry(dir);
  requireVersions(dir, index);
  const entry = index.versions.find((e) => e.version === version);
  if (!entry) throw new NotFoundError(`${dir}: no classifier version ${version} (versions: ${index.versions.map((e) => e.version).join(', ')})`);
  if (entry.stage === 'production') return;
  for (const e of index.versions) if (e.stage === 'production') e.stage = 'archived';
  entry.stage = 'production';
  index.productionHistory.push(version);
  writeIndex(dir, index);
}

/**
 * Makes the previous production version of `dir` production again and archives the current one;
 * returns both. Throws {@link NotFoundError} on an empty registry, {@link InputError} when no version
 * was production before the current one.
 */
export function rollbackProduction(dir: string): { from: string; to: string } {
  const index = readRegistry(dir);
  requireVersions(dir, index);
  const h = index.productionHistory;
  if (h.length < 2) throw new InputError(`${dir}: no earlier production version to roll back to${h.length ? ` (${h[0]} is the only one)` : ''}`);
  const from = h.pop()!, to = h.at(-1)!;
  for (const e of index.versions) if (e.version === from) e.stage = 'archived';
  else if (e.version === to) e.stage = 'production';
  writeIndex(dir, index);
  return { from, to };
}

/** The production version of `dir`. Throws {@link NotFoundError} when there is none. */
export function productionVersion(dir: string): string {
  const index = readRegistry(dir);
  const v = index.productionHistory.at(-1);
  if (v === undefined) throw new NotFoundError(`${dir}: no production classifier (train one with \`kad classify train --model-dir ${dir}\`)`);
  if (!VERSION_FILE.test(`${v}.json`)) throw new ModelFormatError(`${join(dir, REGISTRY)}: "productionHistory" must name versions like "v0001", got ${JSON.stringify(v)}`);
  return v;
}

/** Reads version `version` of `dir` (default: production). Throws {@link NotFoundError} or {@link ModelFormatError}. */
export function loadClassifierVersion(dir: string, version = productionVersion(dir)): ClassifierVersion {
  const path = join(dir, `${version}.json`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new NotFoundError(`${path}: no such classifier version`);
  }
  let v: Partial<ClassifierVersion>;
  try {
    v = JSON.parse(text) as Partial<ClassifierVersion>;
  } catch (e) {
    throw new ModelFormatError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  if (v?.kind !== 'kad-classifier-version' || v.formatVersion !== 1) throw new ModelFormatError(`${path}: not a kad classifier version (expected "kind": "kad-classifier-version", "formatVersion": 1)`);
  for (const field of ['model', 'encoder', 'metrics'] as const) if (typeof v[field] !== 'object' || v[field] === null) throw new ModelFormatError(`${path}: field "${field}" must be an object`);
  return v as ClassifierVersion;
}
