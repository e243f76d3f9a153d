/**
 * `kad classify`: supervised incident classification on labelled CSV files.
 * - `kad classify train` reads a table, holds out a stratified test share, optionally balances the
 *   training part with SMOTE (SMOTE-NC when there are text columns), fits a classifier, prints the
 *   per-class report and confusion matrix on the held-out rows, and writes a new model version
 *   (src/registry/classifier-versions.ts), which becomes production unless its macro-F1 is worse than
 *   production's by more than `--promote-margin`.
 * - `kad classify predict` writes, per input row, its time (when the input has a time column), the
 *   most probable class, its probability and one `p_<class>` column per class.
 * - `kad classify watch` retrains on a CSV (or each CSV of a directory) whenever its content changes
 *   (src/sources/file-watch.ts), and registers and promotes each new version by the same rule.
 */
import { InputError, KadError, UsageError } from '../core/errors.js';
import type { Progress } from '../core/progress.js';
import { commandProgress, fileProgress, inputSize, makeOutputDir, QUIET_OPTION, StoppedError, stoppedExitCode, throwIfStopped, yieldAndCheck, type Command, type CommandIO } from './command.js';
import { csvField, openOutputFile } from './output-file.js';
import { formatScore, PROGRESS_MIN_BYTES } from './score.js';
import type { SaveResult } from '../registry/classifier-versions.js';

/** `--algorithm` names and the classifier kinds they stand for. */
export const ALGORITHMS: Readonly<Record<string, string>> = { rf: 'random-forest', gbdt: 'gbdt', logistic: 'logistic', stack: 'stack', mlp: 'mlp', cnn: 'cnn', gnn: 'gnn' };

/** The settings of `kad classify train` (and of each retraining of `kad classify watch`), checked. */
export interface TrainSettings {
  target: string;
  dir: string;
  /** A classifier kind. */
  kind: string;
  testSize: number;
  seed: number;
  smote: boolean;
  classWeight: boolean;
  params: Record<string, unknown>;
  importance: boolean;
  promoteMargin: number;
  quiet: boolean;
}

/** The options `kad classify train` and `kad classify watch` share. */
export const TRAIN_OPTIONS: Command['options'] = {
  target: { type: 'string', value: 'COLUMN', description: 'The class column' },
  'model-dir': { type: 'string', value: 'DIR', description: 'Where model versions are kept (vNNNN.json; the registry in KAD_STATE_DIR\'s kad.db, else DIR/kad.db)' },
  algorithm: { type: 'string', value: 'NAME', description: 'rf (default), gbdt, logistic, stack, mlp, cnn (columns <channel>@<step>) or gnn (columns <node>/<feature>, --params edges)' },
  smote: { type: 'boolean', description: 'Oversample the smaller classes of the training part (SMOTE; SMOTE-NC with text columns)' },
  'class-weight': { type: 'string', value: 'balanced', description: 'Weight classes inversely to their size' },
  'test-size': { type: 'string', value: 'R', description: 'Share of each class held out for the report (default 0.2)' },
  seed: { type: 'string', value: 'N', description: 'Random seed (default 42); same seed, same model' },
  params: { type: 'string', value: 'JSON', description: 'Algorithm settings, e.g. \'{"nEstimators":200}\'' },
  importance: { type: 'boolean', description: 'Also print the permutation importance of each feature (macro-F1 drop)' },
  'promote-margin': { type: 'string', value: 'F1', description: 'Make the new version production unless its macro-F1 is worse than production\'s by more than this (default 0.01)' },
  quiet: QUIET_OPTION,
};

