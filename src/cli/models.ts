/**
 * `kad models`: the classifier versions of a model directory (src/registry/classifier-versions.ts):
 * `--model-dir DIR`, else the service's (KAD_CLASSIFIER_DIR, else `classifiers` under KAD_STATE_DIR).
 * The registry is in KAD_STATE_DIR's database when it is set, else in DIR's own.
 * - `kad models list` prints one row per version: version, algorithm, stage, held-out macro-F1, the
 *   start of its data hash and when it was trained.
 * - `kad models promote VERSION` makes a version production (the production one is archived).
 * - `kad models rollback` makes the previous production version production again and archives the
 *   current one.
 */
import { UsageError } from '../core/errors.js';
import type { RegistryLocation } from '../registry/classifier-versions.js';
import type { Command, CommandIO } from './command.js';

const MODEL_DIR = { type: 'string', value: 'DIR', description: 'Where `kad classify train` writes its versions (default: the service\'s, KAD_CLASSIFIER_DIR or KAD_STATE_DIR/classifiers)' } as const;

/** The model directory and where its registry is (see the module comment). */
async function modelDir(v: Record<string, unknown>, io: CommandIO): Promise<[string, RegistryLocation]> {
  const where = { stateDir: io.env.KAD_STATE_DIR || undefined };
  if (typeof v['model-dir'] === 'string') return [v['model-dir'], where];
  if (!io.env.KAD_CLASSIFIER_DIR && !io.env.KAD_STATE_DIR) throw new UsageError('--model-dir is required (or set KAD_STATE_DIR or KAD_CLASSIFIER_DIR to use the service\'s)');
  const [{ loadConfig }, { classifierDir }] = await Promise.all([import('../config/load.js'), import('../config/schema.js')]);
  return [classifierDir(loadConfig({ env: io.env })), where];
}

const listCommand: Command = {
  name: 'models list',
  summary: 'List the classifier versions of a model directory with their stage and macro-F1',
  usage: 'kad models list [--model-dir DIR]',
  options: { 'model-dir': MODEL_DIR },
  async run(v, io) {
    const [dir, where] = await modelDir(v, io);
    const { readRegistry } = await import('../registry/classifier-versions.js');
    const index = readRegistry(dir, where);
    if (index.versions.length === 0) {
      io.stderr(`kad models list: ${dir}: no classifier versions (train one with \`kad classify train --model-dir ${dir}\`)\n`);
      return 0;
    }
    const rows = [['version', 'kind', 'stage', 'macro-F1', 'data', 'time']];
    for (const e of index.versions) rows.push([e.version, e.algorithm, e.stage, e.macroF1.toFixed(3), e.dataSha256.slice(0, 12), e.createdAt]);
    const widths = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
    for (const r of rows) io.stdout(r.map((c, j) => (j === r.length - 1 ? c : c.padEnd(widths[j]))).join('  ') + '\n');
    return 0;
  },
};

const promoteCommand: Command = {
  name: 'models promote',
  summary: 'Make a classifier version production (the current one is archived)',
  usage: 'kad models promote VERSION [--model-dir DIR]',
  options: { 'model-dir': MODEL_DIR },
  positionals: ['version'],
  async run(v, io) {
    const [dir, where] = await modelDir(v, io);
    const version = v.version;
    if (typeof version !== 'string') throw new UsageError('kad models promote needs a VERSION, e.g. `kad models promote v0003 --model-dir DIR`');
    const { setProductionVersion } = await import('../registry/classifier-versions.js');
    setProductionVersion(dir, version, where);
    io.stdout(`${version} is production in ${dir}\n`);
    return 0;
  },
};

const rollbackCommand: Command = {
  name: 'models rollback',
  summary: 'Make the previous production classifier version production again (the current one is archived)',
  usage: 'kad models rollback [--model-dir DIR]',
  options: { 'model-dir': MODEL_DIR },
  async run(v, io) {
    const [dir, where] = await modelDir(v, io);
    const { rollbackProduction } = await import('../registry/classifier-versions.js');
    const { from, to } = rollbackProduction(dir, where);
    io.stdout(`rolled back ${dir}: ${to} is production again, ${from} archived\n`);
    return 0;
  },
};

/** `kad models`: see the module comment. */
export const modelsCommand: Command = {
  name: 'models',
  summary: 'List classifier versions, promote one to production, or roll production back',
  usage: 'kad models list|promote|rollback [options]',
  options: {},
  subcommands: [listCommand, promoteCommand, rollbackCommand],
  async run() {
    throw new UsageError('kad models needs a sub-command: list, promote or rollback');
  },
};
