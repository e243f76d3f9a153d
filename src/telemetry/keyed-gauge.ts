/**
 * A gauge with one series per pod (or per pod and resource), set each scoring cycle by a key the
 * caller already has, for the per-pod gauges of /metrics (`anomaly_score`, `anomaly_flag`, …).
 * prom-client's `Gauge.set(labels, v)` validates the labels and builds a key string from them on
 * every call: about 2 µs a call, so 150–220 ms of each cycle at 10,000 pods for kad's seven per-pod
 * series (measured). Here a series' label object is made once, when its key is first set, and a set
 * is a map lookup. What /metrics shows is the same: the registry formats the series as it formats
 * prom-client's (it calls {@link KeyedGauge.get}), in the order they were first set.
 */
import type { Metric, Registry } from 'prom-client';

/** Label values of one series. */
export type SeriesLabels = Record<string, string>;

interface Series {
  labels: SeriesLabels;
  value: number;
}

/** A gauge whose series are found by a key; see the module comment. */
export class KeyedGauge {
  readonly type = 'gauge';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, Series>();

  /** Registers the gauge on `registry` (a name taken by another metric throws, as prom-client does). */
  constructor(readonly name: string, readonly help: string, registry: Registry) {
    registry.registerMetric(this as unknown as Metric);
  }

  /** Sets the series of `key` to `value`; `labels` makes its labels when the key is new. */
  set(key: string, labels: () => SeriesLabels, value: number): void {
    const s = this.series.get(key);
    if (s) s.value = value;
    else this.series.set(key, { labels: labels(), value });
  }

  /** The value of `key`'s series, or undefined when it has none. */
  value(key: string): number | undefined {
    return this.series.get(key)?.value;
  }

  /** Drops the series of `key` (none: nothing). */
  remove(key: string): void {
    this.series.delete(key);
  }

  /** Drops every series. */
  reset(): void {
    this.series.clear();
  }

  /** What the registry formats (as prom-client's `Gauge.get`): every series with its labels and value. */
  async get(): Promise<{ name: string; help: string; type: 'gauge'; aggregator: 'sum'; values: { labels: SeriesLabels; value: number }[] }> {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: [...this.series.values()] };
  }
}
