/**
 * `kad evaluate --corpus nezha --engine`: the Nezha pod metric files replayed through the service's
 * own path (evaluate/nezha-engine.ts) with the pod model and settings `kad serve` would run with, from
 * the same config (its environment variables), and its alerts scored against the fault list. With
 * `--mesh`, twice: the pod metric files alone, then with the service mesh's side (pods' mesh fields
 * and topology inhibition along the call graph), and the two headlines side by side.
 */
import { loadConfig } from '../config/load.js';
import { UsageError } from '../core/errors.js';
import type { Progress } from '../core/progress.js';
import { evaluateNezhaEngineAsync, formatNezhaEngineReport, type NezhaEngineReport } from '../evaluate/nezha-engine.js';
import { commandProgress, stopCheck, type CommandIO } from './command.js';

/** Options of `kad evaluate` that choose detectors or policies offline, which the service's path takes from its config instead. */
const OFFLINE_ONLY = ['detector', 'policy', 'params', 'inhibit', 'train-previous-day', 'limit'];

/** The pod-only and with-mesh headlines, one line each. */
function comparison(podOnly: NezhaEngineReport, mesh: NezhaEngineReport): string {
  const line = (label: string, r: NezhaEngineReport) => `${label.padEnd(16)} ${`${r.pod.caught}/${r.pod.faults}`.padStart(6)}  ${r.pod.falseAlertsPerPodDay.toFixed(2).padStart(10)}  ${r.atBudget.map((b) => b.recall.toFixed(3)).join(' / ')}`;
  return ['', `${'service path'.padEnd(16)} caught  FA/pod-day  recall at ≤ ${podOnly.atBudget.map((b) => b.falseAlertsPerPodDay).join(' / ')} FA/pod-day`, line('pod files only', podOnly), line('with the mesh', mesh)].join('\n') + '\n';
}

/** Runs the evaluation on the Nezha corpus at `dir` and prints the report (JSON with `--json`); with `--mesh` both reports. */
export async function runEngineEvaluation(
  dir: string, v: Record<string, string | boolean | string[] | undefined>, io: Pick<CommandIO, 'stdout' | 'env' | 'stopSignal' | 'progress'>,
): Promise<number> {
  if (v.corpus !== 'nezha') throw new UsageError(`--engine replays Nezha's pod metric files through the service: use it with --corpus nezha, not ${JSON.stringify(v.corpus ?? '')}`);
  const offline = OFFLINE_ONLY.find((k) => v[k] !== undefined);
  if (offline) throw new UsageError(`--${offline} does not apply with --engine: the service's settings come from its config, as for kad serve (KAD_DETECTOR, KAD_CONSECUTIVE, TRAINING_LOOKBACK_MINUTES, ...)`);
  const config = loadConfig({ env: io.env, overrides: { 'detector.seed': v.seed } });
  // main.ts builds the service's pod model and settings; loaded here only (it brings the HTTP server along).
  const [{ engineOptions, podModelFactory }, { prepareDetectors }] = await Promise.all([import('../main.js'), import('../detectors/index.js')]);
  await prepareDetectors(config.detector.kind);
  const progress = commandProgress(io, v, { label: 'kad evaluate --engine', unit: 'replays' });
  const meshes = v.mesh ? [false, true] : [false];
  // One count over both reports: each says how many replays it runs, the same number for both.
  const shared: Progress = { ...progress, setTotal: (t) => progress.setTotal(t * meshes.length) };
  const reports: NezhaEngineReport[] = [];
  try {
    // Stops within a second of SIGINT/SIGTERM: checked between replayed snapshots.
    for (const mesh of meshes) {
      reports.push(await evaluateNezhaEngineAsync(dir, { createModel: podModelFactory(config), options: engineOptions(config), mesh }, { progress: shared }, stopCheck(io.stopSignal)));
    }
  } finally {
    progress.done();
  }
  const [podOnly, mesh] = reports;
  if (v.json) io.stdout(JSON.stringify(mesh ? { podOnly, mesh } : podOnly, null, 2) + '\n');
  else io.stdout(mesh ? `${formatNezhaEngineReport(podOnly)}\n${formatNezhaEngineReport(mesh)}${comparison(podOnly, mesh)}` : formatNezhaEngineReport(podOnly));
  return 0;
}
