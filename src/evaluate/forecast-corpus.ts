/**
 * Series to evaluate forecasts on: the simulator's workloads (CPU cores and working-set bytes summed
 * over each Deployment's pods, and its request rate, one value a minute, read the way the engine
 * reads the simulator) and NAB's realTraffic series (put on a 5-minute grid: each grid time takes the
 * observation within 2.5 minutes of it, if any; the rest are missing and are not scored).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../core/errors.js';
import { column } from '../core/frame.js';
import { workloadKey } from '../core/series.js';
import { SimulatedCluster } from '../simulator/cluster.js';
import { SimulatorSource } from '../sources/simulator.js';
import { readCsvSeries } from '../sources/csv.js';
import { runSteps } from '../core/steps.js';

/** One series to forecast: regular steps from `startMs`, NaN = missing. */
export interface ForecastSeriesData {
  /** e.g. `sim/shop/frontend/cpu`, `realTraffic/speed_7578.csv`. */
  name: string;
  startMs: number;
  stepMs: number;
  values: Float64Array;
}

/** Options of {@link simulatorForecastCorpus}. */
export interface SimulatorCorpusOptions {
  seed?: number;
  /** Default Tuesday 2024-02-27 00:00 UTC, so that 7 days of history end on a Tuesday. */
  start?: number;
  /** Days simulated. Default 10. */
  days?: number;
  /** Random incidents (the simulator's default scenario) as well as the daily and weekly traffic. Default false. */
  incidents?: boolean;
  /** Which series per workload. Default cpu and memory. */
  metrics?: readonly ('cpu' | 'memory' | 'rps')[];
}

/** The default start of {@link simulatorForecastCorpus}: a Tuesday. */
export const SIM_CORPUS_START = Date.parse('2024-02-27T00:00:00Z');

/**
 * Every simulated workload's CPU (cores), memory (working-set bytes) and request rate, one value a
 * minute for `days` days (see {@link SimulatorCorpusOptions}); deterministic for a seed.
 */
export function simulatorForecastCorpus(o: SimulatorCorpusOptions = {}): ForecastSeriesData[] {
  return runSteps(simulatorForecastCorpusSteps(o));
}

/** {@link simulatorForecastCorpus}, yielding before each simulated hour (so a caller can stop between them). */
export function* simulatorForecastCorpusSteps(o: SimulatorCorpusOptions = {}): Generator<void, ForecastSeriesData[], void> {
  const start = o.start ?? SIM_CORPUS_START;
  const days = o.days ?? 10;
  const metrics = o.metrics ?? ['cpu', 'memory'];
  const cluster = new SimulatedCluster({ seed: o.seed ?? 7, start, scenario: { random: o.incidents ?? false } });
  const source = new SimulatorSource(cluster, { keepMs: 0 });
  const stepMs = 60_000;
  const n = Math.round((days * 86_400_000) / stepMs);
  const names = cluster.workloads().map((w) => workloadKey(w));
  const index = new Map(names.map((k, i) => [k, i]));
  const series = { cpu: names.map(() => new Float64Array(n)), memory: names.map(() => new Float64Array(n)), rps: names.map(() => new Float64Array(n)) };
  source.observe(start); // primes the rates
  for (let i = 0; i < n; i++) {
    if (i % 60 === 0) yield;
    const t = start + (i + 1) * stepMs;
    const snap = source.observe(t);
    for (const p of snap.pods) {
      const w = index.get(workloadKey(p.ref));
      if (w === undefined) continue;
      series.cpu[w][i] += p.cpu;
      series.memory[w][i] += p.memory;
    }
    for (const s of cluster.workloads()) series.rps[index.get(workloadKey(s))!][i] = s.requestsPerSecond;
  }
  return names.flatMap((name, w) => metrics.map((m) => ({ name: `sim/${name}/${m}`, startMs: start + stepMs, stepMs, values: series[m][w] })));
}

/** Options of {@link readNabTrafficCorpus}. */
export interface NabTrafficOptions {
  /** Grid step, ms. Default 5 minutes. */
  stepMs?: number;
  /** Only these file names (e.g. `speed_7578.csv`). */
  only?: readonly string[];
}

/**
 * NAB's `data/realTraffic/*.csv` under `dir` (the NAB folder) on a regular grid (see the module
 * comment), in name order. Throws {@link InputError} when the folder is missing.
 */
export function readNabTrafficCorpus(dir: string, o: NabTrafficOptions = {}): ForecastSeriesData[] {
  const folder = join(dir, 'data', 'realTraffic');
  if (!existsSync(folder)) throw new InputError(`${folder}: no such folder (expected NAB's data/realTraffic/*.csv under ${dir})`);
  const stepMs = o.stepMs ?? 300_000;
  const files = readdirSync(folder).filter((f) => f.endsWith('.csv') && (!o.only || o.only.includes(f))).sort();
  return files.map((f) => {
    const { frame } = readCsvSeries(join(folder, f));
    return { name: `realTraffic/${f}`, ...toGrid(frame.times, column(frame, 0), stepMs) };
  });
}

/** Puts irregular observations on a regular grid: each grid time takes the nearest observation within half a step (the first of a tie). */
export function toGrid(times: Float64Array, values: Float64Array, stepMs: number): { startMs: number; stepMs: number; values: Float64Array } {
  if (times.length === 0) return { startMs: 0, stepMs, values: new Float64Array(0) };
  const startMs = Math.ceil(times[0] / stepMs) * stepMs;
  const n = Math.max(0, Math.floor((times[times.length - 1] - startMs) / stepMs) + 1);
  const out = new Float64Array(n).fill(NaN);
  const dist = new Float64Array(n).fill(Infinity);
  for (let k = 0; k < times.length; k++) {
    const i = Math.round((times[k] - startMs) / stepMs);
    if (i < 0 || i >= n || !Number.isFinite(values[k])) continue;
    const d = Math.abs(times[k] - (startMs + i * stepMs));
    if (d <= stepMs / 2 && d < dist[i]) {
      dist[i] = d;
      out[i] = values[k];
    }
  }
  return { startMs, stepMs, values: out };
}
