/**
 * Classifier versions on disk: each trained classifier is a file `vNNNN.json` in a model directory
 * (numbered from v0001 up), and `production.json` names the version `kad classify predict` uses. Both
 * are written atomically (the state-file writer: temporary file, fsync, rename), so a reader sees the
 * old or the new file, never half of one. All of the registry's file layout is in this module, so it
 * can move to the embedded database without touching its callers.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelFormatError, NotFoundError } from '../core/errors.js';
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
  /** The training file and the first 16 hex digits of its SHA-256. */
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

/** Writes `v` as the next version in `dir` (created if needed) and makes it production; returns its name and path. */
export function saveClassifierVersion(dir: string, v: Omit<ClassifierVersion, 'version'>): { version: string; path: string } {
  const all = listClassifierVersions(dir);
  const n = all.length ? Number(all[all.length - 1].slice(1)) + 1 : 1;
  const version = `v${String(n).padStart(4, '0')}`;
  const path = join(dir, `${version}.json`);
  writeJsonAtomicSync(path, { ...v, version }, { mode: 0o666 });
  setProductionVersion(dir, version);
  return { version, path };
}

/** Points `production.json` of `dir` at `version` (which must exist). */
export function setProductionVersion(dir: string, version: string): void {
  if (!listClassifierVersions(dir).includes(version)) throw new NotFoundError(`${dir}: no classifier version ${version}`);
  writeJsonAtomicSync(join(dir, PRODUCTION), { version }, { mode: 0o666 });
}

/** The production version of `dir`. Throws {@link NotFoundError} when there is none. */
export function productionVersion(dir: string): string {
  let text: string;
  try {
    text = readFileSync(join(dir, PRODUCTION), 'utf8');
  } catch {
    throw new NotFoundError(`${dir}: no production classifier (train one with \`kad classify train --model-dir ${dir}\`)`);
  }
  const v = (JSON.parse(text) as { version?: unknown }).version;
  if (typeof v !== 'string' || !VERSION_FILE.test(`${v}.json`)) throw new ModelFormatError(`${join(dir, PRODUCTION)}: field "version" must name a version like "v0001"`);
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
