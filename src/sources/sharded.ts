/**
 * A sharded replica's view of any source: every snapshot it gives (`history` and `current`) keeps only
 * the pods of the workloads this replica owns ({@link ShardOwnership}, rendezvous hashing of
 * `namespace/workload`), so the stages after it see, learn and export only those. The one place the
 * filter is applied for every source (simulator, remote write, metrics API, replay, CSV); the
 * Prometheus source is also given the ownership so it queries only its pods' series, and its output
 * passes through here unchanged. The call graph is passed through whole: topology needs both ends.
 */
import type { CallEdge, PodSnapshot } from '../core/samples.js';
import type { ShardOwnership } from '../core/shard.js';
import type { HistoryProgress, Source } from './base.js';

/** What a sharded source owned in its last snapshot, for the telemetry. */
export interface OwnedCounts {
  pods: number;
  workloads: number;
}

/** A {@link Source} that keeps only the owned workloads' pods of `inner`. */
export class ShardedSource implements Source {
  readonly name: string;
  readonly callGraph?: (t: number, signal?: AbortSignal) => Promise<CallEdge[]>;

  /** `onOwned` is told the owned pods and workloads of each `current` snapshot. */
  constructor(readonly inner: Source, readonly ownership: ShardOwnership, private readonly onOwned?: (owned: OwnedCounts) => void) {
    this.name = inner.name;
    if (inner.callGraph) this.callGraph = (t, signal) => inner.callGraph!(t, signal);
  }

  async history(start: number, end: number, stepMs: number, signal?: AbortSignal, onProgress?: HistoryProgress): Promise<PodSnapshot[]> {
    const snaps = await this.inner.history(start, end, stepMs, signal, onProgress);
    return snaps.map((s) => this.ownership.filter(s));
  }

  async current(t: number, signal?: AbortSignal): Promise<PodSnapshot> {
    const snap = this.ownership.filter(await this.inner.current(t, signal));
    if (this.onOwned) {
      const workloads = new Set<string>();
      for (const p of snap.pods) workloads.add(`${p.ref.namespace}/${p.ref.workload}`);
      this.onOwned({ pods: snap.pods.length, workloads: workloads.size });
    }
    return snap;
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
