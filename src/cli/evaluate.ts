/**
 * `kad evaluate`: runs detectors over a labelled corpus (NAB, ASD or Nezha, in the layouts of
 * `../shared/data/README.md`) and reports NAB scores (NAB only), per-point precision, recall and
 * best F1 with and without point-adjust, event recall, detection delay, false alerts per
 * series-day and ROC-AUC, as a table or JSON. `--corpus forecast` evaluates the 30-minute forecasts
 * instead (src/evaluate/forecast.ts): MASE against seasonal naive, MAPE, 80% and 95% coverage on the
 * simulator's workloads and NAB's realTraffic series.
 */
import { InputError, UsageError } from '../core/errors.js';
import { quoted } from '../core/quote.js';
import { createDetector, detectorKinds, prepareDetectors } from '../detectors/index.js';
import { readAsdCorpus } from '../evaluate/asd.js';
import { DEFAULT_CORPUS_DIRS, type CorpusName, type LabeledSeries } from '../evaluate/corpus.js';
import { readNabCorpus, readNabProfiles } from '../evaluate/nab.js';
import { readNezhaCorpus, type NezhaReadOptions } from '../evaluate/nezha.js';
import { formatReport, reportJson, type EvaluationReport } from '../evaluate/report.js';
import { runSteps, runStepsAsync } from '../core/steps.js';
import { detectorSteps, type DetectorResult } from '../evaluate/runner.js';
import { leaveOneCorpusOutAsync } from '../evaluate/loco.js';
import { LOCO_GRID_NAMES, locoGrid, readLocoFolds } from '../evaluate/loco-folds.js';
import { formatLoco } from '../evaluate/loco-report.js';
import { evaluateForecastCorporaAsync, formatForecastReport } from '../evaluate/forecast.js';
import { FORECAST_MODELS, type ForecastModelName } from '../forecast/forecaster.js';
import { loadProphet } from '../forecast/augurs.js';
import type { AlertPolicyParams } from '../policy/alert-policy.js';
import type { Progress } from '../core/progress.js';
import { commandProgress, stopCheck, yieldAndCheck, type CommandIO } from './command.js';
import { SLOW_DETECTOR_KINDS } from './detector-kinds.js';
import { parsePolicySpec, targetFalseAlarmRate } from './decision-options.js';
import { DEFAULT_SCORE_DETECTOR } from './score.js';


/** Reads a corpus by name. */
export function readCorpus(corpus: CorpusName, dir: string, opts: NezhaReadOptions = {}): LabeledSeries[] {
  if (corpus === 'nab') return readNabCorpus(dir, opts);
  if (corpus === 'asd' || corpus === 'smd') return readAsdCorpus(dir, opts);
  return readNezhaCorpus(dir, opts);
}

/**
 * Parses `--params`: a JSON object of detector settings by kind, e.g. `{"onset":{"z50":10}}`. Throws
 * {@link UsageError} naming what is wrong.
 */
