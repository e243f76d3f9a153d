/**
 * Prometheus remote write as a source (`KAD_SOURCE=remote-write`): Prometheus (or Grafana Agent /
 * Alloy, or an OpenTelemetry collector's `prometheusremotewrite` exporter) pushes samples to
 * `POST /api/v1/write` (src/api/remote-write.ts) instead of kad querying it.
 *
 * **Ingest.** {@link RemoteWriteSource.ingest} takes one request body (remote write 1.0: a snappy
 * block of a protobuf `prometheus.WriteRequest`), decodes it (snappy.ts, remote-write-proto.ts) and
 * appends each sample of the series kad reads to that series' ring (remote-write-series.ts), with no
 * object per sample. Samples not newer than a series' newest (a retried batch) are skipped, so a
 * retry stores exactly what the first try did not; samples older than the kept window too.
 *
 * **Bounds.** At most `maxSeries` series of at most `maxSamplesPerSeries` samples, over `keepMs`
 * (the training window, Prometheus's 5-minute lookback, the rate window and two steps); series and
 * pods with nothing left in the window are dropped. A new series beyond `maxSeries` is refused and
 * the request answered 429 (the rest of it is stored; the retry adds the refused series once older
 * ones have gone). Requests are queued ({@link RemoteWriteSource.submit}) and stored one per turn of
 * the event loop, so pushes never hold up scoring or the API for longer than one request; the bodies
 * being received, queued or stored are bounded by `bufferBytes` ({@link RemoteWriteSource.admit}):
 * when pushes come faster than kad stores them, the queue fills and the next is answered 429 at
 * once, before its body is read. Prometheus
 * retries a 429 with backoff (with `retry_on_http_429: true` in 2.42's `queue_config`). Every sample
 * and every refusal is counted: `anomaly_detector_remote_write_samples_total{result}` and
 * `anomaly_detector_remote_write_rejected_total{reason}`.
 *
 * **Snapshots.** `current(t)` and `history()` evaluate the Prometheus source's queries
 * (src/sources/prometheus.ts) on the rings: instant values (last sample within 5 minutes, none after
 * a staleness marker) summed per pod, `rate()` over `KAD_RATE_WINDOW` as Prometheus computes it
 * (sample-ring.ts), memory as the working set (or usage for a pod without one), limits from
 * kube-state-metrics v2 or v1 names, the owner and node from `kube_pod_info`. A pod is in a
 * snapshot when it has a memory or restart value and its `kube_pod_status_phase` is not Succeeded or
 * Failed (a finished Job's pod keeps its restart series while its object lasts). kad knows only what was pushed since it started,
 * so, as the metrics-API source does, `history()` of a window that reaches the present throws a
 * {@link SourceError} while it holds less than `minHistoryFraction` of it (the engine retries: it
 * trains about 30 minutes after start with the default 60-minute window), and a window from before
 * the first sample is empty.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { systemClock, type Clock } from '../core/clock.js';
import type { Config } from '../config/schema.js';
import { InputError, SourceError } from '../core/errors.js';
import type { PodSample, PodSnapshot } from '../core/samples.js';
import { workloadOf, type PodRef } from '../core/series.js';
import type { Source } from './base.js';
import { podSampleOf } from './prometheus.js';
import { promDurationMs } from './promql.js';
import { WriteRequestDecoder, type WriteRequestSink } from './remote-write-proto.js';
import { COUNTER_ROLES, N_ROLES, REFUSED, ROLE, SeriesIndex, type PodSeries } from './remote-write-series.js';
import { addInstant, addRate, LOOKBACK_DELTA_MS } from './sample-ring.js';
import { snappyDecode } from './snappy.js';

/** Largest request body taken (compressed), bytes. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;
/** Largest decompressed WriteRequest taken, bytes. */
export const MAX_DECODED_BYTES = 64 * 1024 * 1024;

