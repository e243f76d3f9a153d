/**
 * The event store's database file: opening it (WAL, `synchronous=NORMAL`, a busy timeout), checking
 * it is a kad event store this kad can read, and bringing its schema up to date. The schema version
 * is SQLite's `user_version`; {@link MIGRATIONS}[i] takes a database from version i to i + 1, each in
 * one transaction, so a crash mid-migration leaves the old version. A file that is not a database,
 * fails SQLite's quick check, or was written by a newer kad is refused with a {@link StoreError}
 * naming the file and what to do; it is never changed.
 */
import Database from 'better-sqlite3';
import { StoreError } from '../core/errors.js';

/** A better-sqlite3 connection. */
export type Db = Database.Database;

/** Each entry migrates the schema from its index to the next version. Append only: never edit a shipped one. */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE pods (
    id INTEGER PRIMARY KEY,
    namespace TEXT NOT NULL,
    pod TEXT NOT NULL,
    workload TEXT NOT NULL,
    UNIQUE (namespace, pod)
  );
  CREATE TABLE pod_history (
    pod_id INTEGER NOT NULL,
    t INTEGER NOT NULL,
    score REAL, threshold REAL, flagged INTEGER NOT NULL, model_score REAL, peer_score REAL,
    cpu REAL, memory REAL, restarts REAL, network_rx REAL, network_tx REAL,
    rx_packets REAL, rx_dropped REAL, cpu_limit REAL, memory_limit REAL,
    PRIMARY KEY (pod_id, t)
  ) WITHOUT ROWID;
  CREATE INDEX pod_history_t ON pod_history (t);
  CREATE TABLE anomalies (
    id INTEGER PRIMARY KEY,
    namespace TEXT NOT NULL, workload TEXT NOT NULL, pod TEXT NOT NULL,
    start_at INTEGER NOT NULL, end_at INTEGER,
    peak_score REAL NOT NULL, threshold REAL NOT NULL,
    top_features TEXT NOT NULL, explanation TEXT NOT NULL, model_version TEXT NOT NULL,
    verdict TEXT, incident_type TEXT, comment TEXT, feedback_at INTEGER
  );
  CREATE INDEX anomalies_start_at ON anomalies (start_at);
  CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    alert_key TEXT NOT NULL,
    namespace TEXT NOT NULL, workload TEXT NOT NULL, pod TEXT NOT NULL,
    starts_at INTEGER NOT NULL, ends_at INTEGER,
    summary TEXT NOT NULL, labels TEXT NOT NULL, annotations TEXT NOT NULL,
    anomaly_id INTEGER REFERENCES anomalies (id) ON DELETE SET NULL
  );
  CREATE INDEX alerts_starts_at ON alerts (starts_at);
  CREATE TABLE workload_bars (
    namespace TEXT NOT NULL, workload TEXT NOT NULL,
    false_alarms INTEGER NOT NULL, score_floor REAL NOT NULL, updated_at INTEGER NOT NULL,
    PRIMARY KEY (namespace, workload)
  );
  `,
  // 2: Alertmanager silences as weak feedback (verdict 'silenced'): the silence's id and author.
  `
  ALTER TABLE anomalies ADD COLUMN silence_id TEXT;
  ALTER TABLE anomalies ADD COLUMN silenced_by TEXT;
  `,
  // 3: the classifier registry (registry/classifier-versions.ts): versions per model directory (its
  // path relative to this file's directory) and the order in which they were production.
  `
  CREATE TABLE classifier_versions (
    model_dir TEXT NOT NULL,
    version TEXT NOT NULL,
    algorithm TEXT NOT NULL,
    params TEXT NOT NULL,
    data_sha256 TEXT NOT NULL,
    macro_f1 REAL NOT NULL,
    recall TEXT NOT NULL,
    created_at TEXT NOT NULL,
    stage TEXT NOT NULL CHECK (stage IN ('candidate', 'production', 'archived')),
    PRIMARY KEY (model_dir, version)
  ) WITHOUT ROWID;
  CREATE TABLE classifier_production (
    model_dir TEXT NOT NULL,
    seq INTEGER NOT NULL,
    version TEXT NOT NULL,
    PRIMARY KEY (model_dir, seq)
  ) WITHOUT ROWID;
  `,
];

/** The schema version this kad writes (and the newest it reads). */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Opens (creating) the database at `path` (`:memory:` for one in memory), checks it and migrates it
 * to {@link SCHEMA_VERSION}. Throws {@link StoreError} naming `path` when it cannot be used.
 */
export function openDatabase(path: string): Db {
  let db: Db;
  try {
    db = new Database(path);
  } catch (e) {
    throw new StoreError(`cannot open the event store ${path}: ${(e as Error).message} (check that KAD_STATE_DIR is a writable directory)`, { cause: e });
  }
  try {
    db.pragma('busy_timeout = 5000');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new StoreError(`the event store ${path} has schema version ${version}, written by a newer kad; this kad reads up to version ${SCHEMA_VERSION}: run the newer kad, or move the file aside to start a new store`);
    }
    if (path !== ':memory:') {
      const check = db.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw new StoreError(`the event store ${path} is corrupt (SQLite quick_check: ${String(check)}); move it aside (with its -wal and -shm files) to start a new store`);
      db.pragma('journal_mode = WAL');
    }
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    for (let v = version; v < SCHEMA_VERSION; v++) {
      db.transaction(() => {
        db.exec(MIGRATIONS[v]);
        db.pragma(`user_version = ${v + 1}`);
      })();
    }
    return db;
  } catch (e) {
    db.close();
    if (e instanceof StoreError) throw e;
    const code = (e as { code?: string }).code;
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
      throw new StoreError(`the event store ${path} is not a usable SQLite database (${(e as Error).message}); move it aside (with its -wal and -shm files) to start a new store`, { cause: e });
    }
    throw new StoreError(`cannot use the event store ${path}: ${(e as Error).message}`, { cause: e });
  }
}
