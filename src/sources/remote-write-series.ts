/**
 * The series a remote-write receiver keeps, found by their label bytes as they arrive.
 *
 * Remote write 1.0 sends every series' full label set with every batch, so finding the series of a
 * TimeSeries is the receiver's main cost. {@link SeriesIndex.lookup} does it without decoding a
 * string: `__name__` first (Prometheus sorts labels, so it leads), and a metric kad does not read is
 * skipped there; otherwise a hash of the label bytes, checked byte for byte against the series'
 * stored bytes. Only a label set not seen before is decoded: its metric, namespace, pod and
 * container decide which of kad's per-pod values it feeds ({@link ROLE}, the same filters as the
 * Prometheus source's PromQL, src/sources/prometheus.ts), or that it feeds none (remembered too, in
 * a bounded set of its own, so it costs a lookup next time).
 *
 * A series is its label bytes: a sender must send a series' labels in the same order every time
 * (Prometheus, Grafana Agent and the OpenTelemetry exporter sort them by name).
 *
 * At most `maxSeries` series are kept; a new one beyond that is refused ({@link REFUSED}) until old
 * ones are dropped ({@link SeriesIndex.dropOlderThan}). Each keeps its samples in a
 * {@link SampleRing} of at most `maxSamplesPerSeries`.
 */
import { ConfigError } from '../core/errors.js';
import { HashSlots } from './hash-slots.js';
import { LabelCursor } from './remote-write-proto.js';
import { SampleRing } from './sample-ring.js';

/** Which per-pod value a series feeds (an index into per-pod accumulators). */
export const ROLE = {
  cpu: 0, workingSet: 1, usage: 2, restarts: 3, rxBytes: 4, txBytes: 5, rxPackets: 6, rxDropped: 7,
  cpuLimit: 8, memoryLimit: 9, cpuLimitV1: 10, memoryLimitV1: 11, cpuRequest: 12, cpuRequestV1: 13, startedAt: 14, info: 15, finished: 16,
} as const;
/** Number of {@link ROLE}s. */
export const N_ROLES = 17;
/** Roles read with `rate()`; the others are instant values. */
export const COUNTER_ROLES: readonly boolean[] = Array.from({ length: N_ROLES }, (_, r) =>
  ([ROLE.cpu, ROLE.rxBytes, ROLE.txBytes, ROLE.rxPackets, ROLE.rxDropped] as number[]).includes(r));

type Labels = Readonly<Record<string, string>>;
const inContainer = (l: Labels) => !!l.container && l.container !== 'POD';

/** The metrics kad reads, and which role a series of each feeds (-1: none). */
const METRICS: Readonly<Record<string, (l: Labels) => number>> = {
  container_cpu_usage_seconds_total: (l) => (inContainer(l) ? ROLE.cpu : -1),
  container_memory_working_set_bytes: (l) => (inContainer(l) ? ROLE.workingSet : -1),
  container_memory_usage_bytes: (l) => (inContainer(l) ? ROLE.usage : -1),
  kube_pod_container_status_restarts_total: () => ROLE.restarts,
  container_network_receive_bytes_total: () => ROLE.rxBytes,
  container_network_transmit_bytes_total: () => ROLE.txBytes,
  container_network_receive_packets_total: () => ROLE.rxPackets,
  container_network_receive_packets_dropped_total: () => ROLE.rxDropped,
  kube_pod_container_resource_limits: (l) => (l.resource === 'cpu' ? ROLE.cpuLimit : l.resource === 'memory' ? ROLE.memoryLimit : -1),
  kube_pod_container_resource_limits_cpu_cores: () => ROLE.cpuLimitV1,
  kube_pod_container_resource_limits_memory_bytes: () => ROLE.memoryLimitV1,
  kube_pod_container_resource_requests: (l) => (l.resource === 'cpu' ? ROLE.cpuRequest : -1),
  kube_pod_container_resource_requests_cpu_cores: () => ROLE.cpuRequestV1,
  kube_pod_start_time: () => ROLE.startedAt,
  // Only the Succeeded and Failed series: 1 when the pod finished (a Job's pod, left out of snapshots).
  kube_pod_status_phase: (l) => (l.phase === 'Succeeded' || l.phase === 'Failed' ? ROLE.finished : -1),
  kube_pod_info: () => ROLE.info,
};

/** The metric names kad reads from remote write (for `write_relabel_configs`). */
export const REMOTE_WRITE_METRICS: readonly string[] = Object.keys(METRICS);

/** The handle of a series refused because `maxSeries` are kept. */
export const REFUSED = -2;
/** The handle of a series kad does not read. */
export const IGNORED = -1;

/** The owner and node of a pod, from a `kube_pod_info` series' labels. */
export interface PodOwner {
  kind?: string;
  name?: string;
  node?: string;
}

/** One kept series. */
export interface Series {
  readonly id: number;
  readonly hash: number;
  /** Its label bytes, as they came. */
  readonly key: Buffer;
  readonly role: number;
  readonly pod: PodSeries;
  readonly ring: SampleRing;
  /** `kube_pod_info`'s owner and node labels. */
  readonly owner?: PodOwner;
}

