/**
 * `kad score`: scores a CSV time series with a detector, causally, and writes
 * `timestamp,score,is_anomaly` (DESIGN.md contract). Without --train the detector learns online from
 * the rows it has already scored (score row t, then learn it); with --train it is fitted on that file
 * first and then scores without learning.
 */
import { InputError, UsageError } from '../core/errors.js';
import { quoted, quotedList } from '../core/quote.js';
import { runStepsAsync } from '../core/steps.js';
import type { CsvNotes, CsvReadOptions, CsvSeries, TimeTexts } from '../sources/csv.js';
import { fileProgress, inputSize, QUIET_OPTION, yieldAndCheck, type Command } from './command.js';
import { HELP_DETECTOR_KINDS, SLOW_DETECTOR_KINDS } from './detector-kinds.js';
import { openOutputFile } from './output-file.js';

/** The default detector of `kad score`. */
export const DEFAULT_SCORE_DETECTOR = 'adaptive';

/** Formats a score with at least 6 significant digits (DESIGN.md): 8 significant digits, trailing zeros dropped. */
export function formatScore(s: number): string {
  if (s === 0) return '0';
  const t = s.toPrecision(8);
  if (t.includes('e') || !t.includes('.')) return t;
  let end = t.length;
  while (t.charCodeAt(end - 1) === 0x30) end--; // trailing zeros of the fraction
  if (t.charCodeAt(end - 1) === 0x2e) end--; // and the point when nothing is left after it
  return end === t.length ? t : t.slice(0, end);
}

/** Rows scored between two looks at the stop signal (SIGINT/SIGTERM): about 10–50 ms of work. */
const CHUNK_ROWS = 10_000;

/** Inputs from this size on (or scored by a slow kind) report progress: a few seconds of work or more. */
export const PROGRESS_MIN_BYTES = 8 << 20;

/** Output chunk size: rows are formatted into a buffer of this size, written whenever it fills. */
const CHUNK_BYTES = 1 << 20;

/**
 * Writes `timestamp,score,is_anomaly` (a header unless `header` is false, then a row per score) in
 * large chunks: `write` is called with each full chunk (whole rows only) and must be done with it
 * before it returns.
 */
export function writeScoreRows(times: TimeTexts, scores: Float64Array, flags: Uint8Array, write: (chunk: Buffer) => void, header = true): void {
  let buf = Buffer.allocUnsafe(CHUNK_BYTES);
  let pos = header ? buf.write('timestamp,score,is_anomaly\n', 0, 'latin1') : 0;
  for (let i = 0; i < scores.length; i++) {
    const text = formatScore(scores[i]);
    const need = times.byteLength(i) + text.length + 4;
    if (pos + need > buf.length) {
      write(buf.subarray(0, pos));
      pos = 0;
      if (need > buf.length) buf = Buffer.allocUnsafe(need);
    }
    pos = times.copyTo(i, buf, pos);
    buf[pos++] = 0x2c;
    for (let k = 0; k < text.length; k++) buf[pos++] = text.charCodeAt(k);
    buf[pos++] = 0x2c;
    buf[pos++] = flags[i] ? 0x31 : 0x30;
    buf[pos++] = 0x0a;
  }
  if (pos > 0) write(buf.subarray(0, pos));
}


/** The indices among `names` (the input's value columns) of `columns`; throws {@link InputError} naming one the file lacks. */
function columnIndices(columns: readonly string[], names: readonly string[], file: string): number[] {
  return columns.map((c) => {
    const j = names.indexOf(c);
    if (j < 0) throw new InputError(`--only-above: ${file} has no column ${quoted(c)} (its value columns: ${quotedList(names)})`);
    return j;
  });
}

