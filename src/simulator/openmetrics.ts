/**
 * The history of a simulated cluster as an OpenMetrics text file, for backfilling a real Prometheus:
 *
 * ```sh
 * promtool tsdb create-blocks-from openmetrics history.om data/   # then: prometheus --storage.tsdb.path=data/
 * ```
 *
 * so integration tests and `kad serve` see an hour or more of history at once. OpenMetrics wants each
 * family's samples together and each series' samples in time order, so the history is collected per
 * series first and written family by family; timestamps are in seconds, and the file ends in `# EOF`.
 *
 * A series that ends before `to` (its pod went away) gets one `NaN` sample a step after its last,
 * standing in for the staleness marker a scrape would have written: an instant query then stops
 * seeing the pod (NaN rather than the last value for up to five minutes).
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { InputError } from '../core/errors.js';
import type { SimulatedCluster } from './cluster.js';
import { escapeHelp, escapeLabelValue, formatValue } from './exposition.js';
import { familyOf, METRIC_METADATA } from './metrics.js';

/** Options of {@link renderOpenMetricsHistory}. */
export interface OpenMetricsHistoryOptions {
  /** Only these metric families (default: every family the simulator exports). */
  families?: readonly string[];
  /** Write a NaN after the last sample of series that end early (default true). */
  endMarkers?: boolean;
  /**
   * Labels added to every series. Pass the `job` and `instance` that Prometheus will add when it
   * scrapes the same cluster's exporter, so backfilled and scraped samples form one series each
   * (otherwise both answer for five minutes after the backfill ends and sums count pods twice).
   */
  labels?: Record<string, string>;
}

interface Series {
  head: string;
  lines: string[];
  last: number;
}

/** Text yielded at once at most about this long (characters). */
const CHUNK_CHARS = 8 * 1024 * 1024;

/** `name{labels}` in text format, labels in the order given. */
function seriesHead(name: string, labels: Record<string, string>, extra: string): string {
  let s = '';
  for (const k in labels) s += `${s ? ',' : ''}${k}="${escapeLabelValue(labels[k])}"`;
  if (extra) s += s ? `,${extra}` : extra;
  return s ? `${name}{${s}}` : name;
}

/** Timestamp in seconds with millisecond precision, as OpenMetrics wants. */
function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/**
 * Advances `cluster` from `from` to `to` (epoch ms, inclusive) in steps of `stepMs`, recording every
 * sample, and yields the OpenMetrics text in chunks (a family, or a piece of a large one, then `# EOF`). The cluster must
 * not be past `from` yet; afterwards it is at `to`, so an exporter of the same cluster carries on
 * where the history ends.
 */
export function* openMetricsHistoryChunks(cluster: SimulatedCluster, from: number, to: number, stepMs: number,
  opts: OpenMetricsHistoryOptions = {}): Generator<string> {
  if (!(stepMs > 0)) throw new InputError(`OpenMetrics history step must be positive, got ${stepMs} ms`);
  if (!(to >= from)) throw new InputError('OpenMetrics history needs from <= to');
  if (cluster.time > from) {
    throw new InputError(`the cluster is already at ${new Date(cluster.time).toISOString()}, after the history's start ${new Date(from).toISOString()}`);
  }
  const only = opts.families ? new Set(opts.families) : undefined;
  const extra = Object.entries(opts.labels ?? {}).map(([k, v]) => {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(k)) throw new InputError(`invalid label name "${k}"`);
    return `${k}="${escapeLabelValue(v)}"`;
  }).join(',');
  const families = new Map<string, Map<string, Series>>();
  let t = from;
  for (; t <= to; t += stepMs) {
    cluster.advanceTo(t);
    const ts = seconds(t);
    for (const s of cluster.samples()) {
      const family = familyOf(s.name);
      if (only && !only.has(family)) continue;
      let fam = families.get(family);
      if (!fam) families.set(family, (fam = new Map()));
      const head = seriesHead(s.name, s.labels, extra);
      let series = fam.get(head);
      if (!series) fam.set(head, (series = { head, lines: [], last: t }));
      series.lines.push(`${head} ${formatValue(s.value)} ${ts}`);
      series.last = t;
    }
  }
  const lastT = t - stepMs;
  const endMarkers = opts.endMarkers ?? true;
  for (const [name, fam] of families) {
    const meta = METRIC_METADATA[name];
    const type = meta?.type === 'untyped' || !meta ? 'unknown' : meta.type;
    const family = type === 'counter' ? name.replace(/_total$/, '') : name;
    let out = `# TYPE ${family} ${type}\n# HELP ${family} ${escapeHelp(meta?.help ?? name)}\n`;
    for (const series of fam.values()) {
      out += series.lines.join('\n') + '\n';
      if (endMarkers && series.last < lastT) out += `${series.head} NaN ${seconds(series.last + stepMs)}\n`;
      // A large family (a mesh's histograms) goes out in pieces: one string for it may pass V8's limit.
      if (out.length > CHUNK_CHARS) {
        yield out;
        out = '';
      }
    }
    if (out) yield out;
  }
  yield '# EOF\n';
}

/** The whole history as one OpenMetrics string; see {@link openMetricsHistoryChunks}. */
export function renderOpenMetricsHistory(cluster: SimulatedCluster, from: number, to: number, stepMs: number,
  opts: OpenMetricsHistoryOptions = {}): string {
  let s = '';
  for (const chunk of openMetricsHistoryChunks(cluster, from, to, stepMs, opts)) s += chunk;
  return s;
}

/** Writes the history to `path`; see {@link openMetricsHistoryChunks}. Resolves with the bytes written. */
export async function writeOpenMetricsHistory(cluster: SimulatedCluster, path: string, from: number, to: number, stepMs: number,
  opts: OpenMetricsHistoryOptions = {}): Promise<number> {
  const out = createWriteStream(path);
  let bytes = 0;
  try {
    for (const chunk of openMetricsHistoryChunks(cluster, from, to, stepMs, opts)) {
      bytes += Buffer.byteLength(chunk);
      if (!out.write(chunk)) await once(out, 'drain');
    }
  } finally {
    out.end();
    await once(out, 'close');
  }
  return bytes;
}
