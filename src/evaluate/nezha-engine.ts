/**
 * Nezha OnlineBoutique through the service's own path: each day's pod metric files are replayed by the
 * `replay` source (sources/replay.ts: rows snapped to the cycle step, 5-minute staleness) into
 * `engine/replay.ts`, the scoring cycle `kad serve` runs (features, per-workload models, peer
 * comparison, alert policy, early warning), with the models and settings the caller builds from the
 * config as `kad serve` does. Alone (`mesh` off), the pod metrics a cluster without a service mesh
 * has; with `mesh`, also the mesh's side of each pod (request rate, latency, the frontend's errors:
 * the source's `mesh` option) and the day's call graph, along which the cycle inhibits alerts (an
 * alert on a service held while a service it calls fires), as `kad serve` does with a mesh. The
 * alerts the cycle raises (`flaggedPods`, what the notifier receives) are scored against the fault list:
 *
 * - an alert *starts* on the cycle where a pod's alert (by alert name and labels) appears and was not
 *   there on the cycle before;
 * - a fault is **caught** when an alert on the injected pod (or, reported separately, on any pod of
 *   its service, the workload of its name) starts from the injection to `windowMs` (5 minutes) after;
 * - a **false alert** is an alert start that matches no fault that way; per pod-day = false alerts /
 *   (pod-cycles scored × step / 1 day);
 * - the days are chained: day 2 follows day 1 in one replay, its times shifted back so that its first
 *   step comes one step after day 1's last (the night between them was not recorded). The first
 *   training window of day 1 is history only, as it is for a kad that has just started, so faults in
 *   it cannot be caught; they count as missed, and are reported apart.
 *
 * Nothing here is tuned on the labels: the figures are those of the settings passed in. A sweep over
 * a policy setting (the flags' target rate when the flags are calibrated, as by default; else the
 * enter level) gives recall against false alerts per pod-day, and the
 * recall at a budget is the best recall of a swept setting within that many false alerts per pod-day.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Progress } from '../core/progress.js';
import { workloadFromPodName } from '../core/series.js';
import type { PodSnapshot } from '../core/samples.js';
import { Replay, type ReplayOptions } from '../engine/replay.js';
import type { PodModel } from '../engine/training.js';
import { flaggedPods } from '../notify/cycle-alerts.js';
import type { AlertPolicyParams } from '../policy/alert-policy.js';
import { callGraph } from '../policy/topology-inhibition.js';
import { ReplaySource } from '../sources/replay.js';
import { listNezhaSeries, readNezhaFaults, type NezhaFault } from './nezha.js';
import { CURVE_RATES, FALSE_ALERT_BUDGETS, recallAtBudget } from './recall-curve.js';
import { runSteps, runStepsAsync } from '../core/steps.js';

const DAY_MS = 86_400_000;

/** What the service is built from: its model maker and its settings (main.ts's podModelFactory and engineOptions). */
export interface ServicePath {
  createModel: (seed: number) => PodModel;
  options: Readonly<ReplayOptions>;
  /** Replay the service mesh's side too (pods' mesh fields, call graph and topology inhibition); default false. */
  mesh?: boolean;
}

/** One alert the service raised, at its start (times as recorded). */
export interface AlertStart {
  day: string;
  t: number;
  pod: string;
  alertname: string;
  /** The first cycle it was no longer firing (as recorded, on its day or a later one); unset: it fired until the replay ended. */
  end?: number;
}

/** One replayed day: its faults, when scoring started, and how much was scored. */
export interface ReplayedDay {
  day: string;
  faults: NezhaFault[];
  /** Time (as recorded) of the first scored cycle of the day; NaN when none was. */
  scoredFrom: number;
  /** Pod-cycles scored with decisions. */
  podCycles: number;
}

/** A replay of a Nezha corpus through the service's path. */
export interface EngineRun {
  days: ReplayedDay[];
  alerts: AlertStart[];
  stepMs: number;
  /** Wall time of the replay (ms). */
  wallMs: number;
}

/** The days of a Nezha corpus folder, in order. */
export function nezhaDays(dir: string): string[] {
  return [...new Set(listNezhaSeries(dir).map((n) => n.split('/')[0]))].sort();
}

/** Replays every day of the corpus at `dir` through one {@link Replay}; see the module comment. */
export function replayNezha(dir: string, path: ServicePath): EngineRun {
  return runSteps(replayNezhaSteps(dir, path));
}

