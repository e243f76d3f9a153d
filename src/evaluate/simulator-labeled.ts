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
import type { Incident, IncidentKind } from '../simulator/types.js';
import { SimulatorSource } from '../sources/simulator.js';
import { SIM_CORPUS_START } from './forecast-corpus.js';

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

/** One simulated step's rows: each pod's features at `t`, with its class. */
export interface LabeledStep {
  t: number;
  /** `namespace/pod` per row. */
  pods: string[];
  /** Row-major, rows × the names' count; reused by the next step. */
  data: Float64Array;
  labels: string[];
}

/** The export's feature names for a window of `windowSteps` steps (default 10). */
export function labeledFeatureNames(windowSteps = 10): string[] {
  return windowFeatureNames(POD_FEATURES, windowSteps);
}

/** Simulates the cluster and builds the data set; see the module comment. */
export function simulatorLabeledDataset(o: SimulatorLabeledDatasetOptions): LabeledDataset {
  const names = labeledFeatureNames(o.windowSteps);
  const values: number[] = [];
  const times: number[] = [];
  const pods: string[] = [];
  const labels: string[] = [];
  for (const s of simulatorLabeledSteps(o)) {
    for (let k = 0; k < s.pods.length * names.length; k++) values.push(s.data[k]);
    for (let r = 0; r < s.pods.length; r++) times.push(s.t);
    pods.push(...s.pods);
    labels.push(...s.labels);
  }
  return { names, rows: times.length, data: Float64Array.from(values), times: Float64Array.from(times), pods, labels };
}

/**
 * The data set step by step, as the cluster is simulated: memory does not grow with the hours. A row's
 * class is the first non-benign incident involving its pod at its time, among those started by then
 * (which are all that can hold it); an incident's end, which moves when its pod is deleted, is read
 * as it is at that step, so the classes are those of the whole run.
 */
export function* simulatorLabeledSteps(o: SimulatorLabeledDatasetOptions): Generator<LabeledStep, void, void> {
  const start = o.start ?? SIM_CORPUS_START;
  const step = o.stepMs ?? 60_000;
  const size = o.windowSteps ?? 10;
  const steps = Math.round((o.hours * 3_600_000) / step);
  const cluster = new SimulatedCluster({ seed: o.seed ?? 7, start, scenario: { random: true } });
  const source = new SimulatorSource(cluster, { keepMs: 0 });
  const extractor = new PodFeatureExtractor();
  const window = new FeatureWindow(POD_FEATURES.length, size);
  const d = labeledFeatureNames(size).length;
  const byPod = new Map<string, Incident[]>(); // the non-benign incidents started so far, per pod they involve
  let seen = 0;
  let data = new Float64Array(0);
  source.observe(start); // primes the rates
  for (let i = 0; i < steps; i++) {
    const t = start + (i + 1) * step;
    const snap = source.observe(t);
    const features = extractor.update(snap);
    for (const inc of cluster.recordsFrom(seen)) {
      seen++;
      if (inc.benign) continue;
      for (const pod of [inc.pod, ...(inc.affected ?? [])]) {
        if (!pod) continue;
        const key = `${inc.namespace}/${pod}`;
        const list = byPod.get(key) ?? [];
        list.push(inc);
        byPod.set(key, list);
      }
    }
    if (data.length < snap.pods.length * d) data = new Float64Array(snap.pods.length * d * 2);
    const pods: string[] = [];
    const labels: string[] = [];
    snap.pods.forEach((p, r) => {
      const key = podKey(p.ref);
      data.set(window.push(key, features.get(key) as Float64Array), r * d);
      pods.push(key);
      const inc = byPod.get(key)?.find((e) => t >= e.start && t < e.end);
      labels.push(inc ? abnormalityClass(inc.kind) : 'normal');
    });
    yield { t, pods, data, labels };
    o.onProgress?.(i + 1, steps);
  }
}

/** Formats a value for the CSV export: empty when missing, else up to 6 significant digits. */
function cell(v: number): string {
  return v === v ? String(Number(v.toPrecision(6))) : '';
}

/** The CSV header of the export: `timestamp`, the feature names, `abnormality_class`. */
export function labeledCsvHeader(names: readonly string[]): string {
  return ['timestamp', ...names, 'abnormality_class'].join(',');
}

/** A row of the export as a CSV line: time (ISO 8601), the `d` values at `data[off …]` (missing ones empty), the class. */
export function labeledCsvLine(t: number, data: Float64Array, off: number, d: number, label: string): string {
  const row = [new Date(t).toISOString()];
  for (let j = 0; j < d; j++) row.push(cell(data[off + j]));
  row.push(label);
  return row.join(',');
}

/** The data set as CSV lines: `timestamp` (ISO 8601), the features, `abnormality_class` (missing values empty). */
export function* labeledDatasetCsv(ds: LabeledDataset): Generator<string> {
  yield labeledCsvHeader(ds.names);
  const d = ds.names.length;
  for (let i = 0; i < ds.rows; i++) yield labeledCsvLine(ds.times[i], ds.data, i * d, d, ds.labels[i]);
}