/** Options of {@link RemoteWriteSource}. */
export interface RemoteWriteSourceOptions {
  /** NAMESPACE_REGEX, anchored as PromQL's `=~` is. */
  namespaceRegex: string;
  /** POD_LABEL. */
  podLabel: string;
  /** `rate()` window, ms (KAD_RATE_WINDOW). */
  rateWindowMs: number;
  /** Samples are kept this long (ms) behind the clock. */
  keepMs: number;
  /** KAD_REMOTE_WRITE_MAX_SERIES. */
  maxSeries: number;
  /** KAD_REMOTE_WRITE_MAX_SAMPLES_PER_SERIES. */
  maxSamplesPerSeries: number;
  /** KAD_REMOTE_WRITE_BUFFER_BYTES: request bodies received and not yet stored. */
  bufferBytes: number;
  /** `history()` of a window reaching the present answers once it has this share of it. Default 0.5. */
  minHistoryFraction?: number;
  /** The time samples are kept behind, and requests are stamped with. Default the wall clock. */
  clock?: Clock;
  /** Where its metrics are registered; none: not exported. */
  registry?: Registry;
}

/** What one request did. Samples: `stored` + `unused` + `outOfOrder` + `tooOld` + `refused` = all. */
export interface IngestResult {
  series: number;
  samples: number;
  /** Appended to a series' ring. */
  stored: number;
  /** Of series kad does not read (another metric, namespace, container `POD`). */
  unused: number;
  /** Not newer than their series' newest: a retry's, or out of order. */
  outOfOrder: number;
  /** Older than the kept window. */
  tooOld: number;
  /** Of new series refused because `maxSeries` are kept. */
  refused: number;
  /** New series refused. */
  seriesRefused: number;
}

/** Why a request was refused, as `anomaly_detector_remote_write_rejected_total{reason}` says. */
export type RejectReason = 'buffer_full' | 'series_limit' | 'malformed' | 'unsupported_media_type';

/** What the HTTP route needs of the receiver. */
export interface RemoteWriteReceiver {
  /** Reserves `bytes` of the ingest buffer for a request body; false (and counted) when it is full. */
  admit(bytes: number): boolean;
  /** Gives back what {@link admit} reserved. */
  release(bytes: number): void;
  /**
   * Queues one request body to be decoded and stored in turn (one body per turn of the event loop);
   * resolves when it is stored, rejects with an {@link InputError} when it is not a snappy WriteRequest.
   */
  submit(body: Uint8Array): Promise<IngestResult>;
  /** Counts a request refused before {@link ingest}. */
  reject(reason: RejectReason): void;
  /** Series kept, and the limit. */
  seriesCount(): { series: number; max: number };
}

/** The receiver's settings from the config (see {@link RemoteWriteSourceOptions}). */
export function remoteWriteSettings(config: Readonly<Pick<Config, 'prometheus' | 'remoteWrite' | 'training'>>, lookbackMs: number): Omit<RemoteWriteSourceOptions, 'clock' | 'registry'> {
  const rateWindowMs = promDurationMs(config.prometheus.rateWindow);
  return {
    namespaceRegex: config.prometheus.namespaceRegex,
    podLabel: config.prometheus.podLabel,
    rateWindowMs,
    keepMs: lookbackMs + LOOKBACK_DELTA_MS + rateWindowMs + 2 * config.training.queryStepSeconds * 1000,
    maxSeries: config.remoteWrite.maxSeries,
    maxSamplesPerSeries: config.remoteWrite.maxSamplesPerSeries,
    bufferBytes: config.remoteWrite.bufferBytes,
  };
}

/** Counts of the request being decoded. */
interface Batch {
  stored: number;
  outOfOrder: number;
  tooOld: number;
  refused: number;
  seriesRefused: number;
}