/** {@link replayNezha}, yielding before each snapshot (so a caller can stop between them). */
function* replayNezhaSteps(dir: string, path: ServicePath): Generator<void, EngineRun, void> {
  const started = performance.now();
  const { stepMs } = path.options;
  const replay = new Replay(path.options, path.createModel);
  const days: ReplayedDay[] = [];
  const alerts: AlertStart[] = [];
  let active = new Map<string, AlertStart>();
  let lastT = -Infinity;
  for (const day of nezhaDays(dir)) {
    const faultFile = join(dir, day, `${day}-fault_list.json`);
    const rec: ReplayedDay = { day, faults: existsSync(faultFile) ? readNezhaFaults(faultFile) : [], scoredFrom: NaN, podCycles: 0 };
    days.push(rec);
    const source = new ReplaySource({ dir: join(dir, day, 'metric'), stepMs, layout: 'nezha', mesh: path.mesh });
    // The day's call graph, as the engine refreshes it from its source (the graph of one day holds for all of it).
    if (path.mesh) replay.cycle.useCallGraph(callGraph(source.edges.map((e) => [e.from, e.to] as const)));
    let offset = NaN;
    for (const snap of source.snapshots()) {
      yield;
      // Chained days: this day's first step comes one step after the last one replayed.
      if (Number.isNaN(offset)) offset = Number.isFinite(lastT) ? lastT + stepMs - snap.t : 0;
      const shifted: PodSnapshot = { t: snap.t + offset, pods: snap.pods };
      lastT = shifted.t;
      const result = replay.push(shifted);
      if (!result?.decided) continue;
      if (Number.isNaN(rec.scoredFrom)) rec.scoredFrom = snap.t;
      rec.podCycles += result.pods.length;
      const now = new Map<string, AlertStart>();
      for (const f of flaggedPods(result)) {
        const alertname = f.alertname ?? 'KadPodAnomaly';
        const key = JSON.stringify([f.namespace, f.pod, alertname, f.labels ?? {}]);
        let a = active.get(key);
        if (!a) alerts.push((a = { day, t: snap.t, pod: f.pod, alertname }));
        now.set(key, a);
      }
      for (const [key, a] of active) if (!now.has(key)) a.end = snap.t;
      active = now;
    }
  }
  return { days, alerts, stepMs, wallMs: performance.now() - started };
}

/** How a fault and an alert are matched: on the injected pod, or on any pod of its service. */
export type FaultMatch = 'pod' | 'service';

/** Figures of one run, one way of matching. */
export interface EngineScore {
  match: FaultMatch;
  faults: number;
  caught: number;
  /** caught / faults. */
  recall: number;
  /** Faults injected while the service was scoring (after the first training window), and those caught. */
  scoredFaults: number;
  scoredCaught: number;
  alerts: number;
  falseAlerts: number;
  podDays: number;
  falseAlertsPerPodDay: number;
  /** Faults and catches by fault type. */
  byType: Record<string, { faults: number; caught: number }>;
  /**
   * Scored faults missed while an alert on the injected pod (by the match) was already firing: an
   * alert that goes on firing does not start again, so a second fault on a pod in trouble is not told.
   */
  maskedFaults: number;
  /** Each fault's outcome, in the fault lists' order. */
  outcomes: FaultOutcome[];
}

/** What became of one fault. */
export interface FaultOutcome {
  day: string;
  /** Injection time, ISO 8601. */
  time: string;
  pod: string;
  type: string;
  /** Injected after the first training window (see {@link EngineScore.scoredFaults}). */
  scored: boolean;
  /** Seconds from the injection to the first alert start that caught it; null: missed. */
  caughtAfterSeconds: number | null;
  /** Missed while an alert on the pod was already firing (see {@link EngineScore.maskedFaults}). */
  masked: boolean;
}

/** Options of {@link scoreRun}. */
export interface ScoreOptions {
  match?: FaultMatch;
  /** Minutes after injection that an alert start still catches the fault (default 5). */
  windowMinutes?: number;
  /** Only alerts of these names (default: every alert the service raised). */
  alertnames?: readonly string[];
}

