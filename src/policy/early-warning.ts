/**
 * The early warning as the engine runs it: an {@link ExhaustionMonitor} (time to exhaustion of each
 * pod's memory and CPU against its limits) whose scores go through an alert policy of their own, one
 * series per pod and resource, so a warning fires after `consecutive` sure cycles in a row and is an
 * alert `KadResourceExhaustion{resource}` beside the pod's anomaly alert. `bench/early-warning.bench.ts`
 * measures this same class on the simulated cluster.
 */
import {
  EXHAUSTION_ALERT_NAME, ExhaustionMonitor, exhaustionAnnotations, type ExhaustionResource,
} from '../forecast/exhaustion-monitor.js';
import type { ExhaustionEstimate } from '../forecast/exhaustion.js';
import type { FlaggedPod } from '../notify/base.js';
import { AlertPolicy, type AlertPolicyParams } from './alert-policy.js';
import type { PodSample } from '../core/samples.js';

/** Settings of {@link EarlyWarning} (config section `earlyWarning`). */
export interface EarlyWarningOptions {
  /** Warn when exhaustion is surely within this many minutes (default 120). */
  horizonMinutes: number;
  /** Sure cycles in a row before a warning fires (default 3). */
  consecutive: number;
  /** Memory is exhausted at this share of the limit (default 0.98: the OOM kill comes at the limit). */
  memoryAt: number;
  /** CPU is exhausted (throttled) at this share of the limit (default 0.95). */
  cpuAt: number;
}

/** The defaults, as measured by `npm run bench:early-warning`. */
export const EARLY_WARNING_DEFAULTS: Readonly<EarlyWarningOptions> = Object.freeze({ horizonMinutes: 120, consecutive: 3, memoryAt: 0.98, cpuAt: 0.95 });

/** The warning's alert policy: `consecutive` cycles at score 0.5 (exhaustion surely within the horizon), a little hysteresis, 5 min keep-firing. */
export function earlyWarningPolicy(o: Readonly<EarlyWarningOptions>): AlertPolicyParams {
  return { k: o.consecutive, n: o.consecutive, enter: 0.5, hysteresis: 0.1, keepFiringForSeconds: 300, stopLearning: false };
}

/** One pod's early-warning state after a cycle. */
export interface PodWarning {
  memory: Readonly<ExhaustionEstimate>;
  cpu: Readonly<ExhaustionEstimate>;
  /** Resources whose warning is firing now. */
  firing: ExhaustionResource[];
  /** Resources whose warning started this cycle. */
  started: ExhaustionResource[];
}

const RESOURCES: readonly ExhaustionResource[] = ['memory', 'cpu'];

/** Per-pod exhaustion estimates and warnings; see the module comment. */
export class EarlyWarning {
  private readonly monitor: ExhaustionMonitor;
  private readonly policy: AlertPolicy;

  constructor(readonly options: Readonly<EarlyWarningOptions> = EARLY_WARNING_DEFAULTS) {
    const horizonSeconds = options.horizonMinutes * 60;
    this.monitor = new ExhaustionMonitor({ memory: { horizonSeconds, exhaustAt: options.memoryAt }, cpu: { horizonSeconds, exhaustAt: options.cpuAt } });
    this.policy = new AlertPolicy(earlyWarningPolicy(options));
  }

  /**
   * Feeds one pod's sample of a cycle at `t`; with `decide`, the policy decides too (false for
   * snapshots replayed from history, which only warm the estimators).
   */
  observe(sample: PodSample, t: number, key: string, decide = true): PodWarning {
    const r = this.monitor.observe(sample, t, key);
    const out: PodWarning = { memory: r.memory, cpu: r.cpu, firing: [], started: [] };
    if (!decide) return out;
    for (const res of RESOURCES) {
      const d = this.policy.observe(`${key}/${res}`, r[res].score, t, 0.5);
      if (d.firing) out.firing.push(res);
      if (d.started) out.started.push(res);
    }
    return out;
  }

  /** The alerts of a pod's firing warnings. */
  alerts(sample: PodSample, w: PodWarning, modelVersion: string): FlaggedPod[] {
    return w.firing.map((res) => ({
      namespace: sample.ref.namespace, pod: sample.ref.pod, workload: sample.ref.workload, node: sample.ref.node,
      score: w[res].score, threshold: 0.5, topFeatures: [], modelVersion,
      alertname: EXHAUSTION_ALERT_NAME, labels: { resource: res }, annotations: exhaustionAnnotations(res, w[res]),
    }));
  }

  /** Drops a pod that went away. */
  forget(key: string): void {
    this.monitor.forget(key);
    for (const res of RESOURCES) this.policy.forget(`${key}/${res}`);
  }
}
