/**
 * The folds and the grid of the leave-one-corpus-out evaluation (loco.ts), read from the corpora in
 * `../shared/data` (see its README.md): NAB by category (its two artificial categories as one, since
 * one has no anomaly to score), ASD, SMD-dev, Nezha OnlineBoutique's pod metric files as a cluster
 * without a service mesh has them (CPU, memory and network: their mesh, node and syscall columns left
 * out) and with the mesh columns (the same faults: the two never tune each other).
 * And the simulator's labelled incidents (simulator-corpus.ts: one simulated day, seed 7, every pod),
 * which need no folder. A corpus whose folder is missing is left out and named in `skipped`.
 *
 * Nezha protocol (fixed, not tuned): each day-2 pod learns day 1's rows of the same pod first, as a
 * running kad has history; no topology inhibition (the headline has no call graph).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_ADAPTIVE_MEMBERS } from '../detectors/adaptive.js';
import { readAsdCorpus } from './asd.js';
import type { LabeledSeries } from './corpus.js';
import type { DetectorChoice, Fold, LocoGrid } from './loco.js';
import { readNabCorpus } from './nab.js';
import { readNezhaCorpus } from './nezha.js';
import { simulatorLabeledCorpus } from './simulator-corpus.js';

/** Which folds to read. */
export interface FoldOptions {
  /** Only folds whose name starts with one of these (e.g. `nab`, `smd`, `nezha-pod`). */
  only?: readonly string[];
  /** At most this many series per fold (quick runs). */
  limit?: number;
}

/** The folds found under `dataDir`, and the corpora that were not there. */
export function readLocoFolds(dataDir: string, opts: FoldOptions = {}): { folds: Fold[]; skipped: string[] } {
  const folds: Fold[] = [];
  const skipped: string[] = [];
  // A fold is read when its name starts with one of `only`; a corpus when one of its folds may be.
  const want = (name: string): boolean => !opts.only || opts.only.some((o) => name.startsWith(o) || o.startsWith(name));
  const cut = (s: LabeledSeries[]): LabeledSeries[] => (opts.limit ? s.slice(0, opts.limit) : s);
  const dir = (sub: string): string | undefined => {
    const d = join(dataDir, sub);
    if (existsSync(d)) return d;
    skipped.push(`${sub} (no ${d})`);
    return undefined;
  };
  const nab = want('nab') ? dir('nab') : undefined;
  if (nab) {
    const byCategory = new Map<string, LabeledSeries[]>();
    for (const s of readNabCorpus(nab)) {
      const cat = s.name.split('/')[0].replace(/^artificial(No|With)Anomaly$/, 'artificial');
      byCategory.set(cat, [...(byCategory.get(cat) ?? []), s]);
    }
    for (const [cat, series] of [...byCategory].sort()) {
      if (!opts.only || opts.only.some((o) => `nab/${cat}`.startsWith(o))) folds.push({ name: `nab/${cat}`, dataset: 'nab', objective: 'nab', series: cut(series) });
    }
  }
  for (const [name, sub] of [['asd', 'asd'], ['smd', 'smd-dev']] as const) {
    const d = want(name) ? dir(sub) : undefined;
    if (d) folds.push({ name, dataset: name, objective: 'flag-f1', series: readAsdCorpus(d, { limit: opts.limit }) });
  }
  const nezha = want('nezha') ? dir('nezha-onlineboutique') : undefined;
  if (nezha) {
    for (const [name, nezhaEdges] of [['nezha-pod', false], ['nezha-mesh', true]] as const) {
      if (opts.only && !opts.only.some((o) => name.startsWith(o))) continue;
      const series = readNezhaCorpus(nezha, { nezhaEdges, withoutMesh: true, trainOnPreviousDay: true, limit: opts.limit });
      folds.push({ name, dataset: 'nezha', labels: 'nezha', objective: 'events', series });
    }
  }
  if (want('sim')) folds.push({ name: 'sim', dataset: 'sim', objective: 'events', series: cut(simulatorLabeledCorpus({ seed: 7, days: 1 })) });
  return { folds, skipped };
}