/** Scores a run's alerts against its faults; see the module comment. */
export function scoreRun(run: EngineRun, opts: ScoreOptions = {}): EngineScore {
  const match = opts.match ?? 'pod';
  const windowMs = (opts.windowMinutes ?? 5) * 60_000;
  const alerts = opts.alertnames ? run.alerts.filter((a) => opts.alertnames!.includes(a.alertname)) : run.alerts;
  const same = (a: string, b: string) => (match === 'pod' ? a === b : workloadFromPodName(a) === workloadFromPodName(b));
  const hits = (f: NezhaFault, a: AlertStart) => same(a.pod, f.pod) && a.t >= f.time && a.t <= f.time + windowMs;
  const s: EngineScore = {
    match, faults: 0, caught: 0, recall: 0, scoredFaults: 0, scoredCaught: 0, alerts: alerts.length, falseAlerts: 0, podDays: 0, falseAlertsPerPodDay: 0, byType: {},
    maskedFaults: 0, outcomes: [],
  };
  for (const d of run.days) {
    const dayAlerts = alerts.filter((a) => a.day === d.day);
    s.podDays += (d.podCycles * run.stepMs) / DAY_MS;
    s.falseAlerts += dayAlerts.filter((a) => !d.faults.some((f) => hits(f, a))).length;
    for (const f of d.faults) {
      const first = dayAlerts.filter((a) => hits(f, a)).reduce((m, a) => Math.min(m, a.t), Infinity);
      const caught = first < Infinity;
      const scored = f.time >= d.scoredFrom;
      // Any day's alert: one that started the day before may still fire (the days are one replay).
      const masked = scored && !caught && alerts.some((a) => same(a.pod, f.pod) && a.t < f.time && (a.end === undefined || a.end > f.time));
      s.maskedFaults += masked ? 1 : 0;
      s.outcomes.push({
        day: d.day, time: new Date(f.time).toISOString(), pod: f.pod, type: f.type, scored, caughtAfterSeconds: caught ? (first - f.time) / 1000 : null, masked,
      });
      s.faults++;
      s.caught += caught ? 1 : 0;
      s.scoredFaults += scored ? 1 : 0;
      s.scoredCaught += scored && caught ? 1 : 0;
      const ty = (s.byType[f.type] ??= { faults: 0, caught: 0 });
      ty.faults++;
      ty.caught += caught ? 1 : 0;
    }
  }
  s.recall = s.faults ? s.caught / s.faults : NaN;
  s.falseAlertsPerPodDay = s.podDays > 0 ? s.falseAlerts / s.podDays : NaN;
  return s;
}

/** One setting of a sweep and its figures. */
export interface SweepPoint {
  /** The policy settings changed from the service's. */
  policy: AlertPolicyParams;
  /** The calibrated flags' target false-alarm rate, where the sweep changes it. */
  targetFalseAlarmRate?: number;
  score: EngineScore;
  wallMs: number;
}

/**
 * The enter levels swept by default: a score cut for every pod in place of the pod model's own
 * threshold (0.5, the service's setting, which the unswept run has), from 0.05 to 0.9, wide enough
 * to span 1 to 10 false alerts per pod-day. Chosen on the span of false alerts, not on recall.
 */
export const DEFAULT_ENTER_LEVELS: readonly number[] = Object.freeze([0.05, 0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9]);

/** Replays the corpus once per setting (each a change to the service's policy) and scores each run. */
export function sweepPolicy(dir: string, path: ServicePath, settings: readonly AlertPolicyParams[], opts: ScoreOptions = {}): SweepPoint[] {
  return runSteps(sweepPolicySteps(dir, path, settings, opts));
}

function* sweepPolicySteps(dir: string, path: ServicePath, settings: readonly AlertPolicyParams[], opts: ScoreOptions, onRun?: (what: string) => void): Generator<void, SweepPoint[], void> {
  const out: SweepPoint[] = [];
  for (const policy of settings) {
    const run = yield* replayNezhaSteps(dir, { ...path, options: { ...path.options, policy: { ...path.options.policy, ...policy } } });
    out.push({ policy, score: scoreRun(run, opts), wallMs: run.wallMs });
    onRun?.(`sweep ${JSON.stringify(policy)}`);
  }
  return out;
}

/**
 * The target rates swept by default when the service's flags are calibrated (targetFalseAlarmRate > 0):
 * the per-series curve's ({@link CURVE_RATES}, recall-curve.ts), less the service's own rate, whose run
 * the report already has. Until this version 7 rates (1e-5, 1e-4, 3e-4, 3e-3, 0.01, 0.03, 0.1), too
 * coarse to read recall at 2 false alerts per pod-day off: the step from 3e-3 to 0.01 crossed it.
 */
