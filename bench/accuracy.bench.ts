/**
 * Accuracy on the labelled corpora in ../shared/data: every detector kind over NAB, ASD and Nezha
 * OnlineBoutique, side by side, as `kad evaluate` reports them. Run: `npm run bench:accuracy`.
 * Environment: DATA (default ../shared/data), DETECTORS (comma-separated, default every kind but the
 * slow lstm-ae),
 * CORPORA (default nab,asd,nezha), LIMIT (series per corpus), SEED (default 42), PER_SERIES=1 for the
 * per-series tables, POLICY (the alert policy each detector is also run through, as `kad evaluate
 * --policy`; default {@link BENCH_POLICY}; "none" to skip).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateCorpus, parsePolicySpec } from '../src/cli/evaluate.js';
import { useWasmBackend } from '../src/core/tf.js';
import { detectorKinds } from '../src/detectors/index.js';
import type { CorpusName } from '../src/evaluate/corpus.js';
import { formatReport } from '../src/evaluate/report.js';

const DATA = process.env.DATA ?? '../shared/data';
const DIRS: Record<CorpusName, string> = { nab: 'nab', asd: 'asd', nezha: 'nezha-onlineboutique' };
// lstm-ae trains a network per series (seconds each, minutes per corpus): name it in DETECTORS to include it.
const detectors = process.env.DETECTORS ? process.env.DETECTORS.split(',') : detectorKinds().filter((k) => k !== 'lstm-ae');
if (detectors.includes('lstm-ae')) await useWasmBackend();
const corpora = (process.env.CORPORA ?? 'nab,asd,nezha').split(',') as CorpusName[];
const limit = process.env.LIMIT ? Number(process.env.LIMIT) : undefined;
const seed = Number(process.env.SEED ?? 42);
/** The policy of the README's before/after table: alert at the first hot point, at most ~2 false alarms a series-day, 30 min cooldown. */
const BENCH_POLICY = 'k=1,cooldownSeconds=1800,targetFalseAlarmsPerDay=2,stopLearning=false';
const policySpec = process.env.POLICY ?? BENCH_POLICY;
const policy = policySpec === 'none' ? undefined : parsePolicySpec(policySpec);
if (policy) console.log(`Alert policy: ${policySpec}\n`);

for (const corpus of corpora) {
  const dir = join(DATA, DIRS[corpus]);
  if (!existsSync(dir)) {
    console.log(`${corpus}: skipped, ${dir} not found (the corpora live in ../shared/data; see its README.md)\n`);
    continue;
  }
  const report = evaluateCorpus(corpus, dir, detectors, { limit, seed, policy });
  console.log(formatReport(report, { summaryOnly: process.env.PER_SERIES !== '1' }));
}
