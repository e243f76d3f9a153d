/**
 * The early-warning policy: decides, from each pod's time-to-exhaustion estimates of its memory and
 * CPU (computed by `forecast/exhaustion-monitor.ts`), whether a warning fires. Its scores go through an
 * alert policy of their own, one series per pod and resource, so a warning fires after `consecutive`
 * sure cycles in a row; `notify/` writes it as an alert `KadResourceExhaustion{resource}` beside the
 * pod's anomaly alert. `bench/early-warning.bench.ts` measures the monitor and this policy together.
 */
import type { ExhaustionResource, PodExhaustion } from '../forecast/exhaustion-monitor.js';
import type { ExhaustionEstimate } from '../forecast/exhaustion.js';
import { AlertPolicy, type AlertPolicyParams } from './alert-policy.js';

/** Settings of {@link EarlyWarning}: the config section `earlyWarning`, whose defaults (in the config schema) `npm run bench:early-warning` measures. */
export interface EarlyWarningOptions {
  /** Warn when exhaustion is surely within this many minutes. */
  horizonMinutes: number;
  /** Sure cycles in a row before a warning fires. */
  consecutive: number;
  /** Memory is exhausted at this share of the limit (the OOM kill comes at the limit). */
  memoryAt: number;
  /** CPU is exhausted (throttled) at this share of the limit. */
  cpuAt: number;
}

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

/** Per-pod, per-resource warning decisions; see the module comment. */
export class EarlyWarning {
  private readonly policy: AlertPolicy;

  constructor(readonly options: Readonly<EarlyWarningOptions>) {
    this.policy = new AlertPolicy(earlyWarningPolicy(options));
  }

  /** Decides the pod's warnings at `t` from its estimates of this cycle (`ExhaustionMonitor.observe`). */
  decide(key: string, e: Readonly<Pick<PodExhaustion, 'memory' | 'cpu'>>, t: number): PodWarning {
    const out: PodWarning = { memory: e.memory, cpu: e.cpu, firing: [], started: [] };
    for (const res of RESOURCES) {
      const d = this.policy.observe(`${key}/${res}`, e[res].score, t, 0.5);
      if (d.firing) out.firing.push(res);
      if (d.started) out.started.push(res);
    }
    return out;
  }

  /** Drops a pod that went away. */
  forget(key: string): void {
    for (const res of RESOURCES) this.policy.forget(`${key}/${res}`);
  }
}
