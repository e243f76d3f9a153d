/**
 * Nezha OnlineBoutique, fault by fault: which fault types a detector + alert policy catches on the
 * faulty pod within 5 minutes, under the evaluator's rule (an alert START inside [inject, inject + 5
 * min]) and under a looser one (an alert FIRING at any point of that window, started before or not),
 * beside the raw per-point flags; and where the false alert starts fall (soon after a fault on the
 * same pod, during a fault on another pod, elsewhere in the hours faults were being injected, or in
 * the quiet hours). Run: `npx tsx bench/nezha-faults.bench.ts`.
 * Environment: DATA (default ../shared/data), DETECTOR (default onset), PARAMS (detector settings as
 * JSON, default {}), POLICY (as `kad evaluate --policy`, default {@link NEZHA_POLICY}), SEED (42).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parsePolicySpec } from '../src/cli/evaluate.js';
import { createDetector } from '../src/detectors/index.js';
import { readNezhaCorpus, readNezhaFaults, type NezhaFault } from '../src/evaluate/nezha.js';
import { runSeries } from '../src/evaluate/runner.js';
import { AlertPolicy } from '../src/policy/alert-policy.js';

/** Two hot points in a row, per-series calibration to about 2 false alarms a day, no cooldown. */
const NEZHA_POLICY = 'k=2,n=2,targetFalseAlarmsPerDay=2,stopLearning=false';
const MIN = 60_000;
const dir = join(process.env.DATA ?? '../shared/data', 'nezha-onlineboutique');
if (!existsSync(dir)) {
  console.log(`skipped: ${dir} not found (the corpora live in ../shared/data; see its README.md)`);
  process.exit(0);
}
const kind = process.env.DETECTOR ?? 'onset';
const params = JSON.parse(process.env.PARAMS ?? '{}') as Record<string, unknown>;
const policySpec = process.env.POLICY ?? NEZHA_POLICY;
const policy = parsePolicySpec(policySpec);
const seed = Number(process.env.SEED ?? 42);
const threshold = createDetector(kind, params, seed).threshold;

type Tally = { faults: number; raw: number; start: number; firing: number };
const byType = new Map<string, Tally>();
const falseAt = { afterOwnFault: 0, otherPodFault: 0, injectionHours: 0, quiet: 0 };
const faultsByDay = new Map<string, NezhaFault[]>();
let podDays = 0;

for (const s of readNezhaCorpus(dir)) {
  const [day, pod] = s.name.split('/');
  if (!faultsByDay.has(day)) faultsByDay.set(day, readNezhaFaults(join(dir, day, `${day}-fault_list.json`)));
  const dayFaults = faultsByDay.get(day) ?? [];
  const run = runSeries(kind, s, { seed, params, policy });
  const alerts = run.alerts as Uint8Array;
  // The policy decides from the scores alone, so replaying it gives the firing state of the same run.
  const replay = new AlertPolicy(policy);
  const firing = Uint8Array.from(run.scores, (v, i) => (replay.observe('', v, s.frame.times[i], threshold).firing ? 1 : 0));
  const any = (a: Uint8Array, from: number, to: number): boolean => a.subarray(from, to + 1).some((v) => v === 1);
  for (const e of s.events) {
    const type = dayFaults.find((f) => f.pod === pod && f.time === e.t0)?.type ?? 'unknown';
    const t = byType.get(type) ?? { faults: 0, raw: 0, start: 0, firing: 0 };
    t.faults++;
    t.raw += any(run.flags, e.start, e.end) ? 1 : 0;
    t.start += any(alerts, e.start, e.end) ? 1 : 0;
    t.firing += any(firing, e.start, e.end) ? 1 : 0;
    byType.set(type, t);
  }
  const first = Math.min(...dayFaults.map((f) => f.time));
  const last = Math.max(...dayFaults.map((f) => f.time));
  for (let i = 0; i < alerts.length; i++) {
    if (!alerts[i] || s.labels[i]) continue;
    const t = s.frame.times[i];
    if (dayFaults.some((f) => f.pod === pod && t >= f.time && t <= f.time + 15 * MIN)) falseAt.afterOwnFault++;
    else if (dayFaults.some((f) => f.pod !== pod && t >= f.time - MIN && t <= f.time + 10 * MIN)) falseAt.otherPodFault++;
    else if (t >= first - 10 * MIN && t <= last + 15 * MIN) falseAt.injectionHours++;
    else falseAt.quiet++;
  }
  const ts = s.frame.times;
  podDays += (ts[ts.length - 1] - ts[0]) / 86_400_000;
}

const pad = (x: unknown, n: number): string => String(x).padStart(n);
console.log(`Nezha OnlineBoutique, ${kind} ${JSON.stringify(params)}, policy ${policySpec}; ${podDays.toFixed(1)} pod-days\n`);
console.log('fault type       faults  raw flag  alert start (rule)  alert firing (looser)');
const total: Tally = { faults: 0, raw: 0, start: 0, firing: 0 };
for (const [type, t] of [...byType].sort()) {
  console.log(`${type.padEnd(15)}  ${pad(t.faults, 6)}  ${pad(t.raw, 8)}  ${pad(t.start, 18)}  ${pad(t.firing, 21)}`);
  for (const k of Object.keys(total) as (keyof Tally)[]) total[k] += t[k];
}
console.log(`${'all'.padEnd(15)}  ${pad(total.faults, 6)}  ${pad(total.raw, 8)}  ${pad(total.start, 18)}  ${pad(total.firing, 21)}`);
const fa = Object.values(falseAt).reduce((a, b) => a + b, 0);
console.log(`\nfalse alert starts: ${fa} (${(fa / podDays).toFixed(2)} per pod-day)`);
console.log(`  within 15 min after a fault on the same pod (its effect outlasting the 5-minute window): ${falseAt.afterOwnFault}`);
console.log(`  during a fault on another pod (-1 to +10 min; calls between services carry it): ${falseAt.otherPodFault}`);
console.log(`  elsewhere in the hours faults were injected: ${falseAt.injectionHours}`);
console.log(`  in the quiet hours: ${falseAt.quiet}`);
