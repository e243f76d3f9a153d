/**
 * Accuracy on the labelled corpora in ../shared/data. Run: `npm run bench:accuracy`.
 *
 * First, the headline: leave-one-corpus-out (src/evaluate/loco.ts). Each fold (NAB by category, ASD,
 * SMD-dev, Nezha pod metric files alone, Nezha with the mesh columns, the simulator's labelled
 * incidents) is scored with every constant (the default detector's settings, the flags' target
 * false-alarm rate, the policy's K) chosen on the OTHER folds from the declared grid
 * (src/evaluate/loco-folds.ts); then the same with constants tuned on each fold itself, labelled so.
 * Then the same protocol with the detector kind chosen too (grid "kinds").
 *
 * Then, for comparison and not part of the headline, every detector kind over NAB, ASD, SMD and Nezha
 * as `kad evaluate` reports them (flags at the default target rate), alone and through per-corpus alert
 * policies ({@link BENCH_POLICIES}) and Nezha detector settings ({@link NEZHA_PARAMS}) that were chosen
 * on those corpora's labels.
 *
 * Environment: DATA (default ../shared/data); LOCO=0 skips the headline, DETAIL=0 the per-detector
 * tables; GRIDS (default "default,kinds"); FOLDS (comma-separated fold prefixes, e.g. nab,smd,sim;
 * default all); DETECTORS (default every
 * kind but the slow lstm-ae; seasonal-band runs on NAB and Nezha only unless named, as it takes many
 * minutes per ASD or SMD series); CORPORA (default nab,asd,smd,nezha); LIMIT (series per corpus or
 * fold); SEED (default 42); PER_SERIES=1 for the per-series tables; POLICY (the alert policy each
 * detector is also run through, as `kad evaluate --policy`; default per corpus; POLICY_NAB etc. for
 * one corpus; "none" to skip).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parsePolicySpec, targetFalseAlarmRate } from '../src/cli/decision-options.js';
import { evaluateCorpus } from '../src/cli/evaluate.js';
import { detectorKinds, prepareDetectors } from '../src/detectors/index.js';
import type { CorpusName } from '../src/evaluate/corpus.js';
import { leaveOneCorpusOut } from '../src/evaluate/loco.js';
import { LOCO_GRID_NAMES, locoGrid, readLocoFolds } from '../src/evaluate/loco-folds.js';
import { DEFAULT_SCORE_DETECTOR } from '../src/cli/score.js';
import { formatLoco } from '../src/evaluate/loco-report.js';
import { formatReport } from '../src/evaluate/report.js';
import { loadConfig } from '../src/config/load.js';
import { evaluateNezhaEngine, formatNezhaEngineReport } from '../src/evaluate/nezha-engine.js';
import { engineOptions, podModelFactory } from '../src/main.js';

const DATA = process.env.DATA ?? '../shared/data';
const limit = process.env.LIMIT ? Number(process.env.LIMIT) : undefined;
const seed = Number(process.env.SEED ?? 42);
const started = performance.now();
const elapsed = (): string => `${((performance.now() - started) / 1000).toFixed(0)} s`;

if (process.env.LOCO !== '0') {
  const { folds, skipped } = readLocoFolds(DATA, { only: process.env.FOLDS?.split(','), limit });
  for (const s of skipped) console.log(`leave-one-corpus-out: skipped ${s} (the corpora live in ../shared/data; see its README.md)`);
  if (folds.length >= 2) {
    for (const name of (process.env.GRIDS ?? 'default,kinds').split(',')) {
      const grid = locoGrid(name, DEFAULT_SCORE_DETECTOR);
      if (!grid) throw new Error(`GRIDS: unknown grid "${name}" (known: ${LOCO_GRID_NAMES.join(', ')})`);
      if (name !== 'default') console.log(`=== Grid "${name}" (not the default detector: the detector kind is chosen on the other folds too) ===`);
      const result = leaveOneCorpusOut(folds, grid, { seed });
      console.log(formatLoco(result, new Map(folds.map((f) => [f.name, f.dataset]))));
      console.log(`(leave-one-corpus-out, grid ${name}, done after ${elapsed()})\n`);
    }
  } else console.log('leave-one-corpus-out: needs at least two folds\n');
}

if (process.env.DETAIL !== '0') {
  const DIRS: Record<CorpusName, string> = { nab: 'nab', asd: 'asd', smd: 'smd-dev', nezha: 'nezha-onlineboutique' };
  // lstm-ae trains a network per series (seconds each, minutes per corpus): name it in DETECTORS to include it.
  const named = process.env.DETECTORS?.split(',');
  const detectors = named ?? detectorKinds().filter((k) => k !== 'lstm-ae');
  await prepareDetectors(detectors);
  if (detectors.includes('lstm-ae')) await (await import('../src/core/tf.js')).useWasmBackend();
  const corpora = (process.env.CORPORA ?? 'nab,asd,smd,nezha').split(',') as CorpusName[];
  const rate = targetFalseAlarmRate(undefined, process.env);
  /**
   * The alert policy each corpus is also run through (the README's before/after tables), chosen on
   * each corpus's labels. NAB's anomalies are hours-long windows in 5-minute series, where an alert
   * should stay up while scores stay near the threshold (hysteresis 0.2, keep firing an hour) and not
   * re-fire within 30 minutes (ASD and SMD: the first hot point, at most ~2 false alarms a series-day,
   * 30-minute cooldown); Nezha's faults come every ~8 minutes on the same pod at 1-minute steps, where
   * a 30-minute cooldown or an hour of keep-firing would hide the next fault, so an alert there needs
   * two hot minutes in a row and nothing more.
   */
  const BENCH_POLICIES: Record<CorpusName, string> = {
    nab: 'k=1,hysteresis=0.2,keepFiringForSeconds=3600,cooldownSeconds=1800,stopLearning=false',
    asd: 'k=1,cooldownSeconds=1800,targetFalseAlarmsPerDay=2,stopLearning=false',
    smd: 'k=1,cooldownSeconds=1800,targetFalseAlarmsPerDay=2,stopLearning=false',
    nezha: 'k=2,n=2,targetFalseAlarmsPerDay=2,stopLearning=false',
  };
  /**
   * Nezha as kad would run in a cluster with a service mesh: each day-2 pod learns day 1 first (the
   * history a live kad has), alerts on a service are held while a service it calls fires (topology
   * inhibition along the call graph, as an Alertmanager inhibit rule would), and onset takes the two
   * settings tuned on Nezha's labels: z50 = 10 and the unit at the 93rd percentile of moves (a plateau:
   * 0.92–0.94 with z50 9–12 give 49–50 of 56 faults), plus relearning the level after an hour's gap
   * (the night between the days). NEZHA_TRAIN=0, INHIBIT=0 and PARAMS='{}' turn each off.
   */
  const NEZHA_PARAMS: Record<string, Record<string, unknown>> = { onset: { gapSeconds: 3600, z50: 10, spreadQuantile: 0.93 } };
  const policyFor = (corpus: CorpusName): string => process.env[`POLICY_${corpus.toUpperCase()}`] ?? process.env.POLICY ?? BENCH_POLICIES[corpus];

  console.log('Per detector kind, for comparison (NOT leave-one-corpus-out: the "+policy" rows and Nezha\'s detector settings were chosen on each corpus\'s labels)\n');
  for (const corpus of corpora) {
    const dir = join(DATA, DIRS[corpus]);
    if (!existsSync(dir)) {
      console.log(`${corpus}: skipped, ${dir} not found (the corpora live in ../shared/data; see its README.md)\n`);
      continue;
    }
    const kinds = named || (corpus !== 'asd' && corpus !== 'smd') ? detectors : detectors.filter((k) => k !== 'seasonal-band');
    const spec = policyFor(corpus);
    const policy = spec === 'none' ? undefined : parsePolicySpec(spec);
    if (policy) console.log(`${corpus}: alert policy ${spec}`);
    const nezha = corpus === 'nezha';
    const params = process.env.PARAMS ? (JSON.parse(process.env.PARAMS) as Record<string, Record<string, unknown>>) : nezha ? NEZHA_PARAMS : undefined;
    const trainOnPreviousDay = nezha && process.env.NEZHA_TRAIN !== '0';
    const inhibit = nezha && process.env.INHIBIT !== '0';
    if (nezha) console.log(`nezha: detector settings ${JSON.stringify(params ?? {})}; day 1 as training for day 2: ${trainOnPreviousDay}; topology inhibition: ${inhibit}`);
    const report = evaluateCorpus(corpus, dir, kinds, { limit, seed, policy, params, trainOnPreviousDay, inhibit, targetFalseAlarmRate: rate });
    console.log(formatReport(report, { summaryOnly: process.env.PER_SERIES !== '1' }));
    console.log(`(${corpus} done after ${elapsed()})\n`);
  }

  // Nezha through the service's own path, as `kad evaluate --corpus nezha --engine --mesh` (the config the environment gives kad serve):
  // the pod metric files alone, then with the service mesh's side; ENGINE=0 skips it.
  if (corpora.includes('nezha') && process.env.ENGINE !== '0' && existsSync(join(DATA, DIRS.nezha))) {
    const config = loadConfig({ env: process.env });
    for (const mesh of [false, true]) {
      console.log(formatNezhaEngineReport(evaluateNezhaEngine(join(DATA, DIRS.nezha), { createModel: podModelFactory(config), options: engineOptions(config), mesh })));
    }
  }
}