export function parseParams(text: string, kinds: readonly string[]): Record<string, Record<string, unknown>> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--params: not JSON: ${(e as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new UsageError('--params: expected an object of settings by detector kind, e.g. {"onset":{"z50":10}}');
  for (const [k, p] of Object.entries(v)) {
    if (!kinds.includes(k)) throw new UsageError(`--params: "${k}" is not one of the detectors evaluated (${kinds.join(', ')})`);
    if (typeof p !== 'object' || p === null || Array.isArray(p)) throw new UsageError(`--params: the settings of "${k}" must be an object`);
    try {
      createDetector(k, p as Record<string, unknown>, 0);
    } catch (e) {
      throw new UsageError(`--params: ${(e as Error).message}`);
    }
  }
  return v as Record<string, Record<string, unknown>>;
}

/** Options of {@link evaluateCorpus}. */
export interface EvaluateCorpusOptions extends NezhaReadOptions {
  /** Detector settings by kind (kinds not named take their defaults). */
  params?: Readonly<Record<string, Record<string, unknown>>>;
  /** With a policy, topology inhibition of the alerts of series that have a call graph (Nezha). */
  inhibit?: boolean;
  seed?: number;
  /** Also run every detector through this alert policy (a second result per detector, "KIND+policy"). */
  policy?: AlertPolicyParams;
  /** Calibrated flags at this false-alarm rate (see runner.ts; unset or 0: each detector's own threshold). */
  targetFalseAlarmRate?: number;
  /** Told the series runs in all (detectors × series, twice with a policy), then each one done. */
  progress?: Pick<Progress, 'setTotal' | 'tick'>;
}

/** Runs every detector over a corpus (raw, and through the policy when one is given) and builds the report. */
export function evaluateCorpus(corpus: CorpusName, dir: string, detectors: readonly string[], opts: EvaluateCorpusOptions = {}): EvaluationReport {
  return runSteps(corpusSteps(corpus, dir, detectors, opts));
}

/**
 * {@link evaluateCorpus}, awaiting `between()` before each series of each detector: it may let the
 * event loop run and throw to stop (`kad evaluate` on SIGINT/SIGTERM).
 */
export function evaluateCorpusAsync(corpus: CorpusName, dir: string, detectors: readonly string[], opts: EvaluateCorpusOptions, between: () => Promise<void>): Promise<EvaluationReport> {
  return runStepsAsync(corpusSteps(corpus, dir, detectors, opts), between);
}

function* corpusSteps(corpus: CorpusName, dir: string, detectors: readonly string[], opts: EvaluateCorpusOptions): Generator<void, EvaluationReport, void> {
  const series = readCorpus(corpus, dir, { ...opts, callGraph: opts.callGraph ?? opts.inhibit });
  const seed = opts.seed ?? 42;
  const nabProfiles = corpus === 'nab' ? readNabProfiles(dir) : undefined;
  const rate = opts.targetFalseAlarmRate;
  const results: DetectorResult[] = [];
  opts.progress?.setTotal(detectors.length * series.length * (opts.policy ? 2 : 1));
  for (const d of detectors) {
    const params = opts.params?.[d];
    const onSeriesRun = (kind: string) => (name: string) => opts.progress?.tick(`${kind} ${name}`);
    results.push(yield* detectorSteps(d, series, { seed, nabProfiles, params, targetFalseAlarmRate: rate, onSeriesRun: onSeriesRun(d) }));
    if (!opts.policy) continue;
    const withPolicy = yield* detectorSteps(d, series, {
      seed, nabProfiles, params, policy: opts.policy, inhibit: opts.inhibit, targetFalseAlarmRate: rate, onSeriesRun: onSeriesRun(`${d}+policy`),
    });
    results.push({ ...withPolicy, detector: `${d}+policy` });
  }
  return { corpus, data: dir, seed, targetFalseAlarmRate: rate ?? 0, detectors: results };
}

/** `kad evaluate`'s work (the command itself, light for `--help`, is in evaluate-command.ts). */
export async function runEvaluate(v: Record<string, string | boolean | string[] | undefined>, io: CommandIO): Promise<number> {
  if (v.loco !== undefined) return runLoco(v, io);
  const corpus = v.corpus;
  if (corpus === 'forecast') return runForecast(v, io);
  if (corpus !== 'nab' && corpus !== 'asd' && corpus !== 'smd' && corpus !== 'nezha') throw new UsageError(`--corpus must be nab, asd, smd, nezha or forecast, got ${JSON.stringify(corpus ?? '')}`);
  const dir = typeof v.data === 'string' ? v.data : DEFAULT_CORPUS_DIRS[corpus];
  if (v.engine) return (await import('./evaluate-engine.js')).runEngineEvaluation(dir, v, io);
  if (v.mesh) throw new UsageError('--mesh goes with --engine (the service\'s path); the per-series Nezha evaluation reads the mesh columns by default');
  const named = Array.isArray(v.detector) && v.detector.length > 0;
  const kinds = named ? v.detector as string[] : detectorKinds().filter((k) => !(k in SLOW_DETECTOR_KINDS));
  for (const k of kinds) if (!detectorKinds().includes(k)) throw new InputError(`unknown detector ${quoted(k)} (known: ${detectorKinds().join(', ')})`);
  const limit = v.limit === undefined ? undefined : Number(v.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new UsageError(`--limit must be a positive integer, got "${v.limit}"`);
  const seed = v.seed === undefined ? 42 : Number(v.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new UsageError(`--seed must be a non-negative integer, got "${v.seed}"`);
  const policy = typeof v.policy === 'string' ? parsePolicySpec(v.policy) : undefined;
  await prepareDetectors([kinds, v.params]);
  const params = typeof v.params === 'string' ? parseParams(v.params, kinds) : undefined;
  if (v.inhibit && !policy) throw new UsageError('--inhibit holds alerts of the alert policy: give --policy too');
  if ((v.inhibit || v['train-previous-day']) && corpus !== 'nezha') throw new UsageError('--inhibit and --train-previous-day apply to --corpus nezha');
  if (kinds.includes('lstm-ae')) await (await import('../core/tf.js')).useWasmBackend(); // 3–4× faster training than the cpu backend
  const rate = targetFalseAlarmRate(v['target-fpr'], io.env);
  if (!named) {
    const slow = Object.entries(SLOW_DETECTOR_KINDS).map(([k, cost]) => `${k} (${cost})`);
    io.stderr(`kad evaluate: left out the slow kinds ${slow.join(' and ')}; run them with --detector KIND (e.g. --detector ${Object.keys(SLOW_DETECTOR_KINDS)[0]}; repeat for several)\n`);
  }
  const progress = commandProgress(io, v, { label: 'kad evaluate', unit: 'series runs' });
  try {
    const report = await evaluateCorpusAsync(corpus, dir, kinds, {
      limit, seed, policy, params, inhibit: v.inhibit === true, trainOnPreviousDay: v['train-previous-day'] === true, targetFalseAlarmRate: rate,
      strictTime: v['strict-time'] === true, progress,
      warn: (line) => {
        progress.clear();
        io.stderr(`kad evaluate: ${line}\n`);
      },
    }, () => yieldAndCheck(io.stopSignal));
    progress.done();
    io.stdout(v.json ? reportJson(report) : formatReport(report));
    return 0;
  } finally {
    progress.done();
  }
}

/** `kad evaluate --loco`. */
async function runLoco(v: Record<string, string | boolean | string[] | undefined>, io: CommandIO): Promise<number> {
  const name = v.loco === '' || v.loco === true ? 'default' : String(v.loco);
  const grid = locoGrid(name, DEFAULT_SCORE_DETECTOR);
  if (!grid) throw new UsageError(`--loco must be one of ${LOCO_GRID_NAMES.join(', ')}, got "${name}"`);
  if (v.corpus !== undefined || v.detector !== undefined || v.policy !== undefined) throw new UsageError('--loco reads every corpus in --data and chooses the detector and policy itself: leave out --corpus, --detector and --policy');
  const limit = v.limit === undefined ? undefined : Number(v.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new UsageError(`--limit must be a positive integer, got "${v.limit}"`);
  const seed = v.seed === undefined ? 42 : Number(v.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new UsageError(`--seed must be a non-negative integer, got "${v.seed}"`);
  const { folds, skipped } = readLocoFolds(typeof v.data === 'string' ? v.data : '../shared/data', { only: Array.isArray(v.only) ? v.only : undefined, limit });
  if (folds.length < 2) throw new InputError(`--loco needs at least two folds; found ${folds.map((f) => f.name).join(', ') || 'none'}${skipped.length ? ` (missing: ${skipped.join(', ')})` : ''}`);
  // The folds' units are not counted ahead: the count of series runs so far and their rate.
  const progress = commandProgress(io, v, { label: 'kad evaluate --loco', unit: 'series runs', lineEvery: 100 });
  let result;
  try {
    result = await leaveOneCorpusOutAsync(folds, grid, { seed }, async () => {
      progress.tick();
      await yieldAndCheck(io.stopSignal);
    });
  } finally {
    progress.done();
  }
  if (v.json) io.stdout(JSON.stringify({ ...result, skipped }, (_k, x: unknown) => (typeof x === 'number' && !Number.isFinite(x) ? null : x), 2) + '\n');
  else io.stdout(formatLoco(result, new Map(folds.map((f) => [f.name, f.dataset]))) + skipped.map((s) => `skipped: ${s}\n`).join(''));
  return 0;
}

/** `kad evaluate --corpus forecast`. */
async function runForecast(v: Record<string, string | boolean | string[] | undefined>, io: CommandIO): Promise<number> {
  const int = (name: string, dflt: number, min: number): number => {
    const raw = v[name];
    if (raw === undefined) return dflt;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got "${String(raw)}"`);
    return n;
  };
  const model = (v.model ?? 'seasonal') as ForecastModelName;
  if (!FORECAST_MODELS.includes(model)) throw new UsageError(`--model must be one of ${FORECAST_MODELS.join(', ')}, got "${String(v.model)}"`);
  if (v.detector !== undefined || v.policy !== undefined) throw new UsageError('--detector and --policy do not apply to --corpus forecast');
  if (model === 'prophet') await loadProphet();
  const options = {
    forecast: { model, horizonMs: int('horizon', 30, 1) * 60_000 },
    simulatorDays: int('days', 10, 0), incidents: v.incidents === true, seed: int('seed', 7, 0),
    nabDir: typeof v.data === 'string' ? v.data : DEFAULT_CORPUS_DIRS.nab, nabLimit: v.limit === undefined ? undefined : int('limit', 0, 1),
  };
  const progress = commandProgress(io, v, { label: 'kad evaluate', unit: 'series' });
  let result;
  try {
    // Stops within a second of SIGINT/SIGTERM: checked between simulated hours and between forecasts.
    result = await evaluateForecastCorporaAsync({ ...options, progress }, stopCheck(io.stopSignal));
  } finally {
    progress.done();
  }
  if (v.json) io.stdout(JSON.stringify(result, null, 2) + '\n');
  else io.stdout(formatForecastReport(result.reports, v['per-series'] === true) + result.skipped.map((s) => `${s.corpus}: skipped (${s.reason})\n`).join(''));
  return 0;
}
