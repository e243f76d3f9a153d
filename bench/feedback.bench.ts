/**
 * What operator feedback does to false alarms: the same simulated scenario (the embedded cluster's
 * random incidents and benign events, same seed) replayed twice through the service's engine with
 * its default settings (as `kad serve` runs: the adaptive per-pod model, calibrated flags, K of N),
 * its cycles recorded in an event store (notify/event-recorder.ts), as in `kad serve`.
 * 1. Plain: every anomaly event is compared with the ground truth; one on a pod that no fault involves
 *    (from 2 minutes before a fault starts to 10 minutes after it ends) is a false alarm.
 * 2. An operator marks each false alarm of run 1 as `false_alarm` (policy/feedback.ts: its workload's
 *    score floor becomes the highest peak of its false alarms, saved in the store); run 2 replays the
 *    scenario with the floors loaded from that store, as a restarted kad serve would.
 * Prints per workload the alarms, false alarms and true alarms before and after, and the faults
 * detected in each run. Run: `npm run bench:feedback` (SEED=1 HOURS=48 EVERY_MINUTES=15 to change;
 * the service's KAD_* settings from the environment apply).
 */
import { Registry } from 'prom-client';
import { loadConfig } from '../src/config/load.js';
import { manualClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/logger.js';
import { Engine } from '../src/engine/engine.js';
import { engineOptions, podModelFactory } from '../src/main.js';
import { EventRecorder } from '../src/notify/event-recorder.js';
import { OperatorFeedback } from '../src/policy/feedback.js';
import { WorkloadBars } from '../src/policy/workload-bars.js';
import { SimulatedCluster } from '../src/simulator/cluster.js';
import type { Incident } from '../src/simulator/types.js';
import { SimulatorSource } from '../src/sources/simulator.js';
import { openEventStore, type AnomalyRecord, type EventStore } from '../src/store/event-store.js';
import { createTelemetry } from '../src/telemetry/metrics.js';

const MIN = 60_000;
const SEED = Number(process.env.SEED ?? 1);
const HOURS = Number(process.env.HOURS ?? 48);
/** Mean minutes between the simulator's random events (its default is 15). */
const EVERY_MINUTES = Number(process.env.EVERY_MINUTES ?? 15);
const T0 = Date.UTC(2026, 10, 17, 6, 0, 0);
const config = loadConfig({ env: { KAD_FORECAST: 'false', ...process.env } });
const options = engineOptions(config);
const TRAIN_AT = T0 + (options.warmupMs ?? 0) + options.lookbackMs + 10 * MIN;
const END = TRAIN_AT + HOURS * 60 * MIN;

interface Run {
  store: EventStore;
  truth: Incident[];
  ms: number;
}

/** One replay of the scenario with `bars`, recorded in a fresh in-memory event store. */
async function replay(bars: WorkloadBars): Promise<Run> {
  const t0 = performance.now();
  const cluster = new SimulatedCluster({ seed: SEED, start: T0, scenario: { quietUntil: TRAIN_AT + 5 * MIN, everyMinutes: EVERY_MINUTES } });
  const clock = manualClock(TRAIN_AT);
  const store = openEventStore();
  const engine = new Engine({
    source: new SimulatorSource(cluster), clock, telemetry: createTelemetry(new Registry()), log: silentLogger,
    createModel: podModelFactory(config), options, bars,
    observers: [new EventRecorder(store, { severity: config.alertmanager.severity, pruneEvery: Number.MAX_SAFE_INTEGER })],
  });
  for (let t = TRAIN_AT; t <= END; t += options.stepMs) {
    clock.set(t);
    await engine.step();
  }
  return { store, truth: cluster.incidents(), ms: performance.now() - t0 };
}

/** Whether a fault involves anomaly `a`'s pod around its start. */
function explained(a: AnomalyRecord, truth: readonly Incident[]): boolean {
  return truth.some((i) => !i.benign && i.namespace === a.namespace && (i.pod === a.pod || i.affected?.includes(a.pod)) && a.start >= i.start - 2 * MIN && a.start <= i.end + 10 * MIN);
}

/** Faults (with a pod) whose pod has an anomaly starting within 10 minutes after it starts. */
function detected(run: Run, all: AnomalyRecord[]): { found: number; total: number } {
  const faults = run.truth.filter((i) => !i.benign && i.pod && i.start >= TRAIN_AT && i.start < END);
  const found = faults.filter((i) => all.some((a) => a.namespace === i.namespace && (a.pod === i.pod || i.affected?.includes(a.pod)) && a.start >= i.start - 2 * MIN && a.start <= i.start + 10 * MIN)).length;
  return { found, total: faults.length };
}

function tally(all: AnomalyRecord[], truth: readonly Incident[]): Map<string, { alarms: number; false: number }> {
  const out = new Map<string, { alarms: number; false: number }>();
  for (const a of all) {
    const k = `${a.namespace}/${a.workload}`;
    const t = out.get(k) ?? { alarms: 0, false: 0 };
    t.alarms++;
    if (!explained(a, truth)) t.false++;
    out.set(k, t);
  }
  return out;
}

const plain = await replay(new WorkloadBars());
const before = plain.store.anomalies({ limit: 100_000 });
// The operator's feedback, through the service's own path; then the bars as a restarted kad loads them.
const feedback = new OperatorFeedback(plain.store, new WorkloadBars(), { now: () => END });
for (const a of before) if (!explained(a, plain.truth)) feedback.give(a.id, { verdict: 'false_alarm', comment: 'bench' });
const bars = new WorkloadBars();
new OperatorFeedback(plain.store, bars, { now: () => END }).load();
const fed = await replay(bars);
const after = fed.store.anomalies({ limit: 100_000 });

const t1 = tally(before, plain.truth);
const t2 = tally(after, fed.truth);
const rows = [...new Set([...t1.keys(), ...t2.keys()])].sort();
const pad = (cells: (string | number)[], w: number[]) => cells.map((c, i) => (i === 0 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join('');
const W = [32, 9, 9, 14, 14, 11];
console.log(`feedback bench: seed ${SEED}, ${HOURS} h of 1-minute cycles after training, random events every ~${EVERY_MINUTES} min (${config.detector.kind}, target false-alarm rate ${config.policy.targetFalseAlarmRate})`);
console.log(pad(['workload', 'alarms', 'alarms', 'false alarms', 'false alarms', 'floor'], W));
console.log(pad(['', 'before', 'after', 'before', 'after', ''], W));
for (const k of rows) {
  const a = t1.get(k) ?? { alarms: 0, false: 0 };
  const b = t2.get(k) ?? { alarms: 0, false: 0 };
  const f = bars.floor(k);
  console.log(pad([k, a.alarms, b.alarms, a.false, b.false, f > 0 ? f.toPrecision(3) : '-'], W));
}
const sum = (t: Map<string, { alarms: number; false: number }>, f: 'alarms' | 'false') => [...t.values()].reduce((s, x) => s + x[f], 0);
console.log(pad(['total', sum(t1, 'alarms'), sum(t2, 'alarms'), sum(t1, 'false'), sum(t2, 'false'), ''], W));
const d1 = detected(plain, before);
const d2 = detected(fed, after);
console.log(`faults detected (anomaly on the pod within 10 min of the start): before ${d1.found}/${d1.total}, after ${d2.found}/${d2.total}`);
const marked = [...t1.values()].reduce((s, x) => s + x.false, 0);
console.log(`false alarms marked: ${marked} on ${bars.entries().length} workloads; runs took ${(plain.ms / 1000).toFixed(1)} s and ${(fed.ms / 1000).toFixed(1)} s`);
plain.store.close();
fed.store.close();