export function sweptRates(own: number | undefined): number[] {
  return CURVE_RATES.filter((r) => r !== own);
}

/** Replays the corpus once per calibrated flags' target rate and scores each run. */
export function sweepRates(dir: string, path: ServicePath, rates: readonly number[], opts: ScoreOptions = {}): SweepPoint[] {
  return runSteps(sweepRatesSteps(dir, path, rates, opts));
}

function* sweepRatesSteps(dir: string, path: ServicePath, rates: readonly number[], opts: ScoreOptions, onRun?: (what: string) => void): Generator<void, SweepPoint[], void> {
  const out: SweepPoint[] = [];
  for (const targetFalseAlarmRate of rates) {
    const run = yield* replayNezhaSteps(dir, { ...path, options: { ...path.options, targetFalseAlarmRate } });
    out.push({ policy: {}, targetFalseAlarmRate, score: scoreRun(run, opts), wallMs: run.wallMs });
    onRun?.(`sweep {"targetFalseAlarmRate":${targetFalseAlarmRate}}`);
  }
  return out;
}

/** The best recall among sweep points with at most `budget` false alerts per pod-day (0 when none is). */
export function sweepRecallAtBudget(points: readonly SweepPoint[], budget: number): number {
  return recallAtBudget(points.map((p) => ({ recall: p.score.recall, falseAlertsPerDay: p.score.falseAlertsPerPodDay })), budget);
}

/** Options of {@link evaluateNezhaEngine}. */
export interface NezhaEngineOptions {
  /**
   * Policy settings to sweep, one replay each (default: the calibrated flags' target rates
   * {@link sweptRates} when the service's flags are calibrated, else the enter levels
   * {@link DEFAULT_ENTER_LEVELS}; empty: no sweep).
   */
  sweep?: readonly AlertPolicyParams[];
  /** Minutes after injection that an alert still catches a fault (default 5). */
  windowMinutes?: number;
  /** Told the replays in all, then each replay done. */
  progress?: Pick<Progress, 'setTotal' | 'tick'>;
}

/** What `kad evaluate --corpus nezha --engine` reports. */
export interface NezhaEngineReport {
  data: string;
  /** Whether the mesh's side was replayed too (see the module comment). */
  mesh: boolean;
  /** The service's settings the corpus was replayed with. */
  settings: Readonly<ReplayOptions>;
  days: { day: string; faults: number; scoredFrom: string | null; podDays: number }[];
  wallMs: number;
  /** The service's alerts at its settings: on the pod, on the service, and its anomaly alerts alone (no early warnings). */
  pod: EngineScore;
  service: EngineScore;
  anomalyOnly: EngineScore;
  sweep: SweepPoint[];
  /** Recall at each false-alert budget, over the sweep and the service's own settings. */
  atBudget: { falseAlertsPerPodDay: number; recall: number }[];
}

/** Replays the corpus with the service's settings (and each swept setting) and scores the alerts. */
export function evaluateNezhaEngine(dir: string, path: ServicePath, opts: NezhaEngineOptions = {}): NezhaEngineReport {
  return runSteps(nezhaEngineSteps(dir, path, opts));
}

/**
 * {@link evaluateNezhaEngine}, awaiting `between()` before each replayed snapshot: it may let the event
 * loop run and throw to stop (`kad evaluate --engine` on SIGINT/SIGTERM).
 */
export function evaluateNezhaEngineAsync(dir: string, path: ServicePath, opts: NezhaEngineOptions, between: () => Promise<void>): Promise<NezhaEngineReport> {
  return runStepsAsync(nezhaEngineSteps(dir, path, opts), between);
}

