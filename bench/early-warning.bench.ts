/**
 * Early warning of resource exhaustion on the simulated cluster: for several seeds, a week of
 * 1-minute cycles (from an hour after the cluster starts) over the whole cluster, through the real source path
 * (src/sources/simulator.ts), with a seeded background of every other incident kind, rollouts and
 * scales, and slow memory leaks of several rates on workloads with different limits. Each pod's
 * samples go to the service's ExhaustionMonitor (src/forecast/exhaustion-monitor.ts), whose memory and
 * CPU scores go through the early-warning policy (src/policy/early-warning.ts, alert KadResourceExhaustion). Prints one row per leak (the warning's
 * lead time before the OOM kill, the predicted and the actual time to OOM at the warning) and the
 * false warnings per workload-week. Run: `npm run bench:early-warning` (SEEDS=1,2,3 DAYS=7
 * HORIZON_MINUTES=120 LIMITS=default|tight to change).
 */
import { loadConfig } from '../src/config/load.js';
import { podKey } from '../src/core/series.js';
import { EarlyWarning, earlyWarningPolicy } from '../src/policy/early-warning.js';
import { ExhaustionMonitor, exhaustionMonitorParams } from '../src/forecast/exhaustion-monitor.js';
import { formatDuration } from '../src/notify/cycle-alerts.js';
import { SimulatedCluster } from '../src/simulator/cluster.js';
import { backgroundEvents, slowLeaks, type LeakSpec } from '../src/simulator/scenarios.js';
import { defaultTopology } from '../src/simulator/topology.js';
import { SimulatorSource } from '../src/sources/simulator.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const MiB = 1024 * 1024;
const T0 = Date.UTC(2026, 10, 16); // a Monday
const SEEDS = (process.env.SEEDS ?? '1,2,3').split(',').map(Number);
const DAYS = Number(process.env.DAYS ?? 7);
/** The service's early-warning settings: the config schema's defaults. */
const DEFAULTS = loadConfig({ env: {} }).earlyWarning;
const HORIZON_MINUTES = Number(process.env.HORIZON_MINUTES ?? DEFAULTS.horizonMinutes);
const START = T0 + HOUR;
const END = START + DAYS * 24 * HOUR;
const LEAD_GOAL_MIN = 30;

/** The warning's policy, as the service runs it. */
const POLICY = earlyWarningPolicy(DEFAULTS);

/** Workloads leaked (different limits and limit shares) and leak durations (hours), rotated per seed. */
const LEAK_WORKLOADS = [
  ['shop', 'recommendation'], ['shop', 'cart'], ['platform', 'coredns'], ['batch', 'report-worker'],
  ['shop', 'checkout'], ['platform', 'ingress-nginx'], ['shop', 'redis-cart'], ['monitoring', 'grafana'],
] as const;
const LEAK_HOURS = [1, 2, 3, 4, 6, 8, 12, 24];

function leakPlan(seedIndex: number): LeakSpec[] {
  const plan: LeakSpec[] = [];
  const n = LEAK_HOURS.length;
  const spacing = Math.max(1, Math.floor(((DAYS * 24 - 30) / n) * HOUR));
  for (let i = 0; i < n; i++) {
    const [namespace, workload] = LEAK_WORKLOADS[(i + 3 * seedIndex) % LEAK_WORKLOADS.length];
    const durationMs = LEAK_HOURS[(i * 5 + seedIndex) % n] * HOUR;
    plan.push({ namespace, workload, afterMs: 2 * HOUR + seedIndex * 2 * HOUR + i * spacing + 17_000, durationMs, replica: i });
  }
  return plan;
}

interface Warning {
  pod: string;
  workload: string;
  resource: 'memory' | 'cpu';
  t: number;
  tte: number;
  lower: number;
  upper: number;
}

const pad = (cells: (string | number)[], widths: number[]) => cells.map((c, i) => String(c).padStart(widths[i])).join('');
/**
 * LIMITS=tight: every limit close to what the pod uses (memory limit 1.25 × the steady working set;
 * CPU limit 1.25 × the CPU of a pod's share of the daily peak), a harder test of false warnings.
 */
