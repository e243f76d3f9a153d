/**
 * Classifier versions: each trained classifier is a file `vNNNN.json` in a model directory (numbered
 * from v0001 up), and the registry — per version its algorithm, params, data hash, held-out macro-F1
 * and per-class recall, time and stage (`candidate` → `production` → `archived`), plus the order in
 * which versions were production (for rollback) — is in the embedded database (`kad.db`, the event
 * store's file, schema in store/event-schema.ts): the one of the state directory when one is given
 * (`stateDir`; the CLI passes KAD_STATE_DIR, the service its state directory), else one in the model
 * directory itself. One database holds the registries of several model directories, each keyed by its
 * path relative to the database's directory. `production.json` names the production version too, for
 * readers of the older layout. Version files are written atomically (the state-file writer), so a
 * reader sees the old or the new file, never half of one.
 *
 * A model directory of the older layout (`registry.json`, or version files and `production.json`
 * only) is imported into the database the first time it is opened: its entries, stages and
 * production order are copied, and `registry.json` is renamed `registry.json.imported`.
 *
 * Promotion rule: a new version becomes production only when its macro-F1 is not worse than
 * production's by more than a margin (default {@link DEFAULT_PROMOTE_MARGIN}); otherwise it stays a
 * candidate, which `promote` can still make production by hand.
 */
