/**
 * One series' recent samples as they were pushed (time-ordered, in a ring of typed arrays that grows
 * up to a bound), and PromQL's two evaluations kad's queries need over them at a list of step times:
 * an instant selector (the last sample within the lookback, none after a staleness marker) and
 * `rate()` over a range (Prometheus 2.42's `extrapolatedRate`: counter resets added back, the
 * sampled interval extrapolated towards the range's ends). Results are added (or maxed) into a row
 * of an accumulator, as `sum by (…)` / `max by (…)` over a pod's series.
 */

/** Prometheus's default lookback of instant selectors (`--query.lookback-delta`). */
export const LOOKBACK_DELTA_MS = 5 * 60_000;

/** How an evaluation joins a series' value into the accumulator: `sum` or `max` (NaN = nothing yet). */
export type Combine = 'sum' | 'max';

function join(out: Float64Array, i: number, v: number, combine: Combine): void {
  const o = out[i];
  if (o !== o) out[i] = v;
  else out[i] = combine === 'sum' ? o + v : Math.max(o, v);
}

/**
 * A bounded ring of (time, value) samples, oldest first. NaN values are staleness markers. Times
 * and values interleave in one Float64Array: a push writes one cache line, and a receiver holding
 * tens of thousands of rings has one array per ring for the garbage collector to trace, not two.
 */
export class SampleRing {
  /** Sample k's time at `2k`, its value at `2k + 1` (physical slots). */
  private data: Float64Array;
  /** Physical index of the oldest sample. */
  private head = 0;
  /** Slots. */
  private cap: number;
  /** Samples held. */
  size = 0;

  /** A ring of `initial` slots that grows (doubling) up to `max` samples, then overwrites its oldest. */
  constructor(initial: number, readonly max: number) {
    this.cap = Math.max(1, Math.min(initial, max));
    this.data = new Float64Array(2 * this.cap);
  }

  /** Time of the newest sample (-Infinity when empty). */
  get newest(): number {
    return this.size ? this.timeAt(this.size - 1) : -Infinity;
  }

  /** Time of the oldest sample (Infinity when empty). */
  get oldest(): number {
    return this.size ? this.data[2 * this.head] : Infinity;
  }

  /** Bytes of its array. */
  get bytes(): number {
    return this.data.byteLength;
  }

  /** Time of the i-th sample, oldest first. */
  timeAt(i: number): number {
    let j = this.head + i;
    if (j >= this.cap) j -= this.cap;
    return this.data[2 * j];
  }

  /** Value of the i-th sample, oldest first. */
  valueAt(i: number): number {
    let j = this.head + i;
    if (j >= this.cap) j -= this.cap;
    return this.data[2 * j + 1];
  }

  /** The index of the first sample at or after `t` (`size` when none is). */
  search(t: number): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.timeAt(mid) < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Appends a sample newer than the newest; returns false (and keeps nothing) for one that is not
   * (a retried batch, or a sample out of order). A full ring at `max` drops its oldest.
   */
  push(t: number, v: number): boolean {
    if (this.size && t <= this.newest) return false;
    if (this.size === this.cap) {
      if (this.cap < this.max) {
        this.grow(Math.min(this.max, this.cap * 2));
      } else {
        this.head = this.head + 1 === this.cap ? 0 : this.head + 1;
        this.size--;
      }
    }
    let j = this.head + this.size;
    if (j >= this.cap) j -= this.cap;
    this.data[2 * j] = t;
    this.data[2 * j + 1] = v;
    this.size++;
    return true;
  }

  /** Forgets the samples older than `t`. */
  dropBefore(t: number): void {
    while (this.size && this.data[2 * this.head] < t) {
      this.head = this.head + 1 === this.cap ? 0 : this.head + 1;
      this.size--;
    }
  }

  private grow(cap: number): void {
    const data = new Float64Array(2 * cap);
    for (let i = 0; i < this.size; i++) {
      data[2 * i] = this.timeAt(i);
      data[2 * i + 1] = this.valueAt(i);
    }
    this.data = data;
    this.cap = cap;
    this.head = 0;
  }
}

/**
 * An instant selector at each of `steps` (ascending epoch ms): the last sample at or before the step
 * and after `step − lookbackMs`, unless it is a staleness marker. Joined into `out[offset + k]`.
 */
export function addInstant(ring: SampleRing, steps: ArrayLike<number>, lookbackMs: number, out: Float64Array, offset: number, combine: Combine): void {
  const n = ring.size;
  if (n === 0 || steps.length === 0) return;
  let j = ring.search(steps[0] - lookbackMs) - 1; // the last sample at or before the step
  for (let k = 0; k < steps.length; k++) {
    const t = steps[k];
    while (j + 1 < n && ring.timeAt(j + 1) <= t) j++;
    if (j < 0 || ring.timeAt(j) <= t - lookbackMs) continue;
    const v = ring.valueAt(j);
    if (v === v) join(out, offset + k, v, combine);
  }
}

/**
 * `rate(series[windowMs])` at each of `steps` (ascending epoch ms), per second, as Prometheus 2.42
 * computes it: the samples in [step − windowMs, step] (staleness markers left out), at least two;
 * counter resets (a value below the previous) add the previous value back; the increase is
 * extrapolated to the range's ends when the first and last samples are within 1.1 average intervals
 * of them (else by half an interval), and not below zero at the start. Added into `out[offset + k]`.
 */
export function addRate(ring: SampleRing, steps: ArrayLike<number>, windowMs: number, out: Float64Array, offset: number): void {
  const n = ring.size;
  if (n < 2 || steps.length === 0) return;
  let a = ring.search(steps[0] - windowMs); // the first sample at or after the range's start
  let b = a - 1; // the last sample at or before the step
  for (let k = 0; k < steps.length; k++) {
    const end = steps[k];
    const start = end - windowMs;
    while (a < n && ring.timeAt(a) < start) a++;
    while (b + 1 < n && ring.timeAt(b + 1) <= end) b++;
    let count = 0;
    let firstT = 0;
    let firstV = 0;
    let lastT = 0;
    let prev = 0;
    let increase = 0;
    for (let i = a; i <= b; i++) {
      const v = ring.valueAt(i);
      if (v !== v) continue;
      const t = ring.timeAt(i);
      if (count === 0) {
        firstT = t;
        firstV = v;
      } else {
        increase += v < prev ? v : v - prev; // a reset: the counter restarted from 0
      }
      prev = v;
      lastT = t;
      count++;
    }
    if (count < 2) continue;
    const sampled = (lastT - firstT) / 1000;
    const average = sampled / (count - 1);
    let toStart = (firstT - start) / 1000;
    const toEnd = (end - lastT) / 1000;
    if (increase > 0 && firstV >= 0) toStart = Math.min(toStart, sampled * (firstV / increase)); // a counter does not go below 0
    const threshold = average * 1.1;
    let extrapolated = sampled;
    extrapolated += toStart < threshold ? toStart : average / 2;
    extrapolated += toEnd < threshold ? toEnd : average / 2;
    join(out, offset + k, (increase * (extrapolated / sampled)) / (windowMs / 1000), 'sum');
  }
}
