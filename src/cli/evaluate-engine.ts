/**
 * `kad evaluate --corpus nezha --engine`: the Nezha pod metric files replayed through the service's
 * own path (evaluate/nezha-engine.ts) with the pod model and settings `kad serve` would run with, from
 * the same config (its environment variables), and its alerts scored against the fault list.
 */
import { loadConfig } from '../config/load.js';
import { UsageError } from '../core/errors.js';
import { evaluateNezhaEngineAsync, formatNezhaEngineReport } from '../evaluate/nezha-engine.js';
import { commandProgress, stopCheck, type CommandIO } from './command.js';

/** Options of `kad evaluate` that choose detectors or policies offline, which the service's path takes from its config instead. */
const OFFLINE_ONLY = ['detector', 'policy', 'params', 'inhibit', 'train-previous-day', 'limit'];

/** Runs the evaluation on the Nezha corpus at `dir` and prints the report (JSON with `--json`). */
export async function runEngineEvaluation(
  dir: string, v: Record<string, string | boolean | string[] | undefined>, io: Pick<CommandIO, 'stdout' | 'env' | 'stopSignal' | 'progress'>,
): Promise<number> {
  if (v.corpus !== 'nezha') throw new UsageError(`--engine replays Nezha's pod metric files through the service: use it with --corpus nezha, not ${JSON.stringify(v.corpus ?? '')}`);
  const offline = OFFLINE_ONLY.find((k) => v[k] !== undefined);
  if (offline) throw new UsageError(`--${offline} does not apply with --engine: the service's settings come from its config, as for kad serve (KAD_DETECTOR, KAD_CONSECUTIVE, TRAINING_LOOKBACK_MINUTES, ...)`);
  const config = loadConfig({ env: io.env, overrides: { 'detector.seed': v.seed } });
  // main.ts builds the service's pod model and settings; loaded here only (it brings the HTTP server along).
  const { engineOptions, podModelFactory } = await import('../main.js');
  const progress = commandProgress(io, v, { label: 'kad evaluate --engine', unit: 'replays' });
  let report;
  try {
    // Stops within a second of SIGINT/SIGTERM: checked between replayed snapshots.
    report = await evaluateNezhaEngineAsync(dir, { createModel: podModelFactory(config), options: engineOptions(config) }, { progress }, stopCheck(io.stopSignal));
  } finally {
    progress.done();
  }
  io.stdout(v.json ? JSON.stringify(report, null, 2) + '\n' : formatNezhaEngineReport(report));
  return 0;
}