/** A pod's kept series. */
export interface PodSeries {
  readonly namespace: string;
  readonly pod: string;
  readonly series: Series[];
}

/** A label set kad does not read, remembered by its bytes. */
interface Ignored {
  key: Buffer;
  next: Ignored | undefined;
}

/** Options of {@link SeriesIndex}. */
export interface SeriesIndexOptions {
  /** NAMESPACE_REGEX, anchored as PromQL's `=~` is. */
  namespaceRegex: string;
  /** POD_LABEL. */
  podLabel: string;
  maxSeries: number;
  maxSamplesPerSeries: number;
}

const NAME = Uint8Array.from(Buffer.from('__name__'));
const utf8 = new TextDecoder();

/** Whether bytes [lo, hi) of `buf` are `want`. */
function bytesEqual(buf: Uint8Array, lo: number, hi: number, want: Uint8Array): boolean {
  if (hi - lo !== want.length) return false;
  for (let i = 0; i < want.length; i++) if (buf[lo + i] !== want[i]) return false;
  return true;
}

/** Each read metric name's length and last two bytes, as `length × 65536 + byte × 256 + byte`: a cheap first filter. */
const NAME_ENDS: ReadonlySet<number> = new Set(REMOTE_WRITE_METRICS.map((n) => n.length * 65536 + n.charCodeAt(n.length - 2) * 256 + n.charCodeAt(n.length - 1)));

const P1 = 0x9e3779b1 | 0;
const P2 = 0x85ebca77 | 0;
const P3 = 0xc2b2ae3d | 0;
const P4 = 0x27d4eb2f | 0;
const P5 = 0x165667b1 | 0;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

/**
 * A 30-bit hash (a small integer, the fastest Map key) of bytes [lo, hi) of the buffer `view`
 * shows: xxHash32 (seed 0), 16 bytes a round in four independent lanes, its top 30 bits. A label
 * set is some 400 bytes, hashed once per sample: this is about twice as fast as MurmurHash3's one
 * lane of 4 bytes.
 */
export function hashBytes(view: DataView, lo: number, hi: number): number {
  let i = lo;
  let h: number;
  if (hi - lo >= 16) {
    let a = (P1 + P2) | 0;
    let b = P2;
    let c = 0;
    let d = -P1 | 0;
    for (; i + 16 <= hi; i += 16) {
      a = Math.imul(rotl(a + Math.imul(view.getInt32(i, true), P2), 13), P1);
      b = Math.imul(rotl(b + Math.imul(view.getInt32(i + 4, true), P2), 13), P1);
      c = Math.imul(rotl(c + Math.imul(view.getInt32(i + 8, true), P2), 13), P1);
      d = Math.imul(rotl(d + Math.imul(view.getInt32(i + 12, true), P2), 13), P1);
    }
    h = (rotl(a, 1) + rotl(b, 7) + rotl(c, 12) + rotl(d, 18)) | 0;
  } else {
    h = P5;
  }
  h = (h + hi - lo) | 0;
  for (; i + 4 <= hi; i += 4) h = Math.imul(rotl(h + Math.imul(view.getInt32(i, true), P3), 17), P4);
  for (; i < hi; i++) h = Math.imul(rotl(h + Math.imul(view.getUint8(i), P5), 11), P1);
  h = Math.imul(h ^ (h >>> 15), P2);
  h = Math.imul(h ^ (h >>> 13), P3);
  return (h ^ (h >>> 16)) >>> 2;
}

/** Whether `key` holds bytes [lo, hi) of `buf` (a native compare: faster than a loop past a few dozen bytes). */
function sameKey(key: Buffer, buf: Uint8Array, lo: number, hi: number): boolean {
  return key.length === hi - lo && key.compare(buf, lo, hi) === 0;
}

/** The kept series, by label bytes and by pod. */
export class SeriesIndex {
  /** Pods with at least one kept series, by `namespace/pod`. */
  readonly pods = new Map<string, PodSeries>();
  private readonly byId: (Series | undefined)[] = [];
  private readonly freeIds: number[] = [];
  /** Kept series' ids by the hash of their label bytes. */
  private readonly byHash = new HashSlots();
  private readonly ignored = new Map<number, Ignored>();
  private ignoredCount = 0;
  private kept = 0;
  private readonly namespaceRe: RegExp;
  private readonly cursor = new LabelCursor();
  /** A view of the last buffer looked up in, for {@link hashBytes}. */
  private view: DataView = new DataView(new ArrayBuffer(0));
  private viewOf: Uint8Array | undefined;

  constructor(private readonly opts: SeriesIndexOptions) {
    try {
      this.namespaceRe = new RegExp(`^(?:${opts.namespaceRegex})$`);
    } catch (e) {
      throw new ConfigError(`NAMESPACE_REGEX="${opts.namespaceRegex}" is invalid: must be a regular expression (${(e as Error).message})`);
    }
  }

  /** Series kept. */
  get size(): number {
    return this.kept;
  }

  /** The kept series with handle `id`. */
  get(id: number): Series {
    return this.byId[id]!;
  }