function* nezhaEngineSteps(dir: string, path: ServicePath, opts: NezhaEngineOptions): Generator<void, NezhaEngineReport, void> {
  const score = { windowMinutes: opts.windowMinutes };
  const calibrated = (path.options.targetFalseAlarmRate ?? 0) > 0;
  const settings = opts.sweep ?? DEFAULT_ENTER_LEVELS.map((enter) => ({ enter }));
  const rates = sweptRates(path.options.targetFalseAlarmRate);
  opts.progress?.setTotal(1 + (!opts.sweep && calibrated ? rates.length : settings.length));
  const onRun = (what: string) => opts.progress?.tick(what);
  const run = yield* replayNezhaSteps(dir, path);
  onRun('the service\'s settings');
  const pod = scoreRun(run, score);
  const sweep = !opts.sweep && calibrated
    ? yield* sweepRatesSteps(dir, path, rates, score, onRun)
    : yield* sweepPolicySteps(dir, path, settings, score, onRun);
  const all = [{ policy: {}, score: pod, wallMs: run.wallMs }, ...sweep];
  return {
    data: dir,
    mesh: path.mesh ?? false,
    settings: path.options,
    days: run.days.map((d) => ({
      day: d.day, faults: d.faults.length, podDays: (d.podCycles * run.stepMs) / DAY_MS,
      scoredFrom: Number.isNaN(d.scoredFrom) ? null : new Date(d.scoredFrom).toISOString(),
    })),
    wallMs: run.wallMs,
    pod,
    service: scoreRun(run, { ...score, match: 'service' }),
    anomalyOnly: scoreRun(run, { ...score, alertnames: ['KadPodAnomaly'] }),
    sweep,
    atBudget: FALSE_ALERT_BUDGETS.map((b) => ({ falseAlertsPerPodDay: b, recall: sweepRecallAtBudget(all, b) })),
  };
}

const pct = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '-');

/** The report as text. */
export function formatNezhaEngineReport(r: NezhaEngineReport): string {
  const s = r.settings;
  const lines = [
    `nezha through the service's path (replay source → the scoring cycle of kad serve; ${r.mesh ? 'with the service mesh: request rate, latency into each service, the frontend\'s errors, the services each one stopped calling, and topology inhibition along the call graph' : 'pod metric files only, no mesh columns'}): ${r.data}`,
    `settings: training window ${s.lookbackMs / 60_000} min, retrain every ${s.retrainMs / 60_000} min, step ${s.stepMs / 1000} s, policy ${JSON.stringify(s.policy)}, `
      + `peer group ${s.peerGroup !== false}, early warning ${s.earlyWarning ? 'on' : 'off'}, flags' target rate ${s.targetFalseAlarmRate ?? 0}, seed ${s.seed}`,
    ...r.days.map((d, i) => `  ${d.day}: ${d.faults} faults, scored from ${d.scoredFrom ?? 'never'} (${d.podDays.toFixed(2)} pod-days)${i > 0 ? `, following ${r.days[i - 1].day} (models and state carried over)` : ', the first training window is history only'}`),
    `replay: ${(r.wallMs / 1000).toFixed(1)} s a run, ${r.sweep.length + 1} runs`,
    '',
    `${'alerts'.padEnd(44)} faults  caught  recall≤5m  (scored)  alerts  false  FA/pod-day`,
  ];
  const row = (label: string, e: EngineScore) => `${label.padEnd(44)} ${String(e.faults).padStart(6)}  ${String(e.caught).padStart(6)}  ${pct(e.recall).padStart(9)}  ${`${e.scoredCaught}/${e.scoredFaults}`.padStart(8)}  ${String(e.alerts).padStart(6)}  ${String(e.falseAlerts).padStart(5)}  ${e.falseAlertsPerPodDay.toFixed(2).padStart(10)}`;
  lines.push(row('service defaults, on the injected pod', r.pod), row('service defaults, on any pod of its service', r.service), row('service defaults, anomaly alerts only', r.anomalyOnly));
  lines.push(`  by fault type (on the pod): ${Object.entries(r.pod.byType).map(([t, v]) => `${t} ${v.caught}/${v.faults}`).join(', ')}`);
  const missed = r.pod.scoredFaults - r.pod.scoredCaught;
  lines.push(`  missed (on the pod, scored): ${missed}, of them ${r.pod.maskedFaults} while an alert on the pod was already firing (it did not start again); each fault's outcome is in --json (pod.outcomes)`);
  if (r.sweep.length) {
    lines.push('', 'sweep (one replay each; each row changes the service\'s policy by the setting shown):');
    for (const p of r.sweep) lines.push(row(`  ${JSON.stringify(p.targetFalseAlarmRate === undefined ? p.policy : { targetFalseAlarmRate: p.targetFalseAlarmRate })}`, p.score));
  }
  lines.push('', `recall within 5 min at ≤ ${r.atBudget.map((b) => b.falseAlertsPerPodDay).join(' / ')} false alerts per pod-day: ${r.atBudget.map((b) => pct(b.recall)).join(' / ')}`);
  return lines.join('\n') + '\n';
}