/** The source that Prometheus's remote write feeds. See the module comment. */
export class RemoteWriteSource implements Source, WriteRequestSink, RemoteWriteReceiver {
  readonly name = 'remote-write';
  private readonly index: SeriesIndex;
  private readonly decoder = new WriteRequestDecoder();
  private readonly clock: Clock;
  private readonly minFraction: number;
  private scratch: Uint8Array = new Uint8Array(1 << 20);
  private batch: Batch = { stored: 0, outOfOrder: 0, tooOld: 0, refused: 0, seriesRefused: 0 };
  /** Samples older than this are not stored (set per request). */
  private minT = -Infinity;
  private buffered = 0;
  /** Oldest sample stored, and when the last request came (clock time); NaN: none yet. */
  private firstSampleAt = NaN;
  private lastRequestAt = NaN;
  private lastDrop = -Infinity;
  /** Bodies waiting for {@link ingest}, oldest first (the head is being stored). */
  private readonly queue: { body: Uint8Array; resolve: (r: IngestResult) => void; reject: (e: unknown) => void }[] = [];
  private readonly samplesTotal?: Counter<'result'>;
  private readonly rejectedTotal?: Counter<'reason'>;

  constructor(private readonly opts: RemoteWriteSourceOptions) {
    this.index = new SeriesIndex(opts);
    this.clock = opts.clock ?? systemClock;
    this.minFraction = opts.minHistoryFraction ?? 0.5;
    if (opts.registry) {
      const registers = [opts.registry];
      this.samplesTotal = new Counter({
        name: 'anomaly_detector_remote_write_samples_total',
        help: 'Remote-write samples received, by result: stored, unused (a series kad does not read), out_of_order (not newer than the series\' newest: a retry\'s), too_old (before the kept window), refused (a new series over KAD_REMOTE_WRITE_MAX_SERIES; its request was answered 429).',
        labelNames: ['result'],
        registers,
      });
      this.rejectedTotal = new Counter({
        name: 'anomaly_detector_remote_write_rejected_total',
        help: 'Remote-write requests refused, by reason: buffer_full and series_limit (429, retried by the sender), malformed (400), unsupported_media_type (415).',
        labelNames: ['reason'],
        registers,
      });
      for (const r of ['stored', 'unused', 'out_of_order', 'too_old', 'refused']) this.samplesTotal.inc({ result: r }, 0);
      for (const r of ['buffer_full', 'series_limit', 'malformed', 'unsupported_media_type']) this.rejectedTotal.inc({ reason: r }, 0);
      const series = () => this.index.size;
      const buffered = () => this.buffered;
      new Gauge({ name: 'anomaly_detector_remote_write_series', help: 'Series kept from remote write (KAD_REMOTE_WRITE_MAX_SERIES bounds it).', registers, collect() { this.set(series()); } });
      new Gauge({ name: 'anomaly_detector_remote_write_buffer_bytes', help: 'Remote-write request bodies being received or decoded, bytes (KAD_REMOTE_WRITE_BUFFER_BYTES bounds it).', registers, collect() { this.set(buffered()); } });
    }
  }

  admit(bytes: number): boolean {
    // One request is always taken (its size is bounded by the body limit), so none waits forever.
    if (this.buffered > 0 && this.buffered + bytes > this.opts.bufferBytes) {
      this.reject('buffer_full');
      return false;
    }
    this.buffered += bytes;
    return true;
  }

  release(bytes: number): void {
    this.buffered = Math.max(0, this.buffered - bytes);
  }

  reject(reason: RejectReason): void {
    this.rejectedTotal?.inc({ reason });
  }

  seriesCount(): { series: number; max: number } {
    return { series: this.index.size, max: this.opts.maxSeries };
  }

