/**
 * The event store's writer: a {@link CycleObserver} that turns each scoring cycle's result into
 * rows of the event store (store/event-store.ts), in one transaction per cycle:
 * - every pod's score, effective threshold, flag and raw metrics (the undecided first pass too);
 * - an **anomaly event** that opens when a pod's anomaly fires, keeps its peak score (with the
 *   features and explanation at the peak), and closes at the first decided cycle it no longer fires
 *   (or the pod is gone). An anomaly whose alert topology inhibition holds is an anomaly event too
 *   (the dashboard shows the pod flagged, and an operator can give feedback on it); its explanation
 *   names the alerts downstream that hold it;
 * - the **alert history**: the same alerts the notifier sends (cycle-alerts.ts; anomaly and early
 *   warning), with their labels and annotations, from the cycle they start to the one they stop.
 * What is still open when kad stops stays open in the store; a restarted recorder continues it, or
 * closes it at its first decided cycle. Every `pruneEvery` cycles it prunes the store (retention and
 * per-pod cap). A failed write leaves the store as it was before the cycle and is thrown to the
 * engine, which logs it.
 */
import { podKey } from '../core/series.js';
import type { CycleObserver, CycleResult, PodOutcome } from '../policy/cycle-result.js';
import type { EventStore, PodCycleRow, TopFeature } from '../store/event-store.js';
import { alertAnnotations, alertKey, alertLabels } from './alerts.js';
import type { FlaggedPod } from './base.js';
import { cycleAlerts } from './cycle-alerts.js';

/** Settings of an {@link EventRecorder}. */
export interface EventRecorderOptions {
  /** The `severity` label of kad's alerts (KAD_ALERT_SEVERITY), kept with each alert's labels. */
  severity: string;
  /** The labels of every alert (KAD_ALERT_LABELS), kept with each alert's labels. */
  labels?: Readonly<Record<string, string>>;
  /** Prune the store every this many cycles (default 60). */
  pruneEvery?: number;
  /** Told of every anomaly alert that starts, i.e. is sent (a held one once it is released; e.g. to count alarms after feedback). */
  onAnomaly?: (namespace: string, workload: string) => void;
}

const fin = (x: number) => (Number.isFinite(x) ? x : null);

/** An alert record's identity: its key and its label set (in name order). */
function episodeKey(key: string, labels: Readonly<Record<string, string>>): string {
  return `${key}\u0000${JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))}`;
}

/** One pod's row of a cycle. */
function rowOf(o: PodOutcome): PodCycleRow {
  const { ref, sample: s } = o.result;
  return {
    namespace: ref.namespace, pod: ref.pod, workload: ref.workload,
    score: o.result.score, threshold: o.result.threshold, flagged: o.result.flagged, modelScore: o.result.modelScore, peerScore: o.result.peerScore,
    metrics: {
      cpu: s.cpu, memory: s.memory, restarts: s.restarts, network_rx: s.rxBytes, network_tx: s.txBytes,
      rx_packets: s.rxPackets, rx_dropped: s.rxDropped, cpu_limit: s.cpuLimit, memory_limit: s.memoryLimit,
    },
  };
}

/** An anomaly alert's explanation: its description, with what its replicas and its recent scores say. */
export function explanationOf(annotations: Record<string, string>): string {
  return [
    annotations.description ?? annotations.summary ?? '',
    annotations.peer_outlier ? `Peer group: ${annotations.peer_outlier}.` : '',
    annotations.change ? `Recent scores show a ${annotations.change.replace(/-/g, ' ')}.` : '',
    annotations.inhibited_by ? `Workloads it calls fire too: ${annotations.inhibited_by}.` : '',
  ].filter(Boolean).join(' ');
}

function topFeaturesOf(p: FlaggedPod): TopFeature[] {
  return p.topFeatures.map((f) => ({ feature: f.name, contribution: f.z, value: fin(f.value), expected: [fin(f.expected[0]), fin(f.expected[1])] }));
}

