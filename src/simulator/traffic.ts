/**
 * Request rates over time: daily and weekly seasonality times slow, correlated noise. Each
 * workload's rate is `rps × daily(t) × weekly(t) × (1 + group noise + own noise)`, where the group
 * noise is shared by workloads serving the same users (so frontend and ingress move together).
 */
import { createRng, hash32, hashString, type Rng } from '../core/rng.js';
import type { WorkloadSpec } from './topology.js';
import type { TrafficPattern } from './types.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Hour of day (UTC) at which each pattern peaks. */
export const PEAK_HOUR: Readonly<Record<TrafficPattern, number>> = { web: 15, nightly: 2, flat: NaN };

/** Cosine amplitude: web peak/trough = 1.56/0.44 ≈ 3.5, nightly = 1.5/0.5 = 3. */
const AMPLITUDE: Readonly<Record<TrafficPattern, number>> = { web: 0.56, nightly: 0.5, flat: 0 };

/** Weekend level relative to weekdays. */
const WEEKEND: Readonly<Record<TrafficPattern, number>> = { web: 0.65, nightly: 0.85, flat: 1 };

/** Half-width of the recorded `traffic_peak` window around each daily peak, ms. */
export const PEAK_HALF_WIDTH_MS = 90 * 60_000;

/** Daily factor (mean 1 over a day) at epoch ms `t`, shifted by `shiftMs`. */
export function dailyFactor(t: number, pattern: TrafficPattern, shiftMs = 0): number {
  const a = AMPLITUDE[pattern];
  if (a === 0) return 1;
  const hours = (((t - shiftMs) % DAY) + DAY) % DAY / HOUR;
  return 1 + a * Math.cos((2 * Math.PI * (hours - PEAK_HOUR[pattern])) / 24);
}

/** 0 = Sunday … 6 = Saturday for a UTC day index (days since the epoch, a Thursday). */
function dayOfWeek(dayIndex: number): number {
  return (((dayIndex + 4) % 7) + 7) % 7;
}

function dayLevel(dayIndex: number, pattern: TrafficPattern): number {
  const dow = dayOfWeek(dayIndex);
  return dow === 0 || dow === 6 ? WEEKEND[pattern] : 1;
}

/** Weekly factor at `t`: 1 on weekdays, lower on Saturday and Sunday, blended over ±1 h around midnight. */
export function weeklyFactor(t: number, pattern: TrafficPattern): number {
  if (WEEKEND[pattern] === 1) return 1;
  const day = Math.floor(t / DAY);
  const f = (t - day * DAY) / DAY;
  const cur = dayLevel(day, pattern);
  if (f < 1 / 24) {
    const prev = dayLevel(day - 1, pattern);
    return prev + (cur - prev) * (0.5 + 12 * f);
  }
  if (f > 23 / 24) {
    const next = dayLevel(day + 1, pattern);
    return cur + (next - cur) * 0.5 * (24 * f - 23);
  }
  return cur;
}

/** Whether `t` falls on a Saturday or Sunday (UTC). */
export function isWeekend(t: number): boolean {
  const dow = dayOfWeek(Math.floor(t / DAY));
  return dow === 0 || dow === 6;
}

/** A mean-reverting (AR(1)) noise process with stationary standard deviation `sd` and time constant `tauMs`. */
class Ar1 {
  value = 0;
  private dt = NaN;
  private phi = 0;
  private gain = 0;
  constructor(private readonly rng: Rng, private readonly sd: number, private readonly tauMs: number) {
    this.value = sd * rng.normal();
  }
  step(dtMs: number): number {
    if (dtMs !== this.dt) {
      this.dt = dtMs;
      this.phi = Math.exp(-dtMs / this.tauMs);
      this.gain = Math.sqrt(1 - this.phi * this.phi) * this.sd;
    }
    this.value = this.phi * this.value + this.gain * this.rng.normal();
    return this.value;
  }
}

/**
 * The traffic of every workload, stepped tick by tick. Noise streams are seeded per group and per
 * workload, so adding an incident never changes the traffic.
 */
export class TrafficModel {
  /** Requests per second of workload i now (index as in the constructor's list). */
  readonly rps: Float64Array;
  private readonly groupIndex: Int32Array;
  private readonly groups: Ar1[] = [];
  private readonly own: Ar1[] = [];
  private readonly shift: Float64Array;

  constructor(seed: number, private readonly workloads: readonly WorkloadSpec[]) {
    this.rps = new Float64Array(workloads.length);
    this.groupIndex = new Int32Array(workloads.length);
    this.shift = new Float64Array(workloads.length);
    const groupNames: string[] = [];
    workloads.forEach((w, i) => {
      let g = groupNames.indexOf(w.trafficGroup);
      if (g < 0) {
        g = groupNames.push(w.trafficGroup) - 1;
        this.groups.push(new Ar1(createRng(hash32(seed, hashString(`group/${w.trafficGroup}`))), 0.05, 15 * 60_000));
      }
      this.groupIndex[i] = g;
      const rng = createRng(hash32(seed, hashString(`traffic/${w.namespace}/${w.name}`)));
      this.own.push(new Ar1(rng, 0.035, 2 * 60_000));
      this.shift[i] = (rng.next() - 0.5) * 40 * 60_000; // ±20 min: peaks do not all coincide
    });
  }

  /** Advances the noise by `dtMs` and sets {@link rps} for time `t`. */
  step(t: number, dtMs: number): void {
    for (const g of this.groups) g.step(dtMs);
    for (let i = 0; i < this.workloads.length; i++) {
      const w = this.workloads[i];
      const noise = this.groups[this.groupIndex[i]].value + this.own[i].step(dtMs);
      const level = dailyFactor(t, w.pattern, this.shift[i]) * weeklyFactor(t, w.pattern);
      this.rps[i] = Math.max(0, w.rps * level * (1 + noise));
    }
  }

  /** The expected (noise-free) requests per second of workload i at `t`. */
  expected(i: number, t: number): number {
    const w = this.workloads[i];
    return w.rps * dailyFactor(t, w.pattern, this.shift[i]) * weeklyFactor(t, w.pattern);
  }
}

/** A daily peak window of one namespace, for `traffic_peak` ground truth. */
export interface PeakWindow {
  namespace: string;
  pattern: TrafficPattern;
  start: number;
  end: number;
}

/**
 * The `traffic_peak` windows (peak hour ± 90 min) of every namespace with a seasonal pattern whose
 * window starts in [from, to). A namespace takes the pattern of its first seasonal workload.
 */
export function peakWindows(workloads: readonly WorkloadSpec[], from: number, to: number): PeakWindow[] {
  const patterns = new Map<string, TrafficPattern>();
  for (const w of workloads) if (w.pattern !== 'flat' && !patterns.has(w.namespace)) patterns.set(w.namespace, w.pattern);
  const out: PeakWindow[] = [];
  const firstDay = Math.floor(from / DAY) - 1;
  for (let day = firstDay; day * DAY < to + DAY; day++) {
    for (const [namespace, pattern] of patterns) {
      const start = day * DAY + PEAK_HOUR[pattern] * HOUR - PEAK_HALF_WIDTH_MS;
      if (start >= from && start < to) out.push({ namespace, pattern, start, end: start + 2 * PEAK_HALF_WIDTH_MS });
    }
  }
  out.sort((a, b) => a.start - b.start || (a.namespace < b.namespace ? -1 : 1));
  return out;
}