import { readdirSync, readFileSync, renameSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { InputError, ModelFormatError, NotFoundError, StoreError } from '../core/errors.js';
import type { ClassifierSnapshot } from '../classifiers/classifier.js';
import type { EncoderSnapshot } from '../classifiers/encoding.js';
import type { ClassificationReport } from '../classifiers/metrics.js';
import type { TableTrainResult, TableTrainSettings } from '../classifiers/train-table.js';
import { openDatabase, type Db } from '../store/event-schema.js';
import { EVENT_STORE_FILE } from '../store/event-store.js';
import { makeDirSync } from '../store/make-dir.js';
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

/**
 * The version document of a training ({@link TableTrainResult}) on data `file` with SHA-256 `sha256`
 * (hex; the document keeps its first 16 digits), trained now (`createdAt`, ISO 8601).
 */
export function versionDocument(r: TableTrainResult, s: TableTrainSettings, file: string, sha256: string, createdAt = new Date().toISOString()): Omit<ClassifierVersion, 'version'> {
  return {
    kind: 'kad-classifier-version', formatVersion: 1, createdAt, algorithm: s.kind, params: s.params, target: s.target,
    data: { file, sha256: sha256.slice(0, 16), rows: r.rows },
    training: { testSize: s.testSize, smote: s.smote, seed: s.seed, trainRows: r.trainRows, testRows: r.testRows },
    metrics: r.report, encoder: r.encoder.toJSON(), model: r.model.toJSON(),
  };
}

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

/** What {@link ClassifierRegistry.save} did. */
export interface SaveResult {
  version: string;
  path: string;
  stage: Stage;
  /** Why it was (or was not) promoted, for the user. */
  reason: string;
}

/** Where a registry's database is: {@link RegistryLocation.stateDir}'s `kad.db`, else the model directory's. */
export interface RegistryLocation {
  /** The state directory whose database keeps the registry (unset: the model directory's own `kad.db`). */
  stateDir?: string;
}

function entryOf(v: ClassifierVersion, stage: Stage, sha256 = v.data.sha256): RegistryEntry {
  const recall: Record<string, number> = {};
  v.metrics.classes.forEach((c, k) => (recall[c] = v.metrics.perClass[k]?.recall ?? 0));
  return { version: v.version, algorithm: v.algorithm, params: v.params, dataSha256: sha256, macroF1: v.metrics.macroF1, recall, createdAt: v.createdAt, stage };
}

/**
 * The index of a model directory of the older layout: `registry.json`, or one built from the version
 * files and `production.json` of a directory written before it existed (production: the named one;
 * others archived). Empty when `dir` has no versions.
 */
function legacyIndex(dir: string): RegistryIndex {
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

interface VersionRow {
  version: string; algorithm: string; params: string; data_sha256: string; macro_f1: number; recall: string; created_at: string; stage: Stage;
}

/** The registry of one model directory, on an open database. See the module comment. */
export class ClassifierRegistry {
  /** The model directory's key in the database: its path relative to the database's directory. */
  private readonly key: string;

  private constructor(private readonly db: Db, readonly dir: string, readonly dbPath: string, private readonly owned: boolean) {
    this.key = relative(dirname(resolve(dbPath)), resolve(dir)) || '.';
  }

  /**
   * Opens the registry of model directory `dir` (created if needed) in the database of
   * `where.stateDir` (or `dir`'s own), importing an older JSON registry of `dir` on first use.
   * Throws {@link StoreError} when the database cannot be used, {@link ModelFormatError} for an
   * unreadable `registry.json`.
   */
  static open(dir: string, where: RegistryLocation = {}): ClassifierRegistry {
    const home = where.stateDir ?? dir;
    try {
      makeDirSync(dir);
      makeDirSync(home);
    } catch (e) {
      throw new StoreError(`cannot create ${dir} for classifier versions: ${(e as Error).message}`, { cause: e });
    }
    const path = join(home, EVENT_STORE_FILE);
    const r = new ClassifierRegistry(openDatabase(path), dir, path, true);
    try {
      r.importLegacy();
    } catch (e) {
      r.close();
      if ((e as { code?: string }).code === 'SQLITE_BUSY') {
        throw new StoreError(`${path} stayed locked by another writer (a training registering a version) for longer than the busy timeout; try again`, { cause: e });
      }
      throw e;
    }
    return r;
  }

  /** The versions, oldest first, and the production order. */
  index(): RegistryIndex {
    const rows = this.db.prepare('SELECT * FROM classifier_versions WHERE model_dir = ?').all(this.key) as VersionRow[];
    const versions = rows
      .map((r): RegistryEntry => ({
        version: r.version, algorithm: r.algorithm, params: JSON.parse(r.params) as Record<string, unknown>, dataSha256: r.data_sha256,
        macroF1: r.macro_f1, recall: JSON.parse(r.recall) as Record<string, number>, createdAt: r.created_at, stage: r.stage,
      }))
      .sort((a, b) => Number(a.version.slice(1)) - Number(b.version.slice(1)));
    const productionHistory = (this.db.prepare('SELECT version FROM classifier_production WHERE model_dir = ? ORDER BY seq').all(this.key) as { version: string }[]).map((r) => r.version);
    return { kind: 'kad-classifier-registry', formatVersion: 1, versions, productionHistory };
  }

  /** The production version, or null when there is none. */
  productionOrNull(): string | null {
    const r = this.db.prepare('SELECT version FROM classifier_production WHERE model_dir = ? ORDER BY seq DESC LIMIT 1').get(this.key) as { version: string } | undefined;
    return r?.version ?? null;
  }

  /** The production version. Throws {@link NotFoundError} when there is none. */
  production(): string {
    const v = this.productionOrNull();
    if (v === null) throw new NotFoundError(`${this.dir}: no production classifier (train one with \`kad classify train --model-dir ${this.dir}\`)`);
    return v;
  }

  /** Reads version `version` (default: production). Throws {@link NotFoundError} or {@link ModelFormatError}. */
  load(version = this.production()): ClassifierVersion {
    return loadClassifierVersion(this.dir, version);
  }

  /**
   * Writes `v` as the next version and registers it: production when there is none or its macro-F1
   * is at least production's minus `promoteMargin`, else a candidate. `sha256` is the whole hash of
   * the training data (default: the one in `v`). One transaction: two writers never take one number.
   */
  save(v: Omit<ClassifierVersion, 'version'>, options: { promoteMargin?: number; sha256?: string } = {}): SaveResult {
    const margin = options.promoteMargin ?? DEFAULT_PROMOTE_MARGIN;
    return this.db.transaction((): SaveResult => {
      const index = this.index();
      const numbers = [...listClassifierVersions(this.dir), ...index.versions.map((e) => e.version)].map((n) => Number(n.slice(1)));
      const version = `v${String(numbers.length ? Math.max(...numbers) + 1 : 1).padStart(4, '0')}`;
      const path = join(this.dir, `${version}.json`);
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
          `kept as a candidate (\`kad models promote ${version} --model-dir ${this.dir}\` to use it anyway)`;
      }
      if (stage === 'production' && prod) this.setStage(prod.version, 'archived');
      this.insert(entryOf({ ...v, version }, stage, options.sha256));
      if (stage === 'production') this.pushProduction(version);
      return { version, path, stage, reason };
    }).immediate();
  }

  /** Makes `version` production (the production one is archived). Throws {@link NotFoundError} for an unknown version or an empty registry. */
  promote(version: string): void {
    this.db.transaction(() => {
      const index = this.requireVersions();
      const entry = index.versions.find((e) => e.version === version);
      if (!entry) throw new NotFoundError(`${this.dir}: no classifier version ${version} (versions: ${index.versions.map((e) => e.version).join(', ')})`);
      if (entry.stage === 'production') return;
      for (const e of index.versions) if (e.stage === 'production') this.setStage(e.version, 'archived');
      this.setStage(version, 'production');
      this.pushProduction(version);
    }).immediate();
  }

  /**
   * Makes the previous production version production again and archives the current one; returns
   * both. Throws {@link NotFoundError} on an empty registry, {@link InputError} when no version was
   * production before the current one.
   */
  rollback(): { from: string; to: string } {
    return this.db.transaction(() => {
      const h = this.requireVersions().productionHistory;
      if (h.length < 2) throw new InputError(`${this.dir}: no earlier production version to roll back to${h.length ? ` (${h[0]} is the only one)` : ''}`);
      const from = h.at(-1)!, to = h.at(-2)!;
      this.db.prepare('DELETE FROM classifier_production WHERE model_dir = ? AND seq = (SELECT MAX(seq) FROM classifier_production WHERE model_dir = ?)').run(this.key, this.key);
      this.setStage(from, 'archived');
      this.setStage(to, 'production');
      this.writeProductionFile(to);
      return { from, to };
    }).immediate();
  }

  /** Closes the database. */
  close(): void {
    if (this.owned && this.db.open) this.db.close();
  }

  private requireVersions(): RegistryIndex {
    const index = this.index();
    if (index.versions.length === 0) throw new NotFoundError(`${this.dir}: no classifier versions (train one with \`kad classify train --model-dir ${this.dir}\`)`);
    return index;
  }

  private insert(e: RegistryEntry): void {
    this.db.prepare('INSERT INTO classifier_versions (model_dir, version, algorithm, params, data_sha256, macro_f1, recall, created_at, stage) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(this.key, e.version, e.algorithm, JSON.stringify(e.params ?? {}), e.dataSha256, e.macroF1, JSON.stringify(e.recall ?? {}), e.createdAt, e.stage);
  }

  private setStage(version: string, stage: Stage): void {
    this.db.prepare('UPDATE classifier_versions SET stage = ? WHERE model_dir = ? AND version = ?').run(stage, this.key, version);
  }

  private pushProduction(version: string): void {
    this.db.prepare('INSERT INTO classifier_production (model_dir, seq, version) VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM classifier_production WHERE model_dir = ?), ?)').run(this.key, this.key, version);
    this.writeProductionFile(version);
  }

  private writeProductionFile(version: string): void {
    writeJsonAtomicSync(join(this.dir, PRODUCTION), { version }, { mode: 0o666 });
  }

  /**
   * Imports `registry.json` (or the version files of an older directory) when the database has nothing
   * of this directory yet. The look and the import hold the write lock, as {@link save} does while it
   * writes a version file and its row: a reader opening the registry meanwhile (`kad models list`
   * during a watch's training) waits for the row instead of taking the new file for an older layout's
   * and importing it (the writer's row then failed on a UNIQUE constraint).
   */
  private importLegacy(): void {
    const has = () => this.db.prepare('SELECT 1 FROM classifier_versions WHERE model_dir = ? LIMIT 1').get(this.key);
    if (has()) return;
    const imported = this.db.transaction(() => {
      if (has()) return false;
      const legacy = legacyIndex(this.dir);
      if (legacy.versions.length === 0) return false;
      for (const e of legacy.versions) this.insert(e);
      legacy.productionHistory.forEach((v, i) => this.db.prepare('INSERT INTO classifier_production (model_dir, seq, version) VALUES (?, ?, ?)').run(this.key, i + 1, v));
      return true;
    }).immediate();
    if (!imported) return;
    try {
      renameSync(join(this.dir, REGISTRY), join(this.dir, `${REGISTRY}.imported`));
    } catch {
      // no registry.json: the versions were indexed from their files
    }
  }
}

/** Runs `f` on the registry of `dir` (see {@link ClassifierRegistry.open}) and closes it. */
export function withRegistry<T>(dir: string, where: RegistryLocation, f: (r: ClassifierRegistry) => T): T {
  const r = ClassifierRegistry.open(dir, where);
  try {
    return f(r);
  } finally {
    r.close();
  }
}

/** The registry index of `dir` (an empty one when `dir` has no versions). */
export function readRegistry(dir: string, where: RegistryLocation = {}): RegistryIndex {
  return withRegistry(dir, where, (r) => r.index());
}

/** Writes `v` as the next version of `dir` and registers it by the margin rule ({@link ClassifierRegistry.save}). */
export function saveClassifierVersion(dir: string, v: Omit<ClassifierVersion, 'version'>, options: { promoteMargin?: number; sha256?: string } & RegistryLocation = {}): SaveResult {
  return withRegistry(dir, options, (r) => r.save(v, options));
}

/** Makes `version` of `dir` production ({@link ClassifierRegistry.promote}). */
export function setProductionVersion(dir: string, version: string, where: RegistryLocation = {}): void {
  withRegistry(dir, where, (r) => r.promote(version));
}

/** Rolls the production version of `dir` back ({@link ClassifierRegistry.rollback}). */
export function rollbackProduction(dir: string, where: RegistryLocation = {}): { from: string; to: string } {
  return withRegistry(dir, where, (r) => r.rollback());
}

/** The production version of `dir`. Throws {@link NotFoundError} when there is none. */
export function productionVersion(dir: string, where: RegistryLocation = {}): string {
  return withRegistry(dir, where, (r) => r.production());
}

/** Reads version `version` of `dir` (default: production, in the registry at `where`). Throws {@link NotFoundError} or {@link ModelFormatError}. */
export function loadClassifierVersion(dir: string, version?: string, where: RegistryLocation = {}): ClassifierVersion {
  version ??= productionVersion(dir, where);
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