  submit(body: Uint8Array): Promise<IngestResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ body, resolve, reject });
      if (this.queue.length === 1) setImmediate(this.drain);
    });
  }

  /** Stores the oldest queued body, then yields to the event loop (requests arriving meanwhile are admitted or refused) before the next. */
  private readonly drain = (): void => {
    const job = this.queue[0];
    try {
      job.resolve(this.ingest(job.body));
    } catch (e) {
      job.reject(e);
    }
    this.queue.shift();
    if (this.queue.length) setImmediate(this.drain);
  };

  /** Decodes and stores one request body now. Throws {@link InputError} when it is not a snappy WriteRequest. */
  ingest(body: Uint8Array): IngestResult {
    const now = this.clock.now();
    this.lastRequestAt = now;
    this.minT = now - this.opts.keepMs;
    this.batch = { stored: 0, outOfOrder: 0, tooOld: 0, refused: 0, seriesRefused: 0 };
    let counts = { series: 0, samples: 0 };
    try {
      const data = snappyDecode(body, MAX_DECODED_BYTES, this.scratch);
      if (data.buffer !== this.scratch.buffer) this.scratch = data; // grown: reused from now on
      counts = this.decoder.decode(data, this);
    } catch (e) {
      if (e instanceof InputError) this.reject('malformed');
      throw e;
    } finally {
      this.count(counts.samples);
    }
    const b = this.batch;
    if (b.seriesRefused) this.reject('series_limit');
    return { ...counts, ...b, unused: counts.samples - b.stored - b.outOfOrder - b.tooOld - b.refused };
  }

  /** @internal WriteRequestSink: the handle of a TimeSeries' series. */
  series(buf: Uint8Array, lo: number, hi: number): number {
    let h = this.index.lookup(buf, lo, hi);
    if (h === REFUSED) {
      // Full: make room from series that went quiet (at most once a second), then try again.
      const t = this.clock.now();
      if (!(t - this.lastDrop < 1000)) {
        this.lastDrop = t;
        this.index.dropOlderThan(this.minT);
        h = this.index.lookup(buf, lo, hi);
      }
      if (h === REFUSED) this.batch.seriesRefused++;
    }
    return h;
  }

  /** @internal WriteRequestSink: one sample. */
  sample(handle: number, t: number, v: number): void {
    if (handle === REFUSED) {
      this.batch.refused++;
      return;
    }
    if (t < this.minT) {
      this.batch.tooOld++;
      return;
    }
    if (!this.index.get(handle).ring.push(t, v)) {
      this.batch.outOfOrder++;
      return;
    }
    this.batch.stored++;
    if (!(t >= this.firstSampleAt)) this.firstSampleAt = t;
  }

  async current(t: number): Promise<PodSnapshot> {
    this.assertFresh();
    this.index.dropOlderThan(this.clock.now() - this.opts.keepMs);
    return { t, pods: this.evaluate(Float64Array.of(t))[0] };
  }

  async history(start: number, end: number, stepMs: number): Promise<PodSnapshot[]> {
    if (!(stepMs > 0)) throw new InputError(`history step must be positive, got ${stepMs} ms`);
    this.assertFresh();
    const first = Math.ceil(start / stepMs) * stepMs;
    const out: PodSnapshot[] = [];
    if (end >= first && end >= this.firstSampleAt) {
      const steps = new Float64Array(Math.floor((end - first) / stepMs) + 1).map((_, i) => first + i * stepMs);
      this.evaluate(steps).forEach((pods, i) => pods.length && out.push({ t: steps[i], pods }));
    }
    // The training window (it ends now; warm-up windows end a lookback earlier): enough of it, or why not.
    const need = end - start;
    const have = Math.min(need, out.length * stepMs);
    if (end >= this.clock.now() - Math.max(stepMs, 60_000) && have < this.minFraction * need) {
      const unit = need >= 120_000 ? 60_000 : 1000;
      const f = (ms: number) => String(Math.floor((ms / unit) * 10) / 10);
      const u = unit === 1000 ? 'seconds' : 'minutes';
      throw new SourceError(
        `remote-write source holds ${f(have)} of ${f(need)} ${u} of history; training starts when ${f(this.minFraction * need)} ${u} have been pushed ` +
          `(kad keeps only what Prometheus sent since kad started; ${this.index.size} series of ${this.index.pods.size} pods so far)`,
      );
    }
    return out;
  }

  async close(): Promise<void> {
    // Nothing to release: the HTTP server that feeds it is closed by its owner.
  }

  /** Series and pods kept, and the bytes of their samples and label bytes. */
  stats(): { series: number; pods: number; bytes: number } {
    return { series: this.index.size, pods: this.index.pods.size, bytes: this.index.bytes() };
  }

  /** No request ever, or none for longer than the lookback: a {@link SourceError} saying so. */
  private assertFresh(): void {
    const ago = this.clock.now() - this.lastRequestAt;
    if (Number.isNaN(ago)) {
      throw new SourceError('remote-write source has received nothing yet: point Prometheus\'s remote_write at kad\'s /api/v1/write (README: "Remote write")');
    }
    if (ago > LOOKBACK_DELTA_MS) throw new SourceError(`remote-write source: no request for ${Math.round(ago / 1000)} s (Prometheus's remote_write to kad's /api/v1/write stopped?)`);
  }

  private count(samples: number): void {
    const c = this.samplesTotal;
    if (!c) return;
    const b = this.batch;
    c.inc({ result: 'stored' }, b.stored);
    c.inc({ result: 'out_of_order' }, b.outOfOrder);
    c.inc({ result: 'too_old' }, b.tooOld);
    c.inc({ result: 'refused' }, b.refused);
    c.inc({ result: 'unused' }, Math.max(0, samples - b.stored - b.outOfOrder - b.tooOld - b.refused));
  }

  /** Every pod's samples at `steps` (ascending), pods sorted by key; a pod is there when it has memory or restarts. */
  private evaluate(steps: Float64Array): PodSample[][] {
    const n = steps.length;
    const out: PodSample[][] = Array.from({ length: n }, () => []);
    const acc = new Float64Array(N_ROLES * n);
    const seen = new Float64Array(n);
    const pods = [...this.index.pods.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map((e) => e[1]);
    for (const pod of pods) {
      acc.fill(NaN);
      for (const s of pod.series) {
        const row = s.role * n;
        if (COUNTER_ROLES[s.role]) {
          addRate(s.ring, steps, this.opts.rateWindowMs, acc, row);
        } else if (s.role === ROLE.info) {
          // The row holds which series (its index in the pod's list) is present at each step.
          seen.fill(NaN);
          addInstant(s.ring, steps, LOOKBACK_DELTA_MS, seen, 0, 'max');
          const which = pod.series.indexOf(s);
          for (let k = 0; k < n; k++) if (seen[k] === seen[k] && acc[row + k] !== acc[row + k]) acc[row + k] = which;
        } else {
          addInstant(s.ring, steps, LOOKBACK_DELTA_MS, acc, row, s.role === ROLE.startedAt ? 'max' : 'sum');
        }
      }
      for (let k = 0; k < n; k++) {
        const sample = podSample(pod, acc, n, k);
        if (sample) out[k].push(sample);
      }
    }
    return out;
  }
}

