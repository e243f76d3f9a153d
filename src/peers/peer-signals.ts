/**
 * Peer signals for the engine: each pod's recent feature vectors in a small ring, and once per cycle
 * every workload with enough replicas scored by the {@link PeerGroupScorer} (a replica unlike its
 * siblings while all of them follow the same traffic); and each pod's recent score history, which
 * {@link PeerSignals.changeOf} classifies on demand (for flagged pods only: it runs augurs'
 * changepoint detection) as a lasting level shift (a rollout, a config change, a leak reaching a
 * plateau) or a spike, for the alert's annotations.
 *
 * State per pod: `window` feature vectors (a Frame over one Float64Array, rotated in place) and a
 * ring of `changeWindow` scores. {@link PeerSignals.forget} drops a pod that went away.
 */
import type { Frame } from '../core/frame.js';
import type { PodSnapshot } from '../core/samples.js';
import { podKey, workloadKey } from '../core/series.js';
import { classifyInto, resolveShiftOptions, ShiftWorkspace, type ShiftKind, type ShiftResult } from '../explain/changepoint.js';
import { PeerGroupScorer, type PeerGroupParams } from './peer-group.js';

/** One pod's input to a cycle. */
export interface PeerInput {
  key: string;
  workload: string;
  x: Float64Array;
}

/** What a cycle found for one pod. */
export interface PeerResult {
  /** Peer-group score in [0, 1): 0.5 at augurs' outlier threshold; 0 with fewer than `minReplicas` replicas. */
  peerScore: number;
  /** Index of the feature behind the peer score (−1 when 0). */
  peerFeature: number;
}

interface PodState {
  frame: Frame;
  filled: number;
  scores: Float64Array;
  head: number;
  count: number;
  result: PeerResult;
}

/** Options of {@link PeerSignals}. */
export interface PeerSignalsOptions {
  /** Settings of the peer-group scorer (its `window` is also the rows kept per pod; default 10). */
  peer?: PeerGroupParams;
  /** Points of score history the changepoint tracker classifies (default 60). */
  changeWindow?: number;
}

/** Peer-group scores and change kinds per pod, updated once per cycle; see the module comment. */
export class PeerSignals {
  private readonly scorer: PeerGroupScorer;
  private readonly rows: number;
  private readonly changeWindow: number;
  private readonly pods = new Map<string, PodState>();
  private out = new Float64Array(16);
  private top = new Int32Array(16);
  private readonly shiftOptions = resolveShiftOptions({});
  private readonly ws: ShiftWorkspace;
  private readonly lin: Float64Array;
  private readonly shift: ShiftResult = { kind: 'none', changeIndex: null, before: NaN, after: NaN, spikeIndex: null };

  constructor(opts: PeerSignalsOptions = {}) {
    this.scorer = new PeerGroupScorer(opts.peer ?? {});
    this.rows = this.scorer.params.window;
    this.changeWindow = opts.changeWindow ?? 60;
    this.ws = new ShiftWorkspace(this.changeWindow);
    this.lin = new Float64Array(this.changeWindow);
  }

  /** Adds this cycle's feature vectors and scores every workload's replicas against each other. */
  update(inputs: readonly PeerInput[]): void {
    const groups = new Map<string, PodState[]>();
    for (const p of inputs) {
      const s = this.state(p.key, p.x.length);
      push(s, p.x);
      let g = groups.get(p.workload);
      if (!g) groups.set(p.workload, (g = []));
      g.push(s);
    }
    for (const g of groups.values()) {
      if (g.length > this.out.length) {
        this.out = new Float64Array(2 * g.length);
        this.top = new Int32Array(2 * g.length);
      }
      const frames = g.map((s) => (s.filled === s.frame.rows ? s.frame : { ...s.frame, rows: s.filled, data: s.frame.data.subarray((s.frame.rows - s.filled) * s.frame.cols) }));
      this.scorer.scoreWindows(frames, this.out, this.top);
      g.forEach((s, r) => {
        s.result.peerScore = this.out[r];
        s.result.peerFeature = this.top[r];
      });
    }
  }

