/**
 * `kad evaluate`, the command: its options and help, light to load (`kad evaluate --help` loads no
 * detector, corpus reader or config schema); the work is `runEvaluate` in evaluate.ts, loaded when the
 * command runs.
 */
import { DEFAULT_CORPUS_DIRS } from '../evaluate/corpus.js';
import { FORECAST_MODELS } from '../forecast/forecaster.js';
import { QUIET_OPTION, type Command } from './command.js';
import { HELP_DETECTOR_KINDS, SLOW_DETECTOR_KINDS } from './detector-kinds.js';

/** `kad evaluate`: see evaluate.ts for what it reports. */
export const evaluateCommand: Command = {
  name: 'evaluate',
  summary: 'Run detectors over a labelled corpus (NAB, ASD, SMD, Nezha) and report NAB score, F1, flags, event recall, delay, false alerts',
  usage: 'kad evaluate --corpus nab|asd|smd|nezha [--data DIR] [--detector KIND ...] [--target-fpr R] [--policy SPEC] [--json] [--limit N] [--seed N] [--quiet]\n'
    + '       kad evaluate --loco default|kinds [--data DATA_DIR] [--only FOLD ...] [--limit N] [--json] [--seed N] [--quiet]\n'
    + '       kad evaluate --corpus forecast [--data NAB_DIR] [--model NAME] [--horizon MIN] [--days N] [--incidents] [--per-series] [--json] [--limit N] [--seed N] [--quiet]',
  options: {
    loco: { type: 'string', value: 'GRID', description: 'Leave-one-corpus-out over every corpus in --data (default ../shared/data): constants from the grid GRID (default: kad score\'s default detector and its settings, the flags\' rate, policy K and hysteresis; kinds: the detector kind too) chosen on the other corpora' },
    only: { type: 'string', value: 'FOLD', multiple: true, description: '--loco: only folds starting with this (nab, nab/realTweets, asd, smd, nezha-pod, nezha-mesh); repeat for several' },
    corpus: { type: 'string', short: 'c', value: 'NAME', description: 'nab, asd, smd, nezha, or forecast (forecast accuracy on the simulator and NAB realTraffic)' },
    data: { type: 'string', value: 'DIR', description: `The corpus folder (default ${DEFAULT_CORPUS_DIRS.nab}, …/asd, …/smd-dev, …/nezha-onlineboutique)` },
    'target-fpr': { type: 'string', value: 'R', description: 'Flags: a row is flagged when its score is rarer than R among its series\' own scores (default 0.001 or KAD_TARGET_FALSE_ALARM_RATE; 0: each detector\'s own threshold)' },
    detector: {
      type: 'string', short: 'd', value: 'KIND', multiple: true,
      description: `Detector kind; repeat for several (default: every kind but the slow ${Object.keys(SLOW_DETECTOR_KINDS).join(' and ')}): ${HELP_DETECTOR_KINDS.join(', ')}`,
    },
    policy: { type: 'string', value: 'SPEC', description: 'Also run each detector through the alert policy, e.g. "k=2,n=3,cooldownSeconds=600" ("default": the built-in defaults)' },
    json: { type: 'boolean', description: 'Print the report as JSON' },
    limit: { type: 'string', value: 'N', description: 'Only the first N series (in name order)' },
    seed: { type: 'string', value: 'N', description: 'Random seed (default 42; forecast: the simulator\'s seed, default 7)' },
    params: { type: 'string', value: 'JSON', description: 'Detector settings by kind, e.g. \'{"onset":{"z50":10}}\'' },
    inhibit: { type: 'boolean', description: 'Nezha: hold a service\'s alerts while a service it calls fires (topology inhibition; needs --policy)' },
    'train-previous-day': { type: 'boolean', description: 'Nezha: each day-2 pod learns day 1\'s rows first' },
    engine: { type: 'boolean', description: 'Nezha: replay the pod metric files through the service (kad serve\'s scoring cycle and config) and score its alerts' },
    mesh: { type: 'boolean', description: 'Nezha --engine: also replay with the service mesh\'s side (request rate, latency, errors, the call graph for topology inhibition) and compare' },
    model: { type: 'string', value: 'NAME', description: `Forecast model: ${FORECAST_MODELS.join(', ')} (default seasonal)` },
    horizon: { type: 'string', value: 'MIN', description: 'Forecast horizon in minutes (default 30)' },
    days: { type: 'string', value: 'N', description: 'Forecast: simulated days, the last 3 scored (default 10; 0: no simulator)' },
    incidents: { type: 'boolean', description: 'Forecast: also score the simulator with its random incidents' },
    'per-series': { type: 'boolean', description: 'Forecast: a line per series' },
    'strict-time': { type: 'boolean', description: 'NAB, ASD: reject a file whose times go backwards (default: score such a row as the next point)' },
    quiet: QUIET_OPTION,
  },
  details: [
    'NAB score: Numenta\'s method (windows, 15% probationary period, early-detection reward, one threshold',
    'per profile over the corpus; perfect = 100, never firing = 0). F1/P/R: best per point over thresholds,',
    'mean over series, without and with point-adjust ("PA"). Flag F1, flagged share, events, delay and false',
    'alerts use the flags: rows whose score is rarer than --target-fpr among the series\' earlier scores',
    '(training rows first). Nezha events: the faulty pod within 5 minutes of injection.',
    'Progress goes to stderr (a line per series run, or a live line on a terminal; --quiet: none); the report to stdout.',
  ].join('\n'),
  async run(v, io) {
    return (await import('./evaluate.js')).runEvaluate(v, io);
  },
};
