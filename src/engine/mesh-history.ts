/**
 * The series store keeps each pod's own metrics (store/series-store.ts `POD_FIELDS`), not the
 * service mesh's, nor the custom series' (config `features.custom`): the snapshots a training reads
 * back from it get their mesh fields (request rate, 5xx share, latency) and custom values from the
 * source's history of the same times, which the training has just fetched. Cycles the history does not cover (live cycles between its steps) keep them absent, which
 * the features read as missing.
 */
import type { PodSample, PodSnapshot } from '../core/samples.js';
import { podKey } from '../core/series.js';

const MESH_FIELDS = ['requestRate', 'errorRatio', 'latencyMs', 'latencyP99Ms'] as const satisfies readonly (keyof PodSample)[];

/** Copies the mesh fields (and custom values) of `history`'s pods onto the same pods at the same times in `snaps` (changed in place, and returned). */
export function withMeshFields(snaps: PodSnapshot[], history: readonly PodSnapshot[]): PodSnapshot[] {
  const byTime = new Map<number, PodSnapshot>();
  for (const h of history) if (h.pods.some((p) => p.requestRate !== undefined || p.custom !== undefined)) byTime.set(h.t, h);
  if (byTime.size === 0) return snaps;
  for (const s of snaps) {
    const h = byTime.get(s.t);
    if (!h) continue;
    const pods = new Map(h.pods.map((p) => [podKey(p.ref), p]));
    for (const p of s.pods) {
      const from = pods.get(podKey(p.ref));
      if (!from) continue;
      for (const f of MESH_FIELDS) if (from[f] !== undefined) p[f] = from[f];
      if (from.custom !== undefined) p.custom = from.custom;
    }
  }
  return snaps;
}
