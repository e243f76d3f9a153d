/**
 * Topology inhibition of the service's pod alerts: {@link TopologyInhibitor} (the inhibit rules laid
 * along the call graph, as `kad evaluate --inhibit` applies them) over workloads (`namespace/workload`
 * keys, as the sources' call graphs name them). After the policy has decided every pod of a cycle,
 * each pod whose anomaly fires while a workload its workload calls (directly or further down) fires
 * too is *inhibited*, by those alerts. An inhibited alert that was never sent in its firing run is
 * *held*: not sent, as Alertmanager holds an inhibited alert; it is sent once it still fires in a cycle
 * where nothing downstream fires. An alert already sent when a callee starts firing stays sent, and
 * names the callee's alert from then on (the notifier writes it in its annotations), so the page
 * that is out says where to look.
 *
 * A sharded replica also hears of the alerts other replicas sent (through Alertmanager: `elsewhere` in
 * {@link AlertInhibition.apply}), so a callee on another shard inhibits too.
 *
 * The call graph comes in from outside ({@link AlertInhibition.useGraph}: the engine refreshes it
 * from the source); without one nothing is inhibited. Scores and flags are untouched: inhibition is
 * about which alerts are sent, not about which pods are anomalous.
 */
import { podKey, workloadKey } from '../core/series.js';
import type { InhibitingAlert, PodOutcome } from './cycle-result.js';
import { TopologyInhibitor, type CallGraph, type InhibitionOptions } from './topology-inhibition.js';

/** Workloads firing on other shards: `namespace/workload` → the pods whose alerts fire (notify/shard-alerts.ts). */
export type FiringElsewhere = ReadonlyMap<string, readonly string[]>;

/** At most this many inhibiting alerts are named per alert. */
const MAX_NAMED = 5;

/** Holds and annotates the pod alerts of each cycle along a call graph; see the module comment. */
export class AlertInhibition {
  private inhibitor: TopologyInhibitor | null = null;
  private current: CallGraph | null = null;
  /** Pods whose current firing run has been let through (sent). */
  private readonly sent = new Set<string>();

  /** Inhibition with these settings (tick length, lookback); throws InputError for a bad one. */
  constructor(private readonly opts: InhibitionOptions = {}) {
    new TopologyInhibitor(new Map(), opts); // checks the settings now
  }

  /** The call graph in use (null: none yet). */
  get graph(): CallGraph | null {
    return this.current;
  }

  /** Uses `graph` from the next cycle on (firing states recorded so far are dropped with the old one). */
  useGraph(graph: CallGraph): void {
    this.current = graph;
    this.inhibitor = graph.size > 0 ? new TopologyInhibitor(graph, this.opts) : null;
  }

  /**
   * Marks the cycle's outcomes at time `t` (the policy's decisions made): `inhibitedBy` and `held`.
   * `elsewhere`: workloads firing on other shards (`namespace/workload` → pods; notify/shard-alerts.ts),
   * which inhibit as this cycle's own firing pods do.
   */
  apply(t: number, pods: PodOutcome[], elsewhere?: FiringElsewhere): void {
    const inhibitor = this.inhibitor;
    const firingPods = new Map<string, string[]>();
    if (inhibitor) {
      if (elsewhere) {
        for (const [wk, remote] of elsewhere) {
          inhibitor.record(wk, t, true);
          firingPods.set(wk, [...remote]);
        }
      }
      for (const o of pods) {
        if (!o.anomaly) continue;
        const wk = workloadKey(o.result.ref);
        inhibitor.record(wk, t, true);
        let list = firingPods.get(wk);
        if (!list) firingPods.set(wk, (list = []));
        list.push(o.result.ref.pod);
      }
    }
    for (const o of pods) {
      const key = podKey(o.result.ref);
      if (!o.anomaly) {
        this.sent.delete(key);
        continue;
      }
      const by: InhibitingAlert[] = [];
      for (const wk of inhibitor?.inhibitors(workloadKey(o.result.ref), t) ?? []) {
        const slash = wk.indexOf('/');
        const namespace = wk.slice(0, slash);
        const workload = wk.slice(slash + 1);
        const firing = firingPods.get(wk);
        if (firing) for (const pod of firing) by.push({ namespace, workload, pod });
        else by.push({ namespace, workload });
        if (by.length >= MAX_NAMED) break;
      }
      if (by.length > 0) o.inhibitedBy = by.slice(0, MAX_NAMED);
      if (by.length > 0 && !this.sent.has(key)) o.held = true;
      else this.sent.add(key);
    }
  }

  /** Forgets a pod that went away. */
  forget(key: string): void {
    this.sent.delete(key);
  }
}