const TIGHT = process.env.LIMITS === 'tight';
const topology = defaultTopology();
if (TIGHT) {
  for (const w of topology.workloads) {
    const peakRpsPerPod = w.autoscale ? w.autoscale.targetRps * 1.1 : (w.rps * 1.56) / w.replicas;
    w.memoryLimit = Math.round(1.25 * w.memory);
    w.cpuLimit = Math.round(125 * (w.cpuBase + w.cpuPerRequest * peakRpsPerPod)) / 100;
  }
}
const W = [6, 18, 9, 8, 10, 10, 10, 12, 12];
console.log(`Early warning on the simulated cluster${TIGHT ? ' with tight limits' : ''}: ${SEEDS.length} seed(s) × ${DAYS} days of 1-minute cycles, ${topology.workloads.length} workloads, horizon ${HORIZON_MINUTES} min, policy k=${POLICY.k} of ${POLICY.n} at score ${POLICY.enter}`);
console.log('lead = OOM kill − first memory warning on the leaking pod; predicted = time to exhaustion at that warning [interval]');
console.log(`false = a memory warning off a leak (start to OOM + 10 min), a CPU warning off a runaway whose CPU did not reach ${Math.round(DEFAULTS.cpuAt * 100)}% of its limit within the horizon\n`);
console.log(pad(['seed', 'workload', 'limit', 'leak', 'rate', 'from', 'lead min', 'predicted', 'actual'], W) + '   interval');
let cases = 0;
let onTime = 0;
const leads: number[] = [];
let falseMem = 0;
let falseCpu = 0;
let cpuCameTrue = 0;
let falseNoLeakWl = 0;
let workloadWeeks = 0;
let noLeakWorkloadWeeks = 0;
let runaways = 0;
let runawaysWarned = 0;
let observeMs = 0;
let observed = 0;
const falseDetail: string[] = [];

for (const [si, seed] of SEEDS.entries()) {
  const leaks = slowLeaks(T0, leakPlan(si));
  const background = backgroundEvents({ seed, from: START, until: END, topology, avoid: leaks });
  const cluster = new SimulatedCluster({ seed, start: T0, topology, scenario: { random: false, events: [...leaks, ...background] } });
  const source = new SimulatorSource(cluster, { keepMs: 5 * MIN });
  const options = { ...DEFAULTS, horizonMinutes: HORIZON_MINUTES };
  const monitor = new ExhaustionMonitor(exhaustionMonitorParams(options));
  const ew = new EarlyWarning(options);
  const warnings: Warning[] = [];
  const live = new Set<string>();
  const known = new Set<string>();
  /** Per pod, the cycles its CPU was at ≥ `cpuAt` of its limit (throttling: a CPU warning come true). */
  const saturated = new Map<string, number[]>();
  for (let t = START; t <= END; t += MIN) {
    const snap = source.observe(t);
    live.clear();
    const t0 = performance.now();
    for (const s of snap.pods) {
      const key = podKey(s.ref);
      const r = ew.decide(key, monitor.observe(s, t, key), t);
      live.add(key);
      known.add(key);
      if (s.cpu >= DEFAULTS.cpuAt * s.cpuLimit) {
        const list = saturated.get(s.ref.pod) ?? [];
        list.push(t);
        saturated.set(s.ref.pod, list);
      }
      for (const resource of r.started) {
        const e = r[resource];
        warnings.push({ pod: s.ref.pod, workload: s.ref.workload, resource, t, tte: e.tteSeconds, lower: e.tteLowerSeconds, upper: e.tteUpperSeconds });
      }
    }
    for (const key of known) {
      if (!live.has(key)) {
        monitor.forget(key);
        ew.forget(key);
        known.delete(key);
      }
    }
    observeMs += performance.now() - t0;
    observed += snap.pods.length;
  }

  const truth = cluster.incidents();
  const leakTruth = truth.filter((i) => i.kind === 'memory_leak');
  const explained = (w: Warning): boolean => {
    if (w.resource === 'memory') return leakTruth.some((i) => i.pod === w.pod && w.t >= i.start && w.t <= i.end + 10 * MIN);
    if (truth.some((i) => i.kind === 'cpu_runaway' && i.pod === w.pod && w.t >= i.start && w.t <= i.end + 5 * MIN)) return true;
    if ((saturated.get(w.pod) ?? []).some((x) => x >= w.t - 5 * MIN && x <= w.t + HORIZON_MINUTES * MIN)) {
      cpuCameTrue++;
      return true;
    }
    return false;
  };
  for (const i of leakTruth) {
    const oom = truth.find((x) => x.kind === 'oom_kill' && x.detail?.cause === i.id);
    const spec = topology.workloads.find((w) => w.name === i.workload && w.namespace === i.namespace)!;
    const from = Number(i.detail?.fromBytes ?? 0);
    const rate = ((spec.memoryLimit * 0.99 - from) / spec.memoryLimit / ((i.end - i.start) / HOUR)) * 100;
    const leak = formatDuration((i.end - i.start) / 1000);
    if (!oom) {
      console.log(pad([seed, i.workload, `${spec.memoryLimit / MiB}Mi`, leak, `${rate.toFixed(1)}%/h`, `${((100 * from) / spec.memoryLimit).toFixed(0)}%`, 'no OOM (ran past the end)', '', ''], W));
      continue;
    }
    cases++;
    const w = warnings.find((x) => x.resource === 'memory' && x.pod === i.pod && x.t >= i.start && x.t <= oom.start);
    const lead = w ? (oom.start - w.t) / MIN : NaN;
    if (lead >= LEAD_GOAL_MIN) onTime++;
    leads.push(w ? lead : 0);
    console.log(pad([
      seed, i.workload, `${spec.memoryLimit / MiB}Mi`, leak, `${rate.toFixed(1)}%/h`, `${((100 * from) / spec.memoryLimit).toFixed(0)}%`,
      w ? lead.toFixed(0) : 'missed', w ? formatDuration(w.tte) : '', w ? formatDuration((oom.start - w.t) / 1000) : '',
    ], W) + (w ? `   [${formatDuration(w.lower)}, ${formatDuration(w.upper)}]` : ''));
  }
  const leakedWorkloads = new Set(leakTruth.map((i) => `${i.namespace}/${i.workload}`));
  for (const w of warnings) {
    if (explained(w)) continue;
    if (w.resource === 'memory') falseMem++;
    else falseCpu++;
    const ns = topology.workloads.find((x) => x.name === w.workload)!.namespace;
    if (!leakedWorkloads.has(`${ns}/${w.workload}`)) falseNoLeakWl++;
    const around = truth.filter((i) => (i.pod === w.pod || i.affected?.includes(w.pod) || (i.workload === w.workload && !i.pod)) && w.t >= i.start - 30 * MIN && w.t <= i.end + 30 * MIN);
    falseDetail.push(`  seed ${seed} ${new Date(w.t).toISOString().slice(0, 16)} ${w.resource} ${w.pod} tte ${formatDuration(w.tte)} [${formatDuration(w.lower)}, ${formatDuration(w.upper)}]${around.length ? ` near ${around.map((i) => i.kind).join(',')}` : ''}`);
  }
  const weeks = DAYS / 7;
  workloadWeeks += topology.workloads.length * weeks;
  noLeakWorkloadWeeks += (topology.workloads.length - leakedWorkloads.size) * weeks;
  for (const i of truth.filter((x) => x.kind === 'cpu_runaway')) {
    runaways++;
    if (warnings.some((w) => w.resource === 'cpu' && w.pod === i.pod && w.t >= i.start && w.t <= i.end)) runawaysWarned++;
  }
}