  /** Records the pod's final score of this cycle. */
  observeScore(key: string, score: number): void {
    const s = this.pods.get(key);
    if (!s) return;
    s.scores[s.head] = score;
    s.head = (s.head + 1) % s.scores.length;
    if (s.count < s.scores.length) s.count++;
  }

  /** Classifies the pod's recent scores: a level shift, a spike, or none (unknown pod: none). */
  changeOf(key: string): ShiftKind {
    const s = this.pods.get(key);
    if (!s || s.count < 2 * this.shiftOptions.minHold) return 'none';
    const W = s.scores.length;
    const start = s.count < W ? 0 : s.head;
    for (let i = 0; i < s.count; i++) this.lin[i] = s.scores[(start + i) % W];
    classifyInto(this.lin, s.count, this.shiftOptions, this.ws, this.shift);
    return this.shift.kind;
  }

  /**
   * The pod's peer score on the scale of a model with flag threshold `threshold`: peer scores are 0.5
   * at augurs' outlier threshold, so they count only against a model whose threshold is 0.5 too (0
   * otherwise, and for an unknown pod).
   */
  scoreOnScale(key: string, threshold: number): number {
    const r = this.pods.get(key)?.result;
    return r && threshold === 0.5 ? r.peerScore : 0;
  }

  /** The latest result for a pod (overwritten by the next cycle), or undefined for an unknown pod. */
  get(key: string): Readonly<PeerResult> | undefined {
    return this.pods.get(key)?.result;
  }

  /** Drops a pod that went away. */
  forget(key: string): void {
    this.pods.delete(key);
  }

  private state(key: string, cols: number): PodState {
    let s = this.pods.get(key);
    if (!s || s.frame.cols !== cols) {
      const frame: Frame = { names: [], rows: this.rows, cols, data: new Float64Array(this.rows * cols), times: new Float64Array(this.rows) };
      s = { frame, filled: 0, scores: new Float64Array(this.changeWindow), head: 0, count: 0, result: { peerScore: 0, peerFeature: -1 } };
      this.pods.set(key, s);
    }
    return s;
  }
}

/** Pods younger than this are not compared with their peers (they warm up: caches, JIT, connections). */
export const PEER_MIN_AGE_MS = 10 * 60_000;

/** Whether a pod is in its first {@link PEER_MIN_AGE_MS} at time `t` (false when its start is unknown). */
export function warmingUp(p: { startedAt?: number }, t: number): boolean {
  return p.startedAt !== undefined && t - p.startedAt < PEER_MIN_AGE_MS;
}

/**
 * The peer-group inputs of a snapshot: pods grouped by ReplicaSet (the pod name without its last
 * `-suffix`, within the workload), so that during a rollout old and new pods are not compared with
 * each other, and without pods that started in the last 10 minutes. `vectors` holds each pod's
 * feature vector by `namespace/pod`.
 */
export function peerInputs(snap: PodSnapshot, vectors: ReadonlyMap<string, Float64Array>): PeerInput[] {
  const out: PeerInput[] = [];
  for (const p of snap.pods) {
    if (warmingUp(p, snap.t)) continue;
    const key = podKey(p.ref);
    out.push({ key, workload: `${workloadKey(p.ref)}/${p.ref.pod.replace(/-[^-]+$/, '')}`, x: vectors.get(key)! });
  }
  return out;
}

/** Appends one row at the bottom of the frame, rotating the oldest out (newest last). */
function push(s: PodState, x: Float64Array): void {
  const { data, cols, rows } = s.frame;
  data.copyWithin(0, cols);
  for (let j = 0; j < cols; j++) data[(rows - 1) * cols + j] = j < x.length ? x[j] : NaN;
  if (s.filled < rows) s.filled++;
}