export const scoreCommand: Command = {
  name: 'score',
  summary: 'Score a CSV time series and write timestamp,score,is_anomaly',
  usage: 'kad score --input IN.csv --output OUT.csv [--train TRAIN.csv] [--detector KIND] [--only-above COL,...] [--target-fpr R] [--policy SPEC] [--seed N] [--strict-time] [--quiet]',
  options: {
    input: { type: 'string', short: 'i', value: 'FILE', description: 'CSV with a timestamp (or time) column and numeric columns ("-" for stdin)' },
    output: { type: 'string', short: 'o', value: 'FILE', description: 'Where to write timestamp,score,is_anomaly ("-" for stdout)' },
    train: { type: 'string', value: 'FILE', description: 'Fit on this CSV (same columns) first; otherwise learn online ("-" for stdin)' },
    detector: { type: 'string', short: 'd', value: 'KIND', description: `Detector kind (default ${DEFAULT_SCORE_DETECTOR}; the kinds are listed below)` },
    'only-above': { type: 'string', value: 'COLS', description: 'Comma-separated columns where only a rise is anomalous (latency, errors, a queue): a fall scores as no change' },
    seed: { type: 'string', value: 'N', description: 'Random seed (default 42); same seed, same scores' },
    'target-fpr': { type: 'string', value: 'R', description: 'Flag a row when its score is rarer than R among the series\' own scores (default 0.001, or KAD_TARGET_FALSE_ALARM_RATE; 0: the detector\'s own threshold)' },
    policy: { type: 'string', value: 'SPEC', description: 'is_anomaly from the alert policy (1 while firing), e.g. "k=2,cooldownSeconds=600" or "default"' },
    'strict-time': { type: 'boolean', description: 'Reject a file whose times go backwards (default: score such a row as the next point)' },
    quiet: QUIET_OPTION,
  },
  details: [
    'Scores are in [0, 1], higher = more anomalous, causal (row t uses only rows up to t and the',
    'training file). is_anomaly is 1 when the score is rarer than --target-fpr (default 1 in 1,000) among the scores',
    'of the rows before it (the training file\'s first; nothing is flagged in the first 100 scores), or with --policy while',
    'the alert policy fires on those flags (the detector still learns every row there; kad evaluate --policy applies',
    'stopLearning). --target-fpr 0: is_anomaly when the score reaches the detector\'s own threshold.',
    'Times: ISO 8601, "YYYY-MM-DD HH:MM:SS" (UTC) or epoch seconds. A repeated time, or one before an earlier',
    'row\'s, is scored as the next point (said once on stderr with the count and the first line; --strict-time',
    'rejects a backward time instead); gaps are kept; no row is dropped. Empty, NaN, null, NA, N/A, None (pandas\' markers) are missing',
    'values, passed to the detector as such (said once on stderr with the count); other non-numbers are rejected.',
    '--only-above latency,errors: those columns are scored only above what the detector expects (a fall is no change),',
    'as the service scores a pod\'s latency, errors and memory; the other columns both ways.',
    `Progress goes to stderr for inputs of ${PROGRESS_MIN_BYTES >> 20} MiB or more and for the slow kinds (${Object.keys(SLOW_DETECTOR_KINDS).join(', ')}):`,
    'a live line on a terminal, else a line per tenth of the file; --quiet: none.',
    '',
    `Detector kinds (--detector): ${HELP_DETECTOR_KINDS.join(', ')}.`,
  ].join('\n'),
  async run(v, io) {
    if (typeof v.input !== 'string') throw new UsageError('--input FILE is required');
    if (v.input === '-' && v.train === '-') throw new UsageError('--input and --train cannot both be "-" (standard input)');
    if (typeof v.output !== 'string') throw new UsageError('--output FILE is required');
    // Loaded here, not at the top: `kad score --help` loads none of them (the registry loads tfjs).
    const [{ row }, { createDetector, detectorKinds, onlyAboveParams, prepareDetectors }, { readCsvBlocks, readCsvSeries }, { AlertPolicy }, { FlagCalibrator }] = await Promise.all([
      import('../core/frame.js'), import('../detectors/index.js'), import('../sources/csv.js'), import('../policy/alert-policy.js'), import('../policy/flag-calibrator.js'),
    ]);
    const kind = typeof v.detector === 'string' ? v.detector : DEFAULT_SCORE_DETECTOR;
    if (!detectorKinds().includes(kind)) throw new InputError(`unknown detector ${quoted(kind)} (known: ${detectorKinds().join(', ')})`);
    const seed = v.seed === undefined ? 42 : Number(v.seed);
    if (!Number.isInteger(seed) || seed < 0) throw new UsageError(`--seed must be a non-negative integer, got "${v.seed}"`);
    const onlyAbove = typeof v['only-above'] === 'string' ? v['only-above'].split(',').map((c) => c.trim()) : undefined;
    if (onlyAbove?.some((c) => c === '')) throw new UsageError(`--only-above must be comma-separated column names, got "${v['only-above']}"`);
    if (onlyAbove) onlyAboveParams(kind, []); // a kind that takes none is said before any work

    // A bad --policy or --target-fpr is said before any work.
    const { parsePolicySpec, targetFalseAlarmRate } = await import('./decision-options.js');
    const rate = targetFalseAlarmRate(v['target-fpr'], io.env);
    const policy = typeof v.policy === 'string' ? new AlertPolicy(parsePolicySpec(v.policy)) : undefined;

    await prepareDetectors([kind, v.params]);
    if (kind === 'lstm-ae') await (await import('../core/tf.js')).useWasmBackend(); // 3–4× faster training than the cpu backend
    // An unwritable --output is said before any work; the rows go to a temporary file beside it,
    // renamed over it at the end and removed when scoring fails or is stopped (SIGINT/SIGTERM).
    const out = v.output === '-' ? undefined : openOutputFile(v.output);
    let blocks: Generator<CsvSeries, CsvNotes, void> | undefined;
    // Progress in bytes of the input (MB or kB), on large files and slow kinds only: a small file is done at once.
    const size = inputSize(v.input);
    const progress = size >= PROGRESS_MIN_BYTES || kind in SLOW_DETECTOR_KINDS
      ? fileProgress(io, v, 'kad score', size)
      : undefined;
    try {
      const stop = io.stopSignal;
      // Backward times and missing values are said once per file on stderr (the input's after its last row).
      const csvOptions: CsvReadOptions = {
        strictTime: v['strict-time'] === true,
        warn: (line) => {
          progress?.clear();
          io.stderr(`kad score: ${line}\n`);
        },
      };
      // The input is read, scored and written block by block: memory does not grow with its length.
      blocks = readCsvBlocks(v.input, csvOptions);
      let block = blocks.next();
      await yieldAndCheck(stop);
      const names = (block.value as CsvSeries).frame.names;
      const detector = createDetector(kind, onlyAbove ? onlyAboveParams(kind, columnIndices(onlyAbove, names, v.input)) : {}, seed);
      const flagger = rate > 0 ? new FlagCalibrator({ targetFalseAlarmRate: rate }) : undefined;
      const fitted = typeof v.train === 'string';
      if (typeof v.train === 'string') {
        const train = readCsvSeries(v.train, csvOptions);
        const same = train.frame.names.length === names.length && train.frame.names.every((n, i) => n === names[i]);
        if (!same) {
          throw new InputError(`${v.train}: columns (${quotedList(train.frame.names)}) differ from ${v.input}'s (${quotedList(names)})`);
        }
        await yieldAndCheck(stop);
        if (detector.fitSteps) await runStepsAsync(detector.fitSteps(train.frame), () => yieldAndCheck(stop));
        else if (detector.fit) detector.fit(train.frame);
        const trainRows = flagger || !detector.fit ? train.frame.rows : 0;
        for (let i = 0; i < trainRows; i++) {
          if (i % CHUNK_ROWS === 0) await yieldAndCheck(stop);
          const x = row(train.frame, i);
          if (flagger) flagger.learn('', detector.scoreOne(x, train.frame.times[i])); // the training rows' scores calibrate the flags
          if (!detector.fit) detector.learnOne(x, train.frame.times[i]);
        }
      }
      const emit = (chunk: Buffer): void => (out ? out.write(chunk) : io.stdout(chunk.toString('utf8')));
      let blockStart = 0; // the input's bytes before this block
      for (let first = true; !block.done; block = blocks.next(), first = false) {
        const { frame, timeText, endByte = size } = block.value;
        const scores = new Float64Array(frame.rows);
        const flags = new Uint8Array(frame.rows);
        // Rows scored between two looks at the stop signal and the progress: fewer for a slow kind.
        const chunk = progress && kind in SLOW_DETECTOR_KINDS ? 100 : CHUNK_ROWS;
        for (let i = 0; i < frame.rows; i++) {
          if (i % chunk === 0) {
            if (i > 0) progress?.update(blockStart + ((endByte - blockStart) * i) / frame.rows);
            await yieldAndCheck(stop);
          }
          const x = row(frame, i);
          const t = frame.times[i];
          const s0 = detector.scoreOne(x, t);
          const threshold = detector.threshold; // the detector's threshold when row i was scored
          if (!fitted) detector.learnOne(x, t); // without --train: score row t, then learn it
          const s = Number.isFinite(s0) ? s0 : 0;
          scores[i] = s;
          // Scoring is done; deciding is the policy's (flag-calibrator.ts, alert-policy.ts).
          const p = flagger ? flagger.observe('', s) : NaN;
          const flag = policy
            ? (flagger ? policy.observe('', 1 - p, t, 1 - rate) : policy.observe('', s, t, threshold)).firing
            : flagger ? flagger.flagged(p) : s >= threshold;
          flags[i] = flag ? 1 : 0;
        }
        writeScoreRows(timeText, scores, flags, emit, first);
        progress?.update(endByte);
        blockStart = endByte;
        await yieldAndCheck(stop);
      }
      progress?.done();
      if (out) out.commit();
      return 0;
    } finally {
      progress?.done();
      out?.discard();
      blocks?.return({} as CsvNotes); // closes the input when scoring stopped early
    }
  },
};
