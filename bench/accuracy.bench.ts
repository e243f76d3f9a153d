/**
 * Accuracy on the labelled corpora in ../shared/data: every detector kind over NAB, ASD and Nezha
 * OnlineBoutique, side by side, as `kad evaluate` reports them. Run: `npm run bench:accuracy`.
 * Environment: DATA (default ../shared/data), DETECTORS (comma-separated, default every kind but the
 * slow lstm-ae),
 * CORPORA (default nab,asd,nezha), LIMIT (series per corpus), SEED (default 42), PER_SERIES=1 for the
 * per-series tables, POLICY (the alert policy each detector is also run through, as `kad evaluate
 * --policy`; default per corpus, {@link BENCH_POLICIES}; POLICY_NAB etc. for one corpus; "none" to skip).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateCorpus, parsePolicySpec } from '../src/cli/evaluate.js';
import { useWasmBackend } from '../src/core/tf.js';
import { detectorKinds } from '../src/detectors/index.js';
import type { CorpusName } from '../src/evaluate/corpus.js';
import { formatReport } from '../src/evaluate/report.js';

const DATA = process.env.DATA ?? '../shared/data';
const DIRS: Record<CorpusName, string> = { nab: 'nab', asd: 'asd', smd: 'smd-dev', nezha: 'nezha-onlineboutique' };
// lstm-ae trains a network per series (seconds each, minutes per corpus): name it in DETECTORS to include it.
const detectors = process.env.DETECTORS ? process.env.DETECTORS.split(',') : detectorKinds().filter((k) => k !== 'lstm-ae');
if (detectors.includes('lstm-ae')) await useWasmBackend();
const corpora = (process.env.CORPORA ?? 'nab,asd,nezha').split(',') as CorpusName[];
const limit = process.env.LIMIT ? Number(process.env.LIMIT) : undefined;
const seed = Number(process.env.SEED ?? 42);
/**
 * The alert policy each corpus is also run through (the README's before/after tables). One policy
 * does not fit both kinds of data: NAB's anomalies are hours-long windows in 5-minute series, where
 * an alert should stay up while scores stay near the threshold (hysteresis 0.2, keep firing an hour)
 * and not re-fire within 30 minutes (ASD: the first hot point, at most ~2 false alarms a series-day,
 * 30-minute cooldown); Nezha's faults come every ~8 minutes on
 * the same pod at 1-minute steps, where a 30-minute cooldown or an hour of keep-firing would hide the
 * next fault, so an alert there needs two hot minutes in a row and nothing more.
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

/** POLICY overrides every corpus's policy, POLICY_NAB / POLICY_ASD / POLICY_NEZHA one corpus's ("none": no policy run). */
function policyFor(corpus: CorpusName): string {
  return process.env[`POLICY_${corpus.toUpperCase()}`] ?? process.env.POLICY ?? BENCH_POLICIES[corpus];
}

for (const corpus of corpora) {
  const dir = join(DATA, DIRS[corpus]);
  if (!existsSync(dir)) {
    console.log(`${corpus}: skipped, ${dir} not found (the corpora live in ../shared/data; see its README.md)\n`);
    continue;
  }
  const spec = policyFor(corpus);
  const policy = spec === 'none' ? undefined : parsePolicySpec(spec);
  if (policy) console.log(`${corpus}: alert policy ${spec}`);
  const nezha = corpus === 'nezha';
  const params = process.env.PARAMS ? (JSON.parse(process.env.PARAMS) as Record<string, Record<string, unknown>>) : nezha ? NEZHA_PARAMS : undefined;
  const trainOnPreviousDay = nezha && process.env.NEZHA_TRAIN !== '0';
  const inhibit = nezha && process.env.INHIBIT !== '0';
  if (nezha) console.log(`nezha: detector settings ${JSON.stringify(params ?? {})}; day 1 as training for day 2: ${trainOnPreviousDay}; topology inhibition: ${inhibit}`);
  const report = evaluateCorpus(corpus, dir, detectors, { limit, seed, policy, params, trainOnPreviousDay, inhibit });
  console.log(formatReport(report, { summaryOnly: process.env.PER_SERIES !== '1' }));
}
