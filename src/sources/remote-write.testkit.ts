/**
 * The sending half of Prometheus's remote write, for tests and benchmarks: a snappy block encoder
 * (greedy, hash-matched, emitting every element kind the decoder reads) and a protobuf encoder of
 * `prometheus.WriteRequest`. Prometheus itself is the reference; these only have to be valid.
 */
import type { MetricSample } from '../simulator/types.js';

/** One series to send: its labels (`__name__` included) and samples, oldest first. */
export interface WriteSeries {
  labels: Record<string, string>;
  samples: { t: number; v: number }[];
}

/** Prometheus's staleness marker, a NaN with this bit pattern. */
export const STALE_NAN = new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer)[0];

/** Appends the varint of `v` (a non-negative integer below 2^53) to `out`. */
function varint(out: number[], v: number): void {
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

/** Snappy-compresses `src` as one block (the format Prometheus's remote write sends). */
export function snappyEncode(src: Uint8Array): Uint8Array {
  const n = src.length;
  const out = new Uint8Array(32 + n + Math.ceil(n / 6));
  let o = 0;
  for (let v = n; ; v = Math.floor(v / 128)) {
    if (v < 0x80) {
      out[o++] = v;
      break;
    }
    out[o++] = (v % 128) | 0x80;
  }
  const table = new Int32Array(1 << 14).fill(-1);
  const read32 = (i: number) => (src[i] | (src[i + 1] << 8) | (src[i + 2] << 16) | (src[i + 3] << 24)) >>> 0;
  const literal = (a: number, b: number) => {
    while (a < b) {
      const len = Math.min(b - a, 1 << 24);
      const l = len - 1;
      // The length-1 in the tag, or in the 1 to 3 bytes after a tag of 60 to 62.
      const extra = l < 60 ? 0 : l < 0x100 ? 1 : l < 0x10000 ? 2 : 3;
      out[o++] = (extra ? 59 + extra : l) << 2;
      for (let k = 0; k < extra; k++) out[o++] = (l >>> (8 * k)) & 0xff;
      out.set(src.subarray(a, a + len), o);
      o += len;
      a += len;
    }
  };
  const copy = (offset: number, len: number) => {
    while (len > 0) {
      const m = Math.min(len, 64);
      if (m >= 4 && m <= 11 && offset < 2048) {
        out[o++] = 1 | ((m - 4) << 2) | ((offset >>> 8) << 5);
        out[o++] = offset & 0xff;
      } else if (offset < 0x10000) {
        out[o++] = 2 | ((m - 1) << 2);
        out[o++] = offset & 0xff;
        out[o++] = offset >>> 8;
      } else {
        out[o++] = 3 | ((m - 1) << 2);
        for (let k = 0; k < 4; k++) out[o++] = (offset >>> (8 * k)) & 0xff;
      }
      len -= m;
    }
  };
  let lit = 0;
  let i = 0;
  while (i + 4 <= n) {
    const w = read32(i);
    const h = Math.imul(w, 0x1e35a7bd) >>> 18;
    const cand = table[h];
    table[h] = i;
    if (cand >= 0 && i - cand < 1 << 20 && read32(cand) === w) {
      literal(lit, i);
      let m = 4;
      while (i + m < n && src[cand + m] === src[i + m]) m++;
      copy(i - cand, m);
      i += m;
      lit = i;
    } else {
      i++;
    }
  }
  literal(lit, n);
  return out.slice(0, o);
}

/** Protobuf writer of the few shapes a WriteRequest needs. */
class Writer {
  readonly bytes: number[] = [];
  private readonly f64 = new Float64Array(1);
  private readonly u8 = new Uint8Array(this.f64.buffer);
  tag(field: number, wire: number): void {
    varint(this.bytes, field * 8 + wire);
  }
  len(field: number, body: number[]): void {
    this.tag(field, 2);
    varint(this.bytes, body.length);
    for (const b of body) this.bytes.push(b);
  }
  string(field: number, s: string): void {
    this.len(field, [...Buffer.from(s, 'utf8')]);
  }
  double(field: number, v: number): void {
    this.tag(field, 1);
    this.f64[0] = v;
    for (const b of this.u8) this.bytes.push(b);
  }
  int64(field: number, v: number): void {
    this.tag(field, 0);
    if (v >= 0) return varint(this.bytes, v);
    // A negative int64: its 64-bit two's complement, 10 varint bytes.
    for (let u = BigInt.asUintN(64, BigInt(v)); u; ) {
      const b = Number(u & 0x7fn);
      u >>= 7n;
      this.bytes.push(u ? b | 0x80 : b);
    }
  }
}

/**
 * The protobuf bytes of a `prometheus.WriteRequest` with these series, labels sorted by name as
 * Prometheus sends them (`sortLabels` false: in the order given).
 */
export function encodeWriteRequest(series: readonly WriteSeries[], sortLabels = true): Uint8Array {
  const req = new Writer();
  for (const s of series) {
    const ts = new Writer();
    const names = Object.keys(s.labels);
    for (const name of sortLabels ? names.sort() : names) {
      const l = new Writer();
      l.string(1, name);
      l.string(2, s.labels[name]);
      ts.len(1, l.bytes);
    }
    for (const { t, v } of s.samples) {
      const sm = new Writer();
      sm.double(1, v);
      sm.int64(2, t);
      ts.len(2, sm.bytes);
    }
    req.len(1, ts.bytes);
  }
  return Uint8Array.from(req.bytes);
}

/** A remote-write request body: the WriteRequest, snappy-compressed. */
export function writeRequestBody(series: readonly WriteSeries[], sortLabels = true): Buffer {
  return Buffer.from(snappyEncode(encodeWriteRequest(series, sortLabels)));
}

/** The simulator's samples at time `t` as remote-write series, one sample each, with the labels a scrape adds. */
export function seriesFromSamples(samples: readonly MetricSample[], t: number, extra: Record<string, string> = { job: 'kad-sim', instance: 'sim:9100' }): WriteSeries[] {
  return samples.map((s) => ({ labels: { __name__: s.name, ...extra, ...s.labels }, samples: [{ t, v: s.value }] }));
}
