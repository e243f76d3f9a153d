/**
 * A labelled data set for the incident classifiers, from the simulated cluster: one row per pod per
 * step, with the features the service computes for the pod (features/pod-features.ts) summarised over
 * its recent window (features/feature-window.ts), and the pod's "abnormality class" at that step: the
 * kind of the non-benign incident it is involved in (as its target, or as a noisy neighbour's victim),
 * else `normal`. An OOM kill is the end of a memory leak and is labelled so; benign events (traffic
 * peaks, rollouts, scaling) are `normal`. Deterministic for a seed.
 */
import { podKey } from '../core/series.js';
import { FeatureWindow, windowFeatureNames } from '../features/feature-window.js';
import { POD_FEATURES, PodFeatureExtractor } from '../features/pod-features.js';
import { SimulatedCluster } from '../simulator/cluster.js';
import type { IncidentKind } from '../simulator/types.js';
import { SimulatorSource } from '../sources/simulator.js';
import { SIM_CORPUS_START } from './forecast-corpus.js';
import { runSteps } from '../core/steps.js';

/** The classes of the export, `normal` first. */
export const ABNORMALITY_CLASSES = ['normal', 'packet_loss', 'cpu_runaway', 'memory_leak', 'crash_loop', 'noisy_neighbour'] as const;

/** The class of a pod involved in an incident of `kind`. */
export function abnormalityClass(kind: IncidentKind): (typeof ABNORMALITY_CLASSES)[number] {
  switch (kind) {
    case 'oom_kill':
      return 'memory_leak';
    case 'cpu_runaway': case 'memory_leak': case 'crash_loop': case 'packet_loss': case 'noisy_neighbour':
      return kind;
    default:
      return 'normal';
  }
}

/** Options of {@link simulatorLabeledDataset}. */
export interface SimulatorLabeledDatasetOptions {
  seed?: number;
  /** Hours simulated (the first has no incident). */
  hours: number;
  /** Default {@link SIM_CORPUS_START}. */
  start?: number;
  /** Step between rows, ms (default 60 s, the service's query step). */
  stepMs?: number;
  /** Steps in the feature window (default 10). */
  windowSteps?: number;
  /** Told the steps done of all. */
  onProgress?: (done: number, total: number) => void;
}

/** Rows of features with their time, pod and class. */
export interface LabeledDataset {
  names: string[];
  rows: number;
  /** Row-major, rows × names.length. */
  data: Float64Array;
  /** Epoch ms per row. */
  times: Float64Array;
  /** `namespace/pod` per row. */
  pods: string[];
  labels: string[];
}

/** Simulates the cluster and builds the data set; see the module comment. */
export function simulatorLabeledDataset(o: SimulatorLabeledDatasetOptions): LabeledDataset {
  return runSteps(simulatorLabeledDatasetSteps(o));
}

/** Simulated steps between two yields of {@link simulatorLabeledDatasetSteps}: an hour at the default step, some 30 ms of work. */
const STEPS_PER_YIELD = 60;

/** The work of {@link simulatorLabeledDataset}, yielding every {@link STEPS_PER_YIELD} steps (drive it with runner.ts `runStepsAsync` to stay stoppable). */
export function* simulatorLabeledDatasetSteps(o: SimulatorLabeledDatasetOptions): Generator<void, LabeledDataset, void> {
  const start = o.start ?? SIM_CORPUS_START;
  const step = o.stepMs ?? 60_000;
  const size = o.windowSteps ?? 10;
  const steps = Math.round((o.hours * 3_600_000) / step);
  const cluster = new SimulatedCluster({ seed: o.seed ?? 7, start, scenario: { random: true } });
  const source = new SimulatorSource(cluster, { keepMs: 0 });
  const extractor = new PodFeatureExtractor();
  const window = new FeatureWindow(POD_FEATURES.length, size);
  const names = windowFeatureNames(POD_FEATURES, size);
  const values: number[] = [];
  const times: number[] = [];
  const pods: string[] = [];
  source.observe(start); // primes the rates
  for (let i = 0; i < steps; i++) {
    if (i % STEPS_PER_YIELD === 0) yield;
    const t = start + (i + 1) * step;
    const snap = source.observe(t);
    const features = extractor.update(snap);
    for (const p of snap.pods) {
      const key = podKey(p.ref);
      const summary = window.push(key, features.get(key) as Float64Array);
      for (let j = 0; j < summary.length; j++) values.push(summary[j]);
      times.push(t);
      pods.push(key);
    }
    o.onProgress?.(i + 1, steps);
  }
  // Each row's class: the first non-benign incident involving its pod at its time.
  const byPod = new Map<string, { start: number; end: number; cls: string }[]>();
  for (const inc of cluster.incidents()) {
    if (inc.benign) continue;
    for (const pod of [inc.pod, ...(inc.affected ?? [])]) {
      if (!pod) continue;
      const key = `${inc.namespace}/${pod}`;
      const list = byPod.get(key) ?? [];
      list.push({ start: inc.start, end: inc.end, cls: abnormalityClass(inc.kind) });
      byPod.set(key, list);
    }
  }
  const labels = times.map((t, i) => byPod.get(pods[i])?.find((e) => t >= e.start && t < e.end)?.cls ?? 'normal');
  return { names, rows: times.length, data: Float64Array.from(values), times: Float64Array.from(times), pods, labels };
}

/** Formats a value for the CSV export: empty when missing, else up to 6 significant digits. */
function cell(v: number): string {
  return v === v ? String(Number(v.toPrecision(6))) : '';
}

/** The data set as CSV lines: `timestamp` (ISO 8601), the features, `abnormality_class` (missing values empty). */
export function* labeledDatasetCsv(ds: LabeledDataset): Generator<string> {
  yield ['timestamp', ...ds.names, 'abnormality_class'].join(',');
  const d = ds.names.length;
  for (let i = 0; i < ds.rows; i++) {
    const row = [new Date(ds.times[i]).toISOString()];
    for (let j = 0; j < d; j++) row.push(cell(ds.data[i * d + j]));
    row.push(ds.labels[i]);
    yield row.join(',');
  }
}