  /** Every kept series. */
  *all(): IterableIterator<Series> {
    for (const s of this.byId) if (s) yield s;
  }

  /**
   * The handle of the series whose label fields are bytes [lo, hi) of `buf`: a kept series' id
   * (created when new), {@link IGNORED} for one kad does not read, {@link REFUSED} for a new one
   * while `maxSeries` are kept.
   */
  lookup(buf: Uint8Array, lo: number, hi: number): number {
    if (!this.mayRead(buf, lo, hi)) return IGNORED;
    if (buf !== this.viewOf) {
      this.viewOf = buf;
      this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    }
    const hash = hashBytes(this.view, lo, hi);
    const byHash = this.byHash;
    for (let k = byHash.find(hash); k >= 0; k = byHash.find(hash, k)) {
      const s = this.byId[byHash.idAt(k)]!;
      if (sameKey(s.key, buf, lo, hi)) return s.id;
    }
    for (let s = this.ignored.get(hash); s; s = s.next) if (sameKey(s.key, buf, lo, hi)) return IGNORED;
    return this.create(buf, lo, hi, hash);
  }

  /** Drops samples older than `t`, and the series (and pods) left with none. Returns the series dropped. */
  dropOlderThan(t: number): number {
    let dropped = 0;
    for (const s of this.byId) {
      if (!s) continue;
      s.ring.dropBefore(t);
      if (s.ring.size === 0) {
        this.remove(s);
        dropped++;
      }
    }
    return dropped;
  }

  /** Bytes held by the kept series' samples and label bytes (not counting object overheads). */
  bytes(): number {
    let n = 0;
    for (const s of this.byId) if (s) n += s.ring.bytes + s.key.length;
    return n;
  }

  /**
   * False when the series' `__name__` is surely not a metric kad reads (its length and last two
   * bytes match none); true when it may be one (the series' own bytes decide, once, in {@link create}).
   */
  private mayRead(buf: Uint8Array, lo: number, hi: number): boolean {
    // Prometheus sorts labels, so `__name__` leads: 0x0a <len> 0x0a 0x08 "__name__" 0x12 <len> <value>.
    const p = buf[lo + 1] < 0x80 ? lo + 2 : lo + 3;
    if (buf[lo] === 0x0a && buf[p] === 0x0a && buf[p + 1] === 8 && buf[p + 10] === 0x12 && buf[p + 11] < 0x80 && p + 12 + buf[p + 11] <= hi && bytesEqual(buf, p + 2, p + 10, NAME)) {
      const e = p + 12 + buf[p + 11];
      return e - p - 12 >= 2 && NAME_ENDS.has((e - p - 12) * 65536 + buf[e - 2] * 256 + buf[e - 1]);
    }
    const c = this.cursor.reset(buf, lo, hi);
    while (c.next()) if (bytesEqual(buf, c.nameLo, c.nameHi, NAME)) return true;
    return false;
  }

  private create(buf: Uint8Array, lo: number, hi: number, hash: number): number {
    const labels: Record<string, string> = {};
    const c = this.cursor.reset(buf, lo, hi);
    while (c.next()) labels[utf8.decode(buf.subarray(c.nameLo, c.nameHi))] = utf8.decode(buf.subarray(c.valueLo, c.valueHi));
    const namespace = labels.namespace ?? '';
    const podName = labels[this.opts.podLabel] ?? '';
    const roleOf = Object.hasOwn(METRICS, labels.__name__ ?? '') ? METRICS[labels.__name__] : undefined;
    const role = roleOf && namespace && podName && this.namespaceRe.test(namespace) ? roleOf(labels) : -1;
    const key = Buffer.from(buf.subarray(lo, hi));
    if (role < 0) {
      // Remembered so that it is skipped at the cost of a lookup; forgotten all at once when too many.
      if (this.ignoredCount >= this.opts.maxSeries) {
        this.ignored.clear();
        this.ignoredCount = 0;
      }
      this.ignored.set(hash, { key, next: this.ignored.get(hash) });
      this.ignoredCount++;
      return IGNORED;
    }
    if (this.kept >= this.opts.maxSeries) return REFUSED;
    const podKey = `${namespace}/${podName}`;
    let pod = this.pods.get(podKey);
    if (!pod) this.pods.set(podKey, (pod = { namespace, pod: podName, series: [] }));
    const id = this.freeIds.pop() ?? this.byId.length;
    const owner = role === ROLE.info ? { kind: labels.created_by_kind, name: labels.created_by_name, node: labels.node } : undefined;
    const s: Series = { id, hash, key, role, pod, ring: new SampleRing(16, this.opts.maxSamplesPerSeries), owner };
    this.byHash.add(hash, id);
    this.byId[id] = s;
    pod.series.push(s);
    this.kept++;
    return id;
  }

  private remove(s: Series): void {
    this.byHash.delete(s.hash, s.id);
    this.byId[s.id] = undefined;
    this.freeIds.push(s.id);
    const list = s.pod.series;
    list.splice(list.indexOf(s), 1);
    if (list.length === 0) this.pods.delete(`${s.pod.namespace}/${s.pod.pod}`);
    this.kept--;
  }
}
