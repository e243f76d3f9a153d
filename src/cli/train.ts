/**
 * `kad train`: trains the pod models from the configured source over the lookback window, writes
 * them to a directory and exits (for a Kubernetes CronJob); `kad serve` loads them with
 * KAD_MODEL_DIR (or --model) instead of training at start.
 */
import { UsageError } from '../core/errors.js';
import { commandProgress, makeOutputDir, QUIET_OPTION, throwIfStopped, yieldAndCheck, type Command } from './command.js';

export const trainCommand: Command = {
  name: 'train',
  summary: 'Train the pod models from the source and write them to a directory',
  usage: 'kad train --output DIR [--config kad.yaml] [--quiet]',
  options: {
    output: { type: 'string', short: 'o', value: 'DIR', description: 'Directory to write models.json to (default $KAD_MODEL_DIR)' },
    config: { type: 'string', short: 'c', value: 'FILE', description: 'YAML config file (same settings as kad serve)' },
    quiet: QUIET_OPTION,
  },
  details: [
    'Trains on TRAINING_LOOKBACK_MINUTES of history at QUERY_STEP_SECONDS from the same source kad serve uses.',
    'The previous model in DIR is kept as models.previous.json.',
    'Progress of reading the history goes to stderr (simulated steps, or Prometheus range queries: a live line',
    'on a terminal, else a line per tenth); --quiet: none.',
  ].join('\n'),
  async run(v, io) {
    // Loaded here, not at the top: `kad train --help` loads none of them.
    const [{ loadConfig }, { buildRuntime }, { saveModels }] = await Promise.all([import('../config/load.js'), import('../main.js'), import('../registry/model-store.js')]);
    const config = loadConfig({ env: io.env, file: typeof v.config === 'string' ? v.config : undefined });
    const dir = typeof v.output === 'string' ? v.output : config.training.modelDir;
    if (!dir) throw new UsageError('--output DIR (or KAD_MODEL_DIR) is required');
    const undoDir = makeOutputDir(dir, typeof v.output === 'string' ? '--output' : 'KAD_MODEL_DIR');
    let rt: Awaited<ReturnType<typeof buildRuntime>> | undefined;
    let progress: ReturnType<typeof commandProgress> | undefined;
    let written = false;
    try {
      // Stopped (SIGINT/SIGTERM) before the models are written: the previous models.json stays as it was
      // (saveModels writes a temporary file and renames it).
      await yieldAndCheck(io.stopSignal);
      rt = await buildRuntime(config, {});
      // The history's units (simulated steps, range queries) are told by the source as it goes; a line per tenth.
      const bar = commandProgress(io, v, { label: 'kad train', unit: rt.source.name === 'simulator' ? 'steps' : 'queries' });
      progress = bar;
      const onProgress = (done: number, total: number) => {
        bar.setTotal(total);
        if (done === 1 || done === total || done % Math.max(1, Math.round(total / 10)) === 0) bar.update(done, 'reading the history');
      };
      await yieldAndCheck(io.stopSignal);
      await rt.engine.train(io.stopSignal, onProgress);
      bar.done();
      await yieldAndCheck(io.stopSignal);
      const models = rt.engine.exportModels();
      throwIfStopped(io.stopSignal);
      const path = saveModels(dir, models);
      written = true;
      const what = models.pods ? `${Object.keys(models.pods).length} pod models` : `${Object.keys(models.workloads).length} workload models + 1 cluster model`;
      io.stderr(`kad train: ${what} from ${models.trainingRows} pod samples (${rt.source.name}); version ${models.version}; wrote ${path}\n`);
      return 0;
    } finally {
      progress?.done();
      await rt?.source.close();
      if (!written) undoDir(); // failed or stopped: no empty directory of ours left behind
    }
  },
};
