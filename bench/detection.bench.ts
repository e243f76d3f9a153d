/**
 * Detection on the simulated cluster: for several seeds, 8 hours through a daily traffic peak with one
 * incident of each abrupt kind, a memory leak and a rollout, then the service mesh's two faults (a
 * latency fault on a payment pod, an error fault on a cart pod), scored every minute as `kad serve`
 * does, with the call graph read from the mesh's series and topology inhibition of alerts.
 * Prints, per seed: pod-cycles scored, detection delay per incident, flags on pods with no incident,
 * and the scoring cycle time; then per mesh fault: the delay to the faulty pod's flag and to its alert,
 * the workload of the first alert sent, and how many caller pods were flagged and how many of their
 * alerts were sent (inhibition holds them while the callee fires). Run: `npm run bench:detection`
 * (KAD_DETECTOR=KIND to run another pod model, as `kad serve` would; KAD_MESH=off to leave the mesh's
 * series unread; SEEDS=1,2 for fewer seeds).
 */
import { Registry } from 'prom-client';
import { loadConfig } from '../src/config/load.js';
import { manualClock } from '../src/core/clock.js';
import { Engine } from '../src/engine/engine.js';
import { podModelFactory } from '../src/main.js';
import { policyParamsFromConfig } from '../src/policy/alert-policy.js';
import { SimulatedCluster } from '../src/simulator/cluster.js';
import { incidentTour, meshFaultTour } from '../src/simulator/scenarios.js';
import type { FlaggedPod, Notifier } from '../src/notify/base.js';
import { SimulatorSource } from '../src/sources/simulator.js';
import { createTelemetry } from '../src/telemetry/metrics.js';
import { silentLogger } from '../src/core/logger.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 17, 9);
const TRAIN_AT = T0 + 70 * MIN;
const END = T0 + 9 * 60 * MIN;
const SEEDS = (process.env.SEEDS ?? '1,2,3,5,7,11,23,42').split(',').map(Number);
const ABRUPT = ['cpu_runaway', 'crash_loop', 'packet_loss', 'noisy_neighbour', 'oom_kill'];
const MESH = ['latency_fault', 'error_fault'];
/** A flag on a mesh fault's caller this long after the fault ends still counts as the fault's. */
const MESH_GRACE = 5 * MIN;

const events = [...incidentTour(TRAIN_AT), ...meshFaultTour(TRAIN_AT)];

/** Keeps the anomaly alerts the engine hands the notifier each cycle (after topology inhibition). */
class AlertLog implements Notifier {
  readonly sent: { pod: string; workload: string; t: number }[] = [];
  async update(t: number, flagged: readonly FlaggedPod[]): Promise<void> {
    for (const f of flagged) if (!f.alertname) this.sent.push({ pod: f.pod, workload: f.workload, t });
  }
  status() {
    return { sinks: {}, firing: 0 };
  }
  async close(): Promise<void> {}
}
const meshRows: string[][] = [];