leads.sort((a, b) => a - b);
const median = leads.length ? leads[Math.floor(leads.length / 2)] : NaN;
console.log(`\nleaks warned >= ${LEAD_GOAL_MIN} min before the OOM kill: ${onTime} of ${cases} (${((100 * onTime) / Math.max(1, cases)).toFixed(1)}%), median lead ${median.toFixed(0)} min`);
console.log(`false warnings: memory ${falseMem}, cpu ${falseCpu} over ${workloadWeeks.toFixed(1)} workload-weeks = ${((falseMem + falseCpu) / workloadWeeks).toFixed(3)} per workload-week`);
console.log(`  on workloads without a leak: ${falseNoLeakWl} over ${noLeakWorkloadWeeks.toFixed(1)} workload-weeks = ${(falseNoLeakWl / Math.max(1e-9, noLeakWorkloadWeeks)).toFixed(3)} per workload-week`);
console.log(`cpu runaways (CPU jumps to 90–98% of its limit) with a CPU warning: ${runawaysWarned} of ${runaways}`);
console.log(`other cpu warnings that came true (CPU at >= ${Math.round(DEFAULTS.cpuAt * 100)}% of its limit within the horizon), not counted false: ${cpuCameTrue}`);
console.log(`estimator cost: ${((1000 * observeMs) / Math.max(1, observed)).toFixed(1)} µs per pod-cycle (monitor + policy, both resources)`);
if (falseDetail.length) console.log(`\nfalse warnings:\n${falseDetail.slice(0, 40).join('\n')}${falseDetail.length > 40 ? `\n  … ${falseDetail.length - 40} more` : ''}`);
