/**
 * Which replica of a sharded `kad serve` owns a workload: rendezvous (highest-random-weight) hashing
 * of its `namespace/workload` key, or (`by: 'namespace'`) of its namespace alone, so that a replica
 * owns whole namespaces and asks Prometheus for them by namespace: pod-name matchers cost Prometheus
 * about 10 µs of CPU per pod named per query (bench:shard), namespace matchers next to nothing. The
 * price is balance: a namespace far larger than the others loads its replica as much. Every replica
 * computes the same owner from the key and the number of shards alone, so no replica coordinates the
 * others; and when the number of shards changes from N to N+1, only the workloads whose new shard wins
 * move (about 1/(N+1) of them), all to the new one.
 *
 * The weight of shard s for a key is `hash32(hashString(key), s)` (FNV-1a over the key, then
 * core/rng.ts's mixer with the shard's index): stable across processes, versions and platforms.
 */
import { hash32, hashString } from './rng.js';
import type { PodSnapshot } from './samples.js';
import { workloadKey } from './series.js';

/** What a shard is a set of: workloads (`namespace/workload`, the default) or whole namespaces. */
export type ShardKey = 'workload' | 'namespace';

/** One replica's place among the shards: `shard` in [0, `shards`), and what is hashed (default `workload`). */
export interface ShardSpec {
  shard: number;
  shards: number;
  by?: ShardKey;
}

/** Salt of the weights, so they differ from the other uses of `hash32` on the same key hashes. */
const SALT = 0x5348_4152; // "SHAR"

/**
 * The shard in [0, `shards`) that owns `key` (a workload key, `namespace/workload`, or a namespace):
 * the one with the highest weight, the lowest index on a tie.
 * @example shardOf('shop/catalog', 4) // the same number in every process
 */
export function shardOf(key: string, shards: number): number {
  if (shards <= 1) return 0;
  const h = hashString(key);
  let best = 0;
  let bestWeight = -1;
  for (let s = 0; s < shards; s++) {
    const w = hash32(SALT, h, s);
    if (w > bestWeight) {
      bestWeight = w;
      best = s;
    }
  }
  return best;
}

/**
 * What one replica owns: a predicate over workloads (cached per key) and the one snapshot filter
 * every source's snapshots go through (sources/sharded.ts). With one shard it owns everything.
 */
export class ShardOwnership {
  readonly shard: number;
  readonly shards: number;
  readonly by: ShardKey;
  private readonly cache = new Map<string, boolean>();

  constructor(spec: ShardSpec) {
    if (!(Number.isInteger(spec.shards) && spec.shards >= 1 && Number.isInteger(spec.shard) && spec.shard >= 0 && spec.shard < spec.shards)) {
      throw new RangeError(`shard ${spec.shard} of ${spec.shards}: must be an integer from 0 to shards - 1`);
    }
    this.shard = spec.shard;
    this.shards = spec.shards;
    this.by = spec.by ?? 'workload';
  }

  /** The key `ref` is hashed by: its workload key, or its namespace. */
  keyOf(ref: { namespace: string; workload: string }): string {
    return this.by === 'namespace' ? ref.namespace : workloadKey(ref);
  }

  /** Whether there is more than one shard (else {@link owns} is always true). */
  get sharded(): boolean {
    return this.shards > 1;
  }

  /** Whether this replica owns the workload of `ref`. */
  owns(ref: { namespace: string; workload: string }): boolean {
    if (this.shards <= 1) return true;
    const key = this.keyOf(ref);
    let v = this.cache.get(key);
    if (v === undefined) {
      // Workload names come and go (deployments, jobs): bound the cache rather than let it grow forever.
      if (this.cache.size >= 1_000_000) this.cache.clear();
      v = shardOf(key, this.shards) === this.shard;
      this.cache.set(key, v);
    }
    return v;
  }

  /** `snap` with only the pods of owned workloads (the same object with one shard). */
  filter(snap: PodSnapshot): PodSnapshot {
    if (this.shards <= 1) return snap;
    return { ...snap, pods: snap.pods.filter((p) => this.owns(p.ref)) };
  }
}

/** The ordinal of a StatefulSet pod from its host name (`kad-2` → 2); undefined when it has none. */
export function ordinalFromHostname(hostname: string | undefined): number | undefined {
  const m = /-(\d+)$/.exec(hostname?.trim().split('.')[0] ?? '');
  return m ? Number(m[1]) : undefined;
}