/** Checks the shared training options of `v` (all but `--data`). */
export function trainSettings(v: Record<string, unknown>): TrainSettings {
  for (const o of ['target', 'model-dir'] as const) if (typeof v[o] !== 'string') throw new UsageError(`--${o} is required`);
  const alg = typeof v.algorithm === 'string' ? v.algorithm : 'rf';
  const kind = ALGORITHMS[alg];
  if (!kind) throw new UsageError(`--algorithm must be one of ${Object.keys(ALGORITHMS).join(', ')}, got "${alg}"`);
  const testSize = v['test-size'] === undefined ? 0.2 : Number(v['test-size']);
  if (!(testSize > 0 && testSize < 1)) throw new UsageError(`--test-size must be a number in (0, 1), got "${v['test-size']}"`);
  const seed = v.seed === undefined ? 42 : Number(v.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new UsageError(`--seed must be a non-negative integer, got "${v.seed}"`);
  if (v['class-weight'] !== undefined && v['class-weight'] !== 'balanced') throw new UsageError(`--class-weight must be "balanced", got "${v['class-weight']}"`);
  const promoteMargin = v['promote-margin'] === undefined ? 0.01 : Number(v['promote-margin']);
  if (!(promoteMargin >= 0 && promoteMargin <= 1)) throw new UsageError(`--promote-margin must be a number in [0, 1], got "${v['promote-margin']}"`);
  let params: Record<string, unknown> = {};
  if (typeof v.params === 'string') {
    try {
      params = JSON.parse(v.params) as Record<string, unknown>;
    } catch (e) {
      throw new UsageError(`--params must be a JSON object: ${(e as Error).message}`);
    }
    if (typeof params !== 'object' || params === null || Array.isArray(params)) throw new UsageError('--params must be a JSON object');
  }
  if (kind === 'random-forest' && params.oobScore === undefined) params = { ...params, oobScore: true };
  return {
    target: v.target as string, dir: v['model-dir'] as string, kind, testSize, seed, smote: v.smote === true, classWeight: v['class-weight'] === 'balanced',
    params, importance: v.importance === true, promoteMargin, quiet: v.quiet === true,
  };
}

/**
 * Trains a classifier on the CSV `dataPath` (its content `bytes` when given, e.g. the settled bytes a
 * watch hashed), prints the held-out report on stdout, and registers the model as a new version,
 * promoted by the margin rule. Returns what the registry did and the version's macro-F1. The training
 * runs in a worker thread, as the service's does (engine/classifier-trainer.ts), so that SIGINT or
 * SIGTERM stops it at once: the worker is ended before it registers anything ({@link StoppedError}).
 */
export async function trainAndRegister(dataPath: string, s: TrainSettings, io: CommandIO, bytes?: Buffer): Promise<SaveResult & { macroF1: number }> {
  const { ClassifierTrainer } = await import('../engine/classifier-trainer.js');
  if (bytes === undefined) bytes = (await import('../sources/csv-text.js')).readInput(dataPath);
  const undoDir = makeOutputDir(s.dir, '--model-dir'); // after the data is read (a missing file leaves no directory), before the fit
  let registered = false;
  throwIfStopped(io.stopSignal);
  const trainer = new ClassifierTrainer();
  const stop = (): void => void trainer.close();
  io.stopSignal.addEventListener('abort', stop, { once: true });
  try {
    // The fit's progress (trees, rounds, epochs) on a live line, or a line per tenth off a terminal,
    // from 2 s into the fit on (a quick one shows none).
    let progress: Progress | undefined;
    const o = await trainer.train({
      data: { kind: 'file', path: dataPath, bytes }, settings: s, modelDir: s.dir, stateDir: io.env.KAD_STATE_DIR || undefined,
      promoteMargin: s.promoteMargin, report: { importance: s.importance },
    }, {
      say: (line) => {
        progress?.clear();
        if (!s.quiet) io.stderr(`kad classify train: ${line}\n`);
      },
      progress: ({ done, total, unit }) => {
        progress ??= commandProgress(io, { quiet: s.quiet }, { label: 'kad classify train', unit, total, lineEvery: Math.max(1, Math.round(total / 10)), quietMs: 2000 });
        progress.update(done);
      },
    });
    progress?.done();
    throwIfStopped(io.stopSignal);
    if (!o.ok) throw o.code ? new KadError(o.code, o.message, 500, o.exitCode) : new Error(o.message);
    registered = true;
    io.stdout(o.text ?? '');
    return { version: o.version, path: o.path, stage: o.stage, reason: o.reason, macroF1: o.macroF1 };
  } finally {
    if (!registered) undoDir(); // failed or stopped: no empty directory left behind
    io.stopSignal.removeEventListener('abort', stop);
  }
}

const trainCommand: Command = {
  name: 'classify train',
  summary: 'Train a classifier on a labelled CSV, print its held-out report and write a new model version',
  usage: 'kad classify train --data TRAIN.csv --target COLUMN --model-dir DIR [--algorithm rf|gbdt|logistic|stack|mlp|cnn|gnn] [--smote] [--test-size 0.2] [--seed N] [--promote-margin 0.01]',
  options: {
    data: { type: 'string', value: 'FILE', description: 'Labelled CSV: a header, feature columns and the class column ("-" for stdin)' },
    ...TRAIN_OPTIONS,
  },
  details: [
    'Empty cells, NaN, null, NA, N/A, None (pandas\' markers) are missing values: the trees learn where to send them, logistic regression',
    'imputes the training mean. Text columns of at most 32 values are one-hot encoded; others are refused.',
    'A column named timestamp or time is not a feature. The report is on the held-out rows: per-class',
    'precision, recall, F1, macro-F1 and the confusion matrix. The new version becomes production unless',
    'its macro-F1 is worse than production\'s by more than --promote-margin; then it stays a candidate.',
  ].join('\n'),
  async run(v, io) {
    if (typeof v.data !== 'string') throw new UsageError('--data is required');
    const s = trainSettings(v);
    const saved = await trainAndRegister(v.data, s, io);
    io.stdout(`\nwrote ${saved.path} (${saved.version}, ${saved.stage === 'production' ? 'now production' : 'a candidate, not production'}: ${saved.reason})\n`);
    return 0;
  },
};

const predictCommand: Command = {
  name: 'classify predict',
  summary: 'Name the most probable class of each row of a CSV with the production model',
  usage: 'kad classify predict --model-dir DIR --input IN.csv --output OUT.csv [--version vNNNN]',
  options: {
    'model-dir': { type: 'string', value: 'DIR', description: 'Where `kad classify train` wrote its versions' },
    input: { type: 'string', short: 'i', value: 'FILE', description: 'CSV with the training columns (the class column may be absent; "-" for stdin)' },
    output: { type: 'string', short: 'o', value: 'FILE', description: 'Where to write [time,]label,probability,p_<class>… ("-" for stdout)' },
    version: { type: 'string', value: 'vNNNN', description: 'A version other than production' },
    quiet: QUIET_OPTION,
  },
  async run(v, io) {
    for (const o of ['model-dir', 'input', 'output'] as const) if (typeof v[o] !== 'string') throw new UsageError(`--${o} is required`);
    const input = v.input as string;
    const [{ readCsvTableBlocks }, { TableEncoder }, { loadClassifier, prepareClassifiers }, { timeColumnOf }, registry] = await Promise.all([
      import('../sources/csv-table.js'), import('../classifiers/encoding.js'), import('../classifiers/index.js'), import('../classifiers/train-table.js'), import('../registry/classifier-versions.js'),
    ]);
    const version = registry.loadClassifierVersion(v['model-dir'] as string, typeof v.version === 'string' ? v.version : undefined, { stateDir: io.env.KAD_STATE_DIR || undefined });
    const encoder = TableEncoder.fromJSON(version.encoder);
    await prepareClassifiers(version.model);
    const model = loadClassifier(version.model);
    const C = model.classes.length;
    // The rows are read, labelled and written block by block (memory does not grow with the input),
    // to a file renamed over the output only at the end: stopped (SIGINT/SIGTERM) or failed, none is left.
    const out = v.output === '-' ? undefined : openOutputFile(v.output as string);
    const emit = (text: string): void => (out ? out.write(Buffer.from(text, 'utf8')) : io.stdout(text));
    const size = inputSize(input);
    const progress = size >= PROGRESS_MIN_BYTES ? fileProgress(io, v, 'kad classify predict', size) : undefined;
    const blocks = readCsvTableBlocks(input);
    try {
      let time: number | undefined; // the time column's index, once the header is read
      for (const table of blocks) {
        const frame = encoder.encode(table); // first: a column the model needs and the input lacks is said before any output
        if (time === undefined) {
          const name = timeColumnOf(table.header);
          time = name ? table.header.indexOf(name) : -1;
          emit([...(name ? [name] : []), 'label', 'probability', ...model.classes.map((c) => `p_${c}`)].map(csvField).join(',') + '\n');
        }
        const p = model.predictProba(frame);
        const times = time >= 0 ? table.columns[time] : undefined;
        const lines: string[] = [];
        for (let i = 0; i < table.rows; i++) {
          let best = 0;
          for (let k = 1; k < C; k++) if (p[i * C + k] > p[i * C + best]) best = k;
          const probs = Array.from(p.subarray(i * C, (i + 1) * C), formatScore);
          lines.push([...(times ? [csvField(times[i])] : []), csvField(model.classes[best]), formatScore(p[i * C + best]), ...probs].join(','));
        }
        emit(lines.join('\n') + '\n');
        progress?.update(table.endByte ?? size);
        await yieldAndCheck(io.stopSignal);
      }
      progress?.done();
      out?.commit();
    } finally {
      progress?.done();
      out?.discard();
      blocks.return();
    }
    return 0;
  },
};

const watchCommand: Command = {
  name: 'classify watch',
  summary: 'Retrain, register and promote a classifier whenever a labelled CSV changes',
  usage: 'kad classify watch --data FILE|DIR --target COLUMN --model-dir DIR [--debounce-ms 2000] [train options]',
  options: {
    data: { type: 'string', value: 'FILE|DIR', description: 'A labelled CSV, or a directory whose *.csv files are each a training set' },
    'debounce-ms': { type: 'string', value: 'MS', description: 'Quiet time after a change before the file is read (default 2000)' },
    'poll-ms': { type: 'string', value: 'MS', description: 'How often files are also checked by stat, for file systems without events (default max(1000, debounce))' },
    ...TRAIN_OPTIONS,
  },
  details: [
    'Trains on the file at start (unless a version of the registry was trained on the same bytes), then on every',
    'change: fs.watch on the directory plus a periodic stat, debounced; a file whose size or time still changes',
    'between two looks is read later, and content with the same SHA-256 as before (a touch) is not retrained.',
    'Each new version is registered and promoted by the --promote-margin rule. One line per event on stderr;',
    'a training that fails (a bad file) is logged and the watch goes on. Stops on SIGINT or SIGTERM (exit 130/143).',
  ].join('\n'),
  async run(v, io) {
    if (typeof v.data !== 'string') throw new UsageError('--data is required');
    const s = { ...trainSettings(v), quiet: true };
    const ms = (name: string, dflt: number): number => {
      const x = v[name] === undefined ? dflt : Number(v[name]);
      if (!Number.isFinite(x) || x < 0) throw new UsageError(`--${name} must be a non-negative number of milliseconds, got "${v[name]}"`);
      return x;
    };
    const debounceMs = ms('debounce-ms', 2000);
    const pollMs = ms('poll-ms', Math.max(1000, debounceMs));
    const [{ watchFiles }, { readRegistry }] = await Promise.all([import('../sources/file-watch.js'), import('../registry/classifier-versions.js')]);
    const log = (line: string): void => io.stderr(`kad classify watch: ${line}\n`);
    const seen = new Set(readRegistry(s.dir, { stateDir: io.env.KAD_STATE_DIR || undefined }).versions.map((e) => e.dataSha256));
    const settleMs = Math.min(500, Math.max(50, debounceMs / 4));
    try {
      const files = watchFiles({ path: v.data, debounceMs, pollMs, settleMs, seen, signal: io.stopSignal });
      log(`watching ${v.data} (debounce ${debounceMs} ms, stat every ${pollMs} ms); versions in ${s.dir}`);
      for await (const ev of files) {
        const hash = ev.sha256 ? ` (sha256 ${ev.sha256.slice(0, 12)})` : '';
        if (ev.status === 'missing') log(`${ev.path}: removed; nothing to train`);
        else if (ev.status === 'unchanged') log(`${ev.path}: content unchanged${hash}; not retrained`);
        else {
          try {
            const r = await trainAndRegister(ev.path, s, io, ev.bytes);
            log(`${ev.path}: changed${hash}; trained ${r.version} (macro-F1 ${r.macroF1.toFixed(3)}): ${r.stage === 'production' ? 'promoted to production' : 'kept as a candidate'}: ${r.reason}`);
          } catch (e) {
            if (e instanceof StoppedError) break; // the training in progress was ended; nothing of it is registered
            if (!(e instanceof KadError)) throw e;
            log(`${ev.path}: changed${hash}; not trained: ${e.message}`);
          }
        }
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new InputError(`${v.data}: no such file or directory`);
      throw e;
    }
    log(`stopped (${String(io.stopSignal.reason ?? 'signal')})`);
    return stoppedExitCode(io.stopSignal);
  },
};

/** `kad classify`: see the module comment. */
export const classifyCommand: Command = {
  name: 'classify',
  summary: 'Train an incident classifier on a labelled CSV, or name the class of each row of one',
  usage: 'kad classify train|predict|watch [options]',
  options: {},
  subcommands: [trainCommand, predictCommand, watchCommand],
  async run() {
    throw new UsageError('kad classify needs a sub-command: train, predict or watch');
  },
};