const config = loadConfig({ env: Object.fromEntries(['KAD_DETECTOR', 'KAD_TARGET_FALSE_ALARM_RATE', 'KAD_WARMUP_MINUTES', 'KAD_MESH'].filter((k) => process.env[k]).map((k) => [k, process.env[k]])) });
// The cluster starts early enough for the history kad reads: a streaming pod model's warm-up (a day) before the 60-minute training window.
const WARMUP = config.training.warmupMinutes * MIN;
const createModel = podModelFactory(config);
console.log(`Simulated cluster, ${((END - TRAIN_AT) / 3_600_000).toFixed(1)} h from 10:10 UTC through the daily peak, 1-minute scoring, detector ${config.detector.kind}, flags at a target rate of ${config.policy.targetFalseAlarmRate} per pod (0: the model's threshold), policy k=${config.policy.consecutive}`);
console.log('delay = first flag of the incident\'s pod after its start (s); stray = flagged pod-cycles of pods with no incident\n');
console.log(['seed', 'pod-cycles', ...ABRUPT, 'leak (min)', 'stray', 'cycle ms'].map((h) => h.padStart(16)).join(''));
let totalStray = 0;
let totalCycles = 0;
for (const seed of SEEDS) {
  const clock = manualClock(TRAIN_AT);
  const cluster = new SimulatedCluster({ seed, start: Math.min(T0, TRAIN_AT - 60 * MIN - WARMUP), mesh: 'istio', scenario: { random: false, events } });
  const alerts = new AlertLog();
  const engine = new Engine({
    source: new SimulatorSource(cluster, { mesh: config.mesh.mode }), clock, telemetry: createTelemetry(new Registry()),
    log: silentLogger,
    notifier: alerts,
    createModel,
    options: { lookbackMs: 60 * MIN, warmupMs: WARMUP, stepMs: MIN, retrainMs: config.training.retrainMinutes * MIN, policy: policyParamsFromConfig(config.policy), seed: 42, store: config.store, targetFalseAlarmRate: config.policy.targetFalseAlarmRate },
  });
  let podCycles = 0;
  let cycleMs = 0;
  const flags: { pod: string; t: number }[] = [];
  for (let t = TRAIN_AT; t <= END; t += MIN) {
    clock.set(t);
    const t0 = performance.now();
    await engine.step();
    cycleMs += performance.now() - t0;
    for (const r of engine.detect()) {
      podCycles++;
      if (r.flagged) flags.push({ pod: r.ref.pod, t });
    }
  }
  const truth = cluster.incidents();
  const meshFaults = truth.filter((i) => MESH.includes(i.kind));
  const involved = new Set(truth.filter((i) => !i.benign && !MESH.includes(i.kind)).flatMap((i) => [i.pod, ...(i.affected ?? [])]));
  // A mesh fault's pod and callers are involved only while it lasts (and a little after).
  const meshInvolved = (pod: string, t: number) => meshFaults.some((i) => (i.pod === pod || i.affected?.includes(pod)) && t >= i.start && t < i.end + MESH_GRACE);
  const delay = (kind: string, unit: number) => {
    const i = truth.find((x) => x.kind === kind);
    const f = i && flags.find((x) => x.pod === i.pod && x.t >= i.start);
    return f && i ? String(Math.round((f.t - i.start) / unit)) : 'missed';
  };
  const strays = flags.filter((f) => !involved.has(f.pod) && !meshInvolved(f.pod, f.t));
  for (const i of meshFaults) {
    const inWindow = (t: number) => t >= i.start && t < i.end + MESH_GRACE;
    const podFlag = flags.find((f) => f.pod === i.pod && f.t >= i.start);
    const podAlert = alerts.sent.find((a) => a.pod === i.pod && a.t >= i.start);
    const first = alerts.sent.find((a) => inWindow(a.t));
    const callers = new Set(i.affected);
    const flaggedCallers = new Set(flags.filter((f) => callers.has(f.pod) && inWindow(f.t)).map((f) => f.pod));
    const sentCallers = new Set(alerts.sent.filter((a) => callers.has(a.pod) && inWindow(a.t)).map((a) => a.pod));
    if (process.env.DEBUG) {
      for (const a of alerts.sent.filter((x) => callers.has(x.pod) && inWindow(x.t))) console.log(`  ${i.kind}: caller alert ${a.pod} sent at +${(a.t - i.start) / 1000} s (fault ends +${(i.end - i.start) / 1000} s)`);
      for (const f of flags.filter((x) => (callers.has(x.pod) || x.pod === i.pod) && inWindow(x.t))) console.log(`  ${i.kind}: flag ${f.pod} +${(f.t - i.start) / 1000}`);
    }
    const secs = (x: { t: number } | undefined) => (x ? String(Math.round((x.t - i.start) / 1000)) : 'missed');
    meshRows.push([String(seed), `${i.kind} ${i.workload}`, String(Math.round(Number(i.detail?.extraLatencyMs ?? 100 * Number(i.detail?.errorShare)))), secs(podFlag), secs(podAlert), first?.workload ?? 'none', `${flaggedCallers.size}/${callers.size}`, String(sentCallers.size)]);
  }
  if (process.env.DEBUG) for (const f of strays) console.log(`  stray ${f.pod} at +${(f.t - TRAIN_AT) / MIN} min`);
  const stray = strays.length;
  totalStray += stray;
  totalCycles += podCycles;
  const cycles = (END - TRAIN_AT) / MIN + 1;
  console.log([String(seed), String(podCycles), ...ABRUPT.map((k) => delay(k, 1000)), delay('memory_leak', MIN), String(stray), (cycleMs / cycles).toFixed(2)].map((c) => c.padStart(16)).join(''));
}
console.log(`\nstray flags: ${totalStray} of ${totalCycles} pod-cycles (${((100 * totalStray) / totalCycles).toFixed(3)}%)`);
console.log('\nService-mesh faults: strength (ms added / % of answers 5xx), delay to the faulty pod\'s flag and to its alert (s), workload of the first alert sent');
console.log('during the fault, caller pods flagged during it (of all), and caller alerts sent (topology inhibition holds them while the callee fires)\n');
console.log(['seed', 'fault', 'strength', 'pod flag (s)', 'pod alert (s)', 'first alert', 'callers flagged', 'callers sent'].map((h, i) => (i === 1 ? h.padEnd(24) : h.padStart(16))).join(''));
for (const r of meshRows) console.log(r.map((c, i) => (i === 1 ? `  ${c}`.padEnd(24) : c.padStart(16))).join(''));