/** Candidate values shared by every grid: the flags' target rate, the policy's K and hysteresis. */
const DECISION_GRID = {
  rates: [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1],
  k: [1, 2, 3],
  hysteresis: [0, 0.01, 0.1],
};

/**
 * Each default detector's settings worth varying, one step either side of their defaults (monotone
 * score maps such as e50, s50, z50 and power are left out: calibrated flags see only their order,
 * except where a map squeezes scores below the calibrator's resolution, as adaptive's body map could:
 * its scale is varied).
 * `ensemble` (its core is range novelty): novelty's onset decay (0.95) and forgetting (1e-4 per point).
 * `adaptive`: how long the lead's firing rate is measured over (2,048 points), how far above the
 * target rate the lead is still trusted (3×), where its body map reaches 0.25 (B = 100 member
 * thresholds; 10 and 1,000), and the z past which its subspace member learns a point
 * with less weight (6; 0: every point at full weight; 3 was measured on SMD-dev and ASD when it was
 * written, so it is left to this grid).
 */
const VARIANTS: Readonly<Record<string, readonly DetectorChoice[]>> = {
  ensemble: [
    { kind: 'ensemble', params: { core: { kind: 'novelty', params: { onsetDecay: 0.9 } } }, label: 'ensemble onsetDecay=0.9' },
    { kind: 'ensemble', params: { core: { kind: 'novelty', params: { onsetDecay: 0.98 } } }, label: 'ensemble onsetDecay=0.98' },
    { kind: 'ensemble', params: { core: { kind: 'novelty', params: { forget: 3e-5 } } }, label: 'ensemble forget=3e-5' },
    { kind: 'ensemble', params: { core: { kind: 'novelty', params: { forget: 3e-4 } } }, label: 'ensemble forget=3e-4' },
  ],
  adaptive: [
    { kind: 'adaptive', params: { rateMemory: 1024 }, label: 'adaptive rateMemory=1024' },
    { kind: 'adaptive', params: { rateMemory: 4096 }, label: 'adaptive rateMemory=4096' },
    { kind: 'adaptive', params: { leadSlack: 1.5 }, label: 'adaptive leadSlack=1.5' },
    { kind: 'adaptive', params: { leadSlack: 6 }, label: 'adaptive leadSlack=6' },
    { kind: 'adaptive', params: { bodyScale: 10 }, label: 'adaptive bodyScale=10' },
    { kind: 'adaptive', params: { bodyScale: 1000 }, label: 'adaptive bodyScale=1000' },
    ...[0, 3].map((influence) => ({
      kind: 'adaptive',
      params: { members: DEFAULT_ADAPTIVE_MEMBERS.map((m) => (m.kind === 'subspace' ? { ...m, params: { ...m.params, influence } } : m)) },
      label: `adaptive subspace influence=${influence}`,
    })),
  ],
};

/** The grids by name: `default` and `kinds`. */
export const LOCO_GRID_NAMES = ['default', 'kinds'] as const;

/**
 * A declared grid for the default detector `defaultKind` (`kad score`'s default):
 * - `default`: that detector with its defaults and the {@link VARIANTS} of its settings;
 * - `kinds`: the detector kind is chosen on the other folds too, among the default and the kinds the
 *   README names best somewhere (range novelty via `ensemble`, `profile-z`, `zmax`, `onset`), each with
 *   its defaults: what picking a kind per held-out corpus would give (not the default detector's figures).
 * Both with the flags' target rate from 1 in 10,000 to 1 in 10 points, K of 1 to 3 and hysteresis 0
 * (a flag drops as soon as p ≥ rate), 0.01 or 0.1 (it stays up while p < rate + that).
 * Undefined for an unknown name.
 */
export function locoGrid(name: string, defaultKind: string): LocoGrid | undefined {
  if (name === 'default') return { detectors: [{ kind: defaultKind, label: defaultKind }, ...(VARIANTS[defaultKind] ?? [])], ...DECISION_GRID };
  if (name !== 'kinds') return undefined;
  const kinds = [...new Set([defaultKind, 'ensemble', 'profile-z', 'zmax', 'onset'])];
  return { detectors: kinds.map((kind) => ({ kind, label: kind })), ...DECISION_GRID };
}