/** Writes each cycle's result to the event store; see the module comment. */
export class EventRecorder implements CycleObserver {
  /** Open anomaly events by pod key: id and peak score. */
  private readonly anomalies = new Map<string, { id: number; peak: number }>();
  /** Firing alerts by alert key: their id. */
  private readonly alerts = new Map<string, number>();
  private cycles = 0;
  /** Anomaly alerts started by the cycle being written (told to `onAnomaly` once it is committed). */
  private opened: [string, string][] = [];

  constructor(private readonly store: EventStore, private readonly opts: EventRecorderOptions) {
    this.reload();
  }

  observe(r: CycleResult): void {
    this.opened = [];
    try {
      this.store.write(() => {
        this.store.appendHistory(r.t, r.pods.map(rowOf));
        if (r.decided) this.events(r);
      });
    } catch (e) {
      this.reload(); // the transaction rolled back: what is open is what the store says
      throw e;
    }
    for (const [namespace, workload] of this.opened) this.opts.onAnomaly?.(namespace, workload);
    if (++this.cycles % (this.opts.pruneEvery ?? 60) === 0) this.store.prune(r.t);
  }

  private reload(): void {
    this.anomalies.clear();
    this.alerts.clear();
    for (const a of this.store.openAnomalies()) this.anomalies.set(podKey(a), { id: a.id, peak: a.peakScore });
    for (const a of this.store.openAlerts()) this.alerts.set(episodeKey(a.key, a.labels), a.id);
  }

  private events(r: CycleResult): void {
    const firingAlerts = new Set<string>();
    const firingPods = new Set<string>();
    for (const { alert: p, outcome, anomaly, sent } of cycleAlerts(r)) {
      const key = alertKey(p);
      const annotations = alertAnnotations(p, '');
      let anomalyId: number | null = null;
      if (anomaly) {
        firingPods.add(podKey(p));
        anomalyId = this.anomaly(r, p, outcome, explanationOf(annotations));
      }
      if (!sent) continue;
      const labels = alertLabels(p, this.opts.severity, this.opts.labels);
      // An alert whose labels changed (KAD_ALERT_LABELS or KAD_ALERT_SEVERITY set otherwise since it opened) is another alert
      // in Alertmanager: the old record closes below and a new one opens, as the notifier resolves the old set and fires the new.
      const episode = episodeKey(key, labels);
      firingAlerts.add(episode);
      if (!this.alerts.has(episode)) {
        if (anomaly) this.opened.push([p.namespace, p.workload]);
        this.alerts.set(episode, this.store.openAlert({
          kind: anomaly ? 'anomaly' : 'early_warning', key, namespace: p.namespace, workload: p.workload, pod: p.pod, startsAt: r.t,
          summary: annotations.summary ?? '', labels, annotations, anomalyId,
        }));
      }
    }
    for (const [key, id] of this.alerts) {
      if (firingAlerts.has(key)) continue;
      this.store.closeAlert(id, r.t);
      this.alerts.delete(key);
    }
    for (const [pk, a] of this.anomalies) {
      if (firingPods.has(pk)) continue;
      this.store.closeAnomaly(a.id, r.t);
      this.anomalies.delete(pk);
    }
  }

  /** Opens pod `p`'s anomaly event, or raises its peak; returns its id. */
  private anomaly(r: CycleResult, p: FlaggedPod, o: PodOutcome, explanation: string): number {
    const pk = podKey(p);
    const open = this.anomalies.get(pk);
    if (open) {
      if (p.score > open.peak) {
        this.store.raisePeak(open.id, p.score, topFeaturesOf(p), explanation);
        open.peak = p.score;
      }
      return open.id;
    }
    const id = this.store.openAnomaly({
      namespace: p.namespace, workload: p.workload, pod: p.pod, start: r.t, peakScore: p.score, threshold: o.result.threshold,
      topFeatures: topFeaturesOf(p), explanation, modelVersion: r.modelVersion,
    });
    this.anomalies.set(pk, { id, peak: p.score });
    return id;
  }
}