/** Pod `pod`'s sample at step `k` of `n` from its accumulator (roles × steps), or none when it has no memory or restarts, or has finished. */
function podSample(pod: PodSeries, acc: Float64Array, n: number, k: number): PodSample | undefined {
  const v = (role: number) => acc[role * n + k];
  const either = (a: number, b: number) => (v(a) === v(a) ? v(a) : v(b));
  const memory = either(ROLE.workingSet, ROLE.usage);
  const restarts = v(ROLE.restarts);
  if (memory !== memory && restarts !== restarts) return undefined;
  if (v(ROLE.finished) >= 1) return undefined; // phase Succeeded or Failed: a Job's pod kept after its run, listed by its restarts
  const which = v(ROLE.info);
  const owner = which === which ? pod.series[which].owner : undefined;
  const ref: PodRef = { namespace: pod.namespace, pod: pod.pod, workload: workloadOf(pod.pod, owner?.kind, owner?.name) };
  if (owner?.node) ref.node = owner.node;
  return podSampleOf(ref, {
    cpu: v(ROLE.cpu), memory, restarts, rxBytes: v(ROLE.rxBytes), txBytes: v(ROLE.txBytes), rxPackets: v(ROLE.rxPackets), rxDropped: v(ROLE.rxDropped),
    cpuLimit: either(ROLE.cpuLimit, ROLE.cpuLimitV1), memoryLimit: either(ROLE.memoryLimit, ROLE.memoryLimitV1), cpuRequest: either(ROLE.cpuRequest, ROLE.cpuRequestV1),
    startedSeconds: v(ROLE.startedAt),
  });
}
